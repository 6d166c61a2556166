// A rank's trace with `n` host events of every phase and payload field set, for the serialise and
// gather tests.
#pragma once

#include <cstdint>
#include <string>

#include "trace/host_tracer.hpp"

namespace burst::test {

inline trace::RankTrace sample_trace(int rank, int n) {
  trace::RankTrace t;
  t.rank = rank;
  t.os_pid = 4242 + static_cast<std::uint32_t>(rank);
  t.hostname = "node" + std::to_string(rank);
  t.realtime_offset_ns = 1'700'000'000'000'000'000 + rank * 1000;
  for (int i = 0; i < n; ++i) {
    trace::HostEvent e;
    e.start_ns = 1000 * i;
    e.end_ns = 1000 * i + 500;
    e.tid = 77;
    e.rank = rank;
    e.depth = i % 3;
    e.phase = static_cast<trace::Phase>(i % trace::phase_count);
    e.payload = {i, i / 2, static_cast<std::uint64_t>(i) << 33, i % 4};
    t.events.push_back(e);
  }
  return t;
}

}  // namespace burst::test
