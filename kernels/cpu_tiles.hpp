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

// Offset in elements of (batch b, row r, head h) in a BSHD view.
inline std::int64_t bshd(std::int64_t b, std::int64_t bs, std::int64_t r, std::int64_t rs, std::int64_t h,
                         std::int64_t d) noexcept {
  return b * bs + r * rs + h * d;
}

inline const void* offset(const void* base, DType t, std::int64_t elements) noexcept {
  return static_cast<const char*>(base) + elements * (t == DType::f32 ? 4 : 2);
}

}  // namespace burst::kernels::BURST_CPU_ISA_NS::cpu_detail
