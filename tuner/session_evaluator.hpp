// Internal to the tuning session (tuner/session*.cpp): rank 0's live evaluator, which measures one
// candidate per call (or reuses a finished trial), and the rank 0 -> followers broadcast it shares
// with the job driver.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "burst/communicator.hpp"
#include "tuner/measure.hpp"
#include "tuner/session.hpp"
#include "tuner/session_recorder.hpp"
#include "tuner/strategy.hpp"

namespace burst::tuner::detail {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Variable-length broadcast from rank 0 (the commands followers obey, JSON text).
void broadcast_string(Communicator& c, std::string& s);

// Rank 0's evaluator: cache, budget, broadcast to followers, measure, record.
class LiveEvaluator final : public Evaluator {
 public:
  struct Done {
    std::size_t candidate = 0;
    int level = 0;
    Measurement m;
    std::int64_t trial_id = 0;
  };

  // `measuring_s` is the job's measuring time so far (shared by the workloads, --time-limit);
  // `order_base` the job's evaluation count before this workload.
  LiveEvaluator(const TuneOptions& o, Recorder* rec, Communicator* mpi, const std::atomic<bool>* interrupted,
                const SearchSpace& space, std::size_t workload_index, const std::vector<MeasureLevel>& levels,
                Clock::time_point job_start, double& measuring_s, int order_base,
                const std::function<void(const TrialEvent&)>& on_trial)
      : o_(o),
        rec_(rec),
        mpi_(mpi),
        interrupted_(interrupted),
        space_(space),
        wi_(workload_index),
        levels_(levels),
        job_start_(job_start),
        measuring_s_(measuring_s),
        order_(order_base),
        on_trial_(on_trial) {}

  int full_level() const override { return static_cast<int>(levels_.size()) - 1; }
  bool exhausted() const override;
  Measurement evaluate(const EvalRequest& req) override;

  const std::vector<Done>& done() const { return done_; }
  int evaluations() const { return evaluations_; }
  int reused() const { return reused_; }
  int order() const { return order_; }
  bool hit_interrupt() const { return hit_interrupt_; }

 private:
  std::size_t index_of(const Candidate& c) const;
  int planned() const;
  // Measures `c` at `level` on every rank and records the trial; fills ev.m and ev.trial_id.
  void measure(const Candidate& c, int level, TrialEvent& ev);
  void update_best(const Measurement& m, int level);

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

}  // namespace burst::tuner::detail
