// What `burst-tune tune` prints: the dry-run description of a space, the progress display (a bar
// on a terminal, plain lines otherwise), the final table; and the replay and model-strategy glue.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "burst/communicator.hpp"
#include "burst/fingerprint.hpp"
#include "cli/progress.hpp"
#include "tuner/session.hpp"

namespace burst::cli {

std::string dry_run_text(const tuner::SearchSpace& space);
nlohmann::json dry_run_json(const tuner::SearchSpace& space);

class ProgressPrinter {
 public:
  // mode: "bar" (redrawn line on stderr), "lines" (one line per trial on stderr), "none".
  ProgressPrinter(std::string mode, bool silent);
  void on_trial(const tuner::TrialEvent& e);
  // A timed sample of a long trial (docs/tune.md "Progress"): from the first sample of at least
  // 2 s, or once the trial has run 5 s (cli/progress.hpp: BURST_PROGRESS_AFTER_S), "trial 3/64
  // sample 2/5: 1.23 s (median so far 1.20 s)" as a line, or on the bar's line.
  void on_sample(const tuner::SampleEvent& e);
  void finish();  // ends the bar's line

 private:
  std::string mode_;
  bool silent_ = false, drawn_ = false;
  ProgressThreshold threshold_;
  int long_trial_ = -1;  // the trial (job-wide number) whose samples are being shown
};

std::string outcome_text(const tuner::TuneOutcome& o, const std::string& db, const std::string& out,
                         int added, int replaced, int kept);
nlohmann::json outcome_json(const tuner::TuneOutcome& o, const std::string& db, const std::string& out);

// `tune --replay DB`: the strategy against the recorded measurements; prints what it chose.
int replay_command(const std::string& db, const std::string& strategy, std::uint64_t seed, int max_trials,
                   double time_limit_s, bool json);

// The model strategy's predictor: the cost model with the rates calibrated for `here` in the
// database (calibrating now, briefly, when there are none).
std::function<double(const tuner::Workload&, const tuner::Candidate&)> model_predictor(
    const std::string& db, const Fingerprint& here, int world, Communicator* mpi);

}  // namespace burst::cli
