// BURST_CUDA_CHECK(call): the one CUDA-runtime check of libburst (kernels/ and comm/; docs/architecture.md
// 5). Included only by code built with CUDA (it needs the toolkit's cuda_runtime_api.h). A failed call throws
// burst::Error with file:line, the call as text and CUDA's own name and words for the error.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "burst/error.hpp"

namespace burst::detail {

[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* call, const char* file, int line) {
  std::string text("CUDA call failed: ");
  text.append(call)
      .append(": ")
      .append(cudaGetErrorName(err))
      .append(" (")
      .append(cudaGetErrorString(err))
      .append(")");
  throw Error(text, file, line, call);
}

}  // namespace burst::detail

#define BURST_CUDA_CHECK(call)                                                       \
  do {                                                                               \
    const cudaError_t burst_cuda_err_ = (call);                                      \
    if (burst_cuda_err_ != cudaSuccess)                                              \
      ::burst::detail::throw_cuda_error(burst_cuda_err_, #call, __FILE__, __LINE__); \
  } while (0)
