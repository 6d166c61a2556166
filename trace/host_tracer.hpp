// HostTracer: records the burst ranges of every thread with their steady_clock timestamps, for
// the CPU backend and whenever CUPTI cannot be used. One process-wide instance.
//
//   auto& tracer = burst::trace::HostTracer::instance();
//   burst::trace::set_enabled(true);
//   tracer.start();                      // clears old events, begins recording
//   ... run the trial (ranges via BURST_TRACE_RANGE) ...
//   tracer.stop();
//   std::vector<HostEvent> events = tracer.drain();   // all threads, sorted by (rank, tid, start)
//
// Multi-rank (one process per rank): each rank serialises its events with serialise() and rank 0
// collects the bytes with Communicator::gather() and deserialises them; tuner::gather_events()
// (tuner/trace_gather.hpp) does both and moves the timestamps onto the root's clock (through each
// rank's CLOCK_REALTIME - CLOCK_MONOTONIC offset). This folder only turns records into bytes and back.
//
// Sharp edges: per-thread buffers live as long as the process (threads may exit before drain());
// drain() must not run concurrently with stop() from another thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "trace/trace.hpp"

namespace burst::trace {

class HostTracer {
 public:
  static HostTracer& instance();

  void start();  // discards events recorded so far and begins recording
  void stop();   // later ranges are not recorded (NVTX ranges still are while enabled())
  bool recording() const { return recording_.load(std::memory_order_relaxed); }
  // Moves out the events of all threads, sorted by (rank, tid, start_ns).
  std::vector<HostEvent> drain();

  // Called by Scope (any thread).
  void record(const HostEvent& event);

  struct ThreadBuffer;

 private:
  HostTracer() = default;
  ThreadBuffer& buffer();

  std::atomic<bool> recording_{false};
  std::mutex mutex_;
  std::vector<std::shared_ptr<ThreadBuffer>> buffers_;
};

// What one rank contributes to a trace.
struct RankTrace {
  int rank = 0;
  std::uint32_t os_pid = 0;
  std::string hostname;
  std::int64_t realtime_offset_ns = 0;  // CLOCK_REALTIME - CLOCK_MONOTONIC when serialised
  std::vector<HostEvent> events;
};

// This process's identity and clock offset, with `events`.
RankTrace make_rank_trace(int rank, std::vector<HostEvent> events);
// CLOCK_REALTIME - steady_clock, in ns (the offset that turns our timestamps into UTC).
std::int64_t realtime_offset_ns();
std::string hostname();

// Versioned little-endian byte format; deserialise throws burst::InvalidArgument on bad input.
std::string serialise(const RankTrace& trace);
RankTrace deserialise(std::string_view bytes);

// Local communicator (ranks are threads of this process): after a barrier, one thread drains and
// splits the events by rank instead of gathering: index = rank, size = world.
std::vector<RankTrace> split_by_rank(std::vector<HostEvent> events, int world);

}  // namespace burst::trace
