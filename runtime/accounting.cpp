// The exact byte counts of docs/algorithm.md, and FLOP counts.
#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "burst/attention.hpp"
#include "burst/error.hpp"
#include "runtime/cp_methods.hpp"
#include "runtime/layout.hpp"

namespace burst {
namespace {

using u64 = std::uint64_t;

// The sizes the context-parallel formulas of docs/algorithm.md use: u ranks per Ulysses group,
// hq = H/u and hk = Hkv/u heads per head shard, R = G/u groups.
struct CpSizes {
  u64 G, B, n, H, Hkv, d, b, u, hq, hk, R;
  CpSizes(const AttentionShape& s, const Schedule& sc, int world)
      : G(static_cast<u64>(world)),
        B(static_cast<u64>(s.batch)),
        n(static_cast<u64>(s.seq) / G),
        H(static_cast<u64>(s.heads)),
        Hkv(static_cast<u64>(s.kv_heads_or_heads())),
        d(static_cast<u64>(s.head_dim)),
        b(dtype_size(s.dtype)),
        u(static_cast<u64>(std::max(1, runtime::ulysses_degree(sc, world)))),
        hq(H / u),
        hk(Hkv / u),
        R(G / u) {}
};

// all_gather: K and V to every other rank; the backward gathers again and sends every other rank
// its fp32 partial dK, dV.
u64 all_gather_bytes(const CpSizes& z, bool backward) {
  const u64 gather = (z.G - 1) * 2 * z.B * z.n * z.Hkv * z.d * z.b;
  return backward ? gather + (z.G - 1) * 2 * z.B * z.n * z.Hkv * z.d * 4 : gather;
}

// ulysses and hybrid: the all-to-alls inside a group of u ranks (one message to each of the u - 1
// others, holding its share: n rows of H/u or Hkv/u heads, or n fp32 statistics per head), plus for
// hybrid the ring across the R groups on head shards of u*n rows (S ring steps).
u64 ulysses_bytes(const CpSizes& z, const AttentionShape& s, const Schedule& sc, int world, bool backward) {
  const u64 peers = z.u - 1, rows = z.B * z.n, d = z.d, b = z.b;
  u64 bytes = 0;
  if (!backward) {
    bytes = peers * rows * ((z.hq + 2 * z.hk) * d * b + z.hq * (d * b + 4));  // Q, K, V in; O, lse out
  } else if (z.R == 1) {
    // Q, dO, K, V, lse, D in; dQ, dK, dV out.
    bytes = peers * rows * ((2 * z.hq + 2 * z.hk) * d * b + 2 * z.hq * 4 + (z.hq + 2 * z.hk) * d * b);
  } else {
    // The ring recomputes D, so O travels in instead.
    bytes = peers * rows * ((3 * z.hq + 2 * z.hk) * d * b + z.hq * 4 + (z.hq + 2 * z.hk) * d * b);
  }
  if (z.R == 1) return bytes;
  const bool q_scheme = backward && sc.bwd_comm == BwdComm::q;
  const u64 S = static_cast<u64>(runtime::hybrid_ring_steps(s, sc, world, !q_scheme));
  const u64 ring_rows = z.B * z.u * z.n;  // a head shard's rows
  if (!backward) return bytes + (S - 1) * 2 * ring_rows * z.hk * d * b;
  const u64 a = sc.accum_dtype == AccumDType::fp32 ? 4 : b;
  if (q_scheme)
    return bytes + (S - 1) * ring_rows * z.hq * (2 * d * b + 2 * 4) + S * ring_rows * z.hq * d * a;
  return bytes + (S - 1) * ring_rows * z.hk * (2 * d * b) + S * ring_rows * z.hk * 2 * d * a;
}

u64 cp_bytes(const AttentionShape& s, const Schedule& sc, int world, bool backward) {
  const CpSizes z(s, sc, world);
  return sc.cp_method == CpMethod::all_gather ? all_gather_bytes(z, backward)
                                              : ulysses_bytes(z, s, sc, world, backward);
}

}  // namespace

std::uint64_t forward_bytes_per_rank(const AttentionShape& s, const Schedule& sc, int world) {
  const std::uint64_t G = static_cast<std::uint64_t>(world);
  if (G < 2) return 0;
  if (sc.cp_method != CpMethod::ring) return cp_bytes(s, sc, world, false);
  const std::uint64_t S = static_cast<std::uint64_t>(ring_steps(s, sc, world, true));
  const std::uint64_t n = static_cast<std::uint64_t>(s.seq) / G;
  const std::uint64_t b = dtype_size(s.dtype);
  return (S - 1) * 2 * static_cast<std::uint64_t>(s.batch) * n *
         static_cast<std::uint64_t>(s.kv_heads_or_heads()) * static_cast<std::uint64_t>(s.head_dim) * b;
}

std::uint64_t backward_bytes_per_rank(const AttentionShape& s, const Schedule& sc, int world) {
  const std::uint64_t G = static_cast<std::uint64_t>(world);
  if (G < 2) return 0;
  if (sc.cp_method != CpMethod::ring) return cp_bytes(s, sc, world, true);
  const std::uint64_t B = static_cast<std::uint64_t>(s.batch), n = static_cast<std::uint64_t>(s.seq) / G;
  const std::uint64_t d = static_cast<std::uint64_t>(s.head_dim), b = dtype_size(s.dtype);
  const std::uint64_t a = sc.accum_dtype == AccumDType::fp32 ? 4 : b;
  const bool q_scheme = sc.bwd_comm == BwdComm::q;
  const std::uint64_t S = static_cast<std::uint64_t>(ring_steps(s, sc, world, !q_scheme));
  if (q_scheme) {
    const std::uint64_t H = static_cast<std::uint64_t>(s.heads);
    return (S - 1) * B * n * H * (2 * d * b + 2 * 4) + S * B * n * H * d * a;
  }
  const std::uint64_t Hkv = static_cast<std::uint64_t>(s.kv_heads_or_heads());
  return (S - 1) * B * n * Hkv * (2 * d * b) + S * B * n * Hkv * 2 * d * a;
}

namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) {  // b > 0
  const std::int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// Keys of segment k with positions in [lo, hi].
std::int64_t keys_in(const runtime::Segment& k, std::int64_t lo, std::int64_t hi) {
  if (lo > hi || k.len == 0) return 0;
  const std::int64_t first = std::max<std::int64_t>(0, -floor_div(k.pos0 - lo, k.stride));
  const std::int64_t last = std::min<std::int64_t>(k.len - 1, floor_div(hi - k.pos0, k.stride));
  return last >= first ? last - first + 1 : 0;
}

double count_pairs(const AttentionShape& shape, Layout layout, int world, int q_rank, int k_rank) {
  const std::int64_t n = shape.seq / world;
  const MaskRule rule = shape.mask_rule();
  const auto qs = runtime::layout_segments(layout, q_rank, world, n, shape.doc_bounds);
  const auto ks = runtime::layout_segments(layout, k_rank, world, n, shape.doc_bounds);
  double pairs = 0;
  for (const runtime::Segment& q : qs) {
    for (std::int64_t i = 0; i < q.len; ++i) {
      const PositionRange r = rule.keys(q.pos0 + i * q.stride);
      for (const runtime::Segment& k : ks) pairs += static_cast<double>(keys_in(k, r.lo, r.hi));
    }
  }
  return pairs;
}

}  // namespace

