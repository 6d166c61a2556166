// CPU backward block kernel and the delta pass (see cpu_attention.hpp). Two race-free passes:
//   1. dk, dv: one work item per (batch, kv head, key tile) loops over the group's query heads and
//      all query tiles, accumulating dK_j += scale * dS^T Q and dV_j += P^T dO in fp32 scratch;
//   2. dq: one work item per (batch, head, query tile) loops over the key tiles, dQ_i += scale * dS K.
// Both recompute P = exp(S - lse) and dS = P * (dP - D) per tile pair, so nothing n x n is stored.
// Compiled once per instruction-set variant (kernels/cpu_variant.hpp); cpu_backward_block and
// cpu_compute_delta themselves, with the parameter checks, are in kernels/cpu_dispatch.cpp.
#include <algorithm>
#include <cmath>

#include "kernels/cpu_tiles.hpp"
#include "kernels/cpu_variant.hpp"
#include "kernels/thread_pool.hpp"
#include "kernels/tile_ops.hpp"

namespace burst::kernels::BURST_CPU_ISA_NS {
namespace {

using namespace cpu_detail;
using simd::vf;

struct BwdScratch {  // tq = tile_q, tk = tile_kv, dp = head_dim padded to 16
  float* q;          // (tq, dp)
  float* dout;       // (tq, dp)
  float* kt;         // (dp, tk)  K transposed
  float* vt;         // (dp, tk)  V transposed
  float* k;          // (tk, dp)  K rows (dq pass)
  float* p;          // (tq, tk)  P
  float* ds;         // (tq, tk)  dP, then dS
  float* acc0;       // (max(tq, tk), dp)  dq, or dk
  float* acc1;       // (tk, dp)            dv
  float* tmp;        // (dp)

