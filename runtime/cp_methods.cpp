// Ulysses, all-gather and hybrid context parallelism (runtime/cp_methods.hpp; the maths and the byte
// formulas are in docs/algorithm.md, "Context-parallel methods").
#include "runtime/cp_methods.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <string>
#include <tuple>
#include <utility>

#include "burst/error.hpp"
#include "comm/sub_communicator.hpp"
#include "runtime/passes.hpp"
#include "trace/trace.hpp"

namespace burst::runtime {
namespace {

using trace::Phase;

// Tags of this file's messages on the op's communicator, one per kind. Hybrid's ring travels on
// its own sub-communicator between other rank pairs (same group position, other groups), so its
// tags cannot meet these.
enum CpTag : int {
  tag_to_heads = 0,
  tag_to_sequence = 1,
  tag_gather_k = 2,
  tag_gather_v = 3,
  tag_partial = 4
};

// Buffers of this file's Workspace, by role.
enum CpRole : int {
  cp_send = 0,
  cp_recv,
  cp_q,
  cp_k,
  cp_v,
  cp_o,
  cp_dout,
  cp_lse,
  cp_delta,
  cp_dq,
  cp_dk,
  cp_dv,
  cp_acc_o,
  cp_acc_lse,
  cp_grad,
  cp_blocks,
  cp_partials,
  cp_partials_in,
  cp_seq_delta,
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The rows of group g (ranks g*u .. g*u+u-1 of a world of `world`, n rows each) as one block of u*n
// rows: rank g*u+j's segments, shifted by j*n rows.
std::vector<Segment> group_segments(const AttentionShape& shape, Layout layout, int world, int u, int g) {
  const std::int64_t n = shape.seq / world;
  std::vector<Segment> out;
  for (int j = 0; j < u; ++j) {
    for (Segment s : layout_segments(layout, g * u + j, world, n, shape.doc_bounds)) {
      s.row += j * n;
      out.push_back(s);
    }
  }
  return out;
}

// The head-sharded problem: H/u query heads and Hkv/u kv heads over the u*n rows of a group, and
// the ring across the world/u groups (one rank when u is the world).
OpConfig head_sharded(const OpConfig& cfg, int u) {
  OpConfig h = cfg;
  h.shape.heads = cfg.shape.heads / u;
  h.shape.kv_heads = cfg.hkv / u;
  h.hkv = cfg.hkv / u;
  h.world = cfg.world / u;
  h.rank = cfg.rank / u;
  h.n = cfg.n * u;
  h.nc = h.n / h.pieces;
  h.schedule.topology = Topology::flat;
  h.schedule.group_size = 0;
  h.segments.clear();
  for (int g = 0; g < h.world; ++g)
    h.segments.push_back(group_segments(cfg.shape, cfg.schedule.layout, cfg.world, u, g));
  h.forward_steps = hybrid_ring_steps(cfg.shape, cfg.schedule, cfg.world, true);
  h.backward_q_steps = hybrid_ring_steps(cfg.shape, cfg.schedule, cfg.world, false);
  return h;
}

// One tensor of an all-to-all between sequence shards and head shards: rows (B, n, heads, d) on the
// sequence side and (B, u*n, heads/u, d) on the head side, or fp32 statistics (B, heads, n) and
// (B, heads/u, u*n).
struct Part {
  const void* src = nullptr;
  void* dst = nullptr;
  DType dtype = DType::f32;
  std::int64_t heads = 0;  // of the sequence-side tensor
  bool stats = false;
};

// An all-to-all inside one Ulysses group.
struct Group {
  ComputeBackend& be;
  Communicator& comm;
  const std::vector<int>& ranks;  // parent ranks, in group order
  int me = 0;                     // this rank's index in `ranks`
  std::int64_t batch = 0, n = 0, head_dim = 0;
  int u() const { return static_cast<int>(ranks.size()); }
};

// Where the share of group member j lies: heads [j*h, (j+1)*h) of the sequence-side tensor, rows
// [j*n, (j+1)*n) of the head-side one. Both describe the same bytes in the same packed order.
RowsCopy sequence_side(const Group& g, const Part& p, int j) {
  const std::int64_t h = p.heads / g.u();
  if (p.stats) return RowsCopy{DType::f32, g.batch, p.heads, g.n, j * h, h};
  return RowsCopy{p.dtype, g.batch * g.n, p.heads, g.head_dim, j * h, h};
}
RowsCopy head_side(const Group& g, const Part& p, int j) {
  const std::int64_t h = p.heads / g.u();
  if (p.stats) return RowsCopy{DType::f32, g.batch * h, g.u(), g.n, j, 1};
  return RowsCopy{p.dtype, g.batch, g.u() * g.n, h * g.head_dim, j * g.n, g.n};
}
std::size_t part_bytes(const Group& g, const Part& p) {
  const std::int64_t h = p.heads / g.u();
  return static_cast<std::size_t>(g.batch * g.n * h) *
         (p.stats ? sizeof(float) : g.head_dim * dtype_size(p.dtype));
}

// Sends every member its share of `parts` and receives the own share of every member: sequence
// shards to head shards (to_heads) or back. One message per peer; the own share is only copied.
void all_to_all(const Group& g, Workspace& ws, const std::vector<Part>& parts, bool to_heads,
                PassStats& stats) {
  std::size_t msg = 0;
  for (const Part& p : parts) msg += part_bytes(g, p);
  const auto u = static_cast<std::size_t>(g.u());
  std::byte* send = ws.get(cp_send, msg * u);
  std::byte* recv = ws.get(cp_recv, msg * u);
  {
    BURST_TRACE_RANGE(Phase::pack);
    for (int j = 0; j < g.u(); ++j) {
      std::byte* dst = (j == g.me ? recv : send) + static_cast<std::size_t>(j) * msg;
      for (const Part& p : parts) {
        g.be.pack_rows(to_heads ? sequence_side(g, p, j) : head_side(g, p, j), p.src, dst);
        dst += part_bytes(g, p);
      }
    }
    g.be.record()->host_wait("packing an all-to-all");  // the messages hold their data before they leave
  }
  const int tag = to_heads ? tag_to_heads : tag_to_sequence;
  std::vector<std::unique_ptr<Request>> requests;
  for (int j = 0; j < g.u(); ++j)
    if (j != g.me)
      requests.push_back(g.comm.irecv(recv + static_cast<std::size_t>(j) * msg, msg, g.ranks[j], tag));
  for (int j = 0; j < g.u(); ++j) {
    if (j == g.me) continue;
    requests.push_back(g.comm.isend(send + static_cast<std::size_t>(j) * msg, msg, g.ranks[j], tag));
    stats.bytes_sent += msg;
    ++stats.messages_sent;
  }
  {
    BURST_TRACE_RANGE(Phase::wait);
    g.comm.wait_all(requests, to_heads ? "all-to-all to head shards" : "all-to-all to sequence shards");
  }
  BURST_TRACE_RANGE(Phase::unpack);
  for (int j = 0; j < g.u(); ++j) {
    const std::byte* src = recv + static_cast<std::size_t>(j) * msg;
    for (const Part& p : parts) {
      g.be.unpack_rows(to_heads ? head_side(g, p, j) : sequence_side(g, p, j), src, p.dst);
      src += part_bytes(g, p);
    }
  }
}

kernels::DeltaParams delta_params(const OpConfig& cfg, const void* dout, const void* o, float* delta) {
  kernels::DeltaParams dp;
  dp.dtype = cfg.shape.dtype;
  dp.batch = cfg.shape.batch;
  dp.n = cfg.n;
  dp.heads = cfg.shape.heads;
  dp.head_dim = cfg.shape.head_dim;
  dp.dout = dout;
  dp.o = o;
  dp.delta = delta;
  dp.threads = cfg.threads;
  return dp;
}

}  // namespace

int ulysses_degree(const Schedule& schedule, int world) {
  switch (schedule.cp_method) {
    case CpMethod::ulysses:
      return world;
    case CpMethod::hybrid:
      return schedule.ulysses_degree;
    case CpMethod::ring:
    case CpMethod::all_gather:
      return 1;
  }
  return 1;
}

int hybrid_ring_steps(const AttentionShape& shape, const Schedule& schedule, int world, bool keys_travel) {
  const int u = std::max(1, ulysses_degree(schedule, world));
  const int groups = world / u;
  if (groups <= 1 || !shape.mask_rule().restricts()) return groups;
  const RingSchedule ring(Topology::flat, groups, 0);
  std::vector<std::vector<Segment>> segments;
  for (int g = 0; g < groups; ++g) segments.push_back(group_segments(shape, schedule.layout, world, u, g));
  for (int step = groups - 1; step >= 2; --step) {
    for (int g = 0; g < groups; ++g) {
      const auto& mine = segments[static_cast<std::size_t>(g)];
      const auto& held = segments[static_cast<std::size_t>(ring.block_at(g, step))];
      if (keys_travel ? any_visible(shape, mine, held) : any_visible(shape, held, mine)) return step + 1;
    }
  }
  return 2;
}

CpMethods::CpMethods(Communicator& comm, const OpConfig& cfg)
    : comm_(comm), cfg_(cfg), u_(ulysses_degree(cfg.schedule, cfg.world)), ws_(cfg.be()), ring_ws_(cfg.be()) {
  BURST_CHECK(cfg.schedule.cp_method != CpMethod::ring, "the ring runs in forward.cpp and backward.cpp");
  if (cfg.schedule.cp_method == CpMethod::all_gather) return;
  const int g = cfg.rank / u_;
  for (int j = 0; j < u_; ++j) group_.push_back(g * u_ + j);
  heads_cfg_ = head_sharded(cfg, u_);
  if (heads_cfg_.world > 1) {
    std::vector<int> across;
    for (int other = 0; other < heads_cfg_.world; ++other) across.push_back(other * u_ + cfg.rank % u_);
    ring_comm_ = std::make_unique<comm::SubCommunicator>(comm, std::move(across));
    ring_engine_ = std::make_unique<TransferEngine>(*ring_comm_);
  }
}

CpMethods::~CpMethods() = default;

PassStats CpMethods::forward(const void* q, const void* k, const void* v, void* o, float* lse) {
  const auto t0 = std::chrono::steady_clock::now();
  trace::set_thread_rank(cfg_.rank);
  PassStats stats = cfg_.schedule.cp_method == CpMethod::all_gather ? gather_forward(q, k, v, o, lse)
                                                                    : ulysses_forward(q, k, v, o, lse);
  trace::set_thread_rank(cfg_.rank);
  stats.seconds = seconds_since(t0);
  return stats;
}

PassStats CpMethods::backward(const void* q, const void* k, const void* v, const void* o, const float* lse,
                              const void* dout, void* dq, void* dk, void* dv) {
  const auto t0 = std::chrono::steady_clock::now();
  trace::set_thread_rank(cfg_.rank);
  PassStats stats;
  if (cfg_.schedule.cp_method == CpMethod::all_gather) {
    BURST_TRACE_RANGE(Phase::pass_backward);
    float* delta =
        ws_.f32(cp_seq_delta, static_cast<std::size_t>(cfg_.shape.batch * cfg_.shape.heads * cfg_.n));
    {
      BURST_TRACE_RANGE(Phase::delta);
      cfg_.be().delta(delta_params(cfg_, dout, o, delta));
    }
    stats = gather_backward(q, k, v, lse, dout, delta, dq, dk, dv);
  } else {
    stats = ulysses_backward(q, k, v, o, lse, dout, dq, dk, dv);
  }
  trace::set_thread_rank(cfg_.rank);
  stats.seconds = seconds_since(t0);
  return stats;
}

// ---- all_gather ----

namespace {

// Every other rank's K and V, received into slot j of `blocks` (K then V, (B, n, Hkv, d) each);
// this rank's own are sent from the inputs. requests[2*j], [2*j+1]: the receives of rank j.
struct Gathered {
  std::vector<std::unique_ptr<Request>> recvs, sends;
  std::byte* blocks = nullptr;
  std::size_t block_bytes = 0;  // one of K, V
};

Gathered post_gather(const OpConfig& cfg, Communicator& comm, Workspace& ws, const void* k, const void* v,
                     PassStats& stats) {
  Gathered g;
  g.block_bytes = static_cast<std::size_t>(cfg.shape.batch * cfg.n * cfg.hkv * cfg.shape.head_dim) *
                  dtype_size(cfg.shape.dtype);
  const auto G = static_cast<std::size_t>(cfg.world);
  g.blocks = ws.get(cp_blocks, 2 * g.block_bytes * G);
  g.recvs.resize(2 * G);
  for (int j = 0; j < cfg.world; ++j) {
    if (j == cfg.rank) continue;
    std::byte* slot = g.blocks + 2 * g.block_bytes * static_cast<std::size_t>(j);
    g.recvs[2 * static_cast<std::size_t>(j)] = comm.irecv(slot, g.block_bytes, j, tag_gather_k);
    g.recvs[2 * static_cast<std::size_t>(j) + 1] =
        comm.irecv(slot + g.block_bytes, g.block_bytes, j, tag_gather_v);
  }
  for (int j = 0; j < cfg.world; ++j) {
    if (j == cfg.rank) continue;
    g.sends.push_back(comm.isend(k, g.block_bytes, j, tag_gather_k));
    g.sends.push_back(comm.isend(v, g.block_bytes, j, tag_gather_v));
    stats.bytes_sent += 2 * g.block_bytes;
    stats.messages_sent += 2;
  }
  return g;
}

// K and V of rank j (this rank's own from the inputs), waiting for them if needed.
std::pair<RowsView, RowsView> gathered_block(const OpConfig& cfg, Communicator& comm, Gathered& g, int j,
                                             const void* k, const void* v) {
  const std::int64_t row = cfg.hkv * cfg.shape.head_dim;
  const std::int64_t batch_stride = cfg.n * row;
  if (j == cfg.rank)
    return {RowsView{k, cfg.shape.dtype, batch_stride, row}, RowsView{v, cfg.shape.dtype, batch_stride, row}};
  {
    BURST_TRACE_RANGE(Phase::wait, {.peer = j});
    const std::string what = "all-gather of K, V from rank " + std::to_string(j);
    comm.wait(*g.recvs[2 * static_cast<std::size_t>(j)], what);
    comm.wait(*g.recvs[2 * static_cast<std::size_t>(j) + 1], what);
  }
  const std::byte* slot = g.blocks + 2 * g.block_bytes * static_cast<std::size_t>(j);
  return {RowsView{slot, cfg.shape.dtype, batch_stride, row},
          RowsView{slot + g.block_bytes, cfg.shape.dtype, batch_stride, row}};
}

// Blocks in ring order: this rank's own first, then those of ranks r-1, r-2, ... (the order the
// ring folds them in).
int block_of(const OpConfig& cfg, int step) {
  return ((cfg.rank - step) % cfg.world + cfg.world) % cfg.world;
}

}  // namespace

PassStats CpMethods::gather_forward(const void* q, const void* k, const void* v, void* o, float* lse) {
  BURST_TRACE_RANGE(Phase::pass_forward);
  const auto& s = cfg_.shape;
  const std::int64_t B = s.batch, H = s.heads, d = s.head_dim, n = cfg_.n;
  ComputeBackend& be = cfg_.be();
  PassStats stats;
  Gathered g = post_gather(cfg_, comm_, ws_, k, v, stats);

  const auto o_elems = static_cast<std::size_t>(B * n * H * d),
             lse_elems = static_cast<std::size_t>(B * H * n);
  float* acc_o = ws_.f32(cp_acc_o, o_elems);
  float* acc_lse = ws_.f32(cp_acc_lse, lse_elems);
  be.fill(acc_o, 0.0f, o_elems);
  be.fill(acc_lse, -std::numeric_limits<float>::infinity(), lse_elems);
  ForwardOperands ops;
  ops.q = RowsView{q, s.dtype, n * H * d, H * d};
  ops.o = acc_o;
  ops.o_batch_stride = n * H * d;
  ops.lse = acc_lse;
  ops.lse_batch_stride = H * n;
  ops.lse_head_stride = n;
  const auto& mine = cfg_.segments[static_cast<std::size_t>(cfg_.rank)];
  for (int step = 0; step < cfg_.world; ++step) {
    const int j = block_of(cfg_, step);
    std::tie(ops.k, ops.v) = gathered_block(cfg_, comm_, g, j, k, v);
    BURST_TRACE_RANGE(Phase::compute, {.step = step});
    forward_segments(cfg_, ops, mine, cfg_.segments[static_cast<std::size_t>(j)]);
  }
  {
    BURST_TRACE_RANGE(Phase::unpack);
    be.convert(acc_o, DType::f32, o, s.dtype, o_elems);
    be.copy(lse, acc_lse, lse_elems * sizeof(float));
    be.synchronize();
  }
  BURST_TRACE_RANGE(Phase::wait);
  comm_.wait_all(g.sends, "all-gather of K, V");
  return stats;
}

PassStats CpMethods::gather_backward(const void* q, const void* k, const void* v, const float* lse,
                                     const void* dout, const float* delta, void* dq, void* dk, void* dv) {
  const auto& s = cfg_.shape;
  const std::int64_t B = s.batch, H = s.heads, d = s.head_dim, n = cfg_.n, Hkv = cfg_.hkv;
  ComputeBackend& be = cfg_.be();
  PassStats stats;
  Gathered g = post_gather(cfg_, comm_, ws_, k, v, stats);

  // dK, dV of every block (fp32, dK then dV), and the partials the other ranks send for ours.
  const auto kv_elems = static_cast<std::size_t>(B * n * Hkv * d),
             q_elems = static_cast<std::size_t>(B * n * H * d);
  const auto G = static_cast<std::size_t>(cfg_.world);
  float* partials = ws_.f32(cp_partials, 2 * kv_elems * G);
  float* incoming = ws_.f32(cp_partials_in, 2 * kv_elems * G);
  float* grad_q = ws_.f32(cp_grad, q_elems);
  be.fill(partials, 0.0f, 2 * kv_elems * G);
  be.fill(grad_q, 0.0f, q_elems);
  std::vector<std::unique_ptr<Request>> partial_recvs(G), partial_sends;
  for (int j = 0; j < cfg_.world; ++j)
    if (j != cfg_.rank)
      partial_recvs[static_cast<std::size_t>(j)] =
          comm_.irecv(incoming + 2 * kv_elems * static_cast<std::size_t>(j), 2 * kv_elems * sizeof(float), j,
                      tag_partial);

  BackwardOperands ops;
  ops.q = RowsView{q, s.dtype, n * H * d, H * d};
  ops.dout = RowsView{dout, s.dtype, n * H * d, H * d};
  ops.lse = StatView{lse, H * n, n};
  ops.delta = StatView{delta, H * n, n};
  ops.dq = grad_q;
  ops.dq_batch_stride = n * H * d;
  ops.dkv_batch_stride = n * Hkv * d;
  const auto& mine = cfg_.segments[static_cast<std::size_t>(cfg_.rank)];
  for (int step = 0; step < cfg_.world; ++step) {
    const int j = block_of(cfg_, step);
    std::tie(ops.k, ops.v) = gathered_block(cfg_, comm_, g, j, k, v);
    ops.dk = partials + 2 * kv_elems * static_cast<std::size_t>(j);
    ops.dv = ops.dk + kv_elems;
    {
      BURST_TRACE_RANGE(Phase::compute, {.step = step});
      backward_segments(cfg_, ops, mine, cfg_.segments[static_cast<std::size_t>(j)]);
    }
    if (j == cfg_.rank) continue;
    be.record()->host_wait("partial dK, dV for rank " + std::to_string(j));
    partial_sends.push_back(comm_.isend(ops.dk, 2 * kv_elems * sizeof(float), j, tag_partial));
    stats.bytes_sent += 2 * kv_elems * sizeof(float);
    ++stats.messages_sent;
  }

  // The reduce-scatter's sum: this rank's own partial, then the others' in rank order.
  float* own = partials + 2 * kv_elems * static_cast<std::size_t>(cfg_.rank);
  for (int j = 0; j < cfg_.world; ++j) {
    if (j == cfg_.rank) continue;
    {
      BURST_TRACE_RANGE(Phase::wait, {.peer = j});
      comm_.wait(*partial_recvs[static_cast<std::size_t>(j)],
                 "reduce-scatter of dK, dV from rank " + std::to_string(j));
    }
    be.accumulate(own, incoming + 2 * kv_elems * static_cast<std::size_t>(j), DType::f32, 2 * kv_elems);
  }
  {
    BURST_TRACE_RANGE(Phase::unpack);
    be.convert(grad_q, DType::f32, dq, s.dtype, q_elems);
    be.convert(own, DType::f32, dk, s.dtype, kv_elems);
    be.convert(own + kv_elems, DType::f32, dv, s.dtype, kv_elems);
    be.synchronize();
  }
  BURST_TRACE_RANGE(Phase::wait);
  comm_.wait_all(g.sends, "all-gather of K, V");
  comm_.wait_all(partial_sends, "reduce-scatter of dK, dV");
  return stats;
}

// ---- ulysses and hybrid ----

PassStats CpMethods::ulysses_forward(const void* q, const void* k, const void* v, void* o, float* lse) {
  BURST_TRACE_RANGE(Phase::pass_forward);
  const auto& s = cfg_.shape;
  const OpConfig& h = heads_cfg_;
  const std::int64_t B = s.batch, d = s.head_dim, H = s.heads, Hkv = cfg_.hkv;
  const std::int64_t hq = h.shape.heads, hk = h.hkv, rows = h.n;
  const std::size_t e = dtype_size(s.dtype);
  ComputeBackend& be = cfg_.be();
  const Group group{be, comm_, group_, cfg_.rank % u_, B, cfg_.n, d};
  PassStats stats;

  auto* hq_buf = ws_.get(cp_q, static_cast<std::size_t>(B * rows * hq * d) * e);
  auto* hk_buf = ws_.get(cp_k, static_cast<std::size_t>(B * rows * hk * d) * e);
  auto* hv_buf = ws_.get(cp_v, static_cast<std::size_t>(B * rows * hk * d) * e);
  all_to_all(
      group, ws_,
      {{q, hq_buf, s.dtype, H, false}, {k, hk_buf, s.dtype, Hkv, false}, {v, hv_buf, s.dtype, Hkv, false}},
      true, stats);

  const auto o_elems = static_cast<std::size_t>(B * rows * hq * d),
             lse_elems = static_cast<std::size_t>(B * hq * rows);
  auto* ho = ws_.get(cp_o, o_elems * e);
  float* hlse = ws_.f32(cp_lse, lse_elems);
  if (h.world > 1) {
    const PassStats ring = run_forward(h, ring_ws_, ring_engine_.get(), hq_buf, hk_buf, hv_buf, ho, hlse);
    stats.bytes_sent += ring.bytes_sent;
    stats.messages_sent += ring.messages_sent;
  } else {
    float* acc_o = ws_.f32(cp_acc_o, o_elems);
    be.fill(acc_o, 0.0f, o_elems);
    be.fill(hlse, -std::numeric_limits<float>::infinity(), lse_elems);
    ForwardOperands ops;
    ops.q = RowsView{hq_buf, s.dtype, rows * hq * d, hq * d};
    ops.k = RowsView{hk_buf, s.dtype, rows * hk * d, hk * d};
    ops.v = RowsView{hv_buf, s.dtype, rows * hk * d, hk * d};
    ops.o = acc_o;
    ops.o_batch_stride = rows * hq * d;
    ops.lse = hlse;
    ops.lse_batch_stride = hq * rows;
    ops.lse_head_stride = rows;
    {
      BURST_TRACE_RANGE(Phase::compute);
      forward_segments(h, ops, h.segments[0], h.segments[0]);
    }
    be.convert(acc_o, DType::f32, ho, s.dtype, o_elems);
  }
  all_to_all(group, ws_, {{ho, o, s.dtype, H, false}, {hlse, lse, DType::f32, H, true}}, false, stats);
  be.synchronize();
  return stats;
}

PassStats CpMethods::ulysses_backward(const void* q, const void* k, const void* v, const void* o,
                                      const float* lse, const void* dout, void* dq, void* dk, void* dv) {
  BURST_TRACE_RANGE(Phase::pass_backward);
  const auto& s = cfg_.shape;
  const OpConfig& h = heads_cfg_;
  const std::int64_t B = s.batch, d = s.head_dim, H = s.heads, Hkv = cfg_.hkv;
  const std::int64_t hq = h.shape.heads, hk = h.hkv, rows = h.n;
  const std::size_t e = dtype_size(s.dtype);
  ComputeBackend& be = cfg_.be();
  const Group group{be, comm_, group_, cfg_.rank % u_, B, cfg_.n, d};
  PassStats stats;

  const auto q_elems = static_cast<std::size_t>(B * rows * hq * d),
             kv_elems = static_cast<std::size_t>(B * rows * hk * d);
  const auto stat_elems = static_cast<std::size_t>(B * hq * rows);
  auto* hq_buf = ws_.get(cp_q, q_elems * e);
  auto* hk_buf = ws_.get(cp_k, kv_elems * e);
  auto* hv_buf = ws_.get(cp_v, kv_elems * e);
  auto* hdout = ws_.get(cp_dout, q_elems * e);
  float* hlse = ws_.f32(cp_lse, stat_elems);
  auto* hdq = ws_.get(cp_dq, q_elems * e);
  auto* hdk = ws_.get(cp_dk, kv_elems * e);
  auto* hdv = ws_.get(cp_dv, kv_elems * e);

  if (h.world > 1) {
    // The ring across groups recomputes D from O, so O travels in.
    auto* ho = ws_.get(cp_o, q_elems * e);
    all_to_all(group, ws_,
               {{q, hq_buf, s.dtype, H, false},
                {dout, hdout, s.dtype, H, false},
                {o, ho, s.dtype, H, false},
                {k, hk_buf, s.dtype, Hkv, false},
                {v, hv_buf, s.dtype, Hkv, false},
                {lse, hlse, DType::f32, H, true}},
               true, stats);
    const PassStats ring =
        run_backward(h, ring_ws_, ring_engine_.get(), hq_buf, hk_buf, hv_buf, ho, hlse, hdout, hdq, hdk, hdv);
    stats.bytes_sent += ring.bytes_sent;
    stats.messages_sent += ring.messages_sent;
  } else {
    // D = rowsum(dO * O) on the sequence shard: 4 bytes per row and head travel instead of O.
    float* delta = ws_.f32(cp_seq_delta, static_cast<std::size_t>(B * H * cfg_.n));
    {
      BURST_TRACE_RANGE(Phase::delta);
      be.delta(delta_params(cfg_, dout, o, delta));
    }
    float* hdelta = ws_.f32(cp_delta, stat_elems);
    all_to_all(group, ws_,
               {{q, hq_buf, s.dtype, H, false},
                {dout, hdout, s.dtype, H, false},
                {k, hk_buf, s.dtype, Hkv, false},
                {v, hv_buf, s.dtype, Hkv, false},
                {lse, hlse, DType::f32, H, true},
                {delta, hdelta, DType::f32, H, true}},
               true, stats);
    float* grad = ws_.f32(cp_grad, q_elems + 2 * kv_elems);
    be.fill(grad, 0.0f, q_elems + 2 * kv_elems);
    BackwardOperands ops;
    ops.q = RowsView{hq_buf, s.dtype, rows * hq * d, hq * d};
    ops.dout = RowsView{hdout, s.dtype, rows * hq * d, hq * d};
    ops.k = RowsView{hk_buf, s.dtype, rows * hk * d, hk * d};
    ops.v = RowsView{hv_buf, s.dtype, rows * hk * d, hk * d};
    ops.lse = StatView{hlse, hq * rows, rows};
    ops.delta = StatView{hdelta, hq * rows, rows};
    ops.dq = grad;
    ops.dq_batch_stride = rows * hq * d;
    ops.dk = grad + q_elems;
    ops.dv = grad + q_elems + kv_elems;
    ops.dkv_batch_stride = rows * hk * d;
    {
      BURST_TRACE_RANGE(Phase::compute);
      backward_segments(h, ops, h.segments[0], h.segments[0]);
    }
    be.convert(ops.dq, DType::f32, hdq, s.dtype, q_elems);
    be.convert(ops.dk, DType::f32, hdk, s.dtype, kv_elems);
    be.convert(ops.dv, DType::f32, hdv, s.dtype, kv_elems);
  }
  all_to_all(group, ws_,
             {{hdq, dq, s.dtype, H, false}, {hdk, dk, s.dtype, Hkv, false}, {hdv, dv, s.dtype, Hkv, false}},
             false, stats);
  be.synchronize();
  return stats;
}

}  // namespace burst::runtime
