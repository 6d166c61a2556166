// The binding's BurstAttention ops, built once per (shape, layout, world) and reused by every step
// of a training loop: an op validates its shape once and owns its workspaces, so rebuilding it per
// call would allocate and check again. Torch-free on purpose (tensors stay in module.cpp), so this
// compiles in seconds.
//
// Collectives: a cache miss calls burst::choose_schedule, which is collective over the world. Every
// rank makes the same calls with the same shapes in the same order (a training loop does), so
// every rank hits and misses alike; clear_attention_cache() must be called on every rank too.
//
// Layout: the caller's layout always wins over a profile entry's ring.layout, because the tensors
// arrive already sharded in that layout; the other parameters come from the profile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "burst/attention.hpp"
#include "burst/communicator.hpp"

namespace burst::python {

class CachedAttention {
 public:
  CachedAttention(std::shared_ptr<Communicator> world, std::shared_ptr<std::mutex> world_lock,
                  const AttentionShape& shape, const Schedule& schedule,
                  std::shared_ptr<const ScheduleChoice> choice);
  CachedAttention(const CachedAttention&) = delete;
  CachedAttention& operator=(const CachedAttention&) = delete;

  // Pointers to contiguous tensors of the op's shape (burst/attention.hpp). One pass at a time per
  // world: two ops on one world running at once (two Python threads) would match each other's
  // messages, which carry the same tags.
  void forward(const void* q, const void* k, const void* v, void* o, float* lse);
  void backward(const void* q, const void* k, const void* v, const void* o, const float* lse,
                const void* dout, void* dq, void* dk, void* dv);

  const AttentionShape& shape() const { return op_.shape(); }
  const Schedule& schedule() const { return op_.schedule(); }
  std::int64_t local_seq() const { return op_.local_seq(); }
  const Communicator& world() const { return *world_; }

 private:
  std::shared_ptr<Communicator> world_;     // op_ refers to it: declared first, destroyed last
  std::shared_ptr<std::mutex> world_lock_;  // shared by every op on world_
  std::shared_ptr<const ScheduleChoice> choice_;
  BurstAttention op_;
};

// The op for `shape` (global seq N) on `world` with the caller's `layout`: from the cache, or
// built from choose_schedule's choice (Pass::fwd_bwd) with the layout replaced. Throws
// burst::InvalidArgument with libburst's message when the shape cannot run.
std::shared_ptr<CachedAttention> cached_attention(const std::shared_ptr<Communicator>& world,
                                                  const AttentionShape& shape, Layout layout);

// What burst.explain prints: describe_selection() of the choice, the layout note, and the kernels
// that will run or why the op cannot run. Collective like cached_attention (a cache miss selects).
std::string explain_attention(const std::shared_ptr<Communicator>& world, const AttentionShape& shape,
                              Layout layout);

// Forgets every op and choice (every rank, same point of the job).
void clear_attention_cache();
std::size_t attention_cache_size();

// How many ops the cache keeps: the least recently used beyond this are dropped (a job with many
// sequence lengths would otherwise keep a workspace per length).
inline constexpr std::size_t attention_cache_capacity = 32;

}  // namespace burst::python
