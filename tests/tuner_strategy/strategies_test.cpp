// The four strategies on a synthetic evaluator: each finds the true best with enough budget,
// measures the default first and in full, respects --max-trials exactly, is reproducible from its
// seed, and survives failing candidates.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "burst/error.hpp"
#include "tests/tuner_strategy/synthetic.hpp"

namespace burst::test {
namespace {

using tuner::StrategyOptions;
using tuner::StrategyTrace;

StrategyOptions options_for(std::uint64_t seed, int max_trials = 0) {
  StrategyOptions o;
  o.seed = seed;
  o.max_trials = max_trials;
  o.predict = [](const tuner::Candidate& c) { return true_time(c); };  // a perfect model
  return o;
}

std::vector<std::size_t> order_of(const StrategyTrace& t) {
  std::vector<std::size_t> order;
  for (const auto& s : t.steps) order.push_back(s.candidate);
  return order;
}

bool same_trace(const StrategyTrace& a, const StrategyTrace& b) {
  if (a.steps.size() != b.steps.size()) return false;
  for (std::size_t i = 0; i < a.steps.size(); ++i) {
    const auto &x = a.steps[i], &y = b.steps[i];
    if (x.candidate != y.candidate || x.level != y.level || x.m.ok != y.m.ok ||
        x.m.median_s != y.m.median_s || x.m.status != y.m.status)
      return false;
  }
  return true;
}

TEST(StrategyNames, ListsTheFourAndRefusesUnknown) {
  EXPECT_EQ(tuner::strategy_names(), (std::vector<std::string>{"exhaustive", "random", "halving", "model"}));
  const auto space = synthetic_space();
  SyntheticEvaluator ev;
  EXPECT_THROW(tuner::run_strategy("genetic", space, ev, options_for(1)), InvalidArgument);
  EXPECT_EQ(ev.calls, 0);
}

TEST(UniformBelow, StaysInRangeAndIsReproducible) {
  std::mt19937_64 a(42), b(42);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 7000; ++i) {
    const auto x = tuner::uniform_below(a, 7);
    ASSERT_LT(x, 7u);
    ASSERT_EQ(x, tuner::uniform_below(b, 7));
    ++counts[x];
  }
  for (int c : counts) EXPECT_NEAR(c, 1000, 150);  // uniform: about 1000 each (stdev ~29)
  // The permutation is a permutation, and fixed by the seed (pinned: the same on every library).
  auto p = tuner::seeded_permutation(10, 7);
  auto sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(sorted[i], i);
  EXPECT_EQ(p, tuner::seeded_permutation(10, 7));
  EXPECT_NE(p, tuner::seeded_permutation(10, 8));
}

class EveryStrategy : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryStrategy, DefaultFirstInFull) {
  const auto space = synthetic_space();
  SyntheticEvaluator ev;
  const auto trace = tuner::run_strategy(GetParam(), space, ev, options_for(3));
  ASSERT_FALSE(trace.steps.empty());
  EXPECT_EQ(trace.steps[0].candidate, 0u);
  EXPECT_EQ(trace.steps[0].level, ev.full_level());
  EXPECT_EQ(static_cast<int>(trace.steps.size()), ev.calls);
}

TEST_P(EveryStrategy, FindsTheTrueBestWithEnoughBudget) {
  const auto space = synthetic_space();
  const std::size_t best = true_best(space);
  ASSERT_NE(best, 0u);
  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    SyntheticEvaluator ev;
    const auto trace = tuner::run_strategy(GetParam(), space, ev, options_for(seed));
    EXPECT_EQ(best_full(trace, ev.full_level()), static_cast<long>(best)) << "seed " << seed;
  }
}

TEST_P(EveryStrategy, RespectsMaxTrialsExactly) {
  const auto space = synthetic_space();
  for (int max_trials : {1, 2, 3, 5, 6, 7, 10, 20, 40}) {
    SyntheticEvaluator ev;
    const auto trace = tuner::run_strategy(GetParam(), space, ev, options_for(9, max_trials));
    EXPECT_EQ(static_cast<int>(trace.steps.size()), max_trials) << "--max-trials " << max_trials;
  }
  // The evaluator's own budget (e.g. --time-limit) stops it too, after exactly that many calls.
  SyntheticEvaluator limited(0.01, {}, 8);
  const auto trace = tuner::run_strategy(GetParam(), space, limited, options_for(9));
  EXPECT_EQ(trace.steps.size(), 8u);
  EXPECT_FALSE(limited.over_budget);
}

TEST_P(EveryStrategy, SameSeedSameTrace) {
  const auto space = synthetic_space();
  SyntheticEvaluator a, b;
  EXPECT_TRUE(same_trace(tuner::run_strategy(GetParam(), space, a, options_for(11, 25)),
                         tuner::run_strategy(GetParam(), space, b, options_for(11, 25))));
}

