// Which block each rank holds at each step of the ring, and where blocks and accumulators go next.
//
// Flat ring (G ranks). Rank r holds at step s the block of rank (r - s) mod G; blocks move r -> r+1.
//
//            step 0   step 1   step 2   step 3          G = 4
//   rank 0     B0       B3       B2       B1
//   rank 1     B1       B0       B3       B2
//   rank 2     B2       B1       B0       B3
//   rank 3     B3       B2       B1       B0
//
// Double ring (G = I*L: I groups of L ranks, rank r = g*L + l). Step k = t*L + u runs round t, step u
// inside it; rank (g, l) holds the block of rank ((g - t) mod I, (l - u) mod L). Inside a round blocks
// move l -> l+1 on the group's fast ring; at step u = 0 of every round but the last, each rank also
// sends the block it starts the round with to rank (g+1, l) over the slow link, which seeds the next
// round there, so a whole round of compute hides each slow transfer.
//
//   I = 2, L = 2      step 0   step 1 | step 2   step 3
//   rank 0 (0,0)        B0       B1   |   B2       B3
//   rank 1 (0,1)        B1       B0   |   B3       B2
//   rank 2 (1,0)        B2       B3   |   B0       B1      (B0 reached rank 2 from rank 0 at step 0)
//   rank 3 (1,1)        B3       B2   |   B1       B0
//
// Every rank sees every block exactly once either way and sends G - 1 blocks in a pass.
//
// A mask can leave every step from some step S on empty on every rank (a causal sliding window
// narrower than the ring, causal documents that end within a few blocks): the ring then runs S
// steps only, and the blocks of later steps are never sent (RingSchedule's `steps`).
//
// Backward accumulators (dK/dV or dQ) follow a block's holders in step order, one step behind the
// compute: the holder at step k adds its share and passes the accumulator to the holder at step k+1,
// and the holder at the last step sends it home to the block's owner (G hops in all).
#pragma once

#include <vector>

#include "burst/types.hpp"

namespace burst::runtime {

struct BlockSend {
  int peer = 0;       // rank receiving the block
  int dest_step = 0;  // the step at which the receiver processes it
};

class RingSchedule {
 public:
  // group_size L (0 or G: one group, a flat ring). Throws InvalidArgument when L does not divide G.
  // steps: how many steps run (1..G; 0: all G).
  RingSchedule(Topology topology, int world, int group_size, int steps = 0);

  int world() const { return world_; }
  int groups() const { return groups_; }
  int group_size() const { return group_size_; }
  int steps() const { return steps_; }

  // Owner of the block rank `rank` processes at step `step`.
  int block_at(int rank, int step) const;
  // Rank processing block `block` at step `step` (inverse of block_at).
  int holder(int block, int step) const;
  // Where the block processed by `rank` at `step` is sent after (0, 1 or 2 destinations; none
  // for a destination step the ring does not run).
  std::vector<BlockSend> block_sends(int rank, int step) const;
  // Rank that sends `rank` the block it processes at `step` (step >= 1).
  int block_source(int rank, int step) const;

 private:
  int world_ = 1;
  int steps_ = 1;
  int groups_ = 1;      // I
  int group_size_ = 1;  // L
};

}  // namespace burst::runtime
