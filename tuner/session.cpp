// The job driver of a tuning session: rank 0 decides (strategy, confirmation round, winner,
// profile entries) and the followers measure what it broadcasts. The database side is the recorder
// (tuner/session_recorder.cpp), one candidate's measurement the evaluator
// (tuner/session_evaluator.cpp).
#include "tuner/session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "burst/error.hpp"
#include "tuner/session_evaluator.hpp"
#include "tuner/session_recorder.hpp"

namespace burst::tuner {
namespace {

using detail::broadcast_string;
using detail::Clock;
using detail::LiveEvaluator;
using detail::Recorder;
using detail::seconds_since;

std::string iso_utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

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
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return best[a].median_s < best[b].median_s; });
  if (order.size() > static_cast<std::size_t>(top)) order.resize(static_cast<std::size_t>(top));
  if (order.empty()) return;  // only the default ran: nothing to compare
  order.insert(order.begin(), 0);
  for (std::size_t i : order) ev.evaluate(EvalRequest{&space.candidates[i], full + 1});
}

// "load 2.9 on 2 cores" from /proc/loadavg (the 1-minute average), "" where it cannot be read.
std::string machine_load() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  if (f == nullptr) return "";
  double one = 0;
  const int n = std::fscanf(f, "%lf", &one);
  std::fclose(f);
  if (n != 1) return "";
  return fmt::format("machine load {:.1f} (1-minute average) on {} cores", one,
                     std::thread::hardware_concurrency());
}

// The verdict when the noise criterion was not met: said first, with the figures, never a bare
// "faster" or "the default is best".
std::string unreliable_verdict(const WorkloadOutcome& out, double max_noise, const std::string& rest) {
  std::string load = machine_load();
  return fmt::format("unreliable: noise above --max-noise {:.1f}% (winner {:.1f}%, default {:.1f}%){}; {}",
                     max_noise * 100, out.winner_m.noise * 100, out.default_m.noise * 100,
                     load.empty() ? "" : ", " + load, rest);
}

WorkloadOutcome summarise_workload(const SearchSpace& space, const LiveEvaluator& ev, int full_level,
                                   double max_noise) {
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
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return ms[a].median_s < ms[b].median_s; });
  for (std::size_t k = 0; k < order.size() && k < 5; ++k)
    out.top.push_back({cands[order[k]], ms[order[k]], ids[order[k]]});
  if (!w) {
    out.verdict = "no candidate was measured successfully at the full level";
    return out;
  }
  out.winner = cands[*w];
  out.winner_m = ms[*w];
  out.winner_trial = ids[*w];
  if (out.default_m.median_s > 0) out.speedup = out.default_m.median_s / out.winner_m.median_s;
  out.unreliable =
      out.winner_m.noise > max_noise || (out.default_m.median_s > 0 && out.default_m.noise > max_noise);
  const std::size_t fastest = order.front();
  if (out.winner->is_default()) {
    out.tie_with_default = fastest != *w;
    out.verdict =
        out.tie_with_default
            ? fmt::format(
                  "the default is best: the fastest candidate ({:.3g} ms) is within the noise of the "
                  "default ({:.3g} ms +- {:.1f}%)",
                  ms[fastest].median_s * 1e3, out.default_m.median_s * 1e3, out.default_m.noise * 100)
            : "the default is best: no candidate measured faster";
  } else if (out.default_m.median_s > 0) {
    out.verdict =
        fmt::format("{:.2f}x faster than the default ({:.3g} ms vs {:.3g} ms, noise {:.1f}% / {:.1f}%)",
                    out.speedup, out.winner_m.median_s * 1e3, out.default_m.median_s * 1e3,
                    out.winner_m.noise * 100, out.default_m.noise * 100);
  } else {
    out.verdict = "the default configuration could not be measured; the winner is the fastest that ran";
  }
  if (out.unreliable) {
    const std::string rest =
        out.winner->is_default()
            ? "the default measured fastest, but under this noise a faster candidate can be hidden; "
              "re-run on a quieter machine or with more --max-samples / --max-time"
            : fmt::format(
                  "{:.2f}x is not established; re-run on a quieter machine or with more --max-samples / "
                  "--max-time",
                  out.speedup);
    out.verdict = unreliable_verdict(out, max_noise, rest);
  }
  return out;
}

