// The measurement protocol (docs/architecture.md 8, nvbench's stdrel criterion): warm-up, then samples until
// the relative noise of the median is under max_noise, bounded by min/max samples and time; the
// figure is the slowest rank's time per sample (critical path), then the median; rank 0 decides
// when to stop and broadcasts the decision, so every rank runs the same number of samples.
//
// The stopping rule is a pure function (should_stop) so that the live measurement (measure_trial)
// and replay from a database (tuner/replay) stop at exactly the same sample.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "burst/communicator.hpp"
#include "tuner/space.hpp"
#include "tuner/trial.hpp"

namespace burst::tuner {

struct MeasureLevel {
  int warmup = 1;
  int min_samples = 5;
  int max_samples = 30;
  double max_noise = 0.03;   // relative: stdev / median of the critical-path samples
  double max_time_s = 10.0;  // timed samples of one candidate at this level
};

// Level 0 is halving's brief rung; the last level is the protocol's full measurement.
std::vector<MeasureLevel> measure_levels(int warmup, int min_samples, int max_samples, double max_noise,
                                         double max_time_s);

enum class StopReason : std::uint8_t { none, noise, max_samples, time, early_stop, interrupt };
std::string_view to_string(StopReason r) noexcept;

// Relative noise of the samples: stdev / median (0 for fewer than 2 samples).
double relative_noise(const std::vector<double>& samples);

// Whether to stop after `samples` (critical path, in order), `elapsed_s` timed seconds, with
// `abandon_above_s` > 0 the early-stop bar (median of at least min(3, min_samples) samples above
// it: far slower than the best so far). `interrupted`: Ctrl-C was pressed (the current sample is
// finished, then stop).
StopReason should_stop(const MeasureLevel& level, const std::vector<double>& samples, double elapsed_s,
                       double abandon_above_s, bool interrupted);

// Early-stop bar for a best-so-far time: a candidate whose median exceeds this is abandoned.
inline double early_stop_bar(double best_so_far_s, double factor = 2.0) {
  return best_so_far_s > 0 ? best_so_far_s * factor : 0.0;
}

struct MeasureResult {
  Measurement m;
  StopReason stop = StopReason::none;
  std::vector<double> samples;  // critical path per sample
  TrialResult trial;            // per-pass stats, bytes, per-rank samples and traces (rank 0)
};

// Measures one candidate of `workload` at `level` with the protocol above. Ranks are spec.world
// threads, or the processes of `mpi_world` (every rank calls this with the same arguments; rank
// 0's abandon/interrupt view is the one that counts, and it is broadcast). Failures (the candidate
// throws) come back as m.ok = false with the reason, on every rank. `on_sample`, when set, is
// called on rank 0 after every timed sample with the samples so far (critical path, in order): the
// progress display of long trials.
MeasureResult measure_candidate(const Workload& workload, const Candidate& candidate,
                                const MeasureLevel& level, double abandon_above_s,
                                const std::atomic<bool>* interrupted, bool trace, std::uint64_t seed,
                                Communicator* mpi_world,
                                const std::function<void(const std::vector<double>&)>& on_sample = {});

}  // namespace burst::tuner
