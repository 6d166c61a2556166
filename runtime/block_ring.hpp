// Moves a pass's travelling blocks around the ring (flat or double, see ring_schedule.hpp) and
// decides, per overlap strategy, when transfers are posted and waited:
//
//   none            compute step k; then send block k on and receive block k+1; wait for both.
//   double_buffer   post send(k) / recv(k+1) before computing step k; wait after it.
//   chunk_pipeline  recv(k+1) posted before computing step k; piece c of block k is forwarded and
//                   computed as soon as it has arrived, so compute starts before a block is whole.
//
// Receives are always posted at least one step ahead of the matching send's wait, so large
// (rendezvous) messages cannot deadlock.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "runtime/attention_impl.hpp"

namespace burst::runtime {

class BlockRing {
 public:
  BlockRing(const OpConfig& cfg, TransferEngine* engine, const RingSchedule& schedule, MessageKind kind,
            std::size_t piece_bytes);

  // Storage of the block of step 0 (this rank's own): the caller packs it, piece-major.
  std::byte* own() { return held_.at(0).buffer; }
  std::size_t piece_bytes() const { return piece_bytes_; }

  void begin_step(int step);
  // Piece c of the block processed at `step`, complete (waits for it if needed).
  const std::byte* piece(int step, int c);
  void end_step(int step);

  std::uint64_t bytes_sent() const { return bytes_sent_; }
  std::uint64_t messages_sent() const { return messages_sent_; }

 private:
  struct Held {
    std::byte* buffer = nullptr;
    std::vector<TransferHandle> recvs;  // one per piece (empty for the own block)
    std::vector<TransferHandle> sends;
    int source = -1;  // the rank the pieces come from (for trace ranges)
    int dest = -1;    // the rank they go to; -1 when several (for trace ranges)
  };
  void post_recvs(int step);
  void post_sends(int step, int c);
  std::string what(int step) const;

  const OpConfig& cfg_;
  TransferEngine* engine_;
  const RingSchedule& schedule_;
  MessageKind kind_;
  std::size_t piece_bytes_;
  BufferPool pool_;
  std::map<int, Held> held_;  // by step
  std::uint64_t bytes_sent_ = 0, messages_sent_ = 0;
};

}  // namespace burst::runtime
