// CPU backward block kernel and the delta pass (see cpu_attention.hpp). One pass, each of the five
// tile products once per (query tile, key tile) pair (docs/algorithm.md, backward):
//   one work item per (batch, kv head, key tile j) owns dK_j, dV_j (fp32 scratch) and loops over the
//   group's query heads and all query tiles i:  S = Q_i K_j^T, dP = dO_i V_j^T, P = exp(S - lse),
//   dS = scale * P * (dP - D), then dV_j += P^T dO_i, dK_j += dS^T Q_i and C = dS K_j (nq_tile x d
//   fp32 per thread), which is added into the call's dq sum of tile i (see PackedQ; the sum is
//   added into p.dq once all items are done).
// dq is race-free and deterministic by ordering, not by per-thread copies: the items of one (batch,
// kv head) form a chain j = 0, 1, ...; item j adds C of its step s (step = (head, query tile) in
// loop order) only once item j - 1 has added its own (a progress counter per item,
// cpu_wait_at_least / cpu_publish). Every dq row thus receives its key tiles' contributions in
// ascending j, the order a one-thread run uses: the result is bit-identical for every thread count
// and schedule. The pool hands out items in ascending order, so the lowest unfinished item never
// waits (no deadlock); consecutive items run one step apart, the pipeline's only idle time.
// Nothing n x n is stored: P and dS live one tile pair at a time. Q and dO are packed once per call
// (pack_q_tile: fp32 rows padded to simd::lanes, in a buffer the call's workers share), since every
// key tile's item reads every query tile of its group; the dq sum lives next to them.
// Compiled once per instruction-set variant (kernels/cpu_variant.hpp); cpu_backward_block and
// cpu_compute_delta themselves, with the parameter checks, are in kernels/cpu_dispatch.cpp.
#include <algorithm>
#include <atomic>
#include <cmath>

#include "kernels/cpu_tiles.hpp"
#include "kernels/cpu_variant.hpp"
#include "kernels/thread_pool.hpp"
#include "kernels/tile_ops.hpp"

namespace burst::kernels::BURST_CPU_ISA_NS {
namespace {

using namespace cpu_detail;
using simd::vf;

struct BwdScratch {   // tq = tile_q, tk = tile_kv, dp = head_dim padded to simd::lanes
  const float* q;     // (tq, dp)  Q_i, in the packed query side
  const float* dout;  // (tq, dp)  dO_i, in the packed query side
  float* kt;          // (dp, tk)  K_j transposed
  float* vt;          // (dp, tk)  V_j transposed
  float* k;           // (tk, dp)  K_j rows
  float* p;           // (tq, tk)  P
  float* ds;          // (tq, tk)  dP, then dS (scale folded in)
  float* dk;          // (tk, dp)  dK_j accumulator
  float* dv;          // (tk, dp)  dV_j accumulator
  float* dq;          // (tq, dp)  C = dS K_j of one step
  float* tmp;         // (dp)

  static std::int64_t floats(std::int64_t tq, std::int64_t tk, std::int64_t dp) {
    return tq * dp + 5 * tk * dp + 2 * tq * tk + dp + 9 * 16;
  }
  BwdScratch(float* base, std::int64_t tq, std::int64_t tk, std::int64_t dp) {
    auto take = [&](std::int64_t n) {
      float* r = base;
      base += round_up(n, 16);
      return r;
    };
    q = dout = nullptr;
    kt = take(dp * tk), vt = take(dp * tk), k = take(tk * dp);
    p = take(tq * tk), ds = take(tq * tk), dk = take(tk * dp), dv = take(tk * dp), dq = take(tq * dp);
    tmp = take(dp);
  }
};

// What the step after this one (in the item's loop order) reads from L3 or memory: its packed Q, dO
// and dq-sum tiles, requested into L2 while this step runs, a share per row.
struct NextStep {
  const float* q = nullptr;  // null: this is the item's last step
  const float* dout = nullptr;
  const float* dq = nullptr;
  std::int64_t tile_bytes = 0;  // of each

