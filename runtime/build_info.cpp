// build_info(): what this build of libburst contains and the versions of the libraries it was
// built against, all readable without a GPU (ncclGetVersion, cuptiGetVersion and
// MPI_Get_library_version work before any device or MPI_Init).
#include <cstdint>
#include <cstring>
#include <string>

#include "burst/config.hpp"
#include "burst/system.hpp"
#include "kernels/cpu_isa.hpp"

#if BURST_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif
#if BURST_HAVE_NCCL
#include <nccl.h>
#endif
#if BURST_HAVE_CUPTI
#include <cupti_version.h>
#endif
#if BURST_HAVE_MPI
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1  // the C API only: OpenMPI's C++ bindings need libmpi_cxx
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>
#endif

namespace burst {
namespace {

#if BURST_HAVE_CUDA
// 13000 -> "13.0" (CUDA encodes 1000 * major + 10 * minor).
std::string cuda_version_text(int v) {
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}
#endif

#if BURST_HAVE_NCCL
// NCCL >= 2.9 encodes 10000 * major + 100 * minor + patch; older ones 1000 * major + 100 * minor + patch.
std::string nccl_version_text(int code) {
  const int major = code >= 10000 ? code / 10000 : code / 1000;
  const int rest = code >= 10000 ? code % 10000 : code % 1000;
  return std::to_string(major) + "." + std::to_string(rest / 100) + "." + std::to_string(rest % 100);
}
#endif

#if BURST_HAVE_MPI
std::string first_line(std::string text) {
  const auto end = text.find_first_of("\r\n");
  if (end != std::string::npos) text.resize(end);
  while (!text.empty() && (text.back() == ' ' || text.back() == ',')) text.pop_back();
  return text;
}
#endif

}  // namespace

BuildInfo build_info() {
  BuildInfo b;
  b.version = BURST_VERSION;
  b.cuda = BURST_HAVE_CUDA != 0;
  b.cuda_archs = BURST_CUDA_ARCHS;
  b.nvtx = BURST_HAVE_NVTX != 0;
  b.cpu_kernels = kernels::cpu_kernels_description();
#if BURST_HAVE_CUDA
  b.cuda_toolkit_version = cuda_version_text(CUDART_VERSION);
#endif
#if BURST_HAVE_NCCL
  int nccl = 0;
  if (ncclGetVersion(&nccl) == ncclSuccess && nccl > 0) {
    b.nccl_version = nccl_version_text(nccl);
  } else {
    b.nccl_version = nccl_version_text(NCCL_VERSION_CODE);
  }
#endif
#if BURST_HAVE_CUPTI
  std::uint32_t cupti = 0;
  if (cuptiGetVersion(&cupti) == CUPTI_SUCCESS) {
    b.cupti_version = "API " + std::to_string(cupti);
  } else {
    b.cupti_version = "API " + std::to_string(CUPTI_API_VERSION);
  }
#endif
#if BURST_HAVE_MPI
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  if (MPI_Get_library_version(text, &length) == MPI_SUCCESS && length > 0) {
    // OpenMPI counts the terminating NUL in `length`: a NUL inside the string would end every C
    // string made from the version text (burst-tune --version stopped after the MPI line).
    b.mpi_version = first_line(std::string(text, strnlen(text, static_cast<std::size_t>(length))));
  } else {
    b.mpi_version = BURST_MPI_VERSION_TEXT;
  }
#endif
  return b;
}

}  // namespace burst
