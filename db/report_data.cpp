// load_report: the session (or tuning job) a report is about, its trials grouped by workload,
// winner vs default, per-parameter effects and counts. Definitions: docs/report.md.
#include "db/report_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "burst/error.hpp"
#include "db/trial_time.hpp"
#include "db/tune_records.hpp"

namespace burst::db {

const ReportTrial* WorkloadReport::trial(std::optional<std::int64_t> id) const {
  if (!id) return nullptr;
  for (const auto& t : trials)
    if (t.id == *id) return &t;
  return nullptr;
}

std::string level_name(int level) {
  switch (level) {
    case 0:
      return "brief";
    case 1:
      return "full";
    case 2:
      return "confirmation";
    default:
      return fmt::format("level {}", level);
  }
}

namespace {

using nlohmann::json;

json parse_or_empty(const std::string& text) {
  auto j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json::object() : j;
}

struct RawTrial {
  std::int64_t id = 0, session_id = 0;
  json config, stats;
  std::string status, reason;
  bool traced = false;
  bool is_tune() const { return config.is_object() && config.value("kind", "") == "tune"; }
};

std::vector<RawTrial> all_trials(const Database& db) {
  std::vector<RawTrial> out;
  auto s = db.prepare(
      "SELECT t.id, t.session_id, t.config, t.status, coalesce(t.failure_reason, ''), coalesce(t.stats, "
      "'{}'), "
      "EXISTS (SELECT 1 FROM trial_trace WHERE trial_id = t.id) FROM trials t ORDER BY t.id");
  while (s.step()) {
    out.push_back({s.int64(0), s.int64(1), parse_or_empty(s.text(2)), parse_or_empty(s.text(5)), s.text(3),
                   s.text(4), s.int64(6) != 0});
  }
  return out;
}

std::string param_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

// The shape/pass/world a trial ran: tune trials carry "workload", trace trials "shape" + "pass".
json workload_of(const json& config) {
  if (config.contains("workload")) return config["workload"];
  json w = config.value("shape", json::object());
  for (const char* k : {"pass", "world", "backend"})
    if (config.contains(k)) w[k] = config[k];
  return w;
}

double call_flops(const json& w) {
  const double b = w.value("batch", 1.0), n = w.value("seq", 0.0), h = w.value("heads", 0.0),
               d = w.value("head_dim", 0.0);
  double fwd = 4.0 * b * n * n * h * d;
  if (w.value("causal", false)) fwd /= 2;
  const std::string pass = w.value("pass", "fwd");
  double total = 0;
  if (pass.find("fwd") != std::string::npos) total += fwd;
  if (pass.find("bwd") != std::string::npos) total += 2.5 * fwd;
  return total;
}

std::string label_of(const json& w) {
  std::string s;
  if (const auto name = w.value("name", std::string()); !name.empty()) s = name + " ";
  s += fmt::format("N={} H={}", w.value("seq", 0), w.value("heads", 0));
  if (w.contains("kv_heads") && w.value("kv_heads", 0) != w.value("heads", 0))
    s += fmt::format("/{}", w.value("kv_heads", 0));
  s += fmt::format(" d={} {}", w.value("head_dim", 0), w.value("dtype", "fp32"));
  if (w.value("causal", false)) s += " causal";
  s += fmt::format(" {} world {}", w.value("pass", "fwd"), w.value("world", 1));
  return s;
}

std::string hardware_of(const json& fp) {
  if (!fp.is_object() || fp.empty()) return "unknown hardware";
  std::string s;
  const int gpus = fp.value("gpu_count", 0);
  if (gpus > 0) {
    s = fmt::format("{}x {}", gpus, fp.value("gpu_model", std::string("GPU")));
  } else {
    s = fmt::format("{} ({} cores)", fp.value("cpu_model", std::string("unknown CPU")),
                    fp.value("cpu_cores", 0));
  }
  if (fp.value("nodes", 1) > 1) s += fmt::format(" on {} nodes", fp.value("nodes", 1));
  return s;
}

std::string utc_text(std::int64_t ns) {
  if (ns <= 0) return "";
  const std::time_t t = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

bool table_exists(const Database& db, const char* name) {
  auto s = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  s.bind(1, std::string_view(name));
  return s.step();
}

ReportTrial to_report_trial(const Database& db, const RawTrial& r, int index, double flops) {
  ReportTrial t;
  t.id = r.id;
  t.order =
      r.config.contains("order") ? r.config.value("order", 0) : (r.config.contains("kind") ? -1 : index);
  t.level = r.config.value("level", 0);
  t.status = r.status;
  t.reason = r.reason;
  t.key = r.config.value("key", "");
  t.is_default = r.config.value("is_default", false);
  t.traced = r.traced;
  if (r.config.contains("candidate") && r.config["candidate"].is_object()) {
    for (const auto& [k, v] : r.config["candidate"].items()) t.params.emplace_back(k, param_text(v));
  }
  const bool has_time = r.status == "ok" || r.status == "stopped_early";
  if (has_time) {  // the one trial time of trace, show and report (db/trial_time.hpp)
    const TrialTime time = trial_time(db, r.id, r.stats.dump());
    t.median_s = time.median_s;
    t.noise = time.noise;
    t.tflops = r.stats.value("tflops", 0.0);
  }
  if (t.tflops == 0 && t.median_s > 0) t.tflops = flops / t.median_s / 1e12;
  t.measured = has_time && t.median_s > 0;
  return t;
}

void choose_best_and_default(WorkloadReport& w) {
  int top = -1;
  for (const auto& t : w.trials)
    if (t.status == "ok" && t.measured) top = std::max(top, t.level);
  const ReportTrial *best = nullptr, *def = nullptr;
  for (const auto& t : w.trials) {
    if (t.status != "ok" || !t.measured) continue;
    if (t.level == top && (!best || t.median_s < best->median_s)) best = &t;
    if (t.is_default && (!def || t.level > def->level || (t.level == def->level && t.id > def->id))) def = &t;
  }
  if (!w.best_trial_id && best) w.best_trial_id = best->id;
  if (!w.default_trial_id && def) w.default_trial_id = def->id;
}

// Numbers in numeric order (tiles, chunks); names stay in the order they were first tried.
void sort_numeric_values(std::vector<ParameterValue>& vs) {
  const bool numeric = std::all_of(vs.begin(), vs.end(), [](const ParameterValue& v) {
    return !v.value.empty() && v.value.find_first_not_of("0123456789") == std::string::npos;
  });
  if (numeric) {
    std::sort(vs.begin(), vs.end(),
              [](auto& a, auto& b) { return std::stoll(a.value) < std::stoll(b.value); });
  }
}

void mark_winner_values(const std::string& name, const ReportTrial& winner, std::vector<ParameterValue>& vs) {
  for (auto& v : vs)
    for (const auto& [n, val] : winner.params) v.in_winner = v.in_winner || (n == name && val == v.value);
}

// The level a parameter's values are compared at (see ParameterEffect).
int comparison_level(const std::map<int, std::map<std::string, int>>& ok_values_by_level) {
  int any = -1;
  for (auto it = ok_values_by_level.rbegin(); it != ok_values_by_level.rend(); ++it) {
    if (it->second.size() >= 2) return it->first;
    if (any < 0 && !it->second.empty()) any = it->first;
  }
  return any;
}

// Every parameter seen in the trials: its values in first-seen order and, per level, how many ok
// measured trials each value had.
struct ParameterSightings {
  std::vector<std::string> names;                                              // sorted
  std::map<std::string, std::vector<std::string>> values;                      // name -> values, first seen
  std::map<std::string, std::map<int, std::map<std::string, int>>> ok_counts;  // name -> level -> value
};

bool ok_and_measured(const ReportTrial& t) {
  return t.status == "ok" && t.measured;
}

ParameterSightings sight_parameters(const std::vector<const ReportTrial*>& ordered) {
  ParameterSightings p;
  for (const auto* t : ordered) {
    for (const auto& [name, value] : t->params) {
      if (!p.values.count(name)) p.names.push_back(name);
      auto& vs = p.values[name];
      if (std::find(vs.begin(), vs.end(), value) == vs.end()) vs.push_back(value);
      if (ok_and_measured(*t)) ++p.ok_counts[name][t->level][value];
    }
  }
  std::sort(p.names.begin(), p.names.end());
  return p;
}

// One value's bar: its trials and best time at `level`; trials elsewhere only mark it.
ParameterValue value_at_level(const std::string& name, const std::string& value, int level,
                              const std::vector<const ReportTrial*>& ordered) {
  ParameterValue pv{value, 0, std::nullopt, false, false};
  for (const auto* t : ordered) {
    if (!ok_and_measured(*t)) continue;
    const bool has = std::any_of(t->params.begin(), t->params.end(),
                                 [&](const auto& nv) { return nv.first == name && nv.second == value; });
    if (!has) continue;
    if (t->level != level) {
      pv.measured_elsewhere = true;
      continue;
    }
    ++pv.trials;
    if (!pv.best_s || t->median_s < *pv.best_s) pv.best_s = t->median_s;
  }
  return pv;
}

void parameter_effects(WorkloadReport& w) {
  std::vector<const ReportTrial*> ordered;
  for (const auto& t : w.trials) ordered.push_back(&t);
  std::stable_sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->order < b->order; });
  const ReportTrial* winner = w.best();
  auto sightings = sight_parameters(ordered);
  for (const auto& name : sightings.names) {
    const int level = comparison_level(sightings.ok_counts[name]);
    std::vector<ParameterValue> vs;
    for (const auto& value : sightings.values[name])
      vs.push_back(value_at_level(name, value, level, ordered));
    sort_numeric_values(vs);
    if (winner) mark_winner_values(name, *winner, vs);
    if (vs.size() > 1) {
      w.parameters.push_back({name, level, std::move(vs)});
    } else {
      w.fixed.emplace_back(name, vs.front().value);
    }
  }
}

// Best-so-far per level: restarts wherever the evaluation order moves to another level.
void best_so_far(WorkloadReport& w) {
  std::optional<double> best;
  int level = std::numeric_limits<int>::min();
  for (auto& t : w.trials) {  // in evaluation order
    if (!t.measured) continue;
    if (t.level != level) best.reset();
    level = t.level;
    if (t.status == "ok" && (!best || t.median_s < *best)) best = t.median_s;
    t.best_so_far_s = best;
  }
}

std::int64_t pick_session(const Database& db, const std::vector<RawTrial>& trials,
                          std::optional<std::int64_t> asked) {
  if (asked) {
    auto s = db.prepare("SELECT 1 FROM sessions WHERE id = ?");
    s.bind(1, *asked);
    BURST_REQUIRE(s.step(), fmt::format("session {} is not in {} (see burst-tune show --db {})", *asked,
                                        db.path(), db.path()));
    return *asked;
  }
  BURST_REQUIRE(!trials.empty(), fmt::format("{} holds no trials: nothing to report", db.path()));
  for (auto it = trials.rbegin(); it != trials.rend(); ++it)
    if (it->is_tune()) return it->session_id;
  return trials.back().session_id;
}

// The session's row: command, fingerprint (hardware, backend), start time, host.
void read_session(const Database& db, Report& rep) {
  auto s = db.prepare(
      "SELECT command, coalesce(fingerprint, '{}'), coalesce(start_utc_ns, 0), coalesce(hostname, '') "
      "FROM sessions WHERE id = ?");
  s.bind(1, rep.session_id);
  BURST_REQUIRE(s.step(), fmt::format("session {} is not in {}", rep.session_id, db.path()));
  rep.command = s.text(0);
  rep.fingerprint_json = s.text(1);
  rep.start_utc = utc_text(s.int64(2));
  rep.hostname = s.text(3);
  const json fp = parse_or_empty(rep.fingerprint_json);
  rep.hardware = hardware_of(fp);
  rep.backend = fp.value("backend", std::string("cpu"));
}

std::optional<std::int64_t> job_of(const RawTrial& t) {
  if (!t.is_tune() || !t.config.contains("job_id") || !t.config["job_id"].is_number_integer())
    return std::nullopt;
  return t.config["job_id"].get<std::int64_t>();
}

// The trials reported: the jobs the session worked on (all their sessions), else the session's
// trials. Sets rep.tuning, rep.job_ids and rep.strategy.
std::vector<const RawTrial*> reported_trials(const Database& db, const std::vector<RawTrial>& trials,
                                             Report& rep) {
  std::set<std::int64_t> jobs;
  for (const auto& t : trials) {
    if (t.session_id != rep.session_id || !t.is_tune()) continue;
    rep.tuning = true;
    if (const auto job = job_of(t)) jobs.insert(*job);
    if (rep.strategy.empty()) rep.strategy = t.config.value("strategy", "");
  }
  rep.job_ids.assign(jobs.begin(), jobs.end());
  std::vector<const RawTrial*> chosen;
  for (const auto& t : trials) {
    const auto job = job_of(t);
    const bool in_job = job && jobs.count(*job);
    const bool in_session = t.session_id == rep.session_id && (!rep.tuning || t.is_tune());
    if (in_job || in_session) chosen.push_back(&t);
  }
  BURST_REQUIRE(!chosen.empty(), fmt::format("session {} of {} has no trials", rep.session_id, db.path()));
  return chosen;
}

// One WorkloadReport per workload, in first appearance order; returns canonical workload JSON ->
// index into rep.workloads.
std::map<std::string, std::size_t> group_by_workload(const Database& db,
                                                     const std::vector<const RawTrial*>& chosen,
                                                     Report& rep) {
  std::map<std::string, std::size_t> index;
  std::map<std::size_t, int> seen;
  for (const auto* t : chosen) {
    const json w = workload_of(t->config);
    const std::string key = w.dump();
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, rep.workloads.size()).first;
      WorkloadReport wr;
      wr.label = label_of(w);
      wr.workload_json = key;
      wr.flops = call_flops(w);
      rep.workloads.push_back(std::move(wr));
    }
    auto& wr = rep.workloads[it->second];
    wr.trials.push_back(to_report_trial(db, *t, seen[it->second]++, wr.flops));
  }
  return index;
}

