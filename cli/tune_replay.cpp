// `tune --replay DB` (a strategy against recorded measurements, nothing executed or written) and
// the model strategy's predictor (the cost model with this machine's calibrated rates).
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "burst/error.hpp"
#include "cli/tune_output.hpp"
#include "db/database.hpp"
#include "db/tune_records.hpp"
#include "tuner/calibrate.hpp"
#include "tuner/cost_model.hpp"
#include "tuner/replay.hpp"
#include "tuner/trial.hpp"

namespace burst::cli {
namespace {

// The calibrated rates stored for the system that recorded job `job_id`, if any.
std::optional<tuner::MachineRates> recorded_rates(const std::string& db_path, std::int64_t job_id) {
  db::Database db(db_path, db::OpenMode::read_only);
  const auto fingerprint = db::tune_job_fingerprint(db, job_id);
  if (!fingerprint) return std::nullopt;
  const Fingerprint fp = Fingerprint::from_json(*fingerprint);
  return tuner::load_calibration(db, fp.id());
}

// Fastest full-level recorded median of a workload (the truth the replayed choice is compared to).
double recorded_best(const tuner::RecordedWorkload& w, int full_level) {
  double best = std::numeric_limits<double>::infinity();
  for (const auto& c : w.candidates) {
    const auto it = c.at_level.find(full_level);
    if (it == c.at_level.end() || it->second.status != "ok" || it->second.samples_s.empty()) continue;
    best = std::min(best, tuner::summarise(it->second.samples_s).median);
  }
  return best;
}

}  // namespace

int replay_command(const std::string& db, const std::string& strategy, std::uint64_t seed, int max_trials,
                   double time_limit_s, bool json) {
  const tuner::ReplayData data =
      tuner::load_replay(db);  // InvalidArgument for a missing/foreign file or no job
  tuner::StrategyOptions so;
  so.seed = seed;
  so.max_trials = max_trials;
  // The same predictor a live tune gives (model_predictor below): model ranks with it, and halving
  // shortlists its budget-limited first rung with it, so a replay makes the choices a live run would.
  std::function<double(const tuner::Workload&, const tuner::Candidate&)> predict;
  std::string note;
  if (strategy == "model" || strategy == "halving") {
    const auto rates = recorded_rates(db, data.job_id);
    if (!rates && strategy == "model")
      throw InvalidArgument("--replay " + db +
                            " --strategy model: no calibrated rates in the database for the system "
                            "that recorded it (run `burst-tune calibrate --db " +
                            db + "` there)");
    if (rates) {
      predict = tuner::predictor(*rates);
    } else {
      note = "note: no calibrated rates in " + db +
             ": halving's first rung is not shortlisted by the cost model here, while a live tune would "
             "calibrate first (run `burst-tune calibrate --db " +
             db + "` on the system that recorded it)\n";
    }
  }
  tuner::ReplayEvaluator::Budget budget{max_trials, time_limit_s};
  const auto replayed = tuner::replay_job(data, strategy, so, budget, predict);
  const int full = static_cast<int>(data.protocol.levels().size()) - 1;

  nlohmann::json out = {{"db", db},
                        {"job_id", data.job_id},
                        {"strategy", strategy},
                        {"seed", seed},
                        {"workloads", nlohmann::json::array()}};
  std::string text = fmt::format("replay of job {} in {} with strategy {} (seed {}): nothing is executed\n{}",
                                 data.job_id, db, strategy, seed, note);
  if (!note.empty()) out["note"] = note.substr(0, note.size() - 1);
  for (std::size_t i = 0; i < replayed.size(); ++i) {
    const auto& r = replayed[i];
    const double truth = recorded_best(data.workloads[i], full);
    nlohmann::json w = {{"workload", r.space.workload.to_json()},
                        {"candidates", r.space.candidates.size()},
                        {"evaluations", r.evaluations},
                        {"replayed_s", r.replayed_s},
                        {"recorded_best_s", std::isfinite(truth) ? truth : 0.0}};
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : r.trace.steps)
      steps.push_back({{"key", r.space.candidates[s.candidate].key()},
                       {"level", s.level},
                       {"status", s.m.status},
                       {"median_s", s.m.median_s}});
    w["steps"] = steps;
    text += fmt::format("\n{}\n  {} evaluations of {} candidates ({:.1f} s of recorded samples)\n",
                        r.space.workload.label(), r.evaluations, r.space.candidates.size(), r.replayed_s);
    if (r.winner) {
      const auto& m = r.measurements[*r.winner];
      const double gap = std::isfinite(truth) && truth > 0 ? m.median_s / truth - 1 : 0;
      w["winner"] = {{"candidate", r.measured[*r.winner].to_json()},
                     {"median_s", m.median_s},
                     {"noise", m.noise},
                     {"gap_to_recorded_best", gap}};
      text += fmt::format("  chose {} at {:.3f} ms; the best recorded is {:.3f} ms ({:+.1f}%)\n",
                          r.measured[*r.winner].key(), m.median_s * 1e3, truth * 1e3, gap * 100);
    } else {
      text += "  chose nothing: no full-level measurement succeeded within the budget\n";
    }
    out["workloads"].push_back(w);
  }
  if (json)
    fmt::print("{}\n", out.dump(2));
  else
    fmt::print("{}", text);
  return 0;
}

std::function<double(const tuner::Workload&, const tuner::Candidate&)> model_predictor(
    const std::string& db, const Fingerprint& here, int world, Communicator* mpi) {
  return tuner::predictor(tuner::load_or_calibrate(db, here.id(), world, mpi));
}

}  // namespace burst::cli