double block_pairs(const AttentionShape& shape, Layout layout, int world, int q_rank, int k_rank) {
  BURST_REQUIRE(
      world >= 1 && shape.seq % world == 0 && q_rank >= 0 && q_rank < world && k_rank >= 0 && k_rank < world,
      "block_pairs: ranks must lie in the world and the sequence divide by it");
  using Key = std::tuple<std::int64_t, bool, std::int64_t, std::int64_t, std::vector<std::int64_t>, int, int,
                         int, int>;
  static std::mutex mutex;
  static std::map<Key, double> cache;
  Key key{shape.seq,
          shape.causal,
          shape.window_left,
          shape.window_right,
          shape.doc_bounds,
          static_cast<int>(layout),
          world,
          q_rank,
          k_rank};
  {
    const std::lock_guard lock(mutex);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
  }
  const double pairs = count_pairs(shape, layout, world, q_rank, k_rank);
  const std::lock_guard lock(mutex);
  if (cache.size() > 4096) cache.clear();
  cache.emplace(std::move(key), pairs);
  return pairs;
}

double work_imbalance(const AttentionShape& shape, Layout layout, int world) {
  double total = 0, most = 0;
  for (int q = 0; q < world; ++q) {
    double mine = 0;
    for (int k = 0; k < world; ++k) mine += block_pairs(shape, layout, world, q, k);
    total += mine;
    most = std::max(most, mine);
  }
  return total > 0 ? most / (total / world) : 1.0;
}

double forward_flops(const AttentionShape& s) {
  return 4.0 * static_cast<double>(s.batch) * static_cast<double>(s.heads) * static_cast<double>(s.head_dim) *
         s.mask_area();
}

double backward_flops(const AttentionShape& s) {
  return 2.5 * forward_flops(s);
}

}  // namespace burst
