// SIMT kernels (no tensor cores): the fp32 forward, the backward for every dtype, and the delta pass.
// Correct first, not fast: fp32 tiles in shared memory, fp32 arithmetic with accurate exp2f/expf.
// Thread mapping in both block kernels: 4 threads per tile row (row = tid / 4, part = tid % 4, one
// quad of a warp), a part owning columns part, part + 4, ... of its row.
//
// Forward (fwd_simt_kernel): one CTA per (query tile, head, batch), online softmax over TK-key tiles,
// folded into (o, lse) exactly like the tensor-core kernel.
// Backward (bwd_simt_kernel): one CTA per (key tile, kv head, batch) loops over the query heads of
// its group and all query tiles that can see its keys; dK and dV accumulate in registers and are
// added once at the end (one writer per element), dQ is added with fp32 atomics (many key tiles
// write one dQ row). P = exp(S - lse), dS = P * (dP - D), as in kernels/cpu_backward.cpp.
#pragma once

#include <cmath>

#include "burst/error.hpp"
#include "kernels/cuda/cuda_launchers.hpp"
#include "kernels/cuda/device_common.cuh"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/tile_policy.hpp"

namespace burst::kernels::cuda {

template <typename Elem, int D, int ROWS>
__device__ __forceinline__ void load_tile_f32(float* dst, const Elem* src, std::int64_t row_stride,
                                              int valid_rows) {
  for (int x = threadIdx.x; x < ROWS * D; x += blockDim.x) {
    const int r = x / D, c = x % D;
    dst[x] = r < valid_rows ? to_float<Elem>(src[r * row_stride + c]) : 0.0f;
  }
}

template <typename Elem, int D, int TQ, int TK, int WARPS>
__global__ void __launch_bounds__(WARPS * 32) fwd_simt_kernel(const DeviceFwdParams p) {
  static_assert(TQ * 4 == WARPS * 32, "4 threads per query row");
  static_assert(TK % 4 == 0 && D % 4 == 0, "a quad splits keys and columns evenly");
  constexpr int cols = D / 4, keys = TK / 4;
  extern __shared__ __align__(16) unsigned char smem_raw[];
  float* s_q = reinterpret_cast<float*>(smem_raw);  // (TQ, D)
  float* s_k = s_q + TQ * D;                        // (TK, D)
  float* s_v = s_k + TK * D;                        // (TK, D)
  float* s_p = s_v + TK * D;                        // (TQ, TK + 1)

  const int tid = threadIdx.x, r = tid / 4, part = tid % 4;
  const int q0 = blockIdx.x * TQ, h = blockIdx.y, b = blockIdx.z, hk = h / p.group;
  const int rows = min(TQ, p.nq - q0);
  const int nk_end = visible_key_end(p.mask, p.nk, q0, rows);
  if (nk_end <= 0) return;
  const Elem* g_k = static_cast<const Elem*>(p.k) + b * p.kv_batch_stride + static_cast<std::int64_t>(hk) * D;
  const Elem* g_v = static_cast<const Elem*>(p.v) + b * p.kv_batch_stride + static_cast<std::int64_t>(hk) * D;
  load_tile_f32<Elem, D, TQ>(s_q,
                             static_cast<const Elem*>(p.q) + b * p.q_batch_stride +
                                 static_cast<std::int64_t>(q0) * p.q_row_stride +
                                 static_cast<std::int64_t>(h) * D,
                             p.q_row_stride, rows);
  float acc[cols];
#pragma unroll
  for (int c = 0; c < cols; ++c) acc[c] = 0.0f;
  float m = -INFINITY, l = 0.0f;
  const int qi = q0 + r;

  for (int j0 = 0; j0 < nk_end; j0 += TK) {
    __syncthreads();
    load_tile_f32<Elem, D, TK>(s_k, g_k + static_cast<std::int64_t>(j0) * p.kv_row_stride, p.kv_row_stride,
                               p.nk - j0);
    load_tile_f32<Elem, D, TK>(s_v, g_v + static_cast<std::int64_t>(j0) * p.kv_row_stride, p.kv_row_stride,
                               p.nk - j0);
    __syncthreads();
    float s[keys];
    float mx = -INFINITY;
#pragma unroll
    for (int x = 0; x < keys; ++x) {
      const int key = part + 4 * x;
      float dot = 0.0f;
      for (int c = 0; c < D; ++c) dot = fmaf(s_q[r * D + c], s_k[key * D + c], dot);
      s[x] = key_visible(p.mask, p.nk, qi, j0 + key) ? dot : -INFINITY;
      mx = fmaxf(mx, s[x]);
    }
    mx = quad_max(mx);
    const float m_new = fmaxf(m, mx);
    const float shift = m_new == -INFINITY ? 0.0f : m_new * p.scale_log2;
    const float alpha = exp2f(m * p.scale_log2 - shift);
    float sum = 0.0f;
#pragma unroll
    for (int x = 0; x < keys; ++x) {
      const float pr = exp2f(s[x] * p.scale_log2 - shift);
      s_p[r * (TK + 1) + part + 4 * x] = pr;
      sum += pr;
    }
    l = l * alpha + quad_sum(sum);
    m = m_new;
    __syncwarp();
#pragma unroll
    for (int c = 0; c < cols; ++c) acc[c] *= alpha;
    for (int key = 0; key < TK; ++key) {
      const float pr = s_p[r * (TK + 1) + key];
#pragma unroll
      for (int c = 0; c < cols; ++c) acc[c] = fmaf(pr, s_v[key * D + part + 4 * c], acc[c]);
    }
  }

  float* lse = p.lse + b * p.lse_batch_stride + static_cast<std::int64_t>(h) * p.lse_head_stride + qi;
  const float lse_old = qi < p.nq ? *lse : -INFINITY;
  __syncwarp();
  if (qi >= p.nq || !(l > 0.0f)) return;
  const MergeCoefficients mc = merge_state(lse_old, m * p.scale, l);
  float* o = p.o + b * p.o_batch_stride + static_cast<std::int64_t>(qi) * p.o_row_stride +
             static_cast<std::int64_t>(h) * D;
#pragma unroll
  for (int c = 0; c < cols; ++c) o[part + 4 * c] = mc.c_old * o[part + 4 * c] + mc.c_new * acc[c];
  if (part == 0) *lse = mc.lse_new;
}

template <typename Elem, int D, int TQ, int TK, int WARPS>
__global__ void __launch_bounds__(WARPS * 32) bwd_simt_kernel(const DeviceBwdParams p) {
  static_assert(TQ * 4 == WARPS * 32 && TK * 4 == WARPS * 32, "4 threads per query row and per key row");
  static_assert(D % 4 == 0, "a quad splits the columns evenly");
  constexpr int cols = D / 4, keys = TK / 4, ldp = TK + 1;
  extern __shared__ __align__(16) unsigned char smem_raw[];
  float* s_k = reinterpret_cast<float*>(smem_raw);  // (TK, D)
  float* s_v = s_k + TK * D;                        // (TK, D)
  float* s_q = s_v + TK * D;                        // (TQ, D)
  float* s_do = s_q + TQ * D;                       // (TQ, D)
  float* s_p = s_do + TQ * D;                       // (TQ, TK + 1)
  float* s_ds = s_p + TQ * ldp;                     // (TQ, TK + 1)
  float* s_lse = s_ds + TQ * ldp;                   // (TQ)  lse * log2(e)
  float* s_delta = s_lse + TQ;                      // (TQ)

  const int tid = threadIdx.x, r = tid / 4, part = tid % 4;
  const int j0 = blockIdx.x * TK, hk = blockIdx.y, b = blockIdx.z;
  const int krows = min(TK, p.nk - j0);
  const std::int64_t kv_off = b * p.kv_batch_stride + static_cast<std::int64_t>(j0) * p.kv_row_stride +
                              static_cast<std::int64_t>(hk) * D;
  load_tile_f32<Elem, D, TK>(s_k, static_cast<const Elem*>(p.k) + kv_off, p.kv_row_stride, krows);
  load_tile_f32<Elem, D, TK>(s_v, static_cast<const Elem*>(p.v) + kv_off, p.kv_row_stride, krows);

  float dk[cols], dv[cols];
#pragma unroll
  for (int c = 0; c < cols; ++c) dk[c] = 0.0f, dv[c] = 0.0f;
  bool any = false;

  for (int h = hk * p.group; h < (hk + 1) * p.group; ++h) {
    const std::int64_t stat_off = b * p.stat_batch_stride + static_cast<std::int64_t>(h) * p.stat_head_stride;
    for (int i0 = 0; i0 < p.nq; i0 += TQ) {
      const int qrows = min(TQ, p.nq - i0);
      if (p.mask.causal && k_pos(p.mask, j0) > q_pos(p.mask, i0 + qrows - 1))
        continue;  // in the future: skip
      any = true;
      __syncthreads();
      const std::int64_t q_off = b * p.q_batch_stride + static_cast<std::int64_t>(i0) * p.q_row_stride +
                                 static_cast<std::int64_t>(h) * D;
      load_tile_f32<Elem, D, TQ>(s_q, static_cast<const Elem*>(p.q) + q_off, p.q_row_stride, qrows);
      load_tile_f32<Elem, D, TQ>(s_do, static_cast<const Elem*>(p.dout) + q_off, p.q_row_stride, qrows);
      if (tid < TQ) {
        s_lse[tid] = tid < qrows ? p.lse[stat_off + i0 + tid] * log2e_f : -INFINITY;
        s_delta[tid] = tid < qrows ? p.delta[stat_off + i0 + tid] : 0.0f;
      }
      __syncthreads();
      // P and dS for query row r, keys part + 4x.
#pragma unroll
      for (int x = 0; x < keys; ++x) {
        const int key = part + 4 * x;
        float pr = 0.0f, ds = 0.0f;
        if (r < qrows && s_lse[r] != -INFINITY && key_visible(p.mask, p.nk, i0 + r, j0 + key)) {
          float s = 0.0f, dp = 0.0f;
          for (int c = 0; c < D; ++c) {
            s = fmaf(s_q[r * D + c], s_k[key * D + c], s);
            dp = fmaf(s_do[r * D + c], s_v[key * D + c], dp);
          }
          pr = exp2f(s * p.scale_log2 - s_lse[r]);
          ds = pr * (dp - s_delta[r]);
        }
        s_p[r * ldp + key] = pr;
        s_ds[r * ldp + key] = ds;
      }
      __syncthreads();
      // dV[key r] += P^T dO, dK[key r] += dS^T Q  (r now names a key row)
      for (int i = 0; i < TQ; ++i) {
        const float pr = s_p[i * ldp + r], ds = s_ds[i * ldp + r];
#pragma unroll
        for (int c = 0; c < cols; ++c) {
          dv[c] = fmaf(pr, s_do[i * D + part + 4 * c], dv[c]);
          dk[c] = fmaf(ds, s_q[i * D + part + 4 * c], dk[c]);
        }
      }
      // dQ[query r] += scale * dS K  (r names a query row again)
      if (r < qrows) {
        float* dq = p.dq + b * p.dq_batch_stride + static_cast<std::int64_t>(i0 + r) * p.dq_row_stride +
                    static_cast<std::int64_t>(h) * D;
#pragma unroll
        for (int c = 0; c < cols; ++c) {
          float sum = 0.0f;
          for (int key = 0; key < TK; ++key)
            sum = fmaf(s_ds[r * ldp + key], s_k[key * D + part + 4 * c], sum);
          atomicAdd(dq + part + 4 * c, p.scale * sum);
        }
      }
    }
  }
  if (!any || r >= krows) return;
  const std::int64_t dkv_off = b * p.dkv_batch_stride + static_cast<std::int64_t>(j0 + r) * p.dkv_row_stride +
                               static_cast<std::int64_t>(hk) * D;
#pragma unroll
  for (int c = 0; c < cols; ++c) {
    p.dk[dkv_off + part + 4 * c] += p.scale * dk[c];
    p.dv[dkv_off + part + 4 * c] += dv[c];
  }
}

// delta (B, H, n) = rowsum(dout * o): one warp per (token, head) row, 8 warps per CTA.
template <typename Elem>
__global__ void __launch_bounds__(256) delta_kernel(const DeviceDeltaParams p) {
  const std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * 8 + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= p.batch * p.n * p.heads) return;
  const std::int64_t token = row / p.heads;
  const int h = static_cast<int>(row % p.heads);
  const std::int64_t off = row * p.head_dim;  // (token, h) in a contiguous (B, n, H, d) tensor
  const Elem* dout = static_cast<const Elem*>(p.dout) + off;
  const Elem* o = static_cast<const Elem*>(p.o) + off;
  float s = 0.0f;
  for (int c = lane; c < p.head_dim; c += 32) s = fmaf(to_float<Elem>(dout[c]), to_float<Elem>(o[c]), s);
#pragma unroll
  for (int w = 16; w > 0; w /= 2) s += __shfl_xor_sync(0xffffffffu, s, w);
  if (lane == 0) {
    const std::int64_t bi = token / p.n, i = token % p.n;
    p.delta[(bi * p.heads + h) * p.n + i] = s;
  }
}

template <int D>
void fwd_simt_launch(const FwdBlockParams& p, void* stream) {
  constexpr TileShape s = fwd_simt_shape;
  BURST_REQUIRE(p.dtype == DType::f32 && p.head_dim == D,
                "fwd_simt_launch: dtype or head_dim differs from the variant's");
  launch_kernel(&fwd_simt_kernel<float, D, s.tile_q, s.tile_kv, s.warps>,
                fwd_launch_shape(s, fwd_simt_smem_bytes(s, D), p), to_device(p), stream);
}

template <DType T, int D>
void bwd_simt_launch(const BwdBlockParams& p, void* stream) {
  constexpr TileShape s = bwd_simt_shape;
  BURST_REQUIRE(p.dtype == T && p.head_dim == D,
                "bwd_simt_launch: dtype or head_dim differs from the variant's");
  using Elem = typename elem_type<T>::type;
  launch_kernel(&bwd_simt_kernel<Elem, D, s.tile_q, s.tile_kv, s.warps>,
                bwd_launch_shape(s, bwd_simt_smem_bytes(s, D), p), to_device(p), stream);
}

}  // namespace burst::kernels::cuda
