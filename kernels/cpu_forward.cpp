// CPU forward block kernel: tiled attention with an online softmax, folded into the running state
// (see cpu_attention.hpp). Scores live in the log2 domain: s2 = log2(e) * scale * q.k, so every
// exponential is one simd::exp2; lse is converted back to natural log when it is stored.
// K and V are packed once per call (pack_kv_tile: every key tile as fp32 K^T and V tiles, zero padded)
// into a buffer the call's workers share, rather than re-loaded by every query tile that visits the
// key tile: at n = 8192, d = 128 the per-visit loads took a quarter of the forward's time.
// Compiled once per instruction-set variant (kernels/cpu_variant.hpp); cpu_forward_block itself,
// with the parameter checks, is in kernels/cpu_dispatch.cpp.
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

struct FwdScratch {  // one thread's tiles, tq = tile_q, tk = tile_kv, dp = head_dim padded to simd::lanes
  float* q;          // (tq, dp)  scaled by log2(e) * scale
  float* s;          // (tq, tk)  scores, then probabilities
  float* acc;        // (tq, dp)  unnormalised output of this block
  float* m;          // (tq)      running row max (log2 domain)
  float* l;          // (tq)      running row sum

  static std::int64_t floats(std::int64_t tq, std::int64_t tk, std::int64_t dp) {
    return 2 * tq * dp + tq * tk + 2 * tq + 5 * 16;
  }
  FwdScratch(float* base, std::int64_t tq, std::int64_t tk, std::int64_t dp) {
    auto take = [&](std::int64_t n) {
      float* r = base;
      base += round_up(n, 16);
      return r;
    };
    q = take(tq * dp), s = take(tq * tk), acc = take(tq * dp), m = take(tq), l = take(tq);
  }
};

// The block's keys and values, packed once per call: for every (batch, kv head, key tile t), K^T as
// (dp, nk_pad) (ld nk_pad, the tile's key count padded to simd::lanes, columns past the keys zero)
// and V as (nkt, dp) rows (columns past d zero), in fp32 whatever the input dtype.
struct PackedKv {
  float* base;
  std::int64_t kv_heads, k_tiles, tk, dp, tile_floats;  // tile_floats: one tile's K^T block + its V block

  PackedKv(const FwdBlockParams& p, float* buffer)
      : base(buffer),
        kv_heads(p.kv_heads),
        k_tiles((p.nk + p.tile_kv - 1) / p.tile_kv),
        tk(p.tile_kv),
        dp(round_up(p.head_dim, simd::lanes)),
        tile_floats(2 * round_up(dp * round_up(tk, simd::lanes), 16)) {}
  static std::int64_t floats(const FwdBlockParams& p) {
    const PackedKv shape(p, nullptr);
    return p.batch * p.kv_heads * shape.k_tiles * shape.tile_floats;
  }
  // The tile of key rows from j0 (a multiple of tile_kv) of kv head hk.
  float* kt(std::int64_t b, std::int64_t hk, std::int64_t j0) const {
    return base + ((b * kv_heads + hk) * k_tiles + j0 / tk) * tile_floats;
  }
  float* v(std::int64_t b, std::int64_t hk, std::int64_t j0) const { return kt(b, hk, j0) + tile_floats / 2; }
};

// Packs key tile `item` (in (batch, kv head, key tile) order).
void pack_kv_tile(const FwdBlockParams& p, const PackedKv& kv, std::int64_t item) {
  const std::int64_t t = item % kv.k_tiles, bh = item / kv.k_tiles;
  const std::int64_t b = bh / p.kv_heads, hk = bh % p.kv_heads;
  const std::int64_t d = p.head_dim, j0 = t * p.tile_kv;
  const std::int64_t nkt = std::min<std::int64_t>(p.tile_kv, p.nk - j0);
  const std::int64_t kv_off = bshd(b, p.kv_batch_stride, j0, p.kv_row_stride, hk, d);
  load_transposed(offset(p.k, p.dtype, kv_off), p.dtype, p.kv_row_stride, nkt, d, kv.kt(b, hk, j0),
                  round_up(nkt, simd::lanes), thread_scratch(kv.dp));
  load_rows(offset(p.v, p.dtype, kv_off), p.dtype, p.kv_row_stride, nkt, nkt, d, 1.0f, kv.v(b, hk, j0),
            kv.dp);
}

