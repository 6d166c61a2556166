// Search strategies: which candidates to measure, in which order, and how long.
//
//   exhaustive -- every candidate once (default first), in space order
//   random     -- a seeded random permutation
//   halving    -- successive halving: every candidate (or --max-trials of them) measured briefly
//                 (level 0), the best 1/eta measured longer (level 1, 2 ...), until one is left
//   model      -- the cost model ranks all candidates, the top k are measured, the model is
//                 refitted on the measurements (per-parameter-value corrections), repeat
//
// A strategy only talks to an Evaluator, so the same code runs live (tuner/session) and against a
// recorded database (tuner/replay), which makes strategies comparable offline and deterministic.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tuner/space.hpp"

namespace burst::tuner {

// How long to measure: level 0 is the brief measurement of successive halving; every other
// strategy measures at the full level (Evaluator::full_level). The evaluator maps a level to sample
// counts and time (tuner/measure.hpp MeasureLevel).
struct EvalRequest {
  const Candidate* candidate = nullptr;
  int level = 0;
};

class Evaluator {
 public:
  virtual ~Evaluator() = default;
  // Measures (or looks up) one candidate. Never throws for a candidate that cannot run: that is a
  // Measurement with ok = false and the reason.
  virtual Measurement evaluate(const EvalRequest& request) = 0;
  // The highest level (the protocol's full measurement); halving's last rung uses it.
  virtual int full_level() const = 0;
  // True when the budget (--max-trials, --time-limit) or an interrupt says stop now.
  virtual bool exhausted() const = 0;
};

struct StrategyOptions {
  std::uint64_t seed = 0;
  int max_trials = 0;   // 0: no limit (the evaluator enforces it too; strategies use it to plan)
  double eta = 3;       // halving: keep 1/eta per rung
  int model_batch = 4;  // model: candidates measured per refit
  // Model strategy: predicted seconds of a candidate (the cost model). Required by "model".
  std::function<double(const Candidate&)> predict;
};

struct StrategyTrace {
  // Every evaluation in order (candidate index into space.candidates, level, result).
  struct Step {
    std::size_t candidate = 0;
    int level = 0;
    Measurement m;
  };
  std::vector<Step> steps;
};

// Runs `name` ("exhaustive" "random" "halving" "model") over space.candidates. The default
// candidate (index 0) is always evaluated first at the full level. Throws InvalidArgument for an
// unknown name.
StrategyTrace run_strategy(std::string_view name, const SearchSpace& space, Evaluator& evaluator,
                           const StrategyOptions& options);
std::vector<std::string> strategy_names();

// What a strategy sets out to evaluate in a space of `candidates` (the default included) under
// options.max_trials, before anything is measured (tune's plan and its progress denominators,
// docs/tune.md "The plan"): evaluations per measurement level (index = level, 0..full_level) and,
// for halving, the rung sizes after the default. An upper bound: failures and early stops drop
// candidates from halving's later rungs, and --time-limit or an interrupt may stop sooner.
struct StrategyPlan {
  std::vector<int> per_level;
  std::vector<std::size_t> rungs;  // halving only: candidates per rung, rung 0 first
  int evaluations() const;
};
// Throws InvalidArgument for an unknown name.
StrategyPlan plan_strategy(std::string_view name, std::size_t candidates, int full_level,
                           const StrategyOptions& options);

// The strategies one by one (run_strategy dispatches to them by name; docs/strategies.md).
StrategyTrace run_exhaustive(const SearchSpace& space, Evaluator& evaluator, const StrategyOptions& options);
StrategyTrace run_random(const SearchSpace& space, Evaluator& evaluator, const StrategyOptions& options);
StrategyTrace run_halving(const SearchSpace& space, Evaluator& evaluator, const StrategyOptions& options);
StrategyTrace run_model(const SearchSpace& space, Evaluator& evaluator, const StrategyOptions& options);

// A uniform integer in [0, n) from the engine, by rejection sampling: the same numbers with every
// standard library (std::uniform_int_distribution's are implementation-defined), so a seed replays
// identically anywhere. n > 0.
std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t n);

// 0..n-1 in a seeded random order (Fisher-Yates with uniform_below).
std::vector<std::size_t> seeded_permutation(std::size_t n, std::uint64_t seed);

namespace strategy_detail {
// Whether one more evaluation is allowed: not exhausted, and under options.max_trials (strategies
// count their own evaluate() calls too, so the budget holds whatever the evaluator enforces).
bool may_evaluate(const StrategyTrace& trace, const Evaluator& evaluator, const StrategyOptions& options);
// Halving's rung sizes (after the default, which is measured first and takes no part): rung 0 is
// every other candidate, or the largest sample whose rungs fit the remaining --max-trials.
std::vector<std::size_t> halving_rungs(std::size_t candidates, int full_level,
                                       const StrategyOptions& options);
// Evaluates space.candidates[index] at `level` and appends the step to the trace.
const Measurement& evaluate_step(StrategyTrace& trace, Evaluator& evaluator, const SearchSpace& space,
                                 std::size_t index, int level);
}  // namespace strategy_detail

// The model strategy's correction of the base cost model, refitted on measurements:
//
//   log(measured_s / predicted_s) ~ y0 + sum over dimensions d of w[d = value_d(candidate)]
//
// y0, the global scale, anchors the fit: the reference (default) candidate's log ratio when it was
// measured (the base model is trusted as calibrated against the default), else the median log
// ratio. The w are a ridge regression (lambda on every weight, so towards "the base model is
// right") over one-hot features in reference coding: one per value of every dimension with two or
// more values, except the reference candidate's own value (its weight is 0 by construction),
// solved as a small dense linear system. It learns e.g. that "ring.overlap=double_buffer" runs 2x
// slower here than the model predicts, while a value never measured keeps the base model's ranking
// relative to the default (its weight stays 0). There is deliberately no free intercept and no
// column for the default's values: either would hand a bias of the values measured so far to
// values not yet measured. Before fit() the correction is 1.
class ModelRefit {
 public:
  explicit ModelRefit(std::vector<Dimension> dims, const Candidate& reference = default_candidate(),
                      double lambda = 0.1);
  // Adds one observation; ignored unless both times are finite and > 0.
  void add(const Candidate& candidate, double predicted_s, double measured_s);
  void fit();
  // exp(y0 + sum w): multiply the base prediction by it.
  double correction(const Candidate& candidate) const;
  double corrected(const Candidate& candidate, double predicted_s) const {
    return predicted_s * correction(candidate);
  }
  // The fitted weight of "name=value" (0 when unknown or not fitted), and y0.
  double weight(std::string_view name, std::string_view value) const;
  double intercept() const { return fitted_ ? offset_ : 0.0; }
  std::size_t observations() const { return rows_.size(); }

 private:
  struct Row {
    std::vector<std::size_t> active;  // one-hot columns
    double log_ratio = 0;
    bool is_default = false;
  };
  static constexpr std::size_t no_column = static_cast<std::size_t>(-1);
  std::size_t column(std::size_t dim, std::string_view value) const;  // no_column: reference/unknown
  std::vector<std::size_t> features_of(const Candidate& candidate) const;

  std::vector<Dimension> dims_;                       // only those with two or more values
  std::vector<std::vector<std::size_t>> columns_of_;  // per dimension, per value: its column
  std::size_t columns_ = 0;
  double lambda_;
  std::vector<Row> rows_;
  bool fitted_ = false;
  double offset_ = 0;            // y0
  std::vector<double> weights_;  // per column
};

}  // namespace burst::tuner
