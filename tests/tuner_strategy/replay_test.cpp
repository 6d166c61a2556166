// Replay from a recorded database: loading the job, the recorded space, the measurement protocol
// re-applied to recorded samples, the budget, and determinism (same seed -> identical trace).
#include "tuner/replay.hpp"

#include <gtest/gtest.h>

#include "burst/error.hpp"
#include "tests/tuner_strategy/recorded_db.hpp"

namespace burst::test {
namespace {

using tuner::ReplayEvaluator;

RecordingPlan standard_plan() {
  RecordingPlan plan;
  plan.pruned = {5};
  plan.failed = {7};
  plan.stopped_early = {9};
  return plan;
}

bool same_trace(const tuner::StrategyTrace& a, const tuner::StrategyTrace& b) {
  if (a.steps.size() != b.steps.size()) return false;
  for (std::size_t i = 0; i < a.steps.size(); ++i) {
    const auto &x = a.steps[i], &y = b.steps[i];
    if (x.candidate != y.candidate || x.level != y.level || x.m.ok != y.m.ok || x.m.status != y.m.status ||
        x.m.median_s != y.m.median_s || x.m.noise != y.m.noise || x.m.samples != y.m.samples)
      return false;
  }
  return true;
}

TEST(Replay, LoadsTheLatestJobByDefaultAndOthersById) {
  TempDb t;
  const auto space = synthetic_space();
  RecordingPlan older;
  older.scale = 3.0;
  const auto job1 = write_recorded_job(t.path(), space, test_workload(512), older);
  const auto job2 = write_recorded_job(t.path(), space, test_workload(256), standard_plan(), "random");

  const auto latest = tuner::load_replay(t.path());
  EXPECT_EQ(latest.job_id, job2);
  EXPECT_EQ(latest.protocol.strategy, "random");
  EXPECT_EQ(latest.protocol.max_samples, 20);
  ASSERT_EQ(latest.workloads.size(), 1u);
  EXPECT_EQ(tuner::recorded_workload(latest, 0).shape.seq, 256);
  const auto& w = latest.workloads[0];
  ASSERT_EQ(w.candidates.size(), space.candidates.size() - 1);  // one pruned
  EXPECT_TRUE(w.candidates[0].is_default);
  ASSERT_EQ(w.pruned.size(), 1u);
  EXPECT_EQ(w.pruned[0].reason, "synthetic constraint");

  const auto first = tuner::load_replay(t.path(), {job1, std::nullopt});
  EXPECT_EQ(first.job_id, job1);
  EXPECT_EQ(tuner::recorded_workload(first, 0).shape.seq, 512);
  EXPECT_EQ(first.workloads[0].candidates.size(), space.candidates.size());
  // By session: the second job ran in session 2.
  EXPECT_EQ(tuner::load_replay(t.path(), {std::nullopt, 2}).job_id, job2);

  EXPECT_THROW(tuner::load_replay(t.path(), {99, std::nullopt}), InvalidArgument);
  EXPECT_THROW(tuner::load_replay(t.path(), {std::nullopt, 99}), InvalidArgument);
  EXPECT_THROW(tuner::load_replay((t.dir / "missing.db").string()), InvalidArgument);
}

TEST(Replay, RefusesADatabaseWithoutTuneJobs) {
  TempDb t;
  { db::Database db(t.path(), true); }
  EXPECT_THROW(tuner::load_replay(t.path()), InvalidArgument);
}

TEST(Replay, RecordedSpaceHasTheDefaultFirstAndTheDimensions) {
  TempDb t;
  const auto space = synthetic_space();
  write_recorded_job(t.path(), space, test_workload(), standard_plan());
  const auto data = tuner::load_replay(t.path());
  const auto rs = tuner::recorded_space(data, 0);
  ASSERT_EQ(rs.candidates.size(), space.candidates.size() - 1);
  EXPECT_TRUE(rs.candidates[0].is_default());
  EXPECT_EQ(rs.pruned.size(), 1u);
  EXPECT_EQ(rs.workload.shape.seq, 256);
  bool overlap_found = false;
  for (const auto& d : rs.dims) {
    if (d.name == "ring.overlap") {
      overlap_found = true;
      EXPECT_EQ(d.values, (std::vector<std::string>{"none", "double_buffer", "chunk_pipeline"}));
    }
  }
  EXPECT_TRUE(overlap_found);
  EXPECT_EQ(rs.raw_size, 54u);  // 3 x 3 x 3 x 2 (the others are constant)
  EXPECT_THROW(tuner::recorded_space(data, 1), InvalidArgument);
}

TEST(Replay, SamplesStopWhereTheProtocolSays) {
  const auto levels = tuner::measure_levels(1, 5, 20, 0.03, 5.0);
  const tuner::MeasureLevel& full = levels.back();
  const tuner::MeasureLevel& brief = levels.front();
  // Quiet samples: the noise criterion stops at min_samples.
  const std::vector<double> quiet(20, 1.0);
  auto r = tuner::replay_samples(quiet, "ok", full, 0);
  EXPECT_EQ(r.m.samples, 5);
  EXPECT_EQ(r.stop, tuner::StopReason::noise);
  EXPECT_TRUE(r.m.ok);
  EXPECT_DOUBLE_EQ(r.m.median_s, 1.0);
  EXPECT_DOUBLE_EQ(r.elapsed_s, 5.0 * 1.0);
  EXPECT_LT(tuner::replay_samples(quiet, "ok", brief, 0).m.samples, 5);
  // Noisy samples run to max_samples.
  std::vector<double> noisy;
  for (int k = 0; k < 30; ++k) noisy.push_back(k % 2 ? 0.010 : 0.015);
  r = tuner::replay_samples(noisy, "ok", full, 0);
  EXPECT_EQ(r.m.samples, 20);
  EXPECT_EQ(r.stop, tuner::StopReason::max_samples);
  EXPECT_DOUBLE_EQ(r.m.median_s, 0.0125);
  // ... unless their time runs out first (max_time_s 5: four samples of 1.5 and 1 s).
  for (double& x : noisy) x *= 100;
  r = tuner::replay_samples(noisy, "ok", full, 0);
  EXPECT_EQ(r.m.samples, 4);
  EXPECT_EQ(r.stop, tuner::StopReason::time);
  EXPECT_TRUE(r.m.ok);
  // Far above the early-stop bar: abandoned after 3 samples.
  r = tuner::replay_samples(quiet, "ok", full, 0.4);
  EXPECT_EQ(r.m.samples, 3);
  EXPECT_FALSE(r.m.ok);
  EXPECT_EQ(r.m.status, "stopped_early");
  // A recording that ended early stays stopped early when its samples run out.
  r = tuner::replay_samples({1.0, 1.2}, "stopped_early", full, 0);
  EXPECT_FALSE(r.m.ok);
  EXPECT_EQ(r.m.status, "stopped_early");
}

TEST(Replay, EvaluatorReplaysFailuresMissingCandidatesAndTheBudget) {
  TempDb t;
  const auto space = synthetic_space();
  write_recorded_job(t.path(), space, test_workload(), standard_plan());
  const auto data = tuner::load_replay(t.path());
  ReplayEvaluator ev(data, 0, {3, 0});
  EXPECT_EQ(ev.full_level(), 1);
  auto m = ev.evaluate({&space.candidates[7], 1});
  EXPECT_FALSE(m.ok);
  EXPECT_EQ(m.status, "failed");
  EXPECT_EQ(m.failure, "synthetic failure 7");
  m = ev.evaluate({&space.candidates[5], 1});  // pruned: never measured
  EXPECT_EQ(m.status, "failed");
  EXPECT_EQ(m.failure, "not in the recording");
  EXPECT_FALSE(ev.exhausted());
  m = ev.evaluate({&space.candidates[1], 1});
  EXPECT_TRUE(m.ok);
  EXPECT_NEAR(m.median_s, true_time(space.candidates[1]), 0.02 * true_time(space.candidates[1]));
  EXPECT_TRUE(ev.exhausted());
  EXPECT_EQ(ev.evaluations(), 3);

  // Time limit: replayed sample seconds (5 quiet samples of about 1.0 s for the default).
  ReplayEvaluator timed(data, 0, {0, 4.0});
  EXPECT_FALSE(timed.exhausted());
  timed.evaluate({&space.candidates[0], 1});
  EXPECT_NEAR(timed.replayed_s(), 5.0, 0.1);
  EXPECT_TRUE(timed.exhausted());
  // Shared per job.
  double job_s = 0;
  ReplayEvaluator a(data, 0, {0, 8.0}, &job_s), b(data, 0, {0, 8.0}, &job_s);
  a.evaluate({&space.candidates[0], 1});
  EXPECT_FALSE(b.exhausted());
  b.evaluate({&space.candidates[0], 1});
  EXPECT_TRUE(a.exhausted());
}

TEST(Replay, EarlyStopsAgainstTheBestSoFar) {
  TempDb t;
  const auto space = synthetic_space();
  write_recorded_job(t.path(), space, test_workload(), standard_plan());
  const auto data = tuner::load_replay(t.path());
  ReplayEvaluator ev(data, 0, {});
  // The fastest first, then one more than 2x slower (overlap none, tile 32, chunks 4: 1.365 vs
  // the best 0.5985).
  const auto best = true_best(space);
  EXPECT_TRUE(ev.evaluate({&space.candidates[best], 1}).ok);
  tuner::Candidate slow = space.candidates[0];
  slow.schedule.tile_q = 32;
  slow.schedule.chunks = 4;
  const auto m = ev.evaluate({&slow, 1});
  EXPECT_FALSE(m.ok);
  EXPECT_EQ(m.status, "stopped_early");
  EXPECT_EQ(m.samples, 3);
}

TEST(Replay, DeterministicForEveryStrategy) {
  TempDb t;
  const auto space = synthetic_space();
  write_recorded_job(t.path(), space, test_workload(), standard_plan());
  const auto data = tuner::load_replay(t.path());
  const auto again = tuner::load_replay(t.path());
  const auto rs = tuner::recorded_space(data, 0);
  const auto rs2 = tuner::recorded_space(again, 0);
  for (const auto& name : tuner::strategy_names()) {
    tuner::StrategyOptions o;
    o.seed = 17;
    o.predict = [](const tuner::Candidate& c) {
      return true_time(c) * (c.value("ring.layout") == "zigzag" ? 2 : 1);
    };
    ReplayEvaluator e1(data, 0, {}), e2(again, 0, {});
    const auto t1 = tuner::run_strategy(name, rs, e1, o);
    const auto t2 = tuner::run_strategy(name, rs2, e2, o);
    EXPECT_TRUE(same_trace(t1, t2)) << name;
    EXPECT_GE(t1.steps.size(), 2u) << name;
    // And it finds the recorded best (the budget is unlimited).
    const long best = best_full(t1, e1.full_level());
    ASSERT_GE(best, 0) << name;
    EXPECT_EQ(rs.candidates[static_cast<std::size_t>(best)].key(), space.candidates[true_best(space)].key())
        << name;
  }
  // Different seeds: a different random order.
  tuner::StrategyOptions o1, o2;
  o1.seed = 1;
  o2.seed = 2;
  ReplayEvaluator e1(data, 0, {}), e2(data, 0, {});
  EXPECT_FALSE(
      same_trace(tuner::run_strategy("random", rs, e1, o1), tuner::run_strategy("random", rs, e2, o2)));
}

TEST(Replay, JobReplayPicksTheRecordedBestAndIsDeterministic) {
  TempDb t;
  const auto space = synthetic_space();
  write_recorded_job(t.path(), space, test_workload(256), standard_plan());
  const auto data = tuner::load_replay(t.path());
  tuner::StrategyOptions o;
  o.seed = 5;
  int predictions = 0;
  auto predict = [&](const tuner::Workload& w, const tuner::Candidate& c) {
    ++predictions;
    EXPECT_EQ(w.shape.seq, 256);
    return true_time(c);
  };
  const auto a = tuner::replay_job(data, "model", o, {}, predict);
  const auto b = tuner::replay_job(data, "model", o, {}, predict);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_GT(predictions, 0);
  EXPECT_TRUE(same_trace(a[0].trace, b[0].trace));
  ASSERT_TRUE(a[0].winner.has_value());
  EXPECT_EQ(a[0].measured[*a[0].winner].key(), space.candidates[true_best(space)].key());
  EXPECT_EQ(a[0].evaluations, static_cast<int>(a[0].trace.steps.size()));
  // The budget holds per workload; without a model, "model" is refused.
  const auto limited = tuner::replay_job(data, "halving", o, {6, 0});
  EXPECT_EQ(limited[0].evaluations, 6);
  EXPECT_THROW(tuner::replay_job(data, "model", o, {}), InvalidArgument);
}

}  // namespace
}  // namespace burst::test
