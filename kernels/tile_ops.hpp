// Register-blocked fp32 micro-kernels on contiguous scratch tiles, the two products every attention
// tile needs. Column counts are multiples of simd::lanes (the callers pad their tiles with zeros).
//
//   gemm_nt : s (rows, cols)  = a (rows, depth) * bt (depth, cols)          bt is the transposed B
//   gemm_acc: c (rows, cols) += a (rows, depth) * b (depth, cols)           a read with any strides
//
// Each micro-kernel keeps an R x NV block of 16-lane accumulators in registers (R <= 4 rows, NV <= 4
// vectors = 64 columns: 16 zmm registers), broadcasts one element of `a` per row and depth step and
// loads NV vectors of the B operand, so the inner loop is R*NV fused multiply-adds per NV loads.
#pragma once

#include <cstdint>

#include "kernels/simd.hpp"

namespace burst::kernels::BURST_CPU_ISA_NS::tile {

using simd::vf;

template <int R, int NV>
void gemm_nt_block(const float* a, std::int64_t lda, const float* bt, std::int64_t ldb, std::int64_t depth,
                   float* s, std::int64_t lds) noexcept {
  vf acc[R][NV];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = simd::splat(0.0f);
  for (std::int64_t c = 0; c < depth; ++c) {
    vf b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) b[v] = simd::load(bt + c * ldb + v * simd::lanes);
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const vf ar = simd::splat(a[r * lda + c]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] += ar * b[v];
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) simd::store(s + r * lds + v * simd::lanes, acc[r][v]);
}

template <int R, int NV>
void gemm_acc_block(const float* a, std::int64_t a_row, std::int64_t a_col, const float* b, std::int64_t ldb,
                    std::int64_t depth, float* c, std::int64_t ldc) noexcept {
  vf acc[R][NV];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = simd::load(c + r * ldc + v * simd::lanes);
  for (std::int64_t k = 0; k < depth; ++k) {
    vf bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = simd::load(b + k * ldb + v * simd::lanes);
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const vf ar = simd::splat(a[r * a_row + k * a_col]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] += ar * bv[v];
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) simd::store(c + r * ldc + v * simd::lanes, acc[r][v]);
}

namespace detail {
using nt_fn = void (*)(const float*, std::int64_t, const float*, std::int64_t, std::int64_t, float*,
                       std::int64_t) noexcept;
using acc_fn = void (*)(const float*, std::int64_t, std::int64_t, const float*, std::int64_t, std::int64_t,
                        float*, std::int64_t) noexcept;

template <int R>
constexpr nt_fn nt_table[4] = {&gemm_nt_block<R, 1>, &gemm_nt_block<R, 2>, &gemm_nt_block<R, 3>,
                               &gemm_nt_block<R, 4>};
template <int R>
constexpr acc_fn acc_table[4] = {&gemm_acc_block<R, 1>, &gemm_acc_block<R, 2>, &gemm_acc_block<R, 3>,
                                 &gemm_acc_block<R, 4>};

inline nt_fn pick_nt(int r, int nv) noexcept {
  switch (r) {
    case 1:
      return nt_table<1>[nv - 1];
    case 2:
      return nt_table<2>[nv - 1];
    case 3:
      return nt_table<3>[nv - 1];
    default:
      return nt_table<4>[nv - 1];
  }
}
inline acc_fn pick_acc(int r, int nv) noexcept {
  switch (r) {
    case 1:
      return acc_table<1>[nv - 1];
    case 2:
      return acc_table<2>[nv - 1];
    case 3:
      return acc_table<3>[nv - 1];
    default:
      return acc_table<4>[nv - 1];
  }
}
}  // namespace detail

// s (rows, cols) = a (rows, depth) * bt (depth, cols); cols % lanes == 0.
inline void gemm_nt(std::int64_t rows, std::int64_t cols, std::int64_t depth, const float* a,
                    std::int64_t lda, const float* bt, std::int64_t ldb, float* s,
                    std::int64_t lds) noexcept {
  for (std::int64_t r0 = 0; r0 < rows; r0 += 4) {
    const int r = static_cast<int>(rows - r0 < 4 ? rows - r0 : 4);
    for (std::int64_t c0 = 0; c0 < cols; c0 += 4 * simd::lanes) {
      const std::int64_t left = (cols - c0) / simd::lanes;
      const int nv = static_cast<int>(left < 4 ? left : 4);
      detail::pick_nt(r, nv)(a + r0 * lda, lda, bt + c0, ldb, depth, s + r0 * lds + c0, lds);
    }
  }
}

// c (rows, cols) += a (rows, depth) * b (depth, cols), a[r][k] at a[r * a_row + k * a_col];
// cols % lanes == 0.
inline void gemm_acc(std::int64_t rows, std::int64_t cols, std::int64_t depth, const float* a,
                     std::int64_t a_row, std::int64_t a_col, const float* b, std::int64_t ldb, float* c,
                     std::int64_t ldc) noexcept {
  for (std::int64_t r0 = 0; r0 < rows; r0 += 4) {
    const int r = static_cast<int>(rows - r0 < 4 ? rows - r0 : 4);
    for (std::int64_t c0 = 0; c0 < cols; c0 += 4 * simd::lanes) {
      const std::int64_t left = (cols - c0) / simd::lanes;
      const int nv = static_cast<int>(left < 4 ? left : 4);
      detail::pick_acc(r, nv)(a + r0 * a_row, a_row, a_col, b + c0, ldb, depth, c + r0 * ldc + c0, ldc);
    }
  }
}

}  // namespace burst::kernels::BURST_CPU_ISA_NS::tile
