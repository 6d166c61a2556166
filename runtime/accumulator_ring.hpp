// Backward accumulators (dK/dV in the kv scheme, dQ in the q scheme) travel one step behind the
// compute, along the holders of their block (ring_schedule.hpp): the holder at step k receives the
// sum of the earlier holders' shares, adds its own, and passes it on; the holder at the last step
// sends it home to the block's owner. The receive for step k+1 is posted at the start of step k,
// so every send has a posted receive before anybody waits for it.
//
// Accumulators travel in the accumulator dtype (fp32, or the input dtype when accum_dtype = input:
// rounded at every hop, which is the documented price of halving these bytes).
#pragma once

#include <map>
#include <vector>

#include "runtime/attention_impl.hpp"

namespace burst::runtime {

class AccumulatorRing {
 public:
  // piece_elems: elements of one piece of the accumulator (all its tensors).
  AccumulatorRing(const OpConfig& cfg, Workspace& ws, TransferEngine* engine, const RingSchedule& schedule,
                  std::size_t piece_elems);

  void begin_step(int step);
  // This rank's share of piece c at `step` (fp32, piece_elems): adds what earlier holders sent and
  // sends the sum on. `share` is modified.
  void deliver(int step, int c, float* share);
  void end_step(int step);
  // This rank's own accumulator, complete, piece-major fp32 (pieces x piece_elems), in the
  // backend's memory.
  const float* finish();

  std::uint64_t bytes_sent() const { return bytes_sent_; }
  std::uint64_t messages_sent() const { return messages_sent_; }

 private:
  struct Slot {
    std::byte* data = nullptr;  // pieces x piece_elems in the accumulator dtype, from pool_
    std::vector<TransferHandle> transfers;
    int peer = -1;  // the rank on the other end (for trace ranges)
  };
  std::string what(int step) const;

  const OpConfig& cfg_;
  TransferEngine* engine_;
  const RingSchedule& schedule_;
  std::size_t piece_elems_;
  DType dtype_;
  BufferPool pool_;
  std::map<int, Slot> recvs_;  // by destination step (world = "home")
  std::map<int, Slot> sends_;  // by step
  float* home_ = nullptr;
  std::uint64_t bytes_sent_ = 0, messages_sent_ = 0;
};

}  // namespace burst::runtime
