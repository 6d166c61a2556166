// Builds without CUPTI: there is no collector; callers fall back to the host tracer.
#include "trace/cupti_collector.hpp"

namespace burst::trace {

std::unique_ptr<CuptiCollector> make_cupti_collector(std::string* why_not) {
  if (why_not) *why_not = "this build of libburst has no CUPTI (BURST_ENABLE_CUPTI=OFF or no CUDA)";
  return nullptr;
}

}  // namespace burst::trace