  static std::int64_t floats(std::int64_t tq, std::int64_t tk, std::int64_t dp) {
    return 2 * tq * dp + 3 * tk * dp + 2 * tq * tk + std::max(tq, tk) * dp + tk * dp + dp + 10 * 16;
  }
  BwdScratch(float* base, std::int64_t tq, std::int64_t tk, std::int64_t dp) {
    auto take = [&](std::int64_t n) {
      float* r = base;
      base += round_up(n, 16);
      return r;
    };
    q = take(tq * dp), dout = take(tq * dp), kt = take(dp * tk), vt = take(dp * tk), k = take(tk * dp);
    p = take(tq * tk), ds = take(tq * tk), acc0 = take(std::max(tq, tk) * dp), acc1 = take(tk * dp),
    tmp = take(dp);
  }
};

// For query rows [i0, i0 + nqt) of head h and the key tile at j0 (nkt keys, kt/vt loaded):
// w.p = P, w.ds = dS, both (nqt, nk_pad) with zeros where masked or padded.
void probabilities_and_ds(const BwdBlockParams& p, BwdScratch& w, std::int64_t b, std::int64_t h,
                          std::int64_t i0, std::int64_t nqt, std::int64_t j0, std::int64_t nkt,
                          std::int64_t nk_pad, TileVisibility vis) {
  const TileMask mask{p.mask};
  const std::int64_t d = p.head_dim, dp = round_up(d, simd::lanes);
  tile::gemm_nt(nqt, nk_pad, d, w.q, dp, w.kt, nk_pad, w.p, nk_pad);
  tile::gemm_nt(nqt, nk_pad, d, w.dout, dp, w.vt, nk_pad, w.ds, nk_pad);
  const float* lse = p.lse + b * p.stat_batch_stride + h * p.stat_head_stride + i0;
  const float* delta = p.delta + b * p.stat_batch_stride + h * p.stat_head_stride + i0;
  const vf c = simd::splat(p.scale * log2e);
  for (std::int64_t i = 0; i < nqt; ++i) {
    float* pr = w.p + i * nk_pad;
    float* dr = w.ds + i * nk_pad;
    const std::int64_t visible = vis == TileVisibility::all ? nkt : mask.visible_prefix(i0 + i, j0, nkt);
    if (lse[i] == neg_inf || visible == 0) {  // the row saw no key in the forward pass, or none here
      for (std::int64_t j = 0; j < nk_pad; ++j) pr[j] = 0.0f, dr[j] = 0.0f;
      continue;
    }
    const vf shift = simd::splat(lse[i] * log2e);
    const vf dv = simd::splat(delta[i]);
    for (std::int64_t j = 0; j < nk_pad; j += simd::lanes) {
      const vf e = simd::exp2(simd::load(pr + j) * c - shift);
      simd::store(pr + j, e);
      simd::store(dr + j, e * (simd::load(dr + j) - dv));
    }
    for (std::int64_t j = visible; j < nk_pad; ++j) pr[j] = 0.0f, dr[j] = 0.0f;
  }
}

void load_q_side(const BwdBlockParams& p, BwdScratch& w, std::int64_t b, std::int64_t h, std::int64_t i0,
                 std::int64_t nqt) {
  const std::int64_t d = p.head_dim, dp = round_up(d, simd::lanes);
  const std::int64_t off = bshd(b, p.q_batch_stride, i0, p.q_row_stride, h, d);
  load_rows(offset(p.q, p.dtype, off), p.dtype, p.q_row_stride, nqt, nqt, d, 1.0f, w.q, dp);
  load_rows(offset(p.dout, p.dtype, off), p.dtype, p.q_row_stride, nqt, nqt, d, 1.0f, w.dout, dp);
}

// Pass 1: dk, dv for key rows [j0, j0 + nkt) of kv head hk.
void dkdv_item(const BwdBlockParams& p, std::int64_t b, std::int64_t hk, std::int64_t j0) {
  const std::int64_t d = p.head_dim, dp = round_up(d, simd::lanes);
  const std::int64_t tq = p.tile_q, tk = p.tile_kv, group = p.heads / p.kv_heads;
  const std::int64_t nkt = std::min<std::int64_t>(tk, p.nk - j0), nk_pad = round_up(nkt, simd::lanes);
  const TileMask mask{p.mask};
  BwdScratch w(thread_scratch(BwdScratch::floats(tq, tk, dp)), tq, tk, dp);
  const std::int64_t kv_off = bshd(b, p.kv_batch_stride, j0, p.kv_row_stride, hk, d);
  load_transposed(offset(p.k, p.dtype, kv_off), p.dtype, p.kv_row_stride, nkt, d, w.kt, nk_pad, w.tmp);
  load_transposed(offset(p.v, p.dtype, kv_off), p.dtype, p.kv_row_stride, nkt, d, w.vt, nk_pad, w.tmp);
  for (std::int64_t x = 0; x < nkt * dp; ++x) w.acc0[x] = 0.0f, w.acc1[x] = 0.0f;

  bool any = false;
  for (std::int64_t h = hk * group; h < (hk + 1) * group; ++h) {
    for (std::int64_t i0 = 0; i0 < p.nq; i0 += tq) {
      const std::int64_t nqt = std::min<std::int64_t>(tq, p.nq - i0);
      const TileVisibility vis = mask.classify(i0, nqt, j0, nkt);
      if (vis == TileVisibility::none) continue;
      any = true;
      load_q_side(p, w, b, h, i0, nqt);
      probabilities_and_ds(p, w, b, h, i0, nqt, j0, nkt, nk_pad, vis);
      tile::gemm_acc(nkt, dp, nqt, w.p, 1, nk_pad, w.dout, dp, w.acc1, dp);  // dV += P^T dO
      tile::gemm_acc(nkt, dp, nqt, w.ds, 1, nk_pad, w.q, dp, w.acc0, dp);    // dK += dS^T Q
    }
  }
  if (!any) return;
  for (std::int64_t j = 0; j < nkt; ++j) {
    float* dk = p.dk + bshd(b, p.dkv_batch_stride, j0 + j, p.dkv_row_stride, hk, d);
    float* dv = p.dv + bshd(b, p.dkv_batch_stride, j0 + j, p.dkv_row_stride, hk, d);
    for (std::int64_t c = 0; c < d; ++c) {
      dk[c] += p.scale * w.acc0[j * dp + c];
      dv[c] += w.acc1[j * dp + c];
    }
  }
}

// Pass 2: dq for query rows [i0, i0 + nqt) of head h.
void dq_item(const BwdBlockParams& p, std::int64_t b, std::int64_t h, std::int64_t i0) {
  const std::int64_t d = p.head_dim, dp = round_up(d, simd::lanes);
  const std::int64_t tq = p.tile_q, tk = p.tile_kv, hk = h / (p.heads / p.kv_heads);
  const std::int64_t nqt = std::min<std::int64_t>(tq, p.nq - i0);
  const TileMask mask{p.mask};
  BwdScratch w(thread_scratch(BwdScratch::floats(tq, tk, dp)), tq, tk, dp);
  load_q_side(p, w, b, h, i0, nqt);
  for (std::int64_t x = 0; x < nqt * dp; ++x) w.acc0[x] = 0.0f;

  bool any = false;
  for (std::int64_t j0 = 0; j0 < p.nk; j0 += tk) {
    const std::int64_t nkt = std::min<std::int64_t>(tk, p.nk - j0), nk_pad = round_up(nkt, simd::lanes);
    const TileVisibility vis = mask.classify(i0, nqt, j0, nkt);
    if (vis == TileVisibility::none) continue;
    any = true;
    const std::int64_t kv_off = bshd(b, p.kv_batch_stride, j0, p.kv_row_stride, hk, d);
    load_transposed(offset(p.k, p.dtype, kv_off), p.dtype, p.kv_row_stride, nkt, d, w.kt, nk_pad, w.tmp);
    load_transposed(offset(p.v, p.dtype, kv_off), p.dtype, p.kv_row_stride, nkt, d, w.vt, nk_pad, w.tmp);
    load_rows(offset(p.k, p.dtype, kv_off), p.dtype, p.kv_row_stride, nkt, nkt, d, 1.0f, w.k, dp);
    probabilities_and_ds(p, w, b, h, i0, nqt, j0, nkt, nk_pad, vis);
    tile::gemm_acc(nqt, dp, nkt, w.ds, nk_pad, 1, w.k, dp, w.acc0, dp);  // dQ += dS K
  }
  if (!any) return;
  for (std::int64_t i = 0; i < nqt; ++i) {
    float* dq = p.dq + bshd(b, p.dq_batch_stride, i0 + i, p.dq_row_stride, h, d);
    for (std::int64_t c = 0; c < d; ++c) dq[c] += p.scale * w.acc0[i * dp + c];
  }
}

}  // namespace

void backward_block(const BwdBlockParams& p) {
  if (p.batch == 0 || p.nq == 0 || p.nk == 0 || p.heads == 0) return;
  const TileMask mask{p.mask};
  if (mask.classify(0, p.nq, 0, p.nk) == TileVisibility::none) return;  // block wholly in the future
  const std::int64_t k_tiles = (p.nk + p.tile_kv - 1) / p.tile_kv;
  parallel_for(p.batch * p.kv_heads * k_tiles, p.threads, [&](std::int64_t item) {
    const std::int64_t kt = item % k_tiles, bh = item / k_tiles;
    dkdv_item(p, bh / p.kv_heads, bh % p.kv_heads, kt * p.tile_kv);
  });
  const std::int64_t q_tiles = (p.nq + p.tile_q - 1) / p.tile_q;
  parallel_for(p.batch * p.heads * q_tiles, p.threads, [&](std::int64_t item) {
    const std::int64_t qt = item % q_tiles, bh = item / q_tiles;
    dq_item(p, bh / p.heads, bh % p.heads, qt * p.tile_q);
  });
}

void compute_delta(const DeltaParams& p) {
  const std::int64_t rows = p.batch * p.n, hd = p.heads * p.head_dim;
  const std::int64_t chunk = 64;
  parallel_for((rows + chunk - 1) / chunk, p.threads, [&](std::int64_t c) {
    float* const dout = thread_scratch(2 * hd);  // no std::vector: its code would be this variant's
    float* const o = dout + hd;
    for (std::int64_t r = c * chunk; r < std::min(rows, (c + 1) * chunk); ++r) {
      convert_to_float(offset(p.dout, p.dtype, r * hd), p.dtype, dout, hd);
      convert_to_float(offset(p.o, p.dtype, r * hd), p.dtype, o, hd);
      const std::int64_t b = r / p.n, i = r % p.n;
      for (std::int64_t h = 0; h < p.heads; ++h) {
        float s = 0.0f;
        for (std::int64_t x = h * p.head_dim; x < (h + 1) * p.head_dim; ++x) s += dout[x] * o[x];
        p.delta[(b * p.heads + h) * p.n + i] = s;
      }
    }
  });
}

}  // namespace burst::kernels::BURST_CPU_ISA_NS
