// burst-tune trace end to end: runs the binary, then reads the database it wrote.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "burst/attention.hpp"
#include "cli/run_cli.hpp"
#include "db/database.hpp"
#include "support/sample_trace.hpp"
#include "support/temp_dir.hpp"

namespace {

using burst::test::run_cli;

std::string temp_path(const std::string& name) {
  return "/tmp/burst_trace_cli_" + std::to_string(getpid()) + "_" + name;
}

struct Range {
  std::int64_t start = 0, end = 0;
  std::uint64_t bytes = 0;
};

// Ranges of one phase per rank, from NVTX_EVENTS.
std::map<int, std::vector<Range>> ranges(const burst::db::Database& db, const std::string& phase) {
  auto s = db.prepare(
      "SELECT n.start, n.end, n.globalTid, coalesce(n.uint64Value, 0) FROM NVTX_EVENTS n "
      "JOIN StringIds s ON s.id = n.textId WHERE n.eventType = 59 AND s.value = ?");
  s.bind(1, phase);
  std::map<int, std::vector<Range>> out;
  while (s.step())
    out[burst::db::rank_of_global_tid(s.int64(2))].push_back(
        {s.int64(0), s.int64(1), static_cast<std::uint64_t>(s.int64(3))});
  return out;
}

TEST(TraceCli, WritesAllRanksWithExactSendBytes) {
  const std::string db_path = temp_path("world4.db"), perfetto = temp_path("world4.json");
  std::remove(db_path.c_str());
  const auto r = run_cli(
      "trace --world 4 --causal --layout zigzag --pass fwd+bwd --seq 256 --heads 2 --head-dim 32 "
      "--iters 1 --warmup 0 --db " +
      db_path);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("trace: session 1 trial 1 written to " + db_path), std::string::npos) << r.out;

  {
    burst::db::Database db(db_path, false);
    auto ranks = db.prepare("SELECT count(*), count(DISTINCT rank) FROM MPI_RANKS");
    ASSERT_TRUE(ranks.step());
    EXPECT_EQ(ranks.int64(0), 4);
    EXPECT_EQ(ranks.int64(1), 4);

    burst::AttentionShape shape;
    shape.batch = 1;
    shape.seq = 256;
    shape.heads = 2;
    shape.head_dim = 32;
    shape.causal = true;
    burst::Schedule schedule;
    schedule.layout = burst::Layout::zigzag;
    const std::uint64_t want_fwd = burst::forward_bytes_per_rank(shape, schedule, 4);
    const std::uint64_t want_bwd = burst::backward_bytes_per_rank(shape, schedule, 4);
    ASSERT_GT(want_fwd, 0u);
    ASSERT_GT(want_bwd, 0u);

    const auto sends = ranges(db, "send");
    const auto fwd = ranges(db, "forward pass");
    const auto bwd = ranges(db, "backward pass");
    const auto compute = ranges(db, "compute");
    for (int rank = 0; rank < 4; ++rank) {
      ASSERT_TRUE(sends.count(rank)) << "rank " << rank << " has no send ranges";
      ASSERT_TRUE(compute.count(rank)) << "rank " << rank << " has no compute ranges";
      ASSERT_EQ(fwd.count(rank) ? fwd.at(rank).size() : 0u, 1u) << "rank " << rank;
      ASSERT_EQ(bwd.count(rank) ? bwd.at(rank).size() : 0u, 1u) << "rank " << rank;
      const Range f = fwd.at(rank).front(), b = bwd.at(rank).front();
      std::uint64_t in_fwd = 0, in_bwd = 0;
      for (const Range& s : sends.at(rank)) {
        if (s.start >= f.start && s.end <= f.end)
          in_fwd += s.bytes;
        else if (s.start >= b.start && s.end <= b.end)
          in_bwd += s.bytes;
        else
          ADD_FAILURE() << "rank " << rank << ": a send range outside both passes";
      }
      EXPECT_EQ(in_fwd, want_fwd) << "rank " << rank;
      EXPECT_EQ(in_bwd, want_bwd) << "rank " << rank;
    }
  }

