#include "tuner/measure.hpp"

#include <gtest/gtest.h>

#include "burst/error.hpp"

namespace burst::tuner {
namespace {

MeasureLevel level() {
  MeasureLevel l;
  l.min_samples = 5;
  l.max_samples = 10;
  l.max_noise = 0.02;
  l.max_time_s = 100;
  return l;
}

TEST(StopRule, NeedsMinSamplesThenStopsOnNoise) {
  std::vector<double> s = {1.0, 1.0, 1.0, 1.0};
  EXPECT_EQ(should_stop(level(), s, 4, 0, false), StopReason::none);
  s.push_back(1.0);
  EXPECT_EQ(should_stop(level(), s, 5, 0, false), StopReason::noise);
}

TEST(StopRule, NoisyRunsGoToMaxSamples) {
  std::vector<double> s = {1.0, 2.0, 1.0, 2.0, 1.0};
  EXPECT_GT(relative_noise(s), 0.02);
  EXPECT_EQ(should_stop(level(), s, 7, 0, false), StopReason::none);
  while (s.size() < 10) s.push_back(s.size() % 2 ? 2.0 : 1.0);
  EXPECT_EQ(should_stop(level(), s, 15, 0, false), StopReason::max_samples);
}

TEST(StopRule, TimeBudget) {
  MeasureLevel l = level();
  l.max_time_s = 1.0;
  EXPECT_EQ(should_stop(l, {0.7, 1.4}, 2.1, 0, false), StopReason::time);
  EXPECT_EQ(should_stop(l, {2.0}, 2.0, 0, false), StopReason::none);  // one sample is no median
}

TEST(StopRule, EarlyStopFarSlowerThanBest) {
  // Best so far 1.0 s; bar = 2x.
  const double bar = early_stop_bar(1.0);
  EXPECT_DOUBLE_EQ(bar, 2.0);
  EXPECT_EQ(should_stop(level(), {3.0, 3.1}, 6, bar, false), StopReason::none);  // wait for 3 samples
  EXPECT_EQ(should_stop(level(), {3.0, 3.1, 2.9}, 9, bar, false), StopReason::early_stop);
  EXPECT_EQ(should_stop(level(), {1.9, 1.9, 1.9}, 6, bar, false), StopReason::none);
}

TEST(StopRule, InterruptAfterTheCurrentSample) {
  EXPECT_EQ(should_stop(level(), {}, 0, 0, true), StopReason::none);
  EXPECT_EQ(should_stop(level(), {1.0}, 1, 0, true), StopReason::interrupt);
}

TEST(Levels, BriefIsCheaperAndBadArgumentsAreRefused) {
  const auto lv = measure_levels(1, 5, 30, 0.03, 10);
  ASSERT_EQ(lv.size(), 2u);
  EXPECT_LE(lv[0].max_samples, lv[1].max_samples);
  EXPECT_LE(lv[0].min_samples, lv[1].min_samples);
  EXPECT_EQ(lv[1].max_noise, 0.03);
  EXPECT_THROW(measure_levels(1, 5, 4, 0.03, 10), InvalidArgument);
  EXPECT_THROW(measure_levels(1, 1, 4, 0.03, 10), InvalidArgument);
  EXPECT_THROW(measure_levels(1, 5, 10, 0.0, 10), InvalidArgument);
}

TEST(Measure, RealCandidateOnTwoThreadRanks) {
  Workload w;
  w.name = "t";
  w.shape.seq = 256;
  w.shape.heads = 2;
  w.shape.head_dim = 32;
  w.world = 2;
  w.pass = Pass::fwd_bwd;
  MeasureLevel l;
  l.warmup = 0;
  l.min_samples = 3;
  l.max_samples = 4;
  l.max_noise = 1e-9;  // never quiet enough: runs to max_samples
  const MeasureResult r = measure_candidate(w, default_candidate(), l, 0, nullptr, false, 1, nullptr);
  ASSERT_TRUE(r.m.ok) << r.m.failure;
  EXPECT_EQ(r.m.samples, 4);
  EXPECT_EQ(r.stop, StopReason::max_samples);
  EXPECT_GT(r.m.median_s, 0);
  EXPECT_EQ(r.trial.bytes_fwd, r.trial.expected_bytes_fwd);
  // A candidate the runtime refuses is a failed measurement, not an exception.
  Candidate bad;
  bad.schedule.chunks = 3;
  const MeasureResult f = measure_candidate(w, bad, l, 0, nullptr, false, 1, nullptr);
  EXPECT_FALSE(f.m.ok);
  EXPECT_EQ(f.m.status, "failed");
  EXPECT_NE(f.m.failure.find("chunks"), std::string::npos);
}

}  // namespace
}  // namespace burst::tuner
