#include "runtime/block_ring.hpp"

#include "burst/error.hpp"
#include "trace/trace.hpp"

namespace burst::runtime {

BlockRing::BlockRing(const OpConfig& cfg, TransferEngine* engine, const RingSchedule& schedule,
                     MessageKind kind, std::size_t piece_bytes)
    : cfg_(cfg),
      engine_(engine),
      schedule_(schedule),
      kind_(kind),
      piece_bytes_(piece_bytes),
      pool_(cfg.be(), piece_bytes * static_cast<std::size_t>(cfg.pieces)) {
  held_[0].buffer = pool_.acquire();
  BURST_CHECK(cfg.world == 1 || engine != nullptr, "a ring of several ranks needs a transfer engine");
}

std::string BlockRing::what(int step) const {
  return std::string(kind_ == MessageKind::forward_block ? "forward" : "backward") + " step " +
         std::to_string(step);
}

void BlockRing::post_recvs(int step) {
  // By symmetry, this rank receives at `step` what its sources send at `step`: the blocks of the
  // destination steps named by block_sends().
  for (const BlockSend& s : schedule_.block_sends(cfg_.rank, step)) {
    Held& h = held_[s.dest_step];
    BURST_CHECK(h.buffer == nullptr, "block received twice");
    h.buffer = pool_.acquire();
    const int source = schedule_.block_source(cfg_.rank, s.dest_step);
    h.source = source;
    for (int c = 0; c < cfg_.pieces; ++c) {
      BURST_TRACE_RANGE(trace::Phase::recv,
                        {.peer = source, .step = s.dest_step, .bytes = piece_bytes_, .chunk = c});
      h.recvs.push_back(engine_->recv(h.buffer + static_cast<std::size_t>(c) * piece_bytes_, piece_bytes_,
                                      source, message_tag(kind_, s.dest_step, c, cfg_.world)));
    }
  }
}

void BlockRing::post_sends(int step, int c) {
  Held& h = held_.at(step);
  for (const BlockSend& s : schedule_.block_sends(cfg_.rank, step)) {
    h.dest = h.sends.empty() || h.dest == s.peer ? s.peer : -1;
    BURST_TRACE_RANGE(trace::Phase::send,
                      {.peer = s.peer, .step = s.dest_step, .bytes = piece_bytes_, .chunk = c});
    // Posted once the compute queue has reached this point (the piece was packed or received).
    h.sends.push_back(engine_->send(h.buffer + static_cast<std::size_t>(c) * piece_bytes_, piece_bytes_,
                                    s.peer, message_tag(kind_, s.dest_step, c, cfg_.world),
                                    cfg_.be().record()));
    bytes_sent_ += piece_bytes_;
    ++messages_sent_;
  }
}

void BlockRing::begin_step(int step) {
  if (cfg_.world == 1) return;
  switch (cfg_.schedule.overlap) {
    case Overlap::none:
      return;
    case Overlap::double_buffer: {
      // Block `step` arrived during the previous step's compute; it must be whole before it moves on.
      const Held& h = held_.at(step);
      if (!h.recvs.empty()) {
        BURST_TRACE_RANGE(trace::Phase::wait, {.peer = h.source, .step = step});
        for (const TransferHandle& r : h.recvs) cfg_.be().wait(r, what(step));
      }
      for (int c = 0; c < cfg_.pieces; ++c) post_sends(step, c);
      post_recvs(step);
      return;
    }
    case Overlap::chunk_pipeline:
      post_recvs(step);
      return;
  }
}

const std::byte* BlockRing::piece(int step, int c) {
  Held& h = held_.at(step);
  if (!h.recvs.empty()) {
    BURST_TRACE_RANGE(trace::Phase::wait, {.peer = h.source, .step = step, .chunk = c});
    cfg_.be().wait(h.recvs[static_cast<std::size_t>(c)], what(step));
  }
  if (cfg_.world > 1 && cfg_.schedule.overlap == Overlap::chunk_pipeline) post_sends(step, c);
  return h.buffer + static_cast<std::size_t>(c) * piece_bytes_;
}

void BlockRing::end_step(int step) {
  Held& h = held_.at(step);
  if (cfg_.world > 1) {
    if (cfg_.schedule.overlap == Overlap::none) {
      for (int c = 0; c < cfg_.pieces; ++c) post_sends(step, c);
      post_recvs(step);
    }
    {
      BURST_TRACE_RANGE(trace::Phase::wait, {.peer = h.dest, .step = step});
      engine_->wait_all(h.sends, what(step));
    }
    if (cfg_.schedule.overlap == Overlap::none) {
      // Transfer, then compute: the next blocks are complete before the next step begins.
      for (const BlockSend& s : schedule_.block_sends(cfg_.rank, step)) {
        const Held& next = held_.at(s.dest_step);
        BURST_TRACE_RANGE(trace::Phase::wait, {.peer = next.source, .step = s.dest_step});
        for (const TransferHandle& r : next.recvs) cfg_.be().wait(r, what(s.dest_step));
      }
    }
  }
  pool_.release(h.buffer);
  held_.erase(step);
}

}  // namespace burst::runtime
