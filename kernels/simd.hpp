// A 16-lane fp32 vector (GCC/Clang vector extension) and the few operations the CPU kernels need.
// In the avx512 variant of the kernels (kernels/cpu_isa.hpp) one vf is one zmm register; in the avx2
// and baseline variants the compiler splits it into narrower registers, so the code stays portable.
// Everything here lives in the namespace of the variant being compiled (BURST_CPU_ISA_NS), so the
// copies compiled for different instruction sets never meet at link time. IEEE semantics are kept (no
// -ffast-math): exp2 handles -inf (-> 0) and large negatives (-> 0) explicitly, NaN propagates.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#include "kernels/cpu_variant.hpp"

namespace burst::kernels::BURST_CPU_ISA_NS::simd {

inline constexpr int lanes = 16;

using vf = float __attribute__((vector_size(64)));                // aligned to 64 bytes
using vf_u = float __attribute__((vector_size(64), aligned(4)));  // unaligned loads/stores
using vi = std::int32_t __attribute__((vector_size(64)));

inline vf splat(float x) noexcept {
  return vf{} + x;
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
