// The CPU kernels' instruction-set variants (kernels/cpu_isa.hpp): which ones are built, which one
// runs, BURST_CPU_ISA, and every variant this CPU runs against the float64 reference. CTest also
// runs the whole of test_kernels once per x86-64 variant with BURST_CPU_ISA set
// (tests/kernels/CMakeLists.txt), so each variant passes every kernel test at the same tolerances.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "burst/error.hpp"
#include "kernels/cpu_isa.hpp"
#include "support/local_attention.hpp"
#include "support/reference.hpp"

namespace burst::test {
namespace {

using kernels::CpuIsa;

std::vector<CpuIsa> available() {
  std::vector<CpuIsa> out;
  for (CpuIsa isa : kernels::cpu_isas_built())
    if (kernels::cpu_isa_available(isa)) out.push_back(isa);
  return out;
}

// Restores the variant a test started with.
class KernelsDispatch : public ::testing::Test {
 protected:
  void TearDown() override { kernels::set_cpu_isa(initial_); }
  CpuIsa initial_ = kernels::cpu_isa_active();
};

TEST_F(KernelsDispatch, SomethingRunsAndTheBuiltListIsComplete) {
  const auto built = kernels::cpu_isas_built();
  ASSERT_FALSE(built.empty());
  EXPECT_TRUE(std::find(built.begin(), built.end(), kernels::cpu_isa_active()) != built.end());
  EXPECT_TRUE(kernels::cpu_isa_available(kernels::cpu_isa_active()));
  if (built.front() != CpuIsa::native) {
    // A dispatching build always has the baseline, and it runs anywhere.
    EXPECT_EQ(built.back(), CpuIsa::baseline);
    EXPECT_TRUE(kernels::cpu_isa_available(CpuIsa::baseline));
    EXPECT_FALSE(kernels::cpu_isa_available(CpuIsa::native));
  }
#if defined(__x86_64__)
  if (built.front() != CpuIsa::native) {
    EXPECT_TRUE(std::find(built.begin(), built.end(), CpuIsa::avx512) != built.end());
    EXPECT_TRUE(std::find(built.begin(), built.end(), CpuIsa::avx2) != built.end());
  }
#endif
}

TEST_F(KernelsDispatch, ActiveIsTheBestAvailableOrTheRequestedOne) {
  const char* env = std::getenv("BURST_CPU_ISA");
  if (env != nullptr && *env != '\0') {
    const auto requested = kernels::parse_cpu_isa(env);
    ASSERT_TRUE(requested.has_value()) << "BURST_CPU_ISA=" << env << " names no variant";
    if (!kernels::cpu_isa_available(*requested)) GTEST_SKIP() << "this CPU does not run " << env;
    EXPECT_EQ(kernels::cpu_isa_active(), *requested);
  } else {
    EXPECT_EQ(kernels::cpu_isa_active(), available().front());
  }
}

TEST_F(KernelsDispatch, DescriptionNamesTheActiveAndTheBuiltVariants) {
  const std::string text = kernels::cpu_kernels_description();
  const std::string active(kernels::cpu_isa_name(kernels::cpu_isa_active()));
  EXPECT_EQ(text.rfind(active + " (", 0), 0u) << text;
  EXPECT_NE(text.find("built: "), std::string::npos) << text;
  for (CpuIsa isa : kernels::cpu_isas_built())
    EXPECT_NE(text.find(std::string(kernels::cpu_isa_name(isa))), std::string::npos) << text;
}

TEST_F(KernelsDispatch, NamesRoundTrip) {
  for (CpuIsa isa : {CpuIsa::baseline, CpuIsa::avx2, CpuIsa::avx512, CpuIsa::native})
    EXPECT_EQ(kernels::parse_cpu_isa(kernels::cpu_isa_name(isa)), isa);
  EXPECT_FALSE(kernels::parse_cpu_isa("sse9").has_value());
}

TEST_F(KernelsDispatch, UnavailableVariantIsRefused) {
  for (CpuIsa isa : {CpuIsa::baseline, CpuIsa::avx2, CpuIsa::avx512, CpuIsa::native}) {
    if (!kernels::cpu_isa_available(isa)) {
      EXPECT_THROW(kernels::set_cpu_isa(isa), InvalidArgument) << kernels::cpu_isa_name(isa);
    }
  }
}

// Forward and backward of every variant this CPU runs, causal GQA with a head dim that is not a
// multiple of 16, at the fp32 floor (the same tolerance as test_forward / test_backward).
TEST_F(KernelsDispatch, EveryAvailableVariantMatchesTheReference) {
  const AttentionShape s{1, 70, 90, 4, 2, 40};
  const kernels::MaskParams mask{kernels::MaskMode::causal, 20, 1, 0, 1, {}};
  const double scale = 1.0 / std::sqrt(static_cast<double>(s.head_dim));
  const auto q = random_values(s.q_elems(), DType::f32, 7), k = random_values(s.kv_elems(), DType::f32, 8),
             v = random_values(s.kv_elems(), DType::f32, 9),
             dout = random_values(s.q_elems(), DType::f32, 10);
  const auto ref_f = reference_forward(s, mask, scale, q, k, v);
  const auto ref_b = reference_backward(s, mask, scale, q, k, v, dout);
  LocalRunOptions opts;
  opts.tile_q = 32, opts.tile_kv = 48, opts.threads = 2;
  for (CpuIsa isa : available()) {
    SCOPED_TRACE(std::string(kernels::cpu_isa_name(isa)));
    kernels::set_cpu_isa(isa);
    ASSERT_EQ(kernels::cpu_isa_active(), isa);
    const auto f = local_forward(s, mask, static_cast<float>(scale), q, k, v, opts);
    EXPECT_LE(max_rel_error(f.o, ref_f.o), fp32_floor);
    EXPECT_LE(max_rel_error(f.lse, ref_f.lse), fp32_floor);
    const auto g = local_backward(s, mask, static_cast<float>(scale), q, k, v, dout, opts);
    EXPECT_LE(max_rel_error(g.dq, ref_b.dq), fp32_floor);
    EXPECT_LE(max_rel_error(g.dk, ref_b.dk), fp32_floor);
    EXPECT_LE(max_rel_error(g.dv, ref_b.dv), fp32_floor);
  }
}

}  // namespace
}  // namespace burst::test
