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

TEST(ReportData, TimelineSeparatesWaitingForALatePeerFromTransferOnEveryRank) {
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
  EXPECT_EQ(t.end_ns - t.start_ns, 4000);
  // imbalanced_ring: rank 0 waits 300 ns per step, of which 150 ns before rank 1 started sending.
  const auto& r0 = t.ranks[0];
  const auto& r1 = t.ranks[1];
  EXPECT_NEAR(r0.pass_s, 4e-6, 1e-15);
  EXPECT_NEAR(r0.exposed_fraction, 0.30, 1e-12);
  EXPECT_NEAR(r0.late_peer_fraction, 0.15, 1e-12);
  EXPECT_NEAR(r0.not_overlapped_fraction, 0.15, 1e-12);
  EXPECT_NEAR(r0.late_peer_s + r0.not_overlapped_s, r0.exposed_s, 1e-15);
  // Rank 1 waits too, but rank 0 had sent long before: all of it is transfer.
  EXPECT_NEAR(r1.exposed_fraction, 0.10, 1e-12);
  EXPECT_NEAR(r1.late_peer_fraction, 0.0, 1e-12);
  EXPECT_NEAR(r1.not_overlapped_fraction, 0.10, 1e-12);
  // The largest of each, with its rank (no single "critical rank" hides the other).
  EXPECT_NEAR(t.late_peer_fraction, 0.15, 1e-12);
  EXPECT_EQ(t.late_peer_rank, 0);
  EXPECT_NEAR(t.not_overlapped_fraction, 0.15, 1e-12);
  EXPECT_EQ(t.not_overlapped_rank, 0);
  using Span = std::pair<std::int64_t, std::int64_t>;
  const auto& late0 = r0.spans[static_cast<int>(LaneKind::late_peer)];
  const auto& transfer0 = r0.spans[static_cast<int>(LaneKind::not_overlapped)];
  ASSERT_EQ(late0.size(), 4u);
  ASSERT_EQ(transfer0.size(), 4u);
  EXPECT_EQ(late0[2], (Span{2500, 2650}));
  EXPECT_EQ(transfer0[2], (Span{2650, 2800}));
  EXPECT_TRUE(r1.spans[static_cast<int>(LaneKind::late_peer)].empty());
  ASSERT_EQ(r1.spans[static_cast<int>(LaneKind::not_overlapped)].size(), 4u);
  EXPECT_EQ(r1.spans[static_cast<int>(LaneKind::not_overlapped)][1], (Span{1700, 1800}));
  EXPECT_EQ(r0.spans[static_cast<int>(LaneKind::compute)][1], (Span{1000, 1500}));
}

// The brief rung measured chunk_pipeline at 1.0 ms, the full and confirmation rounds at 2.1 and
// 2.02 ms; the default won the confirmation round. Bars and the best-so-far line must compare like
// with like and agree with the winner.
TEST(ReportData, HalvingComparesOneLevelAndBestSoFarMeetsTheWinner) {
  burst::test::TempDir dir;
  const auto f = burst::test::make_halving_db(dir.file("h.db"));
  Database db(dir.file("h.db"), false);
  const auto r = load_report(db, std::nullopt);
  ASSERT_EQ(r.workloads.size(), 1u);
  const auto& w = r.workloads[0];
  ASSERT_EQ(w.best_trial_id, f.winner);
  ASSERT_EQ(w.parameters.size(), 1u);
  const auto& overlap = w.parameters[0];
  EXPECT_EQ(overlap.name, "ring.overlap");
  EXPECT_EQ(overlap.level, 2);  // the confirmation round: two values measured there
  EXPECT_EQ(burst::db::level_name(overlap.level), "confirmation");
  EXPECT_EQ(burst::db::level_name(0), "brief");
  for (const auto& v : overlap.values) {
    SCOPED_TRACE(v.value);
    if (v.value == "none") {
      EXPECT_TRUE(v.in_winner);
      EXPECT_DOUBLE_EQ(*v.best_s, 0.0020);
    } else if (v.value == "chunk_pipeline") {
      EXPECT_DOUBLE_EQ(*v.best_s, 0.00202);  // not the brief rung's 1.0 ms
    } else {
      EXPECT_FALSE(v.best_s.has_value());  // double_buffer: not in the confirmation round
      EXPECT_TRUE(v.measured_elsewhere);
    }
  }
  // The winner's value has the lowest bar among the values compared.
  for (const auto& v : overlap.values) {
    if (v.best_s) {
      EXPECT_GE(*v.best_s, 0.0020) << v.value;
    }
  }
  // Best so far restarts per level; at the end of the run it is the winner's median.
  const auto& last = w.trials.back();
  ASSERT_TRUE(last.best_so_far_s.has_value());
  EXPECT_DOUBLE_EQ(*last.best_so_far_s, w.best()->median_s);
  for (const auto& t : w.trials) {
    SCOPED_TRACE(t.id);
    ASSERT_TRUE(t.best_so_far_s.has_value());
    if (t.level > 0) {
      EXPECT_GE(*t.best_so_far_s, 0.0020);  // never the brief rung's 1.0 ms
    }
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
  // No per-pass samples in its stats: per sample the slowest rank {1.1, 1.1, 1.3} ms -> 1.1 ms.
  EXPECT_NEAR(t->median_s, 0.0011, 1e-12);
  EXPECT_NEAR(t->tflops, 4.0 * 256 * 256 * 2 * 32 / 0.0011 / 1e12, 1e-12);
  EXPECT_TRUE(w.parameters.empty());
  ASSERT_TRUE(w.timeline.has_value());
  // synthetic_ring's waits name no peer: all of the 20% exposed is counted as transfer.
  EXPECT_NEAR(w.timeline->not_overlapped_fraction, 0.2, 1e-12);
  EXPECT_NEAR(w.timeline->late_peer_fraction, 0.0, 1e-12);
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