// What the tuner concluded (tune_results of the jobs): default, winner, tie and verdict.
void apply_tune_results(const Database& db, const std::map<std::string, std::size_t>& index, Report& rep) {
  for (auto job : rep.job_ids) {
    for (const TuneResultRow& r : tune_results(db, job)) {
      auto it = index.find(parse_or_empty(r.workload).dump());
      if (it == index.end()) continue;
      auto& wr = rep.workloads[it->second];
      if (r.default_trial_id) wr.default_trial_id = r.default_trial_id;
      if (r.winner_trial_id) wr.best_trial_id = r.winner_trial_id;
      const json summary = parse_or_empty(r.summary);
      wr.tie_with_default = summary.value("tie_with_default", false);
      wr.verdict = summary.value("verdict", "");
    }
  }
}

void count_statuses(WorkloadReport& wr) {
  for (const auto& t : wr.trials) {
    if (t.status == "ok")
      ++wr.ok;
    else if (t.status == "failed")
      ++wr.failed;
    else if (t.status == "pruned")
      ++wr.pruned;
    else if (t.status == "stopped_early")
      ++wr.stopped_early;
    else
      ++wr.other;
  }
}

void count_pruned_reasons(WorkloadReport& wr) {
  std::map<std::string, std::size_t> reasons;
  for (const auto& t : wr.trials) {
    if (t.status != "pruned") continue;
    auto [it, added] = reasons.emplace(t.reason, wr.pruned_reasons.size());
    if (added) wr.pruned_reasons.push_back({t.reason, 0, t.id});
    ++wr.pruned_reasons[it->second].candidates;
  }
  std::stable_sort(wr.pruned_reasons.begin(), wr.pruned_reasons.end(),
                   [](auto& a, auto& b) { return a.candidates > b.candidates; });
}

