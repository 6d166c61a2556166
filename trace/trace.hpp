// Tracing of the BurstAttention runtime: NVTX ranges in domain `burst` plus the host tracer.
//
// Usage (runtime code):
//
//   BURST_TRACE_RANGE(burst::trace::Phase::compute);
//   BURST_TRACE_RANGE(burst::trace::Phase::send, {.peer = next, .step = s, .bytes = n});
//
// Each range is, while tracing is enabled (burst::trace::set_enabled(true); off by default):
//  - an NVTX push/pop range in domain "burst" with a registered message and the phase's category
//    (send/recv messages name the peer and step, e.g. "send to 3 step 2"; payload = bytes as uint64),
//    so `nsys profile burst-tune ...` shows it;
//  - a HostEvent in the calling thread's buffer of the HostTracer (trace/host_tracer.hpp) when that
//    tracer is started.
// While tracing is disabled a Scope costs one relaxed atomic load and a branch.
//
// Clock: every host timestamp is std::chrono::steady_clock (CLOCK_MONOTONIC on Linux) in
// nanoseconds; burst::trace::now_ns() reads it. The CUPTI collector uses the same clock.
//
// Ranks: local ranks are threads of one process, so each thread says which rank it works for with
// set_thread_rank(rank) (default 0); events carry that rank.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace burst::trace {

// Stable ids: they are stored in databases, append only.
enum class Phase : std::uint8_t {
  pass_forward = 0,  // one whole forward pass
  pass_backward,     // one whole backward pass
  ring_step,         // one step of the ring (compute on the resident block + transfers)
  compute,           // local attention kernel on one block
  merge,             // GAO merge of a partial result into the accumulator
  send,              // posting/performing a send (payload: peer, step, bytes, chunk)
  recv,              // posting/performing a receive (payload: peer, step, bytes, chunk)
  wait,              // blocking on outstanding transfers
  pack,              // packing a block/accumulator for transfer
  unpack,            // unpacking a received block
  delta,             // backward: D = rowsum(dO * O)
  count_
};
inline constexpr int phase_count = static_cast<int>(Phase::count_);

// NVTX categories of domain "burst" (ids as registered with nvtxDomainNameCategoryA).
enum class Category : std::uint32_t { pass = 1, compute = 2, communication = 3, memory = 4 };

// "forward pass", "backward pass", "ring step", "compute", "merge", "send", "recv", "wait", "pack",
// "unpack", "delta".
std::string_view phase_name(Phase phase);
Category phase_category(Phase phase);
std::string_view category_name(Category category);
// Inverse of phase_name; returns false for an unknown name.
bool phase_from_name(std::string_view name, Phase& out);

struct RangePayload {
  int peer = -1;
  int step = -1;
  std::uint64_t bytes = 0;
  int chunk = -1;
};

struct HostEvent {
  std::int64_t start_ns = 0;  // steady_clock ns
  std::int64_t end_ns = 0;
  std::uint32_t tid = 0;  // OS thread id
  std::int32_t rank = 0;
  std::int32_t depth = 0;  // nesting depth on its thread (0 = outermost)
  Phase phase = Phase::compute;
  RangePayload payload;
};

inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

namespace detail {
inline std::atomic<bool>& enabled_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}
struct ScopeState {
  std::int64_t start_ns;
  Phase phase;
  RangePayload payload;
};
void scope_begin(ScopeState& state);
void scope_end(const ScopeState& state);
}  // namespace detail

inline void set_enabled(bool on) {
  detail::enabled_flag().store(on, std::memory_order_relaxed);
}
inline bool enabled() {
  return detail::enabled_flag().load(std::memory_order_relaxed);
}

// The rank the calling thread works for (recorded in its events). Default 0.
void set_thread_rank(int rank);
int thread_rank();

// RAII range. Not copyable; must end on the thread that began it.
class Scope {
 public:
  explicit Scope(Phase phase) {
    if (enabled()) [[unlikely]]
      begin(phase, RangePayload{});
  }
  Scope(Phase phase, const RangePayload& payload) {
    if (enabled()) [[unlikely]]
      begin(phase, payload);
  }
  ~Scope() {
    if (active_) [[unlikely]]
      detail::scope_end(state_);
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  void begin(Phase phase, const RangePayload& payload) {
    active_ = true;
    state_ = detail::ScopeState{0, phase, payload};
    detail::scope_begin(state_);
  }

  bool active_ = false;
  union {  // constructed only when active_: the disabled path stores nothing but active_
    detail::ScopeState state_;
  };
};

}  // namespace burst::trace

#define BURST_TRACE_CONCAT_(a, b) a##b
#define BURST_TRACE_CONCAT(a, b) BURST_TRACE_CONCAT_(a, b)
// BURST_TRACE_RANGE(phase) or BURST_TRACE_RANGE(phase, RangePayload{...}): a range until the end
// of the enclosing block.
#define BURST_TRACE_RANGE(...) \
  ::burst::trace::Scope BURST_TRACE_CONCAT(burst_trace_scope_, __LINE__)(__VA_ARGS__)
