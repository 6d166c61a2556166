#include "tuner/measure.hpp"

#include <algorithm>
#include <cmath>
#include <exception>

#include "burst/error.hpp"

namespace burst::tuner {

std::vector<MeasureLevel> measure_levels(int warmup, int min_samples, int max_samples, double max_noise,
                                         double max_time_s) {
  BURST_REQUIRE(warmup >= 0, "--warmup " + std::to_string(warmup) + ": expected >= 0");
  BURST_REQUIRE(min_samples >= 2, "--min-samples " + std::to_string(min_samples) + ": expected >= 2");
  BURST_REQUIRE(max_samples >= min_samples, "--max-samples " + std::to_string(max_samples) +
                                                ": expected >= --min-samples (" +
                                                std::to_string(min_samples) + ")");
  BURST_REQUIRE(max_noise > 0 && max_noise < 1,
                "--max-noise " + std::to_string(max_noise) +
                    ": expected a fraction 0 < x < 1 (0.03 means 3%; not a percentage as in nvbench)");
  BURST_REQUIRE(max_time_s > 0, "--max-time " + std::to_string(max_time_s) + ": expected > 0 seconds");
  MeasureLevel full{warmup, min_samples, max_samples, max_noise, max_time_s};
  // The brief rung of successive halving: a third of the samples, a looser noise bar.
  MeasureLevel brief{warmup, std::min(3, min_samples), std::max(std::min(3, min_samples), max_samples / 3),
                     std::min(0.5, 2 * max_noise), max_time_s / 3};
  return {brief, full};
}

std::string_view to_string(StopReason r) noexcept {
  switch (r) {
    case StopReason::none:
      return "none";
    case StopReason::noise:
      return "noise";
    case StopReason::max_samples:
      return "max_samples";
    case StopReason::time:
      return "time";
    case StopReason::early_stop:
      return "early_stop";
    case StopReason::interrupt:
      return "interrupt";
  }
  return "unknown";
}

double relative_noise(const std::vector<double>& samples) {
  return summarise(samples).rel_noise();
}

StopReason should_stop(const MeasureLevel& level, const std::vector<double>& samples, double elapsed_s,
                       double abandon_above_s, bool interrupted) {
  const int n = static_cast<int>(samples.size());
  if (interrupted && n >= 1) return StopReason::interrupt;
  if (abandon_above_s > 0 && n >= std::min(3, level.min_samples) &&
      summarise(samples).median > abandon_above_s)
    return StopReason::early_stop;
  if (n >= level.max_samples) return StopReason::max_samples;
  if (n >= level.min_samples && relative_noise(samples) <= level.max_noise) return StopReason::noise;
  if (n >= 2 && elapsed_s >= level.max_time_s) return StopReason::time;
  return StopReason::none;
}

MeasureResult measure_candidate(const Workload& workload, const Candidate& candidate,
                                const MeasureLevel& level, double abandon_above_s,
                                const std::atomic<bool>* interrupted, bool trace, std::uint64_t seed,
                                Communicator* mpi_world,
                                const std::function<void(const std::vector<double>&)>& on_sample) {
  TrialSpec spec;
  spec.shape = workload.shape;
  spec.schedule = candidate.schedule;
  spec.world = workload.world;
  spec.pass = workload.pass;
  spec.warmup = level.warmup;
  spec.seed = seed;
  spec.trace = trace;
  MeasureResult out;
  StopReason stop = StopReason::none;
  spec.keep_sampling = [&](const std::vector<double>& samples, double elapsed) {
    if (on_sample) on_sample(samples);
    const bool intr = interrupted != nullptr && interrupted->load();
    stop = should_stop(level, samples, elapsed, abandon_above_s, intr);
    return stop == StopReason::none;
  };
  try {
    out.trial = run_trial(spec, mpi_world);
  } catch (const std::exception& e) {
    out.m.ok = false;
    out.m.status = "failed";
    out.m.failure = e.what();
    return out;
  }
  // Only rank 0 evaluated the rule; the samples (max over ranks) are the same everywhere.
  out.samples.clear();
  const auto& f = out.trial.fwd.samples;
  const auto& b = out.trial.bwd.samples;
  const std::size_t count = std::max(f.size(), b.size());
  for (std::size_t i = 0; i < count; ++i)
    out.samples.push_back((i < f.size() ? f[i] : 0.0) + (i < b.size() ? b[i] : 0.0));
  if (mpi_world == nullptr || mpi_world->rank() == 0) {
    out.stop = stop;
  } else {
    // Recompute the decision locally for the record: same samples, same rule (interrupt aside).
    double elapsed = 0;
    for (double x : out.samples) elapsed += x;
    out.stop = should_stop(level, out.samples, elapsed, abandon_above_s, false);
  }
  const TimeStats t = summarise(out.samples);
  out.m.samples = static_cast<int>(out.samples.size());
  out.m.median_s = t.median;
  out.m.noise = relative_noise(out.samples);
  out.m.ok = out.stop != StopReason::early_stop;
  out.m.status = out.m.ok ? "ok" : "stopped_early";
  if (!out.m.ok)
    out.m.failure =
        "stopped early: median above " + std::to_string(abandon_above_s) + " s (2x the best so far)";
  return out;
}

}  // namespace burst::tuner
