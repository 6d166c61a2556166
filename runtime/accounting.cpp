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
#include "runtime/layout.hpp"

namespace burst {
std::uint64_t forward_bytes_per_rank(const AttentionShape& s, const Schedule& sc, int world) {
  const std::uint64_t G = static_cast<std::uint64_t>(world);
  if (G < 2) return 0;
  const std::uint64_t S = static_cast<std::uint64_t>(ring_steps(s, sc, world, true));
  const std::uint64_t n = static_cast<std::uint64_t>(s.seq) / G;
  const std::uint64_t b = dtype_size(s.dtype);
  return (S - 1) * 2 * static_cast<std::uint64_t>(s.batch) * n *
         static_cast<std::uint64_t>(s.kv_heads_or_heads()) * static_cast<std::uint64_t>(s.head_dim) * b;
}

std::uint64_t backward_bytes_per_rank(const AttentionShape& s, const Schedule& sc, int world) {
  const std::uint64_t G = static_cast<std::uint64_t>(world);
  if (G < 2) return 0;
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
