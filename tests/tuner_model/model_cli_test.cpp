// burst-tune plan and calibrate as subprocesses: the example of the issue, JSON output, calibrated
// rates round-tripping through a database and a file, and usage errors (one line, exit 2).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/run_cli.hpp"

namespace burst::test {
namespace {

namespace fs = std::filesystem;

const std::string kCluster =
    "plan --ranks 16 --ranks-per-node 8 --compute-rate 700e12 --link intra:450e9,2e-6 --link inter:50e9,5e-6";

nlohmann::json parse(const CliResult& r) {
  auto j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r.out << r.err;
  return j;
}

void expect_usage_error(const std::string& args, const std::string& names) {
  const CliResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out << r.err;
  EXPECT_NE(r.err.find(names), std::string::npos) << args << "\n" << r.err;
  EXPECT_LE(count_lines(r.err), 2) << r.err;  // the error (+ "Run with --help" for parse errors)
}

TEST(PlanCli, IssueExampleRanksAndPrintsThresholds) {
  const CliResult r = run_cli(kCluster + " --preset llama3-8b --seq 128K --causal");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("<- best"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("thresholds"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kv sends"), std::string::npos) << r.out;  // GQA 4: kv sends less
  EXPECT_NE(r.out.find("inter"), std::string::npos) << r.out;
}

TEST(PlanCli, JsonReproducesAlgorithmThresholds) {
  // F = 700e12 over 50e9 B/s IB, bf16 MHA: n* = 14000 (x2 balanced causal); NVLink 450e9: 1555.6.
  const CliResult r = run_cli(
      "plan --ranks 16 --ranks-per-node 8 --compute-rate 700e12 --link intra:450e9,0 --link inter:50e9,0 "
      "--preset llama2-7b --seq 64K --causal --pass fwd --top 3 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = parse(r);
  const auto& fwd = j["thresholds"]["overlap_forward"];
  ASSERT_EQ(fwd.size(), 2u);
  EXPECT_EQ(fwd[1]["link"], "inter");
  EXPECT_NEAR(fwd[1]["n_full"].get<double>(), 14000.0, 1e-6);
  EXPECT_NEAR(fwd[1]["n_balanced_causal"].get<double>(), 28000.0, 1e-6);
  EXPECT_NEAR(fwd[0]["n_full"].get<double>(), 700e12 / 450e9, 1e-6);
  EXPECT_EQ(j["tokens_per_rank"], 4096);
  EXPECT_EQ(j["workload"]["heads"], 32);
  EXPECT_LE(j["ranked"].size(), 4u);
  const auto& best = j["ranked"][j["best"].get<std::size_t>()];
  EXPECT_GT(best["total_s"].get<double>(), 0.0);
  EXPECT_TRUE(best["config"].contains("ring.overlap")) << best.dump();
}

TEST(PlanCli, UsageErrors) {
  expect_usage_error("plan --compute-rate 1e12 --link intra:1e9,0", "--ranks");
  expect_usage_error("plan --ranks 8 --compute-rate fast --link intra:1e9,0", "--compute-rate");
  expect_usage_error("plan --ranks 8 --link intra:1e9,0", "--compute-rate");
  expect_usage_error("plan --ranks 8 --compute-rate 1e12 --link nvlink:1e9,0", "--link");
  expect_usage_error("plan --ranks 8 --compute-rate 1e12", "--link");
  expect_usage_error("plan --ranks 16 --ranks-per-node 8 --compute-rate 1e12 --link intra:1e9,0",
                     "--link inter");
  expect_usage_error("plan --ranks 8 --compute-rate 1e12 --link intra:1e9,0 --seq 12Q", "--seq");
  expect_usage_error("plan --ranks 8 --compute-rate 1e12 --link intra:1e9,0 --preset gpt-9", "--preset");
  expect_usage_error("plan --ranks 8 --compute-rate 1e12 --link intra:1e9,0 --seq 1001", "divisible");
  expect_usage_error("plan --ranks 8 --rates /nonexistent/rates.json", "--rates");
}

TEST(CalibrateCli, QuickStoresRatesThatPlanReads) {
  const fs::path dir = fs::temp_directory_path() / ("burst_calibrate_cli_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string db = (dir / "burst.db").string(), rates = (dir / "rates.json").string();
  const CliResult r = run_cli("calibrate --quick --world 2 --db " + db + " --out " + rates + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = parse(r);
  EXPECT_GT(j["rates"]["default_fwd_flops_per_s"].get<double>(), 0.0);
  EXPECT_EQ(j["world"], 2);
  EXPECT_FALSE(j["fingerprint_id"].get<std::string>().empty());
  EXPECT_TRUE(fs::exists(rates));

  // Plan from the file and from the database (this machine's fingerprint), 2 local ranks.
  for (const std::string& source : {"--rates " + rates, "--db " + db}) {
    const CliResult p =
        run_cli("plan --ranks 2 --seq 4096 --heads 4 --head-dim 64 --dtype fp32 " + source + " --json");
    ASSERT_EQ(p.exit_code, 0) << source << "\n" << p.err;
    const auto pj = parse(p);
    EXPECT_EQ(pj["rates"]["default_fwd_flops_per_s"], j["rates"]["default_fwd_flops_per_s"]) << source;
    EXPECT_GT(pj["ranked"][0]["total_s"].get<double>(), 0.0);
  }
  expect_usage_error("calibrate --quick --tiles 64by64 --no-db", "--tiles");
  expect_usage_error("calibrate --quick --db /nonexistent/dir/x.db", "--db");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace burst::test
