// Register-blocked fp32 micro-kernels on contiguous scratch tiles, the two products every attention
// tile needs. Column counts are multiples of simd::lanes (the callers pad their tiles with zeros).
//
//   gemm_nt : s (rows, cols)  = a (rows, depth) * bt (depth, cols)          bt is the transposed B
//   gemm_acc: c (rows, cols) += a (rows, depth) * b (depth, cols)           a read with any strides
//
// Each micro-kernel keeps an R x NV block of accumulator vectors in registers, broadcasts one
// element of `a` per row and depth step and loads NV vectors of the B operand, so the inner loop is
// R*NV fused multiply-adds per NV loads and R broadcasts. The block is sized to the variant's
// register file (simd::registers; R*NV accumulators + NV operands + 1 broadcast must fit):
//   avx512 (32 zmm): 4 x 4 vectors of 16 = 4 rows x 64 columns, 21 registers;
//   avx2 and baseline (16 ymm / xmm): 6 x 2 vectors = 6 rows x 16 (avx2) or 8 columns, 15 registers
// (the layout of the classic 6 x 16 AVX2 sgemm kernel). Every output element is still the sum over
// `depth` in ascending order, so the block shape does not change any result.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "kernels/simd.hpp"

namespace burst::kernels::BURST_CPU_ISA_NS::tile {

using simd::vf;

#if defined(__AVX512F__)
inline constexpr int max_rows = 4, max_vecs = 4;
#else
inline constexpr int max_rows = 6, max_vecs = 2;
#endif
static_assert(max_rows * max_vecs + max_vecs + 1 <= simd::registers,
              "the micro-kernel block must fit in registers");

template <int R, int NV>
void gemm_nt_block(const float* a, std::int64_t lda, const float* bt, std::int64_t ldb, std::int64_t depth,
                   float* s, std::int64_t lds) noexcept {
  vf acc[R][NV];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) acc[r][v] = simd::splat(0.0f);
  for (std::int64_t c = 0; c < depth; ++c) {
    vf b[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) b[v] = simd::load(bt + c * ldb + v * simd::lanes);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const vf ar = simd::splat(a[r * lda + c]);
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[r][v] += ar * b[v];
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) simd::store(s + r * lds + v * simd::lanes, acc[r][v]);
}

template <int R, int NV>
void gemm_acc_block(const float* a, std::int64_t a_row, std::int64_t a_col, const float* b, std::int64_t ldb,
                    std::int64_t depth, float* c, std::int64_t ldc) noexcept {
  vf acc[R][NV];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) acc[r][v] = simd::load(c + r * ldc + v * simd::lanes);
  for (std::int64_t k = 0; k < depth; ++k) {
    vf bv[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) bv[v] = simd::load(b + k * ldb + v * simd::lanes);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const vf ar = simd::splat(a[r * a_row + k * a_col]);
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[r][v] += ar * bv[v];
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) simd::store(c + r * ldc + v * simd::lanes, acc[r][v]);
}

namespace detail {
using nt_fn = void (*)(const float*, std::int64_t, const float*, std::int64_t, std::int64_t, float*,
                       std::int64_t) noexcept;
using acc_fn = void (*)(const float*, std::int64_t, std::int64_t, const float*, std::int64_t, std::int64_t,
                        float*, std::int64_t) noexcept;

// fns[r - 1][nv - 1]: the R = r, NV = nv micro-kernel, for every block up to max_rows x max_vecs.
template <int R, std::size_t... V>
constexpr std::array<nt_fn, sizeof...(V)> nt_row(std::index_sequence<V...> /*unused*/) {
  return {&gemm_nt_block<R, static_cast<int>(V) + 1>...};
}
template <std::size_t... R>
constexpr std::array<std::array<nt_fn, max_vecs>, sizeof...(R)> nt_all(std::index_sequence<R...> /*unused*/) {
  return {nt_row<static_cast<int>(R) + 1>(std::make_index_sequence<max_vecs>{})...};
}
template <int R, std::size_t... V>
constexpr std::array<acc_fn, sizeof...(V)> acc_row(std::index_sequence<V...> /*unused*/) {
  return {&gemm_acc_block<R, static_cast<int>(V) + 1>...};
}
template <std::size_t... R>
constexpr std::array<std::array<acc_fn, max_vecs>, sizeof...(R)> acc_all(
    std::index_sequence<R...> /*unused*/) {
  return {acc_row<static_cast<int>(R) + 1>(std::make_index_sequence<max_vecs>{})...};
}
inline constexpr auto nt_fns = nt_all(std::make_index_sequence<max_rows>{});
inline constexpr auto acc_fns = acc_all(std::make_index_sequence<max_rows>{});

inline nt_fn pick_nt(int r, int nv) noexcept {
  return nt_fns[static_cast<std::size_t>(r - 1)][static_cast<std::size_t>(nv - 1)];
}
inline acc_fn pick_acc(int r, int nv) noexcept {
  return acc_fns[static_cast<std::size_t>(r - 1)][static_cast<std::size_t>(nv - 1)];
}
}  // namespace detail

// s (rows, cols) = a (rows, depth) * bt (depth, cols); cols % lanes == 0.
inline void gemm_nt(std::int64_t rows, std::int64_t cols, std::int64_t depth, const float* a,
                    std::int64_t lda, const float* bt, std::int64_t ldb, float* s,
                    std::int64_t lds) noexcept {
  for (std::int64_t r0 = 0; r0 < rows; r0 += max_rows) {
    const int r = static_cast<int>(rows - r0 < max_rows ? rows - r0 : max_rows);
    for (std::int64_t c0 = 0; c0 < cols; c0 += max_vecs * simd::lanes) {
      const std::int64_t left = (cols - c0) / simd::lanes;
      const int nv = static_cast<int>(left < max_vecs ? left : max_vecs);
      detail::pick_nt(r, nv)(a + r0 * lda, lda, bt + c0, ldb, depth, s + r0 * lds + c0, lds);
    }
  }
}

// c (rows, cols) += a (rows, depth) * b (depth, cols), a[r][k] at a[r * a_row + k * a_col];
// cols % lanes == 0.
inline void gemm_acc(std::int64_t rows, std::int64_t cols, std::int64_t depth, const float* a,
                     std::int64_t a_row, std::int64_t a_col, const float* b, std::int64_t ldb, float* c,
                     std::int64_t ldc) noexcept {
  for (std::int64_t r0 = 0; r0 < rows; r0 += max_rows) {
    const int r = static_cast<int>(rows - r0 < max_rows ? rows - r0 : max_rows);
    for (std::int64_t c0 = 0; c0 < cols; c0 += max_vecs * simd::lanes) {
      const std::int64_t left = (cols - c0) / simd::lanes;
      const int nv = static_cast<int>(left < max_vecs ? left : max_vecs);
      detail::pick_acc(r, nv)(a + r0 * a_row, a_row, a_col, b + c0, ldb, depth, c + r0 * ldc + c0, ldc);
    }
  }
}

}  // namespace burst::kernels::BURST_CPU_ISA_NS::tile
