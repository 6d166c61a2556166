// The live evaluator of a tuning job (rank 0): one candidate per evaluate() call, reused from the
// database when an identical trial finished before (resume), else broadcast to the followers,
// measured with the protocol (tuner/measure.hpp) and recorded.
#include "tuner/session_evaluator.hpp"

#include <algorithm>
#include <cmath>

#include "burst/error.hpp"

namespace burst::tuner::detail {

void broadcast_string(Communicator& c, std::string& s) {
  std::uint64_t size = s.size();
  c.broadcast(&size, sizeof size, 0);
  s.resize(static_cast<std::size_t>(size));
  if (size > 0) c.broadcast(s.data(), s.size(), 0);
}

bool LiveEvaluator::exhausted() const {
  if (interrupted_ != nullptr && interrupted_->load()) return true;
  if (hit_interrupt_) return true;
  if (o_.max_trials > 0 && evaluations_ >= o_.max_trials) return true;
  if (o_.time_limit_s > 0 && measuring_s_ >= o_.time_limit_s) return true;
  return false;
}

Measurement LiveEvaluator::evaluate(const EvalRequest& req) {
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
    measure(c, req.level, ev);
  }
  ++order_;
  update_best(ev.m, req.level);
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

void LiveEvaluator::measure(const Candidate& c, int level, TrialEvent& ev) {
  const double bar = o_.early_stop > 0 ? early_stop_bar(best_s_, o_.early_stop) : 0.0;
  std::string command = nlohmann::json{
      {"op", "measure"},
      {"workload", wi_},
      {"candidate", c.to_json()},
      {"level", level},
      {"bar", bar}}.dump();
  if (mpi_ != nullptr) broadcast_string(*mpi_, command);
  const auto id = rec_->begin_trial(wi_, space_.workload, c, level, order_);
  const auto t0 = Clock::now();
  const MeasureLevel& protocol = levels_[static_cast<std::size_t>(std::min(level, full_level()))];
  std::function<void(const std::vector<double>&)> on_sample;
  if (o_.on_sample)
    on_sample = [this, &protocol, t0](const std::vector<double>& samples) {
      SampleEvent e;
      e.workload = wi_;
      e.workloads = o_.workloads.size();
      e.trial = evaluations_;  // counted before the measurement
      e.planned = planned();
      e.sample = static_cast<int>(samples.size());
      e.min_samples = protocol.min_samples;
      e.max_samples = protocol.max_samples;
      e.seconds = samples.empty() ? 0.0 : samples.back();
      e.median_s = summarise(samples).median;
      e.trial_elapsed_s = seconds_since(t0);
      o_.on_sample(e);
    };
  MeasureResult r = measure_candidate(space_.workload, c, protocol, level > full_level() ? 0.0 : bar,
                                      interrupted_, o_.trace, o_.seed + 1, mpi_, on_sample);
  measuring_s_ += seconds_since(t0);
  rec_->finish_trial(id, space_.workload, c, r);
  ev.m = r.m;
  ev.trial_id = id;
  if (r.stop == StopReason::interrupt) {
    hit_interrupt_ = true;
    ev.m.ok = false;
    ev.m.status = "interrupted";
  }
}

void LiveEvaluator::update_best(const Measurement& m, int level) {
  if (m.ok && level == full_level() && (best_s_ == 0 || m.median_s < best_s_))
    best_s_ = m.median_s;
  else if (m.ok && best_s_ == 0)
    best_s_ = m.median_s;  // a brief figure until a full one exists
}

std::size_t LiveEvaluator::index_of(const Candidate& c) const {
  const std::string key = c.key();
  for (std::size_t i = 0; i < space_.candidates.size(); ++i)
    if (space_.candidates[i].key() == key) return i;
  throw Error("strategy asked for a candidate outside the space: " + key);
}

int LiveEvaluator::planned() const {
  // The plan tune prints before measuring (docs/tune.md "The plan"); never below what ran.
  return std::max(plan_evaluations(o_, space_.candidates.size()).total(), evaluations_);
}

}  // namespace burst::tuner::detail
