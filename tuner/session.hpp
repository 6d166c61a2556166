// A tuning job end to end: for each workload, build the space, record the pruned candidates, run a
// strategy against the live evaluator (measure_candidate, every trial recorded in the database with
// its samples and trace), pick the winner with the noise-aware rule, and build the profile entries.
//
// Ranks: with an MPI world, rank 0 runs the strategy and owns the database; the other ranks follow
// (rank 0 broadcasts each candidate to measure, then "done" with the final profile text), so every
// rank measures the same candidates the same number of times and ends with the same profile.
// Without one, each trial runs workload.world ranks as threads of this process.
//
// Confirmation: after the strategy, the default and the fastest few are measured again back to back
// (level full + 1) and only those measurements choose the winner and its speedup.
//
// Resume: a trial already finished in the database for the same fingerprint, workload, candidate,
// level and protocol is reused instead of measured; strategies are deterministic given the seed, so
// running the same command again continues where it stopped. An interrupt (Ctrl-C) finishes the
// current sample, records nothing half-done as finished, and returns with `interrupted` set.
//
// Code: tuner/session.cpp drives the job (rank 0 decides, followers measure), the evaluator
// (tuner/session_evaluator.cpp) measures one candidate, the recorder (tuner/session_recorder.cpp)
// writes everything to the database through db/ (db/tune_records.hpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "burst/communicator.hpp"
#include "burst/fingerprint.hpp"
#include "burst/profile.hpp"
#include "tuner/measure.hpp"
#include "tuner/space.hpp"
#include "tuner/strategy.hpp"

namespace burst::tuner {

// One timed sample of a candidate being measured (rank 0, live trials only): what the progress
// display of long trials shows (docs/tune.md "Progress").
struct SampleEvent {
  std::size_t workload = 0, workloads = 0;
  int trial = 0;    // this evaluation's number in the workload (TrialEvent::done once it ends)
  int planned = 0;  // as TrialEvent::planned
  int sample = 0;   // 1-based
  int min_samples = 0, max_samples = 0;  // of the trial's measurement level
  double seconds = 0;                    // this sample (critical path)
  double median_s = 0;                   // of the samples so far
  double trial_elapsed_s = 0;            // since the trial started (inputs, warmup and samples)
};

struct TuneOptions {
  std::vector<Workload> workloads;  // one per --seq value, same shape otherwise
  SpaceOptions space;
  std::string strategy = "halving";
  std::uint64_t seed = 0;
  int max_trials = 0;       // per workload, evaluations (0: no limit)
  double time_limit_s = 0;  // whole job, seconds of measuring (0: no limit)
  int warmup = 1, min_samples = 5, max_samples = 20;
  double max_noise = 0.03, max_time_s = 5.0;  // per candidate at the full level
  bool trace = true;                          // record every trial's trace
  int confirm_top = 3;
  double early_stop = 2.0;  // abandon a candidate whose median passes this multiple of the best (0: never) //
                            // confirmation round: the default and this many of the fastest, measured again
  std::string db_path = "burst.db";
  std::string command_line;
  std::string tool_version;
  Fingerprint fingerprint;
  Launch launch = Launch::threads;  // how the ranks run: written into each profile entry's key
  // Model strategy: the cost model's prediction (seconds) of a candidate of a workload.
  std::function<double(const Workload&, const Candidate&)> predict;
  // Called on rank 0 after every timed sample of a live trial (may be empty).
  std::function<void(const SampleEvent&)> on_sample;
};

// The evaluations tune plans for a workload whose space has `candidates` valid configurations:
// the strategy's plan (tuner/strategy.hpp plan_strategy) under o.max_trials, and the confirmation
// round (the default and up to o.confirm_top others, when the strategy measures more than the
// default in full). An upper bound, as plan_strategy's.
struct EvaluationPlan {
  StrategyPlan strategy;
  int confirm = 0;  // evaluations of the confirmation round (at the full level's protocol)
  int total() const { return strategy.evaluations() + confirm; }
};
EvaluationPlan plan_evaluations(const TuneOptions& o, std::size_t candidates);

// One evaluation as the progress display sees it.
struct TrialEvent {
  std::size_t workload = 0, workloads = 0;
  const Candidate* candidate = nullptr;
  int level = 0;
  int full_level = 1;  // level > full_level: the confirmation round
  Measurement m;
  bool reused = false;   // taken from the database (resume)
  int done = 0;          // evaluations of this workload so far
  int planned = 0;       // expected evaluations of this workload (budget-aware estimate)
  double best_s = 0;     // best full-level median so far (0: none)
  double elapsed_s = 0;  // since the job started
  std::int64_t trial_id = 0;
};

struct WorkloadOutcome {
  Workload workload;
  std::size_t raw_size = 0, candidates = 0, pruned = 0;
  int evaluations = 0, reused = 0, failed = 0, stopped_early = 0;
  std::optional<Candidate> winner;
  Measurement winner_m, default_m;
  std::int64_t winner_trial = 0, default_trial = 0;
  bool confirmed = false;         // winner and speedup come from the confirmation round
  bool tie_with_default = false;  // the winner is the default because nothing beat it beyond noise
  double speedup = 0;             // default median / winner median
  // The winner's or the default's noise stayed above --max-noise: the verdict says so and the
  // profile entry is marked ("reliable": false) instead of claiming a speedup or a tie.
  bool unreliable = false;
  bool interrupted = false;  // Ctrl-C during this workload: nothing was chosen or written
  std::string verdict;       // one sentence
  // The top full-level measurements, fastest first (for the final table).
  struct Row {
    Candidate candidate;
    Measurement m;
    std::int64_t trial_id = 0;
  };
  std::vector<Row> top;
};

struct TuneOutcome {
  std::int64_t session_id = 0, job_id = 0;
  bool interrupted = false, budget_exhausted = false;
  std::vector<WorkloadOutcome> workloads;
  Profile profile;  // the entries of this job (not merged with any existing file)
  double elapsed_s = 0;
};

// Runs the job. `interrupted` may be null. `on_trial` is called on rank 0 after every evaluation.
// Throws InvalidArgument for bad options (before anything is measured) and for a database that
// cannot be opened. Only rank 0's outcome is complete; every rank's `profile` is the same.
TuneOutcome run_tune(const TuneOptions& options, Communicator* mpi_world,
                     const std::atomic<bool>* interrupted,
                     const std::function<void(const TrialEvent&)>& on_trial = {});

// Every check run_tune makes before measuring (strategy, budgets, protocol, each workload's space),
// except that a model strategy may still lack its predictor: throws InvalidArgument.
void validate_tune_options(const TuneOptions& options);

// The profile entry key of workload i of a --seq list: buckets meet at geometric midpoints.
WorkloadKey bucket_key(const std::vector<Workload>& workloads, std::size_t i);

}  // namespace burst::tuner
