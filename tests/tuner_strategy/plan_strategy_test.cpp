// plan_strategy, what tune's plan and progress count (docs/tune.md "The plan"): with every
// candidate ok, each strategy evaluates exactly what it planned, level by level, with and without a
// --max-trials budget.
#include <gtest/gtest.h>

#include "burst/error.hpp"
#include "tests/tuner_strategy/synthetic.hpp"

namespace burst::test {
namespace {

std::vector<int> evaluations_per_level(const tuner::StrategyTrace& t, int full) {
  std::vector<int> per(static_cast<std::size_t>(full) + 1, 0);
  for (const auto& s : t.steps) ++per.at(static_cast<std::size_t>(s.level));
  return per;
}

class PlanOfEveryStrategy : public ::testing::TestWithParam<std::tuple<std::string, int>> {};

TEST_P(PlanOfEveryStrategy, MatchesWhatTheStrategyEvaluates) {
  const auto& [name, max_trials] = GetParam();
  const auto space = synthetic_space();
  tuner::StrategyOptions o;
  o.seed = 3;
  o.max_trials = max_trials;
  o.predict = [](const tuner::Candidate& c) { return true_time(c); };
  SyntheticEvaluator ev;
  const auto trace = tuner::run_strategy(name, space, ev, o);
  const auto plan = tuner::plan_strategy(name, space.candidates.size(), ev.full_level(), o);
  EXPECT_EQ(plan.per_level, evaluations_per_level(trace, ev.full_level()));
  EXPECT_EQ(plan.evaluations(), static_cast<int>(trace.steps.size()));
  if (max_trials > 0) {
    EXPECT_LE(plan.evaluations(), max_trials);
  }
  if (name == "halving") {
    ASSERT_FALSE(plan.rungs.empty());
    std::size_t in_rungs = 1;  // the default, measured in full first
    for (auto r : plan.rungs) in_rungs += r;
    EXPECT_EQ(in_rungs, trace.steps.size());
  } else {
    EXPECT_TRUE(plan.rungs.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(Budgets, PlanOfEveryStrategy,
                         ::testing::Combine(::testing::Values("exhaustive", "random", "halving", "model"),
                                            ::testing::Values(0, 7, 20)));

TEST(PlanStrategy, EmptySpaceAndUnknownName) {
  tuner::StrategyOptions o;
  EXPECT_EQ(tuner::plan_strategy("halving", 0, 1, o).evaluations(), 0);
  EXPECT_THROW(tuner::plan_strategy("genetic", 10, 1, o), InvalidArgument);
}

}  // namespace
}  // namespace burst::test
