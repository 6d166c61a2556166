// The fp32 vector of the CPU kernels (GCC/Clang vector extension) at the native width of the
// variant being compiled (kernels/cpu_isa.hpp): 16 lanes (one zmm) for avx512, 8 (one ymm) for avx2,
// 4 (one xmm, or one NEON register) for baseline, and the few operations the kernels need. A vector
// wider than the hardware's would not be split into registers by GCC but kept in memory (a 16-lane
// vector under -mavx2 ran the forward at 1 GFLOP/s, 20x below avx512: bench/results/cpu-dispatch.md).
// Everything here lives in the namespace of the variant being compiled (BURST_CPU_ISA_NS), so the
// copies compiled for different instruction sets never meet at link time. IEEE semantics are kept (no
// -ffast-math): exp2 handles -inf (-> 0) and large negatives (-> 0) explicitly, NaN propagates.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#include "kernels/cpu_variant.hpp"

namespace burst::kernels::BURST_CPU_ISA_NS::simd {

#if defined(__AVX512F__)
inline constexpr int lanes = 16;
inline constexpr int registers = 32;  // zmm0..31
#elif defined(__AVX__)
inline constexpr int lanes = 8;
inline constexpr int registers = 16;  // ymm0..15
#else
inline constexpr int lanes = 4;
inline constexpr int registers = 16;  // xmm0..15 (x86-64), at least 16 elsewhere
#endif

using vf = float __attribute__((vector_size(4 * lanes)));                // aligned to its size
using vf_u = float __attribute__((vector_size(4 * lanes), aligned(4)));  // unaligned loads/stores
using vi = std::int32_t __attribute__((vector_size(4 * lanes)));

// x in every lane. x - 0 is x for every x (-0 and NaN included), so the compiler folds it to a plain
// broadcast (vbroadcastss, from memory where x is loaded); vf{} + x would cost an add per splat,
// because 0 + -0 is +0 (in the micro-kernels' inner loop: one vaddss per row and depth step).
inline vf splat(float x) noexcept {
  return x - vf{};
}

inline vf load(const float* p) noexcept {
  return *reinterpret_cast<const vf_u*>(p);
}
inline void store(float* p, vf v) noexcept {
  *reinterpret_cast<vf_u*>(p) = v;
}

inline vf max(vf a, vf b) noexcept {
  return a > b ? a : b;
}

// 2^x, lane-wise, to about 1 ulp on [-126, 128). x < -126 (including -inf) gives +0; x >= 128 gives
// +inf; NaN gives NaN. Range reduction x = n + f with |f| <= 1/2 and a degree-7 Taylor polynomial of
// 2^f (truncation error (ln2/2)^8/8! ~ 5e-9 relative).
inline vf exp2(vf x) noexcept {
  const vf magic = splat(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
  const vf xc = x < splat(-126.0f) ? splat(-126.0f) : (x > splat(128.0f) ? splat(128.0f) : x);
  const vf t = xc + magic;
  const vf n = t - magic;
  const vf f = xc - n;
  constexpr float l1 = 0.693147180559945309f, l2 = 0.240226506959100712f, l3 = 0.0555041086648215800f,
                  l4 = 0.00961812910762847717f, l5 = 0.00133335581464284434f, l6 = 0.000154035303933816100f,
                  l7 = 1.52527338040598403e-05f;
  vf p = splat(l7);
  p = p * f + l6;
  p = p * f + l5;
  p = p * f + l4;
  p = p * f + l3;
  p = p * f + l2;
  p = p * f + l1;
  p = p * f + 1.0f;
  // 2^n as bits: (n + 127) << 23; n in [-126, 128]; n = 128 handled by splitting 2^n = 2^(n-1) * 2.
  vi ni;
  std::memcpy(&ni, &t, sizeof(vi));
  ni = ni - std::bit_cast<std::int32_t>(12582912.0f);  // integer n
  const vi big = ni > 127;
  ni = ni - (big & 1);
  const vi bits = (ni + 127) << 23;
  vf scale;
  std::memcpy(&scale, &bits, sizeof(vf));
  vf r = p * scale;
  r = big ? r * 2.0f : r;
  r = x < splat(-126.0f) ? splat(0.0f) : r;
  return x != x ? x : r;  // NaN stays NaN
}

inline float hsum(vf v) noexcept {
  float s = 0.0f;
  for (int i = 0; i < lanes; ++i) s += v[i];
  return s;
}

inline float hmax(vf v) noexcept {
  float m = v[0];
  for (int i = 1; i < lanes; ++i) m = v[i] > m ? v[i] : m;
  return m;
}

}  // namespace burst::kernels::BURST_CPU_ISA_NS::simd
