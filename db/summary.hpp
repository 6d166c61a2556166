// What `burst-tune show` prints for a trial. Definitions (docs/trace-schema.md):
//  - pass time T(rank): union of the rank's "forward pass"/"backward pass" ranges (all threads);
//    when it has none, [first range start, last range end].
//  - communication C(rank): union of its "send", "recv" and "wait" ranges; compute K(rank): union
//    of its "compute", "merge" and "delta" ranges, on any thread of that rank.
//  - exposed communication = |(C n T) \ K|; exposed fraction = exposed / |T|. It splits into
//    waiting for a late peer, |(L n T) \ K| with L the late-peer parts of the waits
//    (db/wait_attribution.hpp), and communication not overlapped, the rest.
//  - bytes sent: sum of "send" payload bytes; link class of a send: "same-process" (peer in the same
//    process), "intra-node" (same hostname), "inter-node".
//  - achieved rate = bytes sent / |T| (what the ring delivered); link rate = bytes sent / |C|.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db/trace_reader.hpp"

namespace burst::db {

struct PhaseTotal {
  int rank = 0;
  std::string phase;
  std::int64_t count = 0;
  double total_s = 0;  // sum of durations (nested ranges count in their own phase)
};

struct RankSummary {
  int rank = 0;
  double pass_s = 0, comm_s = 0, exposed_s = 0, exposed_fraction = 0;
  // exposed_s = late_peer_s + not_overlapped_s (fractions of pass_s alike)
  double late_peer_s = 0, late_peer_fraction = 0, not_overlapped_s = 0, not_overlapped_fraction = 0;
  std::uint64_t bytes_sent = 0;
  double achieved_gbps = 0, link_gbps = 0;  // GB/s = 1e9 bytes/s
};

struct LinkBytes {
  int rank = 0;
  std::string link_class;
  std::int64_t sends = 0;
  std::uint64_t bytes = 0;
};

struct KernelTotal {
  std::string name;
  std::int64_t count = 0;
  double total_s = 0;
};

struct TrialSummary {
  std::int64_t trial_id = 0;
  std::string status;
  std::vector<PhaseTotal> phases;
  std::vector<RankSummary> ranks;
  std::vector<LinkBytes> links;
  std::vector<KernelTotal> kernels;
};

TrialSummary summarise(const TrialTrace& trace);
// Human-readable tables (fmt).
std::string format_summary(const TrialSummary& summary);

// Interval helpers (half-open [start, end) in ns), exposed for tests.
using Intervals = std::vector<std::pair<std::int64_t, std::int64_t>>;
Intervals merge_intervals(Intervals v);                       // sorted, disjoint
Intervals intersect(const Intervals& a, const Intervals& b);  // both merged
std::int64_t total_length(const Intervals& merged);

}  // namespace burst::db