ProfileEntry make_entry(const TuneOptions& o, const WorkloadOutcome& w, std::size_t index,
                        std::int64_t session) {
  ProfileEntry e;
  e.key = bucket_key(o.workloads, index);
  e.key.launch = o.launch;
  const Schedule& s = w.winner->schedule;
  e.params = ProfileParams::from_schedule(s);  // every parameter of the table (launch shape when set)
  const double flops = w.workload.flops();
  e.measured.median_s = w.winner_m.median_s;
  e.measured.noise = w.winner_m.noise;
  e.measured.tflops = flops / w.winner_m.median_s / 1e12;
  e.measured.speedup_vs_default = w.speedup > 0 ? w.speedup : 1.0;
  e.measured.reliable = !w.unreliable;
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
  BURST_REQUIRE(o.max_trials >= 0,
                "--max-trials " + std::to_string(o.max_trials) + ": expected >= 0 (0: no limit)");
  BURST_REQUIRE(o.early_stop == 0 || o.early_stop > 1,
                "--early-stop " + std::to_string(o.early_stop) + ": expected 0 (off) or a factor above 1");
  BURST_REQUIRE(o.time_limit_s >= 0, "--time-limit: expected >= 0 seconds (0: no limit)");
  BURST_REQUIRE(!need_predict || o.strategy != "model" || static_cast<bool>(o.predict),
                "--strategy model: no cost model rates (run `burst-tune calibrate` first)");
}

bool interrupted_now(const std::atomic<bool>* interrupted) {
  return interrupted != nullptr && interrupted->load();
}

// Releases the followers (waiting for rank 0's next command) with rank 0's error.
void release_followers(Communicator* mpi, const std::string& error) {
  if (mpi == nullptr) return;
  std::string done = nlohmann::json{{"op", "done"}, {"error", error}}.dump();
  broadcast_string(*mpi, done);
}

// A follower (MPI rank > 0): measure what rank 0 says until "done", then take the profile it sends.
TuneOutcome follow_rank0(const TuneOptions& o, const std::vector<SearchSpace>& spaces,
                         const std::vector<MeasureLevel>& levels, Communicator& mpi,
                         const std::atomic<bool>* interrupted) {
  TuneOutcome out;
  for (;;) {
    std::string command;
    broadcast_string(mpi, command);
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
    (void)measure_candidate(spaces.at(wi).workload, c, levels[level], j.at("bar").get<double>(), interrupted,
                            o.trace, o.seed + 1, &mpi);
  }
}

