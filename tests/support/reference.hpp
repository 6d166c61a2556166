// Float64 reference attention on whole (global) tensors, input generators rounded to a dtype, and
// the tolerance model every numeric test of the project uses (docs/algorithm.md "Accuracy",
// docs/architecture.md 9).
//
// Layouts (row-major, contiguous):  q, o, dq, dout (B, nq, H, d)   k, v, dk, dv (B, nk, Hkv, d)
//                                   lse (B, H, nq)
// GQA: query head h uses kv head h / (H / Hkv); dk, dv sum over the heads of a group.
// Masked scores are -inf; a query row that sees no key gets o = 0, lse = -inf and zero gradients.
// O(nq * nk) memory and time: meant for the small shapes of tests.
//
// Tolerance model (how to use it):
//   err      = max_rel_error(got, ref)                  max |got - ref| / max |ref|  (NaN/Inf -> inf)
//   baseline = the same metric for a plain single-block run at the same precision (local_attention.hpp)
//   pass iff err <= allowed_error(dtype, baseline)
//     fp32     : fp32_floor                                          (docs/algorithm.md: ~1e-5 relative)
//     fp16/bf16: half_multiple * baseline + fp32_floor
// Why 4x: inputs are pre-rounded, so both runs see identical operands; they differ only in fp32
// accumulation order and merge steps (a few fp32 ulps) and in where the final cast to half rounds.
// A value that lands on the other side of a half rounding boundary costs at most one half ulp
// against the baseline's half ulp (2x); 4x leaves room for the max-over-elements statistic and does
// not depend on the number of ranks G, as docs/algorithm.md requires. The fp32 floor covers outputs
// kept in fp32 (o, lse, gradients), where the baseline itself can be ~0.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "burst/types.hpp"
#include "kernels/attention_params.hpp"

namespace burst::test {

struct AttentionShape {
  std::int64_t batch = 1, nq = 0, nk = 0, heads = 1, kv_heads = 1, head_dim = 64;
  std::size_t q_elems() const { return static_cast<std::size_t>(batch * nq * heads * head_dim); }
  std::size_t kv_elems() const { return static_cast<std::size_t>(batch * nk * kv_heads * head_dim); }
  std::size_t lse_elems() const { return static_cast<std::size_t>(batch * heads * nq); }
};

struct ReferenceForward {
  std::vector<double> o;    // (B, nq, H, d)
  std::vector<double> lse;  // (B, H, nq)
};

struct ReferenceGradients {
  std::vector<double> dq;  // (B, nq, H, d)
  std::vector<double> dk;  // (B, nk, Hkv, d)
  std::vector<double> dv;  // (B, nk, Hkv, d)
};

// Global self-attention over N tokens: causal means key position <= query position.
ReferenceForward reference_forward(std::int64_t batch, std::int64_t n, std::int64_t heads,
                                   std::int64_t kv_heads, std::int64_t head_dim, bool causal, double scale,
                                   const std::vector<double>& q, const std::vector<double>& k,
                                   const std::vector<double>& v);
ReferenceGradients reference_backward(std::int64_t batch, std::int64_t n, std::int64_t heads,
                                      std::int64_t kv_heads, std::int64_t head_dim, bool causal, double scale,
                                      const std::vector<double>& q, const std::vector<double>& k,
                                      const std::vector<double>& v, const std::vector<double>& dout);

// General form: nq queries against nk keys with the kernels' position-based mask (MaskParams).
ReferenceForward reference_forward(const AttentionShape& s, const kernels::MaskParams& mask, double scale,
                                   const std::vector<double>& q, const std::vector<double>& k,
                                   const std::vector<double>& v);
ReferenceGradients reference_backward(const AttentionShape& s, const kernels::MaskParams& mask, double scale,
                                      const std::vector<double>& q, const std::vector<double>& k,
                                      const std::vector<double>& v, const std::vector<double>& dout);

// `count` values uniform in [lo, hi), generated as float and rounded through `dtype` (deterministic
// for a seed), returned as doubles so the reference sees exactly what the kernels see.
std::vector<double> random_values(std::size_t count, DType dtype, std::uint64_t seed, double lo = -1.0,
                                  double hi = 1.0);
// Each value rounded to `dtype` (round to nearest even), as double.
std::vector<double> round_to(const std::vector<double>& values, DType dtype);
// Raw buffer in `dtype` (4 bytes per value for fp32, 2 for fp16/bf16) to hand to a kernel.
std::vector<std::uint8_t> to_dtype_bytes(const std::vector<double>& values, DType dtype);
std::vector<float> to_float(const std::vector<double>& values);

// max |got - ref| / max |ref| (denominator at least 1e-30). Entries where both are the same
// infinity count as equal; NaN, or an infinity on one side only, gives +inf.
double max_rel_error(std::span<const float> got, std::span<const double> ref);
double max_rel_error(std::span<const double> got, std::span<const double> ref);

inline constexpr double fp32_floor = 1e-5;
inline constexpr double half_multiple = 4.0;
// The error a run at `dtype` may have against the float64 reference, given the baseline error of a
// plain single-block run at the same precision (ignored for fp32).
double allowed_error(DType dtype, double baseline_error);

}  // namespace burst::test
