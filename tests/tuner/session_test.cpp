#include "tuner/session.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>

#include "burst/error.hpp"
#include "db/database.hpp"

namespace burst::tuner {
namespace {

struct TempDb {
  std::string path;
  TempDb() {
    char tmpl[] = "/tmp/burst_tune_session_XXXXXX";
    path = std::string(mkdtemp(tmpl)) + "/t.db";
  }
  ~TempDb() { std::filesystem::remove_all(std::filesystem::path(path).parent_path()); }
};

Fingerprint cpu_fingerprint() {
  Fingerprint f;
  f.backend = "cpu";
  f.cpu_model = "test cpu";
  f.cpu_cores = 2;
  f.link_classes = {"shared_memory"};
  return f;
}

TuneOptions tiny(const std::string& db, std::vector<std::int64_t> seqs = {256}) {
  TuneOptions o;
  for (auto n : seqs) {
    Workload w;
    w.name = "tiny";
    w.shape.seq = n;
    w.shape.heads = 2;
    w.shape.head_dim = 32;
    w.shape.causal = false;
    w.pass = Pass::fwd;
    w.world = 2;
    w.ranks_per_node = 2;
    o.workloads.push_back(w);
  }
  o.space.restrict = {{"kernel.tile_q", {"32", "64"}}, {"kernel.tile_kv", {"32"}},
                      {"ring.overlap", {"none"}},      {"ring.chunks", {"1"}},
                      {"ring.topology", {"flat"}},     {"cp.method", {"ring"}}};
  o.strategy = "exhaustive";
  o.warmup = 0;
  o.min_samples = 2;
  o.max_samples = 3;
  o.max_noise = 0.5;
  o.early_stop = 0;  // every candidate measured in full: counts below are exact
  o.db_path = db;
  o.command_line = "test";
  o.tool_version = "test";
  o.fingerprint = cpu_fingerprint();
  return o;
}

std::int64_t count(const std::string& db, const std::string& sql) {
  db::Database d(db, false);
  auto s = d.prepare(sql);
  return s.step() ? s.int64(0) : -1;
}

// A limit no measurement meets: the verdict says the result is unreliable (with the figures and
// the machine's load) instead of claiming a speedup or "the default is best", the profile entry is
// marked, and a job that selects it is warned.
TEST(Session, NoiseAboveTheLimitMakesTheVerdictUnreliable) {
  TempDb t;
  TuneOptions o = tiny(t.path);
  o.max_noise = 1e-9;
  const TuneOutcome out = run_tune(o, nullptr, nullptr);
  ASSERT_EQ(out.workloads.size(), 1u);
  const auto& w = out.workloads[0];
  ASSERT_TRUE(w.winner.has_value());
  EXPECT_TRUE(w.unreliable);
  EXPECT_EQ(w.verdict.rfind("unreliable: noise above --max-noise 0.0%", 0), 0u) << w.verdict;
  EXPECT_NE(w.verdict.find("machine load"), std::string::npos) << w.verdict;
  EXPECT_EQ(w.verdict.find("the default is best"), std::string::npos) << w.verdict;
  ASSERT_EQ(out.profile.entries.size(), 1u);
  EXPECT_FALSE(out.profile.entries[0].measured.reliable);
  const std::string text = profile_to_json_text(out.profile);
  EXPECT_NE(text.find("\"reliable\": false"), std::string::npos);
  EXPECT_EQ(parse_profile(text, "t.json"), out.profile);
  const ProfileSet set{{{"t.json", out.profile}}};
  const Selection s =
      select_profile_entry(set, out.profile.fingerprint, make_workload_query(w.workload.shape, 2, Pass::fwd),
                           ProfilePolicy::strict, Backend::cpu);
  ASSERT_TRUE(s.entry.has_value());
  bool warned = false;
  for (const auto& m : s.warnings)
    warned = warned || m.find("its speedup is not established") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(Session, RecordsEveryTrialAndBuildsTheProfile) {
  TempDb t;
  const TuneOutcome out = run_tune(tiny(t.path), nullptr, nullptr);
  ASSERT_EQ(out.workloads.size(), 1u);
  const auto& w = out.workloads[0];
  // Space: tile_q {32, 64} x tile_kv {32}, plus the default (64x64) which restrictions never remove.
  EXPECT_EQ(w.candidates, 3u);
  // 3 by the strategy, then the confirmation round: the default and the 2 others measured again.
  const std::int64_t confirmations =
      count(t.path, "SELECT COUNT(*) FROM trials WHERE json_extract(config, '$.level') = 2");
  EXPECT_EQ(confirmations, 3);
  EXPECT_EQ(w.evaluations, 3 + confirmations);
  EXPECT_TRUE(w.confirmed);
  ASSERT_TRUE(w.winner.has_value());
  EXPECT_GT(w.default_m.median_s, 0);
  EXPECT_GT(w.speedup, 0);
  EXPECT_FALSE(w.verdict.empty());
  ASSERT_EQ(out.profile.entries.size(), 1u);
  const auto& e = out.profile.entries[0];
  EXPECT_EQ(e.key.world_size, 2);
  EXPECT_EQ(e.key.seq_min, 256);
  EXPECT_EQ(e.key.seq_max, 256);
  EXPECT_EQ(e.params.get("kernel.tile_q"), std::to_string(w.winner->schedule.tile_q));
  EXPECT_EQ(e.provenance.trial_id, w.winner_trial);
  EXPECT_DOUBLE_EQ(e.measured.median_s, w.winner_m.median_s);

  EXPECT_EQ(count(t.path, "SELECT COUNT(*) FROM trials WHERE status IN ('ok', 'stopped_early')"),
            3 + confirmations);
  EXPECT_EQ(count(t.path, "SELECT COUNT(*) FROM tune_results"), 1);
  EXPECT_EQ(count(t.path, "SELECT COUNT(*) FROM tune_jobs WHERE status = 'complete'"), 1);
  // Traces (every rank) and per-rank samples of every measured trial.
  EXPECT_EQ(count(t.path, "SELECT COUNT(DISTINCT trial_id) FROM trial_trace"), 3 + confirmations);
  EXPECT_EQ(count(t.path, "SELECT COUNT(DISTINCT rank) FROM samples"), 2);
  EXPECT_GT(count(t.path, "SELECT COUNT(*) FROM NVTX_EVENTS"), 0);
  // The stats carry the critical-path samples replay needs.
  EXPECT_EQ(count(t.path,
                  "SELECT COUNT(*) FROM trials WHERE status IN ('ok', 'stopped_early') AND "
                  "json_array_length(json_extract(stats, '$.samples_s')) >= 2"),
            3 + confirmations);
}

TEST(Session, RunningAgainResumesWithoutMeasuring) {
  TempDb t;
  const TuneOutcome first = run_tune(tiny(t.path), nullptr, nullptr);
  const std::int64_t measured =
      count(t.path, "SELECT COUNT(*) FROM trials WHERE status IN ('ok', 'stopped_early')");
  const TuneOutcome again = run_tune(tiny(t.path), nullptr, nullptr);
  EXPECT_EQ(again.job_id, first.job_id);
  EXPECT_NE(again.session_id, first.session_id);
  EXPECT_EQ(again.workloads[0].reused, again.workloads[0].evaluations);
  EXPECT_EQ(count(t.path, "SELECT COUNT(*) FROM trials WHERE status IN ('ok', 'stopped_early')"),
            measured);  // nothing re-measured
  ASSERT_TRUE(again.workloads[0].winner && first.workloads[0].winner);
  EXPECT_EQ(again.workloads[0].winner->key(), first.workloads[0].winner->key());
  // A different protocol is a different measurement: measured anew.
  TuneOptions other = tiny(t.path);
  other.max_samples = 4;
  const TuneOutcome third = run_tune(other, nullptr, nullptr);
  EXPECT_EQ(third.workloads[0].reused, 0);
}

TEST(Session, InterruptStopsAndTheNextRunFinishes) {
  TempDb t;
  std::atomic<bool> stop{true};  // as if Ctrl-C came before the first sample ended
  const TuneOutcome cut = run_tune(tiny(t.path), nullptr, &stop);
  EXPECT_TRUE(cut.interrupted);
  EXPECT_TRUE(cut.profile.entries.empty());
  EXPECT_EQ(count(t.path, "SELECT COUNT(*) FROM tune_jobs WHERE status = 'interrupted'"), 1);
  EXPECT_EQ(count(t.path, "SELECT COUNT(*) FROM trials WHERE status = 'ok'"), 0);
  const TuneOutcome rest = run_tune(tiny(t.path), nullptr, nullptr);
  EXPECT_FALSE(rest.interrupted);
  EXPECT_EQ(rest.workloads[0].reused, 0);  // the interrupted trial is not reused
  EXPECT_EQ(rest.profile.entries.size(), 1u);
  EXPECT_EQ(count(t.path, "SELECT COUNT(*) FROM tune_jobs WHERE status = 'complete'"), 1);
}

TEST(Session, BudgetIsRespected) {
  TempDb t;
  TuneOptions o = tiny(t.path);
  o.max_trials = 2;
  o.confirm_top = 0;  // the confirmation round comes on top of the budget
  const TuneOutcome out = run_tune(o, nullptr, nullptr);
  EXPECT_EQ(out.workloads[0].evaluations, 2);
  EXPECT_TRUE(out.budget_exhausted);
  EXPECT_EQ(count(t.path, "SELECT COUNT(*) FROM trials WHERE status IN ('ok', 'stopped_early')"), 2);
}

TEST(Session, TimeLimitStopsAfterTheDefault) {
  TempDb t;
  TuneOptions o = tiny(t.path);
  o.time_limit_s = 1e-6;  // spent by the first (default) measurement
  o.confirm_top = 0;
  const TuneOutcome out = run_tune(o, nullptr, nullptr);
  EXPECT_EQ(out.workloads[0].evaluations, 1);
  EXPECT_TRUE(out.budget_exhausted);
  ASSERT_TRUE(out.workloads[0].winner.has_value());
  EXPECT_TRUE(out.workloads[0].winner->is_default());
}

TEST(Session, SeveralSequenceLengthsBecomeBuckets) {
  const auto o = tiny("unused.db", {256, 1024, 4096});
  const WorkloadKey a = bucket_key(o.workloads, 0), b = bucket_key(o.workloads, 1),
                    c = bucket_key(o.workloads, 2);
  EXPECT_EQ(a.seq_min, 256);
  EXPECT_EQ(a.seq_max, 511);  // geometric midpoint of 256 and 1024 is 512
  EXPECT_EQ(b.seq_min, 512);
  EXPECT_EQ(b.seq_max, 2047);
  EXPECT_EQ(c.seq_min, 2048);
  EXPECT_EQ(c.seq_max, 4096);
}

TEST(Session, BadOptionsFailBeforeAnyRecord) {
  TempDb t;
  TuneOptions o = tiny(t.path);
  o.strategy = "genetic";
  EXPECT_THROW(run_tune(o, nullptr, nullptr), InvalidArgument);
  o = tiny(t.path);
  o.workloads[0].shape.seq = 255;  // not divisible by 2 ranks
  EXPECT_THROW(run_tune(o, nullptr, nullptr), InvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(t.path));
}

}  // namespace
}  // namespace burst::tuner
