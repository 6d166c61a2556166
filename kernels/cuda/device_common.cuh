// Device helpers shared by the CUDA attention kernels: element types, the position mask, cp.async,
// ldmatrix and mma.sync wrappers. Device code only (included by kernels/cuda/*.cu).
//
// Sharp edges:
//  - cp_async16 needs 16-byte aligned source and destination (the registry's vector_elems = 8 check).
//  - mma_16816 is sm_80+ (bf16 and fp16 inputs, fp32 accumulators); fragment layouts are PTX's
//    "mma.m16n8k16" ones: with g = lane / 4 and t = lane % 4, accumulator c0,c1 hold (row g, cols
//    2t, 2t+1) and c2,c3 hold (row g + 8, same cols).
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "kernels/cuda/device_params.hpp"

namespace burst::kernels::cuda {

inline constexpr float log2e_f = 1.44269504088896340736f;

// ---- element types --------------------------------------------------------------------------
template <typename Elem>
__device__ __forceinline__ float to_float(Elem x);
template <>
__device__ __forceinline__ float to_float<float>(float x) {
  return x;
}
template <>
__device__ __forceinline__ float to_float<__half>(__half x) {
  return __half2float(x);
}
template <>
__device__ __forceinline__ float to_float<__nv_bfloat16>(__nv_bfloat16 x) {
  return __bfloat162float(x);
}

// Two floats packed as a 32-bit register of two 2-byte elements, the lower column in the low half.
template <typename Elem>
__device__ __forceinline__ std::uint32_t pack2(float lo, float hi);
template <>
__device__ __forceinline__ std::uint32_t pack2<__half>(float lo, float hi) {
  const __half2 v = __floats2half2_rn(lo, hi);
  return *reinterpret_cast<const std::uint32_t*>(&v);
}
template <>
__device__ __forceinline__ std::uint32_t pack2<__nv_bfloat16>(float lo, float hi) {
  const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<const std::uint32_t*>(&v);
}

// ---- mask by position (kernels/attention_params.hpp) -----------------------------------------
__device__ __forceinline__ std::int64_t q_pos(const DeviceMask& m, std::int64_t i) {
  return m.q_pos0 + i * m.q_pos_stride;
}
__device__ __forceinline__ std::int64_t k_pos(const DeviceMask& m, std::int64_t j) {
  return m.k_pos0 + j * m.k_pos_stride;
}

__device__ __forceinline__ std::int64_t floor_div(std::int64_t a, std::int64_t b) {  // b > 0
  const std::int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// Keys [0, result) of the block can be visible to some query of rows [q0, q0 + rows); positions
// grow with the row index, so every later key is in the future of the tile's last query.
__device__ __forceinline__ int visible_key_end(const DeviceMask& m, int nk, int q0, int rows) {
  if (!m.causal) return nk;
  const std::int64_t last = floor_div(q_pos(m, q0 + rows - 1) - m.k_pos0, m.k_pos_stride);
  return last < 0 ? 0 : (last + 1 < nk ? static_cast<int>(last + 1) : nk);
}

__device__ __forceinline__ bool key_visible(const DeviceMask& m, int nk, int qi, int kj) {
  return kj < nk && (!m.causal || k_pos(m, kj) <= q_pos(m, qi));
}

// ---- data movement ---------------------------------------------------------------------------
__device__ __forceinline__ std::uint32_t smem_addr(const void* p) {
  return static_cast<std::uint32_t>(__cvta_generic_to_shared(p));
}

// 16 bytes global -> shared, asynchronous; zero-fills the destination when !valid.
__device__ __forceinline__ void cp_async16(void* smem_dst, const void* gmem_src, bool valid) {
  const int src_bytes = valid ? 16 : 0;
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_addr(smem_dst)), "l"(gmem_src),
               "r"(src_bytes));
}
__device__ __forceinline__ void cp_async_commit() {
  asm volatile("cp.async.commit_group;\n" ::);
}
template <int N>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}

__device__ __forceinline__ void ldmatrix_x4(std::uint32_t (&r)[4], const void* smem_row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_addr(smem_row)));
}
__device__ __forceinline__ void ldmatrix_x4_trans(std::uint32_t (&r)[4], const void* smem_row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_addr(smem_row)));
}

// ---- tensor cores ----------------------------------------------------------------------------
template <typename Elem>
__device__ __forceinline__ void mma_16816(float (&c)[4], const std::uint32_t (&a)[4], std::uint32_t b0,
                                          std::uint32_t b1);
template <>
__device__ __forceinline__ void mma_16816<__nv_bfloat16>(float (&c)[4], const std::uint32_t (&a)[4],
                                                         std::uint32_t b0, std::uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
template <>
__device__ __forceinline__ void mma_16816<__half>(float (&c)[4], const std::uint32_t (&a)[4],
                                                  std::uint32_t b0, std::uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// 2^x with the hardware approximation (ex2.approx: 2 ulp; -inf -> +0).
__device__ __forceinline__ float exp2_approx(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

__device__ __forceinline__ float quad_max(float x) {
  x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
  return fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
}
__device__ __forceinline__ float quad_sum(float x) {
  x += __shfl_xor_sync(0xffffffffu, x, 1);
  return x + __shfl_xor_sync(0xffffffffu, x, 2);
}

// Folds a block result (unnormalised acc with row sum l and max m_scaled = max(s) * scale, natural
// log domain) into the running state: returns the coefficients for o' = c_old * o + c_new * acc.
struct MergeCoefficients {
  float c_old, c_new, lse_new;
};
__device__ __forceinline__ MergeCoefficients merge_state(float lse_old, float m_scaled, float l) {
  const float lse_j = m_scaled + logf(l);
  const float mm = fmaxf(lse_old, lse_j);
  const float lse_new = mm + logf(expf(lse_old - mm) + expf(lse_j - mm));
  return {expf(lse_old - lse_new), expf(lse_j - lse_new) / l, lse_new};
}

}  // namespace burst::kernels::cuda
