// RankTrace byte format round trip and bad input (the gather over ranks that uses it:
// tests/tuner/trace_gather_test.cpp).
#include <gtest/gtest.h>

#include "burst/error.hpp"
#include "support/sample_trace.hpp"
#include "trace/host_tracer.hpp"

namespace bt = burst::trace;

namespace {

using burst::test::sample_trace;

void expect_same(const bt::HostEvent& a, const bt::HostEvent& b) {
  EXPECT_EQ(a.start_ns, b.start_ns);
  EXPECT_EQ(a.end_ns, b.end_ns);
  EXPECT_EQ(a.tid, b.tid);
  EXPECT_EQ(a.rank, b.rank);
  EXPECT_EQ(a.depth, b.depth);
  EXPECT_EQ(a.phase, b.phase);
  EXPECT_EQ(a.payload.peer, b.payload.peer);
  EXPECT_EQ(a.payload.step, b.payload.step);
  EXPECT_EQ(a.payload.bytes, b.payload.bytes);
  EXPECT_EQ(a.payload.chunk, b.payload.chunk);
}

}  // namespace

TEST(TraceSerialise, RoundTrip) {
  const auto t = sample_trace(3, 100);
  const auto back = bt::deserialise(bt::serialise(t));
  EXPECT_EQ(back.rank, 3);
  EXPECT_EQ(back.os_pid, t.os_pid);
  EXPECT_EQ(back.hostname, "node3");
  EXPECT_EQ(back.realtime_offset_ns, t.realtime_offset_ns);
  ASSERT_EQ(back.events.size(), t.events.size());
  for (std::size_t i = 0; i < t.events.size(); ++i) expect_same(back.events[i], t.events[i]);
  EXPECT_EQ(bt::deserialise(bt::serialise(sample_trace(0, 0))).events.size(), 0u);
}

TEST(TraceSerialise, BadBytesAreClearErrors) {
  const auto bytes = bt::serialise(sample_trace(1, 10));
  EXPECT_THROW(bt::deserialise(bytes.substr(0, bytes.size() - 3)), burst::InvalidArgument);
  EXPECT_THROW(bt::deserialise(bytes + "x"), burst::InvalidArgument);
  EXPECT_THROW(bt::deserialise("not a trace"), burst::InvalidArgument);
  auto bad_phase = bytes;
  const std::size_t header = 4 + 4 + 4 + 4 + 8 + 4 + 5 + 8;  // "node1" is 5 bytes
  bad_phase[header + 8 + 8 + 4 + 4 + 4] = static_cast<char>(200);
  EXPECT_THROW(bt::deserialise(bad_phase), burst::InvalidArgument);
}
