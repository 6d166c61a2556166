// The plain parameter structs that cross from the runtime into a local attention kernel (CPU now,
// CUDA later). One rank's queries against one key/value block; everything is a view described by
// a base pointer and element strides, so the runtime can point at a sub-range of rows (a zigzag
// half, a pipeline chunk) without copying.
//
// Layouts (element strides; the innermost head_dim elements are contiguous, head stride = head_dim):
//   q, dout, o, dq : (B, nq, H, d)    row stride >= H * d, batch stride given
//   k, v, dk, dv   : (B, nk, Hkv, d)  row stride >= Hkv * d, batch stride given
//   lse, delta     : (B, H, nq)       float32, head stride >= nq, batch stride given
//
// Masking is by global position: query row i sits at q_pos0 + i * q_pos_stride, key row j at
// k_pos0 + j * k_pos_stride. Contiguous and zigzag blocks use stride 1; the striped layout uses
// stride G (which makes "j > r" strictly causal). Kinds:
//   none     every key is visible (the runtime passes this for blocks the mask leaves whole)
//   causal   a key is visible when its position <= the query's
//   bounded  the full rule of burst/mask.hpp (documents, sliding windows, causal), in `rule`;
//            only kernels whose KernelDesc says bounded_masks take it
#pragma once

#include <cstdint>

#include "burst/mask.hpp"
#include "burst/types.hpp"

namespace burst::kernels {

enum class MaskMode : std::uint8_t { none, causal, bounded };

struct MaskParams {
  MaskMode kind = MaskMode::none;
  std::int64_t q_pos0 = 0, q_pos_stride = 1;
  std::int64_t k_pos0 = 0, k_pos_stride = 1;
  MaskRule rule{};  // kind bounded: which key positions each query position sees
};

// What forward and backward calls share (flash-attention's Qkv_params): the problem, the q/k/v
// views, the mask and the tile shape.
struct QkvParams {
  DType dtype = DType::f32;  // of q, k, v (and dout)
  std::int64_t batch = 0, nq = 0, nk = 0, heads = 0, kv_heads = 0, head_dim = 0;
  float scale = 0.0f;

  const void* q = nullptr;
  std::int64_t q_batch_stride = 0, q_row_stride = 0;  // shared by q and dout (and o/dq rows: see below)
  const void* k = nullptr;
  const void* v = nullptr;
  std::int64_t kv_batch_stride = 0, kv_row_stride = 0;  // shared by k and v

  MaskParams mask;
  int tile_q = 64, tile_kv = 64;
  int threads = 1;
};

struct FwdBlockParams : QkvParams {
  // Running state, folded in place (LAO + GAO, docs/algorithm.md): o is the normalised fp32 output
  // so far, lse its log-sum-exp; initial state o = 0, lse = -inf.
  float* o = nullptr;
  std::int64_t o_batch_stride = 0, o_row_stride = 0;
  float* lse = nullptr;
  std::int64_t lse_batch_stride = 0, lse_head_stride = 0;
};

struct BwdBlockParams : QkvParams {
  const void* dout = nullptr;  // strides: q_batch_stride, q_row_stride

  const float* lse = nullptr;                                // saved forward statistics
  const float* delta = nullptr;                              // D = rowsum(dout * o)
  std::int64_t stat_batch_stride = 0, stat_head_stride = 0;  // shared by lse and delta

  // fp32 gradient accumulators, added to (+=).
  float* dq = nullptr;
  std::int64_t dq_batch_stride = 0, dq_row_stride = 0;
  float* dk = nullptr;
  float* dv = nullptr;
  std::int64_t dkv_batch_stride = 0, dkv_row_stride = 0;

  MaskParams mask;
  int tile_q = 64, tile_kv = 64;
  int threads = 1;
};

// The mask in tile form for code outside the kernels (the runtime's block classification): the
// same source the CPU kernel variants compile in their own namespaces.
namespace mask_detail {
#include "burst/mask_keys.inc"
#include "kernels/mask_tiles.inc"
}  // namespace mask_detail

// D = rowsum(dout * o) for the backward pass: dout and o (B, n, H, d) in `dtype` (contiguous rows
// of H*d), delta (B, H, n) float32 contiguous.
struct DeltaParams {
  DType dtype = DType::f32;
  std::int64_t batch = 0, n = 0, heads = 0, head_dim = 0;
  const void* dout = nullptr;
  const void* o = nullptr;
  float* delta = nullptr;
  int threads = 1;
};

}  // namespace burst::kernels
