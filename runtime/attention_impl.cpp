#include "runtime/attention_impl.hpp"

#include <algorithm>
#include <thread>

#include "burst/error.hpp"
#include "kernels/registry.hpp"

namespace burst::runtime {

int message_tag(MessageKind kind, int dest_step, int piece, int world) {
  const int tag = ((static_cast<int>(kind) * (world + 1) + dest_step) * 8) + piece;
  BURST_CHECK(tag >= 0 && tag <= 32767, "message tag out of range (world size too large for tag encoding)");
  return tag;
}

std::byte* BufferPool::acquire() {
  if (free_.empty()) {
    all_.push_back(backend_.allocate(bytes_));
    return all_.back().data();
  }
  std::byte* p = free_.back();
  free_.pop_back();
  return p;
}

void BufferPool::release(std::byte* p) {
  if (p != nullptr) free_.push_back(p);
}

std::byte* Workspace::get(int role, std::size_t bytes) {
  const auto r = static_cast<std::size_t>(role);
  if (buffers_.size() <= r) buffers_.resize(r + 1);
  if (buffers_[r].bytes() < bytes || buffers_[r].data() == nullptr) buffers_[r] = backend_.allocate(bytes);
  return buffers_[r].data();
}

OpConfig make_config(const Communicator& comm, const AttentionShape& shape, const Schedule& schedule,
                     ComputeBackend& backend) {
  const KernelPlan plan = plan_kernels(shape, schedule, comm.size(), backend.kind());
  OpConfig cfg;
  cfg.backend = &backend;
  cfg.fwd_kernel = kernels::find_kernel(plan.forward);
  cfg.bwd_kernel = kernels::find_kernel(plan.backward);
  BURST_CHECK(cfg.fwd_kernel != nullptr && cfg.bwd_kernel != nullptr, "the registry lost a planned kernel");
  cfg.shape = shape;
  cfg.schedule = schedule;
  cfg.rank = comm.rank();
  cfg.world = comm.size();
  cfg.n = shape.seq / cfg.world;
  cfg.pieces = schedule.overlap == Overlap::chunk_pipeline ? schedule.chunks : 1;
  cfg.nc = cfg.n / cfg.pieces;
  cfg.hkv = shape.kv_heads_or_heads();
  cfg.scale = shape.scale_or_default();
  if (schedule.threads > 0) {
    cfg.threads = schedule.threads;
  } else {
    // Ranks that are threads of this process share its cores.
    const int in_process = comm.backend() == "local" ? cfg.world : 1;
    cfg.threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / in_process);
  }
  cfg.segments.reserve(static_cast<std::size_t>(cfg.world));
  for (int r = 0; r < cfg.world; ++r)
    cfg.segments.push_back(layout_segments(schedule.layout, r, cfg.world, cfg.n, shape.doc_bounds));
  cfg.forward_steps = ring_steps(shape, schedule, cfg.world, true);
  cfg.backward_q_steps = ring_steps(shape, schedule, cfg.world, false);
  return cfg;
}

namespace {

// The mask of one (query segment, key segment) pair: none when the mask leaves the pair whole,
// `skip` when it hides all of it, else the position mask the kernel applies (causal when that is
// the whole rule, bounded otherwise).
kernels::MaskParams mask_for(const AttentionShape& shape, const Segment& qs, const Segment& ks, bool& skip) {
  kernels::MaskParams m;
  skip = false;
  const MaskRule rule = shape.mask_rule();
  if (!rule.restricts()) return m;
  m.kind =
      rule.has_documents() || shape.has_window() ? kernels::MaskMode::bounded : kernels::MaskMode::causal;
  m.rule = rule;
  m.q_pos0 = qs.pos0;
  m.q_pos_stride = qs.stride;
  m.k_pos0 = ks.pos0;
  m.k_pos_stride = ks.stride;
  switch (kernels::mask_detail::TileMask{m}.classify(0, qs.len, 0, ks.len)) {
    case kernels::mask_detail::TileVisibility::none:
      skip = true;
      return m;
    case kernels::mask_detail::TileVisibility::all:
      return kernels::MaskParams{};
    case kernels::mask_detail::TileVisibility::partial:
      return m;
  }
  return m;
}

}  // namespace

bool any_visible(const AttentionShape& shape, const std::vector<Segment>& q_segments,
                 const std::vector<Segment>& k_segments) {
  for (const Segment& qs : q_segments) {
    for (const Segment& ks : k_segments) {
      bool skip = false;
      mask_for(shape, qs, ks, skip);
      if (!skip) return true;
    }
  }
  return false;
}

}  // namespace burst::runtime