// The recorder, or (releasing the followers first) InvalidArgument with why the database failed.
std::unique_ptr<Recorder> open_recorder(const TuneOptions& o, Communicator* mpi) {
  std::string failure;
  try {
    return std::make_unique<Recorder>(o);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  release_followers(mpi, failure);
  throw InvalidArgument(failure);
}

// Rank 0's side of the job: every workload in turn, each recorded as it finishes.
class JobDriver {
 public:
  JobDriver(const TuneOptions& o, const std::vector<SearchSpace>& spaces,
            const std::vector<MeasureLevel>& levels, Communicator* mpi, const std::atomic<bool>* interrupted,
            const std::function<void(const TrialEvent&)>& on_trial, Recorder& rec)
      : o_(o),
        spaces_(spaces),
        levels_(levels),
        mpi_(mpi),
        interrupted_(interrupted),
        on_trial_(on_trial),
        rec_(rec),
        job_start_(Clock::now()) {
    so_.seed = o.seed;
    so_.max_trials = o.max_trials;
  }

  // Fills `out` workload by workload (stopping at an interrupt). On an error the job is recorded
  // as interrupted and the followers are released with it.
  void run(TuneOutcome& out) {
    try {
      for (std::size_t wi = 0; wi < spaces_.size() && !out.interrupted; ++wi) tune_workload(wi, out);
    } catch (const std::exception& e) {
      rec_.finish_job("interrupted", results_);
      release_followers(mpi_, e.what());
      throw;
    }
    rec_.finish_job(out.interrupted ? "interrupted" : "complete", results_);
    out.elapsed_s = seconds_since(job_start_);
  }

 private:
  // The strategy, then (unless interrupted) the confirmation round, then the outcome; a winner
  // becomes a tune_results row and a profile entry unless the job was interrupted.
  void tune_workload(std::size_t wi, TuneOutcome& out) {
    const SearchSpace& space = spaces_[wi];
    rec_.record_pruned(wi, space);
    if (o_.predict)
      so_.predict = [this, &space](const Candidate& c) { return o_.predict(space.workload, c); };
    LiveEvaluator ev(o_, &rec_, mpi_, interrupted_, space, wi, levels_, job_start_, measuring_s_, order_,
                     on_trial_);
    run_strategy(o_.strategy, space, ev, so_);
    if (!ev.hit_interrupt() && !interrupted_now(interrupted_)) confirm(space, ev, o_.confirm_top);
    order_ = ev.order();
    WorkloadOutcome w = summarise_workload(space, ev, ev.full_level(), o_.max_noise);
    if (ev.hit_interrupt() || interrupted_now(interrupted_)) {
      out.interrupted = true;
      w.interrupted = true;
      w.verdict = "interrupted: nothing chosen and no profile entry written (the measurements are recorded)";
    }
    if (ev.exhausted() && !out.interrupted) out.budget_exhausted = true;
    if (w.winner && !out.interrupted) {
      rec_.write_result(w);
      out.profile.entries.push_back(make_entry(o_, w, wi, rec_.session()));
      results_.push_back(
          {{"workload", w.workload.to_json()}, {"verdict", w.verdict}, {"speedup", w.speedup}});
    }
    out.workloads.push_back(std::move(w));
  }

  const TuneOptions& o_;
  const std::vector<SearchSpace>& spaces_;
  const std::vector<MeasureLevel>& levels_;
  Communicator* mpi_;
  const std::atomic<bool>* interrupted_;
  const std::function<void(const TrialEvent&)>& on_trial_;
  Recorder& rec_;
  const Clock::time_point job_start_;
  double measuring_s_ = 0;
  int order_ = 0;
  StrategyOptions so_;
  nlohmann::json results_ = nlohmann::json::array();
};

}  // namespace

EvaluationPlan plan_evaluations(const TuneOptions& o, std::size_t candidates) {
  const int full =
      static_cast<int>(
          measure_levels(o.warmup, o.min_samples, o.max_samples, o.max_noise, o.max_time_s).size()) -
      1;
  StrategyOptions so;
  so.seed = o.seed;
  so.max_trials = o.max_trials;
  EvaluationPlan plan;
  plan.strategy = plan_strategy(o.strategy, candidates, full, so);
  const int others_in_full = plan.strategy.per_level.empty() ? 0 : plan.strategy.per_level.back() - 1;
  if (o.confirm_top > 0 && others_in_full > 0) plan.confirm = 1 + std::min(o.confirm_top, others_in_full);
  return plan;
}

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
  // Plain full and causal entries stay readable by libburst versions that predate masks.
  if (w.shape.has_documents() || w.shape.has_window()) k.mask = w.shape.mask_kind();
  k.pass = w.pass;
  std::vector<std::int64_t> seqs;
  for (const auto& x : workloads) seqs.push_back(x.shape.seq);
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  const auto pos =
      static_cast<std::size_t>(std::lower_bound(seqs.begin(), seqs.end(), w.shape.seq) - seqs.begin());
  auto mid = [&](std::size_t a) {  // geometric midpoint between seqs[a] and seqs[a + 1]
    return static_cast<std::int64_t>(
        std::ceil(std::sqrt(static_cast<double>(seqs[a]) * static_cast<double>(seqs[a + 1]))));
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
  if (!root) return follow_rank0(o, spaces, levels, *mpi, interrupted);

  const std::unique_ptr<Recorder> rec = open_recorder(o, mpi);
  TuneOutcome out;
  out.session_id = rec->session();
  out.job_id = rec->job();
  out.profile.fingerprint = o.fingerprint;
  JobDriver(o, spaces, levels, mpi, interrupted, on_trial, *rec).run(out);
  if (mpi != nullptr) {
    std::string done = nlohmann::json{
        {"op", "done"},
        {"profile", profile_to_json_text(out.profile)},
        {"interrupted",
         out.interrupted}}.dump();
    broadcast_string(*mpi, done);
  }
  return out;
}

}  // namespace burst::tuner
