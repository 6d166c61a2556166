// RankTrace byte format round trip and bad input (the gather over ranks that uses it:
// tests/tuner/trace_gather_test.cpp).
#include <gtest/gtest.h>

#include "burst/error.hpp"
#include "trace/host_tracer.hpp"

namespace bt = burst::trace;

namespace {

bt::RankTrace sample_trace(int rank, int n) {
  bt::RankTrace t;
  t.rank = rank;
  t.os_pid = 4242 + static_cast<std::uint32_t>(rank);
  t.hostname = "node" + std::to_string(rank);
  t.realtime_offset_ns = 1'700'000'000'000'000'000 + rank * 1000;
  for (int i = 0; i < n; ++i) {
    bt::HostEvent e;
    e.start_ns = 1000 * i;
    e.end_ns = 1000 * i + 500;
    e.tid = 77;
    e.rank = rank;
    e.depth = i % 3;
    e.phase = static_cast<bt::Phase>(i % bt::phase_count);
    e.payload = {i, i / 2, static_cast<std::uint64_t>(i) << 33, i % 4};
    t.events.push_back(e);
  }
  return t;
}

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
