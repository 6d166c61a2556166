// The context-parallel methods beside the ring (docs/algorithm.md, "Context-parallel methods"),
// built from the Communicator's point-to-point messages: no collective of a backend is needed, so
// they run wherever the ring runs (local threads, MPI, torch).
//
//   ulysses     all-to-all Q, K, V from sequence shards (B, n, H, d) to head shards (B, G*n, H/G, d),
//               attention of the head shard over the whole sequence, all-to-all O, lse back. The
//               backward moves Q, dO, K, V, lse and D = rowsum(dO * O) in and dQ, dK, dV out.
//   all_gather  every rank gathers every rank's K, V and attends its own queries to all of them; the
//               backward gathers again, computes dQ and a partial dK, dV for every block, and sends
//               each partial (fp32) to its owner, which sums them in rank order (a reduce-scatter).
//   hybrid      Ulysses inside groups of u consecutive ranks, then BurstAttention's ring across the
//               G/u groups (comm::SubCommunicator) on the head-sharded data; the backward moves O in
//               instead of D because the ring recomputes D.
//
// The head-sharded rows of a group keep the positions of the rank they came from: rows
// [j*n, (j+1)*n) of a head shard are rank j's rows with rank j's segments, so every layout and every
// mask works through forward_segments/backward_segments without special cases. Head shard i holds
// query heads [i*H/u, (i+1)*H/u) and kv heads [i*Hkv/u, (i+1)*Hkv/u), which are exactly the kv heads
// those query heads read (GQA needs H and Hkv divisible by u: burst::check_runnable).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/attention_impl.hpp"

namespace burst::comm {
class SubCommunicator;
}

namespace burst::runtime {

// u: the ranks of one Ulysses group (the world for ulysses, cp.ulysses_degree for hybrid, 1 for the
// ring and all_gather).
int ulysses_degree(const Schedule& schedule, int world);

// Ring steps of hybrid's ring across the world/u groups, each group holding its ranks' segments
// (like burst::ring_steps for the ring: fewer than world/u only when the mask empties the tail).
int hybrid_ring_steps(const AttentionShape& shape, const Schedule& schedule, int world, bool keys_travel);

class CpMethods {
 public:
  // `cfg`: the op's configuration (make_config); both must outlive this.
  CpMethods(Communicator& comm, const OpConfig& cfg);
  ~CpMethods();
  CpMethods(const CpMethods&) = delete;
  CpMethods& operator=(const CpMethods&) = delete;

  PassStats forward(const void* q, const void* k, const void* v, void* o, float* lse);
  PassStats backward(const void* q, const void* k, const void* v, const void* o, const float* lse,
                     const void* dout, void* dq, void* dk, void* dv);

 private:
  PassStats gather_forward(const void* q, const void* k, const void* v, void* o, float* lse);
  PassStats gather_backward(const void* q, const void* k, const void* v, const float* lse, const void* dout,
                            const float* delta, void* dq, void* dk, void* dv);
  PassStats ulysses_forward(const void* q, const void* k, const void* v, void* o, float* lse);
  PassStats ulysses_backward(const void* q, const void* k, const void* v, const void* o, const float* lse,
                             const void* dout, void* dq, void* dk, void* dv);

  Communicator& comm_;
  const OpConfig& cfg_;
  int u_ = 1;               // Ulysses group size
  std::vector<int> group_;  // the parent ranks of this rank's group, in group order
  OpConfig heads_cfg_;      // the head-sharded problem (ulysses, hybrid): the ring across groups
  Workspace ws_;            // this file's buffers
  Workspace ring_ws_;       // the ring's (hybrid)
  std::unique_ptr<comm::SubCommunicator> ring_comm_;  // hybrid: same group position, every group
  std::unique_ptr<TransferEngine> ring_engine_;
};

}  // namespace burst::runtime