namespace burst {

int ring_steps(const AttentionShape& shape, const Schedule& schedule, int world, bool keys_travel) {
  using runtime::Segment;
  if (world <= 1 || !shape.mask_rule().restricts()) return world;
  const runtime::RingSchedule all(schedule.topology, world, schedule.group_size);
  const std::int64_t n = shape.seq / world;
  std::vector<std::vector<Segment>> segments;
  for (int r = 0; r < world; ++r)
    segments.push_back(runtime::layout_segments(schedule.layout, r, world, n, shape.doc_bounds));
  for (int step = world - 1; step >= 2; --step) {
    for (int r = 0; r < world; ++r) {
      const auto& mine = segments[static_cast<std::size_t>(r)];
      const auto& held = segments[static_cast<std::size_t>(all.block_at(r, step))];
      if (keys_travel ? runtime::any_visible(shape, mine, held) : runtime::any_visible(shape, held, mine))
        return step + 1;
    }
  }
  return 2;
}

}  // namespace burst

namespace burst::runtime {

namespace {

// Calls fn(params) for every (query segment, key segment) pair that sees at least one key, with
// the fields forward and backward parameters share (shape, q/k/v views, mask, tiles) filled in.
template <typename Params, typename Fn>
void for_each_visible_pair(const OpConfig& cfg, const RowsView& q, const RowsView& k, const RowsView& v,
                           const std::vector<Segment>& q_segments, const std::vector<Segment>& k_segments,
                           Fn&& fn) {
  const auto& s = cfg.shape;
  for (const Segment& qs : q_segments) {
    for (const Segment& ks : k_segments) {
      bool skip = false;
      const kernels::MaskParams mask = mask_for(cfg.shape, qs, ks, skip);
      if (skip) continue;
      Params p;
      p.dtype = s.dtype;
      p.batch = s.batch;
      p.nq = qs.len;
      p.nk = ks.len;
      p.heads = s.heads;
      p.kv_heads = cfg.hkv;
      p.head_dim = s.head_dim;
      p.scale = cfg.scale;
      p.q = q.row(qs.row);
      p.q_batch_stride = q.batch_stride;
      p.q_row_stride = q.row_stride;
      p.k = k.row(ks.row);
      p.v = v.row(ks.row);
      p.kv_batch_stride = k.batch_stride;
      p.kv_row_stride = k.row_stride;
      p.mask = mask;
      p.tile_q = cfg.schedule.tile_q;
      p.tile_kv = cfg.schedule.tile_kv;
      p.threads = cfg.threads;
      fn(p, qs, ks);
    }
  }
}

}  // namespace

void forward_segments(const OpConfig& cfg, const ForwardOperands& ops, const std::vector<Segment>& q_segments,
                      const std::vector<Segment>& k_segments) {
  const std::int64_t o_row = cfg.shape.heads * cfg.shape.head_dim;
  for_each_visible_pair<kernels::FwdBlockParams>(
      cfg, ops.q, ops.k, ops.v, q_segments, k_segments,
      [&](kernels::FwdBlockParams& p, const Segment& qs, const Segment&) {
        p.o = ops.o + qs.row * o_row;
        p.o_batch_stride = ops.o_batch_stride;
        p.o_row_stride = o_row;
        p.lse = ops.lse + qs.row;
        p.lse_batch_stride = ops.lse_batch_stride;
        p.lse_head_stride = ops.lse_head_stride;
        cfg.be().forward(*cfg.fwd_kernel, p);
      });
}

void backward_segments(const OpConfig& cfg, const BackwardOperands& ops,
                       const std::vector<Segment>& q_segments, const std::vector<Segment>& k_segments) {
  const std::int64_t q_row = cfg.shape.heads * cfg.shape.head_dim, kv_row = cfg.hkv * cfg.shape.head_dim;
  for_each_visible_pair<kernels::BwdBlockParams>(
      cfg, ops.q, ops.k, ops.v, q_segments, k_segments,
      [&](kernels::BwdBlockParams& p, const Segment& qs, const Segment& ks) {
        p.dout = ops.dout.row(qs.row);
        p.lse = ops.lse.base + qs.row;
        p.delta = ops.delta.base + qs.row;
        p.stat_batch_stride = ops.lse.batch_stride;
        p.stat_head_stride = ops.lse.head_stride;
        p.dq = ops.dq + qs.row * q_row;
        p.dq_batch_stride = ops.dq_batch_stride;
        p.dq_row_stride = q_row;
        p.dk = ops.dk + ks.row * kv_row;
        p.dv = ops.dv + ks.row * kv_row;
        p.dkv_batch_stride = ops.dkv_batch_stride;
        p.dkv_row_stride = kv_row;
        cfg.be().backward(*cfg.bwd_kernel, p);
      });
}

}  // namespace burst::runtime