  // Share `part` of `parts`.
  void prefetch(std::int64_t part, std::int64_t parts) const noexcept {
    if (q == nullptr) return;
    prefetch_share(q, tile_bytes, part, parts);
    prefetch_share(dout, tile_bytes, part, parts);
    prefetch_share(dq, tile_bytes, part, parts);
  }
};

// For query rows [i0, i0 + nqt) of head h and the key tile at j0 (nkt keys, kt/vt loaded):
// w.p = P, w.ds = scale * dS, both (nqt, nk_pad) with zeros where masked or padded.
void probabilities_and_ds(const BwdBlockParams& p, BwdScratch& w, std::int64_t b, std::int64_t h,
                          std::int64_t i0, std::int64_t nqt, std::int64_t j0, std::int64_t nkt,
                          std::int64_t nk_pad, TileVisibility vis, const NextStep& next) {
  const TileMask mask{p.mask};
  const std::int64_t d = p.head_dim, dp = round_up(d, simd::lanes);
  tile::gemm_nt(nqt, nk_pad, d, w.q, dp, w.kt, nk_pad, w.p, nk_pad);
  tile::gemm_nt(nqt, nk_pad, d, w.dout, dp, w.vt, nk_pad, w.ds, nk_pad);
  const float* lse = p.lse + b * p.stat_batch_stride + h * p.stat_head_stride + i0;
  const float* delta = p.delta + b * p.stat_batch_stride + h * p.stat_head_stride + i0;
  const vf c = simd::splat(p.scale * log2e);
  const vf scale = simd::splat(p.scale);
  for (std::int64_t i = 0; i < nqt; ++i) {
    float* pr = w.p + i * nk_pad;
    float* dr = w.ds + i * nk_pad;
    next.prefetch(i, nqt);
    const RowRange keys = vis == TileVisibility::all ? RowRange{0, nkt} : mask.visible_rows(i0 + i, j0, nkt);
    if (lse[i] == neg_inf ||
        keys.end == keys.begin) {  // the row saw no key in the forward pass, or none here
      for (std::int64_t j = 0; j < nk_pad; ++j) pr[j] = 0.0f, dr[j] = 0.0f;
      continue;
    }
    const vf shift = simd::splat(lse[i] * log2e);
    const vf dv = simd::splat(delta[i]);
    for (std::int64_t j = 0; j < nk_pad; j += simd::lanes) {
      const vf e = simd::exp2(simd::load(pr + j) * c - shift);
      simd::store(pr + j, e);
      simd::store(dr + j, (e * scale) * (simd::load(dr + j) - dv));
    }
    for (std::int64_t j = 0; j < keys.begin; ++j) pr[j] = 0.0f, dr[j] = 0.0f;
    for (std::int64_t j = keys.end; j < nk_pad; ++j) pr[j] = 0.0f, dr[j] = 0.0f;
  }
}

// The query side of the block, packed once per call: for every (batch, head), nq fp32 rows of dp
// floats each of Q and dO (columns past d zero), and of this call's dq sum (zeroed, then each key
// tile's C added in chain order, then added into p.dq once at the end). Contiguous rows there,
// rather than p.dq's rows H * d apart, keep each step's dq additions one sequential stream.
struct PackedQ {
  float* base;
  std::int64_t heads, nq, dp;

