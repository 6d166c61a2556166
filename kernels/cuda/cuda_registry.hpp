// The compiled CUDA variants as registry entries (CUDA builds only; kernels/registry.cpp appends
// them after the CPU kernel) and the limits of the current device for can_run_on().
#pragma once

#include <span>

#include "kernels/kernel_desc.hpp"

namespace burst::kernels::cuda {

// Every instantiation of kernels/cuda/*.cu, built from tile_policy.hpp's lists:
//   cuda_mma_fwd_{fp16,bf16}_d{64,128}_{128x64,64x64}_w4_s2   forward, tensor cores
//   cuda_simt_fwd_fp32_d{64,128}_32x32_w4                     forward, fp32 SIMT
//   cuda_simt_bwd_{fp32,fp16,bf16}_d{64,128}_32x32_w4         backward, SIMT, dQ by fp32 atomics
std::span<const KernelDesc> cuda_kernel_descs();

// Architecture, opt-in shared memory per block and grid limits of the current CUDA device; throws
// burst::Error when there is none (callers that may run without a GPU ask cudaGetDeviceCount first).
DeviceLimits current_device_limits();

}  // namespace burst::kernels::cuda
