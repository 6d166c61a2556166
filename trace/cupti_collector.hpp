// CUPTI activity collector (CUDA builds with CUPTI): concurrent kernels, memcpy, memset, runtime
// API and synchronisation records through CUPTI's buffer callbacks, with correlation ids.
//
//   std::string why;
//   auto collector = burst::trace::make_cupti_collector(&why);   // nullptr: use the host tracer
//   collector->start();  ... trial ...  CuptiRecords r = collector->flush();  // end of each trial
//
// make_cupti_collector returns nullptr (and says why) when this build has no CUPTI, or when
// another profiler already holds CUPTI (nsys, ncu): then it prints one warning per process, and
// NVTX ranges plus the host tracer still work. One collector per process.
#pragma once

#include <memory>
#include <string>

#include "trace/cupti_records.hpp"

namespace burst::trace {

class CuptiCollector {
 public:
  virtual ~CuptiCollector() = default;
  virtual void start() = 0;          // enables the activity kinds
  virtual CuptiRecords flush() = 0;  // cuptiActivityFlushAll, disables, returns the records
};

std::unique_ptr<CuptiCollector> make_cupti_collector(std::string* why_not = nullptr);

}  // namespace burst::trace
