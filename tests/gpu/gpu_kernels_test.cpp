// Gpu*: every registered CUDA variant against the CPU kernel (the numeric reference) on the same
// pre-rounded random inputs, with every mask the runtime produces (none, causal, shifted-causal,
// striped) and poisoned padding around every output. Skipped with a message where no GPU exists.
//
// Tolerances (docs/architecture.md 9; max |gpu - cpu| / max |cpu|):
//   forward o, tensor cores : 4 * u, u = 2^-8 (bf16) or 2^-11 (fp16): the one difference from the CPU
//                             is that P is rounded to the input dtype before P V (relative error <= u/2
//                             per element) plus ex2.approx (2 ulp); 4x as in tests/support/reference.hpp
//   forward lse             : 1e-4 for tensor cores (fp32 scores from identical operands, approximate
//                             exp2 in the row sums), 2e-5 for the fp32 SIMT kernel
//   forward o, fp32 SIMT    : 2e-5: each kernel may sit fp32_floor (1e-5, tests/support/reference.hpp)
//                             from the exact result, on either side (the CPU uses a SIMD exp2)
//   backward, SIMT          : 1e-4 (fp32 arithmetic on identical operands; dQ sums in atomic order)
//   delta                   : 1e-5
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gpu_fixture.hpp"
#include "kernels/cpu_attention.hpp"
#include "kernels/cuda/cuda_launchers.hpp"
#include "kernels/cuda/cuda_registry.hpp"
#include "kernels/registry.hpp"
#include "support/local_attention.hpp"
#include "support/reference.hpp"

