// Strategy efficiency on a recorded exhaustive tuning job (issue 6, benchmark 1; docs/strategies.md).
//
// For each workload of the job and each strategy, over --seeds seeds (default 20), the strategy
// runs against the recording (tuner::ReplayEvaluator: nothing is executed) and we count
// evaluations -- evaluate() calls, brief ones included -- until the best full-level measurement so
// far is within 5% of the true best of the recording:
//
//   true best  = min over recorded candidates of the replayed full-level median (no early stop)
//   reached at = 1 + index of the first trace step with level == full, ok, median <= 1.05 * true best
//
// Two runs per (strategy, seed): unlimited (--max-trials 0) and with --max-trials ceil(N/4), N the
// number of candidates, the goal for model and halving. Halving plans its rungs from --max-trials,
// so only the budgeted run says what it needs; the others do not look at the budget, so their
// budgeted run is the unlimited one cut short. Median and p90 are nearest-rank over the seeds; a
// seed that never reaches counts as infinity ("-" when the statistic lands on one). The goal
// column says whether the better of the two medians is at most ceil(N/4). Beside evaluations, the
// replayed sample seconds until reaching (unlimited run), as a fraction of those of a whole
// exhaustive sweep: where halving's brief rung pays (its brief evaluations are cheap).
//
// The model strategy needs a cost model: tuner::predict with the rates of the calibrations table
// in the database for the job's fingerprint, or, when the file has none, nominal CPU rates whose
// compute rate is scaled (bisection) so that the model's prediction of the default candidate equals
// its recorded time: the ranking then comes from the model's structure, not from calibration.
//
// Run:  build/bench/bench_strategies bench/results/exhaustive.db [--job ID] [--seeds 20]
//                                    [--out bench/results/strategies.md]
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "burst/error.hpp"
#include "burst/fingerprint.hpp"
#include "db/database.hpp"
#include "tuner/cost_model.hpp"
#include "tuner/replay.hpp"

namespace {

using namespace burst;

constexpr double kWithin = 0.05;
constexpr int kNotReached = std::numeric_limits<int>::max();

struct Args {
  std::string db;
  std::optional<std::int64_t> job;
  int seeds = 20;
  std::string out;
  std::string command;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 0; i < argc; ++i) a.command += (i ? " " : "") + std::string(argv[i]);
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    auto next = [&]() -> std::string {
      BURST_REQUIRE(i + 1 < argc, s + ": missing value");
      return argv[++i];
    };
    if (s == "--job")
      a.job = std::stoll(next());
    else if (s == "--seeds")
      a.seeds = std::stoi(next());
    else if (s == "--out")
      a.out = next();
    else if (!s.empty() && s[0] != '-' && a.db.empty())
      a.db = s;
    else
      BURST_THROW(InvalidArgument, "unknown argument " + s);
  }
  BURST_REQUIRE(!a.db.empty(), "usage: bench_strategies DB [--job ID] [--seeds N] [--out FILE.md]");
  BURST_REQUIRE(a.seeds >= 1, "--seeds must be >= 1");
  return a;
}

bool has_table(db::Database& db, const char* name) {
  auto st = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
  st.bind(1, std::string_view(name));
  return st.step() && st.int64(0) > 0;
}

// The rates of the job's fingerprint, if the file holds a calibration (read without creating the
// table when it is missing).
std::optional<tuner::MachineRates> calibrated_rates(const std::string& path, std::int64_t job_id) {
  db::Database db(path, false);
  if (!has_table(db, "calibrations")) return std::nullopt;
  auto st = db.prepare(
      "SELECT s.fingerprint FROM tune_jobs j JOIN sessions s ON s.id = j.first_session_id WHERE j.id = ?");
  st.bind(1, job_id);
  if (!st.step() || st.is_null(0)) return std::nullopt;
  try {
    return tuner::load_calibration(db, Fingerprint::from_json(st.text(0)).id());
  } catch (const InvalidArgument&) {
    return std::nullopt;  // a session without a proper fingerprint
  }
}

