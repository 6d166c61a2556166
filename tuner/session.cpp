#include "tuner/session.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "burst/error.hpp"
#include "burst/log.hpp"
#include "db/database.hpp"

namespace burst::tuner {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string iso_utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string fnv1a_hex(std::string_view text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

// Variable-length broadcast from rank 0.
void broadcast_string(Communicator& c, std::string& s) {
  std::uint64_t size = s.size();
  c.broadcast(&size, sizeof size, 0);
  s.resize(static_cast<std::size_t>(size));
  if (size > 0) c.broadcast(s.data(), s.size(), 0);
}

constexpr const char* tune_tables_sql = R"sql(
CREATE TABLE IF NOT EXISTS tune_jobs (id INTEGER PRIMARY KEY, job_key TEXT NOT NULL,
  first_session_id INTEGER NOT NULL, last_session_id INTEGER NOT NULL, status TEXT NOT NULL,
  options TEXT NOT NULL, results TEXT);
CREATE INDEX IF NOT EXISTS burst_tune_jobs_key ON tune_jobs(job_key);
CREATE TABLE IF NOT EXISTS tune_results (job_id INTEGER NOT NULL REFERENCES tune_jobs(id),
  workload TEXT NOT NULL, default_trial_id INTEGER, winner_trial_id INTEGER, summary TEXT NOT NULL);
)sql";

nlohmann::json protocol_json(const TuneOptions& o) {
  return {{"warmup", o.warmup}, {"min_samples", o.min_samples}, {"max_samples", o.max_samples},
          {"max_noise", o.max_noise}, {"max_time_s", o.max_time_s}, {"early_stop", o.early_stop}};
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

Measurement measurement_from(const std::string& status, const std::string& reason, const nlohmann::json& stats) {
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

struct CachedTrial {
  std::int64_t trial_id = 0;
  Measurement m;
};

// The database side of the job (rank 0 only).
class Recorder {
 public:
  Recorder(const TuneOptions& o) : db_(o.db_path, /*create_if_missing=*/true) {
    db_.exec(tune_tables_sql);
    fingerprint_json_ = o.fingerprint.to_json();
    session_ = db_.begin_session(o.command_line, fingerprint_json_);
    protocol_ = protocol_json(o).dump();
    const nlohmann::json opts = options_json(o);
    const std::string key = fnv1a_hex(fingerprint_json_ + "|" + opts.dump());
    auto find = db_.prepare("SELECT id FROM tune_jobs WHERE job_key = ? ORDER BY id DESC LIMIT 1");
    find.bind(1, key);
    if (find.step()) {
      job_ = find.int64(0);
      auto up = db_.prepare("UPDATE tune_jobs SET last_session_id = ?, status = 'running' WHERE id = ?");
      up.bind(1, session_).bind(2, job_);
      up.run();
      resumed_job_ = true;
    } else {
      auto ins = db_.prepare(
          "INSERT INTO tune_jobs(job_key, first_session_id, last_session_id, status, options) "
          "VALUES (?, ?, ?, 'running', ?)");
      ins.bind(1, key).bind(2, session_).bind(3, session_).bind(4, opts.dump());
      ins.run();
      job_ = sqlite3_last_insert_rowid(db_.handle());
    }
    load_cache();
  }

  std::int64_t session() const { return session_; }
  std::int64_t job() const { return job_; }
  bool resumed_job() const { return resumed_job_; }
  db::Database& db() { return db_; }

  static std::string cache_key(const std::string& workload, const std::string& candidate, int level,
                               const std::string& protocol) {
    return workload + "|" + candidate + "|" + std::to_string(level) + "|" + protocol;
  }
  const CachedTrial* cached(const Workload& w, const Candidate& c, int level) const {
    auto it = cache_.find(cache_key(w.to_json().dump(), c.key(), level, protocol_));
    return it == cache_.end() ? nullptr : &it->second;
  }

  void record_pruned(std::size_t workload_index, const SearchSpace& space) {
    auto count = db_.prepare(
        "SELECT COUNT(*) FROM trials WHERE status = 'pruned' AND json_extract(config, '$.job_id') = ? "
        "AND json_extract(config, '$.workload_index') = ?");
    count.bind(1, job_).bind(2, static_cast<std::int64_t>(workload_index));
    if (count.step() && count.int64(0) > 0) return;  // recorded by an earlier session of this job
    db::Database::Transaction t(db_);
    for (const auto& p : space.pruned) {
      const auto id = db_.begin_trial(session_, config(workload_index, space.workload, p.candidate, -1, "", -1).dump());
      db_.finish_trial(id, "pruned", p.reason, "{}");
    }
    t.commit();
  }

  nlohmann::json config(std::size_t workload_index, const Workload& w, const Candidate& c, int level,
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

  void write_result(const WorkloadOutcome& o) {
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
    auto del = db_.prepare("DELETE FROM tune_results WHERE job_id = ? AND workload = ?");
    del.bind(1, job_).bind(2, o.workload.to_json().dump());
    del.run();
    auto ins = db_.prepare(
        "INSERT INTO tune_results(job_id, workload, default_trial_id, winner_trial_id, summary) VALUES (?, ?, ?, ?, ?)");
    ins.bind(1, job_).bind(2, o.workload.to_json().dump()).bind(3, o.default_trial).bind(4, o.winner_trial)
        .bind(5, summary.dump());
    ins.run();
  }

  void finish_job(const std::string& status, const nlohmann::json& results) {
    auto up = db_.prepare("UPDATE tune_jobs SET status = ?, results = ? WHERE id = ?");
    up.bind(1, status).bind(2, results.dump()).bind(3, job_);
    up.run();
  }

 private:
  void load_cache() {
    // Finished trials of tuning sessions measured on this fingerprint.
    auto q = db_.prepare(
        "SELECT t.id, t.config, t.status, t.failure_reason, t.stats FROM trials t JOIN sessions s ON s.id = t.session_id "
        "WHERE s.fingerprint = ? AND t.status IN ('ok', 'stopped_early', 'failed') "
        "AND json_extract(t.config, '$.kind') = 'tune' ORDER BY t.id");
    q.bind(1, fingerprint_json_);
    while (q.step()) {
      try {
        const auto cfg = nlohmann::json::parse(q.text(1));
        const auto stats = q.is_null(4) ? nlohmann::json::object() : nlohmann::json::parse(q.text(4));
        const std::string key = cache_key(cfg.at("workload").dump(), cfg.at("key").get<std::string>(),
                                          cfg.at("level").get<int>(), cfg.at("protocol").dump());
        cache_[key] = CachedTrial{q.int64(0), measurement_from(q.text(2), q.is_null(3) ? "" : q.text(3), stats)};
      } catch (const std::exception&) {
        // A trial written by something else: not reusable, ignored.
      }
    }
  }

  db::Database db_;
  std::string fingerprint_json_, protocol_;
  std::int64_t session_ = 0, job_ = 0;
  bool resumed_job_ = false;
  std::map<std::string, CachedTrial> cache_;
};

// Rank 0's evaluator: cache, budget, broadcast to followers, measure, record.
class LiveEvaluator final : public Evaluator {
 public:
  struct Done {
    std::size_t candidate = 0;
    int level = 0;
    Measurement m;
    std::int64_t trial_id = 0;
  };

  LiveEvaluator(const TuneOptions& o, Recorder* rec, Communicator* mpi, const std::atomic<bool>* interrupted,
                const SearchSpace& space, std::size_t workload_index, const std::vector<MeasureLevel>& levels,
                Clock::time_point job_start, double& measuring_s, int order_base,
                const std::function<void(const TrialEvent&)>& on_trial)
      : o_(o), rec_(rec), mpi_(mpi), interrupted_(interrupted), space_(space), wi_(workload_index), levels_(levels),
        job_start_(job_start), measuring_s_(measuring_s), order_(order_base), on_trial_(on_trial) {}

  int full_level() const override { return static_cast<int>(levels_.size()) - 1; }

  bool exhausted() const override {
    if (interrupted_ != nullptr && interrupted_->load()) return true;
    if (hit_interrupt_) return true;
    if (o_.max_trials > 0 && evaluations_ >= o_.max_trials) return true;
    if (o_.time_limit_s > 0 && measuring_s_ >= o_.time_limit_s) return true;
    return false;
  }

  Measurement evaluate(const EvalRequest& req) override {
    BURST_REQUIRE(req.candidate != nullptr, "evaluate: no candidate");
    // full_level() + 1 is the confirmation round (same protocol as the full level, measured again).
    BURST_REQUIRE(req.level >= 0 && req.level <= full_level() + 1, "evaluate: level out of range");
    const Candidate& c = *req.candidate;
    const std::size_t index = index_of(c);
    ++evaluations_;
    TrialEvent ev;
    ev.workload = wi_;
    ev.workloads = o_.workloads.size();
    ev.candidate = &c;
    ev.level = req.level;
    ev.full_level = full_level();

    if (const CachedTrial* hit = rec_->cached(space_.workload, c, req.level)) {
      ev.m = hit->m;
      ev.reused = true;
      ev.trial_id = hit->trial_id;
      ++reused_;
    } else {
      const double bar = o_.early_stop > 0 ? early_stop_bar(best_s_, o_.early_stop) : 0.0;
      std::string command = nlohmann::json{{"op", "measure"},
                                           {"workload", wi_},
                                           {"candidate", c.to_json()},
                                           {"level", req.level},
                                           {"bar", bar}}
                                .dump();
      if (mpi_ != nullptr) broadcast_string(*mpi_, command);
      const auto id = rec_->db().begin_trial(
          rec_->session(), rec_->config(wi_, space_.workload, c, req.level, o_.strategy, order_).dump());
      const auto t0 = Clock::now();
      MeasureResult r = measure_candidate(space_.workload, c, levels_[static_cast<std::size_t>(std::min(req.level, full_level()))],
                                          req.level > full_level() ? 0.0 : bar,
                                          interrupted_, o_.trace, o_.seed + 1, mpi_);
      measuring_s_ += seconds_since(t0);
      record(id, c, r);
      ev.m = r.m;
      ev.trial_id = id;
      if (r.stop == StopReason::interrupt) {
        hit_interrupt_ = true;
        ev.m.ok = false;
        ev.m.status = "interrupted";
      }
    }
    ++order_;
    if (ev.m.ok && req.level == full_level() && (best_s_ == 0 || ev.m.median_s < best_s_)) best_s_ = ev.m.median_s;
    else if (ev.m.ok && best_s_ == 0) best_s_ = ev.m.median_s;  // a brief figure until a full one exists
    done_.push_back({index, req.level, ev.m, ev.trial_id});
    if (on_trial_) {
      ev.done = evaluations_;
      ev.planned = planned();
      ev.best_s = best_s_;
      ev.elapsed_s = seconds_since(job_start_);
      on_trial_(ev);
    }
    return ev.m;
  }

  const std::vector<Done>& done() const { return done_; }
  int evaluations() const { return evaluations_; }
  int reused() const { return reused_; }
  int order() const { return order_; }
  bool hit_interrupt() const { return hit_interrupt_; }

 private:
  std::size_t index_of(const Candidate& c) const {
    const std::string key = c.key();
    for (std::size_t i = 0; i < space_.candidates.size(); ++i)
      if (space_.candidates[i].key() == key) return i;
    throw Error("strategy asked for a candidate outside the space: " + key);
  }

  int planned() const {
    int n = static_cast<int>(space_.candidates.size());
    if (o_.strategy == "halving") n = static_cast<int>(std::ceil(n * 1.5));
    if (o_.max_trials > 0) n = std::min(n, o_.max_trials);
    return std::max(n, evaluations_);
  }

  void record(std::int64_t id, const Candidate& c, const MeasureResult& r) {
    auto& db = rec_->db();
    if (r.m.status == "failed") {
      db.finish_trial(id, "failed", r.m.failure, "{}");
      return;
    }
    const Pass pass = space_.workload.pass;
    const double flops = space_.workload.flops();
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
    if (o_.predict) {
      try {
        stats["predicted_s"] = o_.predict(space_.workload, c);
      } catch (const std::exception&) {
      }
    }
    for (std::size_t rank = 0; rank < r.trial.rank_samples.size(); ++rank)
      db.add_samples(id, static_cast<int>(rank), r.trial.rank_samples[rank]);
    if (!r.trial.traces.empty()) db.write_trace(id, r.trial.traces);
    if (r.stop == StopReason::interrupt) db.finish_trial(id, "interrupted", "interrupted (Ctrl-C)", stats.dump());
    else db.finish_trial(id, r.m.status, r.m.ok ? "" : r.m.failure, stats.dump());
  }

  const TuneOptions& o_;
  Recorder* rec_;
  Communicator* mpi_;
  const std::atomic<bool>* interrupted_;
  const SearchSpace& space_;
  std::size_t wi_;
  const std::vector<MeasureLevel>& levels_;
  Clock::time_point job_start_;
  double& measuring_s_;
  int order_ = 0;
  const std::function<void(const TrialEvent&)>& on_trial_;
  int evaluations_ = 0, reused_ = 0;
  bool hit_interrupt_ = false;
  double best_s_ = 0;
  std::vector<Done> done_;
};

// The confirmation round: the default and the `top` fastest full-level candidates measured again,
// one after the other, so that the winner and its speedup come from measurements taken under the
// same conditions (a machine whose load drifted during a long search cannot fake a speedup).
void confirm(const SearchSpace& space, LiveEvaluator& ev, int top) {
  if (top <= 0) return;
  const int full = ev.full_level();
  std::map<std::size_t, Measurement> best;  // last full-level measurement per candidate
  for (const auto& d : ev.done())
    if (d.level == full) best[d.candidate] = d.m;
  std::vector<std::size_t> order;
  for (const auto& [i, m] : best)
    if (m.ok && i != 0) order.push_back(i);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return best[a].median_s < best[b].median_s; });
  if (order.size() > static_cast<std::size_t>(top)) order.resize(static_cast<std::size_t>(top));
  if (order.empty()) return;  // only the default ran: nothing to compare
  order.insert(order.begin(), 0);
  for (std::size_t i : order) ev.evaluate(EvalRequest{&space.candidates[i], full + 1});
}

WorkloadOutcome summarise_workload(const SearchSpace& space, const LiveEvaluator& ev, int full_level) {
  WorkloadOutcome out;
  out.workload = space.workload;
  out.raw_size = space.raw_size;
  out.candidates = space.candidates.size();
  out.pruned = space.pruned.size();
  out.evaluations = ev.evaluations();
  out.reused = ev.reused();
  // The last full-level measurement of each candidate.
  std::map<std::size_t, const LiveEvaluator::Done*> full;
  for (const auto& d : ev.done()) {
    if (d.m.status == "failed") ++out.failed;
    if (d.m.status == "stopped_early") ++out.stopped_early;
    if (d.level == full_level) full[d.candidate] = &d;
  }
  // After a confirmation round, only its measurements (taken back to back) decide.
  std::map<std::size_t, const LiveEvaluator::Done*> confirmed;
  for (const auto& d : ev.done())
    if (d.level == full_level + 1) confirmed[d.candidate] = &d;
  out.confirmed = !confirmed.empty();
  if (out.confirmed) full = confirmed;
  std::vector<Candidate> cands;
  std::vector<Measurement> ms;
  std::vector<std::int64_t> ids;
  for (const auto& [i, d] : full) {
    cands.push_back(space.candidates[i]);
    ms.push_back(d->m);
    ids.push_back(d->trial_id);
  }
  const auto def = full.find(0);
  if (def != full.end() && def->second->m.ok) {
    out.default_m = def->second->m;
    out.default_trial = def->second->trial_id;
  }
  const auto w = choose_winner(cands, ms);
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < ms.size(); ++i)
    if (ms[i].ok) order.push_back(i);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return ms[a].median_s < ms[b].median_s; });
  for (std::size_t k = 0; k < order.size() && k < 5; ++k) out.top.push_back({cands[order[k]], ms[order[k]], ids[order[k]]});
  if (!w) {
    out.verdict = "no candidate was measured successfully at the full level";
    return out;
  }
  out.winner = cands[*w];
  out.winner_m = ms[*w];
  out.winner_trial = ids[*w];
  if (out.default_m.median_s > 0) out.speedup = out.default_m.median_s / out.winner_m.median_s;
  const std::size_t fastest = order.front();
  if (out.winner->is_default()) {
    out.tie_with_default = fastest != *w;
    out.verdict = out.tie_with_default
                      ? fmt::format("the default is best: the fastest candidate ({:.3g} ms) is within the noise of the "
                                    "default ({:.3g} ms +- {:.1f}%)",
                                    ms[fastest].median_s * 1e3, out.default_m.median_s * 1e3, out.default_m.noise * 100)
                      : "the default is best: no candidate measured faster";
  } else if (out.default_m.median_s > 0) {
    out.verdict = fmt::format("{:.2f}x faster than the default ({:.3g} ms vs {:.3g} ms, noise {:.1f}% / {:.1f}%)",
                              out.speedup, out.winner_m.median_s * 1e3, out.default_m.median_s * 1e3,
                              out.winner_m.noise * 100, out.default_m.noise * 100);
  } else {
    out.verdict = "the default configuration could not be measured; the winner is the fastest that ran";
  }
  return out;
}

