// Single-block runs of the CPU kernels on whole tensors (see local_attention.hpp).
#include "support/local_attention.hpp"

#include <limits>

#include "kernels/cpu_attention.hpp"

namespace burst::test {

kernels::FwdBlockParams contiguous_fwd_params(const AttentionShape& s, const kernels::MaskParams& mask,
                                              float scale, const LocalRunOptions& opts, const void* q,
                                              const void* k, const void* v, float* o, float* lse) {
  kernels::FwdBlockParams p;
  p.dtype = opts.dtype;
  p.batch = s.batch, p.nq = s.nq, p.nk = s.nk, p.heads = s.heads, p.kv_heads = s.kv_heads,
  p.head_dim = s.head_dim;
  p.scale = scale;
  p.q = q, p.q_row_stride = s.heads * s.head_dim, p.q_batch_stride = s.nq * p.q_row_stride;
  p.k = k, p.v = v, p.kv_row_stride = s.kv_heads * s.head_dim, p.kv_batch_stride = s.nk * p.kv_row_stride;
  p.o = o, p.o_row_stride = p.q_row_stride, p.o_batch_stride = p.q_batch_stride;
  p.lse = lse, p.lse_head_stride = s.nq, p.lse_batch_stride = s.heads * s.nq;
  p.mask = mask;
  p.tile_q = opts.tile_q, p.tile_kv = opts.tile_kv, p.threads = opts.threads;
  return p;
}

kernels::BwdBlockParams contiguous_bwd_params(const AttentionShape& s, const kernels::MaskParams& mask,
                                              float scale, const LocalRunOptions& opts, const void* q,
                                              const void* k, const void* v, const void* dout,
                                              const float* lse, const float* delta, float* dq, float* dk,
                                              float* dv) {
  kernels::BwdBlockParams p;
  p.dtype = opts.dtype;
  p.batch = s.batch, p.nq = s.nq, p.nk = s.nk, p.heads = s.heads, p.kv_heads = s.kv_heads,
  p.head_dim = s.head_dim;
  p.scale = scale;
  p.q = q, p.dout = dout, p.q_row_stride = s.heads * s.head_dim, p.q_batch_stride = s.nq * p.q_row_stride;
  p.k = k, p.v = v, p.kv_row_stride = s.kv_heads * s.head_dim, p.kv_batch_stride = s.nk * p.kv_row_stride;
  p.lse = lse, p.delta = delta, p.stat_head_stride = s.nq, p.stat_batch_stride = s.heads * s.nq;
  p.dq = dq, p.dq_row_stride = p.q_row_stride, p.dq_batch_stride = p.q_batch_stride;
  p.dk = dk, p.dv = dv, p.dkv_row_stride = p.kv_row_stride, p.dkv_batch_stride = p.kv_batch_stride;
  p.mask = mask;
  p.tile_q = opts.tile_q, p.tile_kv = opts.tile_kv, p.threads = opts.threads;
  return p;
}

LocalForward local_forward(const AttentionShape& s, const kernels::MaskParams& mask, float scale,
                           const std::vector<double>& q, const std::vector<double>& k,
                           const std::vector<double>& v, const LocalRunOptions& opts) {
  const auto qb = to_dtype_bytes(q, opts.dtype), kb = to_dtype_bytes(k, opts.dtype),
             vb = to_dtype_bytes(v, opts.dtype);
  LocalForward r{std::vector<float>(s.q_elems(), 0.0f),
                 std::vector<float>(s.lse_elems(), -std::numeric_limits<float>::infinity())};
  kernels::cpu_forward_block(
      contiguous_fwd_params(s, mask, scale, opts, qb.data(), kb.data(), vb.data(), r.o.data(), r.lse.data()));
  return r;
}

LocalGradients local_backward(const AttentionShape& s, const kernels::MaskParams& mask, float scale,
                              const std::vector<double>& q, const std::vector<double>& k,
                              const std::vector<double>& v, const std::vector<double>& dout,
                              const LocalRunOptions& opts) {
  const LocalForward fwd = local_forward(s, mask, scale, q, k, v, opts);
  const auto qb = to_dtype_bytes(q, opts.dtype), kb = to_dtype_bytes(k, opts.dtype),
             vb = to_dtype_bytes(v, opts.dtype);
  const auto db = to_dtype_bytes(dout, opts.dtype);
  const auto ob = to_dtype_bytes(std::vector<double>(fwd.o.begin(), fwd.o.end()), opts.dtype);
  std::vector<float> delta(s.lse_elems());
  kernels::DeltaParams dp;
  dp.dtype = opts.dtype, dp.batch = s.batch, dp.n = s.nq, dp.heads = s.heads, dp.head_dim = s.head_dim;
  dp.dout = db.data(), dp.o = ob.data(), dp.delta = delta.data(), dp.threads = opts.threads;
  kernels::cpu_compute_delta(dp);
  LocalGradients g{std::vector<float>(s.q_elems(), 0.0f), std::vector<float>(s.kv_elems(), 0.0f),
                   std::vector<float>(s.kv_elems(), 0.0f)};
  kernels::cpu_backward_block(contiguous_bwd_params(s, mask, scale, opts, qb.data(), kb.data(), vb.data(),
                                                    db.data(), fwd.lse.data(), delta.data(), g.dq.data(),
                                                    g.dk.data(), g.dv.data()));
  return g;
}

std::vector<double> cast_output(const std::vector<float>& values, DType dtype) {
  return round_to(std::vector<double>(values.begin(), values.end()), dtype);
}

}  // namespace burst::test
