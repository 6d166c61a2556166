// Progress of long work on stderr (docs/tune.md "Progress", docs/run.md "Progress"): tune's
// per-sample lines, and run, trace and calibrate's per-iteration or per-step lines. Short work stays
// quiet: nothing is printed until one call took PROGRESS_CALL_S (2 s) or the work has run
// PROGRESS_ELAPSED_S (5 s); BURST_PROGRESS_AFTER_S=X sets both thresholds to X seconds (0: report
// every call; for tests and the impatient).
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "tuner/calibrate.hpp"
#include "tuner/trial.hpp"

namespace burst::cli {

struct ProgressThreshold {
  double call_s = 2.0, elapsed_s = 5.0;
  bool reached(double call, double elapsed) const { return call >= call_s || elapsed >= elapsed_s; }
};

// "1.23 s", "0.761 ms": a call's time in a progress line.
std::string seconds_text(double s);

// The thresholds, from BURST_PROGRESS_AFTER_S when set; InvalidArgument for a value that is not a
// number of seconds >= 0.
ProgressThreshold progress_threshold();

// --progress auto|lines|none for run, trace and calibrate (tune has its own, with bar).
void add_progress_flag(CLI::App& cmd, std::string& mode);

// "lines" or "none" (auto: lines; nothing at all with -q).
std::string line_progress_mode(const std::string& flag, bool quiet);

// One line per timed iteration (or calibration step) on stderr, once the work is long:
//   "run: iteration 3/10: 1.80 s (median so far 1.79 s)" (milliseconds under 1 s)
class StepProgress {
 public:
  // `what` starts every line ("run: iteration", "calibrate: step"); `mode` from line_progress_mode.
  StepProgress(std::string what, const std::string& mode);
  // After step `index` (1-based) of `total` (0: unknown) that took `seconds`; `detail` is appended.
  void step(int index, int total, double seconds, const std::string& detail = "");
  double elapsed_s() const;

 private:
  std::string what_;
  bool on_ = true, started_ = false;
  ProgressThreshold threshold_;
  std::chrono::steady_clock::time_point start_;
};

// Reports every timed iteration of `spec` as "<what> 3/10: 1.80 s (median so far 1.79 s)" by way
// of spec.keep_sampling, which then stops after exactly spec.iters timed iterations, as without it.
// Call it on every rank with the same `mode` (the ranks follow rank 0's broadcast decision);
// `root` says whether this rank prints. Nothing is installed with mode "none", for spec.iters < 1
// (run_trial refuses it) or when spec already samples adaptively.
void report_iterations(tuner::TrialSpec& spec, const std::string& mode, bool root, const std::string& what);

// calibrate's per-step callback (tuner::CalibrateOptions::progress) for `world` ranks: each step's
// result line on stdout when `print_results` (as always: not with --json or -q), and once the
// calibration is long "calibrate: step 3/11: 4.20 s (12 s elapsed)" on stderr (`mode` from
// line_progress_mode).
std::function<void(const std::string&)> calibration_progress(const tuner::CalibrateOptions& options,
                                                             int world, const std::string& mode,
                                                             bool print_results);

}  // namespace burst::cli
