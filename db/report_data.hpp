// The numbers behind `burst-tune report` (docs/report.md), read from a burst database:
//
//   Report (one session, or the tuning job(s) it worked on)
//    ├─ fingerprint summary (hardware, backend)
//    └─ WorkloadReport per workload
//        ├─ trials in evaluation order (ok / stopped_early / failed / pruned), with their figures
//        ├─ best (winner) and default trial: median, noise, TFLOP/s, speedup
//        ├─ per parameter: the best time reached with each value
//        └─ Timeline of the best trial: per rank, compute/send/recv/wait ranges, and every rank's
//           waiting for a late peer and communication not overlapped
//
// Tuning sessions are recognised by trials whose config has "kind": "tune" (docs/tuning-records.md);
// a session written by `burst-tune trace` (one trial, no "kind") gives one workload with that trial
// as both best and default and `tuning = false`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db/database.hpp"

namespace burst::db {

struct ReportTrial {
  std::int64_t id = 0;
  int order = 0;       // evaluation order within the job (config.order); -1: never evaluated (pruned)
  int level = 0;       // measurement level (config.level; 0 when absent)
  std::string status;  // "ok", "stopped_early", "failed", "pruned", "running", ...
  std::string reason;  // failure_reason (failed, pruned)
  std::string key;     // Candidate::key() ("" for a trace trial)
  std::vector<std::pair<std::string, std::string>> params;  // candidate parameters as text, sorted by name
  bool is_default = false;
  bool measured = false;  // status ok or stopped_early with a median
  double median_s = 0, noise = 0, tflops = 0;
  bool traced = false;  // has rows in trial_trace
  // The best ok median so far among the trials of this measurement level run so far (the level's
  // contiguous stretch of the evaluation order), this one included; unset before the first ok one.
  std::optional<double> best_so_far_s;
};

// A measurement level's name (config.level, docs/tuning-records.md): 0 "brief" (halving's first
// rungs), 1 "full", 2 "confirmation" (the full protocol, measured again); others "level N".
std::string level_name(int level);

struct ParameterValue {
  std::string value;
  int trials = 0;                   // measured (ok) trials with this value at the effect's level
  std::optional<double> best_s;     // best median among them
  bool measured_elsewhere = false;  // an ok trial with this value exists at another level
  bool in_winner = false;           // the winner uses this value
};

// Medians are compared at one measurement level only (a brief rung's figures are not a full
// measurement's): the highest level at which two or more values have ok trials, else the highest
// level with any ok trial (-1: none).
struct ParameterEffect {
  std::string name;                    // "ring.overlap"
  int level = -1;                      // the level compared
  std::vector<ParameterValue> values;  // in first-seen evaluation order
};

// late_peer: waiting for a peer that had not sent yet (load imbalance); not_overlapped: the rest of
// the communication not covered by compute (data in flight). docs/report.md has the rule.
enum class LaneKind { compute, send, recv, wait, late_peer, not_overlapped };
inline constexpr int lane_kind_count = 6;
// "compute", "send", "recv", "wait", "late peer", "not overlapped"
const char* lane_kind_name(LaneKind kind);

struct RankLane {
  int rank = 0;
  // Merged intervals of each kind (index = LaneKind), ns relative to Timeline::start_ns, clipped to
  // the window. late_peer + not_overlapped = communication not covered by compute.
  std::vector<std::pair<std::int64_t, std::int64_t>> spans[lane_kind_count];
  // Whole trial (db/summary.hpp): exposed = late_peer + not_overlapped; fractions of pass_s.
  double pass_s = 0, comm_s = 0, exposed_s = 0, exposed_fraction = 0;
  double late_peer_s = 0, late_peer_fraction = 0, not_overlapped_s = 0, not_overlapped_fraction = 0;
};

struct Timeline {
  std::int64_t trial_id = 0;
  std::int64_t start_ns = 0, end_ns = 0;  // drawn window: the first sample (first call's passes)
  bool whole_trace = false;               // true when the window is the whole trace (no pass ranges)
  std::vector<RankLane> ranks;            // every rank's figures; the largest of each below
  double not_overlapped_fraction = 0, late_peer_fraction = 0;
  int not_overlapped_rank = 0, late_peer_rank = 0;  // the ranks with those largest fractions
};

struct PrunedReason {
  std::string reason;  // failure_reason of pruned trials (the constraint's words)
  int candidates = 0;
  std::int64_t example_trial = 0;  // the first pruned trial with this reason
};

struct WorkloadReport {
  std::string label;                // "custom N=512 H=2 d=32 fp32 fwd+bwd world 2"
  std::string workload_json;        // the workload (tune) or shape part of the config (trace)
  double flops = 0;                 // attention FLOPs of one call (fwd 4BN^2Hd, halved causal; bwd 2.5x)
  std::vector<ReportTrial> trials;  // evaluation order (pruned candidates, order -1, first)
  std::optional<std::int64_t> best_trial_id, default_trial_id;
  double speedup = 0;  // default median / best median (0 when either is missing)
  bool tie_with_default = false;
  std::string verdict;  // from tune_results.summary when the job completed
  int ok = 0, failed = 0, pruned = 0, stopped_early = 0, other = 0;
  std::vector<PrunedReason> pruned_reasons;                // most frequent first
  std::vector<ParameterEffect> parameters;                 // varied parameters only (more than one value)
  std::vector<std::pair<std::string, std::string>> fixed;  // parameters with one value
  std::optional<Timeline> timeline;                        // of the best trial, when it was traced

  const ReportTrial* trial(std::optional<std::int64_t> id) const;
  const ReportTrial* best() const { return trial(best_trial_id); }
  const ReportTrial* default_trial() const { return trial(default_trial_id); }
};

struct Report {
  std::string db_path;
  std::int64_t session_id = 0;
  std::string command, hostname, start_utc;  // start_utc: "2026-11-22 20:31:05 UTC"
  std::string fingerprint_json;
  std::string hardware;  // "Intel(R) Xeon(R) Processor (2 cores), CPU backend" or "8x NVIDIA H100 ..."
  std::string backend;
  bool tuning = false;  // trials with config.kind == "tune"
  std::vector<std::int64_t> job_ids;
  std::string strategy;  // of the first tuning trial
  std::vector<WorkloadReport> workloads;
};

// session: the given id, else the latest session with tuning trials, else the latest session with
// any trial. Throws burst::InvalidArgument for an unknown session id or a database without trials.
Report load_report(const Database& db, std::optional<std::int64_t> session);

// The timeline of one traced trial (throws InvalidArgument when it does not exist).
Timeline load_timeline(const Database& db, std::int64_t trial_id);

}  // namespace burst::db
