// cpu_forward_block against the float64 reference: masks, GQA, head dims, dtypes, tiles, block
// merging in any order, fully masked rows, threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "burst/error.hpp"
#include "kernels/cpu_attention.hpp"
#include "support/local_attention.hpp"
#include "support/reference.hpp"

namespace burst::test {
namespace {

using kernels::MaskMode;
using kernels::MaskParams;

MaskParams causal(std::int64_t q0 = 0, std::int64_t qs = 1, std::int64_t k0 = 0, std::int64_t ks = 1) {
  return MaskParams{MaskMode::causal, q0, qs, k0, ks, {}};
}

struct Inputs {
  std::vector<double> q, k, v;
};

Inputs make_inputs(const AttentionShape& s, DType t, std::uint64_t seed) {
  return {random_values(s.q_elems(), t, seed), random_values(s.kv_elems(), t, seed + 1),
          random_values(s.kv_elems(), t, seed + 2)};
}

double scale_of(const AttentionShape& s) {
  return 1.0 / std::sqrt(static_cast<double>(s.head_dim));
}

// Checks one single-block forward of shape s against the reference (fp32-level tolerance: the
// kernel output stays fp32, inputs are pre-rounded, so every dtype is held to the fp32 floor).
void expect_forward_matches(const AttentionShape& s, const MaskParams& mask, DType t,
                            LocalRunOptions opts = {}) {
  opts.dtype = t;
  const Inputs in = make_inputs(s, t, 42);
  const auto ref = reference_forward(s, mask, scale_of(s), in.q, in.k, in.v);
  const auto got = local_forward(s, mask, static_cast<float>(scale_of(s)), in.q, in.k, in.v, opts);
  EXPECT_LE(max_rel_error(got.o, ref.o), fp32_floor);
  EXPECT_LE(max_rel_error(got.lse, ref.lse), fp32_floor);
}

TEST(KernelsForward, MhaNoMaskD64) {
  expect_forward_matches({2, 96, 80, 2, 2, 64}, {}, DType::f32);
}
TEST(KernelsForward, MhaCausalD128) {
  expect_forward_matches({1, 130, 130, 2, 2, 128}, causal(), DType::f32);
}
TEST(KernelsForward, GqaCausalD64) {
  expect_forward_matches({1, 100, 100, 8, 2, 64}, causal(), DType::f32);
}
TEST(KernelsForward, HeadDim32And256) {
  expect_forward_matches({1, 70, 50, 2, 1, 32}, {}, DType::f32);
  expect_forward_matches({1, 40, 72, 2, 2, 256}, causal(0, 1, 0, 1), DType::f32);
}
TEST(KernelsForward, HeadDimNotMultipleOf16) {
  expect_forward_matches({1, 50, 45, 2, 1, 40}, causal(), DType::f32);
}
TEST(KernelsForward, Fp16AndBf16Inputs) {
  expect_forward_matches({1, 96, 112, 4, 2, 64}, causal(), DType::f16);
  expect_forward_matches({1, 96, 112, 4, 2, 128}, {}, DType::bf16);
}
TEST(KernelsForward, ShiftedAndStripedPositions) {
  // Zigzag-like shifted block: queries at 64.., keys at 32.. (partly visible tiles).
  expect_forward_matches({1, 64, 96, 2, 2, 64}, causal(64, 1, 32, 1), DType::f32);
  // Striped layout with G = 4: rank 1's queries (positions 4i + 1) against rank 2's keys (4j + 2):
  // strictly causal; and against rank 0's keys (4j): causal including the diagonal.
  expect_forward_matches({1, 80, 80, 2, 1, 64}, causal(1, 4, 2, 4), DType::f32);
  expect_forward_matches({1, 80, 80, 2, 1, 64}, causal(1, 4, 0, 4), DType::f32);
}
TEST(KernelsForward, TileShapesAgree) {
  const AttentionShape s{1, 150, 170, 4, 2, 64};
  for (auto [tq, tk] : {std::pair{16, 16}, std::pair{32, 128}, std::pair{64, 64}, std::pair{128, 32},
                        std::pair{256, 256}, std::pair{48, 80}}) {
    SCOPED_TRACE(testing::Message() << "tile " << tq << "x" << tk);
    LocalRunOptions opts;
    opts.tile_q = tq, opts.tile_kv = tk;
    expect_forward_matches(s, causal(20, 1, 0, 1), DType::f32, opts);
  }
}

TEST(KernelsForward, FullyMaskedRowsStayZeroWithoutNan) {
  // Keys at positions 50.. : query rows 0..49 see nothing in this block.
  const AttentionShape s{1, 64, 40, 2, 2, 64};
  const MaskParams mask = causal(0, 1, 50, 1);
  const Inputs in = make_inputs(s, DType::f32, 7);
  const auto got = local_forward(s, mask, 0.125f, in.q, in.k, in.v);
  const auto ref = reference_forward(s, mask, 0.125, in.q, in.k, in.v);
  for (std::int64_t h = 0; h < s.heads; ++h)
    for (std::int64_t i = 0; i < s.nq; ++i) {
      const float lse = got.lse[static_cast<std::size_t>(h * s.nq + i)];
      if (i < 50) {
        EXPECT_EQ(lse, -std::numeric_limits<float>::infinity()) << i;
      } else {
        EXPECT_TRUE(std::isfinite(lse)) << i;
      }
      for (std::int64_t c = 0; c < s.head_dim; ++c) {
        const float o = got.o[static_cast<std::size_t>((i * s.heads + h) * s.head_dim + c)];
        ASSERT_FALSE(std::isnan(o));
        if (i < 50) {
          ASSERT_EQ(o, 0.0f);
        }
      }
    }
  EXPECT_LE(max_rel_error(got.o, ref.o), fp32_floor);
  EXPECT_LE(max_rel_error(got.lse, ref.lse), fp32_floor);
}

TEST(KernelsForward, BlockEntirelyInTheFutureChangesNothing) {
  const AttentionShape s{1, 32, 32, 1, 1, 64};
  const Inputs in = make_inputs(s, DType::f32, 9);
  const auto got = local_forward(s, causal(0, 1, 32, 1), 0.125f, in.q, in.k, in.v);
  for (float x : got.o) ASSERT_EQ(x, 0.0f);
  for (float x : got.lse) ASSERT_EQ(x, -std::numeric_limits<float>::infinity());
}

// Folds the keys in blocks [cuts[b], cuts[b+1]) into one running state, in the given order.
LocalForward fold_blocks(const AttentionShape& s, const MaskParams& mask, const Inputs& in, DType t,
                         const std::vector<std::int64_t>& cuts, const std::vector<int>& order, int threads) {
  LocalRunOptions opts;
  opts.dtype = t, opts.threads = threads;
  const auto qb = to_dtype_bytes(in.q, t), kb = to_dtype_bytes(in.k, t), vb = to_dtype_bytes(in.v, t);
  LocalForward st{std::vector<float>(s.q_elems(), 0.0f),
                  std::vector<float>(s.lse_elems(), -std::numeric_limits<float>::infinity())};
  const std::size_t esize = t == DType::f32 ? 4 : 2;
  for (int blk : order) {
    const std::int64_t j0 = cuts[static_cast<std::size_t>(blk)], j1 = cuts[static_cast<std::size_t>(blk) + 1];
    auto p = contiguous_fwd_params(s, mask, static_cast<float>(scale_of(s)), opts, qb.data(), kb.data(),
                                   vb.data(), st.o.data(), st.lse.data());
    p.nk = j1 - j0;  // batch stride stays that of the full key tensor
    const std::size_t off = static_cast<std::size_t>(j0 * p.kv_row_stride) * esize;
    p.k = kb.data() + off, p.v = vb.data() + off;
    p.mask.k_pos0 = mask.k_pos0 + j0 * mask.k_pos_stride;
    kernels::cpu_forward_block(p);
  }
  return st;
}

TEST(KernelsForward, BlocksMergeInAnyOrder) {
  const AttentionShape s{2, 90, 150, 4, 2, 64};
  for (DType t : {DType::f32, DType::bf16}) {
    for (const MaskParams& mask : {MaskParams{}, causal(60, 1, 0, 1)}) {
      const Inputs in = make_inputs(s, t, 11);
      const auto ref = reference_forward(s, mask, scale_of(s), in.q, in.k, in.v);
      const std::vector<std::int64_t> cuts = {0, 37, 100, 150};
      const auto fwd = fold_blocks(s, mask, in, t, cuts, {0, 1, 2}, 1);
      const auto rev = fold_blocks(s, mask, in, t, cuts, {2, 1, 0}, 1);
      EXPECT_LE(max_rel_error(fwd.o, ref.o), fp32_floor);
      EXPECT_LE(max_rel_error(rev.o, ref.o), fp32_floor);
      EXPECT_LE(max_rel_error(fwd.lse, ref.lse), fp32_floor);
      EXPECT_LE(max_rel_error(rev.lse, ref.lse), fp32_floor);
      // The two orders agree with each other to fp32 rounding.
      const std::vector<double> fwd_o(fwd.o.begin(), fwd.o.end());
      EXPECT_LE(max_rel_error(rev.o, fwd_o), 1e-6);
    }
  }
}

TEST(KernelsForward, HalfPrecisionOutputWithinToleranceModel) {
  // Causal attention split into 3 blocks, output cast to fp16: within the model's multiple of a
  // plain single-block fp16 run (both against float64 on the same rounded inputs).
  const AttentionShape s{1, 128, 128, 4, 2, 64};
  const Inputs in = make_inputs(s, DType::f16, 5);
  const auto ref = reference_forward(s, causal(), scale_of(s), in.q, in.k, in.v);
  LocalRunOptions opts;
  opts.dtype = DType::f16;
  const auto single = local_forward(s, causal(), static_cast<float>(scale_of(s)), in.q, in.k, in.v, opts);
  const double baseline = max_rel_error(cast_output(single.o, DType::f16), ref.o);
  const auto split = fold_blocks(s, causal(), in, DType::f16, {0, 40, 90, 128}, {2, 0, 1}, 2);
  const double err = max_rel_error(cast_output(split.o, DType::f16), ref.o);
  EXPECT_GT(baseline, 1e-5);  // the model is only meaningful when the cast dominates
  EXPECT_LE(err, allowed_error(DType::f16, baseline));
}

TEST(KernelsForward, MultithreadedEqualsSingleThreaded) {
  const AttentionShape s{2, 200, 200, 4, 1, 64};
  const Inputs in = make_inputs(s, DType::f32, 3);
  LocalRunOptions one, two;
  two.threads = 2;
  const auto a = local_forward(s, causal(), 0.125f, in.q, in.k, in.v, one);
  const auto b = local_forward(s, causal(), 0.125f, in.q, in.k, in.v, two);
  EXPECT_EQ(a.o, b.o);  // same items, same arithmetic: bitwise equal
  EXPECT_EQ(a.lse, b.lse);
}

TEST(KernelsForward, RejectsUnsupportedParameters) {
  const AttentionShape s{1, 16, 16, 2, 2, 20};
  const Inputs in = make_inputs(s, DType::f32, 1);
  EXPECT_THROW(local_forward(s, {}, 0.1f, in.q, in.k, in.v), InvalidArgument);
  const AttentionShape ok{1, 16, 16, 2, 2, 32};
  const Inputs in2 = make_inputs(ok, DType::f32, 1);
  LocalRunOptions bad_tile;
  bad_tile.tile_q = 24;
  EXPECT_THROW(local_forward(ok, {}, 0.1f, in2.q, in2.k, in2.v, bad_tile), InvalidArgument);
}

}  // namespace
}  // namespace burst::test
