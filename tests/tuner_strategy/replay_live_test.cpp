// Replaying a live tuning job with the strategy, seed and budget it ran with reproduces it step for
// step: same candidates, same levels, same statuses, same medians (the protocol is the same pure
// function of the samples, and the replayed space is the space the live run built).
#include <gtest/gtest.h>

#include "tests/tuner_strategy/recorded_db.hpp"
#include "tuner/replay.hpp"
#include "tuner/session.hpp"

namespace burst::test {
namespace {

TEST(ReplayLive, ReproducesTheRecordedRun) {
  for (const std::string strategy : {"halving", "random"}) {
    TempDb t;
    const auto options = live_tune_options(t.path(), strategy);
    (void)tuner::run_tune(options, nullptr, nullptr);

    const auto data = tuner::load_replay(t.path());
    EXPECT_EQ(data.protocol.seed, 3u);
    const auto space = tuner::recorded_space(data, 0);
    tuner::ReplayEvaluator ev(data, 0, {data.protocol.max_trials, data.protocol.time_limit_s});
    tuner::StrategyOptions so;
    so.seed = data.protocol.seed;
    so.max_trials = data.protocol.max_trials;
    const auto trace = tuner::run_strategy(data.protocol.strategy, space, ev, so);
    ASSERT_EQ(trace.steps.size(), 14u) << strategy;

    db::Database db(t.path(), false);
    auto st = db.prepare(
        "SELECT config, status, stats FROM trials WHERE status IN ('ok', 'stopped_early', 'failed') ORDER BY "
        "id");
    std::size_t i = 0;
    while (st.step()) {
      ASSERT_LT(i, trace.steps.size()) << strategy;
      const auto config = nlohmann::json::parse(st.text(0));
      const auto stats = nlohmann::json::parse(st.text(2));
      const auto& step = trace.steps[i];
      EXPECT_EQ(space.candidates[step.candidate].key(), config.at("key").get<std::string>())
          << strategy << " step " << i;
      EXPECT_EQ(step.level, config.at("level").get<int>()) << strategy << " step " << i;
      EXPECT_EQ(step.m.status, st.text(1)) << strategy << " step " << i;
      if (stats.contains("median_s")) {
        EXPECT_DOUBLE_EQ(step.m.median_s, stats.at("median_s").get<double>()) << strategy << " step " << i;
      }
      ++i;
    }
    EXPECT_EQ(i, trace.steps.size()) << strategy;
  }
}

}  // namespace
}  // namespace burst::test
