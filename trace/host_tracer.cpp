// HostTracer: per-thread event buffers registered in one list; drain() merges them.
#include "trace/host_tracer.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "burst/error.hpp"

namespace burst::trace {

struct HostTracer::ThreadBuffer {
  std::mutex mutex;  // uncontended except while drain() runs
  std::vector<HostEvent> events;
};

HostTracer& HostTracer::instance() {
  static HostTracer* tracer = new HostTracer();  // never destroyed: threads may outlive statics
  return *tracer;
}

HostTracer::ThreadBuffer& HostTracer::buffer() {
  thread_local std::shared_ptr<ThreadBuffer> mine;
  if (!mine) {
    mine = std::make_shared<ThreadBuffer>();
    mine->events.reserve(1024);
    std::lock_guard lock(mutex_);
    buffers_.push_back(mine);
  }
  return *mine;
}

void HostTracer::start() {
  {
    std::lock_guard lock(mutex_);
    for (auto& b : buffers_) {
      std::lock_guard block(b->mutex);
      b->events.clear();
    }
  }
  recording_.store(true, std::memory_order_relaxed);
}

void HostTracer::stop() {
  recording_.store(false, std::memory_order_relaxed);
}

void HostTracer::record(const HostEvent& event) {
  if (!recording()) return;
  ThreadBuffer& b = buffer();
  std::lock_guard lock(b.mutex);
  b.events.push_back(event);
}

std::vector<HostEvent> HostTracer::drain() {
  std::vector<HostEvent> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& b : buffers_) {
      std::lock_guard block(b->mutex);
      all.insert(all.end(), b->events.begin(), b->events.end());
      b->events.clear();
    }
  }
  std::sort(all.begin(), all.end(), [](const HostEvent& a, const HostEvent& b) {
    if (a.rank != b.rank) return a.rank < b.rank;
    if (a.tid != b.tid) return a.tid < b.tid;
    if (a.start_ns != b.start_ns) return a.start_ns < b.start_ns;
    return a.depth < b.depth;
  });
  return all;
}

std::int64_t realtime_offset_ns() {
  const auto mono = now_ns();
  const auto real = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  return real - mono;
}

std::string hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "unknown";
  return name;
}

RankTrace make_rank_trace(int rank, std::vector<HostEvent> events) {
  RankTrace t;
  t.rank = rank;
  t.os_pid = static_cast<std::uint32_t>(getpid());
  t.hostname = hostname();
  t.realtime_offset_ns = realtime_offset_ns();
  t.events = std::move(events);
  return t;
}

std::vector<RankTrace> split_by_rank(std::vector<HostEvent> events, int world) {
  BURST_REQUIRE(world > 0, "split_by_rank: world must be positive");
  std::vector<RankTrace> out;
  for (int r = 0; r < world; ++r) out.push_back(make_rank_trace(r, {}));
  for (auto& e : events) {
    BURST_REQUIRE(e.rank >= 0 && e.rank < world, "split_by_rank: event of rank " + std::to_string(e.rank) +
                                                     " outside world " + std::to_string(world));
    out[static_cast<std::size_t>(e.rank)].events.push_back(e);
  }
  return out;
}

}  // namespace burst::trace
