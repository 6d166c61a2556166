// tune's plan before the first trial and its per-sample progress on long trials (docs/tune.md "The
// plan", "Progress"), on the real binary. BURST_PROGRESS_AFTER_S sets the "long" threshold, so
// nothing here depends on how fast the machine is.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/run_cli.hpp"
#include "support/temp_dir.hpp"
#include "support/text_file.hpp"

namespace burst::test {
namespace {

// A tiny forward-only space of 3 candidates (2 tiles + the default), measured exhaustively.
const std::string tiny =
    " --seq 256 --heads 2 --head-dim 32 --no-causal --pass fwd --strategy exhaustive"
    " --space kernel.tile_q=32,64 --space kernel.tile_kv=32 --space ring.chunks=1 --space ring.overlap=none"
    " --space cp.method=ring"
    " --min-samples 2 --max-samples 3 --warmup 0";

// stdout and stderr of one run in a single file, in the order they were written.
std::string merged_output(const std::string& args, const std::string& env = "") {
  TempDir d("tune_plan");
  const std::string file = d / "both";
  const std::string command = "env -u OMPI_COMM_WORLD_SIZE -u PMI_SIZE -u PMIX_RANK " + env +
                              " '" BURST_TUNE_EXE "' " + args + " >'" + file + "' 2>&1";
  const int status = std::system(command.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command << "\n" << slurp(file);
  return slurp(file);
}

int count_of(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

TEST(TunePlan, ComesBeforeTheFirstTrialWithTheSpaceAndNoInventedEstimate) {
  TempDir d("tune_plan");
  const std::string both =
      merged_output("tune" + tiny + " --progress lines --db " + (d / "t.db") + " --out " + (d / "p.json"));
  const auto plan = both.find("plan: ");
  const auto first_trial = both.find("trial 1/");
  ASSERT_NE(plan, std::string::npos) << both;
  ASSERT_NE(first_trial, std::string::npos) << both;
  EXPECT_LT(plan, first_trial) << both;
  const std::string head = both.substr(plan, first_trial - plan);
  EXPECT_NE(head.find("3 valid after the constraints"), std::string::npos) << head;
  EXPECT_NE(head.find("strategy: exhaustive, --max-trials 64"), std::string::npos) << head;
  // 3 candidates, then the default and the 2 others again in the confirmation round.
  EXPECT_NE(head.find("evaluations planned: 6"), std::string::npos) << head;
  // A fresh database holds no calibrated rates: no estimate, and it says so.
  EXPECT_NE(head.find("no estimate (no calibrated rates"), std::string::npos) << head;
  EXPECT_EQ(head.find("estimate from the cost model"), std::string::npos) << head;
  // The progress denominators are the plan's.
  EXPECT_NE(both.find("trial 1/6 "), std::string::npos) << both;
}

TEST(TunePlan, EstimatesFromCalibratedRatesAndAgreesWithTheDryRun) {
  TempDir d("tune_plan");
  const std::string db = d / "t.db";
  const auto cal = run_cli("calibrate --quick --world 2 --db " + db);
  ASSERT_EQ(cal.exit_code, 0) << cal.err;
  const auto dry = run_cli("tune --dry-run" + tiny + " --db " + db);
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("plan: "), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("estimate from the cost model: ~"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("(6 trials x ~"), std::string::npos) << dry.out;
  const auto dj = run_cli("--json tune --dry-run" + tiny + " --db " + db);
  ASSERT_EQ(dj.exit_code, 0) << dj.err;
  const auto plan = nlohmann::json::parse(dj.out).at("workloads").at(0).at("plan");
  EXPECT_EQ(plan.at("size_after"), 3);
  EXPECT_EQ(plan.at("evaluations").at("planned"), 6);
  ASSERT_TRUE(plan.at("estimate").is_object()) << plan.dump();
  EXPECT_GT(plan.at("estimate").at("seconds").get<double>(), 0);
  // The live run prints the same plan (stdout) before measuring.
  const auto live = run_cli("tune" + tiny + " --progress lines --db " + db + " --out " + (d / "p.json"));
  ASSERT_EQ(live.exit_code, 0) << live.err;
  EXPECT_NE(live.out.find("estimate from the cost model: ~"), std::string::npos) << live.out;
  EXPECT_NE(live.out.find("evaluations planned: 6"), std::string::npos) << live.out;
  // --json: stdout stays one JSON document, the plan goes to stderr.
  const auto js = run_cli("--json tune" + tiny + " --progress none --db " + db + " --out " + (d / "p.json"));
  ASSERT_EQ(js.exit_code, 0) << js.err;
  EXPECT_FALSE(nlohmann::json::parse(js.out, nullptr, false).is_discarded()) << js.out;
  EXPECT_NE(js.err.find("plan: "), std::string::npos) << js.err;
  // -q: no plan.
  const auto quiet = run_cli("-q tune" + tiny + " --progress none --db " + db + " --out " + (d / "p.json"));
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.out.find("plan: "), std::string::npos) << quiet.out;
  EXPECT_EQ(quiet.err.find("plan: "), std::string::npos) << quiet.err;
}

TEST(TuneProgress, SampleLinesOnLongTrialsOnlyAndNeverWithProgressNone) {
  TempDir d("tune_progress");
  const std::string files = " --db " + (d / "t.db") + " --out " + (d / "p.json") + " --no-trace";
  // Every trial counts as long: a line per timed sample, before the trial's own line.
  const auto lines = run_cli("tune" + tiny + " --progress lines" + files, "BURST_PROGRESS_AFTER_S=0");
  ASSERT_EQ(lines.exit_code, 0) << lines.err;
  const auto sample = lines.err.find("trial 1/6 sample 1/2: ");
  ASSERT_NE(sample, std::string::npos) << lines.err;
  EXPECT_NE(lines.err.find("(median so far "), std::string::npos) << lines.err;
  EXPECT_LT(sample, lines.err.find("trial 1/6 (default)")) << lines.err;
  EXPECT_GE(count_of(lines.err, " sample "), 6) << lines.err;  // at least 2 per trial, 3 trials at least
  // --progress none: nothing on stderr, however long.
  const auto none = run_cli("tune" + tiny + " --progress none" + files, "BURST_PROGRESS_AFTER_S=0");
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.err.find(" sample "), std::string::npos) << none.err;
  EXPECT_EQ(none.err.find("trial "), std::string::npos) << none.err;
  // Short trials (under a threshold they cannot reach): trial lines only.
  const auto quiet = run_cli("tune" + tiny + " --progress lines" + files, "BURST_PROGRESS_AFTER_S=100000");
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_NE(quiet.err.find("trial 1/6 "), std::string::npos) << quiet.err;
  EXPECT_EQ(quiet.err.find(" sample "), std::string::npos) << quiet.err;
  // A threshold that is not a number of seconds is refused before anything is measured.
  const auto bad = run_cli("tune" + tiny + files, "BURST_PROGRESS_AFTER_S=soon");
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("BURST_PROGRESS_AFTER_S=soon"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace burst::test
