// cpu_backward_block and cpu_compute_delta against the float64 reference: MHA, GQA, causal,
// shifted positions, split key blocks, half-precision inputs, threads.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "kernels/cpu_attention.hpp"
#include "support/local_attention.hpp"
#include "support/reference.hpp"

namespace burst::test {
namespace {

using kernels::MaskMode;
using kernels::MaskParams;

struct Inputs {
  std::vector<double> q, k, v, dout;
};

Inputs make_inputs(const AttentionShape& s, DType t, std::uint64_t seed) {
  return {random_values(s.q_elems(), t, seed), random_values(s.kv_elems(), t, seed + 1),
          random_values(s.kv_elems(), t, seed + 2), random_values(s.q_elems(), t, seed + 3)};
}

// fp32 inputs: gradients stay fp32 throughout, so the fp32 floor applies.
void expect_backward_matches(const AttentionShape& s, const MaskParams& mask, LocalRunOptions opts = {}) {
  const Inputs in = make_inputs(s, opts.dtype, 21);
  const double scale = 1.0 / std::sqrt(static_cast<double>(s.head_dim));
  const auto ref = reference_backward(s, mask, scale, in.q, in.k, in.v, in.dout);
  const auto got = local_backward(s, mask, static_cast<float>(scale), in.q, in.k, in.v, in.dout, opts);
  EXPECT_LE(max_rel_error(got.dq, ref.dq), fp32_floor);
  EXPECT_LE(max_rel_error(got.dk, ref.dk), fp32_floor);
  EXPECT_LE(max_rel_error(got.dv, ref.dv), fp32_floor);
}

TEST(KernelsBackward, MhaNoMask) {
  expect_backward_matches({2, 80, 96, 2, 2, 64}, {});
}
TEST(KernelsBackward, MhaCausalD128OddSizes) {
  expect_backward_matches({1, 130, 130, 2, 2, 128}, MaskParams{MaskMode::causal, 0, 1, 0, 1, {}});
}
TEST(KernelsBackward, GqaCausal) {
  expect_backward_matches({1, 100, 100, 8, 2, 64}, MaskParams{MaskMode::causal, 0, 1, 0, 1, {}});
}
TEST(KernelsBackward, StripedPositionsAndTiles) {
  LocalRunOptions opts;
  opts.tile_q = 32, opts.tile_kv = 16;
  expect_backward_matches({1, 72, 72, 4, 2, 64}, MaskParams{MaskMode::causal, 1, 4, 2, 4, {}}, opts);
  opts.tile_q = 16, opts.tile_kv = 128;
  expect_backward_matches({1, 72, 90, 2, 1, 32}, MaskParams{MaskMode::causal, 64, 1, 0, 1, {}}, opts);
}

TEST(KernelsBackward, FullyMaskedRowsGetZeroGradient) {
  // Queries 0..29 see no key in the forward pass (lse = -inf): their dq must be exactly zero.
  const AttentionShape s{1, 64, 40, 2, 2, 64};
  const MaskParams mask{MaskMode::causal, 0, 1, 30, 1, {}};
  const Inputs in = make_inputs(s, DType::f32, 4);
  const auto ref = reference_backward(s, mask, 0.125, in.q, in.k, in.v, in.dout);
  const auto got = local_backward(s, mask, 0.125f, in.q, in.k, in.v, in.dout);
  for (std::int64_t i = 0; i < s.nq; ++i)
    for (std::int64_t x = 0; x < s.heads * s.head_dim; ++x) {
      const float g = got.dq[static_cast<std::size_t>(i * s.heads * s.head_dim + x)];
      ASSERT_FALSE(std::isnan(g));
      if (i < 30) {
        ASSERT_EQ(g, 0.0f);
      }
    }
  EXPECT_LE(max_rel_error(got.dq, ref.dq), fp32_floor);
  EXPECT_LE(max_rel_error(got.dk, ref.dk), fp32_floor);
}

TEST(KernelsBackward, SplitKeyBlocksAccumulate) {
  // Two backward calls over key halves, sharing the global lse and D, add up to the whole.
  const AttentionShape s{1, 96, 96, 4, 2, 64};
  const MaskParams mask{MaskMode::causal, 0, 1, 0, 1, {}};
  const Inputs in = make_inputs(s, DType::f32, 8);
  const auto ref = reference_backward(s, mask, 0.125, in.q, in.k, in.v, in.dout);
  const auto fwd = local_forward(s, mask, 0.125f, in.q, in.k, in.v);
  const auto qb = to_dtype_bytes(in.q, DType::f32), kb = to_dtype_bytes(in.k, DType::f32);
  const auto vb = to_dtype_bytes(in.v, DType::f32), db = to_dtype_bytes(in.dout, DType::f32);
  std::vector<float> delta(s.lse_elems());
  kernels::DeltaParams dp;
  dp.batch = 1, dp.n = s.nq, dp.heads = s.heads, dp.head_dim = s.head_dim;
  dp.dout = db.data(), dp.o = fwd.o.data(), dp.delta = delta.data();
  kernels::cpu_compute_delta(dp);
  std::vector<float> dq(s.q_elems()), dk(s.kv_elems()), dv(s.kv_elems());
  for (std::int64_t j0 : {48, 0}) {
    auto p = contiguous_bwd_params(s, mask, 0.125f, {}, qb.data(), kb.data(), vb.data(), db.data(),
                                   fwd.lse.data(), delta.data(), dq.data(), dk.data(), dv.data());
    const std::int64_t off = j0 * p.kv_row_stride;
    p.nk = 48, p.mask.k_pos0 = j0;
    p.k = kb.data() + off * 4, p.v = vb.data() + off * 4, p.dk = dk.data() + off, p.dv = dv.data() + off;
    kernels::cpu_backward_block(p);
  }
  EXPECT_LE(max_rel_error(dq, ref.dq), fp32_floor);
  EXPECT_LE(max_rel_error(dk, ref.dk), fp32_floor);
  EXPECT_LE(max_rel_error(dv, ref.dv), fp32_floor);
}

TEST(KernelsBackward, HalfPrecisionInputs) {
  // bf16/fp16 inputs; D is computed from o cast to the input dtype (as the runtime does), which the
  // float64 reference does not see. Held to the tolerance model against that cast's own error.
  const AttentionShape s{1, 96, 96, 4, 2, 64};
  const MaskParams mask{MaskMode::causal, 0, 1, 0, 1, {}};
  for (DType t : {DType::f16, DType::bf16}) {
    SCOPED_TRACE(std::string(to_string(t)));
    const Inputs in = make_inputs(s, t, 31);
    const auto ref = reference_backward(s, mask, 0.125, in.q, in.k, in.v, in.dout);
    LocalRunOptions opts;
    opts.dtype = t;
    const auto got = local_backward(s, mask, 0.125f, in.q, in.k, in.v, in.dout, opts);
    for (const auto* g : {&got.dq, &got.dk, &got.dv})
      for (float x : *g) ASSERT_TRUE(std::isfinite(x));
    // dV does not depend on D: fp32-level. dQ, dK see the output cast through D.
    EXPECT_LE(max_rel_error(got.dv, ref.dv), fp32_floor);
    const double cast_error = t == DType::f16 ? std::ldexp(1.0, -11) : std::ldexp(1.0, -8);
    EXPECT_LE(max_rel_error(got.dq, ref.dq), allowed_error(t, cast_error));
    EXPECT_LE(max_rel_error(got.dk, ref.dk), allowed_error(t, cast_error));
  }
}

TEST(KernelsBackward, MultithreadedEqualsSingleThreaded) {
  const AttentionShape s{2, 160, 160, 4, 2, 64};
  const MaskParams mask{MaskMode::causal, 0, 1, 0, 1, {}};
  const Inputs in = make_inputs(s, DType::f32, 13);
  LocalRunOptions two;
  two.threads = 2;
  const auto a = local_backward(s, mask, 0.125f, in.q, in.k, in.v, in.dout);
  const auto b = local_backward(s, mask, 0.125f, in.q, in.k, in.v, in.dout, two);
  EXPECT_EQ(a.dq, b.dq);  // every output element has one writer and a fixed order: bitwise equal
  EXPECT_EQ(a.dk, b.dk);
  EXPECT_EQ(a.dv, b.dv);
}

// The kernels pack K/V (forward) and Q/dO (backward) into a buffer owned by the calling thread and
// shared by that call's workers. Two callers at once (ranks of the local communicator are threads of
// one process), each with its own shapes and both using the pool, must still get exactly the results
// of a call made alone: a packed buffer shared between callers would mix their operands.
TEST(KernelsBackward, ConcurrentCallersKeepTheirOwnPackedOperands) {
  const AttentionShape sa{1, 200, 190, 4, 2, 64}, sb{2, 96, 130, 2, 1, 128};
  const MaskParams mask{MaskMode::causal, 0, 1, 0, 1, {}};
  const Inputs ia = make_inputs(sa, DType::f32, 21), ib = make_inputs(sb, DType::bf16, 22);
  LocalRunOptions oa, ob;
  oa.threads = 2, ob.threads = 2, ob.dtype = DType::bf16;
  const auto alone_a = local_backward(sa, mask, 0.125f, ia.q, ia.k, ia.v, ia.dout, oa);
  const auto alone_b = local_backward(sb, {}, 0.1f, ib.q, ib.k, ib.v, ib.dout, ob);
  int same_a = 0, same_b = 0;
  constexpr int rounds = 4;
  std::thread other([&] {
    for (int r = 0; r < rounds; ++r) {
      const auto g = local_backward(sb, {}, 0.1f, ib.q, ib.k, ib.v, ib.dout, ob);
      same_b += static_cast<int>(g.dq == alone_b.dq && g.dk == alone_b.dk && g.dv == alone_b.dv);
    }
  });
  for (int r = 0; r < rounds; ++r) {
    const auto g = local_backward(sa, mask, 0.125f, ia.q, ia.k, ia.v, ia.dout, oa);
    same_a += static_cast<int>(g.dq == alone_a.dq && g.dk == alone_a.dk && g.dv == alone_a.dv);
  }
  other.join();
  EXPECT_EQ(same_a, rounds);
  EXPECT_EQ(same_b, rounds);
}

TEST(KernelsBackward, DeltaIsRowSumOfDoutTimesO) {
  const std::int64_t b = 2, n = 70, h = 3, d = 40;
  const auto dout = random_values(static_cast<std::size_t>(b * n * h * d), DType::bf16, 1);
  const auto o = random_values(dout.size(), DType::bf16, 2);
  const auto db = to_dtype_bytes(dout, DType::bf16), ob = to_dtype_bytes(o, DType::bf16);
  std::vector<float> delta(static_cast<std::size_t>(b * h * n));
  kernels::DeltaParams p;
  p.dtype = DType::bf16, p.batch = b, p.n = n, p.heads = h, p.head_dim = d, p.threads = 2;
  p.dout = db.data(), p.o = ob.data(), p.delta = delta.data();
  kernels::cpu_compute_delta(p);
  std::vector<double> ref(delta.size());
  for (std::int64_t bi = 0; bi < b; ++bi)
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t hh = 0; hh < h; ++hh) {
        double sum = 0.0;
        for (std::int64_t c = 0; c < d; ++c) {
          const auto x = static_cast<std::size_t>(((bi * n + i) * h + hh) * d + c);
          sum += dout[x] * o[x];
        }
        ref[static_cast<std::size_t>((bi * h + hh) * n + i)] = sum;
      }
  EXPECT_LE(max_rel_error(delta, ref), fp32_floor);
}

}  // namespace
}  // namespace burst::test