// Order, counts, best and default, speedup, parameter effects and the best trial's timeline.
void finish_workload(const Database& db, bool tuning, WorkloadReport& wr) {
  std::stable_sort(wr.trials.begin(), wr.trials.end(),
                   [](auto& a, auto& b) { return a.order < b.order; });  // pruned (-1) first
  count_statuses(wr);
  count_pruned_reasons(wr);
  if (!tuning) {  // a trace session: the trial is its own baseline
    for (const auto& t : wr.trials)
      if (t.measured) wr.best_trial_id = wr.default_trial_id = t.id;
  }
  choose_best_and_default(wr);
  const auto *b = wr.best(), *d = wr.default_trial();
  if (b && d && b->median_s > 0) wr.speedup = d->median_s / b->median_s;
  if (b && d && b->id == d->id) wr.tie_with_default = true;
  parameter_effects(wr);
  best_so_far(wr);
  if (b && b->traced) wr.timeline = load_timeline(db, b->id);
}

}  // namespace

Report load_report(const Database& db, std::optional<std::int64_t> session) {
  const auto trials = all_trials(db);
  Report rep;
  rep.db_path = db.path();
  rep.session_id = pick_session(db, trials, session);
  read_session(db, rep);
  const std::vector<const RawTrial*> chosen = reported_trials(db, trials, rep);
  const auto index = group_by_workload(db, chosen, rep);
  if (rep.tuning && table_exists(db, "tune_results")) apply_tune_results(db, index, rep);
  for (auto& wr : rep.workloads) finish_workload(db, rep.tuning, wr);
  return rep;
}

}  // namespace burst::db
