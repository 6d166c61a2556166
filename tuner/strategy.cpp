// Strategy dispatch, the seeded helpers every strategy shares, and the two simple strategies
// (exhaustive, random). Halving and model live in strategy_halving.cpp and strategy_model.cpp.
#include "tuner/strategy.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

#include "burst/error.hpp"

namespace burst::tuner {

namespace strategy_detail {

bool may_evaluate(const StrategyTrace& trace, const Evaluator& evaluator, const StrategyOptions& options) {
  if (evaluator.exhausted()) return false;
  return options.max_trials <= 0 || trace.steps.size() < static_cast<std::size_t>(options.max_trials);
}

const Measurement& evaluate_step(StrategyTrace& trace, Evaluator& evaluator, const SearchSpace& space,
                                 std::size_t index, int level) {
  BURST_CHECK(index < space.candidates.size(), "candidate index out of the space");
  Measurement m = evaluator.evaluate(EvalRequest{&space.candidates[index], level});
  trace.steps.push_back({index, level, std::move(m)});
  return trace.steps.back().m;
}

}  // namespace strategy_detail

std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t n) {
  BURST_CHECK(n > 0, "uniform_below needs n > 0");
  // Accept only draws below the largest multiple of n the engine can produce, then reduce: every
  // residue is equally likely. (mt19937_64 yields all 64-bit values.)
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t limit = max - (max % n + 1) % n;  // largest value kept; limit + 1 is a multiple of n
  for (;;) {
    const std::uint64_t x = rng();
    if (x <= limit) return x % n;
  }
}

std::vector<std::size_t> seeded_permutation(std::size_t n, std::uint64_t seed) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937_64 rng(seed);
  for (std::size_t i = n; i > 1; --i) {
    const auto j = static_cast<std::size_t>(uniform_below(rng, i));
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

StrategyTrace run_exhaustive(const SearchSpace& space, Evaluator& evaluator, const StrategyOptions& options) {
  StrategyTrace trace;
  const int full = evaluator.full_level();
  for (std::size_t i = 0; i < space.candidates.size(); ++i) {
    if (!strategy_detail::may_evaluate(trace, evaluator, options)) break;
    strategy_detail::evaluate_step(trace, evaluator, space, i, full);
  }
  return trace;
}

StrategyTrace run_random(const SearchSpace& space, Evaluator& evaluator, const StrategyOptions& options) {
  StrategyTrace trace;
  const std::size_t n = space.candidates.size();
  if (n == 0) return trace;
  const int full = evaluator.full_level();
  // The default first, then the others (1..n-1) in a seeded random order.
  std::vector<std::size_t> order{0};
  for (std::size_t i : seeded_permutation(n - 1, options.seed)) order.push_back(i + 1);
  for (std::size_t i : order) {
    if (!strategy_detail::may_evaluate(trace, evaluator, options)) break;
    strategy_detail::evaluate_step(trace, evaluator, space, i, full);
  }
  return trace;
}

std::vector<std::string> strategy_names() {
  return {"exhaustive", "random", "halving", "model"};
}

int StrategyPlan::evaluations() const {
  return std::accumulate(per_level.begin(), per_level.end(), 0);
}

StrategyPlan plan_strategy(std::string_view name, std::size_t candidates, int full_level,
                           const StrategyOptions& options) {
  const auto names = strategy_names();
  BURST_REQUIRE(
      std::find(names.begin(), names.end(), name) != names.end(),
      "unknown strategy '" + std::string(name) + "': expected exhaustive, random, halving or model");
  const int full = std::max(full_level, 0);
  StrategyPlan plan;
  plan.per_level.assign(static_cast<std::size_t>(full) + 1, 0);
  if (candidates == 0 || options.max_trials < 0) return plan;
  if (name != "halving") {  // every candidate once at the full level, within the budget
    const std::size_t n = options.max_trials > 0
                              ? std::min(candidates, static_cast<std::size_t>(options.max_trials))
                              : candidates;
    plan.per_level.back() = static_cast<int>(n);
    return plan;
  }
  plan.per_level.back() = 1;  // the default, in full
  plan.rungs = strategy_detail::halving_rungs(candidates, full, options);
  for (std::size_t r = 0; r < plan.rungs.size(); ++r) {
    const bool last = r + 1 == plan.rungs.size();
    plan.per_level[last ? static_cast<std::size_t>(full) : r] += static_cast<int>(plan.rungs[r]);
  }
  return plan;
}

StrategyTrace run_strategy(std::string_view name, const SearchSpace& space, Evaluator& evaluator,
                           const StrategyOptions& options) {
  BURST_REQUIRE(options.max_trials >= 0, "strategy: --max-trials must be >= 0 (0: no limit), got " +
                                             std::to_string(options.max_trials));
  if (name == "exhaustive") return run_exhaustive(space, evaluator, options);
  if (name == "random") return run_random(space, evaluator, options);
  if (name == "halving") return run_halving(space, evaluator, options);
  if (name == "model") return run_model(space, evaluator, options);
  BURST_THROW(InvalidArgument,
              "unknown strategy '" + std::string(name) + "': expected exhaustive, random, halving or model");
}

}  // namespace burst::tuner
