#include "cli/tune_plan.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>

#include "db/database.hpp"
#include "tuner/cost_model.hpp"
#include "tuner/measure.hpp"

namespace burst::cli {
namespace {

// "~3.2 ms", "~45 s", "~12m30s", "~2h05m".
std::string about(double s) {
  const long t = std::lround(s);
  if (s < 1) return fmt::format("~{:.3g} ms", s * 1e3);
  if (s < 10) return fmt::format("~{:.1f} s", s);
  if (t < 120) return fmt::format("~{} s", t);
  if (t < 3600) return fmt::format("~{}m{:02d}s", t / 60, t % 60);
  return fmt::format("~{}h{:02d}m", t / 3600, (t % 3600) / 60);
}

// Mean predicted seconds per call over the candidates the model can price (0: none).
double mean_prediction(const tuner::SearchSpace& space, const Predictor& predict) {
  if (!predict) return 0;
  double sum = 0;
  int n = 0;
  for (const auto& c : space.candidates) {
    double t = 0;
    try {
      t = predict(space.workload, c);
    } catch (const std::exception&) {
      continue;  // a variant without a rate: not priced
    }
    if (std::isfinite(t) && t > 0) {
      sum += t;
      ++n;
    }
  }
  return n > 0 ? sum / n : 0.0;
}

// Samples the protocol takes at `level` for calls of `t` seconds on a quiet machine: --min-samples,
// fewer when --max-time runs out first (never under 2).
int expected_samples(const tuner::MeasureLevel& level, double t) {
  const double by_time = std::ceil(level.max_time_s / t);
  if (!(by_time < level.min_samples)) return level.min_samples;  // also a huge count from a tiny t
  return std::max(2, static_cast<int>(by_time));
}

nlohmann::json estimate_json(const tuner::EvaluationPlan& plan,
                             const std::vector<tuner::MeasureLevel>& levels, double per_call_s) {
  double total = 0;
  nlohmann::json per_level = nlohmann::json::array();
  const std::size_t full = levels.size() - 1;
  for (std::size_t l = 0; l < levels.size(); ++l) {
    int count = l < plan.strategy.per_level.size() ? plan.strategy.per_level[l] : 0;
    if (l == full) count += plan.confirm;
    const int samples = expected_samples(levels[l], per_call_s);
    const double each = per_call_s * (levels[l].warmup + samples);
    total += count * each;
    per_level.push_back(
        {{"evaluations", count}, {"warmup", levels[l].warmup}, {"samples", samples}, {"seconds_each", each}});
  }
  const int evaluations = plan.total();
  return {{"source", "cost model"},
          {"per_call_s", per_call_s},
          {"seconds", total},
          {"per_evaluation_s", evaluations > 0 ? total / evaluations : 0.0},
          {"levels", per_level}};
}

std::string space_line(const nlohmann::json& p) {
  std::string dims;
  for (const auto& d : p.at("parameters"))
    dims += fmt::format("{}{} {}", dims.empty() ? "" : ", ", d.at("name").get<std::string>(),
                        d.at("values").size());
  return fmt::format(
      "  space: {} parameters ({}), {} combinations, {} valid after the constraints (the default included)\n",
      p.at("parameters").size(), dims, p.at("size_before").get<std::size_t>(),
      p.at("size_after").get<std::size_t>());
}

std::string budget_line(const nlohmann::json& p) {
  const int max_trials = p.at("max_trials").get<int>();
  const double limit = p.at("time_limit_s").get<double>();
  std::string s =
      fmt::format("  strategy: {}, --max-trials {}, --time-limit {}", p.at("strategy").get<std::string>(),
                  max_trials > 0 ? std::to_string(max_trials) : std::string("none"),
                  limit > 0 ? fmt::format("{:g} s", limit) : std::string("none"));
  const auto& rungs = p.at("rungs");
  if (!rungs.empty()) {
    std::string r;
    for (std::size_t i = 0; i < rungs.size(); ++i)
      r += fmt::format("{}{} {}", i ? ", " : "", rungs[i].get<std::size_t>(),
                       i + 1 == rungs.size() ? "in full" : "brief");
    s += fmt::format("; rungs after the default: {}", r);
  }
  return s + "\n";
}

std::string evaluations_line(const nlohmann::json& p) {
  const auto& e = p.at("evaluations");
  const auto& per_level = e.at("per_level");
  std::string levels;
  for (std::size_t l = 0; l < per_level.size(); ++l) {
    const int n = per_level[l].get<int>();
    if (n == 0) continue;
    levels +=
        fmt::format("{}{} {}", levels.empty() ? "" : ", ", n, l + 1 == per_level.size() ? "full" : "brief");
  }
  const int confirm = e.at("confirm").get<int>();
  if (confirm > 0) levels += fmt::format(", {} to confirm", confirm);
  return fmt::format("  evaluations planned: {} ({}); fewer when candidates fail or stop early\n",
                     e.at("planned").get<int>(), levels);
}

}  // namespace

Predictor plan_predictor(const tuner::TuneOptions& o, std::string& why) {
  if (o.predict) return o.predict;
  why = "no calibrated rates";
  if (o.db_path.empty() || !std::filesystem::exists(o.db_path)) {
    why += ": " + (o.db_path.empty() ? std::string("no --db") : o.db_path + " does not exist yet");
    return {};
  }
  try {
    db::Database database(o.db_path, db::OpenMode::read_only);
    const auto rates = tuner::load_calibration(database, o.fingerprint.id());
    if (!rates) {
      why += " for this system in " + o.db_path + "; `burst-tune calibrate` stores them";
      return {};
    }
    why.clear();
    return tuner::predictor(*rates);
  } catch (const std::exception& e) {
    why += std::string(": ") + e.what();
    return {};
  }
}

nlohmann::json tune_plan_json(const tuner::SearchSpace& space, const tuner::TuneOptions& o,
                              const Predictor& predict, const std::string& no_estimate_why) {
  const auto levels =
      tuner::measure_levels(o.warmup, o.min_samples, o.max_samples, o.max_noise, o.max_time_s);
  const tuner::EvaluationPlan plan = tuner::plan_evaluations(o, space.candidates.size());
  nlohmann::json dims = nlohmann::json::array();
  for (const auto& d : space.dims) dims.push_back({{"name", d.name}, {"values", d.values}});
  nlohmann::json j = {
      {"workload", space.workload.label()},
      {"parameters", dims},
      {"size_before", space.raw_size},
      {"size_after", space.candidates.size()},
      {"strategy", o.strategy},
      {"max_trials", o.max_trials},
      {"time_limit_s", o.time_limit_s},
      {"rungs", plan.strategy.rungs},
      {"evaluations",
       {{"planned", plan.total()}, {"per_level", plan.strategy.per_level}, {"confirm", plan.confirm}}}};
  const double per_call = mean_prediction(space, predict);
  if (per_call > 0) {
    j["estimate"] = estimate_json(plan, levels, per_call);
  } else {
    j["estimate"] = nullptr;
    j["no_estimate"] = predict ? std::string("the cost model priced no candidate") : no_estimate_why;
  }
  return j;
}

std::string tune_plan_text(const nlohmann::json& p) {
  std::string s = fmt::format("plan: {}\n", p.at("workload").get<std::string>());
  s += space_line(p) + budget_line(p) + evaluations_line(p);
  const auto& e = p.at("estimate");
  if (e.is_null()) return s + fmt::format("  no estimate ({})\n", p.at("no_estimate").get<std::string>());
  const auto& full = e.at("levels").back();
  s += fmt::format(
      "  estimate from the cost model: {} of measuring ({} trials x {}; {} per call, {} warmup + {} samples "
      "in "
      "full)\n",
      about(e.at("seconds").get<double>()), p.at("evaluations").at("planned").get<int>(),
      about(e.at("per_evaluation_s").get<double>()), about(e.at("per_call_s").get<double>()),
      full.at("warmup").get<int>(), full.at("samples").get<int>());
  const double limit = p.at("time_limit_s").get<double>();
  if (limit > 0 && e.at("seconds").get<double>() > limit)
    s += fmt::format("  (--time-limit {:g} s stops the job sooner)\n", limit);
  return s;
}

void print_tune_plan(const tuner::TuneOptions& o, const GlobalOptions& global, int rank) {
  if (global.quiet || rank != 0) return;
  std::string why;
  const Predictor predict = plan_predictor(o, why);
  std::string text;
  for (const auto& w : o.workloads)
    text += tune_plan_text(tune_plan_json(tuner::build_space(w, o.space), o, predict, why));
  std::FILE* to = global.json ? stderr : stdout;
  fmt::print(to, "{}\n", text);
  std::fflush(to);
}

}  // namespace burst::cli
