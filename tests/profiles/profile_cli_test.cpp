// Profiles: `burst-tune validate` and `burst-tune explain` as a user runs them (subprocesses).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "profile_test_util.hpp"

#ifdef BURST_TUNE_EXE
#include "cli/run_cli.hpp"

namespace burst::test {
namespace {

struct Result {
  int status = -1;
  std::string output;  // stderr, then stdout
};

Result run_tool(const std::string& args) {
  const CliResult r = run_cli(args);
  return {r.exit_code, r.err + r.out};
}

TEST(ProfileCli, ValidateGoodAndBrokenFiles) {
  ScratchDir dir("cli");
  const std::string good = example_profile_path();
  Result ok = run_tool("validate '" + good + "'");
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find(good + ": ok (3 entries)"), std::string::npos) << ok.output;

  auto doc = nlohmann::json::parse(slurp(good));
  doc["entries"][1]["params"]["ring.chunks"] = "four";
  const std::string broken = dir.file("broken.json");
  spit(broken, doc.dump(2));
  Result bad = run_tool("validate '" + good + "' '" + broken + "'");
  EXPECT_EQ(bad.status, 1) << bad.output;
  EXPECT_NE(bad.output.find(broken + ": error: $.entries[1].params[\"ring.chunks\"]: expected integer 1..8"),
            std::string::npos)
      << bad.output;
  EXPECT_NE(bad.output.find(good + ": ok"), std::string::npos) << bad.output;

  Result missing = run_tool("validate '" + dir.file("absent.json") + "'");
  EXPECT_EQ(missing.status, 1) << missing.output;

  Result as_json = run_tool("validate --json '" + broken + "'");
  EXPECT_EQ(as_json.status, 1);
  auto report = nlohmann::json::parse(as_json.output, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << as_json.output;
  EXPECT_FALSE(report["ok"].get<bool>());
  EXPECT_EQ(report["files"][0]["problems"][0]["json_path"], "$.entries[1].params[\"ring.chunks\"]");
}

TEST(ProfileCli, ExplainNamesEntryAndParameters) {
  const std::string good = example_profile_path();
  const std::string shape =
      " --world 4 --seq 8192 --heads 8 --kv-heads 8 --head-dim 64 --dtype fp32 --causal --pass fwd";
  Result r = run_tool("explain --profile '" + good + "' --here '" + good + "' --backend cpu" + shape);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("selection: exact"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("$.entries[1] (fingerprint matches)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ring.chunks = 4 (entry)"), std::string::npos) << r.output;

  Result j = run_tool("explain --json --profile '" + good + "' --here '" + good + "' --backend cpu" + shape);
  auto doc = nlohmann::json::parse(j.output, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << j.output;
  EXPECT_EQ(doc["source"], "exact");
  EXPECT_EQ(doc["entry_index"], 1);

  // explain defaults to fwd+bwd like tune; the example's entries are fwd, and the message says so.
  Result other = run_tool("explain --profile '" + good + "' --here '" + good + "' --backend cpu" +
                          shape.substr(0, shape.find(" --pass")));
  EXPECT_EQ(other.status, 0) << other.output;
  EXPECT_NE(other.output.find("selection: defaults"), std::string::npos) << other.output;
  EXPECT_NE(other.output.find("kv_heads 8"), std::string::npos) << other.output;
  EXPECT_NE(other.output.find("entries for this shape exist for pass fwd (--pass)"), std::string::npos)
      << other.output;

  Result bad = run_tool("explain --profile '" + good + "' --world 4 --seq 8192 --heads 8 --kv-heads 3");
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("--kv-heads"), std::string::npos) << bad.output;
}

// A profile changes what `run` executes (visible in --json); flags given on the command line win,
// and a strict policy refuses an entry measured elsewhere.
TEST(ProfileCli, RunTakesItsScheduleFromTheProfile) {
  const std::string common =
      "run --json --profile '" + example_profile_path() +
      "' --world 4 --seq 1024 --heads 8 --head-dim 64 --causal --pass fwd --iters 1 --warmup 0";
  Result r = run_tool(common);
  ASSERT_EQ(r.status, 0) << r.output;
  auto doc = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  EXPECT_EQ(doc["schedule"]["layout"], "zigzag");
  EXPECT_EQ(doc["schedule"]["overlap"], "double_buffer");
  EXPECT_EQ(doc["schedule"]["tile_kv"], 128);
  EXPECT_EQ(doc["schedule"]["chunks"], 1) << "ring.chunks only applies to chunk_pipeline";
  EXPECT_EQ(doc["profile"]["entry_index"], 0);
  EXPECT_EQ(doc["profile"]["source"], "foreign_fingerprint");

  r = run_tool(common + " --layout striped --tile-kv 32");
  ASSERT_EQ(r.status, 0) << r.output;
  doc = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  EXPECT_EQ(doc["schedule"]["layout"], "striped");
  EXPECT_EQ(doc["schedule"]["tile_kv"], 32);
  EXPECT_EQ(doc["schedule"]["overlap"], "double_buffer");

  r = run_tool(common + " --policy strict");
  ASSERT_EQ(r.status, 0) << r.output;
  doc = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  EXPECT_EQ(doc["profile"]["source"], "defaults");
  EXPECT_EQ(doc["schedule"]["layout"], "contiguous");

  r = run_tool("run --profile /nonexistent/profile.json --seq 64");
  EXPECT_EQ(r.status, 2) << r.output;
}

}  // namespace
}  // namespace burst::test
#endif
