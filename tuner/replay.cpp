// Replay of a recorded tuning job: loading (docs/tuning-records.md), the recorded search space, and
// the evaluator that re-applies the measurement protocol to recorded samples.
#include "tuner/replay.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "burst/error.hpp"
#include "db/database.hpp"
#include "db/tune_records.hpp"
#include "tuner/trial.hpp"

namespace burst::tuner {

namespace {

template <class T>
T field(const nlohmann::json& j, const char* name, T fallback) {
  if (!j.is_object() || !j.contains(name) || j.at(name).is_null()) return fallback;
  return j.at(name).get<T>();
}

// The job that the tune trials of a session belong to.
std::optional<std::int64_t> job_of_session(const db::Database& db, std::int64_t session_id) {
  for (const std::string& text : db::trial_configs_of_session(db, session_id)) {
    const auto config = nlohmann::json::parse(text, nullptr, false);
    if (config.is_object() && field<std::string>(config, "kind", "") == "tune" && config.contains("job_id"))
      return config.at("job_id").get<std::int64_t>();
  }
  return db::tune_job_spanning_session(db, session_id);
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

namespace {

// The job a selector names (see ReplaySelector), read from an open recording.
db::TuneJobRow selected_job(const db::Database& db, const std::string& db_path,
                            const ReplaySelector& selector) {
  BURST_REQUIRE(db::has_tune_jobs(db), db_path + ": no tune_jobs table: not recorded by burst-tune tune");
  std::optional<std::int64_t> job_id = selector.job_id;
  if (!job_id && selector.session_id) {
    job_id = job_of_session(db, *selector.session_id);
    BURST_REQUIRE(job_id.has_value(),
                  db_path + ": session " + std::to_string(*selector.session_id) + " has no tune job");
  }
  auto job = db::tune_job(db, job_id);
  BURST_REQUIRE(job.has_value(), job_id ? db_path + ": no tune job " + std::to_string(*job_id)
                                        : db_path + ": no tune job recorded");
  return std::move(*job);
}

// Collects the tune trials of one job, grouped by workload (first appearance order), then by key;
// levels above the full one (the confirmation round) are not what a strategy measured.
class RecordingBuilder {
 public:
  RecordingBuilder(ReplayData& data, const db::TuneJobRow& job)
      : data_(data), job_id_(job.id), full_level_(static_cast<int>(data.protocol.levels().size()) - 1) {}

  void add(const db::TrialRecord& t) {
    const auto config = nlohmann::json::parse(t.config, nullptr, false);
    if (!config.is_object() || field<std::string>(config, "kind", "") != "tune") return;
    if (field<std::int64_t>(config, "job_id", -1) != job_id_) return;
    BURST_REQUIRE(config.contains("workload") && config.contains("candidate"),
                  where(data_.path, t.id) + "config lacks workload or candidate");
    const std::size_t wi = workload_slot(config.at("workload"));
    RecordedCandidate rc = recorded_candidate(config, t.id);
    if (rc.level > full_level_) return;
    if (t.status == "pruned") {
      add_pruned(wi, rc, t);
      return;
    }
    if (!take_outcome(rc, t)) return;  // running / interrupted: nothing measured to replay
    merge(wi, std::move(rc));
  }

  // The default first (stable otherwise).
  void finish() {
    for (RecordedWorkload& w : data_.workloads) {
      std::stable_partition(w.candidates.begin(), w.candidates.end(),
                            [](const RecordedCandidate& c) { return c.is_default; });
    }
  }

 private:
  std::size_t workload_slot(const nlohmann::json& workload) {
    auto [it, fresh] = workload_index_.emplace(workload.dump(), data_.workloads.size());
    if (fresh) {
      data_.workloads.push_back({workload, {}, {}});
      key_index_.emplace_back();
      pruned_keys_.emplace_back();
    }
    return it->second;
  }

  RecordedCandidate recorded_candidate(const nlohmann::json& config, std::int64_t trial_id) const {
    RecordedCandidate rc;
    try {
      rc.candidate = Candidate::from_json(config.at("candidate"));
    } catch (const InvalidArgument& e) {
      BURST_THROW(InvalidArgument, where(data_.path, trial_id) + e.what());
    }
    rc.key = field<std::string>(config, "key", rc.candidate.key());
    rc.is_default = field<bool>(config, "is_default", rc.candidate.is_default());
    rc.level = field<int>(config, "level", 0);
    rc.trial_id = trial_id;
    return rc;
  }

  void add_pruned(std::size_t wi, const RecordedCandidate& rc, const db::TrialRecord& t) {
    RecordedWorkload& w = data_.workloads[wi];
    if (!pruned_keys_[wi].emplace(rc.key, w.pruned.size()).second) return;
    PrunedCandidate p;
    p.candidate = rc.candidate;
    p.reason = t.failure_reason.value_or(std::string());
    w.pruned.push_back(std::move(p));
  }

  // The recorded samples (ok, stopped_early) or failure; false for a status with neither.
  bool take_outcome(RecordedCandidate& rc, const db::TrialRecord& t) const {
    if (t.status == "ok" || t.status == "stopped_early") {
      rc.status = t.status;
      rc.samples_s = recorded_samples(t);
      BURST_REQUIRE(!rc.samples_s.empty(), where(data_.path, t.id) + t.status + " trial without samples_s");
      return true;
    }
    if (t.status == "failed") {
      rc.status = "failed";
      rc.failure = t.failure_reason.value_or(std::string("failed"));
      return true;
    }
    return false;
  }

  std::vector<double> recorded_samples(const db::TrialRecord& t) const {
    const auto stats = nlohmann::json::parse(t.stats.value_or("{}"), nullptr, false);
    try {
      if (stats.is_object() && stats.contains("samples_s"))
        return stats.at("samples_s").get<std::vector<double>>();
      if (stats.is_object() && stats.contains("median_s"))
        return {stats.at("median_s").get<double>()};  // older record: the median alone
    } catch (const nlohmann::json::exception& e) {
      BURST_THROW(InvalidArgument, where(data_.path, t.id) + "stats: " + e.what());
    }
    return {};
  }

  // One candidate per key: the better record (better_record) describes it; every usable trial
  // also fills its level's slot (ok before stopped_early, then the later trial).
  void merge(std::size_t wi, RecordedCandidate rc) {
    RecordedWorkload& w = data_.workloads[wi];
    std::optional<RecordedCandidate::AtLevel> at;
    if (rc.status != "failed") at = RecordedCandidate::AtLevel{rc.status, rc.samples_s, rc.trial_id};
    const int level = rc.level;
    auto [kit, new_key] = key_index_[wi].emplace(rc.key, w.candidates.size());
    if (new_key) {
      w.candidates.push_back(std::move(rc));
    } else if (rc.status != "failed" && better_record(w.candidates[kit->second], rc)) {
      RecordedCandidate& current = w.candidates[kit->second];
      auto levels = std::move(current.at_level);
      current = std::move(rc);
      current.at_level = std::move(levels);
    }
    if (!at) return;
    auto& slot = w.candidates[kit->second].at_level;
    const auto old = slot.find(level);
    if (old == slot.end() || old->second.status != "ok" || at->status == "ok") slot[level] = std::move(*at);
  }

  ReplayData& data_;
  std::int64_t job_id_;
  int full_level_;
  std::map<std::string, std::size_t> workload_index_;  // canonical workload JSON -> index
  std::vector<std::unordered_map<std::string, std::size_t>> key_index_, pruned_keys_;
};

}  // namespace

ReplayData load_replay(const std::string& db_path, const ReplaySelector& selector) {
  db::Database db(db_path, db::OpenMode::read_only);
  const db::TuneJobRow job = selected_job(db, db_path, selector);

  ReplayData data;
  data.path = db_path;
  data.job_id = job.id;
  data.job_status = job.status;
  data.options = nlohmann::json::parse(job.options, nullptr, false);
  BURST_REQUIRE(data.options.is_object(),
                db_path + ": tune job " + std::to_string(job.id) + ": options are not a JSON object");
  data.protocol = ReplayProtocol::from_json(data.options);

  RecordingBuilder builder(data, job);
  for (const db::TrialRecord& t : db::trials_of_sessions(db, job.first_session_id, job.last_session_id))
    builder.add(t);
  builder.finish();
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
  // The live evaluator's best-so-far rule (tuner/session_evaluator.cpp): full-level figures, or a brief one
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
