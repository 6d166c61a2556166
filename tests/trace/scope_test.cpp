// Scope / BURST_TRACE_RANGE and the HostTracer: nothing recorded when off; nesting, payload,
// ranks and clock when on.
#include <gtest/gtest.h>

#include <thread>

#include "burst/error.hpp"
#include "trace/host_tracer.hpp"
#include "trace/trace.hpp"

namespace bt = burst::trace;

namespace {
struct TracingOn {
  TracingOn() {
    bt::set_enabled(true);
    bt::HostTracer::instance().start();
  }
  ~TracingOn() {
    bt::HostTracer::instance().stop();
    bt::set_enabled(false);
  }
};
}  // namespace

TEST(TraceScope, DisabledRecordsNothing) {
  bt::set_enabled(false);
  bt::HostTracer::instance().start();
  {
    BURST_TRACE_RANGE(bt::Phase::compute);
    BURST_TRACE_RANGE(bt::Phase::send, {.peer = 1, .step = 0, .bytes = 64});
  }
  bt::HostTracer::instance().stop();
  EXPECT_TRUE(bt::HostTracer::instance().drain().empty());
}

TEST(TraceScope, EnabledButTracerStoppedRecordsNothing) {
  bt::set_enabled(true);
  bt::HostTracer::instance().stop();
  { BURST_TRACE_RANGE(bt::Phase::merge); }
  bt::set_enabled(false);
  EXPECT_TRUE(bt::HostTracer::instance().drain().empty());
}

TEST(TraceScope, NestedRangesWithPayload) {
  const auto before = bt::now_ns();
  {
    TracingOn on;
    BURST_TRACE_RANGE(bt::Phase::pass_forward);
    {
      BURST_TRACE_RANGE(bt::Phase::ring_step, {.step = 2});
      { BURST_TRACE_RANGE(bt::Phase::compute); }
      { BURST_TRACE_RANGE(bt::Phase::send, {.peer = 3, .step = 2, .bytes = 4096, .chunk = 1}); }
    }
  }
  const auto after = bt::now_ns();
  auto events = bt::HostTracer::instance().drain();
  ASSERT_EQ(events.size(), 4u);
  // Sorted by start; ties keep the outer range first (depth).
  EXPECT_EQ(events[0].phase, bt::Phase::pass_forward);
  EXPECT_EQ(events[0].depth, 0);
  EXPECT_EQ(events[1].phase, bt::Phase::ring_step);
  EXPECT_EQ(events[1].depth, 1);
  EXPECT_EQ(events[1].payload.step, 2);
  EXPECT_EQ(events[2].phase, bt::Phase::compute);
  EXPECT_EQ(events[2].depth, 2);
  const auto& send = events[3];
  EXPECT_EQ(send.phase, bt::Phase::send);
  EXPECT_EQ(send.payload.peer, 3);
  EXPECT_EQ(send.payload.bytes, 4096u);
  EXPECT_EQ(send.payload.chunk, 1);
  for (const auto& e : events) {
    EXPECT_LE(before, e.start_ns);
    EXPECT_LE(e.start_ns, e.end_ns);
    EXPECT_LE(e.end_ns, after);
    EXPECT_EQ(e.rank, 0);
  }
  // Children lie inside their parents.
  EXPECT_LE(events[0].start_ns, events[1].start_ns);
  EXPECT_GE(events[0].end_ns, events[1].end_ns);
  EXPECT_LE(events[1].start_ns, events[2].start_ns);
  EXPECT_LE(events[2].end_ns, send.start_ns);
  EXPECT_GE(events[1].end_ns, send.end_ns);
  EXPECT_TRUE(bt::HostTracer::instance().drain().empty()) << "drain moves the events out";
}

TEST(TraceScope, ThreadsCarryTheirRank) {
  {
    TracingOn on;
    std::thread a([] {
      bt::set_thread_rank(0);
      BURST_TRACE_RANGE(bt::Phase::wait);
    });
    std::thread b([] {
      bt::set_thread_rank(1);
      BURST_TRACE_RANGE(bt::Phase::recv, {.peer = 0, .step = 0, .bytes = 8});
      BURST_TRACE_RANGE(bt::Phase::unpack);
    });
    a.join();
    b.join();
  }
  auto events = bt::HostTracer::instance().drain();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].rank, 0);
  EXPECT_EQ(events[0].phase, bt::Phase::wait);
  EXPECT_EQ(events[1].rank, 1);
  EXPECT_EQ(events[2].rank, 1);
  EXPECT_NE(events[0].tid, events[1].tid);
  auto split = bt::split_by_rank(events, 2);
  ASSERT_EQ(split.size(), 2u);
  EXPECT_EQ(split[0].events.size(), 1u);
  EXPECT_EQ(split[1].events.size(), 2u);
  EXPECT_THROW(bt::split_by_rank(events, 1), burst::InvalidArgument);
}

TEST(TraceScope, PhaseNamesAreStableAndInvertible) {
  EXPECT_EQ(bt::phase_name(bt::Phase::ring_step), "ring step");
  EXPECT_EQ(bt::phase_name(bt::Phase::delta), "delta");
  EXPECT_EQ(bt::phase_category(bt::Phase::send), bt::Category::communication);
  for (int p = 0; p < bt::phase_count; ++p) {
    bt::Phase back{};
    ASSERT_TRUE(bt::phase_from_name(bt::phase_name(static_cast<bt::Phase>(p)), back));
    EXPECT_EQ(static_cast<int>(back), p);
  }
  bt::Phase unused{};
  EXPECT_FALSE(bt::phase_from_name("nonsense", unused));
}