ProfileEntry make_entry(const TuneOptions& o, const WorkloadOutcome& w, std::size_t index, std::int64_t session) {
  ProfileEntry e;
  e.key = bucket_key(o.workloads, index);
  const Schedule& s = w.winner->schedule;
  e.params = ProfileParams::from_schedule(s);  // every parameter of the table (launch shape when set)
  const double flops = w.workload.flops();
  e.measured.median_s = w.winner_m.median_s;
  e.measured.noise = w.winner_m.noise;
  e.measured.tflops = flops / w.winner_m.median_s / 1e12;
  e.measured.speedup_vs_default = w.speedup > 0 ? w.speedup : 1.0;
  e.provenance.tool_version = o.tool_version;
  e.provenance.date = iso_utc_now();
  e.provenance.db = o.db_path;
  e.provenance.session_id = session;
  e.provenance.trial_id = w.winner_trial;
  return e;
}

void check_options(const TuneOptions& o, bool need_predict) {
  BURST_REQUIRE(!o.workloads.empty(), "tune: no workload (give --seq or --preset)");
  const auto names = strategy_names();
  BURST_REQUIRE(std::find(names.begin(), names.end(), o.strategy) != names.end(),
                "--strategy " + o.strategy + ": expected exhaustive, random, halving or model");
  BURST_REQUIRE(o.max_trials >= 0, "--max-trials " + std::to_string(o.max_trials) + ": expected >= 0 (0: no limit)");
  BURST_REQUIRE(o.early_stop == 0 || o.early_stop > 1,
                "--early-stop " + std::to_string(o.early_stop) + ": expected 0 (off) or a factor above 1");
  BURST_REQUIRE(o.time_limit_s >= 0, "--time-limit: expected >= 0 seconds (0: no limit)");
  BURST_REQUIRE(!need_predict || o.strategy != "model" || static_cast<bool>(o.predict),
                "--strategy model: no cost model rates (run `burst-tune calibrate` first)");
}

}  // namespace