// Nominal CPU rates, compute scaled so that predict(default) == the default's measured time.
tuner::MachineRates rates_from_default(const tuner::Workload& w, const tuner::Candidate& def,
                                       double default_s) {
  tuner::MachineRates r;
  r.source = "nominal CPU rates, compute scaled to the default's recorded time";
  r.intra = {5e9, 5e-6};
  r.inter = {5e9, 5e-6};
  r.step_overhead_s = 2e-5;
  auto total = [&](double flops) {
    r.default_fwd_flops_per_s = flops;
    r.default_bwd_flops_per_s = flops;
    return tuner::predict(w, def, r).total_s;
  };
  double lo = 1e6, hi = 1e15;  // predicted time falls as the rate grows
  for (int i = 0; i < 200 && hi / lo > 1.0 + 1e-9; ++i) {
    const double mid = std::sqrt(lo * hi);
    (total(mid) > default_s ? lo : hi) = mid;
  }
  total(std::sqrt(lo * hi));
  return r;
}

// The replay evaluator, noting the replayed seconds after every evaluation (the measuring time a
// live run would have spent on samples up to that point).
class TimedEvaluator : public tuner::Evaluator {
 public:
  explicit TimedEvaluator(tuner::ReplayEvaluator& inner) : inner_(inner) {}
  tuner::Measurement evaluate(const tuner::EvalRequest& r) override {
    auto m = inner_.evaluate(r);
    seconds.push_back(inner_.replayed_s());
    return m;
  }
  int full_level() const override { return inner_.full_level(); }
  bool exhausted() const override { return inner_.exhausted(); }
  std::vector<double> seconds;

 private:
  tuner::ReplayEvaluator& inner_;
};

int reached_at(const tuner::StrategyTrace& t, int full, double target) {
  for (std::size_t i = 0; i < t.steps.size(); ++i) {
    const auto& s = t.steps[i];
    if (s.level == full && s.m.ok && s.m.median_s <= target) return static_cast<int>(i) + 1;
  }
  return kNotReached;
}

int nearest_rank(std::vector<int> v, double q) {
  std::sort(v.begin(), v.end());
  const auto k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::max<std::size_t>(k, 1) - 1];
}

std::string count_text(int v, std::size_t n) {
  if (v == kNotReached) return "-";
  return fmt::format("{} ({:.0f}%)", v, 100.0 * v / static_cast<double>(n));
}

std::string fraction_text(double v) {
  return std::isfinite(v) ? fmt::format("{:.0f}%", 100.0 * v) : std::string("-");
}

double nearest_rank(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const auto k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::max<std::size_t>(k, 1) - 1];
}

struct Row {
  std::string strategy;
  int median = 0, p90 = 0;    // unlimited
  double seconds_median = 0;  // unlimited: replayed seconds to reach / an exhaustive sweep's
  int budget_median = 0;      // with --max-trials ceil(N/4)
  int reached_in_budget = 0, seeds = 0;
};

}  // namespace

