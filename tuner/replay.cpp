// Replay of a recorded tuning job: loading (docs/tuning-records.md), the recorded search space, and
// the evaluator that re-applies the measurement protocol to recorded samples.
#include "tuner/replay.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "burst/error.hpp"
#include "db/database.hpp"
#include "tuner/trial.hpp"

namespace burst::tuner {

namespace {

template <class T>
T field(const nlohmann::json& j, const char* name, T fallback) {
  if (!j.is_object() || !j.contains(name) || j.at(name).is_null()) return fallback;
  return j.at(name).get<T>();
}

bool has_table(db::Database& db, std::string_view name) {
  auto st = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
  st.bind(1, name);
  return st.step() && st.int64(0) > 0;
}

struct JobRow {
  std::int64_t id = 0, first_session = 0, last_session = 0;
  std::string status, options;
};

std::optional<JobRow> job_row(db::Database& db, std::optional<std::int64_t> id) {
  auto st = id ? db.prepare(
                     "SELECT id, first_session_id, last_session_id, status, options FROM tune_jobs "
                     "WHERE id = ?")
               : db.prepare(
                     "SELECT id, first_session_id, last_session_id, status, options FROM tune_jobs "
                     "ORDER BY id DESC LIMIT 1");
  if (id) st.bind(1, *id);
  if (!st.step()) return std::nullopt;
  return JobRow{st.int64(0), st.int64(1), st.int64(2), st.text(3), st.text(4)};
}

// The job that the tune trials of a session belong to.
std::optional<std::int64_t> job_of_session(db::Database& db, std::int64_t session_id) {
  auto st = db.prepare("SELECT config FROM trials WHERE session_id = ? ORDER BY id");
  st.bind(1, session_id);
  while (st.step()) {
    const auto config = nlohmann::json::parse(st.text(0), nullptr, false);
    if (config.is_object() && field<std::string>(config, "kind", "") == "tune" && config.contains("job_id"))
      return config.at("job_id").get<std::int64_t>();
  }
  auto range = db.prepare(
      "SELECT id FROM tune_jobs WHERE first_session_id <= ? AND last_session_id >= ? "
      "ORDER BY id DESC LIMIT 1");
  range.bind(1, session_id).bind(2, session_id);
  if (range.step()) return range.int64(0);
  return std::nullopt;
}

// Whether a usable trial `b` replaces `a` for the same key: higher level, then ok over
// stopped_early, then the later trial.
bool better_record(const RecordedCandidate& a, const RecordedCandidate& b) {
  if (a.status == "failed") return true;
  if (b.level != a.level) return b.level > a.level;
  if ((b.status == "ok") != (a.status == "ok")) return b.status == "ok";
  return b.trial_id > a.trial_id;
}

const RecordedWorkload& recorded_at(const ReplayData& data, std::size_t workload) {
  BURST_REQUIRE(workload < data.workloads.size(), data.path + ": no workload " + std::to_string(workload) +
                                                      " in tune job " + std::to_string(data.job_id));
  return data.workloads[workload];
}

std::string where(const std::string& path, std::int64_t trial_id) {
  return path + ": trial " + std::to_string(trial_id) + ": ";
}

}  // namespace

ReplayProtocol ReplayProtocol::from_json(const nlohmann::json& o) {
  ReplayProtocol p;
  try {
    p.strategy = field<std::string>(o, "strategy", p.strategy);
    p.seed = field<std::uint64_t>(o, "seed", p.seed);
    p.max_trials = field<int>(o, "max_trials", p.max_trials);
    p.time_limit_s = field<double>(o, "time_limit_s", p.time_limit_s);
    p.warmup = field<int>(o, "warmup", p.warmup);
    p.min_samples = field<int>(o, "min_samples", p.min_samples);
    p.max_samples = field<int>(o, "max_samples", p.max_samples);
    p.max_noise = field<double>(o, "max_noise", p.max_noise);
    p.max_time_s = field<double>(o, "max_time_s", p.max_time_s);
    p.early_stop = field<double>(o, "early_stop", p.early_stop);
  } catch (const nlohmann::json::exception& e) {
    BURST_THROW(InvalidArgument, std::string("tune job options: ") + e.what());
  }
  return p;
}

std::vector<MeasureLevel> ReplayProtocol::levels() const {
  return measure_levels(warmup, min_samples, max_samples, max_noise, max_time_s);
}

ReplayData load_replay(const std::string& db_path, const ReplaySelector& selector) {
  db::Database db(db_path, /*create_if_missing=*/false);
  BURST_REQUIRE(has_table(db, "tune_jobs"),
                db_path + ": no tune_jobs table: not recorded by burst-tune tune");
  std::optional<std::int64_t> job_id = selector.job_id;
  if (!job_id && selector.session_id) {
    job_id = job_of_session(db, *selector.session_id);
    BURST_REQUIRE(job_id.has_value(),
                  db_path + ": session " + std::to_string(*selector.session_id) + " has no tune job");
  }
  const auto job = job_row(db, job_id);
  BURST_REQUIRE(job.has_value(), job_id ? db_path + ": no tune job " + std::to_string(*job_id)
                                        : db_path + ": no tune job recorded");

  ReplayData data;
  data.path = db_path;
  data.job_id = job->id;
  data.job_status = job->status;
  data.options = nlohmann::json::parse(job->options, nullptr, false);
  BURST_REQUIRE(data.options.is_object(),
                db_path + ": tune job " + std::to_string(job->id) + ": options are not a JSON object");
  data.protocol = ReplayProtocol::from_json(data.options);

  // Every tune trial of the job, grouped by workload (first appearance order), then by key; levels
  // above the full one (the confirmation round) are not what a strategy measured.
  const int full_level = static_cast<int>(data.protocol.levels().size()) - 1;
  std::map<std::string, std::size_t> workload_index;  // canonical workload JSON -> index
  std::vector<std::unordered_map<std::string, std::size_t>> key_index, pruned_keys;
  auto st = db.prepare(
      "SELECT id, config, status, failure_reason, stats FROM trials "
      "WHERE session_id BETWEEN ? AND ? ORDER BY id");
  st.bind(1, job->first_session).bind(2, job->last_session);
  while (st.step()) {
    const std::int64_t trial_id = st.int64(0);
    const auto config = nlohmann::json::parse(st.text(1), nullptr, false);
    if (!config.is_object() || field<std::string>(config, "kind", "") != "tune") continue;
    if (field<std::int64_t>(config, "job_id", -1) != job->id) continue;
    const std::string status = st.text(2);
    BURST_REQUIRE(config.contains("workload") && config.contains("candidate"),
                  where(db_path, trial_id) + "config lacks workload or candidate");

    const std::string wkey = config.at("workload").dump();
    auto [wit, fresh] = workload_index.emplace(wkey, data.workloads.size());
    if (fresh) {
      data.workloads.push_back({config.at("workload"), {}, {}});
      key_index.emplace_back();
      pruned_keys.emplace_back();
    }
    RecordedWorkload& w = data.workloads[wit->second];

    RecordedCandidate rc;
    try {
      rc.candidate = Candidate::from_json(config.at("candidate"));
    } catch (const InvalidArgument& e) {
      BURST_THROW(InvalidArgument, where(db_path, trial_id) + e.what());
    }
    rc.key = field<std::string>(config, "key", rc.candidate.key());
    rc.is_default = field<bool>(config, "is_default", rc.candidate.is_default());
    rc.level = field<int>(config, "level", 0);
    rc.trial_id = trial_id;
    if (rc.level > full_level) continue;

    if (status == "pruned") {
      if (pruned_keys[wit->second].emplace(rc.key, w.pruned.size()).second) {
        PrunedCandidate p;
        p.candidate = rc.candidate;
        p.reason = st.is_null(3) ? std::string() : st.text(3);
        w.pruned.push_back(std::move(p));
      }
      continue;
    }
    if (status == "ok" || status == "stopped_early") {
      rc.status = status;
      const auto stats = nlohmann::json::parse(st.is_null(4) ? "{}" : st.text(4), nullptr, false);
      try {
        if (stats.is_object() && stats.contains("samples_s"))
          rc.samples_s = stats.at("samples_s").get<std::vector<double>>();
        else if (stats.is_object() && stats.contains("median_s"))
          rc.samples_s = {stats.at("median_s").get<double>()};  // older record: the median alone
      } catch (const nlohmann::json::exception& e) {
        BURST_THROW(InvalidArgument, where(db_path, trial_id) + "stats: " + e.what());
      }
      BURST_REQUIRE(!rc.samples_s.empty(), where(db_path, trial_id) + status + " trial without samples_s");
    } else if (status == "failed") {
      rc.status = "failed";
      rc.failure = st.is_null(3) ? std::string("failed") : st.text(3);
    } else {
      continue;  // running / interrupted: nothing measured to replay
    }

    std::optional<RecordedCandidate::AtLevel> at;
    if (rc.status != "failed") at = RecordedCandidate::AtLevel{rc.status, rc.samples_s, trial_id};
    const int level = rc.level;
    auto [kit, new_key] = key_index[wit->second].emplace(rc.key, w.candidates.size());
    if (new_key) {
      w.candidates.push_back(std::move(rc));
    } else if (rc.status != "failed" && better_record(w.candidates[kit->second], rc)) {
      RecordedCandidate& current = w.candidates[kit->second];
      auto levels = std::move(current.at_level);
      current = std::move(rc);
      current.at_level = std::move(levels);
    }
    if (at) {
      auto& slot = w.candidates[kit->second].at_level;
      const auto old = slot.find(level);
      // ok before stopped_early, then the later trial.
      if (old == slot.end() || old->second.status != "ok" || at->status == "ok") slot[level] = std::move(*at);
    }
  }

  // The default first (stable otherwise).
  for (RecordedWorkload& w : data.workloads) {
    std::stable_partition(w.candidates.begin(), w.candidates.end(),
                          [](const RecordedCandidate& c) { return c.is_default; });
  }
  return data;
}

Workload recorded_workload(const ReplayData& data, std::size_t workload) {
  return Workload::from_json(recorded_at(data, workload).workload_json);
}

namespace {

// The job's --space / --allow-lossy (tune_jobs.options.space).
SpaceOptions space_options_of(const nlohmann::json& options) {
  SpaceOptions so;
  if (!options.contains("space") || !options.at("space").is_object()) return so;
  const auto& sp = options.at("space");
  so.allow_lossy = field<bool>(sp, "allow_lossy", false);
  if (sp.contains("restrict") && sp.at("restrict").is_object())
    for (const auto& [name, values] : sp.at("restrict").items())
      so.restrict.emplace_back(name, values.get<std::vector<std::string>>());
  return so;
}

// The space as the live run built it, when this build rebuilds it with every recorded candidate
// in it (same code, same constraints): then candidate indices, and so every seeded choice of a
// strategy, are those of the live run.
std::optional<SearchSpace> rebuilt_space(const ReplayData& data, const Workload& workload,
                                         const RecordedWorkload& w) {
  SearchSpace built;
  try {
    built = build_space(workload, space_options_of(data.options));
  } catch (const std::exception&) {
    return std::nullopt;  // options or constraints this build does not know
  }
  std::unordered_map<std::string, std::size_t> keys;
  for (std::size_t i = 0; i < built.candidates.size(); ++i) keys.emplace(built.candidates[i].key(), i);
  for (const RecordedCandidate& c : w.candidates)
    if (!keys.count(c.key)) return std::nullopt;
  return built;
}

}  // namespace

SearchSpace recorded_space(const ReplayData& data, std::size_t workload) {
  const Workload wl = recorded_workload(data, workload);
  const RecordedWorkload& w = data.workloads[workload];
  if (auto built = rebuilt_space(data, wl, w)) {
    if (!w.pruned.empty()) built->pruned = w.pruned;
    return *built;
  }
  SearchSpace space;
  space.workload = wl;
  if (w.candidates.empty() || !w.candidates.front().is_default)
    space.candidates.push_back(default_candidate());
  for (const RecordedCandidate& c : w.candidates) space.candidates.push_back(c.candidate);
  space.pruned = w.pruned;

  // Dimensions: every parameter the candidates carry, its values in order of first appearance.
  for (const Candidate& c : space.candidates) {
    const nlohmann::json params = c.to_json();
    for (auto it_param = params.begin(); it_param != params.end(); ++it_param) {
      const std::string& name = it_param.key();
      auto it = std::find_if(space.dims.begin(), space.dims.end(),
                             [&](const Dimension& d) { return d.name == name; });
      if (it == space.dims.end()) {
        space.dims.push_back({name, {}});
        it = space.dims.end() - 1;
      }
      const std::string v = c.value(name);
      if (std::find(it->values.begin(), it->values.end(), v) == it->values.end()) it->values.push_back(v);
    }
  }
  space.raw_size = space.dims.empty() ? 0 : 1;
  for (const Dimension& d : space.dims) space.raw_size *= d.values.size();
  return space;
}

ReplayedMeasurement replay_samples(const std::vector<double>& samples, const std::string& recorded_status,
                                   const MeasureLevel& level, double abandon_above_s) {
  ReplayedMeasurement r;
  std::vector<double> prefix;
  for (double s : samples) {
    prefix.push_back(s);
    r.elapsed_s += s;
    r.stop = should_stop(level, prefix, r.elapsed_s, abandon_above_s, false);
    if (r.stop != StopReason::none) break;
  }
  Measurement& m = r.m;
  m.samples = static_cast<int>(prefix.size());
  if (prefix.empty()) {
    m.status = "failed";
    m.failure = "no samples recorded";
    return r;
  }
  m.median_s = summarise(prefix).median;
  m.noise = relative_noise(prefix);
  if (r.stop == StopReason::early_stop) {
    m.status = "stopped_early";
    m.failure = "far slower than the best so far";
  } else if (r.stop == StopReason::none && recorded_status == "stopped_early") {
    m.status = "stopped_early";  // the recording ended where the live run abandoned it
    m.failure = "stopped early in the recording";
  } else {
    m.ok = true;
    m.status = "ok";
  }
  return r;
}

ReplayEvaluator::ReplayEvaluator(const ReplayData& data, std::size_t workload, Budget budget,
                                 double* job_replayed_s)
    : recorded_(recorded_at(data, workload)),
      levels_(data.protocol.levels()),
      early_stop_(data.protocol.early_stop),
      budget_(budget),
      job_replayed_s_(job_replayed_s) {
  BURST_CHECK(!levels_.empty(), "measure_levels returned no level");
  for (std::size_t i = 0; i < recorded_.candidates.size(); ++i) {
    index_.emplace(recorded_.candidates[i].key, i);
    index_.emplace(recorded_.candidates[i].candidate.key(), i);
  }
}

bool ReplayEvaluator::exhausted() const {
  return (budget_.max_trials > 0 && evaluations_ >= budget_.max_trials) ||
         (budget_.time_limit_s > 0 &&
          (job_replayed_s_ != nullptr ? *job_replayed_s_ : replayed_s_) >= budget_.time_limit_s);
}

Measurement ReplayEvaluator::evaluate(const EvalRequest& request) {
  BURST_CHECK(request.candidate != nullptr, "EvalRequest without a candidate");
  BURST_CHECK(request.level >= 0 && request.level <= full_level(),
              "level " + std::to_string(request.level) + " outside 0.." + std::to_string(full_level()));
  ++evaluations_;
  const auto it = index_.find(request.candidate->key());
  if (it == index_.end()) {
    Measurement m;
    m.status = "failed";
    m.failure = "not in the recording";
    return m;
  }
  const RecordedCandidate& rc = recorded_.candidates[it->second];
  if (rc.status == "failed") {
    Measurement m;
    m.status = "failed";
    m.failure = rc.failure;
    return m;
  }
  const auto exact = rc.at_level.find(request.level);
  const bool has_exact = exact != rc.at_level.end();
  const ReplayedMeasurement r = replay_samples(has_exact ? exact->second.samples_s : rc.samples_s,
                                               has_exact ? exact->second.status : rc.status,
                                               levels_[static_cast<std::size_t>(request.level)],
                                               early_stop_ > 0 ? early_stop_bar(best_s_, early_stop_) : 0.0);
  replayed_s_ += r.elapsed_s;
  if (job_replayed_s_ != nullptr) *job_replayed_s_ += r.elapsed_s;
  // The live evaluator's best-so-far rule (tuner/session.cpp): full-level figures, or a brief one
  // until a full one exists.
  if (r.m.ok && request.level == full_level() && (best_s_ == 0 || r.m.median_s < best_s_))
    best_s_ = r.m.median_s;
  else if (r.m.ok && best_s_ == 0)
    best_s_ = r.m.median_s;
  return r.m;
}

std::vector<ReplayedWorkload> replay_job(
    const ReplayData& data, std::string_view strategy, const StrategyOptions& options,
    ReplayEvaluator::Budget budget, const std::function<double(const Workload&, const Candidate&)>& predict) {
  std::vector<ReplayedWorkload> out;
  double job_s = 0;
  for (std::size_t w = 0; w < data.workloads.size(); ++w) {
    ReplayedWorkload r;
    r.space = recorded_space(data, w);
    ReplayEvaluator evaluator(data, w, budget, &job_s);
    StrategyOptions o = options;
    o.predict = nullptr;
    if (predict) {
      const Workload workload = r.space.workload;
      o.predict = [predict, workload](const Candidate& c) { return predict(workload, c); };
    }
    r.trace = run_strategy(strategy, r.space, evaluator, o);
    // The last full-level measurement of each candidate, in first-measured order.
    std::unordered_map<std::size_t, std::size_t> slot;
    for (const auto& step : r.trace.steps) {
      if (step.level != evaluator.full_level()) continue;
      auto [it, fresh] = slot.emplace(step.candidate, r.measured.size());
      if (fresh) {
        r.measured.push_back(r.space.candidates[step.candidate]);
        r.measurements.push_back(step.m);
      } else {
        r.measurements[it->second] = step.m;
      }
    }
    r.winner = choose_winner(r.measured, r.measurements);
    r.evaluations = evaluator.evaluations();
    r.replayed_s = evaluator.replayed_s();
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace burst::tuner