  const auto show = run_cli("show --db " + db_path);
  ASSERT_EQ(show.exit_code, 0) << show.out << show.err;
  const auto show_json = run_cli("--json show --db " + db_path);
  ASSERT_EQ(show_json.exit_code, 0) << show_json.out << show_json.err;
  const auto sj = nlohmann::json::parse(show_json.out);
  std::vector<bool> seen(4, false);
  for (const auto& rk : sj.at("summary").at("ranks")) seen.at(rk.at("rank").get<std::size_t>()) = true;
  for (int rank = 0; rank < 4; ++rank)
    EXPECT_TRUE(seen[static_cast<std::size_t>(rank)]) << "show misses rank " << rank;

  const auto exp = run_cli("export --db " + db_path + " --trial 1 --format perfetto -o " + perfetto);
  ASSERT_EQ(exp.exit_code, 0) << exp.out << exp.err;
  const auto pj = nlohmann::json::parse(burst::test::slurp(perfetto), nullptr, false);
  ASSERT_FALSE(pj.is_discarded());
  ASSERT_TRUE(pj.contains("traceEvents"));
  EXPECT_FALSE(pj.at("traceEvents").empty());

  std::remove(db_path.c_str());
  std::remove(perfetto.c_str());
}

TEST(TraceCli, JsonOutputNamesTheTrial) {
  const std::string db_path = temp_path("json.db");
  std::remove(db_path.c_str());
  const auto r =
      run_cli("--json trace --world 2 --seq 64 --heads 1 --head-dim 32 --iters 1 --warmup 0 --db " + db_path);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("db"), db_path);
  EXPECT_EQ(j.at("session_id"), 1);
  EXPECT_EQ(j.at("trial_id"), 1);
  EXPECT_GT(j.at("events").get<int>(), 0);
  std::remove(db_path.c_str());
}

// One definition of a trial's time (db/trial_time.hpp): trace, show and report print the same number
// for the same trial (the median over timed iterations of the slowest rank's forward + backward).
TEST(TraceCli, TraceShowAndReportGiveOneTrialTime) {
  const std::string db_path = temp_path("time.db");
  std::remove(db_path.c_str());
  const auto t = run_cli(
      "--json trace --world 2 --seq 128 --heads 2 --head-dim 32 --pass fwd+bwd --iters 5 --warmup 1 --db " +
      db_path);
  ASSERT_EQ(t.exit_code, 0) << t.out << t.err;
  const double traced = nlohmann::json::parse(t.out).at("median_s").get<double>();
  ASSERT_GT(traced, 0);
  const auto show = run_cli("--json show --db " + db_path);
  ASSERT_EQ(show.exit_code, 0) << show.out << show.err;
  const auto sj = nlohmann::json::parse(show.out);
  EXPECT_NEAR(sj.at("trials")[0].at("median_s").get<double>(), traced, traced * 1e-12);
  EXPECT_NEAR(sj.at("summary").at("median_s").get<double>(), traced, traced * 1e-12);
  const auto rep = run_cli("--json report --db " + db_path);
  ASSERT_EQ(rep.exit_code, 0) << rep.out << rep.err;
  const auto rj = nlohmann::json::parse(rep.out);
  EXPECT_NEAR(rj.at("workloads")[0].at("best").at("median_s").get<double>(), traced, traced * 1e-12);
  std::remove(db_path.c_str());
}

TEST(TraceCli, BadDbPathIsInvalidArgument) {
  const auto r = run_cli(
      "trace --world 2 --seq 64 --heads 1 --head-dim 32 --iters 1 --warmup 0 "
      "--db /nonexistent_dir_burst/x.db");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
}