void validate_tune_options(const TuneOptions& o) {
  check_options(o, false);
  (void)measure_levels(o.warmup, o.min_samples, o.max_samples, o.max_noise, o.max_time_s);
  for (const auto& w : o.workloads) (void)build_space(w, o.space);
}

WorkloadKey bucket_key(const std::vector<Workload>& workloads, std::size_t i) {
  const Workload& w = workloads.at(i);
  WorkloadKey k;
  k.world_size = w.world;
  k.heads = w.shape.heads;
  k.kv_heads = w.shape.kv_heads_or_heads();
  k.head_dim = w.shape.head_dim;
  k.dtype = w.shape.dtype;
  k.causal = w.shape.causal;
  k.pass = w.pass;
  std::vector<std::int64_t> seqs;
  for (const auto& x : workloads) seqs.push_back(x.shape.seq);
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  const auto pos = static_cast<std::size_t>(std::lower_bound(seqs.begin(), seqs.end(), w.shape.seq) - seqs.begin());
  auto mid = [&](std::size_t a) {  // geometric midpoint between seqs[a] and seqs[a + 1]
    return static_cast<std::int64_t>(std::ceil(std::sqrt(static_cast<double>(seqs[a]) * static_cast<double>(seqs[a + 1]))));
  };
  k.seq_min = pos == 0 ? seqs.front() : mid(pos - 1);
  k.seq_max = pos + 1 == seqs.size() ? seqs.back() : mid(pos) - 1;
  return k;
}

