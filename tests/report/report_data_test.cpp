// db::load_report on a database built per docs/tuning-records.md (report_fixtures.hpp): session
// choice, winner vs default, counts, parameter effects, the timeline and its exposed fraction.
#include "db/report_data.hpp"

#include <gtest/gtest.h>

#include "report/report_fixtures.hpp"

namespace {

using burst::db::Database;
using burst::db::LaneKind;
using burst::db::load_report;

const burst::db::WorkloadReport* find_workload(const burst::db::Report& r, const std::string& needle) {
  for (const auto& w : r.workloads)
    if (w.label.find(needle) != std::string::npos) return &w;
  return nullptr;
}

TEST(ReportData, PicksLatestTuningSessionAndItsWinner) {
  burst::test::TempDir dir;
  const auto f = burst::test::make_tuning_db(dir.file("t.db"));
  Database db(dir.file("t.db"), false);
  const auto r = load_report(db, std::nullopt);
  EXPECT_EQ(r.session_id, f.tune_session);  // not the later trace session
  EXPECT_TRUE(r.tuning);
  EXPECT_EQ(r.strategy, "grid");
  ASSERT_EQ(r.job_ids.size(), 1u);
  EXPECT_EQ(r.hardware, "Test CPU 9000 (2 cores)");
  ASSERT_EQ(r.workloads.size(), 2u);

  const auto* a = find_workload(r, "N=512");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->label, "custom N=512 H=2 d=32 fp32 fwd world 2");
  ASSERT_TRUE(a->best_trial_id && a->default_trial_id);
  EXPECT_EQ(*a->best_trial_id, f.winner_a);
  EXPECT_EQ(*a->default_trial_id, f.default_a);
  EXPECT_NEAR(a->speedup, 2.0 / 1.5, 1e-9);
  EXPECT_EQ(a->verdict, "double_buffer with 2 chunks wins");
  EXPECT_EQ(a->ok, 4);
  EXPECT_EQ(a->failed, 1);
  EXPECT_EQ(a->pruned, 1);
  EXPECT_EQ(a->stopped_early, 1);
  ASSERT_EQ(a->trials.size(), 7u);
  for (std::size_t i = 1; i < a->trials.size(); ++i) EXPECT_LT(a->trials[i - 1].order, a->trials[i].order);
  const auto* failed = a->trial(f.failed_a);
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->reason, "out of memory: <scratch> & more");
  EXPECT_FALSE(failed->measured);

  // B has no tune_results row: winner and default chosen from the trials.
  const auto* b = find_workload(r, "N=1024");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(*b->best_trial_id, f.winner_b);
  EXPECT_EQ(*b->default_trial_id, f.default_b);
  EXPECT_NEAR(b->speedup, 4.0 / 3.6, 1e-9);
  EXPECT_FALSE(b->timeline.has_value());
}

TEST(ReportData, ParameterEffectsAreBestTimePerValue) {
  burst::test::TempDir dir;
  burst::test::make_tuning_db(dir.file("t.db"));
  Database db(dir.file("t.db"), false);
  const auto r = load_report(db, std::nullopt);
  const auto* a = find_workload(r, "N=512");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->parameters.size(), 2u);  // ring.chunks, ring.overlap (sorted); tiles etc. fixed
  const auto& chunks = a->parameters[0];
  const auto& overlap = a->parameters[1];
  EXPECT_EQ(chunks.name, "ring.chunks");
  EXPECT_EQ(overlap.name, "ring.overlap");
  auto value = [](const burst::db::ParameterEffect& p,
                  const std::string& v) -> const burst::db::ParameterValue* {
    for (const auto& x : p.values)
      if (x.value == v) return &x;
    return nullptr;
  };
  ASSERT_NE(value(overlap, "none"), nullptr);
  EXPECT_DOUBLE_EQ(*value(overlap, "none")->best_s, 0.0020);  // the stopped-early (none, 2) does not count
  EXPECT_DOUBLE_EQ(*value(overlap, "double_buffer")->best_s, 0.0015);
  EXPECT_DOUBLE_EQ(*value(overlap, "chunk_pipeline")->best_s, 0.0018);
  EXPECT_TRUE(value(overlap, "double_buffer")->in_winner);
  EXPECT_FALSE(value(overlap, "none")->in_winner);
  ASSERT_NE(value(chunks, "8"), nullptr);  // the pruned candidate's value: seen, never measured
  EXPECT_FALSE(value(chunks, "8")->best_s.has_value());
  EXPECT_DOUBLE_EQ(*value(chunks, "2")->best_s, 0.0015);
  bool tile_fixed = false;
  for (const auto& [k, v] : a->fixed) tile_fixed = tile_fixed || (k == "kernel.tile_q" && v == "64");
  EXPECT_TRUE(tile_fixed);
}

