// Float64 reference attention and the accuracy model that every numeric comparison of the project
// uses: `run --check` / `trace --check` and the tests (docs/algorithm.md "Accuracy").
//
// Layouts (row-major, contiguous):  q, o, dq, dout (B, nq, H, d)   k, v, dk, dv (B, nk, Hkv, d)
//                                   lse (B, H, nq)
// GQA: query head h uses kv head h / (H / Hkv); dk, dv sum over the heads of a group.
// Masked scores are -inf; a query row that sees no key gets o = 0, lse = -inf and zero gradients.
// Memory O(nk) per worker beyond the tensors; time O(B H nq nk d) in float64, spread over
// `threads` workers by (batch, kv head) so no two write the same dk/dv rows. The result does not
// depend on `threads`: every sum runs in the same order.
//
// Accuracy model:
//   err      = max_rel_error(got, ref)    max |got - ref| / max |ref|, or max |got| when the
//                                         reference is all zero; a NaN or infinity where the
//                                         reference is finite (or the opposite infinity) gives +inf,
//                                         non-finite on both sides counts as equal
//   allowed  = allowed_error(dtype, baseline, logit_bound)
//     fp32     : fp32_error(logit_bound) = max(fp32_floor, logit_multiple * 2^-24 * logit_bound)
//     fp16/bf16: half_multiple * baseline + fp32_error(logit_bound)
//   baseline:    the error of a plain single-block run at the same precision (ignored for fp32)
//   logit_bound: scale * max_i |q_i| * max_j |k_j| (Cauchy-Schwarz bound on |score|), 0 = unknown
// Why: the kernels' fp32 scores carry an absolute error of a few ulps of the largest score, and
// softmax turns an absolute score error e into a relative weight error of about e, so fp32 error
// grows with the logits (q scaled by 30: 2.5e-5 measured, allowed 6.5e-5). Below |score| ~ 20 the
// 1e-5 floor rules. Half outputs round once at the end; 4x the plain run's error leaves room for a
// value landing on the other side of a rounding boundary (2x) and for the max over elements.
// Neither bound depends on the number of ranks.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "burst/types.hpp"
#include "kernels/attention_params.hpp"

namespace burst::reference {

struct Dims {
  std::int64_t batch = 1, nq = 0, nk = 0, heads = 1, kv_heads = 1, head_dim = 64;
  std::size_t q_elems() const { return static_cast<std::size_t>(batch * nq * heads * head_dim); }
  std::size_t kv_elems() const { return static_cast<std::size_t>(batch * nk * kv_heads * head_dim); }
  std::size_t lse_elems() const { return static_cast<std::size_t>(batch * heads * nq); }
};

struct Forward {
  std::vector<double> o;    // (B, nq, H, d)
  std::vector<double> lse;  // (B, H, nq)
};

struct Gradients {
  std::vector<double> dq;  // (B, nq, H, d)
  std::vector<double> dk;  // (B, nk, Hkv, d)
  std::vector<double> dv;  // (B, nk, Hkv, d)
};

// nq queries against nk keys with the kernels' position-based mask (kernels::MaskParams).
// Throws InvalidArgument when a tensor's size does not match `dims`.
Forward forward(const Dims& dims, const kernels::MaskParams& mask, double scale, std::span<const double> q,
                std::span<const double> k, std::span<const double> v, int threads = 1);
// `fwd`: the reference forward of the same inputs (its o gives D = rowsum(dout * o)).
Gradients backward(const Dims& dims, const kernels::MaskParams& mask, double scale, std::span<const double> q,
                   std::span<const double> k, std::span<const double> v, std::span<const double> dout,
                   const Forward& fwd, int threads = 1);

// Multiply-adds of forward() (2 per query, key and column) and of backward() (5), for
// estimating how long a reference takes. Counts every pair; a mask only makes it faster.
double forward_macs(const Dims& dims);
double backward_macs(const Dims& dims);

// scale * max over (b, h) of max_i |q_i| * max_j |k_j| for the kv head of h.
double logit_bound(const Dims& dims, double scale, std::span<const double> q, std::span<const double> k);

// See the accuracy model above. `worst`, when given, receives the index of the first element that
// makes the error infinite, else of the largest difference.
double max_rel_error(std::span<const float> got, std::span<const double> ref, std::size_t* worst = nullptr);
double max_rel_error(std::span<const double> got, std::span<const double> ref, std::size_t* worst = nullptr);

inline constexpr double fp32_floor = 1e-5;
inline constexpr double logit_multiple = 8.0;
inline constexpr double half_multiple = 4.0;

double fp32_error(double logit_bound);
double allowed_error(DType dtype, double baseline_error, double logit_bound = 0.0);
// Accumulators that travel the ring in a half dtype (accum_dtype = input, opt-in and lossy) are
// rounded at each of their `world` hops: one unit roundoff of the dtype per hop, added to the
// allowed error of the tensors that travel (dq with bwd_comm q, dk and dv with kv). 0 for fp32.
double hop_error(DType dtype, AccumDType accum, int world);

}  // namespace burst::reference
