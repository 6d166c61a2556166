// burst-tune report end to end: the real binary on a fixture tuning database (docs/tuning-records.md),
// on a database written by `burst-tune trace`, and on bad input.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
#include "report/report_checks.hpp"
#include "report/report_fixtures.hpp"

namespace {

using burst::test::run_cli;
using burst::test::slurp;

TEST(ReportCli, TextShowsWinnerDefaultCountsAndExposure) {
  burst::test::TempDir dir;
  const auto f = burst::test::make_tuning_db(dir.file("t.db"));
  const auto r = run_cli("report --db " + dir.file("t.db"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(
      r.out.find("Tuned 2 workloads on Test CPU 9000 (2 cores): the best configurations are 1.11x to 1.33x "
                 "faster than the defaults (noise up to 1.0%)."),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("session 2 (tuning, strategy grid)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("4 ok, 1 failed, 1 pruned, 1 stopped early"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("speedup 1.33x over the default"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pruned  1 x ring.chunks=8: chunk_pipeline needs n % 8 == 0"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("failed  trial 8 (ring.chunks=2, ring.overlap=chunk_pipeline): out of memory"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("winner  ring.chunks=2, ring.overlap=double_buffer (others as default)"),
            std::string::npos)
      << r.out;
  // Every rank's figures, imbalance apart from transfer (imbalanced_ring: rank 0 15% + 15%, rank 1 10%).
  EXPECT_NE(r.out.find("communication partly hidden: trial " + std::to_string(f.winner_a) + ", every rank"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("       0               0.0040           15.0%      15.0%\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("       1               0.0040           10.0%       0.0%\n"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("critical"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("at most 15.0% of a rank's pass time is communication not overlapped with compute "
                       "(rank 0); waiting for a late peer (load imbalance) takes up to 15.0% (rank 0)."),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("1.5000"), std::string::npos) << r.out;  // winner median ms
  EXPECT_NE(r.out.find("2.0000"), std::string::npos) << r.out;  // default median ms
}

TEST(ReportCli, JsonCarriesTheNumbers) {
  burst::test::TempDir dir;
  const auto f = burst::test::make_tuning_db(dir.file("t.db"));
  const auto r = run_cli("--json report --db " + dir.file("t.db"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["session_id"], f.tune_session);
  EXPECT_TRUE(j["tuning"].get<bool>());
  EXPECT_EQ(j["fingerprint"]["cpu_model"], "Test CPU 9000");
  ASSERT_EQ(j["workloads"].size(), 2u);
  const auto& a = j["workloads"][0];
  EXPECT_EQ(a["workload"]["seq"], 512);
  EXPECT_NEAR(a["speedup"].get<double>(), 2.0 / 1.5, 1e-9);
  EXPECT_EQ(a["best"]["trial_id"], f.winner_a);
  EXPECT_NEAR(a["best"]["median_s"].get<double>(), 0.0015, 1e-12);
  EXPECT_EQ(a["default"]["trial_id"], f.default_a);
  EXPECT_EQ(a["best"]["changes"], "ring.chunks=2, ring.overlap=double_buffer");
  EXPECT_EQ(a["trials"]["ok"], 4);
  EXPECT_EQ(a["trials"]["pruned"], 1);
  const auto& ec = a["exposed_communication"];
  EXPECT_NEAR(ec["not_overlapped_fraction"].get<double>(), 0.15, 1e-12);
  EXPECT_EQ(ec["not_overlapped_rank"], 0);
  EXPECT_NEAR(ec["late_peer_fraction"].get<double>(), 0.15, 1e-12);
  EXPECT_EQ(ec["late_peer_rank"], 0);
  EXPECT_EQ(ec["verdict"], "partly hidden");
  EXPECT_FALSE(ec.contains("critical_rank"));
  ASSERT_EQ(ec["ranks"].size(), 2u);
  EXPECT_NEAR(ec["ranks"][1]["not_overlapped_fraction"].get<double>(), 0.10, 1e-12);
  EXPECT_NEAR(ec["ranks"][1]["late_peer_fraction"].get<double>(), 0.0, 1e-12);
  EXPECT_NEAR(ec["ranks"][0]["exposed_fraction"].get<double>(), 0.30, 1e-12);
  EXPECT_EQ(a["parameters"][1]["name"], "ring.overlap");
  EXPECT_EQ(a["parameters"][1]["level"], 1);
  EXPECT_EQ(a["parameters"][1]["level_name"], "full");
  ASSERT_EQ(a["failures"].size(), 2u);  // stopped early, failed
  EXPECT_EQ(a["failures"][1]["reason"], "out of memory: <scratch> & more");
  ASSERT_EQ(a["pruned"].size(), 1u);
  EXPECT_EQ(a["pruned"][0]["candidates"], 1);
  EXPECT_EQ(a["pruned"][0]["reason"], "ring.chunks=8: chunk_pipeline needs n % 8 == 0");
  EXPECT_EQ(a["history"].size(), 7u);
  EXPECT_TRUE(j["workloads"][1]["exposed_communication"].is_null());
}

TEST(ReportCli, HtmlIsWellFormedSelfContainedAndEveryPlotIsLabelled) {
  burst::test::TempDir dir;
  burst::test::make_tuning_db(dir.file("t.db"));
  const std::string out = dir.file("report.html");
  const auto r = run_cli("report --db " + dir.file("t.db") + " -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("wrote " + out + " (session 2, 2 workloads)"), std::string::npos) << r.out;
  const std::string html = slurp(out);
  // A: ring.chunks, ring.overlap, history, timeline; B: ring.overlap, history (no trace).
  EXPECT_EQ(burst::test::check_report_page(html), 6);
  for (const char* want : {"data-plot=\"param-0-0\"", "data-plot=\"param-0-1\"", "data-plot=\"history-0\"",
                           "data-plot=\"timeline-0\"", "data-plot=\"param-1-0\"", "data-plot=\"history-1\"",
                           "out of memory: &lt;scratch&gt; &amp; more", "ring.chunks=8: chunk_pipeline needs",
                           "Test CPU 9000", "waiting for a late peer", "communication not overlapped",
                           ">rank 1<", "best time (ms)", "best time by ring.overlap, level 1 (full)",
                           "evaluation order (0 = first evaluated)", "level 1 (full)", "winner</text>"}) {
    EXPECT_NE(html.find(want), std::string::npos) << want;
  }
}

TEST(ReportCli, ReportsATraceDatabaseAsNotATuningSession) {
  burst::test::TempDir dir;
  const std::string db = dir.file("trace.db"), out = dir.file("trace.html");
  const auto t = run_cli(
      "trace --world 2 --seq 256 --heads 2 --head-dim 32 --no-causal --pass fwd+bwd --iters 2 --warmup 0 "
      "--db " +
      db);
  ASSERT_EQ(t.exit_code, 0) << t.out << t.err;
  const auto text = run_cli("report --db " + db);
  ASSERT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_NE(text.out.find("(not a tuning session)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("One traced trial on "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("N=256 H=2 d=32 fp32 fwd+bwd world 2"), std::string::npos) << text.out;

  const auto json = run_cli("--json report --db " + db + " -o " + out);
  ASSERT_EQ(json.exit_code, 0) << json.out << json.err;
  const auto j = nlohmann::json::parse(json.out);
  EXPECT_FALSE(j["tuning"].get<bool>());
  ASSERT_EQ(j["workloads"].size(), 1u);
  const auto& w = j["workloads"][0];
  EXPECT_GT(w["best"]["median_s"].get<double>(), 0);
  EXPECT_GT(w["best"]["tflops"].get<double>(), 0);
  const double f = w["exposed_communication"]["not_overlapped_fraction"].get<double>();
  EXPECT_GE(f, 0.0);
  EXPECT_LE(f, 1.0);
  EXPECT_EQ(w["exposed_communication"]["ranks"].size(), 2u);

  const std::string html = slurp(out);
  EXPECT_EQ(burst::test::check_report_page(html), 1);  // the timeline only
  EXPECT_NE(html.find("Not a tuning session"), std::string::npos);
  EXPECT_NE(html.find("data-plot=\"timeline-0\""), std::string::npos);
}

TEST(ReportCli, ReportsWhatTuneRecorded) {
  burst::test::TempDir dir;
  const std::string db = dir.file("tune.db"), out = dir.file("tune.html");
  const auto t =
      run_cli("tune --world 2 --seq 512 --heads 2 --head-dim 32 --strategy random --max-trials 4 --db " + db +
              " --out " + dir.file("profile.json") + " --progress none");
  ASSERT_EQ(t.exit_code, 0) << t.out << t.err;
  const auto r = run_cli("--json report --db " + db + " -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["tuning"].get<bool>());
  EXPECT_EQ(j["strategy"], "random");
  ASSERT_EQ(j["workloads"].size(), 1u);
  const auto& w = j["workloads"][0];
  EXPECT_EQ(w["workload"]["seq"], 512);

  std::int64_t winner = 0, def = 0, total = 0;
  {
    burst::db::Database d(db, false);
    auto q = d.prepare("SELECT winner_trial_id, default_trial_id FROM tune_results");
    ASSERT_TRUE(q.step());
    winner = q.int64(0);
    def = q.int64(1);
    auto n = d.prepare("SELECT count(*) FROM trials");
    ASSERT_TRUE(n.step());
    total = n.int64(0);
  }
  EXPECT_EQ(w["best"]["trial_id"], winner);
  EXPECT_EQ(w["default"]["trial_id"], def);
  EXPECT_NEAR(w["speedup"].get<double>(),
              w["default"]["median_s"].get<double>() / w["best"]["median_s"].get<double>(), 1e-9);
  const auto& c = w["trials"];
  EXPECT_EQ(c["ok"].get<int>() + c["failed"].get<int>() + c["pruned"].get<int>() +
                c["stopped_early"].get<int>() + c["other"].get<int>(),
            total);
  EXPECT_EQ(w["history"].size(), static_cast<std::size_t>(total));
  ASSERT_FALSE(w["exposed_communication"].is_null());  // tune traces every measured trial
  EXPECT_EQ(w["exposed_communication"]["trial_id"], winner);
  for (const auto& rk : w["exposed_communication"]["ranks"]) {
    const double late = rk["late_peer_fraction"].get<double>(),
                 rest = rk["not_overlapped_fraction"].get<double>();
    EXPECT_GE(late, 0.0);
    EXPECT_GE(rest, 0.0);
    EXPECT_NEAR(late + rest, rk["exposed_fraction"].get<double>(), 1e-9);
    EXPECT_LE(late + rest, 1.0);
  }
  EXPECT_NE(j["headline"].get<std::string>().find("Tuned 1 workload on "), std::string::npos)
      << j["headline"];

  const std::string html = slurp(out);
  EXPECT_GE(burst::test::check_report_page(html), 3);  // parameters, history, timeline
  EXPECT_NE(html.find("data-plot=\"history-0\""), std::string::npos);
  EXPECT_NE(html.find("data-plot=\"timeline-0\""), std::string::npos);
  EXPECT_NE(html.find("data-plot=\"param-0-0\""), std::string::npos);
}

// A tune whose noise bar no measurement can meet: its verdict is "unreliable", and the report's
// headline says the speedup is not established instead of stating it as a result.
TEST(ReportCli, UnreliableTuneIsNotAnEstablishedResult) {
  burst::test::TempDir dir;
  const std::string db = dir.file("noisy.db");
  const auto t = run_cli(
      "tune --world 2 --seq 256 --heads 2 --head-dim 32 --strategy random --max-trials 3 "
      "--min-samples 2 --max-samples 3 --max-noise 0.000001 --db " +
      db + " --out " + dir.file("p.json") + " --progress none");
  ASSERT_EQ(t.exit_code, 0) << t.out << t.err;
  ASSERT_NE(t.out.find("unreliable"), std::string::npos) << t.out;
  const auto r = run_cli("--json report --db " + db);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["workloads"][0]["verdict"].get<std::string>().rfind("unreliable", 0), 0u) << r.out;
  EXPECT_NE(j["headline"].get<std::string>().find(
                "Not established: the workload was measured with noise above --max-noise"),
            std::string::npos)
      << j["headline"];
}

// A halving job whose brief rung made chunk_pipeline look twice as fast while the confirmation
// round kept the default (report_fixtures.hpp, make_halving_db): the bars compare one level and say
// which, every level is labelled (0 included), and the x axis says what it plots.
TEST(ReportCli, HalvingReportComparesLikeWithLikeAndLabelsEveryLevel) {
  burst::test::TempDir dir;
  const auto f = burst::test::make_halving_db(dir.file("h.db"));
  const std::string out = dir.file("h.html");
  const auto r = run_cli("--json report --db " + dir.file("h.db") + " -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& w = j["workloads"][0];
  EXPECT_EQ(w["best"]["trial_id"], f.winner);
  ASSERT_EQ(w["parameters"].size(), 1u);
  const auto& p = w["parameters"][0];
  EXPECT_EQ(p["level"], 2);
  EXPECT_EQ(p["level_name"], "confirmation");
  for (const auto& v : p["values"]) {
    SCOPED_TRACE(v.dump());
    if (v["value"] == "chunk_pipeline") {
      EXPECT_NEAR(v["best_median_s"].get<double>(), 0.00202, 1e-12);  // not the brief rung's 1.0 ms
    } else if (v["value"] == "none") {
      EXPECT_TRUE(v["in_winner"].get<bool>());
    } else {
      EXPECT_TRUE(v["best_median_s"].is_null());  // double_buffer: not in the confirmation round
    }
  }
  const auto& history = w["history"];
  ASSERT_EQ(history.size(), 8u);
  EXPECT_EQ(history[0]["level_name"], "brief");
  EXPECT_NEAR(history.back()["best_so_far_s"].get<double>(), w["best"]["median_s"].get<double>(), 1e-15);
  int winners = 0;
  for (const auto& h : history) winners += h["is_winner"].get<bool>() ? 1 : 0;
  EXPECT_EQ(winners, 1);

  const std::string html = slurp(out);
  EXPECT_GE(burst::test::check_report_page(html), 2);
  for (const char* want :
       {"level 0 (brief)", "level 1 (full)", "level 2 (confirmation)",
        "evaluation order (0 = first evaluated)", "best time by ring.overlap, level 2 (confirmation)",
        "other level only", "winner</text>"}) {
    EXPECT_NE(html.find(want), std::string::npos) << want;
  }
  EXPECT_EQ(html.find("trial #"), std::string::npos);

  const auto text = run_cli("report --db " + dir.file("h.db"));
  ASSERT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_NE(text.out.find("by value  ring.overlap at level 2 (confirmation): none 2.0000 ms* double_buffer - "
                          "chunk_pipeline 2.0200 ms"),
            std::string::npos)
      << text.out;
}

TEST(ReportCli, BadInputIsOneLineNamingItAndExitTwo) {
  burst::test::TempDir dir;
  burst::test::make_tuning_db(dir.file("t.db"));
  { std::ofstream(dir.file("notes.txt")) << "not a database\n"; }
  struct Case {
    std::string args, must_name;
  } cases[] = {
      {"report --db " + dir.file("missing.db"), dir.file("missing.db")},
      {"report --db " + dir.file("notes.txt"), dir.file("notes.txt")},
      {"report --db " + dir.file("t.db") + " --session 99", "session 99"},
      {"report --db " + dir.file("t.db") + " -o " + dir.file("no/such/dir/r.html"),
       dir.file("no/such/dir/r.html")},
      {"report", "--db"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    const auto r = run_cli(c.args);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(c.must_name), std::string::npos) << r.err;
    EXPECT_LE(burst::test::count_lines(r.err), 2) << r.err;  // the error (and at most a usage hint)
  }
}

}  // namespace
