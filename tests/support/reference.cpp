// Float64 reference attention, rounded inputs and the tolerance model (see reference.hpp).
#include "support/reference.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>

#include "kernels/dtype.hpp"

namespace burst::test {
namespace {

constexpr double neg_inf = -std::numeric_limits<double>::infinity();

bool visible(const kernels::MaskParams& m, std::int64_t i, std::int64_t j) {
  if (m.kind == kernels::MaskKind::none) return true;
  return m.k_pos0 + j * m.k_pos_stride <= m.q_pos0 + i * m.q_pos_stride;
}

void check_sizes(const AttentionShape& s, const std::vector<double>& q, const std::vector<double>& k,
                 const std::vector<double>& v) {
  if (q.size() != s.q_elems() || k.size() != s.kv_elems() || v.size() != s.kv_elems() ||
      s.heads % s.kv_heads != 0)
    throw std::invalid_argument("reference attention: tensor sizes do not match the shape");
}

// Probabilities P (nq, nk) of one (batch, head); rows without a visible key are all zero.
// Also returns lse per row.
void probabilities(const AttentionShape& s, const kernels::MaskParams& mask, double scale,
                   const std::vector<double>& q, const std::vector<double>& k, std::int64_t b, std::int64_t h,
                   std::vector<double>& p, std::vector<double>& lse) {
  const std::int64_t d = s.head_dim, hk = h / (s.heads / s.kv_heads);
  p.assign(static_cast<std::size_t>(s.nq * s.nk), 0.0);
  lse.assign(static_cast<std::size_t>(s.nq), neg_inf);
  for (std::int64_t i = 0; i < s.nq; ++i) {
    const double* qi = &q[static_cast<std::size_t>(((b * s.nq + i) * s.heads + h) * d)];
    double mx = neg_inf;
    double* row = &p[static_cast<std::size_t>(i * s.nk)];
    for (std::int64_t j = 0; j < s.nk; ++j) {
      if (!visible(mask, i, j)) {
        row[j] = neg_inf;
        continue;
      }
      const double* kj = &k[static_cast<std::size_t>(((b * s.nk + j) * s.kv_heads + hk) * d)];
      double dot = 0.0;
      for (std::int64_t c = 0; c < d; ++c) dot += qi[c] * kj[c];
      row[j] = scale * dot;
      mx = std::max(mx, row[j]);
    }
    if (mx == neg_inf) {
      std::fill(row, row + s.nk, 0.0);
      continue;
    }
    double sum = 0.0;
    for (std::int64_t j = 0; j < s.nk; ++j) sum += (row[j] = std::exp(row[j] - mx));
    for (std::int64_t j = 0; j < s.nk; ++j) row[j] /= sum;
    lse[static_cast<std::size_t>(i)] = mx + std::log(sum);
  }
}

}  // namespace

ReferenceForward reference_forward(const AttentionShape& s, const kernels::MaskParams& mask, double scale,
                                   const std::vector<double>& q, const std::vector<double>& k,
                                   const std::vector<double>& v) {
  check_sizes(s, q, k, v);
  const std::int64_t d = s.head_dim;
  ReferenceForward r{std::vector<double>(s.q_elems(), 0.0), std::vector<double>(s.lse_elems(), neg_inf)};
  std::vector<double> p, lse;
  for (std::int64_t b = 0; b < s.batch; ++b)
    for (std::int64_t h = 0; h < s.heads; ++h) {
      const std::int64_t hk = h / (s.heads / s.kv_heads);
      probabilities(s, mask, scale, q, k, b, h, p, lse);
      for (std::int64_t i = 0; i < s.nq; ++i) {
        r.lse[static_cast<std::size_t>((b * s.heads + h) * s.nq + i)] = lse[static_cast<std::size_t>(i)];
        double* o = &r.o[static_cast<std::size_t>(((b * s.nq + i) * s.heads + h) * d)];
        for (std::int64_t j = 0; j < s.nk; ++j) {
          const double pij = p[static_cast<std::size_t>(i * s.nk + j)];
          if (pij == 0.0) continue;
          const double* vj = &v[static_cast<std::size_t>(((b * s.nk + j) * s.kv_heads + hk) * d)];
          for (std::int64_t c = 0; c < d; ++c) o[c] += pij * vj[c];
        }
      }
    }
  return r;
}

ReferenceGradients reference_backward(const AttentionShape& s, const kernels::MaskParams& mask, double scale,
                                      const std::vector<double>& q, const std::vector<double>& k,
                                      const std::vector<double>& v, const std::vector<double>& dout) {
  check_sizes(s, q, k, v);
  if (dout.size() != s.q_elems()) throw std::invalid_argument("reference_backward: dout size");
  const std::int64_t d = s.head_dim;
  const ReferenceForward fwd = reference_forward(s, mask, scale, q, k, v);
  ReferenceGradients g{std::vector<double>(s.q_elems(), 0.0), std::vector<double>(s.kv_elems(), 0.0),
                       std::vector<double>(s.kv_elems(), 0.0)};
  std::vector<double> p, lse;
  auto qix = [&](std::int64_t b, std::int64_t i, std::int64_t h) {
    return static_cast<std::size_t>(((b * s.nq + i) * s.heads + h) * d);
  };
  auto kix = [&](std::int64_t b, std::int64_t j, std::int64_t hk) {
    return static_cast<std::size_t>(((b * s.nk + j) * s.kv_heads + hk) * d);
  };
  for (std::int64_t b = 0; b < s.batch; ++b)
    for (std::int64_t h = 0; h < s.heads; ++h) {
      const std::int64_t hk = h / (s.heads / s.kv_heads);
      probabilities(s, mask, scale, q, k, b, h, p, lse);
      for (std::int64_t i = 0; i < s.nq; ++i) {
        double delta = 0.0;  // D = rowsum(dout * o)
        for (std::int64_t c = 0; c < d; ++c) delta += dout[qix(b, i, h) + c] * fwd.o[qix(b, i, h) + c];
        for (std::int64_t j = 0; j < s.nk; ++j) {
          const double pij = p[static_cast<std::size_t>(i * s.nk + j)];
          if (pij == 0.0) continue;
          double dp = 0.0;
          for (std::int64_t c = 0; c < d; ++c) dp += dout[qix(b, i, h) + c] * v[kix(b, j, hk) + c];
          const double ds = pij * (dp - delta);
          for (std::int64_t c = 0; c < d; ++c) {
            g.dv[kix(b, j, hk) + c] += pij * dout[qix(b, i, h) + c];
            g.dk[kix(b, j, hk) + c] += scale * ds * q[qix(b, i, h) + c];
            g.dq[qix(b, i, h) + c] += scale * ds * k[kix(b, j, hk) + c];
          }
        }
      }
    }
  return g;
}

ReferenceForward reference_forward(std::int64_t batch, std::int64_t n, std::int64_t heads,
                                   std::int64_t kv_heads, std::int64_t head_dim, bool causal, double scale,
                                   const std::vector<double>& q, const std::vector<double>& k,
                                   const std::vector<double>& v) {
  kernels::MaskParams mask;
  mask.kind = causal ? kernels::MaskKind::causal : kernels::MaskKind::none;
  return reference_forward(AttentionShape{batch, n, n, heads, kv_heads, head_dim}, mask, scale, q, k, v);
}

ReferenceGradients reference_backward(std::int64_t batch, std::int64_t n, std::int64_t heads,
                                      std::int64_t kv_heads, std::int64_t head_dim, bool causal, double scale,
                                      const std::vector<double>& q, const std::vector<double>& k,
                                      const std::vector<double>& v, const std::vector<double>& dout) {
  kernels::MaskParams mask;
  mask.kind = causal ? kernels::MaskKind::causal : kernels::MaskKind::none;
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

namespace {
template <typename T>
double rel_error(std::span<const T> got, std::span<const double> ref) {
  if (got.size() != ref.size()) return std::numeric_limits<double>::infinity();
  double max_ref = 0.0, max_diff = 0.0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double g = static_cast<double>(got[i]), r = ref[i];
    if (std::isnan(g) || std::isnan(r)) return std::numeric_limits<double>::infinity();
    if (std::isinf(g) || std::isinf(r)) {
      if (g != r) return std::numeric_limits<double>::infinity();
      continue;
    }
    max_ref = std::max(max_ref, std::abs(r));
    max_diff = std::max(max_diff, std::abs(g - r));
  }
  return max_diff / std::max(max_ref, 1e-30);
}
}  // namespace

double max_rel_error(std::span<const float> got, std::span<const double> ref) {
  return rel_error(got, ref);
}
double max_rel_error(std::span<const double> got, std::span<const double> ref) {
  return rel_error(got, ref);
}

double allowed_error(DType dtype, double baseline_error) {
  return dtype == DType::f32 ? fp32_floor : half_multiple * baseline_error + fp32_floor;
}

}  // namespace burst::test
