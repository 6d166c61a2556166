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
  int max_trials = 0;  // 0: no limit (the evaluator enforces it too; strategies use it to plan)
  double eta = 3;      // halving: keep 1/eta per rung
  int model_batch = 4; // model: candidates measured per refit
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

}  // namespace burst::tuner
