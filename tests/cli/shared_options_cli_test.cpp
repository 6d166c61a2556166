// The options several commands share have one default and one spelling everywhere (cli/defaults.hpp;
// docs/cli.md, "Options shared by every command"): causal on (--no-causal turns it off) and pass
// fwd+bwd in run, trace, explain, tune and plan; the output file -o/--out/--output. Issue 17: run,
// trace and explain were non-causal while tune was causal, so a profile tuned with the defaults was
// never used by a run or an explain with the defaults. The world and tune's --max-noise:
// world_output_noise_cli_test.cpp.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_json_help.hpp"
#include "cli/run_cli.hpp"
#include "support/profile_text.hpp"
#include "support/temp_dir.hpp"

namespace burst::test {
namespace {

const std::string kShape = " --seq 256 --heads 2 --head-dim 32";
const std::string kQuick = kShape + " --iters 1 --warmup 0 --threads 1";

TEST(SharedDefaults, RunAndTraceAreCausalForwardAndBackward) {
  const auto run = json_of("run" + kQuick);
  EXPECT_TRUE(run["shape"]["causal"].get<bool>()) << run.dump();
  EXPECT_EQ(run["pass"], "fwd+bwd");
  EXPECT_TRUE(run.contains("forward") && run.contains("backward")) << run.dump();
  TempDir dir("shared-trace");
  const auto trace = json_of("trace" + kQuick + " --db " + dir.file("t.db"));
  EXPECT_TRUE(trace["shape"]["causal"].get<bool>()) << trace.dump();
  EXPECT_EQ(trace["pass"], "fwd+bwd");
}

TEST(SharedDefaults, NoCausalTurnsItOffAndCausalIsStillAccepted) {
  EXPECT_FALSE(json_of("run --no-causal" + kQuick)["shape"]["causal"].get<bool>());
  EXPECT_TRUE(json_of("run --causal" + kQuick)["shape"]["causal"].get<bool>());
}

TEST(SharedDefaults, TuneAndPlanPlanTheSameWorkload) {
  const auto t = json_of("tune --dry-run" + kShape);
  ASSERT_EQ(t["workloads"].size(), 1u) << t.dump();
  const auto& w = t["workloads"][0]["workload"];
  EXPECT_TRUE(w["causal"].get<bool>()) << w.dump();
  EXPECT_EQ(w["pass"], "fwd+bwd");
  EXPECT_EQ(w["world"], 2);
  const std::string plan = "plan --ranks 2 --compute-rate 1e12 --link intra:1e10,0" + kShape;
  const auto p = json_of(plan);
  EXPECT_TRUE(p["workload"]["causal"].get<bool>()) << p["workload"].dump();
  EXPECT_EQ(p["workload"]["pass"], "fwd+bwd");
  EXPECT_FALSE(json_of(plan + " --no-causal")["workload"]["causal"].get<bool>());
}

// What tune writes with its defaults (world 2, causal, fwd+bwd) is what explain looks up with its.
TEST(SharedDefaults, ExplainFindsTheEntryTuneWritesWithTheDefaults) {
  TempDir dir("shared-explain");
  const std::string path = dir.file("p.json");
  std::ofstream(path) << one_entry_profile(2, true, "fwd+bwd", R"({"kernel.tile_q": 32})");
  const auto j = json_of("explain --profile " + path + " --here " + path + " --backend cpu" + kShape);
  EXPECT_EQ(j["source"], "exact") << j.dump();
  EXPECT_EQ(j["entry_index"], 0) << j.dump();
}

TEST(SharedDefaults, HelpShowsOneDefaultPerOption) {
  for (const std::string cmd : {"run", "trace", "explain", "tune", "plan"}) {
    const std::string help = help_of(cmd);
    EXPECT_NE(help_line(help, "--pass").find("=fwd+bwd"), std::string::npos) << cmd << "\n" << help;
    const std::string causal = help_line(help, "--causal");
    EXPECT_NE(causal.find("--no-causal"), std::string::npos) << cmd << "\n" << help;
    EXPECT_NE(causal.find("default on"), std::string::npos) << cmd << "\n" << help;
  }
  for (const std::string cmd : {"explain", "tune", "calibrate"})
    EXPECT_NE(help_line(help_of(cmd), "--world").find("=2"), std::string::npos) << cmd << " --help";
  EXPECT_FALSE(help_line(help_of("report"), "-o,--out,--output").empty()) << help_of("report");
}

// Each spelling reaches report's output option: writing over --db is refused, naming the file, and
// --out writes the page.
TEST(SharedOutput, ReportTakesEverySpelling) {
  TempDir dir("shared-output");
  const std::string db = dir.file("a.db");
  ASSERT_EQ(run_cli("trace --world 1" + kQuick + " --db " + db).exit_code, 0);
  for (const std::string spelling : {"-o", "--out", "--output"}) {
    const CliResult r = run_cli("report --db " + db + " " + spelling + " " + db);
    EXPECT_EQ(r.exit_code, 2) << spelling << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find("is the same file as --db"), std::string::npos) << spelling << "\n" << r.err;
  }
  const CliResult report = run_cli("report --db " + db + " --out " + dir.file("r.html"));
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(slurp(dir.file("r.html")).find("<html"), std::string::npos);
}

}  // namespace
}  // namespace burst::test