TEST_P(EveryStrategy, FailedCandidatesAreSkipped) {
  const auto space = synthetic_space();
  // The true best and a third of the others fail.
  std::set<std::string> failing{space.candidates[true_best(space)].key()};
  for (std::size_t i = 1; i < space.candidates.size(); i += 3) failing.insert(space.candidates[i].key());
  SyntheticEvaluator ev(0.01, failing);
  const auto trace = tuner::run_strategy(GetParam(), space, ev, options_for(5));
  const long best = best_full(trace, ev.full_level());
  ASSERT_GE(best, 0);
  EXPECT_FALSE(failing.count(space.candidates[static_cast<std::size_t>(best)].key()));
  EXPECT_EQ(static_cast<std::size_t>(best), true_best(space, failing));
}

TEST_P(EveryStrategy, EmptySpaceEvaluatesNothing) {
  tuner::SearchSpace empty;
  SyntheticEvaluator ev;
  EXPECT_TRUE(tuner::run_strategy(GetParam(), empty, ev, options_for(1)).steps.empty());
}

INSTANTIATE_TEST_SUITE_P(Strategies, EveryStrategy,
                         ::testing::Values("exhaustive", "random", "halving", "model"),
                         [](const auto& param_info) { return param_info.param; });

TEST(Exhaustive, VisitsEachCandidateOnceInSpaceOrder) {
  const auto space = synthetic_space();
  SyntheticEvaluator ev;
  const auto trace = tuner::run_strategy("exhaustive", space, ev, options_for(1));
  ASSERT_EQ(trace.steps.size(), space.candidates.size());
  for (std::size_t i = 0; i < trace.steps.size(); ++i) {
    EXPECT_EQ(trace.steps[i].candidate, i);
    EXPECT_EQ(trace.steps[i].level, ev.full_level());
  }
}

TEST(Random, EachOnceAndTheOrderDependsOnTheSeed) {
  const auto space = synthetic_space();
  SyntheticEvaluator a, b;
  const auto ta = tuner::run_strategy("random", space, a, options_for(1));
  const auto tb = tuner::run_strategy("random", space, b, options_for(2));
  auto oa = order_of(ta), ob = order_of(tb);
  EXPECT_NE(oa, ob);
  EXPECT_EQ(oa[0], 0u);
  EXPECT_EQ(ob[0], 0u);
  std::sort(oa.begin(), oa.end());
  ASSERT_EQ(oa.size(), space.candidates.size());
  for (std::size_t i = 0; i < oa.size(); ++i) EXPECT_EQ(oa[i], i);
  // Not the space order.
  EXPECT_NE(order_of(ta), oa);
}

TEST(Halving, BriefRungThenTheBestThirdInFull) {
  const auto space = synthetic_space();
  SyntheticEvaluator ev;
  const auto trace = tuner::run_strategy("halving", space, ev, options_for(4));
  const int full = ev.full_level();
  // default (full), 53 brief, ceil(53/3) = 18 in full.
  ASSERT_EQ(trace.steps.size(), 1u + 53u + 18u);
  std::set<std::size_t> brief;
  for (std::size_t i = 1; i <= 53; ++i) {
    EXPECT_EQ(trace.steps[i].level, 0);
    brief.insert(trace.steps[i].candidate);
  }
  EXPECT_EQ(brief.size(), 53u);
  EXPECT_FALSE(brief.count(0));
  // The final rung is at the full level, best (brief) first, and holds the 18 best brief ones.
  std::vector<std::pair<double, std::size_t>> ranked;
  for (std::size_t i = 1; i <= 53; ++i)
    ranked.emplace_back(trace.steps[i].m.median_s, trace.steps[i].candidate);
  std::sort(ranked.begin(), ranked.end());
  for (std::size_t k = 0; k < 18; ++k) {
    EXPECT_EQ(trace.steps[54 + k].level, full);
    EXPECT_EQ(trace.steps[54 + k].candidate, ranked[k].second);
  }
}

TEST(Halving, BudgetShrinksTheFirstRungNotTheFinal) {
  const auto space = synthetic_space();
  SyntheticEvaluator ev;
  auto random_sample = options_for(4, 14);
  random_sample.predict = nullptr;  // no cost model: rung 0 is a seeded random sample
  const auto trace = tuner::run_strategy("halving", space, ev, random_sample);
  ASSERT_EQ(trace.steps.size(), 14u);
  // 1 default + n0 brief + the rest in full; n0 + ceil(n0/3) <= 13 -> n0 = 9, 3 finalists + 1 spare.
  int brief = 0, full = 0;
  for (const auto& s : trace.steps) (s.level == 0 ? brief : full) += 1;
  EXPECT_EQ(brief, 9);
  EXPECT_EQ(full, 5);
  EXPECT_EQ(trace.steps.back().level, ev.full_level());
  // A different seed samples a different first rung.
  SyntheticEvaluator ev2;
  auto other_seed = random_sample;
  other_seed.seed = 5;
  const auto other = tuner::run_strategy("halving", space, ev2, other_seed);
  EXPECT_NE(order_of(trace), order_of(other));
}

