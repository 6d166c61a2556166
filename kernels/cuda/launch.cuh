// The one launch helper of the CUDA kernels: grid, block and shared memory from launch_plan.hpp,
// the opt-in for more than 48 KiB of dynamic shared memory, and a checked launch.
#pragma once

#include <cuda_runtime.h>

#include "burst/cuda_check.hpp"
#include "kernels/cuda/launch_plan.hpp"

namespace burst::kernels::cuda {

template <typename Params>
void launch_kernel(void (*kernel)(Params), const LaunchShape& shape, const Params& params, void* stream) {
  if (shape.empty()) return;
  // Opt in every time: one attribute write per call is cheap and right for whichever device is current.
  if (shape.smem_bytes > 48 * 1024)
    BURST_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                          static_cast<int>(shape.smem_bytes)));
  const dim3 grid(static_cast<unsigned>(shape.grid_x), static_cast<unsigned>(shape.grid_y),
                  static_cast<unsigned>(shape.grid_z));
  kernel<<<grid, static_cast<unsigned>(shape.block_threads), shape.smem_bytes,
           static_cast<cudaStream_t>(stream)>>>(params);
  BURST_CUDA_CHECK(cudaGetLastError());
}

template <DType T>
struct elem_type;
template <>
struct elem_type<DType::f32> {
  using type = float;
};
template <>
struct elem_type<DType::f16> {
  using type = __half;
};
template <>
struct elem_type<DType::bf16> {
  using type = __nv_bfloat16;
};

}  // namespace burst::kernels::cuda
