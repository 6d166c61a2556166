// Forward block kernel on tensor cores (FlashAttention-2 style) for fp16/bf16 inputs: one CTA owns
// TQ query rows of one (batch, head); its WARPS warps own TQ / WARPS rows each. Key/value tiles of TK
// rows stream through STAGES shared-memory buffers (cp.async, one commit group per tile); S = Q K^T
// and O += P V run on mma.sync m16n8k16 with fp32 accumulators; the online softmax lives in the
// log2 domain; at the end the block result is folded into the running (o, lse) state in place
// (docs/algorithm.md, "Local attention with a running state"). Rows that see no key are not touched.
//
//  pipeline (STAGES = 2):   load K0,V0 | load K1,V1  compute tile 0 | load K2,V2  compute tile 1 | ...
//
// Shared memory: Q (TQ, D + 8) | K (STAGES, TK, D + 8) | V (STAGES, TK, D + 8), 2-byte elements;
// the 16-byte row padding keeps ldmatrix conflict-free. Q fragments are re-read from shared memory
// for every key tile (registers go to the O and S accumulators).
#pragma once

#include <cmath>

#include "burst/error.hpp"
#include "kernels/cuda/cuda_launchers.hpp"
#include "kernels/cuda/device_common.cuh"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/tile_policy.hpp"

