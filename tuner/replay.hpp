// Replay: run any strategy against the measurements a tuning job recorded in a database instead of
// executing anything (`burst-tune tune --replay DB`), so strategies can be compared offline and
// deterministically (docs/strategies.md).
//
//   ReplayData data = load_replay("tune.db");              // the latest tune job in the file
//   for (std::size_t w = 0; w < data.workloads.size(); ++w) {
//     SearchSpace space = recorded_space(data, w);          // the candidates recorded, default first
//     ReplayEvaluator evaluator(data, w, {max_trials, time_limit_s});
//     StrategyTrace trace = run_strategy("halving", space, evaluator, options);
//   }
//
// What is replayed (docs/tuning-records.md): per workload of the job and per candidate key, the
// critical-path samples (stats.samples_s) of its trial at the requested level, else of its trial
// with the highest level (up to the full level) among those with status ok or stopped_early, else
// its failure. evaluate() at level L takes those samples in order
// and stops where tuner::should_stop says, with the job's protocol (measure_levels of its options)
// and the early-stop bar of the best time replayed so far, exactly as the live measurement would.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "tuner/measure.hpp"
#include "tuner/strategy.hpp"

namespace burst::tuner {

// The measurement protocol and budget of a job (tune_jobs.options; names shared with `tune`).
struct ReplayProtocol {
  std::string strategy;  // what the recording used
  std::uint64_t seed = 0;
  int max_trials = 0;
  double time_limit_s = 0;
  int warmup = 1, min_samples = 5, max_samples = 30;
  double max_noise = 0.03, max_time_s = 10.0;
  double early_stop = 2.0;  // abandon above this multiple of the best so far (0: never)
  static ReplayProtocol from_json(const nlohmann::json& options);  // absent fields keep the defaults
  std::vector<MeasureLevel> levels() const;                        // measure_levels(warmup, min_samples, ...)
};

// What the recording knows about one candidate.
struct RecordedCandidate {
  Candidate candidate;
  std::string key;  // Candidate::key() as recorded
  bool is_default = false;
  std::string status;  // "ok", "stopped_early" (samples usable), "failed" (failure says why)
  std::string failure;
  int level = 0;                  // level of the trial replayed at levels not recorded
  std::vector<double> samples_s;  // critical path per sample, in order
  std::int64_t trial_id = 0;
  // Every level this candidate was measured at (up to the protocol's full level; the confirmation
  // round above it is not replayed): a request for exactly that level replays that trial, so a
  // recorded halving run replays its brief rung from its own brief samples.
  struct AtLevel {
    std::string status;  // "ok" or "stopped_early"
    std::vector<double> samples_s;
    std::int64_t trial_id = 0;
  };
  std::map<int, AtLevel> at_level;
};

struct RecordedWorkload {
  nlohmann::json workload_json;               // as recorded in trials.config
  std::vector<RecordedCandidate> candidates;  // default first, then in recorded order
  std::vector<PrunedCandidate> pruned;
};

struct ReplayData {
  std::string path;
  std::int64_t job_id = 0;
  std::string job_status;  // tune_jobs.status
  nlohmann::json options;  // tune_jobs.options
  ReplayProtocol protocol;
  std::vector<RecordedWorkload> workloads;  // in recorded order
};

// Which job to replay: a job id, a session id (the job its tune trials belong to), or neither (the
// latest tune job in the file).
struct ReplaySelector {
  std::optional<std::int64_t> job_id;
  std::optional<std::int64_t> session_id;
};

// Reads the job (read only). Throws burst::InvalidArgument naming the file when it has no tune
// job, the job or session does not exist, or a record is malformed.
ReplayData load_replay(const std::string& db_path, const ReplaySelector& selector = {});

// The workload of a recording (Workload::from_json of what was recorded).
Workload recorded_workload(const ReplayData& data, std::size_t workload);

// The search space of a recorded workload: its candidates as recorded (default first; the default
// candidate is put first even when the recording lacks it, and then replays as "not in the
// recording"), dims rebuilt from the values seen, pruned ones with their reasons.
SearchSpace recorded_space(const ReplayData& data, std::size_t workload);

// The measurement protocol applied to recorded samples: take them in order until should_stop
// (elapsed = their sum) and summarise that prefix. `recorded_status` "stopped_early" means the
// recording ended early: running out of samples then yields stopped_early too.
struct ReplayedMeasurement {
  Measurement m;
  StopReason stop = StopReason::none;
  double elapsed_s = 0;  // the replayed samples' sum
};
ReplayedMeasurement replay_samples(const std::vector<double>& samples, const std::string& recorded_status,
                                   const MeasureLevel& level, double abandon_above_s);

class ReplayEvaluator : public Evaluator {
 public:
  // As the live evaluator counts them: --max-trials per workload, --time-limit per job.
  struct Budget {
    int max_trials = 0;       // evaluate() calls of this workload; 0: no limit
    double time_limit_s = 0;  // replayed sample seconds; 0: no limit
  };
  // Keeps a reference to `data`, which must outlive the evaluator. `job_replayed_s`, when given,
  // is a counter shared by the evaluators of all workloads of a job (the time limit is per job);
  // without it the time limit counts this workload's replayed seconds only.
  ReplayEvaluator(const ReplayData& data, std::size_t workload, Budget budget,
                  double* job_replayed_s = nullptr);

  Measurement evaluate(const EvalRequest& request) override;
  int full_level() const override { return static_cast<int>(levels_.size()) - 1; }
  bool exhausted() const override;

  int evaluations() const { return evaluations_; }
  double replayed_s() const { return replayed_s_; }
  double best_s() const { return best_s_; }  // the early-stop reference (0: none yet)

 private:
  const RecordedWorkload& recorded_;
  std::vector<MeasureLevel> levels_;
  double early_stop_;
  std::unordered_map<std::string, std::size_t> index_;  // candidate key -> recorded_.candidates
  Budget budget_;
  int evaluations_ = 0;
  double replayed_s_ = 0;
  double* job_replayed_s_;
  double best_s_ = 0;
};

// A whole job replayed with one strategy (what `tune --replay` prints): per workload, the recorded
// space, the trace, and the winner among the full-level measurements (choose_winner).
struct ReplayedWorkload {
  SearchSpace space;
  StrategyTrace trace;
  std::vector<Candidate> measured;        // full-level ok/failed measurements, one per candidate
  std::vector<Measurement> measurements;  // parallel to `measured` (the last full-level one)
  std::optional<std::size_t> winner;      // index into `measured`
  int evaluations = 0;
  double replayed_s = 0;
};
// `predict` (may be empty) feeds the model strategy per workload; options.predict is ignored.
// The budget's time limit is per job, like the live one.
std::vector<ReplayedWorkload> replay_job(
    const ReplayData& data, std::string_view strategy, const StrategyOptions& options,
    ReplayEvaluator::Budget budget,
    const std::function<double(const Workload&, const Candidate&)>& predict = {});

}  // namespace burst::tuner
