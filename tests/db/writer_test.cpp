// Writing sessions, trials, samples and traces: what lands in which nsys column.
#include <thread>

#include "db/schema.hpp"
#include "db/trace_reader.hpp"
#include "db_fixtures.hpp"

using burst::db::Database;
namespace bt = burst::trace;

namespace {
std::int64_t count(const Database& db, const std::string& sql) {
  auto s = db.prepare(sql);
  EXPECT_TRUE(s.step()) << sql;
  return s.int64(0);
}
}  // namespace

TEST(DbWriter, SessionTrialSamplesLifecycle) {
  burst::test::TempDir dir;
  Database db(dir.file("t.sqlite"), true);
  const auto session = db.begin_session("burst-tune tune --world 4", R"({"gpu":"none"})");
  const auto trial = db.begin_trial(session, R"({"ring.chunks":2})");
  db.add_samples(trial, 0, {0.5, 0.25, 0.75});
  db.add_samples(trial, 1, {1.0});
  db.finish_trial(trial, "ok", "", R"({"median_s":0.5})");
  const auto failed = db.begin_trial(session, "{}");
  db.finish_trial(failed, "failed", "shared memory exceeds 228 KiB", "");
  EXPECT_THROW(db.finish_trial(9999, "ok", "", ""), burst::InvalidArgument);

  EXPECT_EQ(count(db, "SELECT count(*) FROM samples WHERE trial_id=" + std::to_string(trial)), 4);
  EXPECT_EQ(count(db, "SELECT round(sum(seconds)*100) FROM samples WHERE rank=0"), 150);
  auto t = db.prepare(
      "SELECT status, failure_reason, stats IS NULL, end_utc_ns >= start_utc_ns FROM trials WHERE id=?");
  t.bind(1, failed);
  ASSERT_TRUE(t.step());
  EXPECT_EQ(t.text(0), "failed");
  EXPECT_EQ(t.text(1), "shared memory exceeds 228 KiB");
  EXPECT_EQ(t.int64(2), 1);
  EXPECT_EQ(t.int64(3), 1);
  EXPECT_EQ(
      count(db, "SELECT count(*) FROM TARGET_INFO_SESSION_START_TIME WHERE utcEpochNs > 1600000000000000000"),
      1);
  db.begin_session("second", "{}");
  EXPECT_EQ(count(db, "SELECT count(*) FROM TARGET_INFO_SESSION_START_TIME"), 1);
}

TEST(DbWriter, TraceRowsUseNsysColumns) {
  burst::test::TempDir dir;
  Database db(dir.file("t.sqlite"), true);
  const auto trial = db.begin_trial(db.begin_session("run", "{}"), "{}");
  const auto ranks = burst::test::synthetic_ring(3, 4, 1 << 20);
  db.write_trace(trial, ranks);
  // Per rank: 1 pass + 4 * (ring step, compute, wait, send, recv) push/pop ranges.
  EXPECT_EQ(count(db, "SELECT count(*) FROM NVTX_EVENTS WHERE eventType=59"), 3 * 21);
  EXPECT_EQ(count(db, "SELECT count(*) FROM NVTX_EVENTS WHERE eventType=75 AND text='burst' AND domainId=1"),
            3);
  EXPECT_EQ(count(db, "SELECT count(*) FROM NVTX_EVENTS WHERE eventType=33 AND domainId=1"), 3 * 4);
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM NVTX_EVENTS n JOIN StringIds s ON n.textId=s.id "
                  "WHERE s.value='send' AND n.uint64Value=1048576 AND n.category=3"),
            12);
  // globalTid = (rank + 1) << 24 | tid; nsys-style decoding gives back rank and thread.
  EXPECT_EQ(
      count(db,
            "SELECT count(*) FROM NVTX_EVENTS WHERE eventType=59 AND ((globalTid >> 24) & 0xFFFFFF) = 3 "
            "AND (globalTid & 0xFFFFFF) IN (102, 202)"),
      21);
  EXPECT_EQ(count(db, "SELECT count(*) FROM MPI_RANKS"), 3);
  EXPECT_EQ(count(db, "SELECT rank FROM MPI_RANKS WHERE globalTid = (3 << 24)"), 2);
  EXPECT_EQ(
      count(db,
            "SELECT json_extract(jsonText, '$.peer') FROM NVTX_EVENTS n JOIN StringIds s ON n.textId=s.id "
            "WHERE s.value='send' AND (globalTid >> 24) = 3 LIMIT 1"),
      0);
  EXPECT_EQ(count(db, "SELECT count(*) FROM trial_trace WHERE trial_id=" + std::to_string(trial)), 2);
  EXPECT_THROW(db.write_trace(trial, ranks), burst::Error) << "a second write for one trial is refused";
  EXPECT_EQ(count(db, "SELECT count(*) FROM NVTX_EVENTS WHERE eventType=59"), 3 * 21) << "rolled back";
}