namespace burst::test {
namespace {

using kernels::BwdBlockParams;
using kernels::FwdBlockParams;
using kernels::KernelDesc;
using kernels::MaskMode;
using kernels::MaskParams;

constexpr float nan_f = std::numeric_limits<float>::quiet_NaN();
constexpr float neg_inf = -std::numeric_limits<float>::infinity();

struct NamedMask {
  const char* name;
  MaskParams mask;
};

// The runtime's masks: plain, causal on the diagonal, shifted-causal (queries later than the block:
// all keys visible to late rows; queries earlier: some rows see nothing), striped (strides 2).
std::vector<NamedMask> masks() {
  return {{"none", {}},
          {"causal", {MaskMode::causal, 0, 1, 0, 1, {}}},
          {"shifted_later", {MaskMode::causal, 100, 1, 0, 1, {}}},
          {"shifted_earlier", {MaskMode::causal, 0, 1, 60, 1, {}}},
          {"striped", {MaskMode::causal, 1, 2, 0, 2, {}}}};
}

std::vector<const KernelDesc*> cuda_entries(bool forward) {
  std::vector<const KernelDesc*> out;
  for (const KernelDesc& k : kernels::kernel_registry())
    if (k.backend == Backend::cuda && (forward ? k.launch_forward != nullptr : k.launch_backward != nullptr))
      out.push_back(&k);
  return out;
}

double fwd_o_tolerance(DType t) {
  if (t == DType::bf16) return 4.0 * std::ldexp(1.0, -8);
  if (t == DType::f16) return 4.0 * std::ldexp(1.0, -11);
  return 2 * fp32_floor;
}

// Row strides padded by `pad` elements (and a padded lse head stride), padding poisoned with NaN.
struct PaddedState {
  std::vector<float> o, lse;
  std::vector<bool> o_pad, lse_pad;
  std::int64_t o_row_stride = 0, lse_head_stride = 0;
};

PaddedState initial_state(const AttentionShape& s) {
  PaddedState st;
  const std::int64_t row = s.heads * s.head_dim;
  st.o_row_stride = row + 8;
  st.lse_head_stride = s.nq + 3;
  const auto o_count = static_cast<std::size_t>(s.batch * s.nq * st.o_row_stride);
  const auto lse_count = static_cast<std::size_t>(s.batch * s.heads * st.lse_head_stride);
  st.o.assign(o_count, 0.0f), st.o_pad.assign(o_count, false);
  st.lse.assign(lse_count, neg_inf), st.lse_pad.assign(lse_count, false);
  for (std::size_t i = 0; i < o_count; ++i)
    if (static_cast<std::int64_t>(i) % st.o_row_stride >= row) st.o[i] = nan_f, st.o_pad[i] = true;
  for (std::size_t i = 0; i < lse_count; ++i)
    if (static_cast<std::int64_t>(i) % st.lse_head_stride >= s.nq) st.lse[i] = nan_f, st.lse_pad[i] = true;
  return st;
}

FwdBlockParams padded_fwd_params(const AttentionShape& s, const MaskParams& mask, DType t, int tq, int tk,
                                 const PaddedState& st, const void* q, const void* k, const void* v, float* o,
                                 float* lse) {
  LocalRunOptions opts;
  opts.dtype = t, opts.tile_q = tq, opts.tile_kv = tk;
  FwdBlockParams p = contiguous_fwd_params(s, mask, static_cast<float>(1.0 / std::sqrt(double(s.head_dim))),
                                           opts, q, k, v, o, lse);
  p.o_row_stride = st.o_row_stride, p.o_batch_stride = s.nq * st.o_row_stride;
  p.lse_head_stride = st.lse_head_stride, p.lse_batch_stride = s.heads * st.lse_head_stride;
  return p;
}

// Two key/value blocks folded one after the other into the same state, on the CPU and on the GPU.
void check_forward_variant(const KernelDesc& desc, const NamedMask& m) {
  const DType t = desc.dtypes[0];
  const AttentionShape s{2, 200, 150, 4, 2, desc.min_head_dim};
  SCOPED_TRACE(std::string(desc.name) + " mask " + m.name);
  const auto q = to_dtype_bytes(random_values(s.q_elems(), t, 11), t);
  const std::vector<std::vector<std::uint8_t>> k = {to_dtype_bytes(random_values(s.kv_elems(), t, 12), t),
                                                    to_dtype_bytes(random_values(s.kv_elems(), t, 13), t)};
  const std::vector<std::vector<std::uint8_t>> v = {to_dtype_bytes(random_values(s.kv_elems(), t, 14), t),
                                                    to_dtype_bytes(random_values(s.kv_elems(), t, 15), t)};
  PaddedState cpu = initial_state(s);
  const PaddedState init = cpu;
  DeviceBuffer d_q = DeviceBuffer::from(q), d_o = DeviceBuffer::from(init.o),
               d_lse = DeviceBuffer::from(init.lse);
  for (int blk = 0; blk < 2; ++blk) {
    MaskParams mask = m.mask;
    if (blk == 1 && mask.kind == MaskMode::causal)
      mask.k_pos0 -= 150 * mask.k_pos_stride;  // an earlier block
    FwdBlockParams pc = padded_fwd_params(s, mask, t, 64, 64, cpu, q.data(), k[blk].data(), v[blk].data(),
                                          cpu.o.data(), cpu.lse.data());
    kernels::cpu_forward_block(pc);
    DeviceBuffer d_k = DeviceBuffer::from(k[blk]), d_v = DeviceBuffer::from(v[blk]);
    FwdBlockParams pg = padded_fwd_params(s, mask, t, desc.tile_q, desc.tile_kv, cpu, d_q.get(), d_k.get(),
                                          d_v.get(), d_o.as<float>(), d_lse.as<float>());
    const auto reason = kernels::can_implement(desc, pg);
    ASSERT_FALSE(reason.has_value()) << *reason;
    desc.launch_forward(pg, nullptr);
    device_synchronize();
  }
  const auto o = d_o.to_host<float>(cpu.o.size());
  const auto lse = d_lse.to_host<float>(cpu.lse.size());
  EXPECT_LE(compare_with_padding(o, cpu.o, cpu.o_pad), fwd_o_tolerance(t));
  EXPECT_LE(compare_with_padding(lse, cpu.lse, cpu.lse_pad), t == DType::f32 ? 2 * fp32_floor : 1e-4);
}

TEST(GpuForward, EveryVariantMatchesCpuKernel) {
  BURST_SKIP_WITHOUT_GPU();
  const auto entries = cuda_entries(true);
  ASSERT_FALSE(entries.empty());
  for (const KernelDesc* k : entries)
    for (const NamedMask& m : masks()) check_forward_variant(*k, m);
}

void check_backward_variant(const KernelDesc& desc, const NamedMask& m) {
  const DType t = desc.dtypes[0];
  const AttentionShape s{2, 100, 70, 4, 2, desc.min_head_dim};
  SCOPED_TRACE(std::string(desc.name) + " mask " + m.name);
  const float scale = static_cast<float>(1.0 / std::sqrt(double(s.head_dim)));
  const auto qd = random_values(s.q_elems(), t, 21), kd = random_values(s.kv_elems(), t, 22);
  const auto vd = random_values(s.kv_elems(), t, 23), dod = random_values(s.q_elems(), t, 24);
  const auto q = to_dtype_bytes(qd, t), k = to_dtype_bytes(kd, t), v = to_dtype_bytes(vd, t),
             dout = to_dtype_bytes(dod, t);
  // lse from the CPU forward of this one block; D = rowsum(dout * o) with o cast to the dtype.
  LocalRunOptions opts;
  opts.dtype = t, opts.tile_q = desc.tile_q, opts.tile_kv = desc.tile_kv;
  const LocalForward fwd = local_forward(s, m.mask, scale, qd, kd, vd, opts);
  const auto o_cast = to_dtype_bytes(cast_output(fwd.o, t), t);
  std::vector<float> delta(s.lse_elems());
  kernels::DeltaParams dp;
  dp.dtype = t, dp.batch = s.batch, dp.n = s.nq, dp.heads = s.heads, dp.head_dim = s.head_dim;
  dp.dout = dout.data(), dp.o = o_cast.data(), dp.delta = delta.data();
  kernels::cpu_compute_delta(dp);
  // Accumulators start non-zero (the kernels add, +=) but small, so they do not hide gradient errors.
  const auto dq0 = to_float(random_values(s.q_elems(), DType::f32, 25, -0.01, 0.01));
  const auto dkv0 = to_float(random_values(s.kv_elems(), DType::f32, 26, -0.01, 0.01));
  std::vector<float> dq = dq0, dk = dkv0, dv = dkv0;
  kernels::cpu_backward_block(contiguous_bwd_params(s, m.mask, scale, opts, q.data(), k.data(), v.data(),
                                                    dout.data(), fwd.lse.data(), delta.data(), dq.data(),
                                                    dk.data(), dv.data()));

  DeviceBuffer d_q = DeviceBuffer::from(q), d_k = DeviceBuffer::from(k), d_v = DeviceBuffer::from(v);
  DeviceBuffer d_do = DeviceBuffer::from(dout), d_lse = DeviceBuffer::from(fwd.lse),
               d_delta = DeviceBuffer::from(delta);
  DeviceBuffer d_dq = DeviceBuffer::from(dq0), d_dk = DeviceBuffer::from(dkv0),
               d_dv = DeviceBuffer::from(dkv0);
  const BwdBlockParams pg = contiguous_bwd_params(s, m.mask, scale, opts, d_q.get(), d_k.get(), d_v.get(),
                                                  d_do.get(), d_lse.as<float>(), d_delta.as<float>(),
                                                  d_dq.as<float>(), d_dk.as<float>(), d_dv.as<float>());
  const auto reason = kernels::can_implement(desc, pg);
  ASSERT_FALSE(reason.has_value()) << *reason;
  desc.launch_backward(pg, nullptr);
  device_synchronize();
  const std::vector<bool> no_pad_q(dq.size(), false), no_pad_kv(dk.size(), false);
  EXPECT_LE(compare_with_padding(d_dq.to_host<float>(dq.size()), dq, no_pad_q), 1e-4);
  EXPECT_LE(compare_with_padding(d_dk.to_host<float>(dk.size()), dk, no_pad_kv), 1e-4);
  EXPECT_LE(compare_with_padding(d_dv.to_host<float>(dv.size()), dv, no_pad_kv), 1e-4);
}

TEST(GpuBackward, EveryVariantMatchesCpuKernel) {
  BURST_SKIP_WITHOUT_GPU();
  const auto entries = cuda_entries(false);
  ASSERT_FALSE(entries.empty());
  for (const KernelDesc* k : entries)
    for (const NamedMask& m : masks()) check_backward_variant(*k, m);
}

TEST(GpuDelta, MatchesCpuForEveryDtype) {
  BURST_SKIP_WITHOUT_GPU();
  for (DType t : {DType::f32, DType::f16, DType::bf16}) {
    SCOPED_TRACE(std::string(to_string(t)));
    const AttentionShape s{2, 77, 77, 3, 3, 128};
    const auto dout = to_dtype_bytes(random_values(s.q_elems(), t, 31), t);
    const auto o = to_dtype_bytes(random_values(s.q_elems(), t, 32), t);
    std::vector<float> cpu(s.lse_elems());
    kernels::DeltaParams p;
    p.dtype = t, p.batch = s.batch, p.n = s.nq, p.heads = s.heads, p.head_dim = s.head_dim;
    p.dout = dout.data(), p.o = o.data(), p.delta = cpu.data();
    kernels::cpu_compute_delta(p);
    DeviceBuffer d_do = DeviceBuffer::from(dout), d_o = DeviceBuffer::from(o);
    DeviceBuffer d_delta = DeviceBuffer::from(std::vector<float>(cpu.size(), nan_f));
    p.dout = d_do.get(), p.o = d_o.get(), p.delta = d_delta.as<float>();
    kernels::cuda::delta_launch(p, nullptr);
    device_synchronize();
    EXPECT_LE(
        compare_with_padding(d_delta.to_host<float>(cpu.size()), cpu, std::vector<bool>(cpu.size(), false)),
        1e-5);
  }
}

TEST(GpuDevice, EveryVariantFitsThisDevice) {
  BURST_SKIP_WITHOUT_GPU();
  const kernels::DeviceLimits limits = kernels::cuda::current_device_limits();
  EXPECT_GE(limits.arch, 80);
  EXPECT_GE(limits.smem_per_block_optin, 48u * 1024);
  for (const KernelDesc& k : kernels::kernel_registry()) {
    const auto reason = kernels::can_run_on(k, limits);
    EXPECT_FALSE(reason.has_value()) << *reason;
  }
}

}  // namespace
}  // namespace burst::test
