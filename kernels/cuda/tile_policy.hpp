// The one place that decides the CUDA kernels' tile shapes and what they cost in shared memory
// (docs/architecture.md 3). The instantiation lists below are what kernels/cuda/*.cu compile and what
// cuda_registry.cpp registers; the runtime's default choice (default_fwd_shape) picks from the same
// lists, so a shape the runtime asks for always exists. Plain constexpr C++: compiles without nvcc.
//
// Forward, tensor cores (fp16/bf16, mma.sync m16n8k16, fp32 accumulation):
//   a CTA of `warps` warps owns tile_q query rows (tile_q / warps rows per warp, a multiple of 16)
//   and walks the key/value block tile_kv keys at a time; K and V tiles stream through `stages`
//   shared-memory buffers filled by cp.async. Shared memory rows are padded by 8 elements (16 bytes)
//   so ldmatrix reads are bank-conflict free:
//     smem = (tile_q + 2 * stages * tile_kv) * (head_dim + 8) * 2 bytes
//   128x64, 8 warps, 2 stages, d=128: (128 + 256) * 136 * 2 = 104448 bytes (needs the opt-in limit).
//
// Forward, fp32 (SIMT, the correct-first path): 4 warps, 32x32 tiles, fp32 Q, K, V and P in shared
// memory:  smem = (tile_q + 2 * tile_kv) * head_dim * 4 + tile_q * (tile_kv + 1) * 4.
//
// Backward (SIMT for every dtype today; a tensor-core backward is future work): one CTA per key tile
// of one kv head accumulates dK, dV in registers over all query tiles and heads of its group; dQ is
// added with fp32 atomics. fp32 K, V, Q, dO, P, dS, lse and D tiles in shared memory:
//   smem = 2 * tile_kv * head_dim * 4 + 2 * tile_q * head_dim * 4 + 2 * tile_q * (tile_kv + 1) * 4 + 2 *
//   tile_q * 4
#pragma once

#include <cstddef>
#include <cstdint>

// Functions below are used in kernels' static_asserts too: callable from device code under nvcc.
#if defined(__CUDACC__)
#define BURST_HOST_DEVICE __host__ __device__
#else
#define BURST_HOST_DEVICE
#endif

namespace burst::kernels::cuda {

struct TileShape {
  int tile_q = 0, tile_kv = 0, warps = 0, stages = 0;
};

// Instantiated for head_dim 64 and 128, dtypes fp16 and bf16.
// 128x64 uses 8 warps (16 rows each): with 4 warps (32 rows each) d=128 needs more than 255
// registers and spills (ptxas: 92 bytes of spill stores on sm_90; bench/results/cuda-resources.md).
inline constexpr TileShape fwd_mma_shapes[] = {{128, 64, 8, 2}, {64, 64, 4, 2}};
// Instantiated for head_dim 64 and 128.
inline constexpr TileShape fwd_simt_shape{32, 32, 4, 1};
// Instantiated for head_dim 64 and 128, dtypes fp32, fp16 and bf16.
inline constexpr TileShape bwd_simt_shape{32, 32, 4, 1};
inline constexpr int head_dims[] = {64, 128};

inline constexpr int smem_pad_elems = 8;  // 16 bytes per shared-memory row of 2-byte elements

BURST_HOST_DEVICE constexpr std::size_t fwd_mma_smem_bytes(TileShape s, int head_dim) {
  return static_cast<std::size_t>(s.tile_q + 2 * s.stages * s.tile_kv) *
         static_cast<std::size_t>(head_dim + smem_pad_elems) * 2;
}

BURST_HOST_DEVICE constexpr std::size_t fwd_simt_smem_bytes(TileShape s, int head_dim) {
  return (static_cast<std::size_t>(s.tile_q + 2 * s.tile_kv) * static_cast<std::size_t>(head_dim) +
          static_cast<std::size_t>(s.tile_q) * static_cast<std::size_t>(s.tile_kv + 1)) *
         4;
}

BURST_HOST_DEVICE constexpr std::size_t bwd_simt_smem_bytes(TileShape s, int head_dim) {
  return (2 * static_cast<std::size_t>(s.tile_kv + s.tile_q) * static_cast<std::size_t>(head_dim) +
          2 * static_cast<std::size_t>(s.tile_q) * static_cast<std::size_t>(s.tile_kv + 1) +
          2 * static_cast<std::size_t>(s.tile_q)) *
         4;
}

// The checks every kernel template repeats as static_asserts, usable in constant expressions.
BURST_HOST_DEVICE constexpr bool valid_fwd_mma_shape(TileShape s, int head_dim) {
  return s.warps > 0 && s.tile_q % (16 * s.warps) == 0 && s.tile_q / s.warps <= 32 && s.tile_kv % 16 == 0 &&
         s.tile_kv <= 128 && s.stages >= 1 && s.stages <= 4 && head_dim % 16 == 0 && head_dim <= 256;
}

// The runtime's default forward shape for a 2-byte dtype: 128x64 when the block has enough query rows
// to fill 128-row tiles, 64x64 for short blocks (more CTAs, less padding). Both are in fwd_mma_shapes.
BURST_HOST_DEVICE constexpr TileShape default_fwd_shape(std::int64_t nq) {
  return nq >= 1024 ? fwd_mma_shapes[0] : fwd_mma_shapes[1];
}

static_assert(valid_fwd_mma_shape(fwd_mma_shapes[0], 128) && valid_fwd_mma_shape(fwd_mma_shapes[1], 64));
static_assert(fwd_mma_smem_bytes(fwd_mma_shapes[0], 128) == 104448);

}  // namespace burst::kernels::cuda
