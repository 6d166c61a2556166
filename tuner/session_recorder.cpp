// The recorder of a tuning job: sessions, trials (config, stats, samples, trace), pruned
// candidates, tune_jobs and tune_results, all through db/ (docs/tuning-records.md).
#include "tuner/session_recorder.hpp"

#include <fmt/format.h>

#include "burst/attention.hpp"
#include "db/tune_records.hpp"

namespace burst::tuner::detail {
namespace {

std::string fnv1a_hex(std::string_view text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

nlohmann::json protocol_json(const TuneOptions& o) {
  return {{"warmup", o.warmup},       {"min_samples", o.min_samples}, {"max_samples", o.max_samples},
          {"max_noise", o.max_noise}, {"max_time_s", o.max_time_s},   {"early_stop", o.early_stop}};
}

nlohmann::json options_json(const TuneOptions& o) {
  nlohmann::json j = protocol_json(o);
  j["strategy"] = o.strategy;
  j["seed"] = o.seed;
  j["max_trials"] = o.max_trials;
  j["time_limit_s"] = o.time_limit_s;
  j["trace"] = o.trace;
  nlohmann::json restrict = nlohmann::json::object();
  for (const auto& [name, values] : o.space.restrict) restrict[name] = values;
  j["space"] = {{"restrict", restrict}, {"allow_lossy", o.space.allow_lossy}};
  nlohmann::json wl = nlohmann::json::array();
  for (const auto& w : o.workloads) wl.push_back(w.to_json());
  j["workloads"] = wl;
  return j;
}

Measurement measurement_from(const std::string& status, const std::string& reason,
                             const nlohmann::json& stats) {
  Measurement m;
  m.status = status;
  m.ok = status == "ok";
  m.failure = reason;
  if (stats.is_object()) {
    m.median_s = stats.value("median_s", 0.0);
    m.noise = stats.value("noise", 0.0);
    m.samples = stats.value("samples", 0);
  }
  return m;
}

std::string cache_key(const std::string& workload, const std::string& candidate, int level,
                      const std::string& protocol) {
  return workload + "|" + candidate + "|" + std::to_string(level) + "|" + protocol;
}

}  // namespace

Recorder::Recorder(const TuneOptions& o) : o_(o), db_(o.db_path, /*create_if_missing=*/true) {
  db::ensure_tune_tables(db_);
  fingerprint_json_ = o.fingerprint.to_json();
  session_ = db_.begin_session(o.command_line, fingerprint_json_);
  protocol_ = protocol_json(o).dump();
  start_job();
  load_cache();
}

void Recorder::start_job() {
  const nlohmann::json opts = options_json(o_);
  const std::string key = fnv1a_hex(fingerprint_json_ + "|" + opts.dump());
  if (const auto found = db::find_tune_job(db_, key)) {
    job_ = *found;
    db::resume_tune_job(db_, job_, session_);
    resumed_job_ = true;
  } else {
    job_ = db::insert_tune_job(db_, key, session_, opts.dump());
  }
}

const CachedTrial* Recorder::cached(const Workload& w, const Candidate& c, int level) const {
  auto it = cache_.find(cache_key(w.to_json().dump(), c.key(), level, protocol_));
  return it == cache_.end() ? nullptr : &it->second;
}

void Recorder::record_pruned(std::size_t workload_index, const SearchSpace& space) {
  if (db::has_pruned_trials(db_, job_, static_cast<std::int64_t>(workload_index)))
    return;  // recorded by an earlier session of this job
  db::Database::Transaction t(db_);
  for (const auto& p : space.pruned) {
    const auto id =
        db_.begin_trial(session_, config(workload_index, space.workload, p.candidate, -1, "", -1).dump());
    db_.finish_trial(id, "pruned", p.reason, "{}");
  }
  t.commit();
}

nlohmann::json Recorder::config(std::size_t workload_index, const Workload& w, const Candidate& c, int level,
                                const std::string& strategy, int order) const {
  nlohmann::json j = {{"kind", "tune"},
                      {"job_id", job_},
                      {"workload_index", workload_index},
                      {"workload", w.to_json()},
                      {"candidate", c.to_json()},
                      {"key", c.key()},
                      {"is_default", c.is_default()},
                      {"level", level},
                      {"protocol", nlohmann::json::parse(protocol_)}};
  if (!strategy.empty()) j["strategy"] = strategy;
  if (order >= 0) j["order"] = order;
  return j;
}

std::int64_t Recorder::begin_trial(std::size_t workload_index, const Workload& w, const Candidate& c,
                                   int level, int order) {
  return db_.begin_trial(session_, config(workload_index, w, c, level, o_.strategy, order).dump());
}

void Recorder::finish_trial(std::int64_t id, const Workload& w, const Candidate& c, const MeasureResult& r) {
  if (r.m.status == "failed") {
    db_.finish_trial(id, "failed", r.m.failure, "{}");
    return;
  }
  const Pass pass = w.pass;
  const double flops = w.flops();
  const TimeStats t = summarise(r.samples);
  nlohmann::json stats = {{"median_s", r.m.median_s},
                          {"noise", r.m.noise},
                          {"samples", r.m.samples},
                          {"samples_s", r.samples},
                          {"min_s", t.min},
                          {"max_s", t.max},
                          {"mean_s", t.mean},
                          {"tflops", r.m.median_s > 0 ? flops / r.m.median_s / 1e12 : 0.0},
                          {"bytes_fwd", r.trial.bytes_fwd},
                          {"bytes_bwd", r.trial.bytes_bwd},
                          {"expected_bytes_fwd", r.trial.expected_bytes_fwd},
                          {"expected_bytes_bwd", r.trial.expected_bytes_bwd},
                          {"warmup", o_.warmup},
                          {"stop_reason", std::string(to_string(r.stop))}};
  if (pass != Pass::bwd) stats["fwd_median_s"] = r.trial.fwd.median;
  if (pass != Pass::fwd) stats["bwd_median_s"] = r.trial.bwd.median;
  // How evenly the layout spreads the mask's work (docs/algorithm.md, "Masks").
  if (w.world > 1 && w.shape.mask_rule().restricts())
    stats["imbalance"] = work_imbalance(w.shape, c.schedule.layout, w.world);
  if (o_.predict) {
    try {
      stats["predicted_s"] = o_.predict(w, c);
    } catch (const std::exception&) {
    }
  }
  for (std::size_t rank = 0; rank < r.trial.rank_samples.size(); ++rank)
    db_.add_samples(id, static_cast<int>(rank), r.trial.rank_samples[rank]);
  if (!r.trial.traces.empty()) db_.write_trace(id, r.trial.traces);
  if (r.stop == StopReason::interrupt)
    db_.finish_trial(id, "interrupted", "interrupted (Ctrl-C)", stats.dump());
  else
    db_.finish_trial(id, r.m.status, r.m.ok ? "" : r.m.failure, stats.dump());
}

void Recorder::write_result(const WorkloadOutcome& o) {
  nlohmann::json summary = {{"median_s", o.winner_m.median_s},
                            {"noise", o.winner_m.noise},
                            {"default_median_s", o.default_m.median_s},
                            {"default_noise", o.default_m.noise},
                            {"speedup", o.speedup},
                            {"tie_with_default", o.tie_with_default},
                            {"verdict", o.verdict},
                            {"evaluations", o.evaluations},
                            {"reused", o.reused},
                            {"candidates", o.candidates},
                            {"pruned", o.pruned},
                            {"raw_size", o.raw_size}};
  if (o.winner) summary["winner"] = o.winner->to_json();
  const double flops = o.workload.flops();
  summary["tflops"] = o.winner_m.median_s > 0 ? flops / o.winner_m.median_s / 1e12 : 0.0;
  db::replace_tune_result(db_, job_,
                          {o.workload.to_json().dump(), o.default_trial, o.winner_trial, summary.dump()});
}

void Recorder::finish_job(const std::string& status, const nlohmann::json& results) {
  db::finish_tune_job(db_, job_, status, results.dump());
}

void Recorder::load_cache() {
  // Finished trials of tuning sessions measured on this fingerprint.
  for (const db::TrialRecord& t : db::finished_tune_trials(db_, fingerprint_json_)) {
    try {
      const auto cfg = nlohmann::json::parse(t.config);
      const auto stats = t.stats ? nlohmann::json::parse(*t.stats) : nlohmann::json::object();
      const std::string key = cache_key(cfg.at("workload").dump(), cfg.at("key").get<std::string>(),
                                        cfg.at("level").get<int>(), cfg.at("protocol").dump());
      cache_[key] = CachedTrial{t.id, measurement_from(t.status, t.failure_reason.value_or(""), stats)};
    } catch (const std::exception&) {
      // A trial written by something else: not reusable, ignored.
    }
  }
}

}  // namespace burst::tuner::detail
