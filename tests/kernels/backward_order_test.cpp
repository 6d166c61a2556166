// The CPU backward's dq ordering (kernels/cpu_backward.cpp): each tile product is computed once and
// dq receives its key tiles' contributions in ascending key-tile order whatever the thread count or
// schedule, so runs are bit-identical, including with more threads than cores and with many short
// items per chain (small tiles, GQA, several batches, a head_dim that needs padding).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/cpu_attention.hpp"
#include "support/local_attention.hpp"
#include "support/reference.hpp"

namespace burst::test {
namespace {

using kernels::MaskMode;
using kernels::MaskParams;

struct Case {
  AttentionShape shape;
  MaskParams mask;
  int tile_q, tile_kv;
};

LocalGradients run(const Case& c, int threads) {
  const AttentionShape& s = c.shape;
  LocalRunOptions opts;
  opts.tile_q = c.tile_q, opts.tile_kv = c.tile_kv, opts.threads = threads;
  return local_backward(s, c.mask, 0.15f, random_values(s.q_elems(), DType::f32, 51),
                        random_values(s.kv_elems(), DType::f32, 52),
                        random_values(s.kv_elems(), DType::f32, 53),
                        random_values(s.q_elems(), DType::f32, 54), opts);
}

void expect_bitwise_equal(const LocalGradients& a, const LocalGradients& b) {
  ASSERT_EQ(a.dq.size(), b.dq.size());
  for (std::size_t x = 0; x < a.dq.size(); ++x) ASSERT_EQ(a.dq[x], b.dq[x]) << "dq element " << x;
  for (std::size_t x = 0; x < a.dk.size(); ++x) ASSERT_EQ(a.dk[x], b.dk[x]) << "dk element " << x;
  for (std::size_t x = 0; x < a.dv.size(); ++x) ASSERT_EQ(a.dv[x], b.dv[x]) << "dv element " << x;
}

const Case kCases[] = {
    {{2, 150, 170, 6, 2, 40}, MaskParams{MaskMode::causal, 20, 1, 0, 1, {}}, 16, 16},
    {{1, 200, 96, 4, 1, 64}, MaskParams{}, 32, 16},
    {{1, 96, 96, 4, 4, 128}, MaskParams{MaskMode::causal, 1, 4, 2, 4, {}}, 16, 32},
};

TEST(KernelsBackwardOrder, SameThreadCountIsBitIdenticalAcrossRuns) {
  for (const Case& c : kCases)
    for (int threads : {2, 5}) {
      SCOPED_TRACE(threads);
      const auto a = run(c, threads);
      for (int rep = 0; rep < 3; ++rep) expect_bitwise_equal(a, run(c, threads));
    }
}

TEST(KernelsBackwardOrder, EveryThreadCountGivesTheOneThreadResult) {
  for (const Case& c : kCases) {
    const auto one = run(c, 1);
    for (int threads : {2, 3, 8}) {
      SCOPED_TRACE(threads);
      expect_bitwise_equal(one, run(c, threads));
    }
  }
}

TEST(KernelsBackwardOrder, ManyThreadsAgreeWithFloat64) {
  for (const Case& c : kCases) {
    const AttentionShape& s = c.shape;
    const auto ref = reference_backward(s, c.mask, 0.15, random_values(s.q_elems(), DType::f32, 51),
                                        random_values(s.kv_elems(), DType::f32, 52),
                                        random_values(s.kv_elems(), DType::f32, 53),
                                        random_values(s.q_elems(), DType::f32, 54));
    const auto got = run(c, 4);
    EXPECT_LE(max_rel_error(got.dq, ref.dq), fp32_floor);
    EXPECT_LE(max_rel_error(got.dk, ref.dk), fp32_floor);
    EXPECT_LE(max_rel_error(got.dv, ref.dv), fp32_floor);
  }
}

}  // namespace
}  // namespace burst::test
