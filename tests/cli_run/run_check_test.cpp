// `run --check` against the float64 reference (docs/run.md "--check"): a real comparison even at
// one rank, the tolerance that grows with the logits, non-finite outputs reported as failures, and
// the accuracy model's edge cases (runtime/reference.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "cli/run_cli.hpp"
#include "runtime/reference.hpp"
#include "support/temp_dir.hpp"
#include "tuner/npy.hpp"

namespace burst::test {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

nlohmann::json check_of(const CliResult& r) {
  const auto j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.contains("check")) return nullptr;
  return j["check"];
}

// q, k, v (1, 128, 2, 32) uniform in [-1, 1), q multiplied by `q_scale`. `overflow`: every key
// is all ones and query row 5 of head 0 is all 3e38, so that row's fp32 scores overflow (about
// 1e40) while float64 holds them.
void write_inputs(const TempDir& dir, float q_scale, bool overflow = false) {
  std::mt19937 gen(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> q(128 * 2 * 32), k(q.size()), v(q.size());
  for (auto& x : q) x = q_scale * u(gen);
  for (auto& x : k) x = overflow ? 1.0f : u(gen);
  for (auto& x : v) x = u(gen);
  if (overflow)
    for (std::size_t c = 0; c < 32; ++c) q[5 * 2 * 32 + c] = 3e38f;
  tuner::write_npy(dir.file("q.npy"), {1, 128, 2, 32}, q.data());
  tuner::write_npy(dir.file("k.npy"), {1, 128, 2, 32}, k.data());
  tuner::write_npy(dir.file("v.npy"), {1, 128, 2, 32}, v.data());
}

std::string inputs(const TempDir& dir) {
  return " --q " + dir.file("q.npy") + " --k " + dir.file("k.npy") + " --v " + dir.file("v.npy");
}

const std::string kRun = "run --seq 128 --heads 2 --head-dim 32 --iters 1 --warmup 0 --threads 1 --json";

// One rank used to be compared with itself (error exactly 0, whatever the kernel computes): the
// float64 reference makes it a real comparison.
TEST(RunCheckReference, OneRankIsComparedWithFloat64) {
  const auto r = run_cli(kRun + " --world 1 --pass fwd+bwd --check");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto c = check_of(r);
  ASSERT_TRUE(c.is_object()) << r.out;
  EXPECT_NE(c["against"].get<std::string>().find("float64"), std::string::npos) << c.dump();
  for (const char* t : {"o", "lse", "dq", "dk", "dv"}) {
    EXPECT_GT(c[t].get<double>(), 0.0) << t << ": fp32 kernels cannot match float64 exactly";
    EXPECT_LE(c[t].get<double>(), 1e-5) << t;
  }
  ASSERT_EQ(c["tensors"].size(), 5u);
  for (const auto& t : c["tensors"]) EXPECT_DOUBLE_EQ(t["allowed"].get<double>(), 1e-5) << t.dump();
}

// q scaled by 300: correct fp32 results err above the old fixed 1e-5; the bound follows the logits.
TEST(RunCheckReference, LargeLogitsAreHeldToABoundThatGrowsWithThem) {
  TempDir dir("check_logits");
  write_inputs(dir, 300.0f);
  const auto r = run_cli(kRun + " --world 4 --causal --layout zigzag --pass fwd --check" + inputs(dir));
  const auto c = check_of(r);
  ASSERT_TRUE(c.is_object()) << r.out << r.err;
  EXPECT_EQ(r.exit_code, 0) << c.dump();
  EXPECT_TRUE(c["ok"].get<bool>()) << c.dump();
  const double bound = c["logit_bound"].get<double>();
  EXPECT_GT(bound, 500.0) << c.dump();
  EXPECT_GT(c["max"].get<double>(), 1e-5) << "no longer a case the fixed tolerance failed: " << c.dump();
  for (const auto& t : c["tensors"]) {
    EXPECT_DOUBLE_EQ(t["allowed"].get<double>(), reference::fp32_error(bound)) << t.dump();
    EXPECT_LE(t["error"].get<double>(), t["allowed"].get<double>()) << t.dump();
  }
}

// Scores that overflow fp32 make that row's outputs NaN, while float64 is finite. The single-rank
// comparison skipped such elements (the single rank was NaN there too) and passed.
TEST(RunCheckReference, NonFiniteOutputsWhereFloat64IsFiniteFail) {
  TempDir dir("check_nan");
  write_inputs(dir, 1.0f, /*overflow=*/true);
  const auto r = run_cli(kRun + " --world 2 --pass fwd --check" + inputs(dir));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto c = check_of(r);
  ASSERT_TRUE(c.is_object()) << r.out << r.err;
  EXPECT_FALSE(c["ok"].get<bool>());
  EXPECT_FALSE(c["finite"].get<bool>());
  EXPECT_TRUE(c["o"].is_null()) << c.dump();

  const auto text = run_cli(
      "run --seq 128 --heads 2 --head-dim 32 --iters 1 --warmup 0 --threads 1 --world 2 "
      "--pass fwd --check" +
      inputs(dir));
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("FAILED"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("o is NaN/Inf at element"), std::string::npos) << text.out;
}

// --- the accuracy model itself ------------------------------------------------------------------

TEST(AccuracyModel, AllZeroReferenceUsesTheAbsoluteError) {
  const std::vector<double> zero(4, 0.0);
  const std::vector<float> exact(4, 0.0f), off{0.0f, 3e-6f, 0.0f, 0.0f};
  EXPECT_EQ(reference::max_rel_error(std::span<const float>(exact), zero), 0.0);
  EXPECT_NEAR(reference::max_rel_error(std::span<const float>(off), zero), 3e-6, 1e-12);
}

TEST(AccuracyModel, NonFiniteCountsUnlessTheReferenceIsNonFiniteThere) {
  const double nan = std::nan("");
  const std::vector<double> ref{1.0, -inf, nan};
  std::size_t worst = 99;
  const std::vector<float> same{1.0f, -std::numeric_limits<float>::infinity(), std::nanf("")};
  EXPECT_EQ(reference::max_rel_error(std::span<const float>(same), ref, &worst), 0.0);
  const std::vector<float> nan_where_finite{std::nanf(""), -std::numeric_limits<float>::infinity(), 0.0f};
  EXPECT_EQ(reference::max_rel_error(std::span<const float>(nan_where_finite), ref, &worst), inf);
  EXPECT_EQ(worst, 0u);
  const std::vector<float> opposite{1.0f, std::numeric_limits<float>::infinity(), std::nanf("")};
  EXPECT_EQ(reference::max_rel_error(std::span<const float>(opposite), ref, &worst), inf);
  EXPECT_EQ(worst, 1u);
}

TEST(AccuracyModel, Fp32BoundIsTheFloorUntilTheLogitsAreLarge) {
  EXPECT_DOUBLE_EQ(reference::fp32_error(0.0), reference::fp32_floor);
  EXPECT_DOUBLE_EQ(reference::fp32_error(5.0), reference::fp32_floor);
  EXPECT_DOUBLE_EQ(reference::fp32_error(1000.0), reference::logit_multiple * 0x1p-24 * 1000.0);
  EXPECT_DOUBLE_EQ(reference::allowed_error(DType::bf16, 1e-3, 0.0), 4e-3 + 1e-5);
  EXPECT_DOUBLE_EQ(reference::hop_error(DType::bf16, AccumDType::input, 4), 4.0 / 256.0);
  EXPECT_EQ(reference::hop_error(DType::bf16, AccumDType::fp32, 4), 0.0);
}

TEST(AccuracyModel, LogitBoundIsScaleTimesTheLargestNorms) {
  const reference::Dims d{1, 2, 2, 1, 1, 2};
  const std::vector<double> q{3, 4, 0, 1}, k{1, 0, 0, 2};  // |q| 5, 1; |k| 1, 2
  EXPECT_DOUBLE_EQ(reference::logit_bound(d, 0.5, q, k), 0.5 * 5 * 2);
}

// The reference does not depend on the number of threads it runs on (same order of every sum).
TEST(AccuracyModel, ReferenceIsTheSameOnAnyNumberOfThreads) {
  const reference::Dims d{2, 24, 24, 4, 2, 16};
  std::mt19937 gen(3);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  auto fill = [&](std::size_t n) {
    std::vector<double> x(n);
    for (auto& e : x) e = u(gen);
    return x;
  };
  const auto q = fill(d.q_elems()), k = fill(d.kv_elems()), v = fill(d.kv_elems()), dout = fill(d.q_elems());
  kernels::MaskParams causal;
  causal.kind = kernels::MaskMode::causal;
  const auto f1 = reference::forward(d, causal, 0.25, q, k, v, 1);
  const auto f3 = reference::forward(d, causal, 0.25, q, k, v, 3);
  EXPECT_EQ(f1.o, f3.o);
  EXPECT_EQ(f1.lse, f3.lse);
  const auto g1 = reference::backward(d, causal, 0.25, q, k, v, dout, f1, 1);
  const auto g3 = reference::backward(d, causal, 0.25, q, k, v, dout, f1, 3);
  EXPECT_EQ(g1.dq, g3.dq);
  EXPECT_EQ(g1.dk, g3.dk);
  EXPECT_EQ(g1.dv, g3.dv);
}

}  // namespace
}  // namespace burst::test