namespace burst::kernels::cuda {

template <typename Elem, int D, int TQ, int TK, int WARPS, int STAGES>
__global__ void __launch_bounds__(WARPS * 32) fwd_mma_kernel(const DeviceFwdParams p) {
  static_assert(valid_fwd_mma_shape(TileShape{TQ, TK, WARPS, STAGES}, D), "invalid forward tile shape");
  static_assert(TQ % (16 * WARPS) == 0, "each warp owns a multiple of 16 query rows");
  static_assert(TK % 16 == 0 && D % 16 == 0, "mma k-steps are 16 wide");
  static_assert(sizeof(Elem) == 2, "tensor-core path takes 2-byte inputs");
  constexpr int threads = WARPS * 32;
  constexpr int rows_per_warp = TQ / WARPS;
  constexpr int mf_count = rows_per_warp / 16;  // m-fragments per warp
  constexpr int nf_count = TK / 8;              // n-fragments of S
  constexpr int df_count = D / 8;               // n-fragments of O
  constexpr int ld = D + smem_pad_elems;        // shared-memory row stride in elements
  constexpr int chunks_per_row = D / 8;         // 16-byte chunks
  static_assert((TQ * chunks_per_row) % threads == 0 && (TK * chunks_per_row) % threads == 0);

  extern __shared__ __align__(16) unsigned char smem_raw[];
  Elem* s_q = reinterpret_cast<Elem*>(smem_raw);
  Elem* s_k = s_q + TQ * ld;
  Elem* s_v = s_k + STAGES * TK * ld;

  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
  const int g = lane / 4, t4 = lane % 4;
  const int q0 = blockIdx.x * TQ, h = blockIdx.y, b = blockIdx.z;
  const int hk = h / p.group;
  const int rows = min(TQ, p.nq - q0);
  const int nk_end = visible_key_end(p.mask, p.nk, q0, rows);
  if (nk_end <= 0) return;  // the whole block is in the future of this tile (uniform over the CTA)
  const int n_tiles = (nk_end + TK - 1) / TK;

  const Elem* g_q = static_cast<const Elem*>(p.q) + b * p.q_batch_stride +
                    static_cast<std::int64_t>(q0) * p.q_row_stride + static_cast<std::int64_t>(h) * D;
  const std::int64_t kv_base = b * p.kv_batch_stride + static_cast<std::int64_t>(hk) * D;
  const Elem* g_k = static_cast<const Elem*>(p.k) + kv_base;
  const Elem* g_v = static_cast<const Elem*>(p.v) + kv_base;

#pragma unroll
  for (int c = tid; c < TQ * chunks_per_row; c += threads) {
    const int r = c / chunks_per_row, col = (c % chunks_per_row) * 8;
    const bool valid = r < rows;
    cp_async16(s_q + r * ld + col, valid ? g_q + r * p.q_row_stride + col : g_q, valid);
  }
  cp_async_commit();

  auto load_kv = [&](int tile, int buf) {
    const int j0 = tile * TK;
    Elem* dk = s_k + buf * TK * ld;
    Elem* dv = s_v + buf * TK * ld;
#pragma unroll
    for (int c = tid; c < TK * chunks_per_row; c += threads) {
      const int r = c / chunks_per_row, col = (c % chunks_per_row) * 8;
      const bool valid = j0 + r < p.nk;
      const std::int64_t off = valid ? static_cast<std::int64_t>(j0 + r) * p.kv_row_stride + col : 0;
      cp_async16(dk + r * ld + col, g_k + off, valid);
      cp_async16(dv + r * ld + col, g_v + off, valid);
    }
  };
#pragma unroll
  for (int s = 0; s < STAGES - 1; ++s) {
    if (s < n_tiles) load_kv(s, s);
    cp_async_commit();
  }

  float acc[mf_count][df_count][4];
  float row_max[mf_count][2], row_sum[mf_count][2];
#pragma unroll
  for (int mf = 0; mf < mf_count; ++mf) {
#pragma unroll
    for (int df = 0; df < df_count; ++df)
#pragma unroll
      for (int e = 0; e < 4; ++e) acc[mf][df][e] = 0.0f;
    row_max[mf][0] = row_max[mf][1] = -INFINITY;
    row_sum[mf][0] = row_sum[mf][1] = 0.0f;
  }
  const int warp_row0 = warp * rows_per_warp;

  for (int tile = 0; tile < n_tiles; ++tile) {
    const int pre = tile + STAGES - 1;
    if (pre < n_tiles) load_kv(pre, pre % STAGES);
    cp_async_commit();
    cp_async_wait<STAGES - 1>();
    __syncthreads();
    const Elem* c_k = s_k + (tile % STAGES) * TK * ld;
    const Elem* c_v = s_v + (tile % STAGES) * TK * ld;
    const int j0 = tile * TK;

    // S = Q K^T  (rows_per_warp x TK per warp)
    float s[mf_count][nf_count][4];
#pragma unroll
    for (int mf = 0; mf < mf_count; ++mf)
#pragma unroll
      for (int nf = 0; nf < nf_count; ++nf)
#pragma unroll
        for (int e = 0; e < 4; ++e) s[mf][nf][e] = 0.0f;
#pragma unroll
    for (int kd = 0; kd < D / 16; ++kd) {
      std::uint32_t a[mf_count][4];
#pragma unroll
      for (int mf = 0; mf < mf_count; ++mf)
        ldmatrix_x4(a[mf], s_q + (warp_row0 + mf * 16 + lane % 16) * ld + kd * 16 + (lane / 16) * 8);
#pragma unroll
      for (int nf2 = 0; nf2 < nf_count / 2; ++nf2) {
        std::uint32_t bk[4];
        ldmatrix_x4(bk, c_k + (nf2 * 16 + lane % 8 + (lane / 16) * 8) * ld + kd * 16 + ((lane / 8) % 2) * 8);
#pragma unroll
        for (int mf = 0; mf < mf_count; ++mf) {
          mma_16816<Elem>(s[mf][2 * nf2], a[mf], bk[0], bk[1]);
          mma_16816<Elem>(s[mf][2 * nf2 + 1], a[mf], bk[2], bk[3]);
        }
      }
    }

    // Mask: only tiles that reach past the block's end or cross the diagonal need it.
    const bool need_mask =
        j0 + TK > p.nk || (p.mask.causal && k_pos(p.mask, j0 + TK - 1) > q_pos(p.mask, q0));
    if (need_mask) {
#pragma unroll
      for (int mf = 0; mf < mf_count; ++mf)
#pragma unroll
        for (int nf = 0; nf < nf_count; ++nf)
#pragma unroll
          for (int e = 0; e < 4; ++e) {
            const int qi = q0 + warp_row0 + mf * 16 + g + (e / 2) * 8;
            const int kj = j0 + nf * 8 + 2 * t4 + (e % 2);
            if (!key_visible(p.mask, p.nk, qi, kj)) s[mf][nf][e] = -INFINITY;
          }
    }

    // Online softmax (log2 domain), rows g and g + 8 of each m-fragment; a quad shares a row.
#pragma unroll
    for (int mf = 0; mf < mf_count; ++mf)
#pragma unroll
      for (int hr = 0; hr < 2; ++hr) {
        float mx = -INFINITY;
#pragma unroll
        for (int nf = 0; nf < nf_count; ++nf) mx = fmaxf(mx, fmaxf(s[mf][nf][2 * hr], s[mf][nf][2 * hr + 1]));
        mx = quad_max(mx);
        const float m_new = fmaxf(row_max[mf][hr], mx);
        const float shift = m_new == -INFINITY ? 0.0f : m_new * p.scale_log2;
        const float alpha = exp2_approx(row_max[mf][hr] * p.scale_log2 - shift);
        float sum = 0.0f;
#pragma unroll
        for (int nf = 0; nf < nf_count; ++nf)
#pragma unroll
          for (int e = 2 * hr; e < 2 * hr + 2; ++e) {
            const float pr = exp2_approx(fmaf(s[mf][nf][e], p.scale_log2, -shift));
            s[mf][nf][e] = pr;
            sum += pr;
          }
        row_sum[mf][hr] = row_sum[mf][hr] * alpha + sum;
        row_max[mf][hr] = m_new;
#pragma unroll
        for (int df = 0; df < df_count; ++df) acc[mf][df][2 * hr] *= alpha, acc[mf][df][2 * hr + 1] *= alpha;
      }

      // O += P V: the S accumulators become A fragments (two n-fragments per 16-key k-step).
#pragma unroll
    for (int kk = 0; kk < TK / 16; ++kk) {
      std::uint32_t a[mf_count][4];
#pragma unroll
      for (int mf = 0; mf < mf_count; ++mf) {
        a[mf][0] = pack2<Elem>(s[mf][2 * kk][0], s[mf][2 * kk][1]);
        a[mf][1] = pack2<Elem>(s[mf][2 * kk][2], s[mf][2 * kk][3]);
        a[mf][2] = pack2<Elem>(s[mf][2 * kk + 1][0], s[mf][2 * kk + 1][1]);
        a[mf][3] = pack2<Elem>(s[mf][2 * kk + 1][2], s[mf][2 * kk + 1][3]);
      }
#pragma unroll
      for (int df2 = 0; df2 < df_count / 2; ++df2) {
        std::uint32_t bv[4];
        ldmatrix_x4_trans(
            bv, c_v + (kk * 16 + lane % 8 + ((lane / 8) % 2) * 8) * ld + df2 * 16 + (lane / 16) * 8);
#pragma unroll
        for (int mf = 0; mf < mf_count; ++mf) {
          mma_16816<Elem>(acc[mf][2 * df2], a[mf], bv[0], bv[1]);
          mma_16816<Elem>(acc[mf][2 * df2 + 1], a[mf], bv[2], bv[3]);
        }
      }
    }
    __syncthreads();  // the buffer just read is the next one refilled
  }
  cp_async_wait<0>();

  // Fold into the running state. Every lane of a quad reads lse before lane 0 of the quad writes it.
  float lse_old[mf_count][2];
  float* lse_row = p.lse + b * p.lse_batch_stride + static_cast<std::int64_t>(h) * p.lse_head_stride;
#pragma unroll
  for (int mf = 0; mf < mf_count; ++mf)
#pragma unroll
    for (int hr = 0; hr < 2; ++hr) {
      row_sum[mf][hr] = quad_sum(row_sum[mf][hr]);
      const int qi = q0 + warp_row0 + mf * 16 + g + hr * 8;
      lse_old[mf][hr] = qi < p.nq ? lse_row[qi] : -INFINITY;
    }
  __syncwarp();
#pragma unroll
  for (int mf = 0; mf < mf_count; ++mf)
#pragma unroll
    for (int hr = 0; hr < 2; ++hr) {
      const int qi = q0 + warp_row0 + mf * 16 + g + hr * 8;
      const float l = row_sum[mf][hr];
      if (qi >= p.nq || !(l > 0.0f)) continue;  // no visible key in this block for this row
      const MergeCoefficients c = merge_state(lse_old[mf][hr], row_max[mf][hr] * p.scale, l);
      float* o = p.o + b * p.o_batch_stride + static_cast<std::int64_t>(qi) * p.o_row_stride +
                 static_cast<std::int64_t>(h) * D;
#pragma unroll
      for (int df = 0; df < df_count; ++df) {
        float2* cell = reinterpret_cast<float2*>(o + df * 8 + 2 * t4);
        float2 v = *cell;
        v.x = c.c_old * v.x + c.c_new * acc[mf][df][2 * hr];
        v.y = c.c_old * v.y + c.c_new * acc[mf][df][2 * hr + 1];
        *cell = v;
      }
      if (t4 == 0) lse_row[qi] = c.lse_new;
    }
}

template <DType T, int D, int Shape>
void fwd_mma_launch(const FwdBlockParams& p, void* stream) {
  constexpr TileShape s = fwd_mma_shapes[Shape];
  BURST_REQUIRE(p.dtype == T && p.head_dim == D,
                "fwd_mma_launch: dtype or head_dim differs from the variant's");
  using Elem = typename elem_type<T>::type;
  launch_kernel(&fwd_mma_kernel<Elem, D, s.tile_q, s.tile_kv, s.warps, s.stages>,
                fwd_launch_shape(s, fwd_mma_smem_bytes(s, D), p), to_device(p), stream);
}

}  // namespace burst::kernels::cuda