TEST(TraceCli, FailingTrialIsRecordedAsFailed) {
  const std::string db_path = temp_path("failed.db");
  std::remove(db_path.c_str());
  const auto r = run_cli(
      "trace --world 2 --seq 64 --heads 1 --head-dim 32 --iters 1 --warmup 0 "
      "--q /nonexistent_dir_burst/q.npy --db " +
      db_path);
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  const auto show = run_cli("--json show --db " + db_path);
  ASSERT_EQ(show.exit_code, 0) << show.out << show.err;
  const auto j = nlohmann::json::parse(show.out);
  ASSERT_EQ(j.at("trials").size(), 1u);
  EXPECT_EQ(j.at("trials")[0].at("status"), "failed");
  EXPECT_FALSE(j.at("trials")[0].at("failure_reason").get<std::string>().empty());
  std::remove(db_path.c_str());
}

// A database whose trials 1, 2, ... have a trace where traced[i] (written through db::Database,
// as `tune --no-trace` leaves the others: a trials row, no trial_trace rows).
void make_db(const std::string& path, const std::vector<bool>& traced) {
  burst::db::Database db(path, true);
  const auto session = db.begin_session("test", "{}");
  for (const bool with_trace : traced) {
    const auto trial = db.begin_trial(session, "{}");
    if (with_trace) db.write_trace(trial, {burst::test::sample_trace(0, 12)});
    db.finish_trial(trial, "ok", "", "{}");
  }
}

// export of a trial without a trace wrote "0 slices" and exited 0; now it is refused in one line
// naming the traced trials, and nothing is written.
TEST(ExportCli, UntracedTrialIsRefusedNamingTheTracedOnes) {
  burst::test::TempDir dir("export_cli");
  const std::string db = dir / "a.db", out = dir / "out.json";
  make_db(db, {true, false, true, false, true});
  const auto r = run_cli("export --db " + db + " --trial 2 -o " + out);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(r.err, "burst-tune: error: trial 2 of " + db +
                       " has no trace (traced trials: 1, 3, 5; run trace or tune without --no-trace)\n");
  EXPECT_FALSE(std::filesystem::exists(out)) << "an output was written for an untraced trial";

  const auto unknown = run_cli("export --db " + db + " --trial 9 -o " + out);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err, "burst-tune: error: database " + db + " has no trial 9 (traced trials: 1, 3, 5)\n");
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(ExportCli, DatabaseWithoutTracesIsRefused) {
  burst::test::TempDir dir("export_cli");
  const std::string db = dir / "a.db", out = dir / "out.json";
  make_db(db, {false, false});
  const auto given = run_cli("export --db " + db + " --trial 1 -o " + out);
  EXPECT_EQ(given.exit_code, 2);
  EXPECT_EQ(given.err, "burst-tune: error: trial 1 of " + db +
                           " has no trace (no trial has one; run trace or tune without --no-trace)\n");
  const auto by_default = run_cli("export --db " + db + " -o " + out);
  EXPECT_EQ(by_default.exit_code, 2);
  EXPECT_EQ(by_default.err, "burst-tune: error: database " + db +
                                " has no trial with a trace (run trace or tune without --no-trace)\n");
  EXPECT_FALSE(std::filesystem::exists(out));
}

// Without --trial, the last traced trial (as `show`), named on stderr; --out is -o's alias.
TEST(ExportCli, DefaultsToTheLastTracedTrial) {
  burst::test::TempDir dir("export_cli");
  const std::string db = dir / "a.db", out = dir / "out.json";
  make_db(db, {true, false, true, false});
  const auto r = run_cli("export --db " + db + " --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "exported trial 3 (the last traced)\n");
  const auto doc = nlohmann::json::parse(burst::test::slurp(out));
  EXPECT_EQ(doc.at("otherData").at("trial"), 3);
  EXPECT_EQ(doc.at("traceEvents").size(), 2u + 1u + 12u);  // process name and sort index, thread, slices

  const auto j = run_cli("--json export --db " + db + " --trial 1 --output " + out);
  ASSERT_EQ(j.exit_code, 0) << j.out << j.err;
  EXPECT_EQ(j.err, "") << "a chosen trial needs no note";
  EXPECT_EQ(nlohmann::json::parse(j.out).at("trial"), 1);
  EXPECT_EQ(nlohmann::json::parse(burst::test::slurp(out)).at("otherData").at("trial"), 1);
}

}  // namespace
