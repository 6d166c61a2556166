// ModelRefit: the log-linear per-parameter-value correction of the cost model.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/tuner_strategy/synthetic.hpp"

namespace burst::test {
namespace {

TEST(ModelRefit, IsOneBeforeAnyObservation) {
  tuner::ModelRefit refit(synthetic_space().dims);
  const auto c = synthetic_space().candidates[3];
  EXPECT_EQ(refit.correction(c), 1.0);
  refit.fit();
  EXPECT_EQ(refit.correction(c), 1.0);
  EXPECT_EQ(refit.observations(), 0u);
}

TEST(ModelRefit, LearnsAPerValueBias) {
  // Measured = predicted, except double_buffer runs 1.35x slower than predicted (log 0.3).
  const auto space = synthetic_space();
  tuner::ModelRefit refit(space.dims);
  for (const auto& c : space.candidates) {
    const double p = true_time(c);
    refit.add(c, p, p * (c.value("ring.overlap") == "double_buffer" ? std::exp(0.3) : 1.0));
  }
  refit.fit();
  EXPECT_EQ(refit.observations(), space.candidates.size());
  const auto& def = space.candidates[0];
  tuner::Candidate db = def;
  db.schedule.overlap = Overlap::double_buffer;
  // 18 observations per value against lambda 0.1: shrinkage is small.
  EXPECT_NEAR(std::log(refit.correction(db) / refit.correction(def)), 0.3, 0.02);
  EXPECT_NEAR(refit.correction(def), 1.0, 0.02);
  EXPECT_GT(refit.weight("ring.overlap", "double_buffer"), refit.weight("ring.overlap", "none") + 0.25);
  EXPECT_NEAR(refit.weight("ring.layout", "zigzag"), refit.weight("ring.layout", "contiguous"), 0.02);
  EXPECT_EQ(refit.weight("ring.unknown", "x"), 0.0);
}

TEST(ModelRefit, AGlobalScaleIsAnchoredOnTheDefault) {
  // Everything is 2x slower than predicted; after measuring the default and two others, even
  // values never measured get the 2x.
  const auto space = synthetic_space();
  tuner::ModelRefit refit(space.dims);
  for (std::size_t i : {0u, 10u, 20u}) refit.add(space.candidates[i], 1.0, 2.0);
  refit.fit();
  for (const auto& c : space.candidates) EXPECT_NEAR(refit.correction(c), 2.0, 1e-9) << c.key();
  EXPECT_NEAR(refit.intercept(), std::log(2.0), 1e-9);
}

TEST(ModelRefit, UnseenValuesKeepTheBaseRanking) {
  // The default (overlap none) is right; the double_buffer ones are 2x off. chunk_pipeline was
  // never measured: its correction stays close to the default's, so it now ranks ahead of
  // double_buffer candidates the base model put first.
  const auto space = synthetic_space();
  tuner::ModelRefit refit(space.dims);
  refit.add(space.candidates[0], 1.0, 1.0);
  int added = 0;
  for (const auto& c : space.candidates)
    if (c.value("ring.overlap") == "double_buffer" && added < 4) {
      refit.add(c, 0.4, 0.8);
      ++added;
    }
  refit.fit();
  tuner::Candidate cp = space.candidates[0], db = space.candidates[0];
  cp.schedule.overlap = Overlap::chunk_pipeline;
  db.schedule.overlap = Overlap::double_buffer;
  EXPECT_LT(refit.corrected(cp, 0.7), refit.corrected(db, 0.4));
}

TEST(ModelRefit, IgnoresUnusableTimes) {
  const auto space = synthetic_space();
  tuner::ModelRefit refit(space.dims);
  refit.add(space.candidates[1], 0.0, 1.0);
  refit.add(space.candidates[1], 1.0, -1.0);
  refit.add(space.candidates[1], std::numeric_limits<double>::quiet_NaN(), 1.0);
  refit.add(space.candidates[1], 1.0, std::numeric_limits<double>::infinity());
  EXPECT_EQ(refit.observations(), 0u);
}

}  // namespace
}  // namespace burst::test
