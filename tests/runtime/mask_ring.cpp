#include "mask_ring.hpp"

#include <fmt/core.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <mutex>

#include "comm/launch.hpp"
#include "kernels/attention_params.hpp"
#include "runtime/layout.hpp"
#include "runtime/reference.hpp"
#include "support/reference.hpp"

namespace burst::test {
namespace {

struct Global {
  std::vector<double> q, k, v, dout;
  reference::Forward fwd;
  reference::Gradients bwd;
};

// Inputs and the float64 reference depend on the workload only: computed once per workload and
// shared by every schedule and rank thread.
const Global& global_for(const MaskCase& c) {
  static std::mutex mutex;
  static std::map<std::string, Global> cache;
  MaskCase key_case = c;
  key_case.schedule = Schedule{};
  const std::string key = key_case.name();
  const std::lock_guard lock(mutex);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  Global g;
  const auto seed = static_cast<std::uint64_t>(std::hash<std::string>{}(key));
  const auto qn = static_cast<std::size_t>(c.seq * c.heads * c.head_dim);
  const auto kvn = static_cast<std::size_t>(c.seq * c.kv_heads * c.head_dim);
  g.q = random_values(qn, DType::f32, seed + 1);
  g.k = random_values(kvn, DType::f32, seed + 2);
  g.v = random_values(kvn, DType::f32, seed + 3);
  g.dout = random_values(qn, DType::f32, seed + 4);
  const burst::AttentionShape s = c.shape();
  kernels::MaskParams mask;  // global positions on both sides, the whole rule
  mask.rule = s.mask_rule();
  if (mask.rule.restricts()) mask.kind = kernels::MaskMode::bounded;
  const reference::Dims dims{1, c.seq, c.seq, c.heads, c.kv_heads, c.head_dim};
  const double scale = 1.0 / std::sqrt(static_cast<double>(c.head_dim));
  g.fwd = reference::forward(dims, mask, scale, g.q, g.k, g.v, 2);
  g.bwd = reference::backward(dims, mask, scale, g.q, g.k, g.v, g.dout, g.fwd, 2);
  return cache.emplace(key, std::move(g)).first->second;
}

// Rows `pos` (global positions, in local order) of a (N, row) tensor.
std::vector<double> rows_at(const std::vector<double>& global, const std::vector<std::int64_t>& pos,
                            std::int64_t row) {
  std::vector<double> out;
  out.reserve(pos.size() * static_cast<std::size_t>(row));
  for (std::int64_t p : pos) out.insert(out.end(), global.begin() + p * row, global.begin() + (p + 1) * row);
  return out;
}

std::vector<float> as_float(const std::vector<double>& x) {
  return {x.begin(), x.end()};
}

bool all_finite(const std::vector<float>& x) {
  for (float v : x)
    if (!std::isfinite(v)) return false;
  return true;
}

}  // namespace

burst::AttentionShape MaskCase::shape() const {
  burst::AttentionShape s;
  s.batch = 1;
  s.seq = seq;
  s.heads = heads;
  s.kv_heads = kv_heads;
  s.head_dim = head_dim;
  s.dtype = DType::f32;
  s.causal = causal;
  s.doc_bounds = doc_bounds;
  s.window_left = window_left;
  s.window_right = window_right;
  return s;
}

std::string MaskCase::name() const {
  std::string docs;
  for (std::int64_t b : doc_bounds) docs += (docs.empty() ? "" : ",") + std::to_string(b);
  return fmt::format("N{} H{}/{} d{} {} docs [{}] window {},{} | {} bwd={} {} chunks={}", seq, heads,
                     kv_heads, head_dim, causal ? "causal" : "full", docs, window_left, window_right,
                     to_string(schedule.layout), to_string(schedule.bwd_comm), to_string(schedule.overlap),
                     schedule.chunks);
}

MaskErrors run_mask_case(Communicator& comm, const MaskCase& c) {
  const Global& g = global_for(c);
  const int G = comm.size(), r = comm.rank();
  const burst::AttentionShape shape = c.shape();
  const std::int64_t n = c.seq / G, qrow = c.heads * c.head_dim, kvrow = c.kv_heads * c.head_dim;
  const std::vector<std::int64_t> pos = runtime::layout_positions(c.schedule.layout, r, G, n, c.doc_bounds);

  const auto q = as_float(rows_at(g.q, pos, qrow)), k = as_float(rows_at(g.k, pos, kvrow));
  const auto v = as_float(rows_at(g.v, pos, kvrow)), dout = as_float(rows_at(g.dout, pos, qrow));
  std::vector<float> o(q.size(), NAN), dq(q.size(), NAN), dk(k.size(), NAN), dv(v.size(), NAN);
  std::vector<float> lse(static_cast<std::size_t>(c.heads * n), NAN);

  BurstAttention op(comm, shape, c.schedule);
  const PassStats fs = op.forward(q.data(), k.data(), v.data(), o.data(), lse.data());
  const PassStats bs = op.backward(q.data(), k.data(), v.data(), o.data(), lse.data(), dout.data(), dq.data(),
                                   dk.data(), dv.data());

  MaskErrors e;
  e.bytes_fwd = fs.bytes_sent;
  e.bytes_bwd = bs.bytes_sent;
  e.expected_fwd = forward_bytes_per_rank(shape, c.schedule, G);
  e.expected_bwd = backward_bytes_per_rank(shape, c.schedule, G);
  std::vector<double> ref_lse(lse.size());
  for (std::int64_t h = 0; h < c.heads; ++h)
    for (std::int64_t i = 0; i < n; ++i)
      ref_lse[static_cast<std::size_t>(h * n + i)] =
          g.fwd.lse[static_cast<std::size_t>(h * c.seq + pos[static_cast<std::size_t>(i)])];
  e.o = max_rel_error(std::span<const float>(o), rows_at(g.fwd.o, pos, qrow));
  e.lse = max_rel_error(std::span<const float>(lse), ref_lse);
  e.dq = max_rel_error(std::span<const float>(dq), rows_at(g.bwd.dq, pos, qrow));
  e.dk = max_rel_error(std::span<const float>(dk), rows_at(g.bwd.dk, pos, kvrow));
  e.dv = max_rel_error(std::span<const float>(dv), rows_at(g.bwd.dv, pos, kvrow));
  e.allowed = allowed_error(DType::f32, 0.0);
  e.finite = all_finite(o) && all_finite(dq) && all_finite(dk) && all_finite(dv);
  return e;
}

void expect_mask_case_ok(const MaskErrors& e, const std::string& where) {
  EXPECT_TRUE(e.finite) << where;
  EXPECT_LE(e.o, e.allowed) << "o " << where;
  EXPECT_LE(e.lse, e.allowed) << "lse " << where;
  EXPECT_LE(e.dq, e.allowed) << "dq " << where;
  EXPECT_LE(e.dk, e.allowed) << "dk " << where;
  EXPECT_LE(e.dv, e.allowed) << "dv " << where;
  EXPECT_EQ(e.bytes_fwd, e.expected_fwd) << where;
  EXPECT_EQ(e.bytes_bwd, e.expected_bwd) << where;
}

void check_mask_case_on_threads(const MaskCase& c, int world, const std::string& label) {
  std::vector<MaskErrors> errors(static_cast<std::size_t>(world));
  comm::run_local(world, [&](Communicator& comm) {
    errors[static_cast<std::size_t>(comm.rank())] = run_mask_case(comm, c);
  });
  for (int r = 0; r < world; ++r)
    expect_mask_case_ok(errors[static_cast<std::size_t>(r)],
                        fmt::format("rank {} of {}: {}{}", r, world, label, c.name()));
}

}  // namespace burst::test