int main(int argc, char** argv) try {
  const Args args = parse(argc, argv);
  const tuner::ReplayData data = tuner::load_replay(args.db, {args.job, std::nullopt});
  const auto calibrated = calibrated_rates(args.db, data.job_id);

  std::ostringstream md;
  md << "# Strategy efficiency on a recorded exhaustive job\n\n"
     << "Generated by `bench/strategies.cpp` (what is counted and how: its header comment and "
        "[docs/strategies.md](../../docs/strategies.md)).\n\n"
     << "```\n"
     << args.command << "\n```\n\n"
     << fmt::format(
            "Database `{}`, tune job {} (recorded with strategy `{}`, status `{}`), {} seeds per strategy.\n",
            args.db, data.job_id, data.protocol.strategy, data.job_status, args.seeds)
     << "Evaluations = `evaluate()` calls, brief ones included, until the best full-level measurement is "
        "within 5% "
        "of the recording's true best. Median and p90 over seeds (nearest rank); `-`: not reached.\n";

  for (std::size_t wi = 0; wi < data.workloads.size(); ++wi) {
    const tuner::SearchSpace space = tuner::recorded_space(data, wi);
    const std::size_t n = space.candidates.size();
    if (n == 0) continue;
    const int budget = static_cast<int>((n + 3) / 4);

    // The true best and the default's time, replayed at the full level without an early-stop bar.
    double best = 0, default_s = 0;
    std::size_t best_index = 0;
    for (std::size_t i = 0; i < n; ++i) {
      tuner::ReplayEvaluator ev(data, wi, {});
      const auto m = ev.evaluate({&space.candidates[i], ev.full_level()});
      if (i == 0 && m.ok) default_s = m.median_s;
      if (m.ok && (best == 0 || m.median_s < best)) {
        best = m.median_s;
        best_index = i;
      }
    }
    if (best == 0) continue;
    const double target = best * (1 + kWithin);
    int within = 0;
    for (std::size_t i = 0; i < n; ++i) {
      tuner::ReplayEvaluator ev(data, wi, {});
      const auto m = ev.evaluate({&space.candidates[i], ev.full_level()});
      within += m.ok && m.median_s <= target;
    }

    const tuner::MachineRates rates = calibrated ? *calibrated
                                                 : rates_from_default(space.workload, space.candidates[0],
                                                                      default_s > 0 ? default_s : best);
    tuner::StrategyOptions base;
    base.predict = [&](const tuner::Candidate& c) {
      return tuner::predict(space.workload, c, rates).total_s;
    };

    double sweep_s = 0;  // replayed seconds of a whole exhaustive sweep
    {
      tuner::ReplayEvaluator ev(data, wi, {});
      tuner::run_strategy("exhaustive", space, ev, base);
      sweep_s = ev.replayed_s();
    }

    std::vector<Row> rows;
    for (const std::string& name : tuner::strategy_names()) {
      std::vector<int> unlimited, budgeted;
      std::vector<double> seconds;
      Row row;
      row.strategy = name;
      row.seeds = args.seeds;
      for (int seed = 0; seed < args.seeds; ++seed) {
        tuner::StrategyOptions o = base;
        o.seed = static_cast<std::uint64_t>(seed);
        tuner::ReplayEvaluator ev(data, wi, {});
        TimedEvaluator timed(ev);
        const int at = reached_at(tuner::run_strategy(name, space, timed, o), ev.full_level(), target);
        unlimited.push_back(at);
        seconds.push_back(at == kNotReached ? std::numeric_limits<double>::infinity()
                                            : timed.seconds[static_cast<std::size_t>(at) - 1] / sweep_s);
        o.max_trials = budget;
        tuner::ReplayEvaluator evb(data, wi, {budget, 0});
        const int r = reached_at(tuner::run_strategy(name, space, evb, o), evb.full_level(), target);
        budgeted.push_back(r);
        row.reached_in_budget += r != kNotReached;
      }
      row.median = nearest_rank(unlimited, 0.5);
      row.p90 = nearest_rank(unlimited, 0.9);
      row.seconds_median = nearest_rank(seconds, 0.5);
      row.budget_median = nearest_rank(budgeted, 0.5);
      rows.push_back(row);
    }

    const std::string label = space.workload.label();
    std::string table;
    table += fmt::format("\n## {}\n\n", label);
    table += fmt::format(
        "{} candidates ({} pruned); true best {:.4g} s ({}), default {:.4g} s; {} candidate(s) within 5% of "
        "the best; "
        "budget ceil(N/4) = {}; an exhaustive sweep replays {:.3g} s of samples.\nModel rates: {}.\n\n",
        n, space.pruned.size(), best, space.candidates[best_index].key(), default_s, within, budget, sweep_s,
        calibrated ? "calibrated (" + rates.source + ")" : rates.source);
    table +=
        "| strategy | median evaluations | p90 evaluations | median sample seconds (of a sweep) | "
        "with --max-trials N/4: reached | median | goal: median <= N/4 |\n";
    table += "|---|---|---|---|---|---|---|\n";
    for (const Row& r : rows) {
      const bool met = std::min(r.median, r.budget_median) <= budget;
      table += fmt::format("| {} | {} | {} | {} | {}/{} | {} | {} |\n", r.strategy, count_text(r.median, n),
                           count_text(r.p90, n), fraction_text(r.seconds_median), r.reached_in_budget,
                           r.seeds, count_text(r.budget_median, n), met ? "met" : "not met");
    }
    std::fputs(table.c_str(), stdout);
    md << table;
  }

  if (!args.out.empty()) {
    std::ofstream f(args.out);
    BURST_REQUIRE(f.good(), "cannot write " + args.out);
    f << md.str();
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_strategies: %s\n", e.what());
  return 2;
}
