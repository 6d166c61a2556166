// What one compiled local attention kernel variant is: its name, backend, what it supports and its
// entry points. The CPU table (kernels/registry.cpp) and the CUDA table
// (kernels/cuda/cuda_registry.cpp) build these; kernels/registry.hpp collects both and is the only
// way the runtime and the tuner reach a kernel.
#pragma once

#include <cstddef>
#include <cstdint>
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
  bool bounded_masks = false;  // applies MaskMode::bounded (documents, windows); every kernel applies causal
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
  int warps = 0, stages = 0;  // CUDA launch shape asked for; 0: any
  bool bounded_mask = false;  // the mask has documents or a window (MaskMode::bounded)
};

}  // namespace burst::kernels
