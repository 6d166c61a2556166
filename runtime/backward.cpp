// Backward ring, both schemes of docs/algorithm.md:
//   q  (BurstAttention): (Q, dO, D, lse) travel; K, V, dK, dV stay; the dQ accumulator follows.
//   kv (RingAttention):  K, V travel; Q, dO, D, lse, dQ stay; the dK, dV accumulators follow.
#include <chrono>
#include <vector>

#include "runtime/accumulator_ring.hpp"
#include "runtime/block_ring.hpp"
#include "runtime/passes.hpp"
#include "trace/trace.hpp"

namespace burst::runtime {

PassStats run_backward(const OpConfig& cfg, Workspace& ws, TransferEngine* engine, const void* q,
                       const void* k, const void* v, const void* o, const float* lse, const void* dout,
                       void* dq, void* dk, void* dv) {
  const auto t0 = std::chrono::steady_clock::now();
  using trace::Phase;
  trace::set_thread_rank(cfg.rank);
  BURST_TRACE_RANGE(Phase::pass_backward);
  const auto& s = cfg.shape;
  const std::int64_t B = s.batch, H = s.heads, d = s.head_dim, n = cfg.n, nc = cfg.nc, Hkv = cfg.hkv;
  const std::size_t b = dtype_size(s.dtype);
  const RingSchedule schedule(cfg.schedule.topology, cfg.world, cfg.schedule.group_size,
                              cfg.schedule.bwd_comm == BwdComm::q ? cfg.backward_q_steps : cfg.forward_steps);
  const std::vector<Segment>& mine = cfg.segments[static_cast<std::size_t>(cfg.rank)];
  ComputeBackend& be = cfg.be();

  // D = rowsum(dO * O), (B, H, n) fp32.
  float* delta = ws.f32(ws_delta, static_cast<std::size_t>(B * H * n));
  kernels::DeltaParams dp;
  dp.dtype = s.dtype;
  dp.batch = B;
  dp.n = n;
  dp.heads = H;
  dp.head_dim = d;
  dp.dout = dout;
  dp.o = o;
  dp.delta = delta;
  dp.threads = cfg.threads;
  {
    BURST_TRACE_RANGE(Phase::delta);
    be.delta(dp);
  }

  const bool q_scheme = cfg.schedule.bwd_comm == BwdComm::q;
  const std::size_t q_piece = static_cast<std::size_t>(B * nc * H * d);     // (B, nc, H, d)
  const std::size_t kv_piece = static_cast<std::size_t>(B * nc * Hkv * d);  // (B, nc, Hkv, d)
  const std::size_t stat_piece = static_cast<std::size_t>(B * H * nc);      // (B, H, nc)
  const std::size_t block_piece_bytes =
      q_scheme ? 2 * q_piece * b + 2 * stat_piece * sizeof(float) : 2 * kv_piece * b;
  const std::size_t acc_piece = q_scheme ? q_piece : 2 * kv_piece;

  BlockRing ring(cfg, engine, schedule, MessageKind::backward_block, block_piece_bytes);
  AccumulatorRing accumulators(cfg, ws, engine, schedule, acc_piece);
  for (int c = 0; c < cfg.pieces; ++c) {
    BURST_TRACE_RANGE(Phase::pack, {.chunk = c});
    std::byte* dst = ring.own() + static_cast<std::size_t>(c) * block_piece_bytes;
    if (q_scheme) {
      const RowsCopy rows{s.dtype, B, n, H * d, c * nc, nc};
      be.pack_rows(rows, q, dst);
      be.pack_rows(rows, dout, dst + q_piece * b);
      auto* stats = reinterpret_cast<float*>(dst + 2 * q_piece * b);
      be.pack_stats(delta, B, H, n, c * nc, nc, stats);
      be.pack_stats(lse, B, H, n, c * nc, nc, stats + stat_piece);
    } else {
      const RowsCopy rows{s.dtype, B, n, Hkv * d, c * nc, nc};
      be.pack_rows(rows, k, dst);
      be.pack_rows(rows, v, dst + kv_piece * b);
    }
  }

  // The gradients that stay on this rank, fp32.
  const std::size_t local_elems =
      q_scheme ? 2 * static_cast<std::size_t>(B * n * Hkv * d) : static_cast<std::size_t>(B * n * H * d);
  float* local_grad = ws.f32(ws_local_grad, local_elems);
  be.fill(local_grad, 0.0f, local_elems);
  float* share = ws.f32(ws_share, acc_piece);  // this rank's share of the travelling accumulator piece

  BackwardOperands ops;
  if (q_scheme) {
    ops.k = RowsView{k, s.dtype, n * Hkv * d, Hkv * d};
    ops.v = RowsView{v, s.dtype, n * Hkv * d, Hkv * d};
    ops.dk = local_grad;
    ops.dv = local_grad + B * n * Hkv * d;
    ops.dkv_batch_stride = n * Hkv * d;
    ops.dq = share;
    ops.dq_batch_stride = nc * H * d;
  } else {
    ops.q = RowsView{q, s.dtype, n * H * d, H * d};
    ops.dout = RowsView{dout, s.dtype, n * H * d, H * d};
    ops.lse = StatView{lse, H * n, n};
    ops.delta = StatView{delta, H * n, n};
    ops.dq = local_grad;
    ops.dq_batch_stride = n * H * d;
    ops.dk = share;
    ops.dv = share + kv_piece;
    ops.dkv_batch_stride = nc * Hkv * d;
  }

  for (int step = 0; step < schedule.steps(); ++step) {
    BURST_TRACE_RANGE(Phase::ring_step, {.step = step});
    ring.begin_step(step);
    accumulators.begin_step(step);
    const int owner = schedule.block_at(cfg.rank, step);
    const auto& theirs = cfg.segments[static_cast<std::size_t>(owner)];
    for (int c = 0; c < cfg.pieces; ++c) {
      const std::byte* p = ring.piece(step, c);
      be.fill(share, 0.0f, acc_piece);
      const auto travelling = slice_segments(theirs, c * nc, (c + 1) * nc);
      if (q_scheme) {
        ops.q = RowsView{p, s.dtype, nc * H * d, H * d};
        ops.dout = RowsView{p + q_piece * b, s.dtype, nc * H * d, H * d};
        const auto* stats = reinterpret_cast<const float*>(p + 2 * q_piece * b);
        ops.delta = StatView{stats, H * nc, nc};
        ops.lse = StatView{stats + stat_piece, H * nc, nc};
        BURST_TRACE_RANGE(Phase::compute, {.step = step, .chunk = c});
        backward_segments(cfg, ops, travelling, mine);
      } else {
        ops.k = RowsView{p, s.dtype, nc * Hkv * d, Hkv * d};
        ops.v = RowsView{p + kv_piece * b, s.dtype, nc * Hkv * d, Hkv * d};
        BURST_TRACE_RANGE(Phase::compute, {.step = step, .chunk = c});
        backward_segments(cfg, ops, mine, travelling);
      }
      accumulators.deliver(step, c, share);
    }
    accumulators.end_step(step);
    ring.end_step(step);
  }

  const float* home = accumulators.finish();
  BURST_TRACE_RANGE(Phase::unpack);
  for (int c = 0; c < cfg.pieces; ++c) {
    const float* piece = home + static_cast<std::size_t>(c) * acc_piece;
    if (q_scheme) {
      store_piece_rows(be, piece, B, nc, H * d, c * nc, n, dq, s.dtype);
    } else {
      store_piece_rows(be, piece, B, nc, Hkv * d, c * nc, n, dk, s.dtype);
      store_piece_rows(be, piece + kv_piece, B, nc, Hkv * d, c * nc, n, dv, s.dtype);
    }
  }
  const auto kv_elems = static_cast<std::size_t>(B * n * Hkv * d);
  if (q_scheme) {
    be.convert(local_grad, DType::f32, dk, s.dtype, kv_elems);
    be.convert(local_grad + kv_elems, DType::f32, dv, s.dtype, kv_elems);
  } else {
    be.convert(local_grad, DType::f32, dq, s.dtype, static_cast<std::size_t>(B * n * H * d));
  }
  be.synchronize();

  PassStats stats;
  stats.bytes_sent = ring.bytes_sent() + accumulators.bytes_sent();
  stats.messages_sent = ring.messages_sent() + accumulators.messages_sent();
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return stats;
}

}  // namespace burst::runtime