// Online softmax of query row i over one key tile: s (nk_pad scores, columns outside `keys` masked)
// becomes exp2(s - m_new); the row's accumulator and sum are rescaled to the new running max.
void softmax_row(FwdScratch& w, std::int64_t i, RowRange keys, std::int64_t nk_pad, std::int64_t dp) {
  float* s = w.s + i * nk_pad;
  for (std::int64_t j = 0; j < keys.begin; ++j) s[j] = neg_inf;
  for (std::int64_t j = keys.end; j < nk_pad; ++j) s[j] = neg_inf;
  vf mx = simd::splat(neg_inf);
  for (std::int64_t j = 0; j < nk_pad; j += simd::lanes) mx = simd::max(mx, simd::load(s + j));
  const float m_old = w.m[i];
  const float m_new = std::max(m_old, simd::hmax(mx));
  if (m_new == neg_inf) return;  // nothing visible to this row yet: s stays -inf, p = 0
  const vf shift = simd::splat(m_new);
  vf sum = simd::splat(0.0f);
  for (std::int64_t j = 0; j < nk_pad; j += simd::lanes) {
    const vf e = simd::exp2(simd::load(s + j) - shift);
    simd::store(s + j, e);
    sum += e;
  }
  if (m_old != m_new) {
    const float alpha = m_old == neg_inf ? 0.0f : std::exp2(m_old - m_new);
    const vf va = simd::splat(alpha);
    float* a = w.acc + i * dp;
    for (std::int64_t c = 0; c < dp; c += simd::lanes) simd::store(a + c, simd::load(a + c) * va);
    w.l[i] *= alpha;
  }
  w.l[i] += simd::hsum(sum);
  w.m[i] = m_new;
}

// Folds the key tile at j0 (nkt keys of kv head hk) into the tile's running softmax state.
void key_tile(const FwdBlockParams& p, FwdScratch& w, const PackedKv& kv, std::int64_t b, std::int64_t hk,
              std::int64_t i0, std::int64_t nqt, std::int64_t j0, std::int64_t nkt, TileVisibility vis) {
  const std::int64_t d = p.head_dim, dp = round_up(d, simd::lanes);
  const TileMask mask{p.mask};
  const std::int64_t nk_pad = round_up(nkt, simd::lanes);
  tile::gemm_nt(nqt, nk_pad, d, w.q, dp, kv.kt(b, hk, j0), nk_pad, w.s, nk_pad);

  // The next key tile's packed K^T and V (from L3 or memory) go to L2 while this one is computed,
  // a share of its lines per row of the softmax.
  const float* next = j0 + p.tile_kv < p.nk ? kv.kt(b, hk, j0 + p.tile_kv) : nullptr;
  for (std::int64_t i = 0; i < nqt; ++i) {
    prefetch_share(next, kv.tile_floats * 4, i, nqt);
    softmax_row(w, i, vis == TileVisibility::all ? RowRange{0, nkt} : mask.visible_rows(i0 + i, j0, nkt),
                nk_pad, dp);
  }
  // Rows still at m = -inf hold s = -inf: zero them so the product below adds nothing.
  for (std::int64_t i = 0; i < nqt; ++i)
    if (w.m[i] == neg_inf)
      for (std::int64_t j = 0; j < nk_pad; ++j) w.s[i * nk_pad + j] = 0.0f;
  tile::gemm_acc(nqt, dp, nkt, w.s, nk_pad, 1, kv.v(b, hk, j0), dp, w.acc, dp);
}

