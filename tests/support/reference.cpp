// The tests' names for libburst's float64 reference, and rounded inputs (see reference.hpp).
#include "support/reference.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>

#include "kernels/dtype.hpp"

namespace burst::test {

ReferenceForward reference_forward(const AttentionShape& s, const kernels::MaskParams& mask, double scale,
                                   const std::vector<double>& q, const std::vector<double>& k,
                                   const std::vector<double>& v) {
  return reference::forward(s, mask, scale, q, k, v);
}

ReferenceGradients reference_backward(const AttentionShape& s, const kernels::MaskParams& mask, double scale,
                                      const std::vector<double>& q, const std::vector<double>& k,
                                      const std::vector<double>& v, const std::vector<double>& dout) {
  return reference::backward(s, mask, scale, q, k, v, dout, reference::forward(s, mask, scale, q, k, v));
}

ReferenceForward reference_forward(std::int64_t batch, std::int64_t n, std::int64_t heads,
                                   std::int64_t kv_heads, std::int64_t head_dim, bool causal, double scale,
                                   const std::vector<double>& q, const std::vector<double>& k,
                                   const std::vector<double>& v) {
  kernels::MaskParams mask;
  mask.kind = causal ? kernels::MaskMode::causal : kernels::MaskMode::none;
  return reference_forward(AttentionShape{batch, n, n, heads, kv_heads, head_dim}, mask, scale, q, k, v);
}

ReferenceGradients reference_backward(std::int64_t batch, std::int64_t n, std::int64_t heads,
                                      std::int64_t kv_heads, std::int64_t head_dim, bool causal, double scale,
                                      const std::vector<double>& q, const std::vector<double>& k,
                                      const std::vector<double>& v, const std::vector<double>& dout) {
  kernels::MaskParams mask;
  mask.kind = causal ? kernels::MaskMode::causal : kernels::MaskMode::none;
  return reference_backward(AttentionShape{batch, n, n, heads, kv_heads, head_dim}, mask, scale, q, k, v,
                            dout);
}

std::vector<double> round_to(const std::vector<double>& values, DType dtype) {
  std::vector<double> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto f = static_cast<float>(values[i]);
    switch (dtype) {
      case DType::f32:
        out[i] = f;
        break;
      case DType::f16:
        out[i] = kernels::fp16_to_float(kernels::float_to_fp16(f));
        break;
      case DType::bf16:
        out[i] = kernels::bf16_to_float(kernels::float_to_bf16(f));
        break;
    }
  }
  return out;
}

std::vector<double> random_values(std::size_t count, DType dtype, std::uint64_t seed, double lo, double hi) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<float> dist(static_cast<float>(lo), static_cast<float>(hi));
  std::vector<double> v(count);
  for (auto& x : v) x = dist(gen);
  return round_to(v, dtype);
}

std::vector<std::uint8_t> to_dtype_bytes(const std::vector<double>& values, DType dtype) {
  const std::size_t esize = dtype == DType::f32 ? 4 : 2;
  std::vector<std::uint8_t> out(values.size() * esize);
  const std::vector<float> f = to_float(values);
  kernels::convert_from_float(f.data(), out.data(), dtype, static_cast<std::int64_t>(f.size()));
  return out;
}

std::vector<float> to_float(const std::vector<double>& values) {
  return std::vector<float>(values.begin(), values.end());
}

}  // namespace burst::test
