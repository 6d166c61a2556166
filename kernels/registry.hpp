// The registry of local attention kernel variants (docs/architecture.md: "a registry, not nested switches").
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
#include "kernels/kernel_desc.hpp"

namespace burst::kernels {

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

// A refusal with the field it is about: "dtype", "head_dim", "heads", "kernel.tile_q",
// "kernel.tile_kv", "kernel.warps", "kernel.stages", "pass" (no entry point), "device".
struct Refusal {
  std::string_view field;
  std::string message;
};
// can_implement(desc, problem) with the field named.
std::optional<Refusal> refusal(const KernelDesc& desc, const KernelProblem& problem);

// The first variant of `backend` in preference order that has an entry point for the pass
// (forward when `forward`, else backward) and can implement `problem`; otherwise the refusal of
// the variant closest to the problem (the one that refused last in check order), named with its
// variant. `device` is consulted for CUDA variants only.
struct KernelChoice {
  const KernelDesc* kernel = nullptr;
  std::optional<Refusal> why_not;  // set when kernel is nullptr
};
KernelChoice choose_kernel(Backend backend, bool forward, const KernelProblem& problem,
                           const DeviceLimits* device = nullptr);

// All compiled variants, in preference order.
std::span<const KernelDesc> kernel_registry();
// The CPU tiled kernel ("cpu_tiled").
const KernelDesc& find_cpu_kernel();
// A variant by name, or nullptr.
const KernelDesc* find_kernel(std::string_view name);

}  // namespace burst::kernels
