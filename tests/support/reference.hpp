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
// The reference and the tolerance model are libburst's own (runtime/reference.hpp), the ones
// `run --check` uses; this header gives them the names the tests use:
//   err      = max_rel_error(got, ref)
//   baseline = the same metric for a plain single-block run at the same precision (local_attention.hpp)
//   pass iff err <= allowed_error(dtype, baseline[, logit_bound])
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "burst/types.hpp"
#include "kernels/attention_params.hpp"
#include "runtime/reference.hpp"

namespace burst::test {

using AttentionShape = reference::Dims;
using ReferenceForward = reference::Forward;
using ReferenceGradients = reference::Gradients;

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

using reference::allowed_error;
using reference::fp32_floor;
using reference::half_multiple;
using reference::max_rel_error;

}  // namespace burst::test
