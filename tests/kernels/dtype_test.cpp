// fp16/bf16 <-> fp32 conversions: exact round trips, rounding to even, subnormals, inf and NaN.
#include "kernels/dtype.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace burst::kernels {
namespace {

TEST(KernelsDtype, Fp16EveryFiniteValueRoundTrips) {
  for (std::uint32_t h = 0; h < 0x10000u; ++h) {
    const auto bits = static_cast<std::uint16_t>(h);
    const float f = fp16_to_float(bits);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(fp16_to_float(float_to_fp16(f)))) << h;
      continue;
    }
    ASSERT_EQ(float_to_fp16(f), bits) << "fp16 bits " << h;
  }
}

TEST(KernelsDtype, Bf16EveryValueRoundTrips) {
  for (std::uint32_t h = 0; h < 0x10000u; ++h) {
    const auto bits = static_cast<std::uint16_t>(h);
    const float f = bf16_to_float(bits);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(f))));
      continue;
    }
    ASSERT_EQ(float_to_bf16(f), bits) << "bf16 bits " << h;
  }
}

TEST(KernelsDtype, Fp16RoundsToNearestEven) {
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to the even mantissa (1.0).
  EXPECT_EQ(float_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3c00u);
  // 1 + 3 * 2^-11 is halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even).
  EXPECT_EQ(float_to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02u);
  // Just above halfway rounds up.
  EXPECT_EQ(float_to_fp16(std::nextafter(1.0f + std::ldexp(1.0f, -11), 2.0f)), 0x3c01u);
  EXPECT_EQ(float_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80u);
  EXPECT_EQ(float_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82u);
}

TEST(KernelsDtype, Fp16SubnormalsOverflowAndSpecials) {
  EXPECT_EQ(fp16_to_float(0x0001u), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(fp16_to_float(0x03ffu), 1023 * std::ldexp(1.0f, -24));
  EXPECT_EQ(float_to_fp16(std::ldexp(1.0f, -24)), 0x0001u);
  EXPECT_EQ(float_to_fp16(std::ldexp(1.0f, -25)), 0x0000u);      // tie -> even (0)
  EXPECT_EQ(float_to_fp16(3 * std::ldexp(1.0f, -25)), 0x0002u);  // tie -> even (2)
  EXPECT_EQ(float_to_fp16(-std::ldexp(1.0f, -24)), 0x8001u);
  EXPECT_EQ(float_to_fp16(65504.0f), 0x7bffu);  // max finite
  EXPECT_EQ(float_to_fp16(65519.0f), 0x7bffu);  // rounds down
  EXPECT_EQ(float_to_fp16(65520.0f), 0x7c00u);  // rounds to inf
  EXPECT_EQ(float_to_fp16(std::numeric_limits<float>::infinity()), 0x7c00u);
  EXPECT_EQ(float_to_fp16(-std::numeric_limits<float>::infinity()), 0xfc00u);
  EXPECT_TRUE(std::isnan(fp16_to_float(float_to_fp16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_TRUE(std::isinf(fp16_to_float(0x7c00u)));
  EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_EQ(float_to_bf16(std::numeric_limits<float>::infinity()), 0x7f80u);
  EXPECT_EQ(float_to_bf16(std::numeric_limits<float>::max()), 0x7f80u);  // overflow -> inf
}

TEST(KernelsDtype, BulkConversionsMatchScalarOnes) {
  std::vector<float> src = {0.0f, -0.0f, 1.0f, -2.5f, 3.14159f, 1e-6f, 7e4f, 1e-30f};
  for (DType t : {DType::f32, DType::f16, DType::bf16}) {
    std::vector<std::uint16_t> half(src.size());
    std::vector<float> raw(src.size()), back(src.size());
    void* dst = t == DType::f32 ? static_cast<void*>(raw.data()) : static_cast<void*>(half.data());
    convert_from_float(src.data(), dst, t, static_cast<std::int64_t>(src.size()));
    convert_to_float(dst, t, back.data(), static_cast<std::int64_t>(src.size()));
    for (std::size_t i = 0; i < src.size(); ++i) {
      float expect = src[i];
      if (t == DType::f16) expect = fp16_to_float(float_to_fp16(src[i]));
      if (t == DType::bf16) expect = bf16_to_float(float_to_bf16(src[i]));
      EXPECT_EQ(back[i], expect) << "dtype " << static_cast<int>(t) << " index " << i;
    }
  }
}

}  // namespace
}  // namespace burst::kernels
