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
#pragma once

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

// All compiled variants, in preference order.
std::span<const KernelDesc> kernel_registry();
// The CPU tiled kernel ("cpu_tiled").
const KernelDesc& find_cpu_kernel();
// A variant by name, or nullptr.
const KernelDesc* find_kernel(std::string_view name);

}  // namespace burst::kernels
