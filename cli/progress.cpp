#include "cli/progress.hpp"

#include <fmt/core.h>

#include <cstdio>
#include <cstdlib>

#include "burst/error.hpp"
#include "cli/flag_checks.hpp"

namespace burst::cli {

std::string seconds_text(double s) {
  return s >= 1 ? fmt::format("{:.2f} s", s) : fmt::format("{:.3g} ms", s * 1e3);
}

ProgressThreshold progress_threshold() {
  ProgressThreshold t;
  const char* env = std::getenv("BURST_PROGRESS_AFTER_S");
  if (env == nullptr || *env == '\0') return t;
  const std::string text = env;
  const auto v = parse_real(text);
  if (!v || *v < 0)
    throw InvalidArgument("BURST_PROGRESS_AFTER_S=" + text +
                          ": expected seconds >= 0 (0: a progress line for every call)");
  t.call_s = t.elapsed_s = *v;
  return t;
}

void add_progress_flag(CLI::App& cmd, std::string& mode) {
  cmd.add_option("--progress", mode,
                 "Progress of long work on stderr: auto (lines), lines or none (docs/run.md \"Progress\")")
      ->default_val("auto")
      ->check(CLI::IsMember({"auto", "lines", "none"}));
}

std::string line_progress_mode(const std::string& flag, bool quiet) {
  if (quiet || flag == "none") return "none";
  return "lines";
}

StepProgress::StepProgress(std::string what, const std::string& mode)
    : what_(std::move(what)),
      on_(mode != "none"),
      threshold_(progress_threshold()),
      start_(std::chrono::steady_clock::now()) {}

double StepProgress::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void StepProgress::step(int index, int total, double seconds, const std::string& detail) {
  if (!on_) return;
  const double elapsed = elapsed_s();
  if (!started_ && !threshold_.reached(seconds, elapsed)) return;
  started_ = true;  // once long, every later step is shown too
  const std::string of = total > 0 ? fmt::format("/{}", total) : std::string();
  fmt::print(stderr, "{} {}{}: {}{}{}\n", what_, index, of, seconds_text(seconds), detail.empty() ? "" : " ",
             detail);
  std::fflush(stderr);
}

void report_iterations(tuner::TrialSpec& spec, const std::string& mode, bool root, const std::string& what) {
  if (mode == "none" || spec.iters < 1 || spec.keep_sampling) return;
  auto progress = std::make_shared<StepProgress>(what, root ? mode : std::string("none"));
  spec.keep_sampling = [progress, iters = spec.iters](const std::vector<double>& samples, double) {
    const int n = static_cast<int>(samples.size());
    const std::string median =
        n >= 2 ? fmt::format("(median so far {})", seconds_text(tuner::summarise(samples).median))
               : std::string();
    progress->step(n, iters, samples.empty() ? 0.0 : samples.back(), median);
    return n < iters;
  };
}

std::function<void(const std::string&)> calibration_progress(const tuner::CalibrateOptions& options,
                                                             int world, const std::string& mode,
                                                             bool print_results) {
  struct State {
    StepProgress progress;
    int done = 0;
    double last_s = 0;
  };
  auto state = std::make_shared<State>(State{StepProgress("calibrate: step", mode)});
  const int total = tuner::calibration_steps(options, world);
  return [state, total, print_results](const std::string& line) {
    if (print_results) {
      fmt::print("{}\n", line);
      std::fflush(stdout);  // in order with the progress lines on stderr
    }
    const double now = state->progress.elapsed_s();
    state->progress.step(++state->done, total, now - state->last_s, fmt::format("({:.0f} s elapsed)", now));
    state->last_s = now;
  };
}

}  // namespace burst::cli
