#include "runtime/accumulator_ring.hpp"

#include "burst/error.hpp"
#include "trace/trace.hpp"

namespace burst::runtime {

AccumulatorRing::AccumulatorRing(const OpConfig& cfg, Workspace& ws, TransferEngine* engine,
                                 const RingSchedule& schedule, std::size_t piece_elems)
    : cfg_(cfg),
      engine_(engine),
      schedule_(schedule),
      piece_elems_(piece_elems),
      dtype_(cfg.schedule.accum_dtype == AccumDType::fp32 ? DType::f32 : cfg.shape.dtype),
      pool_(cfg.be(), piece_elems * dtype_size(dtype_) * static_cast<std::size_t>(cfg.pieces)),
      home_(ws.f32(ws_accum_home, piece_elems * static_cast<std::size_t>(cfg.pieces))) {
  cfg.be().fill(home_, 0.0f, piece_elems * static_cast<std::size_t>(cfg.pieces));
}

std::string AccumulatorRing::what(int step) const {
  return step == schedule_.steps() ? std::string("backward accumulator home")
                                   : "backward accumulator step " + std::to_string(step);
}

void AccumulatorRing::begin_step(int step) {
  if (cfg_.world == 1) return;
  const int dest = step + 1;  // steps() means "home"
  const int block = dest < schedule_.steps() ? schedule_.block_at(cfg_.rank, dest) : cfg_.rank;
  const int source = schedule_.holder(block, step);
  const std::size_t piece_bytes = piece_elems_ * dtype_size(dtype_);
  Slot& slot = recvs_[dest];
  slot.data = pool_.acquire();
  slot.peer = source;
  for (int c = 0; c < cfg_.pieces; ++c) {
    BURST_TRACE_RANGE(trace::Phase::recv, {.peer = source, .step = dest, .bytes = piece_bytes, .chunk = c});
    slot.transfers.push_back(
        engine_->recv(slot.data + static_cast<std::size_t>(c) * piece_bytes, piece_bytes, source,
                      message_tag(MessageKind::backward_accumulator, dest, c, cfg_.world)));
  }
}

void AccumulatorRing::deliver(int step, int c, float* share) {
  const std::size_t cc = static_cast<std::size_t>(c);
  ComputeBackend& be = cfg_.be();
  if (cfg_.world == 1) {
    be.copy(home_ + cc * piece_elems_, share, piece_elems_ * sizeof(float));
    return;
  }
  const std::size_t piece_bytes = piece_elems_ * dtype_size(dtype_);
  if (step > 0) {
    Slot& in = recvs_.at(step);
    {
      BURST_TRACE_RANGE(trace::Phase::wait, {.peer = in.peer, .step = step, .chunk = c});
      be.wait(in.transfers[cc], what(step));
    }
    be.accumulate(share, in.data + cc * piece_bytes, dtype_, piece_elems_);
  }
  const int owner = schedule_.block_at(cfg_.rank, step);
  const int dest = step + 1;
  const int peer = dest < schedule_.steps() ? schedule_.holder(owner, dest) : owner;
  Slot& out = sends_[step];
  if (out.data == nullptr) out.data = pool_.acquire();
  std::byte* buf = out.data + cc * piece_bytes;
  be.convert(share, DType::f32, buf, dtype_, piece_elems_);
  out.peer = peer;
  BURST_TRACE_RANGE(trace::Phase::send, {.peer = peer, .step = dest, .bytes = piece_bytes, .chunk = c});
  out.transfers.push_back(engine_->send(buf, piece_bytes, peer,
                                        message_tag(MessageKind::backward_accumulator, dest, c, cfg_.world),
                                        be.record()));
  bytes_sent_ += piece_bytes;
  ++messages_sent_;
}

void AccumulatorRing::end_step(int step) {
  if (cfg_.world == 1) return;
  auto out = sends_.find(step);
  if (out != sends_.end()) {
    BURST_TRACE_RANGE(trace::Phase::wait, {.peer = out->second.peer, .step = step + 1});
    engine_->wait_all(out->second.transfers, what(step + 1));
    pool_.release(out->second.data);  // its sends completed: the buffer may be reused
    sends_.erase(out);
  }
  auto in = recvs_.find(step);
  if (in != recvs_.end()) {
    pool_.release(in->second.data);
    recvs_.erase(in);
  }
}

const float* AccumulatorRing::finish() {
  if (cfg_.world == 1) return home_;
  ComputeBackend& be = cfg_.be();
  const int home = schedule_.steps();
  Slot& in = recvs_.at(home);
  const std::size_t piece_bytes = piece_elems_ * dtype_size(dtype_);
  for (int c = 0; c < cfg_.pieces; ++c) {
    const std::size_t cc = static_cast<std::size_t>(c);
    {
      BURST_TRACE_RANGE(trace::Phase::wait, {.peer = in.peer, .step = home, .chunk = c});
      be.wait(in.transfers[cc], what(home));
    }
    be.convert(in.data + cc * piece_bytes, dtype_, home_ + cc * piece_elems_, DType::f32, piece_elems_);
  }
  pool_.release(in.data);
  recvs_.erase(home);
  return home_;
}

}  // namespace burst::runtime
