// The registry of local attention kernel variants (STYLE.md: "a registry, not nested switches").
//
// Each compiled variant is a KernelDesc: a name, its backend, what it supports, and its entry
// points. The tuner walks kernel_registry() and asks can_implement(desc, problem) for each candidate;
// nullopt means "can run", otherwise the string says why not (an expected outcome, not an error).
// The runtime picks with find_cpu_kernel() (or find_kernel(name)) and calls desc.forward/backward.
//
// Variants today:
//   "cpu_tiled"  backend cpu; dtypes fp32, fp16, bf16 (fp32 arithmetic); head_dim 32..256, multiple
//                of 8; tile_q and tile_kv 16..256, multiples of 16 (the SIMD width; 64x64 is a good
//                default, the tuner searches the rest).
//   "cuda_*"     backend cuda, in CUDA builds only (kernels/cuda/cuda_registry.cpp lists them): one
//                entry per compiled variant with its fixed tile shape, warps, stages, head dim,
//                dynamic shared memory and architectures; forward-only or backward-only entries.
//                Their entry points are launch_forward/launch_backward (device pointers, a
//                cudaStream_t passed as void*); forward/backward (host) stay null.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "burst/types.hpp"
#include "kernels/attention_params.hpp"

namespace burst::kernels {

struct KernelDesc {
  std::string_view name;
  Backend backend = Backend::cpu;
  std::vector<DType> dtypes;
  int min_head_dim = 0, max_head_dim = 0, head_dim_multiple = 1;
  int min_tile = 0, max_tile = 0, tile_multiple = 1;  // for tile_q and tile_kv alike
  void (*forward)(const FwdBlockParams&) = nullptr;
  void (*backward)(const BwdBlockParams&) = nullptr;

  // Compiled CUDA variants (zero/null for the CPU kernel).
  std::string_view description;    // "forward, mma.sync m16n8k16 bf16, d=128, 128x64, 4 warps, 2 stages"
  int tile_q = 0, tile_kv = 0;     // the fixed tile shape; 0: any in min_tile..max_tile
  int warps = 0, stages = 0;       // CTA size in warps, shared-memory pipeline depth
  std::size_t smem_bytes = 0;      // dynamic shared memory per CTA
  int min_arch = 0, max_arch = 0;  // SM version 10*major+minor (80 = sm_80); 0: no bound
  int vector_elems = 1;            // q/k/v pointers, row and batch strides: multiples of this many elements
  void (*launch_forward)(const FwdBlockParams&, void* stream) = nullptr;   // device pointers, async
  void (*launch_backward)(const BwdBlockParams&, void* stream) = nullptr;  // device pointers, async
};

// What a device offers a kernel (cudaDevAttr*): arch 10*major+minor, the per-block shared memory a
// kernel may opt in to (227 KiB on sm_90, 163 KiB on sm_80; 48 KiB without opting in), grid limits.
struct DeviceLimits {
  int arch = 0;
  std::size_t smem_per_block_optin = 48 * 1024;
  std::int64_t max_grid_y = 65535, max_grid_z = 65535;
};

// What a candidate must handle, independent of pointers and sequence lengths.
struct KernelProblem {
  DType dtype = DType::f32;
  std::int64_t head_dim = 0, heads = 0, kv_heads = 0;
  int tile_q = 64, tile_kv = 64;
};

// nullopt when `desc` can run `problem`, else the reason (e.g. "head_dim 20 not in 32..256").
std::optional<std::string> can_implement(const KernelDesc& desc, const KernelProblem& problem);
// The same for full call parameters: adds shape, stride, scale and mask checks.
std::optional<std::string> can_implement(const KernelDesc& desc, const FwdBlockParams& p);
std::optional<std::string> can_implement(const KernelDesc& desc, const BwdBlockParams& p);
// Whether a CUDA variant fits a device: architecture range and shared memory (CPU kernels: nullopt).
std::optional<std::string> can_run_on(const KernelDesc& desc, const DeviceLimits& device);
// Both: the problem's constraints, then the device's.
std::optional<std::string> can_implement(const KernelDesc& desc, const KernelProblem& problem,
                                         const DeviceLimits& device);

// All compiled variants, in preference order.
std::span<const KernelDesc> kernel_registry();
// The CPU tiled kernel ("cpu_tiled").
const KernelDesc& find_cpu_kernel();
// A variant by name, or nullptr.
const KernelDesc* find_kernel(std::string_view name);

}  // namespace burst::kernels
