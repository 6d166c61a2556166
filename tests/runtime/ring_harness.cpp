#include "ring_harness.hpp"

#include <fmt/core.h>

#include <cmath>
#include <map>
#include <mutex>
#include <tuple>

#include "burst/shard.hpp"
#include "kernels/dtype.hpp"
#include "support/local_attention.hpp"
#include "support/reference.hpp"

namespace burst::test {
namespace {

// Inputs, float64 reference and same-precision baseline errors depend only on the workload, so they
// are computed once per workload and shared by every schedule (and every rank thread).
struct Workload {
  std::vector<double> q, k, v, dout;
  ReferenceForward ref_fwd;
  ReferenceGradients ref_bwd;
  double base_o = 0, base_lse = 0, base_dq = 0, base_dk = 0, base_dv = 0;
};

using WorkloadKey =
    std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t, int, bool>;

const Workload& workload_for(const RingCase& c) {
  static std::mutex mutex;
  static std::map<WorkloadKey, Workload> cache;
  const WorkloadKey key{c.batch, c.seq, c.heads, c.kv_heads, c.head_dim, static_cast<int>(c.dtype), c.causal};
  std::lock_guard lock(mutex);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  Workload w;
  const std::size_t qn = static_cast<std::size_t>(c.batch * c.seq * c.heads * c.head_dim);
  const std::size_t kvn = static_cast<std::size_t>(c.batch * c.seq * c.kv_heads * c.head_dim);
  const std::uint64_t seed =
      std::hash<std::string>{}(fmt::format("{}{}{}{}{}", c.seq, c.heads, c.kv_heads, c.head_dim, c.causal));
  w.q = random_values(qn, c.dtype, seed + 1);
  w.k = random_values(kvn, c.dtype, seed + 2);
  w.v = random_values(kvn, c.dtype, seed + 3);
  w.dout = random_values(qn, c.dtype, seed + 4);
  const double scale = 1.0 / std::sqrt(static_cast<double>(c.head_dim));
  w.ref_fwd =
      reference_forward(c.batch, c.seq, c.heads, c.kv_heads, c.head_dim, c.causal, scale, w.q, w.k, w.v);
  w.ref_bwd = reference_backward(c.batch, c.seq, c.heads, c.kv_heads, c.head_dim, c.causal, scale, w.q, w.k,
                                 w.v, w.dout);
  if (c.dtype != DType::f32) {
    // The same-precision baseline: one plain single-block attention, outputs cast like the ring's.
    AttentionShape s{c.batch, c.seq, c.seq, c.heads, c.kv_heads, c.head_dim};
    kernels::MaskParams mask;
    if (c.causal) mask.kind = kernels::MaskMode::causal;
    LocalRunOptions opts;
    opts.dtype = c.dtype;
    const LocalForward lf = local_forward(s, mask, static_cast<float>(scale), w.q, w.k, w.v, opts);
    const LocalGradients lg = local_backward(s, mask, static_cast<float>(scale), w.q, w.k, w.v, w.dout, opts);
    w.base_o = max_rel_error(std::span<const double>(cast_output(lf.o, c.dtype)), w.ref_fwd.o);
    w.base_lse = max_rel_error(std::span<const float>(lf.lse), w.ref_fwd.lse);
    w.base_dq = max_rel_error(std::span<const double>(cast_output(lg.dq, c.dtype)), w.ref_bwd.dq);
    w.base_dk = max_rel_error(std::span<const double>(cast_output(lg.dk, c.dtype)), w.ref_bwd.dk);
    w.base_dv = max_rel_error(std::span<const double>(cast_output(lg.dv, c.dtype)), w.ref_bwd.dv);
  }
  return cache.emplace(key, std::move(w)).first->second;
}

std::vector<std::uint8_t> shard_of(const std::vector<double>& global, const RingCase& c, std::int64_t heads,
                                   int rank, int world) {
  const auto bytes = to_dtype_bytes(global, c.dtype);
  std::vector<std::uint8_t> local(bytes.size() / static_cast<std::size_t>(world));
  shard_rows(bytes.data(), local.data(), c.batch, c.seq, heads * c.head_dim, dtype_size(c.dtype),
             c.schedule.layout, rank, world);
  return local;
}

std::vector<double> ref_shard(const std::vector<double>& global, const RingCase& c, std::int64_t heads,
                              int rank, int world) {
  std::vector<double> local(global.size() / static_cast<std::size_t>(world));
  shard_rows(global.data(), local.data(), c.batch, c.seq, heads * c.head_dim, sizeof(double),
             c.schedule.layout, rank, world);
  return local;
}

std::vector<float> as_float(const std::vector<std::uint8_t>& bytes, DType t) {
  std::vector<float> out(bytes.size() / dtype_size(t));
  kernels::convert_to_float(bytes.data(), t, out.data(), static_cast<std::int64_t>(out.size()));
  return out;
}

}  // namespace

std::string RingCase::name() const {
  const auto& s = schedule;
  return fmt::format("N{} H{}/{} d{} {} {} | {} bwd={} {} chunks={} {}{} accum={} tiles {}x{}", seq, heads,
                     kv_heads, head_dim, to_string(dtype), causal ? "causal" : "full", to_string(s.layout),
                     to_string(s.bwd_comm), to_string(s.overlap), s.chunks, to_string(s.topology),
                     s.topology == Topology::double_ring ? fmt::format("(L={})", s.group_size) : "",
                     to_string(s.accum_dtype), s.tile_q, s.tile_kv);
}

RingErrors run_ring_case(Communicator& comm, const RingCase& c) {
  const Workload& w = workload_for(c);
  const int G = comm.size(), r = comm.rank();
  burst::AttentionShape shape;
  shape.batch = c.batch;
  shape.seq = c.seq;
  shape.heads = c.heads;
  shape.kv_heads = c.kv_heads;
  shape.head_dim = c.head_dim;
  shape.dtype = c.dtype;
  shape.causal = c.causal;
  const std::int64_t n = c.seq / G;

  auto q = shard_of(w.q, c, c.heads, r, G), k = shard_of(w.k, c, c.kv_heads, r, G);
  auto v = shard_of(w.v, c, c.kv_heads, r, G), dout = shard_of(w.dout, c, c.heads, r, G);
  std::vector<std::uint8_t> o(q.size()), dq(q.size()), dk(k.size()), dv(v.size());
  std::vector<float> lse(static_cast<std::size_t>(c.batch * c.heads * n));
  // Poison the outputs: every element must be written.
  std::fill(o.begin(), o.end(), 0xff);
  std::fill(dq.begin(), dq.end(), 0xff);
  std::fill(dk.begin(), dk.end(), 0xff);
  std::fill(dv.begin(), dv.end(), 0xff);

  BurstAttention op(comm, shape, c.schedule);
  const PassStats fs = op.forward(q.data(), k.data(), v.data(), o.data(), lse.data());
  const PassStats bs = op.backward(q.data(), k.data(), v.data(), o.data(), lse.data(), dout.data(), dq.data(),
                                   dk.data(), dv.data());

  RingErrors err;
  err.bytes_fwd = fs.bytes_sent;
  err.bytes_bwd = bs.bytes_sent;
  err.expected_fwd = forward_bytes_per_rank(shape, c.schedule, G);
  err.expected_bwd = backward_bytes_per_rank(shape, c.schedule, G);

  std::vector<double> ref_lse(lse.size());
  for (std::int64_t b = 0; b < c.batch; ++b)
    for (std::int64_t h = 0; h < c.heads; ++h)
      for (std::int64_t i = 0; i < n; ++i)
        ref_lse[static_cast<std::size_t>((b * c.heads + h) * n + i)] = w.ref_fwd.lse[static_cast<std::size_t>(
            (b * c.heads + h) * c.seq + global_position(c.schedule.layout, r, G, c.seq, i))];
  err.o =
      max_rel_error(std::span<const float>(as_float(o, c.dtype)), ref_shard(w.ref_fwd.o, c, c.heads, r, G));
  err.lse = max_rel_error(std::span<const float>(lse), ref_lse);
  err.dq =
      max_rel_error(std::span<const float>(as_float(dq, c.dtype)), ref_shard(w.ref_bwd.dq, c, c.heads, r, G));
  err.dk = max_rel_error(std::span<const float>(as_float(dk, c.dtype)),
                         ref_shard(w.ref_bwd.dk, c, c.kv_heads, r, G));
  err.dv = max_rel_error(std::span<const float>(as_float(dv, c.dtype)),
                         ref_shard(w.ref_bwd.dv, c, c.kv_heads, r, G));

  // Accumulators that travel in a half dtype are rounded at each of their G hops (opt-in, lossy).
  const double hops = reference::hop_error(c.dtype, c.schedule.accum_dtype, G);
  const bool q_travels = c.schedule.bwd_comm == BwdComm::q;
  err.allowed_o = allowed_error(c.dtype, w.base_o);
  err.allowed_lse = allowed_error(c.dtype, w.base_lse);
  err.allowed_dq = allowed_error(c.dtype, w.base_dq) + (q_travels ? hops : 0.0);
  err.allowed_dk = allowed_error(c.dtype, w.base_dk) + (q_travels ? 0.0 : hops);
  err.allowed_dv = allowed_error(c.dtype, w.base_dv) + (q_travels ? 0.0 : hops);
  return err;
}

}  // namespace burst::test
