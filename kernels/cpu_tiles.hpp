// Internal helpers shared by the CPU forward and backward kernels: per-thread scratch, the mask
// in tile form, and loaders that turn rows of the input dtype into padded fp32 tiles.
// Not part of the public kernel API. Compiled once per instruction-set variant (kernels/cpu_isa.hpp):
// everything lives in that variant's namespace, BURST_CPU_ISA_NS.
#pragma once

#include <cstdint>
#include <limits>

#include "kernels/attention_params.hpp"
#include "kernels/cpu_variant.hpp"
#include "kernels/dtype.hpp"
#include "kernels/simd.hpp"

namespace burst::kernels::BURST_CPU_ISA_NS::cpu_detail {

inline constexpr float neg_inf = -std::numeric_limits<float>::infinity();
inline constexpr float log2e = 1.44269504088896340736f;
inline constexpr float ln2 = 0.693147180559945309417f;

inline std::int64_t round_up(std::int64_t x, std::int64_t m) noexcept {
  return (x + m - 1) / m * m;
}

inline std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {  // b > 0
  const std::int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// Per-thread fp32 scratch, 64-byte aligned, grown on demand and reused across calls (one buffer per
// thread for every variant: kernels/cpu_dispatch.cpp, compiled for the baseline instruction set).
inline float* thread_scratch(std::int64_t floats) {
  return cpu_thread_scratch(floats);
}

#include "burst/mask_keys.inc"     // mask_keys, in this variant's namespace
#include "kernels/mask_tiles.inc"  // TileVisibility, RowRange, TileMask, in this variant's namespace

// dst (rows, ld) = src rows * mul, columns [d, ld) and rows [rows, rows_pad) zeroed.
inline void load_rows(const void* src, DType t, std::int64_t row_stride, std::int64_t rows,
                      std::int64_t rows_pad, std::int64_t d, float mul, float* dst,
                      std::int64_t ld) noexcept {
  const std::size_t esize = t == DType::f32 ? 4 : 2;
  for (std::int64_t r = 0; r < rows; ++r) {
    float* out = dst + r * ld;
    convert_to_float(static_cast<const char*>(src) + static_cast<std::size_t>(r * row_stride) * esize, t, out,
                     d);
    if (mul != 1.0f)
      for (std::int64_t c = 0; c < d; ++c) out[c] *= mul;
    for (std::int64_t c = d; c < ld; ++c) out[c] = 0.0f;
  }
  for (std::int64_t r = rows; r < rows_pad; ++r)
    for (std::int64_t c = 0; c < ld; ++c) dst[r * ld + c] = 0.0f;
}

#if defined(__AVX__) && !defined(__AVX512F__)  // the variants whose simd::lanes is 8 (avx2)
// Columns [c, c + 8) of the 8 rows `rp` (fp32), transposed: dst[(c + k) * ld + g] = rp[g][c + k].
// The classic three shuffle stages (unpack pairs, combine 64-bit halves, exchange 128-bit halves)
// instead of 64 scalar moves.
inline void transpose_8x8(const float* const* rp, std::int64_t c, float* dst, std::int64_t ld) noexcept {
  static_assert(simd::lanes == 8, "transpose_8x8 shuffles 8-lane vectors");
  using simd::vf;
  vf r[8], t[8], u[8];
  for (int g = 0; g < 8; ++g) r[g] = simd::load(rp[g] + c);
  for (int g = 0; g < 8; g += 2) {
    t[g] = __builtin_shufflevector(r[g], r[g + 1], 0, 8, 1, 9, 4, 12, 5, 13);        // unpacklo
    t[g + 1] = __builtin_shufflevector(r[g], r[g + 1], 2, 10, 3, 11, 6, 14, 7, 15);  // unpackhi
  }
  for (int h = 0; h < 8; h += 4) {  // rows h..h+3: u[h + k] holds columns k (low half) and k + 4
    u[h + 0] = __builtin_shufflevector(t[h], t[h + 2], 0, 1, 8, 9, 4, 5, 12, 13);
    u[h + 1] = __builtin_shufflevector(t[h], t[h + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    u[h + 2] = __builtin_shufflevector(t[h + 1], t[h + 3], 0, 1, 8, 9, 4, 5, 12, 13);
    u[h + 3] = __builtin_shufflevector(t[h + 1], t[h + 3], 2, 3, 10, 11, 6, 7, 14, 15);
  }
  for (int k = 0; k < 4; ++k) {
    simd::store(dst + (c + k) * ld, __builtin_shufflevector(u[k], u[k + 4], 0, 1, 2, 3, 8, 9, 10, 11));
    simd::store(dst + (c + k + 4) * ld, __builtin_shufflevector(u[k], u[k + 4], 4, 5, 6, 7, 12, 13, 14, 15));
  }
}

// dst (d, ld) columns [0, r) = transpose of the first r fp32 rows of src, r = rows rounded down to 8;
// returns r.
inline std::int64_t transpose_rows_by_8(const void* src, std::int64_t row_stride, std::int64_t rows,
                                        std::int64_t d, float* dst, std::int64_t ld) noexcept {
  std::int64_t r = 0;
  for (; r + 8 <= rows; r += 8) {
    const float* rp[8];
    for (std::int64_t g = 0; g < 8; ++g) rp[g] = static_cast<const float*>(src) + (r + g) * row_stride;
    std::int64_t c = 0;
    for (; c + 8 <= d; c += 8) transpose_8x8(rp, c, dst + r, ld);
    for (; c < d; ++c)
      for (std::int64_t g = 0; g < 8; ++g) dst[c * ld + r + g] = rp[g][c];
  }
  return r;
}
#define BURST_CPU_TRANSPOSE_8X8 1
#endif

// dst (d, ld) = transpose of src rows (rows, d); columns [rows, ld) zeroed. `tmp` holds d floats.
inline void load_transposed(const void* src, DType t, std::int64_t row_stride, std::int64_t rows,
                            std::int64_t d, float* dst, std::int64_t ld, float* tmp) noexcept {
  const std::size_t esize = t == DType::f32 ? 4 : 2;
  std::int64_t r = 0;
  if (t == DType::f32) {
    // 16 rows at a time: each column's 16 values fill one 64-byte line of dst, and the 16 source
    // rows' lines stay in L1 across consecutive columns. A row at a time wrote d lines per row,
    // ld * 4 bytes apart (the forward spent about 40% of its time here at d = 128).
    constexpr std::int64_t group = 16;
#ifdef BURST_CPU_TRANSPOSE_8X8
    r = transpose_rows_by_8(src, row_stride, rows, d, dst, ld);  // avx2; the rows left go on below
#endif
    for (; r + group <= rows; r += group) {
      const float* rp[group];
      for (std::int64_t g = 0; g < group; ++g)
        rp[g] = reinterpret_cast<const float*>(static_cast<const char*>(src) +
                                               static_cast<std::size_t>((r + g) * row_stride) * esize);
      for (std::int64_t c = 0; c < d; ++c) {
        float* out = dst + c * ld + r;
        for (std::int64_t g = 0; g < group; ++g) out[g] = rp[g][c];
      }
    }
  }
  for (; r < rows; ++r) {
    const char* p = static_cast<const char*>(src) + static_cast<std::size_t>(r * row_stride) * esize;
    const float* row = reinterpret_cast<const float*>(p);
    if (t != DType::f32) {
      convert_to_float(p, t, tmp, d);
      row = tmp;
    }
    for (std::int64_t c = 0; c < d; ++c) dst[c * ld + r] = row[c];
  }
  for (std::int64_t c = 0; c < d; ++c)
    for (std::int64_t z = rows; z < ld; ++z) dst[c * ld + z] = 0.0f;
}

// Share `part` of `parts` of the 64-byte lines of [p, p + bytes) requested into L2 (prefetcht1): a
// kernel spreads the next tile's lines over the rows of its current softmax, so they arrive from L3
// or memory while it computes instead of stalling its next products. A null p requests nothing.
inline void prefetch_share(const void* p, std::int64_t bytes, std::int64_t part,
                           std::int64_t parts) noexcept {
  if (p == nullptr) return;
  const std::int64_t lines = (bytes + 63) / 64;
  const char* c = static_cast<const char*>(p);
  for (std::int64_t x = part * lines / parts; x < (part + 1) * lines / parts; ++x)
    __builtin_prefetch(c + x * 64, 0, 2);
}

// Offset in elements of (batch b, row r, head h) in a BSHD view.
inline std::int64_t bshd(std::int64_t b, std::int64_t bs, std::int64_t r, std::int64_t rs, std::int64_t h,
                         std::int64_t d) noexcept {
  return b * bs + r * rs + h * d;
}

inline const void* offset(const void* base, DType t, std::int64_t elements) noexcept {
  return static_cast<const char*>(base) + elements * (t == DType::f32 ? 4 : 2);
}

}  // namespace burst::kernels::BURST_CPU_ISA_NS::cpu_detail