  explicit PackedQ(const BwdBlockParams& p)
      : base(cpu_call_buffer(p.batch * p.heads * 3 * p.nq * round_up(p.head_dim, simd::lanes))),
        heads(p.heads),
        nq(p.nq),
        dp(round_up(p.head_dim, simd::lanes)) {}
  // Row i of head h: Q, dO, the dq sum.
  float* q(std::int64_t b, std::int64_t h, std::int64_t i) const {
    return base + ((b * heads + h) * 3 * nq + i) * dp;
  }
  float* dout(std::int64_t b, std::int64_t h, std::int64_t i) const { return q(b, h, i) + nq * dp; }
  float* dq(std::int64_t b, std::int64_t h, std::int64_t i) const { return q(b, h, i) + 2 * nq * dp; }
};

// Query tile `item` of the block, in (batch, head, query tile) order.
struct QueryTile {
  std::int64_t b, h, i0, nqt;
  QueryTile(const BwdBlockParams& p, std::int64_t item) {
    const std::int64_t q_tiles = (p.nq + p.tile_q - 1) / p.tile_q, bh = item / q_tiles;
    b = bh / p.heads, h = bh % p.heads, i0 = item % q_tiles * p.tile_q;
    nqt = std::min<std::int64_t>(p.tile_q, p.nq - i0);
  }
};

// Packs query tile t (Q and dO rows) and zeroes its rows of the dq sum.
void pack_q_tile(const BwdBlockParams& p, const PackedQ& pq, const QueryTile& t) {
  const std::int64_t off = bshd(t.b, p.q_batch_stride, t.i0, p.q_row_stride, t.h, p.head_dim);
  load_rows(offset(p.q, p.dtype, off), p.dtype, p.q_row_stride, t.nqt, t.nqt, p.head_dim, 1.0f,
            pq.q(t.b, t.h, t.i0), pq.dp);
  load_rows(offset(p.dout, p.dtype, off), p.dtype, p.q_row_stride, t.nqt, t.nqt, p.head_dim, 1.0f,
            pq.dout(t.b, t.h, t.i0), pq.dp);
  float* dq = pq.dq(t.b, t.h, t.i0);
  for (std::int64_t x = 0; x < t.nqt * pq.dp; ++x) dq[x] = 0.0f;
}

// p.dq rows of query tile t += the call's packed dq sum.
void store_dq_tile(const BwdBlockParams& p, const PackedQ& pq, const QueryTile& t) {
  for (std::int64_t i = 0; i < t.nqt; ++i) {
    float* out = p.dq + bshd(t.b, p.dq_batch_stride, t.i0 + i, p.dq_row_stride, t.h, p.head_dim);
    const float* sum = pq.dq(t.b, t.h, t.i0 + i);
    for (std::int64_t x = 0; x < p.head_dim; ++x) out[x] += sum[x];
  }
}

// The ordering of dq additions (see the top of this file): done[item] = steps of `item` whose dq
// contribution is in the dq sum, and every step before those of all earlier items of its chain.
struct DqChain {
  std::atomic<std::int32_t>* done;
  std::int32_t steps;  // group * query tiles: steps of one item
};

// One work item's key tile: its position, its chain neighbours and its scratch.
struct KeyTile {
  std::int64_t b, hk, j0, nkt, nk_pad;
  const PackedQ* q_side;
  const std::atomic<std::int32_t>* prev;  // the item before in the chain; null for the first key tile
  std::atomic<std::int32_t>* mine;
};

// The packed dq-sum rows [i0, i0 + nqt) of head h += w.dq (the step's C), once the previous key tile
// added its own.
void add_dq(const BwdBlockParams& p, const BwdScratch& w, const KeyTile& t, std::int64_t h, std::int64_t i0,
            std::int64_t nqt, std::int32_t step) {
  const std::int64_t dp = round_up(p.head_dim, simd::lanes);
  if (t.prev != nullptr) cpu_wait_at_least(*t.prev, step + 1);
  float* dq = t.q_side->dq(t.b, h, i0);
  for (std::int64_t x = 0; x < nqt * dp; x += simd::lanes)
    simd::store(dq + x, simd::load(dq + x) + simd::load(w.dq + x));
  cpu_publish(*t.mine, step + 1);
}

// One (head, query tile) step of a key tile: the five products, dq added in chain order.
void step_pair(const BwdBlockParams& p, BwdScratch& w, const KeyTile& t, std::int64_t h, std::int64_t i0,
               std::int32_t step, TileVisibility vis) {
  const std::int64_t dp = round_up(p.head_dim, simd::lanes);
  const std::int64_t nqt = std::min<std::int64_t>(p.tile_q, p.nq - i0);
  w.q = t.q_side->q(t.b, h, i0);
  w.dout = t.q_side->dout(t.b, h, i0);
  // The next step in loop order (the next query tile, or the group's next head), if any.
  const bool last_tile = i0 + p.tile_q >= p.nq;
  NextStep next;
  if (!last_tile || h + 1 < (t.hk + 1) * (p.heads / p.kv_heads)) {
    const std::int64_t nh = last_tile ? h + 1 : h, ni0 = last_tile ? 0 : i0 + p.tile_q;
    next.q = t.q_side->q(t.b, nh, ni0);
    next.dout = t.q_side->dout(t.b, nh, ni0);
    next.dq = t.q_side->dq(t.b, nh, ni0);
    next.tile_bytes = std::min<std::int64_t>(p.tile_q, p.nq - ni0) * dp * 4;
  }
  probabilities_and_ds(p, w, t.b, h, i0, nqt, t.j0, t.nkt, t.nk_pad, vis, next);
  tile::gemm_acc(t.nkt, dp, nqt, w.p, 1, t.nk_pad, w.dout, dp, w.dv, dp);  // dV += P^T dO
  tile::gemm_acc(t.nkt, dp, nqt, w.ds, 1, t.nk_pad, w.q, dp, w.dk, dp);    // dK += dS^T Q
  tile::gemm_nt(nqt, dp, t.nkt, w.ds, t.nk_pad, w.k, dp, w.dq, dp);        // C = dS K
  add_dq(p, w, t, h, i0, nqt, step);
}

// dk, dv rows [j0, j0 + nkt) of kv head hk += the item's accumulators.
void store_dkdv(const BwdBlockParams& p, const BwdScratch& w, const KeyTile& t) {
  const std::int64_t d = p.head_dim, dp = round_up(d, simd::lanes);
  for (std::int64_t j = 0; j < t.nkt; ++j) {
    float* dk = p.dk + bshd(t.b, p.dkv_batch_stride, t.j0 + j, p.dkv_row_stride, t.hk, d);
    float* dv = p.dv + bshd(t.b, p.dkv_batch_stride, t.j0 + j, p.dkv_row_stride, t.hk, d);
    for (std::int64_t c = 0; c < d; ++c) {
      dk[c] += w.dk[j * dp + c];
      dv[c] += w.dv[j * dp + c];
    }
  }
}

// Work item: key rows [j0, j0 + nkt) of kv head hk against every query tile of the group's heads.
void key_tile_item(const BwdBlockParams& p, const KeyTile& t, const DqChain& chain) {
  const std::int64_t d = p.head_dim, dp = round_up(d, simd::lanes);
  const std::int64_t tq = p.tile_q, tk = p.tile_kv, group = p.heads / p.kv_heads;
  const TileMask mask{p.mask};
  BwdScratch w(thread_scratch(BwdScratch::floats(tq, tk, dp)), tq, tk, dp);
  const std::int64_t kv_off = bshd(t.b, p.kv_batch_stride, t.j0, p.kv_row_stride, t.hk, d);
  load_transposed(offset(p.k, p.dtype, kv_off), p.dtype, p.kv_row_stride, t.nkt, d, w.kt, t.nk_pad, w.tmp);
  load_transposed(offset(p.v, p.dtype, kv_off), p.dtype, p.kv_row_stride, t.nkt, d, w.vt, t.nk_pad, w.tmp);
  load_rows(offset(p.k, p.dtype, kv_off), p.dtype, p.kv_row_stride, t.nkt, t.nkt, d, 1.0f, w.k, dp);
  for (std::int64_t x = 0; x < t.nkt * dp; ++x) w.dk[x] = 0.0f, w.dv[x] = 0.0f;

  bool any = false;
  std::int32_t step = 0;
  for (std::int64_t h = t.hk * group; h < (t.hk + 1) * group; ++h) {
    for (std::int64_t i0 = 0; i0 < p.nq; i0 += tq, ++step) {
      const TileVisibility vis = mask.classify(i0, std::min<std::int64_t>(tq, p.nq - i0), t.j0, t.nkt);
      if (vis == TileVisibility::none) continue;  // adds nothing; the chain catches up below
      any = true;
      step_pair(p, w, t, h, i0, step, vis);
    }
  }
  // Steps this item skipped count as done once the previous item did them.
  if (t.prev != nullptr) cpu_wait_at_least(*t.prev, chain.steps);
  cpu_publish(*t.mine, chain.steps);
  if (any) store_dkdv(p, w, t);
}

}  // namespace

void backward_block(const BwdBlockParams& p) {
  if (p.batch == 0 || p.nq == 0 || p.nk == 0 || p.heads == 0) return;
  const TileMask mask{p.mask};
  if (mask.classify(0, p.nq, 0, p.nk) == TileVisibility::none) return;  // the mask hides the whole block
  const std::int64_t k_tiles = (p.nk + p.tile_kv - 1) / p.tile_kv;
  const std::int64_t q_tiles = (p.nq + p.tile_q - 1) / p.tile_q;
  const std::int64_t items = p.batch * p.kv_heads * k_tiles;
  const DqChain chain{cpu_thread_counters(items), static_cast<std::int32_t>(p.heads / p.kv_heads * q_tiles)};
  for (std::int64_t x = 0; x < items; ++x) chain.done[x].store(0, std::memory_order_relaxed);
  const PackedQ q_side(p);
  parallel_for(p.batch * p.heads * q_tiles, p.threads,
               [&](std::int64_t item) { pack_q_tile(p, q_side, QueryTile(p, item)); });
  // Items in chain order: (batch, kv head) outer, key tile inner; the pool takes them in that order.
  parallel_for(items, p.threads, [&](std::int64_t item) {
    const std::int64_t kt = item % k_tiles, bh = item / k_tiles;
    const std::int64_t j0 = kt * p.tile_kv, nkt = std::min<std::int64_t>(p.tile_kv, p.nk - j0);
    const KeyTile t{bh / p.kv_heads,
                    bh % p.kv_heads,
                    j0,
                    nkt,
                    round_up(nkt, simd::lanes),
                    &q_side,
                    kt > 0 ? &chain.done[item - 1] : nullptr,
                    &chain.done[item]};
    try {
      key_tile_item(p, t, chain);
    } catch (...) {  // never leave a later item waiting on this one: release them all, then rethrow
      for (std::int64_t x = 0; x < items; ++x) cpu_publish(chain.done[x], chain.steps);
      throw;
    }
  });
  parallel_for(p.batch * p.heads * q_tiles, p.threads,
               [&](std::int64_t item) { store_dq_tile(p, q_side, QueryTile(p, item)); });
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
