// burst-tune run as a subprocess: --check and byte counts over the schedules, usage errors before
// anything runs (exit 2, one line naming the problem), --save and .npy inputs.
#include "cli/run_cli.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "support/profile_text.hpp"
#include "support/temp_dir.hpp"
#include "tuner/npy.hpp"

namespace burst::test {
namespace {

namespace fs = std::filesystem;

const std::string kSmall = "run --seq 256 --heads 2 --head-dim 32 --iters 1 --warmup 0 --threads 1";

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

nlohmann::json run_json(const std::string& args) {
  const auto r = run_cli(args + " --json");
  EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r.out;
  return j;
}

void expect_pass_bytes(const nlohmann::json& j, const char* pass) {
  ASSERT_TRUE(j.contains(pass)) << j.dump();
  const auto sent = j[pass]["bytes_sent_per_rank"].get<std::uint64_t>();
  EXPECT_GT(sent, 0u) << pass;
  EXPECT_EQ(sent, j[pass]["expected_bytes_per_rank"].get<std::uint64_t>()) << pass;
}

// Every tensor within its bound of the accuracy model; `floor_only`: fp32 with small logits, where
// the bound is the 1e-5 floor (runtime/reference.hpp).
void expect_checked(const nlohmann::json& j, bool floor_only) {
  ASSERT_TRUE(j.contains("check")) << j.dump();
  const auto& c = j["check"];
  EXPECT_TRUE(c["ok"].get<bool>()) << c.dump();
  EXPECT_TRUE(c["finite"].get<bool>()) << c.dump();
  ASSERT_EQ(c["tensors"].size(), 5u) << c.dump();
  for (const auto& t : c["tensors"]) {
    const auto name = t["name"].get<std::string>();
    EXPECT_LE(t["error"].get<double>(), t["allowed"].get<double>()) << name;
    EXPECT_LE(c[name].get<double>(), c["max"].get<double>()) << name;
    if (floor_only) {
      EXPECT_DOUBLE_EQ(t["allowed"].get<double>(), 1e-5) << name;
    } else {
      EXPECT_GT(t["baseline"].get<double>(), 0.0) << name << ": half runs have a baseline";
    }
  }
}

// --- --check and the byte counts over every overlap strategy and both backward schemes ---------

class RunSchedules : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(RunSchedules, World4CausalZigzagChecksAndCountsBytes) {
  const auto& [overlap, bwd] = GetParam();
  const std::string args =
      kSmall + " --world 4 --causal --layout zigzag --pass fwd+bwd --check " + overlap + " --bwd-comm " + bwd;
  const auto j = run_json(args);
  EXPECT_EQ(j["world"].get<int>(), 4);
  EXPECT_EQ(j["schedule"]["bwd_comm"].get<std::string>(), bwd);
  EXPECT_EQ(j["schedule"]["layout"].get<std::string>(), "zigzag");
  EXPECT_TRUE(j["shape"]["causal"].get<bool>());
  expect_checked(j, /*floor_only=*/true);
  expect_pass_bytes(j, "forward");
  expect_pass_bytes(j, "backward");
  // forward: (G-1) * 2 * B * n * Hkv * d * b = 3 * 2 * 64 * 2 * 32 * 4
  EXPECT_EQ(j["forward"]["bytes_sent_per_rank"].get<std::uint64_t>(), 3u * 2 * 64 * 2 * 32 * 4);
  // backward q : (G-1)*B*n*H*(2*d*b + 8) + G*B*n*H*d*4; kv : (G-1)*B*n*Hkv*2*d*b + G*B*n*Hkv*2*d*4
  const std::uint64_t expected_bwd = bwd == "q" ? 3u * 64 * 2 * (2 * 32 * 4 + 8) + 4u * 64 * 2 * 32 * 4
                                                : 3u * 64 * 2 * 2 * 32 * 4 + 4u * 64 * 2 * 2 * 32 * 4;
  EXPECT_EQ(j["backward"]["bytes_sent_per_rank"].get<std::uint64_t>(), expected_bwd);
}

INSTANTIATE_TEST_SUITE_P(Overlaps, RunSchedules,
                         ::testing::Combine(::testing::Values("--overlap none", "--overlap double_buffer",
                                                              "--overlap chunk_pipeline --chunks 2"),
                                            ::testing::Values("q", "kv")));

TEST(RunCheck, Bf16Passes) {
  const auto j = run_json(kSmall + " --world 2 --dtype bf16 --causal --layout zigzag --pass fwd+bwd --check");
  EXPECT_EQ(j["shape"]["dtype"].get<std::string>(), "bf16");
  expect_checked(j, /*floor_only=*/false);
  expect_pass_bytes(j, "forward");
  expect_pass_bytes(j, "backward");
}

TEST(RunCheck, HumanOutputSaysOk) {
  const auto r = run_cli(kSmall + " --world 2 --pass fwd --check");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("check"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("OK"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("expected"), std::string::npos) << "byte count mismatch: " << r.out;
}

// --- usage errors: exit 2, nothing on stdout, first stderr line names the problem --------------

void expect_usage_error(const std::string& args, const std::vector<std::string>& mentions) {
  const auto r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out << r.err;
  EXPECT_TRUE(r.out.empty()) << args << ": ran anyway: " << r.out;
  EXPECT_LE(count_lines(r.err), 2) << r.err;
  const std::string line = first_line(r.err);
  EXPECT_EQ(line.rfind("burst-tune: error: ", 0), 0u) << line;
  for (const auto& m : mentions)
    EXPECT_NE(line.find(m), std::string::npos) << args << " -> " << line << " lacks " << m;
}

TEST(RunErrors, SeqNotDivisibleByWorld) {
  expect_usage_error("run --seq 100 --world 3 --heads 2 --head-dim 32", {"100", "3", "divisible"});
}

TEST(RunErrors, ZigzagNeedsTwiceWorld) {
  expect_usage_error("run --seq 36 --world 4 --layout zigzag --heads 2 --head-dim 32", {"zigzag", "36"});
}

TEST(RunErrors, ChunksMustDivideLocalTokens) {
  expect_usage_error(kSmall + " --world 4 --overlap chunk_pipeline --chunks 3", {"chunk", "3"});
}

TEST(RunErrors, KvHeadsMustDivideHeads) {
  expect_usage_error("run --seq 256 --heads 4 --kv-heads 3 --head-dim 32", {"3", "4"});
}

TEST(RunErrors, UnsupportedHeadDim) {
  expect_usage_error("run --seq 256 --heads 2 --head-dim 60", {"60"});
}

TEST(RunErrors, UnknownLayoutRejectedByParser) {
  expect_usage_error(kSmall + " --layout diagonal", {"--layout", "diagonal"});
}

TEST(RunErrors, CudaBackendNotInThisBuild) {
  expect_usage_error(kSmall + " --backend cuda", {"cuda"});
}

// Every unrunnable schedule is refused before anything runs, naming the flag and what is allowed
// (the parameter table, burst/params.hpp).
TEST(RunErrors, TileOutsideTheTableNamesTheFlag) {
  expect_usage_error(kSmall + " --tile-kv 100", {"--tile-kv", "100", "16..256", "multiple of 16"});
  expect_usage_error(kSmall + " --tile-q 24", {"--tile-q", "24", "16..256"});
}

TEST(RunErrors, GroupSizeThatDoesNotDivideTheWorldNamesTheFlag) {
  expect_usage_error(kSmall + " --world 4 --topology double --group-size 3", {"--group-size", "3", "4"});
}

// docs/run.md: group size 0 (the default) is one group of the whole world.
TEST(RunTopology, DoubleWithoutGroupSizeIsOneGroup) {
  const auto r = run_cli(kSmall + " --world 4 --topology double --check");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("OK"), std::string::npos) << r.out;
}

// A profile whose entry the parameter table refuses: validate names the JSON path, run and
// explain refuse it before running, naming the file.
TEST(RunProfile, UnrunnableEntryIsRefusedEverywhere) {
  TempDir dir("tile24");
  const std::string path = dir.file("tile24.json");
  {
    std::ofstream out(path);
    out << one_entry_profile(1, false, "fwd", R"({"kernel.tile_q": 24})");
  }
  const auto v = run_cli("validate " + path);
  EXPECT_EQ(v.exit_code, 1) << v.out << v.err;
  EXPECT_NE(v.out.find("$.entries[0].params[\"kernel.tile_q\"]"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("16..256, multiple of 16"), std::string::npos) << v.out;
  const auto r = run_cli(kSmall + " --profile " + path);
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_TRUE(r.out.empty()) << "ran anyway: " << r.out;
  EXPECT_NE(r.err.find("kernel.tile_q"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
  const auto e = run_cli("explain --profile " + path + " --seq 256 --heads 2 --head-dim 32");
  EXPECT_NE(e.exit_code, 0) << e.out;
  EXPECT_NE(e.err.find("kernel.tile_q"), std::string::npos) << e.err;
}

TEST(RunErrors, MalformedQFile) {
  TempDir dir("malformed");
  const std::string path = dir.file("q.npy");
  { std::ofstream(path) << "this is not an npy file"; }
  expect_usage_error(kSmall + " --q " + path, {path});
}

TEST(RunErrors, QFileWithWrongShape) {
  TempDir dir("wrongshape");
  const std::string path = dir.file("q.npy");
  std::vector<float> data(1 * 128 * 2 * 32, 0.5f);  // N = 128 but --seq 256
  tuner::write_npy(path, {1, 128, 2, 32}, data.data());
  expect_usage_error(kSmall + " --q " + path, {path});
}

// --- --save and .npy inputs ---------------------------------------------------------------------

const std::string kGqa =
    "run --seq 128 --heads 4 --kv-heads 2 --head-dim 32 --batch 2 --iters 1 --warmup 0 "
    "--threads 1 --world 2 --causal --layout zigzag --pass fwd+bwd";

void expect_shape(const std::string& path, const std::vector<std::int64_t>& shape) {
  ASSERT_TRUE(fs::exists(path)) << path;
  const auto a = tuner::read_npy(path);
  EXPECT_EQ(a.shape, shape) << path;
  for (float x : a.data) ASSERT_TRUE(std::isfinite(x)) << path;
}

TEST(RunSave, WritesOutputsWithGlobalShapes) {
  TempDir dir("save");
  const auto r = run_cli(kGqa + " --save " + dir.path.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_shape(dir.file("o.npy"), {2, 128, 4, 32});
  expect_shape(dir.file("lse.npy"), {2, 4, 128});
  expect_shape(dir.file("dq.npy"), {2, 128, 4, 32});
  expect_shape(dir.file("dk.npy"), {2, 128, 2, 32});
  expect_shape(dir.file("dv.npy"), {2, 128, 2, 32});
}

std::vector<float> random_tensor(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

TEST(RunInputs, FilesMakeTheSeedIrrelevant) {
  TempDir in("inputs"), out1("out1"), out2("out2"), out3("out3");
  const auto q = random_tensor(2 * 128 * 4 * 32, 1), k = random_tensor(2 * 128 * 2 * 32, 2),
             v = random_tensor(2 * 128 * 2 * 32, 3), dout = random_tensor(2 * 128 * 4 * 32, 4);
  tuner::write_npy(in.file("q.npy"), {2, 128, 4, 32}, q.data());
  tuner::write_npy(in.file("k.npy"), {2, 128, 2, 32}, k.data());
  tuner::write_npy(in.file("v.npy"), {2, 128, 2, 32}, v.data());
  tuner::write_npy(in.file("do.npy"), {2, 128, 4, 32}, dout.data());
  const std::string files = " --q " + in.file("q.npy") + " --k " + in.file("k.npy") + " --v " +
                            in.file("v.npy") + " --do " + in.file("do.npy");
  const auto r1 = run_cli(kGqa + files + " --seed 1 --save " + out1.path.string());
  const auto r2 = run_cli(kGqa + files + " --seed 987654 --save " + out2.path.string());
  const auto r3 = run_cli(kGqa + " --seed 1 --save " + out3.path.string());  // random inputs
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  ASSERT_EQ(r3.exit_code, 0) << r3.err;
  for (const char* name : {"o.npy", "lse.npy", "dq.npy", "dk.npy", "dv.npy"}) {
    const auto a = tuner::read_npy(out1.file(name)), b = tuner::read_npy(out2.file(name)),
               c = tuner::read_npy(out3.file(name));
    EXPECT_EQ(a.shape, b.shape) << name;
    EXPECT_EQ(a.data, b.data) << name << ": the seed changed the result of a run from files";
    EXPECT_NE(a.data, c.data) << name << ": the input files were ignored";
  }
}

}  // namespace
}  // namespace burst::test
