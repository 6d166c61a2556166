// Forward ring: K and V travel, Q stays; each step folds one block into the running (O, lse).
#include <chrono>
#include <limits>
#include <vector>

#include "runtime/block_ring.hpp"
#include "runtime/passes.hpp"
#include "trace/trace.hpp"

namespace burst::runtime {

void store_piece_rows(ComputeBackend& be, const float* piece, std::int64_t batch, std::int64_t nc,
                      std::int64_t row_elems, std::int64_t row_begin, std::int64_t n, void* dst, DType t) {
  const std::size_t e = dtype_size(t);
  for (std::int64_t b = 0; b < batch; ++b)
    be.convert(piece + b * nc * row_elems, DType::f32,
               static_cast<std::byte*>(dst) + static_cast<std::size_t>((b * n + row_begin) * row_elems) * e,
               t, static_cast<std::size_t>(nc * row_elems));
}

PassStats run_forward(const OpConfig& cfg, Workspace& ws, TransferEngine* engine, const void* q,
                      const void* k, const void* v, void* o, float* lse) {
  const auto t0 = std::chrono::steady_clock::now();
  using trace::Phase;
  trace::set_thread_rank(cfg.rank);
  BURST_TRACE_RANGE(Phase::pass_forward);
  const auto& s = cfg.shape;
  const std::int64_t B = s.batch, H = s.heads, d = s.head_dim, n = cfg.n, nc = cfg.nc, Hkv = cfg.hkv;
  const std::size_t b = dtype_size(s.dtype);
  const std::size_t piece_elems = static_cast<std::size_t>(B * nc * Hkv * d);  // one of K, V: (B, nc, Hkv, d)
  const RingSchedule schedule(cfg.schedule.topology, cfg.world, cfg.schedule.group_size, cfg.forward_steps);
  ComputeBackend& be = cfg.be();
  BlockRing ring(cfg, engine, schedule, MessageKind::forward_block, 2 * piece_elems * b);

  for (int c = 0; c < cfg.pieces; ++c) {
    BURST_TRACE_RANGE(Phase::pack, {.chunk = c});
    std::byte* dst = ring.own() + static_cast<std::size_t>(c) * ring.piece_bytes();
    const RowsCopy rows{s.dtype, B, n, Hkv * d, c * nc, nc};
    be.pack_rows(rows, k, dst);
    be.pack_rows(rows, v, dst + piece_elems * b);
  }

  // The fp32 running state: o = 0, lse = -inf.
  const auto o_elems = static_cast<std::size_t>(B * n * H * d),
             lse_elems = static_cast<std::size_t>(B * H * n);
  float* acc_o = ws.f32(ws_o, o_elems);        // (B, n, H, d)
  float* acc_lse = ws.f32(ws_lse, lse_elems);  // (B, H, n)
  be.fill(acc_o, 0.0f, o_elems);
  be.fill(acc_lse, -std::numeric_limits<float>::infinity(), lse_elems);
  ForwardOperands ops;
  ops.q = RowsView{q, s.dtype, n * H * d, H * d};
  ops.o = acc_o;
  ops.o_batch_stride = n * H * d;
  ops.lse = acc_lse;
  ops.lse_batch_stride = H * n;
  ops.lse_head_stride = n;

  const std::vector<Segment>& mine = cfg.segments[static_cast<std::size_t>(cfg.rank)];
  for (int step = 0; step < schedule.steps(); ++step) {
    BURST_TRACE_RANGE(Phase::ring_step, {.step = step});
    ring.begin_step(step);
    const int owner = schedule.block_at(cfg.rank, step);
    for (int c = 0; c < cfg.pieces; ++c) {
      const std::byte* p = ring.piece(step, c);
      ops.k = RowsView{p, s.dtype, nc * Hkv * d, Hkv * d};
      ops.v = RowsView{p + piece_elems * b, s.dtype, nc * Hkv * d, Hkv * d};
      BURST_TRACE_RANGE(Phase::compute, {.step = step, .chunk = c});
      forward_segments(cfg, ops, mine,
                       slice_segments(cfg.segments[static_cast<std::size_t>(owner)], c * nc, (c + 1) * nc));
    }
    ring.end_step(step);
  }

  {
    BURST_TRACE_RANGE(Phase::unpack);
    be.convert(acc_o, DType::f32, o, s.dtype, o_elems);
    be.copy(lse, acc_lse, lse_elems * sizeof(float));
    be.synchronize();
  }
  PassStats stats;
  stats.bytes_sent = ring.bytes_sent();
  stats.messages_sent = ring.messages_sent();
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return stats;
}

}  // namespace burst::runtime