TuneOutcome run_tune(const TuneOptions& o, Communicator* mpi, const std::atomic<bool>* interrupted,
                     const std::function<void(const TrialEvent&)>& on_trial) {
  check_options(o, true);
  const auto levels = measure_levels(o.warmup, o.min_samples, o.max_samples, o.max_noise, o.max_time_s);
  std::vector<SearchSpace> spaces;
  for (const auto& w : o.workloads) spaces.push_back(build_space(w, o.space));  // throws before measuring
  const bool root = mpi == nullptr || mpi->rank() == 0;
  TuneOutcome out;

  if (!root) {
    // Follow rank 0: measure what it says until "done", then take the profile it sends.
    for (;;) {
      std::string command;
      broadcast_string(*mpi, command);
      const auto j = nlohmann::json::parse(command);
      if (j.at("op") == "done") {
        if (j.contains("error")) throw InvalidArgument(j.at("error").get<std::string>());  // rank 0 failed too
        out.profile = parse_profile(j.at("profile").get<std::string>(), "profile from rank 0");
        out.interrupted = j.value("interrupted", false);
        return out;
      }
      const auto wi = j.at("workload").get<std::size_t>();
      const Candidate c = Candidate::from_json(j.at("candidate"));
      // Level full + 1 (the confirmation round) measures with the full level's protocol.
      const std::size_t level = std::min(j.at("level").get<std::size_t>(), levels.size() - 1);
      (void)measure_candidate(spaces.at(wi).workload, c, levels[level],
                              j.at("bar").get<double>(), interrupted, o.trace, o.seed + 1, mpi);
    }
  }

  std::optional<Recorder> rec;
  std::string failure;
  try {
    rec.emplace(o);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (!rec) {
    if (mpi != nullptr) {  // release the followers before failing
      std::string done = nlohmann::json{{"op", "done"}, {"error", failure}}.dump();
      broadcast_string(*mpi, done);
    }
    throw InvalidArgument(failure);
  }
  out.session_id = rec->session();
  out.job_id = rec->job();
  out.profile.fingerprint = o.fingerprint;
  const auto job_start = Clock::now();
  double measuring_s = 0;
  int order = 0;
  StrategyOptions so;
  so.seed = o.seed;
  so.max_trials = o.max_trials;
  nlohmann::json results = nlohmann::json::array();
  try {
    for (std::size_t wi = 0; wi < spaces.size(); ++wi) {
      const SearchSpace& space = spaces[wi];
      rec->record_pruned(wi, space);
      if (o.predict) so.predict = [&o, &space](const Candidate& c) { return o.predict(space.workload, c); };
      LiveEvaluator ev(o, &*rec, mpi, interrupted, space, wi, levels, job_start, measuring_s, order, on_trial);
      run_strategy(o.strategy, space, ev, so);
      if (!ev.hit_interrupt() && !(interrupted != nullptr && interrupted->load())) confirm(space, ev, o.confirm_top);
      order = ev.order();
      WorkloadOutcome w = summarise_workload(space, ev, ev.full_level());
      if (ev.hit_interrupt() || (interrupted != nullptr && interrupted->load())) out.interrupted = true;
      if (ev.exhausted() && !out.interrupted) out.budget_exhausted = true;
      if (w.winner && !out.interrupted) {
        rec->write_result(w);
        out.profile.entries.push_back(make_entry(o, w, wi, rec->session()));
        results.push_back({{"workload", w.workload.to_json()}, {"verdict", w.verdict}, {"speedup", w.speedup}});
      }
      out.workloads.push_back(std::move(w));
      if (out.interrupted) break;
    }
  } catch (const std::exception& e) {
    rec->finish_job("interrupted", results);
    if (mpi != nullptr) {  // release the followers with the same error
      std::string done = nlohmann::json{{"op", "done"}, {"error", std::string(e.what())}}.dump();
      broadcast_string(*mpi, done);
    }
    throw;
  }
  rec->finish_job(out.interrupted ? "interrupted" : "complete", results);
  out.elapsed_s = seconds_since(job_start);
  if (mpi != nullptr) {
    std::string done = nlohmann::json{{"op", "done"},
                                      {"profile", profile_to_json_text(out.profile)},
                                      {"interrupted", out.interrupted}}
                           .dump();
    broadcast_string(*mpi, done);
  }
  return out;
}

}  // namespace burst::tuner
