// Bulk conversions between the input dtypes and fp32 (see dtype.hpp for the rounding rules).
#include "kernels/dtype.hpp"

namespace burst::kernels {

void convert_to_float(const void* src, DType t, float* dst, std::int64_t count) noexcept {
  switch (t) {
    case DType::f32:
      std::memcpy(dst, src, static_cast<std::size_t>(count) * sizeof(float));
      return;
    case DType::f16: {
      const auto* s = static_cast<const std::uint16_t*>(src);
      for (std::int64_t i = 0; i < count; ++i) dst[i] = fp16_to_float(s[i]);
      return;
    }
    case DType::bf16: {
      const auto* s = static_cast<const std::uint16_t*>(src);
      for (std::int64_t i = 0; i < count; ++i) dst[i] = bf16_to_float(s[i]);
      return;
    }
  }
}

void convert_from_float(const float* src, void* dst, DType t, std::int64_t count) noexcept {
  switch (t) {
    case DType::f32:
      std::memcpy(dst, src, static_cast<std::size_t>(count) * sizeof(float));
      return;
    case DType::f16: {
      auto* d = static_cast<std::uint16_t*>(dst);
      for (std::int64_t i = 0; i < count; ++i) d[i] = float_to_fp16(src[i]);
      return;
    }
    case DType::bf16: {
      auto* d = static_cast<std::uint16_t*>(dst);
      for (std::int64_t i = 0; i < count; ++i) d[i] = float_to_bf16(src[i]);
      return;
    }
  }
}

}  // namespace burst::kernels
