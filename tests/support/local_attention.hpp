// Runs the CPU kernels as one plain single-block attention on whole contiguous tensors: the
// "same-precision baseline" of the tolerance model (reference.hpp) and a building block for tests.
//
// Inputs are doubles already rounded to opts.dtype (random_values / round_to); they are packed to
// the dtype, run through cpu_forward_block / cpu_compute_delta / cpu_backward_block with one key
// block, and the fp32 results returned. Layouts as in reference.hpp.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/attention_params.hpp"
#include "support/reference.hpp"

namespace burst::test {

struct LocalRunOptions {
  DType dtype = DType::f32;
  int tile_q = 64, tile_kv = 64, threads = 1;
};

struct LocalForward {
  std::vector<float> o;    // (B, nq, H, d)  fp32 running-state output
  std::vector<float> lse;  // (B, H, nq)
};

struct LocalGradients {
  std::vector<float> dq;  // (B, nq, H, d)
  std::vector<float> dk;  // (B, nk, Hkv, d)
  std::vector<float> dv;  // (B, nk, Hkv, d)
};

// FwdBlockParams for contiguous tensors of shape s (pointers in opts.dtype; o, lse fp32).
kernels::FwdBlockParams contiguous_fwd_params(const AttentionShape& s, const kernels::MaskParams& mask,
                                              float scale, const LocalRunOptions& opts, const void* q,
                                              const void* k, const void* v, float* o, float* lse);
kernels::BwdBlockParams contiguous_bwd_params(const AttentionShape& s, const kernels::MaskParams& mask,
                                              float scale, const LocalRunOptions& opts, const void* q,
                                              const void* k, const void* v, const void* dout,
                                              const float* lse, const float* delta, float* dq, float* dk,
                                              float* dv);

LocalForward local_forward(const AttentionShape& s, const kernels::MaskParams& mask, float scale,
                           const std::vector<double>& q, const std::vector<double>& k,
                           const std::vector<double>& v, const LocalRunOptions& opts = {});

// Forward, then D from dout and o cast to opts.dtype (as the runtime does), then backward.
LocalGradients local_backward(const AttentionShape& s, const kernels::MaskParams& mask, float scale,
                              const std::vector<double>& q, const std::vector<double>& k,
                              const std::vector<double>& v, const std::vector<double>& dout,
                              const LocalRunOptions& opts = {});

// fp32 values rounded to `dtype` (the final output cast), as doubles.
std::vector<double> cast_output(const std::vector<float>& values, DType dtype);

}  // namespace burst::test
