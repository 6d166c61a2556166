// Backward ring, both schemes of ALGORITHM.md:
//   q  (BurstAttention): (Q, dO, D, lse) travel; K, V, dK, dV stay; the dQ accumulator follows.
//   kv (RingAttention):  K, V travel; Q, dO, D, lse, dQ stay; the dK, dV accumulators follow.
#include <chrono>
#include <vector>

#include "kernels/cpu_attention.hpp"
#include "kernels/dtype.hpp"
#include "runtime/accumulator_ring.hpp"
#include "runtime/block_ring.hpp"
#include "runtime/passes.hpp"
#include "trace/trace.hpp"

namespace burst::runtime {

PassStats run_backward(const OpConfig& cfg, TransferEngine* engine, const void* q, const void* k, const void* v,
                       const void* o, const float* lse, const void* dout, void* dq, void* dk, void* dv) {
  const auto t0 = std::chrono::steady_clock::now();
  using trace::Phase;
  trace::set_thread_rank(cfg.rank);
  BURST_TRACE_RANGE(Phase::pass_backward);
  const auto& s = cfg.shape;
  const std::int64_t B = s.batch, H = s.heads, d = s.head_dim, n = cfg.n, nc = cfg.nc, Hkv = cfg.hkv;
  const std::size_t b = dtype_size(s.dtype);
  const RingSchedule schedule(cfg.schedule.topology, cfg.world, cfg.schedule.group_size);
  const std::vector<Segment>& mine = cfg.segments[static_cast<std::size_t>(cfg.rank)];

  // D = rowsum(dO * O), (B, H, n) fp32.
  std::vector<float> delta(static_cast<std::size_t>(B * H * n));
  kernels::DeltaParams dp;
  dp.dtype = s.dtype;
  dp.batch = B;
  dp.n = n;
  dp.heads = H;
  dp.head_dim = d;
  dp.dout = dout;
  dp.o = o;
  dp.delta = delta.data();
  dp.threads = cfg.threads;
  {
    BURST_TRACE_RANGE(Phase::delta);
    kernels::cpu_compute_delta(dp);
  }

  const bool q_scheme = cfg.schedule.bwd_comm == BwdComm::q;
  const std::size_t q_piece = static_cast<std::size_t>(B * nc * H * d);    // (B, nc, H, d)
  const std::size_t kv_piece = static_cast<std::size_t>(B * nc * Hkv * d);  // (B, nc, Hkv, d)
  const std::size_t stat_piece = static_cast<std::size_t>(B * H * nc);     // (B, H, nc)
  const std::size_t block_piece_bytes = q_scheme ? 2 * q_piece * b + 2 * stat_piece * sizeof(float) : 2 * kv_piece * b;
  const std::size_t acc_piece = q_scheme ? q_piece : 2 * kv_piece;

  BlockRing ring(cfg, engine, schedule, MessageKind::backward_block, block_piece_bytes);
  AccumulatorRing accumulators(cfg, engine, schedule, acc_piece);
  for (int c = 0; c < cfg.pieces; ++c) {
    BURST_TRACE_RANGE(Phase::pack, {.chunk = c});
    std::byte* dst = ring.own() + static_cast<std::size_t>(c) * block_piece_bytes;
    if (q_scheme) {
      pack_rows(q, B, n, H * d, s.dtype, c * nc, nc, dst);
      pack_rows(dout, B, n, H * d, s.dtype, c * nc, nc, dst + q_piece * b);
      auto* stats = reinterpret_cast<float*>(dst + 2 * q_piece * b);
      pack_stats(delta.data(), B, H, n, c * nc, nc, stats);
      pack_stats(lse, B, H, n, c * nc, nc, stats + stat_piece);
    } else {
      pack_rows(k, B, n, Hkv * d, s.dtype, c * nc, nc, dst);
      pack_rows(v, B, n, Hkv * d, s.dtype, c * nc, nc, dst + kv_piece * b);
    }
  }

  // The gradients that stay on this rank, fp32.
  std::vector<float> local_grad(q_scheme ? 2 * static_cast<std::size_t>(B * n * Hkv * d)
                                         : static_cast<std::size_t>(B * n * H * d),
                                0.0f);
  std::vector<float> share(acc_piece);

  BackwardOperands ops;
  if (q_scheme) {
    ops.k = RowsView{k, s.dtype, n * Hkv * d, Hkv * d};
    ops.v = RowsView{v, s.dtype, n * Hkv * d, Hkv * d};
    ops.dk = local_grad.data();
    ops.dv = local_grad.data() + B * n * Hkv * d;
    ops.dkv_batch_stride = n * Hkv * d;
    ops.dq = share.data();
    ops.dq_batch_stride = nc * H * d;
  } else {
    ops.q = RowsView{q, s.dtype, n * H * d, H * d};
    ops.dout = RowsView{dout, s.dtype, n * H * d, H * d};
    ops.lse = StatView{lse, H * n, n};
    ops.delta = StatView{delta.data(), H * n, n};
    ops.dq = local_grad.data();
    ops.dq_batch_stride = n * H * d;
    ops.dk = share.data();
    ops.dv = share.data() + kv_piece;
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
      std::fill(share.begin(), share.end(), 0.0f);
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
      accumulators.deliver(step, c, share.data());
    }
    accumulators.end_step(step);
    ring.end_step(step);
  }

  const std::vector<float>& home = accumulators.finish();
  BURST_TRACE_RANGE(Phase::unpack);
  for (int c = 0; c < cfg.pieces; ++c) {
    const float* piece = home.data() + static_cast<std::size_t>(c) * acc_piece;
    if (q_scheme) {
      store_piece_rows(piece, B, nc, H * d, c * nc, n, dq, s.dtype);
    } else {
      store_piece_rows(piece, B, nc, Hkv * d, c * nc, n, dk, s.dtype);
      store_piece_rows(piece + kv_piece, B, nc, Hkv * d, c * nc, n, dv, s.dtype);
    }
  }
  if (q_scheme) {
    kernels::convert_from_float(local_grad.data(), dk, s.dtype, B * n * Hkv * d);
    kernels::convert_from_float(local_grad.data() + B * n * Hkv * d, dv, s.dtype, B * n * Hkv * d);
  } else {
    kernels::convert_from_float(local_grad.data(), dq, s.dtype, B * n * H * d);
  }

  PassStats stats;
  stats.bytes_sent = ring.bytes_sent() + accumulators.bytes_sent();
  stats.messages_sent = ring.messages_sent() + accumulators.messages_sent();
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return stats;
}

}  // namespace burst::runtime