TEST(Halving, ShortBudgetWithACostModelSamplesItsShortlist) {
  const auto space = synthetic_space();
  SyntheticEvaluator ev;
  const auto trace = tuner::run_strategy("halving", space, ev, options_for(4, 14));  // perfect model
  ASSERT_EQ(trace.steps.size(), 14u);
  // Rung 0 (steps 1..9) is the 9 candidates the model predicts fastest, whatever the seed.
  std::vector<std::pair<double, std::size_t>> predicted;
  for (std::size_t i = 1; i < space.candidates.size(); ++i)
    predicted.emplace_back(true_time(space.candidates[i]), i);
  std::stable_sort(predicted.begin(), predicted.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::set<std::size_t> shortlist, rung0;
  for (std::size_t k = 0; k < 9; ++k) shortlist.insert(predicted[k].second);
  for (std::size_t k = 1; k <= 9; ++k) rung0.insert(trace.steps[k].candidate);
  EXPECT_EQ(rung0, shortlist);
  // Without a full budget shortfall the model is not consulted: every candidate is measured.
  SyntheticEvaluator all;
  const auto whole = tuner::run_strategy("halving", space, all, options_for(4));
  EXPECT_EQ(std::count_if(whole.steps.begin(), whole.steps.end(), [](const auto& s) { return s.level == 0; }),
            static_cast<long>(space.candidates.size() - 1));
}

TEST(Halving, OneRungPerLevel) {
  const auto space = synthetic_space();
  SyntheticEvaluator ev;
  ev.full = 2;
  const auto trace = tuner::run_strategy("halving", space, ev, options_for(4));
  // default (level 2), 53 at level 0, ceil(53/3) = 18 at level 1, 6 at level 2.
  std::vector<int> per_level(3, 0);
  for (const auto& s : trace.steps) per_level[static_cast<std::size_t>(s.level)] += 1;
  EXPECT_EQ(per_level, (std::vector<int>{53, 18, 1 + 6}));
  EXPECT_EQ(best_full(trace, 2), static_cast<long>(true_best(space)));
  // The level-2 finalists are the best six of level 1.
  std::vector<std::pair<double, std::size_t>> rung1;
  for (const auto& s : trace.steps)
    if (s.level == 1) rung1.emplace_back(s.m.median_s, s.candidate);
  std::sort(rung1.begin(), rung1.end());
  for (std::size_t k = 0; k < 6; ++k) EXPECT_EQ(trace.steps[1 + 53 + 18 + k].candidate, rung1[k].second);
}

TEST(Model, RefusesWithoutACostModel) {
  const auto space = synthetic_space();
  SyntheticEvaluator ev;
  auto o = options_for(1);
  o.predict = nullptr;
  try {
    tuner::run_strategy("model", space, ev, o);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("strategy model: no cost model"), std::string::npos) << e.what();
  }
  EXPECT_EQ(ev.calls, 0);
}

TEST(Model, PerfectPredictorFindsTheBestInTheFirstBatch) {
  const auto space = synthetic_space();
  SyntheticEvaluator ev;
  auto o = options_for(1);
  o.model_batch = 4;
  const auto trace = tuner::run_strategy("model", space, ev, o);
  const auto best = true_best(space);
  bool in_first_batch = false;
  for (std::size_t i = 1; i <= 4; ++i) in_first_batch |= trace.steps[i].candidate == best;
  EXPECT_TRUE(in_first_batch);
  EXPECT_EQ(trace.steps[1].candidate, best);  // ranked first, even
}

TEST(Model, RefitCorrectsABiasedPredictorWithinAFewBatches) {
  const auto space = synthetic_space();
  const auto best = true_best(space);
  // The model believes double_buffer is 2x faster than it is: all 18 double_buffer candidates
  // rank ahead of every chunk_pipeline one. Without the refit the best would come after them.
  auto biased = [](const tuner::Candidate& c) {
    return true_time(c) * (c.value("ring.overlap") == "double_buffer" ? 0.5 : 1.0);
  };
  auto o = options_for(1);
  o.predict = biased;
  o.model_batch = 4;
  SyntheticEvaluator ev;
  const auto trace = tuner::run_strategy("model", space, ev, o);
  std::size_t found_at = trace.steps.size();
  for (std::size_t i = 0; i < trace.steps.size(); ++i)
    if (trace.steps[i].candidate == best) found_at = i;
  EXPECT_LE(found_at, 1u + 3 * 4) << "the refit did not correct the bias within 3 batches";
  // The first batch trusted the model (double_buffer), later ones did not.
  EXPECT_EQ(space.candidates[trace.steps[1].candidate].value("ring.overlap"), "double_buffer");
}

}  // namespace
}  // namespace burst::test
