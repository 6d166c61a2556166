// The mask rule (burst/mask.hpp) against a brute-force reading of its definition, its area against
// a count, and the CPU kernels under document and sliding-window masks against the float64
// reference (which checks every pair with the rule, not with the kernels' tile logic).
#include "burst/mask.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "burst/error.hpp"
#include "burst/schedule.hpp"
#include "kernels/cpu_attention.hpp"
#include "support/local_attention.hpp"
#include "support/reference.hpp"

namespace burst::test {
namespace {

using kernels::MaskMode;
using kernels::MaskParams;

// The definition, pair by pair: same document, not in the future when causal, inside the window.
bool brute_visible(const std::vector<std::int64_t>& bounds, bool causal, std::int64_t left,
                   std::int64_t right, std::int64_t q, std::int64_t k) {
  const auto doc = [&](std::int64_t p) {
    std::int64_t d = 0;
    for (std::size_t i = 1; i + 1 < bounds.size(); ++i)
      if (p >= bounds[i]) d = static_cast<std::int64_t>(i);
    return d;
  };
  if (bounds.size() > 2 && doc(q) != doc(k)) return false;
  if (causal && k > q) return false;
  if (left >= 0 && k < q - left) return false;
  if (right >= 0 && k > q + right) return false;
  return true;
}

burst::AttentionShape global_shape(std::int64_t n, std::vector<std::int64_t> bounds, bool causal,
                                   std::int64_t left, std::int64_t right) {
  burst::AttentionShape s;
  s.batch = 1, s.seq = n, s.heads = 1, s.head_dim = 64;
  s.causal = causal;
  s.doc_bounds = std::move(bounds);
  s.window_left = left, s.window_right = right;
  return s;
}

struct RuleCase {
  std::vector<std::int64_t> bounds;
  bool causal;
  std::int64_t left, right;
};

std::vector<RuleCase> rule_cases() {
  return {{{}, false, -1, -1},
          {{}, true, -1, -1},
          {{0, 1, 7, 8, 30, 31, 50}, false, -1, -1},  // documents of length 1 among longer ones
          {{0, 1, 7, 8, 30, 31, 50}, true, -1, -1},
          {{}, false, 5, 3},
          {{}, true, 4, 0},
          {{}, false, 0, 0},  // only the diagonal
          {{0, 20, 50}, true, 6, 0},
          {{0, 13, 50}, false, 100, 2},  // a window wider than the sequence
          {{0, 50}, true, -1, -1}};      // one document: plain causal
}

TEST(MaskRule, KeysAreExactlyThePairsTheDefinitionAllows) {
  for (const RuleCase& c : rule_cases()) {
    const auto shape = global_shape(50, c.bounds, c.causal, c.left, c.right);
    const MaskRule rule = shape.mask_rule();
    double count = 0;
    for (std::int64_t q = 0; q < 50; ++q) {
      const PositionRange r = rule.keys(q);
      for (std::int64_t k = 0; k < 50; ++k) {
        const bool want = brute_visible(c.bounds, c.causal, c.left, c.right, q, k);
        ASSERT_EQ(k >= r.lo && k <= r.hi, want) << "q " << q << " k " << k << " causal " << c.causal;
        ASSERT_EQ(rule.visible(q, k), want);
        count += want ? 1 : 0;
      }
    }
    EXPECT_DOUBLE_EQ(shape.mask_area(), count)
        << "bounds " << c.bounds.size() << " window " << c.left << "," << c.right;
  }
}

TEST(MaskRule, KindNamesFollowTheParts) {
  EXPECT_EQ(global_shape(8, {}, false, -1, -1).mask_kind(), burst::MaskKind::full);
  EXPECT_EQ(global_shape(8, {}, true, -1, -1).mask_kind(), burst::MaskKind::causal);
  EXPECT_EQ(global_shape(8, {0, 3, 8}, false, -1, -1).mask_kind(), burst::MaskKind::full_document);
  EXPECT_EQ(global_shape(8, {0, 3, 8}, true, 2, 0).mask_kind(), burst::MaskKind::causal_document);
  EXPECT_EQ(global_shape(8, {}, false, 2, 2).mask_kind(), burst::MaskKind::sliding_window);
  EXPECT_EQ(global_shape(8, {0, 8}, true, -1, -1).mask_kind(), burst::MaskKind::causal);  // one document
  for (auto k : {burst::MaskKind::full, burst::MaskKind::causal, burst::MaskKind::full_document,
                 burst::MaskKind::causal_document, burst::MaskKind::sliding_window})
    EXPECT_EQ(parse_mask_kind(to_string(k)), k);
  try {
    parse_mask_kind("document");
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(),
                 "mask 'document' is not one of full|causal|full_document|causal_document|sliding_window");
  }
}

TEST(MaskRule, AreaOfLongSequencesHasClosedForms) {
  const std::int64_t n = 1 << 20;
  EXPECT_DOUBLE_EQ(global_shape(n, {}, false, -1, -1).mask_area(), static_cast<double>(n) * n);
  EXPECT_DOUBLE_EQ(global_shape(n, {}, true, -1, -1).mask_area(), static_cast<double>(n) * (n + 1) / 2);
  // Causal window (L, 0): every row sees L + 1 keys except the first L rows.
  const std::int64_t L = 4095;
  EXPECT_DOUBLE_EQ(global_shape(n, {}, true, L, -1).mask_area(),
                   static_cast<double>(L + 1) * n - static_cast<double>(L) * (L + 1) / 2);
  // Two causal documents of n/2: twice (n/2)(n/2 + 1)/2.
  const std::int64_t half = n / 2;
  EXPECT_DOUBLE_EQ(global_shape(n, {0, half, n}, true, -1, -1).mask_area(),
                   static_cast<double>(half) * static_cast<double>(half + 1));
}

// A block's rule with positions: documents and window in global positions.
MaskParams bounded(const burst::AttentionShape& g, std::int64_t q0, std::int64_t qs, std::int64_t k0,
                   std::int64_t ks) {
  MaskParams m;
  m.kind = MaskMode::bounded;
  m.rule = g.mask_rule();
  m.q_pos0 = q0, m.q_pos_stride = qs, m.k_pos0 = k0, m.k_pos_stride = ks;
  return m;
}

struct Inputs {
  std::vector<double> q, k, v, dout;
};

Inputs inputs(const AttentionShape& s, std::uint64_t seed) {
  return {random_values(s.q_elems(), DType::f32, seed), random_values(s.kv_elems(), DType::f32, seed + 1),
          random_values(s.kv_elems(), DType::f32, seed + 2),
          random_values(s.q_elems(), DType::f32, seed + 3)};
}

void expect_matches(const AttentionShape& s, const MaskParams& mask, LocalRunOptions opts = {}) {
  const Inputs in = inputs(s, 77);
  const double scale = 1.0 / std::sqrt(static_cast<double>(s.head_dim));
  const auto ref = reference_forward(s, mask, scale, in.q, in.k, in.v);
  const auto fwd = local_forward(s, mask, static_cast<float>(scale), in.q, in.k, in.v, opts);
  EXPECT_LE(max_rel_error(fwd.o, ref.o), fp32_floor);
  EXPECT_LE(max_rel_error(fwd.lse, ref.lse), fp32_floor);
  const auto gref = reference_backward(s, mask, scale, in.q, in.k, in.v, in.dout);
  const auto got = local_backward(s, mask, static_cast<float>(scale), in.q, in.k, in.v, in.dout, opts);
  EXPECT_LE(max_rel_error(got.dq, gref.dq), fp32_floor);
  EXPECT_LE(max_rel_error(got.dk, gref.dk), fp32_floor);
  EXPECT_LE(max_rel_error(got.dv, gref.dv), fp32_floor);
}

TEST(KernelsMask, DocumentsOfAnyLengthFullAndCausal) {
  const std::vector<std::int64_t> bounds{0, 1, 18, 19, 64, 101, 150};  // lengths 1, 17, 1, 45, 37, 49
  for (bool causal : {false, true}) {
    SCOPED_TRACE(causal ? "causal_document" : "full_document");
    const auto g = global_shape(150, bounds, causal, -1, -1);
    expect_matches({1, 150, 150, 4, 2, 64}, bounded(g, 0, 1, 0, 1));
    LocalRunOptions small;
    small.tile_q = 16, small.tile_kv = 32;
    expect_matches({1, 150, 150, 2, 2, 32}, bounded(g, 0, 1, 0, 1), small);
  }
}

TEST(KernelsMask, SlidingWindowsCausalAndNot) {
  const auto causal = global_shape(160, {}, true, 20, -1);
  expect_matches({1, 160, 160, 2, 1, 64}, bounded(causal, 0, 1, 0, 1));
  const auto both = global_shape(160, {}, false, 7, 40);
  LocalRunOptions opts;
  opts.tile_q = 32, opts.tile_kv = 16;
  expect_matches({1, 160, 160, 2, 2, 64}, bounded(both, 0, 1, 0, 1), opts);
}

TEST(KernelsMask, WindowInsideDocumentsOnShiftedAndStripedBlocks) {
  const auto g = global_shape(512, {0, 100, 101, 300, 512}, true, 30, 0);
  // A zigzag-like half: queries at 256.., keys at 192.. (crosses a document bound).
  expect_matches({1, 64, 96, 2, 2, 64}, bounded(g, 256, 1, 192, 1));
  // Striped with G = 4: queries 4i + 1 against keys 4j + 3, and keys 4j.
  expect_matches({1, 120, 120, 2, 1, 64}, bounded(g, 1, 4, 3, 4));
  expect_matches({1, 120, 120, 2, 1, 64}, bounded(g, 1, 4, 0, 4));
}

TEST(KernelsMask, RowsThatSeeNothingGetZeroOutputMinusInfLseAndZeroGradients) {
  // Queries at 0..63 in document [0, 40) then [40, 200); keys at 100..163 and causal: query rows
  // 0..39 see nothing (other document), rows 40..63 see nothing (future keys). The whole block is
  // hidden for every row, so the kernel must leave the state at o = 0, lse = -inf.
  const auto g = global_shape(200, {0, 40, 200}, true, -1, -1);
  const AttentionShape s{1, 64, 64, 2, 2, 64};
  const MaskParams mask = bounded(g, 0, 1, 100, 1);
  const Inputs in = inputs(s, 5);
  const auto fwd = local_forward(s, mask, 0.125f, in.q, in.k, in.v);
  for (float x : fwd.o) ASSERT_EQ(x, 0.0f);
  for (float x : fwd.lse) ASSERT_EQ(x, -std::numeric_limits<float>::infinity());
  // Partly hidden: keys at 30..93; rows 0..29 see nothing (keys 30..39 are in their document but in
  // their future), rows 30..39 see keys 30..row, rows 40..63 see keys 40..row.
  const MaskParams partial = bounded(g, 0, 1, 30, 1);
  const auto ref = reference_forward(s, partial, 0.125, in.q, in.k, in.v);
  const auto got = local_forward(s, partial, 0.125f, in.q, in.k, in.v);
  for (std::int64_t h = 0; h < s.heads; ++h)
    for (std::int64_t i = 0; i < 30; ++i)
      ASSERT_EQ(got.lse[static_cast<std::size_t>(h * s.nq + i)], -std::numeric_limits<float>::infinity());
  for (float x : got.o) ASSERT_FALSE(std::isnan(x));
  EXPECT_LE(max_rel_error(got.o, ref.o), fp32_floor);
  const auto grads = local_backward(s, partial, 0.125f, in.q, in.k, in.v, in.dout);
  for (std::int64_t i = 0; i < 30; ++i)
    for (std::int64_t x = 0; x < s.heads * s.head_dim; ++x)
      ASSERT_EQ(grads.dq[static_cast<std::size_t>(i * s.heads * s.head_dim + x)], 0.0f);
  const auto gref = reference_backward(s, partial, 0.125, in.q, in.k, in.v, in.dout);
  EXPECT_LE(max_rel_error(grads.dq, gref.dq), fp32_floor);
  EXPECT_LE(max_rel_error(grads.dk, gref.dk), fp32_floor);
  EXPECT_LE(max_rel_error(grads.dv, gref.dv), fp32_floor);
}

TEST(KernelsMask, ThreadsDoNotChangeTheResult) {
  const auto g = global_shape(300, {0, 77, 78, 300}, false, 50, 10);
  const AttentionShape s{2, 300, 300, 4, 2, 64};
  const MaskParams mask = bounded(g, 0, 1, 0, 1);
  const Inputs in = inputs(s, 9);
  LocalRunOptions one, four;
  four.threads = 4;
  const auto a = local_backward(s, mask, 0.125f, in.q, in.k, in.v, in.dout, one);
  const auto b = local_backward(s, mask, 0.125f, in.q, in.k, in.v, in.dout, four);
  EXPECT_EQ(a.dq, b.dq);
  EXPECT_EQ(a.dk, b.dk);
  EXPECT_EQ(a.dv, b.dv);
}

}  // namespace
}  // namespace burst::test
