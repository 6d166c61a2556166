// Element conversions between the input dtypes (fp32, fp16, bf16) and fp32, on the host.
// Round-to-nearest-even in both directions; NaN stays NaN, overflow goes to infinity.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#include "burst/types.hpp"

namespace burst::kernels {

inline float bf16_to_float(std::uint16_t h) noexcept {
  return std::bit_cast<float>(std::uint32_t(h) << 16);
}

inline std::uint16_t float_to_bf16(float f) noexcept {
  std::uint32_t u = std::bit_cast<std::uint32_t>(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40u);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<std::uint16_t>(u >> 16);
}

inline float fp16_to_float(std::uint16_t h) noexcept {
  const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu;
  const std::uint32_t man = h & 0x3ffu;
  if (exp == 0) {
    if (man == 0) return std::bit_cast<float>(sign);
    // subnormal: value = man * 2^-24
    const float v = static_cast<float>(man) * 5.9604644775390625e-08f;
    return sign ? -v : v;
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (man << 13));
  return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (man << 13));
}

inline std::uint16_t float_to_fp16(float f) noexcept {
  const std::uint32_t u = std::bit_cast<std::uint32_t>(f);
  const std::uint16_t sign = static_cast<std::uint16_t>((u >> 16) & 0x8000u);
  const std::uint32_t abs = u & 0x7fffffffu;
  if (abs > 0x7f800000u) return sign | 0x7e00u;   // NaN
  if (abs >= 0x477ff000u) return sign | 0x7c00u;  // rounds to >= 65520: infinity
  if (abs < 0x38800000u) {                        // below the smallest normal 2^-14
    const float a = std::bit_cast<float>(abs);
    // subnormal halves are multiples of 2^-24; nearbyint-style round to even
    const float scaled = a * 16777216.0f;  // a / 2^-24
    std::uint32_t m = static_cast<std::uint32_t>(scaled);
    const float rem = scaled - static_cast<float>(m);
    if (rem > 0.5f || (rem == 0.5f && (m & 1u))) ++m;
    return static_cast<std::uint16_t>(sign | m);
  }
  std::uint32_t v = abs - 0x38000000u;  // rebias exponent 127 -> 15
  v += 0xfffu + ((v >> 13) & 1u);       // round to nearest even at bit 13
  return static_cast<std::uint16_t>(sign | (v >> 13));
}

inline float load_as_float(const void* base, std::int64_t index, DType t) noexcept {
  switch (t) {
    case DType::f32:
      return static_cast<const float*>(base)[index];
    case DType::f16:
      return fp16_to_float(static_cast<const std::uint16_t*>(base)[index]);
    case DType::bf16:
      return bf16_to_float(static_cast<const std::uint16_t*>(base)[index]);
  }
  return 0.0f;
}

inline void store_from_float(void* base, std::int64_t index, DType t, float value) noexcept {
  switch (t) {
    case DType::f32:
      static_cast<float*>(base)[index] = value;
      return;
    case DType::f16:
      static_cast<std::uint16_t*>(base)[index] = float_to_fp16(value);
      return;
    case DType::bf16:
      static_cast<std::uint16_t*>(base)[index] = float_to_bf16(value);
      return;
  }
}

// Converts `count` contiguous elements.
void convert_to_float(const void* src, DType t, float* dst, std::int64_t count) noexcept;
void convert_from_float(const float* src, void* dst, DType t, std::int64_t count) noexcept;

}  // namespace burst::kernels