// Merges the block result (acc / l, lse_j) of query rows [i0, i0 + nqt) into the running state.
void merge_into_state(const FwdBlockParams& p, const FwdScratch& w, std::int64_t b, std::int64_t h,
                      std::int64_t i0, std::int64_t nqt) {
  const std::int64_t d = p.head_dim, dp = round_up(d, simd::lanes);
  for (std::int64_t i = 0; i < nqt; ++i) {
    if (w.l[i] == 0.0f) continue;  // the block is fully masked for this row: nothing changes
    const float lse_j = w.m[i] * ln2 + std::log(w.l[i]);
    float* lse = p.lse + b * p.lse_batch_stride + h * p.lse_head_stride + i0 + i;
    float* o = p.o + bshd(b, p.o_batch_stride, i0 + i, p.o_row_stride, h, d);
    const float lse_old = *lse;
    const float mm = std::max(lse_old, lse_j);
    const float lse_new = mm + std::log(std::exp(lse_old - mm) + std::exp(lse_j - mm));
    const float c_old = std::exp(lse_old - lse_new);
    const float c_new = std::exp(lse_j - lse_new) / w.l[i];
    const float* a = w.acc + i * dp;
    for (std::int64_t c = 0; c < d; ++c) o[c] = c_old * o[c] + c_new * a[c];
    *lse = lse_new;
  }
}

// One (batch, head, query tile) work item over all key tiles of the block.
void forward_item(const FwdBlockParams& p, const PackedKv& kv, std::int64_t b, std::int64_t h,
                  std::int64_t i0) {
  const std::int64_t d = p.head_dim, dp = round_up(d, simd::lanes);
  const std::int64_t tq = p.tile_q, tk = p.tile_kv;
  const std::int64_t nqt = std::min<std::int64_t>(tq, p.nq - i0);
  const std::int64_t hk = h / (p.heads / p.kv_heads);
  const TileMask mask{p.mask};
  FwdScratch w(thread_scratch(FwdScratch::floats(tq, tk, dp)), tq, tk, dp);

  load_rows(offset(p.q, p.dtype, bshd(b, p.q_batch_stride, i0, p.q_row_stride, h, d)), p.dtype,
            p.q_row_stride, nqt, nqt, d, p.scale * log2e, w.q, dp);
  for (std::int64_t i = 0; i < nqt; ++i) w.m[i] = neg_inf, w.l[i] = 0.0f;
  for (std::int64_t x = 0; x < nqt * dp; ++x) w.acc[x] = 0.0f;

  for (std::int64_t j0 = 0; j0 < p.nk; j0 += tk) {
    const std::int64_t nkt = std::min<std::int64_t>(tk, p.nk - j0);
    const TileVisibility vis = mask.classify(i0, nqt, j0, nkt);
    if (vis != TileVisibility::none) key_tile(p, w, kv, b, hk, i0, nqt, j0, nkt, vis);
  }
  merge_into_state(p, w, b, h, i0, nqt);
}

}  // namespace

void forward_block(const FwdBlockParams& p) {
  if (p.batch == 0 || p.nq == 0 || p.nk == 0 || p.heads == 0) return;
  const TileMask mask{p.mask};
  if (mask.classify(0, p.nq, 0, p.nk) == TileVisibility::none) return;  // the mask hides the whole block
  const PackedKv kv(p, cpu_call_buffer(PackedKv::floats(p)));
  parallel_for(p.batch * p.kv_heads * kv.k_tiles, p.threads,
               [&](std::int64_t item) { pack_kv_tile(p, kv, item); });
  const std::int64_t q_tiles = (p.nq + p.tile_q - 1) / p.tile_q;
  const std::int64_t items = p.batch * p.heads * q_tiles;
  parallel_for(items, p.threads, [&](std::int64_t item) {
    const std::int64_t qt = item % q_tiles, bh = item / q_tiles;
    forward_item(p, kv, bh / p.heads, bh % p.heads, qt * p.tile_q);
  });
}

}  // namespace burst::kernels::BURST_CPU_ISA_NS
