// The plain parameter structs that cross the host/device line, passed by value to every CUDA kernel
// (docs/architecture.md 2). Built on the host from the registry's FwdBlockParams/BwdBlockParams by
// launch_plan.hpp's to_device(); no CUDA header needed, so the translation is testable without a GPU.
//
// Layouts are those of kernels/attention_params.hpp (element strides, innermost head_dim contiguous):
//   q, dout, o, dq : (B, nq, H, d)      k, v, dk, dv : (B, nk, Hkv, d)      lse, delta : (B, H, nq) fp32
// Masks are by global position exactly as on the CPU: query row i sits at q_pos0 + i * q_pos_stride,
// key row j at k_pos0 + j * k_pos_stride, a key is visible when its position <= the query's. `none`,
// `causal` (q_pos0 == k_pos0) and shifted-causal (q_pos0 != k_pos0: a zigzag half, a later rank's
// block, a striped layout with strides G) are the same code path with different offsets.
#pragma once

#include <cstdint>

namespace burst::kernels::cuda {

struct DeviceMask {
  int causal = 0;
  std::int64_t q_pos0 = 0, q_pos_stride = 1;
  std::int64_t k_pos0 = 0, k_pos_stride = 1;
};

struct DeviceFwdParams {
  const void* q = nullptr;  // (B, nq, H, d)    input dtype
  const void* k = nullptr;  // (B, nk, Hkv, d)  input dtype
  const void* v = nullptr;  // (B, nk, Hkv, d)  input dtype
  float* o = nullptr;       // (B, nq, H, d)    running output, fp32, folded in place
  float* lse = nullptr;     // (B, H, nq)       running log-sum-exp, fp32
  std::int64_t q_batch_stride = 0, q_row_stride = 0;
  std::int64_t kv_batch_stride = 0, kv_row_stride = 0;
  std::int64_t o_batch_stride = 0, o_row_stride = 0;
  std::int64_t lse_batch_stride = 0, lse_head_stride = 0;
  int nq = 0, nk = 0, heads = 0, group = 1;  // group = H / Hkv
  float scale = 0.0f, scale_log2 = 0.0f;     // scale_log2 = scale * log2(e)
  DeviceMask mask;
};

struct DeviceBwdParams {
  const void* q = nullptr;       // (B, nq, H, d)
  const void* dout = nullptr;    // (B, nq, H, d)
  const void* k = nullptr;       // (B, nk, Hkv, d)
  const void* v = nullptr;       // (B, nk, Hkv, d)
  const float* lse = nullptr;    // (B, H, nq)
  const float* delta = nullptr;  // (B, H, nq)
  float* dq = nullptr;           // (B, nq, H, d)    += (fp32 atomics)
  float* dk = nullptr;           // (B, nk, Hkv, d)  +=
  float* dv = nullptr;           // (B, nk, Hkv, d)  +=
  std::int64_t q_batch_stride = 0, q_row_stride = 0;
  std::int64_t kv_batch_stride = 0, kv_row_stride = 0;
  std::int64_t stat_batch_stride = 0, stat_head_stride = 0;
  std::int64_t dq_batch_stride = 0, dq_row_stride = 0;
  std::int64_t dkv_batch_stride = 0, dkv_row_stride = 0;
  int nq = 0, nk = 0, heads = 0, group = 1;
  float scale = 0.0f, scale_log2 = 0.0f;
  DeviceMask mask;
};

struct DeviceDeltaParams {
  const void* dout = nullptr;  // (B, n, H, d) contiguous
  const void* o = nullptr;     // (B, n, H, d) contiguous
  float* delta = nullptr;      // (B, H, n)
  std::int64_t batch = 0, n = 0;
  int heads = 0, head_dim = 0;
};

}  // namespace burst::kernels::cuda
