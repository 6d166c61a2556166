// burst-tune --version: the version and what this build contains.
#include "cli/version.hpp"

#include <fmt/core.h>

#include "burst/config.hpp"
#include "burst/system.hpp"

namespace burst::cli {

std::string version_text() {
  const BuildInfo b = build_info();
  std::string text = fmt::format("burst-tune {}\n", BURST_VERSION);
  text += fmt::format("  CUDA:     {}\n", b.cuda ? fmt::format("on (toolkit {}, architectures {})",
                                                               b.cuda_toolkit_version, BURST_CUDA_ARCHS)
                                                 : std::string("off (CPU backend only)"));
  text += fmt::format("  NCCL:     {}\n", b.nccl_version.empty() ? "off" : b.nccl_version);
  text += fmt::format("  CUPTI:    {}\n", b.cupti_version.empty() ? "off" : b.cupti_version);
  text += fmt::format("  NVTX:     {}\n", BURST_HAVE_NVTX ? "on (domain burst)" : "off");
  text += fmt::format("  MPI:      {}\n", b.mpi_version.empty() ? "off" : b.mpi_version);
  text += fmt::format("  CPU kernels: {}\n", b.cpu_kernels);
  text += fmt::format("  compiler: {}", BURST_CXX_COMPILER);
  return text;
}

}  // namespace burst::cli