TEST(DbWriter, TrialsKeepTheirOwnRows) {
  burst::test::TempDir dir;
  Database db(dir.file("t.sqlite"), true);
  const auto session = db.begin_session("run", "{}");
  const auto a = db.begin_trial(session, "{}");
  const auto b = db.begin_trial(session, "{}");
  db.write_trace(a, burst::test::synthetic_ring(2, 3, 10));
  db.write_trace(b, burst::test::synthetic_ring(4, 5, 20),
                 std::vector<bt::CuptiRecords>(4, burst::test::synthetic_cupti(2)));
  const auto ta = burst::db::load_trial_trace(db, a);
  const auto tb = burst::db::load_trial_trace(db, b);
  EXPECT_EQ(ta.ranges.size(), 2u * 16);
  EXPECT_EQ(tb.ranges.size(), 4u * 26);
  EXPECT_EQ(ta.ranks.size(), 2u);
  EXPECT_EQ(tb.ranks.size(), 4u);
  EXPECT_TRUE(ta.device.empty());
  EXPECT_EQ(tb.device.size(), 4u * (4 + 3 + 1 + 1));  // kernels, memcpys, memset, sync
  for (const auto& r : ta.ranges) {
    if (r.phase == bt::Phase::send) {
      EXPECT_EQ(r.payload.bytes, 10u);
      EXPECT_EQ(r.payload.peer, (r.rank + 1) % 2);
    }
  }
  EXPECT_THROW(burst::db::load_trial_trace(db, 12345), burst::InvalidArgument);
}

TEST(DbWriter, RealHostTracerEventsRoundTrip) {
  bt::set_enabled(true);
  bt::HostTracer::instance().start();
  auto body = [](int rank) {
    bt::set_thread_rank(rank);
    BURST_TRACE_RANGE(bt::Phase::pass_backward);
    for (int s = 0; s < 3; ++s) {
      BURST_TRACE_RANGE(bt::Phase::ring_step, {.step = s});
      { BURST_TRACE_RANGE(bt::Phase::delta); }
      { BURST_TRACE_RANGE(bt::Phase::send, {.peer = 1 - rank, .step = s, .bytes = 256, .chunk = 0}); }
      { BURST_TRACE_RANGE(bt::Phase::recv, {.peer = 1 - rank, .step = s, .bytes = 256, .chunk = 0}); }
    }
  };
  std::thread t0(body, 0), t1(body, 1);
  t0.join();
  t1.join();
  bt::HostTracer::instance().stop();
  bt::set_enabled(false);
  auto ranks = bt::split_by_rank(bt::HostTracer::instance().drain(), 2);

  burst::test::TempDir dir;
  Database db(dir.file("t.sqlite"), true);
  const auto trial = db.begin_trial(db.begin_session("run", "{}"), "{}");
  db.write_trace(trial, ranks);
  const auto back = burst::db::load_trial_trace(db, trial);
  ASSERT_EQ(back.ranges.size(), 2u * (1 + 3 * 4));
  std::size_t sends = 0;
  for (const auto& r : back.ranges) {
    EXPECT_LE(r.start_ns, r.end_ns);
    if (r.phase == bt::Phase::send) {
      ++sends;
      EXPECT_EQ(r.payload.peer, 1 - r.rank);
      EXPECT_EQ(r.payload.bytes, 256u);
    }
  }
  EXPECT_EQ(sends, 6u);
}

TEST(DbWriter, GpuInfoRowsOncePerDevice) {
  burst::test::TempDir dir;
  Database db(dir.file("t.sqlite"), true);
  burst::db::GpuInfo g;
  g.id = 1;
  g.name = "NVIDIA H100 80GB HBM3";
  g.uuid = "GPU-1234";
  g.sm_count = 132;
  g.compute_major = 9;
  g.total_memory = 85'000'000'000;
  db.write_gpu_info({g});
  db.write_gpu_info({g});  // a second session on the same device adds nothing
  EXPECT_EQ(count(db, "SELECT count(*) FROM TARGET_INFO_GPU"), 1);
  EXPECT_EQ(count(db,
                  "SELECT smCount * 10 + computeMajor FROM TARGET_INFO_GPU WHERE name LIKE '%H100%' AND "
                  "cuDevice = 1"),
            1329);
}
