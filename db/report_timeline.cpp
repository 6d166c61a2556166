// load_timeline: one trial's per-rank compute/send/recv/wait lanes for the report, the window of
// its first sample, and every rank's late-peer waiting and communication not overlapped
// (docs/report.md).
#include <algorithm>
#include <map>
#include <set>

#include "db/report_data.hpp"
#include "db/summary.hpp"
#include "db/trace_reader.hpp"
#include "db/wait_attribution.hpp"

namespace burst::db {

const char* lane_kind_name(LaneKind kind) {
  switch (kind) {
    case LaneKind::compute:
      return "compute";
    case LaneKind::send:
      return "send";
    case LaneKind::recv:
      return "recv";
    case LaneKind::wait:
      return "wait";
    case LaneKind::late_peer:
      return "late peer";
    case LaneKind::not_overlapped:
      return "not overlapped";
  }
  return "unknown";
}

namespace {

using trace::Phase;

// a \ b, both merged.
Intervals subtract(const Intervals& a, const Intervals& b) {
  Intervals out;
  std::size_t j = 0;
  for (auto [lo, hi] : a) {
    while (j < b.size() && b[j].second <= lo) ++j;
    std::size_t k = j;
    while (k < b.size() && b[k].first < hi) {
      if (b[k].first > lo) out.emplace_back(lo, b[k].first);
      lo = std::max(lo, b[k].second);
      ++k;
    }
    if (lo < hi) out.emplace_back(lo, hi);
  }
  return out;
}

int lane_of(Phase p) {
  switch (p) {
    case Phase::compute:
    case Phase::merge:
    case Phase::delta:
      return static_cast<int>(LaneKind::compute);
    case Phase::send:
      return static_cast<int>(LaneKind::send);
    case Phase::recv:
      return static_cast<int>(LaneKind::recv);
    case Phase::wait:
      return static_cast<int>(LaneKind::wait);
    default:
      return -1;
  }
}

// The first call: per rank its first k pass ranges (k = pass kinds present: 1 for fwd or bwd, 2 for
// fwd+bwd); the window spans them on all ranks. Without pass ranges: the whole trace.
void choose_window(const TrialTrace& t, Timeline& tl) {
  std::map<int, std::vector<std::pair<std::int64_t, std::int64_t>>> passes;
  std::set<Phase> kinds;
  std::int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const auto& r : t.ranges) {
    lo = std::min(lo, r.start_ns);
    hi = std::max(hi, r.end_ns);
    if (r.phase == Phase::pass_forward || r.phase == Phase::pass_backward) {
      passes[r.rank].emplace_back(r.start_ns, r.end_ns);
      kinds.insert(r.phase);
    }
  }
  if (passes.empty()) {
    tl.start_ns = t.ranges.empty() ? 0 : lo;
    tl.end_ns = t.ranges.empty() ? 0 : hi;
    tl.whole_trace = true;
    return;
  }
  const std::size_t k = kinds.size();
  tl.start_ns = INT64_MAX;
  tl.end_ns = INT64_MIN;
  for (auto& [rank, v] : passes) {
    std::sort(v.begin(), v.end());
    tl.start_ns = std::min(tl.start_ns, v.front().first);
    tl.end_ns = std::max(tl.end_ns, v[std::min(k, v.size()) - 1].second);
  }
}

}  // namespace

Timeline load_timeline(const Database& db, std::int64_t trial_id) {
  const TrialTrace t = load_trial_trace(db, trial_id);
  Timeline tl;
  tl.trial_id = trial_id;
  choose_window(t, tl);
  const Intervals window{{tl.start_ns, tl.end_ns}};

  std::map<int, Intervals[lane_kind_count]> raw;
  for (const auto& r : t.ranges) {
    auto& lanes = raw[r.rank];
    const int lane = lane_of(r.phase);
    if (lane >= 0) lanes[lane].emplace_back(r.start_ns, r.end_ns);
  }
  const TrialSummary summary = summarise(t);
  const std::map<int, Intervals> late = late_peer_waits(t);
  double worst_late = -1, worst_transfer = -1;
  for (auto& [rank, lanes] : raw) {
    RankLane lane;
    lane.rank = rank;
    Intervals merged[lane_kind_count];
    for (auto kind : {LaneKind::compute, LaneKind::send, LaneKind::recv, LaneKind::wait}) {
      const int k = static_cast<int>(kind);
      merged[k] = intersect(merge_intervals(lanes[k]), window);
    }
    Intervals comm = merged[static_cast<int>(LaneKind::send)];
    for (auto kind : {LaneKind::recv, LaneKind::wait}) {
      const auto& m = merged[static_cast<int>(kind)];
      comm.insert(comm.end(), m.begin(), m.end());
    }
    const Intervals& compute = merged[static_cast<int>(LaneKind::compute)];
    const Intervals exposed = subtract(merge_intervals(comm), compute);
    const auto l = late.find(rank);
    const Intervals late_here = l == late.end() ? Intervals{} : intersect(l->second, window);
    merged[static_cast<int>(LaneKind::late_peer)] = subtract(late_here, compute);
    merged[static_cast<int>(LaneKind::not_overlapped)] = subtract(exposed, late_here);
    for (int k = 0; k < lane_kind_count; ++k) {
      for (auto [a, b] : merged[k]) lane.spans[k].emplace_back(a - tl.start_ns, b - tl.start_ns);
    }
    for (const auto& rs : summary.ranks) {
      if (rs.rank != rank) continue;
      lane.pass_s = rs.pass_s;
      lane.comm_s = rs.comm_s;
      lane.exposed_s = rs.exposed_s;
      lane.exposed_fraction = rs.exposed_fraction;
      lane.late_peer_s = rs.late_peer_s;
      lane.late_peer_fraction = rs.late_peer_fraction;
      lane.not_overlapped_s = rs.not_overlapped_s;
      lane.not_overlapped_fraction = rs.not_overlapped_fraction;
    }
    if (lane.not_overlapped_fraction > worst_transfer) {
      worst_transfer = lane.not_overlapped_fraction;
      tl.not_overlapped_rank = rank;
      tl.not_overlapped_fraction = lane.not_overlapped_fraction;
    }
    if (lane.late_peer_fraction > worst_late) {
      worst_late = lane.late_peer_fraction;
      tl.late_peer_rank = rank;
      tl.late_peer_fraction = lane.late_peer_fraction;
    }
    tl.ranks.push_back(std::move(lane));
  }
  return tl;
}

}  // namespace burst::db
