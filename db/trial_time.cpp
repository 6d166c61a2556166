// A trial's time, one definition for trace, show and report (see trial_time.hpp).
#include "db/trial_time.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

namespace burst::db {
namespace {

// Median and stdev/median (sample stdev, n - 1), as tuner::summarise computes them.
TrialTime of_samples(std::vector<double> v) {
  TrialTime t;
  if (v.empty()) return t;
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double var = 0;
  for (double x : v) var += (x - mean) * (x - mean);
  const double stdev = v.size() > 1 ? std::sqrt(var / static_cast<double>(v.size() - 1)) : 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size();
  t.known = true;
  t.iterations = static_cast<int>(m);
  t.median_s = m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
  t.noise = t.median_s > 0 ? stdev / t.median_s : 0.0;
  return t;
}

std::vector<double> doubles(const nlohmann::json& j) {
  std::vector<double> v;
  if (!j.is_array()) return v;
  for (const auto& x : j)
    if (x.is_number()) v.push_back(x.get<double>());
  return v;
}

}  // namespace

TrialTime trial_time_from_stats(const std::string& stats_json) {
  const auto s = nlohmann::json::parse(stats_json, nullptr, /*allow_exceptions=*/false);
  if (!s.is_object()) return {};
  if (s.contains("median_s") && s["median_s"].is_number()) {  // a tuning trial (tuner/session_recorder.cpp)
    TrialTime t;
    t.known = true;
    t.median_s = s["median_s"].get<double>();
    t.noise = s.value("noise", 0.0);
    t.iterations =
        s.value("samples", static_cast<int>(doubles(s.value("samples_s", nlohmann::json())).size()));
    return t;
  }
  // A `trace` trial: per pass the slowest rank's seconds of every timed iteration.
  std::vector<double> per_iteration;
  for (const char* pass : {"forward", "backward"}) {
    if (!s.contains(pass) || !s[pass].is_object()) continue;
    const auto v = doubles(s[pass].value("samples_s", nlohmann::json()));
    if (per_iteration.size() < v.size()) per_iteration.resize(v.size(), 0.0);
    for (std::size_t i = 0; i < v.size(); ++i) per_iteration[i] += v[i];
  }
  return of_samples(std::move(per_iteration));
}

TrialTime trial_time(const Database& db, std::int64_t trial_id, const std::string& stats_json) {
  if (TrialTime t = trial_time_from_stats(stats_json); t.known) return t;
  auto s = db.prepare("SELECT idx, max(seconds) FROM samples WHERE trial_id = ? GROUP BY idx ORDER BY idx");
  s.bind(1, trial_id);
  std::vector<double> v;
  while (s.step()) v.push_back(s.real(1));
  return of_samples(std::move(v));
}

}  // namespace burst::db
