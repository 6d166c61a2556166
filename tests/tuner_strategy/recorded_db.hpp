// Writes a tuning job into a database the way `tune` records it (docs/tuning-records.md), from a
// synthetic space: one session, the tune_jobs row, and one trial per candidate with its
// critical-path samples, for the replay tests.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <string>

#include "db/database.hpp"
#include "tests/tuner_strategy/synthetic.hpp"
#include "tuner/session.hpp"

namespace burst::test {

struct TempDb {
  std::filesystem::path dir;
  TempDb() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir = std::filesystem::temp_directory_path() /
          ("burst-replay-" + std::to_string(getpid()) + "-" + info->test_suite_name() + "-" + info->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~TempDb() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string path() const { return (dir / "tune.db").string(); }
};

// A small live tuning job (one causal forward workload at world 2, ring.chunks 1 or 2, a 14-trial
// budget, no trace, no confirmation round) recording into `db`: what the replay tests run live and
// then replay.
inline tuner::TuneOptions live_tune_options(const std::string& db, const std::string& strategy) {
  tuner::TuneOptions o;
  tuner::Workload w;
  w.name = "tiny";
  w.shape.seq = 256;
  w.shape.heads = 2;
  w.shape.head_dim = 32;
  w.shape.causal = true;
  w.pass = Pass::fwd;
  w.world = 2;
  w.ranks_per_node = 2;
  o.workloads.push_back(w);
  o.space.restrict = {{"ring.chunks", {"1", "2"}}};
  o.strategy = strategy;
  o.seed = 3;
  o.max_trials = 14;
  o.warmup = 0;
  o.min_samples = 3;
  o.max_samples = 6;
  o.max_noise = 0.05;
  o.trace = false;
  o.confirm_top = 0;
  o.db_path = db;
  o.command_line = "test";
  o.tool_version = "test";
  o.fingerprint.backend = "cpu";
  o.fingerprint.cpu_model = "test";
  return o;
}

inline tuner::Workload test_workload(std::int64_t seq = 256) {
  tuner::Workload w;
  w.name = "custom";
  w.shape.seq = seq;
  w.shape.heads = 2;
  w.shape.head_dim = 16;
  w.pass = Pass::fwd_bwd;
  w.world = 2;
  w.ranks_per_node = 2;
  return w;
}

struct RecordingPlan {
  std::set<std::size_t> pruned, failed, stopped_early;  // candidate indices
  double scale = 1.0;                                   // times are true_time * scale
  int samples = 20;
};

// Samples of candidate i: true_time * scale * (1 + a * sin(1.7 k + i)), a = 1% (every fourth
// candidate 8%, so that its noise keeps it sampling longer).
inline std::vector<double> recorded_samples(const tuner::Candidate& c, std::size_t i,
                                            const RecordingPlan& plan) {
  const double a = i % 4 == 0 ? 0.08 : 0.01;
  std::vector<double> s;
  for (int k = 0; k < plan.samples; ++k)
    s.push_back(true_time(c) * plan.scale * (1 + a * std::sin(1.7 * k + static_cast<double>(i))));
  return s;
}

// Returns the job id.
inline std::int64_t write_recorded_job(const std::string& path, const tuner::SearchSpace& space,
                                       const tuner::Workload& workload, const RecordingPlan& plan,
                                       const std::string& strategy = "exhaustive") {
  db::Database db(path, /*create_if_missing=*/true);
  db.exec(R"sql(
CREATE TABLE IF NOT EXISTS tune_jobs (id INTEGER PRIMARY KEY, job_key TEXT NOT NULL,
  first_session_id INTEGER NOT NULL, last_session_id INTEGER NOT NULL, status TEXT NOT NULL,
  options TEXT NOT NULL, results TEXT);
CREATE TABLE IF NOT EXISTS tune_results (job_id INTEGER NOT NULL REFERENCES tune_jobs(id),
  workload TEXT NOT NULL, default_trial_id INTEGER, winner_trial_id INTEGER, summary TEXT NOT NULL);
)sql");
  const auto session = db.begin_session("burst-tune tune --strategy " + strategy, "{}");
  const nlohmann::json options = {{"strategy", strategy}, {"seed", 0},         {"max_trials", 0},
                                  {"time_limit_s", 0},    {"warmup", 1},       {"min_samples", 5},
                                  {"max_samples", 20},    {"max_noise", 0.03}, {"max_time_s", 5.0}};
  auto ins = db.prepare(
      "INSERT INTO tune_jobs(job_key, first_session_id, last_session_id, status, options) VALUES (?, ?, ?, "
      "'complete', ?)");
  ins.bind(1, std::string_view("k")).bind(2, session).bind(3, session).bind(4, options.dump());
  ins.run();
  const std::int64_t job = sqlite3_last_insert_rowid(db.handle());
  for (std::size_t i = 0; i < space.candidates.size(); ++i) {
    const auto& c = space.candidates[i];
    nlohmann::json config = {{"kind", "tune"},
                             {"job_id", job},
                             {"workload_index", 0},
                             {"workload", workload.to_json()},
                             {"candidate", c.to_json()},
                             {"key", c.key()},
                             {"is_default", c.is_default()},
                             {"level", plan.pruned.count(i) ? -1 : 1},
                             {"strategy", strategy},
                             {"order", i}};
    const auto trial = db.begin_trial(session, config.dump());
    if (plan.pruned.count(i)) {
      db.finish_trial(trial, "pruned", "synthetic constraint", "{}");
    } else if (plan.failed.count(i)) {
      db.finish_trial(trial, "failed", "synthetic failure " + std::to_string(i), "{}");
    } else {
      auto samples = recorded_samples(c, i, plan);
      const bool early = plan.stopped_early.count(i) > 0;
      if (early) samples.resize(3);
      const nlohmann::json stats = {{"median_s", samples[samples.size() / 2]},
                                    {"noise", 0.01},
                                    {"samples_s", samples},
                                    {"stop_reason", early ? "early_stop" : "noise"}};
      db.finish_trial(trial, early ? "stopped_early" : "ok", "", stats.dump());
    }
  }
  return job;
}

}  // namespace burst::test
