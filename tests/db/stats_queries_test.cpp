// Queries written the way `nsys stats` reports are (cuda_gpu_kern_sum, nvtx_sum, cuda_gpu_mem_*_sum,
// cuda_api_sum) run unchanged on our databases.
#include <map>

#include "db_fixtures.hpp"

using burst::db::Database;

namespace {

struct Fixture {
  burst::test::TempDir dir;
  Database db{dir.file("t.sqlite"), true};
  Fixture() {
    const auto trial = db.begin_trial(db.begin_session("run", "{}"), "{}");
    db.write_trace(trial, burst::test::synthetic_ring(2, 10, 4096),
                   std::vector<burst::trace::CuptiRecords>(2, burst::test::synthetic_cupti(5)));
  }
};

}  // namespace

TEST(DbNsysStats, KernelSummary) {
  Fixture f;
  auto s = f.db.prepare(R"(
    WITH summary AS (
      SELECT shortName AS nameId, sum(end - start) AS total, count(*) AS num, avg(end - start) AS avg,
             min(end - start) AS min, max(end - start) AS max
      FROM CUPTI_ACTIVITY_KIND_KERNEL GROUP BY 1)
    SELECT round(100.0 * total / sum(total) OVER (), 1) AS pct, total, num, avg, min, max, ids.value AS name
    FROM summary LEFT JOIN StringIds AS ids ON ids.id = summary.nameId ORDER BY total DESC)");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(6), "merge_kernel");
  EXPECT_EQ(s.int64(1), 2 * 5 * 50);
  EXPECT_EQ(s.int64(2), 10);
  EXPECT_DOUBLE_EQ(s.real(0), 62.5);
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(6), "fwd_kernel") << "shortName drops scope, template arguments and parameters";
  EXPECT_EQ(s.int64(1), 2 * 5 * 30);
  EXPECT_FALSE(s.step());
  auto d = f.db.prepare(
      "SELECT DISTINCT s.value FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s ON "
      "k.demangledName = s.id ORDER BY 1");
  ASSERT_TRUE(d.step());
  EXPECT_EQ(d.text(0), "merge_kernel");
  ASSERT_TRUE(d.step());
  EXPECT_EQ(d.text(0), "void burst::kernels::fwd_kernel<64, 128>(burst::kernels::Params)");
}

TEST(DbNsysStats, NvtxRangeSummary) {
  Fixture f;
  auto s = f.db.prepare(R"(
    SELECT coalesce(n.text, s.value) AS name, count(*) AS instances, sum(n.end - n.start) AS total,
           min(n.end - n.start) AS min, max(n.end - n.start) AS max
    FROM NVTX_EVENTS AS n LEFT JOIN StringIds AS s ON s.id = n.textId
    WHERE n.eventType = 59 AND n.end > n.start GROUP BY name ORDER BY total DESC)");
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> got;
  while (s.step()) got[s.text(0)] = {s.int64(1), s.int64(2)};
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got["forward pass"], std::make_pair(std::int64_t{2}, std::int64_t{2 * 10000}));
  EXPECT_EQ(got["ring step"], std::make_pair(std::int64_t{20}, std::int64_t{20 * 1000}));
  EXPECT_EQ(got["compute"], std::make_pair(std::int64_t{20}, std::int64_t{20 * 600}));
  EXPECT_EQ(got["wait"], std::make_pair(std::int64_t{20}, std::int64_t{20 * 200}));
  EXPECT_EQ(got["send"].second, 20 * 500);
}

TEST(DbNsysStats, MemcpySummaries) {
  Fixture f;
  auto s = f.db.prepare(R"(
    SELECT e.label AS operation, count(*) AS count, sum(m.end - m.start) AS total_ns, sum(m.bytes) AS total_bytes
    FROM CUPTI_ACTIVITY_KIND_MEMCPY AS m JOIN ENUM_CUDA_MEMCPY_OPER AS e ON e.id = m.copyKind
    GROUP BY e.label ORDER BY total_ns DESC)");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "Host-to-Device");
  EXPECT_EQ(s.int64(1), 4);
  EXPECT_EQ(s.int64(2), 2 * 1100);
  EXPECT_EQ(s.int64(3), 2 * ((1 << 20) + (1 << 18)));
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "Device-to-Host");
  EXPECT_FALSE(s.step());
  auto k = f.db.prepare(
      "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMCPY m JOIN ENUM_CUDA_MEM_KIND s ON "
      "m.srcKind = s.id WHERE s.label = 'Pinned'");
  ASSERT_TRUE(k.step());
  EXPECT_EQ(k.int64(0), 2);
}

TEST(DbNsysStats, RuntimeApiAndCorrelation) {
  Fixture f;
  auto s = f.db.prepare(R"(
    SELECT s.value, count(*), sum(r.end - r.start) FROM CUPTI_ACTIVITY_KIND_RUNTIME r
    JOIN StringIds s ON s.id = r.nameId GROUP BY 1)");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "cudaLaunchKernel_v7000");
  EXPECT_EQ(s.int64(1), 4);
  EXPECT_EQ(s.int64(2), 2 * 800);
  // Launch -> kernel through correlationId within one process (globalPid of the thread).
  auto c = f.db.prepare(R"(
    SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME r JOIN CUPTI_ACTIVITY_KIND_KERNEL k
    ON k.correlationId = r.correlationId AND k.globalPid = (r.globalTid & ~0xFFFFFF))");
  ASSERT_TRUE(c.step());
  EXPECT_EQ(c.int64(0), 4);
  auto y = f.db.prepare(
      "SELECT e.name FROM CUPTI_ACTIVITY_KIND_SYNCHRONIZATION y JOIN ENUM_CUPTI_SYNC_TYPE e "
      "ON e.id = y.syncType LIMIT 1");
  ASSERT_TRUE(y.step());
  EXPECT_EQ(y.text(0), "CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_SYNCHRONIZE");
}
