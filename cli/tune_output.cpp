#include "cli/tune_output.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "burst/params.hpp"

namespace burst::cli {
namespace {

std::string ms(double s) {
  return s > 0 ? fmt::format("{:.3f}", s * 1e3) : std::string("-");
}

std::string duration(double s) {
  if (s < 0) return "?";
  const int t = static_cast<int>(std::lround(s));
  return t >= 60 ? fmt::format("{}m{:02d}s", t / 60, t % 60) : fmt::format("{}s", t);
}

// "ring.overlap=chunk_pipeline ring.chunks=4" (only what differs from the default).
std::string describe(const tuner::Candidate& c) {
  const tuner::Candidate d = tuner::default_candidate();
  std::string out;
  for (const ParamDesc& p : schedule_params()) {
    const std::string_view name = p.name;
    if (c.value(name) == d.value(name)) continue;
    out += (out.empty() ? "" : " ") + std::string(name.substr(name.find('.') + 1)) + "=" + c.value(name);
  }
  return out.empty() ? std::string("(default)") : out;
}

}  // namespace

std::string dry_run_text(const tuner::SearchSpace& space) {
  std::string out = fmt::format("workload: {}\n", space.workload.label());
  out += "  parameters searched:\n";
  for (const auto& d : space.dims) {
    std::string vals;
    for (const auto& v : d.values) vals += (vals.empty() ? "" : ", ") + v;
    out += fmt::format("    {:<18} {} ({})\n", d.name, vals, d.values.size());
  }
  out += fmt::format("  space: {} before pruning, {} after ({} pruned)\n", space.raw_size,
                     space.candidates.size(), space.pruned.size());
  std::map<std::string, std::pair<int, std::string>> groups;  // reason group -> (count, example)
  for (const auto& p : space.pruned) {
    auto& g = groups[p.constraint];
    if (g.first++ == 0) g.second = p.reason;
  }
  std::vector<std::pair<std::string, std::pair<int, std::string>>> sorted(groups.begin(), groups.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  if (!sorted.empty()) out += "  pruned because:\n";
  for (const auto& [group, info] : sorted)
    out += fmt::format("    {:>5}  {:<10} e.g. {}\n", info.first, group, info.second);
  return out;
}

nlohmann::json dry_run_json(const tuner::SearchSpace& space) {
  nlohmann::json dims = nlohmann::json::array();
  for (const auto& d : space.dims) dims.push_back({{"name", d.name}, {"values", d.values}});
  nlohmann::json pruned = nlohmann::json::array();
  for (const auto& p : space.pruned)
    pruned.push_back(
        {{"candidate", p.candidate.to_json()}, {"constraint", p.constraint}, {"reason", p.reason}});
  return {{"workload", space.workload.to_json()},
          {"dimensions", dims},
          {"size_before", space.raw_size},
          {"size_after", space.candidates.size()},
          {"pruned", pruned}};
}

ProgressPrinter::ProgressPrinter(std::string mode, bool silent)
    : mode_(std::move(mode)), silent_(silent), threshold_(progress_threshold()) {}

void ProgressPrinter::on_sample(const tuner::SampleEvent& e) {
  if (silent_ || mode_ == "none") return;
  const int trial = static_cast<int>(e.workload) * 100000 + e.trial;  // unique within the job
  if (long_trial_ != trial && !threshold_.reached(e.seconds, e.trial_elapsed_s)) return;
  long_trial_ = trial;  // once long, every later sample of this trial is shown
  const std::string wl =
      e.workloads > 1 ? fmt::format("[{}/{}] ", e.workload + 1, e.workloads) : std::string();
  // Out of --min-samples while they last, then out of --max-samples.
  const int of = e.sample <= e.min_samples ? e.min_samples : e.max_samples;
  const std::string line =
      fmt::format("{}trial {}/{} sample {}/{}: {} (median so far {})", wl, e.trial, e.planned, e.sample, of,
                  seconds_text(e.seconds), seconds_text(e.median_s));
  if (mode_ == "bar") {
    fmt::print(stderr, "\r\033[K{}", line);
    std::fflush(stderr);
    drawn_ = true;
  } else {
    fmt::print(stderr, "{}\n", line);
  }
}

void ProgressPrinter::on_trial(const tuner::TrialEvent& e) {
  if (silent_ || mode_ == "none") return;
  const double left = e.done > 0 ? e.elapsed_s / e.done * std::max(0, e.planned - e.done) : -1;
  const std::string what = e.m.ok ? fmt::format("{} ms +-{:.1f}%", ms(e.m.median_s), e.m.noise * 100)
                                  : fmt::format("{}", e.m.status);
  const std::string wl =
      e.workloads > 1 ? fmt::format("[{}/{}] ", e.workload + 1, e.workloads) : std::string();
  if (mode_ == "bar") {
    constexpr int width = 24;
    const int filled = e.planned > 0 ? std::min(width, e.done * width / e.planned) : 0;
    fmt::print(stderr, "\r\033[K{}[{}{}] {}/{}  best {} ms  {} elapsed, ~{} left", wl,
               std::string(filled, '#'), std::string(width - filled, '.'), e.done, e.planned, ms(e.best_s),
               duration(e.elapsed_s), duration(left));
    std::fflush(stderr);
    drawn_ = true;
  } else {
    fmt::print(stderr, "{}trial {}/{} {}{}: {}{}  (best {} ms, {} elapsed, ~{} left)\n", wl, e.done,
               e.planned,
               e.level == 0 && e.full_level > 0 ? "[brief] "
               : e.level > e.full_level         ? "[confirm] "
                                                : "",
               describe(*e.candidate), what, e.reused ? " [recorded]" : "", ms(e.best_s),
               duration(e.elapsed_s), duration(left));
  }
}

void ProgressPrinter::finish() {
  if (drawn_) fmt::print(stderr, "\n");
  drawn_ = false;
}

std::string outcome_text(const tuner::TuneOutcome& o, const std::string& db, const std::string& out,
                         int added, int replaced, int kept) {
  std::string s;
  for (const auto& w : o.workloads) {
    s += fmt::format("\n{}\n", w.workload.label());
    s += fmt::format(
        "  space {} -> {} after pruning; {} evaluations ({} from earlier runs), {} failed, {} stopped "
        "early\n",
        w.raw_size, w.candidates, w.evaluations, w.reused, w.failed, w.stopped_early);
    const double flops = w.workload.flops();
    s += fmt::format("  {:>3}  {:>10}  {:>7}  {:>8}  {:>8}  {}\n", "#", "time (ms)", "noise", "TFLOP/s",
                     "speedup", "configuration (differences from the default)");
    int k = 0;
    for (const auto& row : w.top) {
      const double sp = w.default_m.median_s > 0 ? w.default_m.median_s / row.m.median_s : 0;
      const bool chosen = w.winner && !w.interrupted && row.candidate.key() == w.winner->key();
      s += fmt::format("  {:>3}  {:>10}  {:>6.1f}%  {:>8.4f}  {:>7.2f}x  {}{}\n", ++k, ms(row.m.median_s),
                       row.m.noise * 100, flops / row.m.median_s / 1e12, sp, describe(row.candidate),
                       chosen ? "  <- chosen" : "");
    }
    const bool winner_listed = w.winner && std::any_of(w.top.begin(), w.top.end(), [&](const auto& r) {
                                 return r.candidate.key() == w.winner->key();
                               });
    if (w.winner && !w.interrupted && !winner_listed)
      s += fmt::format(
          "  {:>3}  {:>10}  {:>6.1f}%  {:>8.4f}  {:>7.2f}x  {}  <- chosen (ties with the fastest, simpler)\n",
          "win", ms(w.winner_m.median_s), w.winner_m.noise * 100, flops / w.winner_m.median_s / 1e12,
          w.speedup, describe(*w.winner));
    const bool default_listed =
        std::any_of(w.top.begin(), w.top.end(), [](const auto& r) { return r.candidate.is_default(); });
    if (!default_listed && w.default_m.median_s > 0)
      s += fmt::format("  {:>3}  {:>10}  {:>6.1f}%  {:>8.4f}  {:>7.2f}x  {}\n", "def",
                       ms(w.default_m.median_s), w.default_m.noise * 100, flops / w.default_m.median_s / 1e12,
                       1.0, "(default)");
    if (w.confirmed)
      s +=
          "  (times from the confirmation round: the default and the fastest measured again, back to back)\n";
    s += fmt::format("  result: {}\n", w.verdict);
  }
  s += fmt::format("\nrecorded: {} (session {}, job {})\n", db, o.session_id, o.job_id);
  if (!out.empty() && !o.profile.entries.empty())
    s += fmt::format("profile:  {} ({} added, {} replaced, {} kept)  -> burst-tune run --profile {} ...\n",
                     out, added, replaced, kept, out);
  else if (!out.empty())
    s += fmt::format("profile:  {} not written (no workload finished)\n", out);
  if (o.budget_exhausted)
    s += "note: the trial or time budget ended the search (--max-trials, --time-limit)\n";
  s += fmt::format("elapsed:  {}\n", duration(o.elapsed_s));
  return s;
}

nlohmann::json outcome_json(const tuner::TuneOutcome& o, const std::string& db, const std::string& out) {
  nlohmann::json wl = nlohmann::json::array();
  for (const auto& w : o.workloads) {
    nlohmann::json top = nlohmann::json::array();
    for (const auto& r : w.top)
      top.push_back({{"candidate", r.candidate.to_json()},
                     {"median_s", r.m.median_s},
                     {"noise", r.m.noise},
                     {"trial_id", r.trial_id}});
    nlohmann::json j = {
        {"workload", w.workload.to_json()},
        {"size_before", w.raw_size},
        {"size_after", w.candidates},
        {"evaluations", w.evaluations},
        {"reused", w.reused},
        {"failed", w.failed},
        {"stopped_early", w.stopped_early},
        {"default",
         {{"median_s", w.default_m.median_s}, {"noise", w.default_m.noise}, {"trial_id", w.default_trial}}},
        {"speedup", w.speedup},
        {"tie_with_default", w.tie_with_default},
        {"verdict", w.verdict},
        {"reliable", !w.unreliable},
        {"interrupted", w.interrupted},
        {"top", top}};
    if (w.winner && !w.interrupted)
      j["winner"] = {{"candidate", w.winner->to_json()},
                     {"median_s", w.winner_m.median_s},
                     {"noise", w.winner_m.noise},
                     {"trial_id", w.winner_trial}};
    wl.push_back(j);
  }
  return {{"db", db},
          {"profile", out},
          {"session_id", o.session_id},
          {"job_id", o.job_id},
          {"interrupted", o.interrupted},
          {"budget_exhausted", o.budget_exhausted},
          {"elapsed_s", o.elapsed_s},
          {"workloads", wl}};
}

}  // namespace burst::cli