TEST(ReportData, TimelineOfTheWinnerHasKnownExposedFraction) {
  burst::test::TempDir dir;
  const auto f = burst::test::make_tuning_db(dir.file("t.db"));
  Database db(dir.file("t.db"), false);
  const auto r = load_report(db, std::nullopt);
  const auto* a = find_workload(r, "N=512");
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->timeline.has_value());
  const auto& t = *a->timeline;
  EXPECT_EQ(t.trial_id, f.winner_a);
  ASSERT_EQ(t.ranks.size(), 2u);
  // synthetic_ring: 4 steps of 1000 ns; compute [0,600), wait [600,800), send/recv [0,500) per step.
  EXPECT_EQ(t.end_ns - t.start_ns, 4000);
  EXPECT_NEAR(t.exposed_fraction, 0.2, 1e-12);
  EXPECT_NEAR(t.pass_s, 4e-6, 1e-15);
  for (const auto& lane : t.ranks) {
    const auto& compute = lane.spans[static_cast<int>(LaneKind::compute)];
    const auto& exposed = lane.spans[static_cast<int>(LaneKind::exposed)];
    ASSERT_EQ(compute.size(), 4u);
    EXPECT_EQ(compute[1], (std::pair<std::int64_t, std::int64_t>{1000, 1600}));
    ASSERT_EQ(exposed.size(), 4u);  // exactly the waits: send/recv lie under compute
    EXPECT_EQ(exposed[2], (std::pair<std::int64_t, std::int64_t>{2600, 2800}));
    EXPECT_EQ(lane.spans[static_cast<int>(LaneKind::send)].size(), 4u);
    EXPECT_NEAR(lane.exposed_fraction, 0.2, 1e-12);
  }
}

TEST(ReportData, TraceSessionIsNotATuningSession) {
  burst::test::TempDir dir;
  const auto f = burst::test::make_tuning_db(dir.file("t.db"));
  Database db(dir.file("t.db"), false);
  const auto r = load_report(db, f.trace_session_last);
  EXPECT_FALSE(r.tuning);
  ASSERT_EQ(r.workloads.size(), 1u);
  const auto& w = r.workloads[0];
  ASSERT_TRUE(w.best_trial_id.has_value());
  EXPECT_EQ(w.best_trial_id, w.default_trial_id);
  const auto* t = w.best();
  // critical path per sample: max over ranks = {1.1, 1.1, 1.3} ms -> median 1.1 ms.
  EXPECT_NEAR(t->median_s, 0.0011, 1e-12);
  EXPECT_NEAR(t->tflops, 4.0 * 256 * 256 * 2 * 32 / 0.0011 / 1e12, 1e-12);
  EXPECT_TRUE(w.parameters.empty());
  ASSERT_TRUE(w.timeline.has_value());
  EXPECT_NEAR(w.timeline->exposed_fraction, 0.2, 1e-12);
}

TEST(ReportData, UnknownSessionAndEmptyDatabaseAreInvalidArguments) {
  burst::test::TempDir dir;
  burst::test::make_tuning_db(dir.file("t.db"));
  Database db(dir.file("t.db"), false);
  try {
    load_report(db, 99);
    FAIL() << "no error for session 99";
  } catch (const burst::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("session 99"), std::string::npos) << e.what();
  }
  Database empty(dir.file("empty.db"), true);
  EXPECT_THROW(load_report(empty, std::nullopt), burst::InvalidArgument);
}

}  // namespace
