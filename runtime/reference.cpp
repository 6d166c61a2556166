// Float64 reference attention, row by row, and the accuracy model (see reference.hpp).
#include "runtime/reference.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <thread>

#include "burst/error.hpp"

namespace burst::reference {
namespace {

constexpr double neg_inf = -std::numeric_limits<double>::infinity();

// Written from the rule itself (burst/mask.hpp), pair by pair, not from the kernels' tile logic.
bool visible(const kernels::MaskParams& m, std::int64_t i, std::int64_t j) {
  const std::int64_t qp = m.q_pos0 + i * m.q_pos_stride, kp = m.k_pos0 + j * m.k_pos_stride;
  switch (m.kind) {
    case kernels::MaskMode::none:
      return true;
    case kernels::MaskMode::causal:
      return kp <= qp;
    case kernels::MaskMode::bounded:
      return m.rule.visible(qp, kp);
  }
  return true;
}

void check_sizes(const Dims& s, std::span<const double> q, std::span<const double> k,
                 std::span<const double> v) {
  BURST_REQUIRE(s.kv_heads > 0 && s.heads % s.kv_heads == 0,
                "reference attention: heads must be a multiple of kv_heads");
  BURST_REQUIRE(q.size() == s.q_elems() && k.size() == s.kv_elems() && v.size() == s.kv_elems(),
                "reference attention: tensor sizes do not match the shape");
}

struct Index {
  const Dims& s;
  std::size_t q(std::int64_t b, std::int64_t i, std::int64_t h) const {
    return static_cast<std::size_t>(((b * s.nq + i) * s.heads + h) * s.head_dim);
  }
  std::size_t k(std::int64_t b, std::int64_t j, std::int64_t hk) const {
    return static_cast<std::size_t>(((b * s.nk + j) * s.kv_heads + hk) * s.head_dim);
  }
  std::size_t lse(std::int64_t b, std::int64_t h, std::int64_t i) const {
    return static_cast<std::size_t>((b * s.heads + h) * s.nq + i);
  }
};

// Dot product with four independent partial sums: a fixed order (the result does not depend on
// the compiler) that vectorises without reassociating.
[[gnu::always_inline]] inline double dot(const double* __restrict a, const double* __restrict b,
                                         std::int64_t d) {
  double acc[4] = {0.0, 0.0, 0.0, 0.0};
  std::int64_t c = 0;
  for (; c + 4 <= d; c += 4)
    for (int l = 0; l < 4; ++l) acc[l] += a[c + l] * b[c + l];
  double sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  for (; c < d; ++c) sum += a[c] * b[c];
  return sum;
}

// out[c] += sum over n (ascending) of w[n * w_stride] * rows[n * d + c], skipping zero weights
// (masked pairs, gathered first). Sixteen columns at a time stay in registers, so each term costs
// one load.
void add_weighted_rows(double* __restrict out, const double* __restrict w, std::int64_t w_stride,
                       const double* __restrict rows, std::int64_t count, std::int64_t d) {
  thread_local std::vector<std::pair<double, const double*>> terms;
  terms.clear();
  for (std::int64_t n = 0; n < count; ++n)
    if (w[n * w_stride] != 0.0) terms.emplace_back(w[n * w_stride], rows + n * d);
  constexpr std::int64_t lanes = 16;
  std::int64_t c0 = 0;
  for (; c0 + lanes <= d; c0 += lanes) {
    double acc[lanes];
    for (std::int64_t l = 0; l < lanes; ++l) acc[l] = out[c0 + l];
    for (const auto& [wn, row] : terms)
      for (std::int64_t l = 0; l < lanes; ++l) acc[l] += wn * row[c0 + l];
    for (std::int64_t l = 0; l < lanes; ++l) out[c0 + l] = acc[l];
  }
  for (; c0 < d; ++c0)
    for (const auto& [wn, row] : terms) out[c0] += wn * row[c0];
}

// `count` rows of `d` starting at x[first], `stride` apart, copied next to each other: rows of one
// head sit H * d apart in (B, n, H, d), which puts a block's rows in the same cache sets.
void pack_rows(std::span<const double> x, std::size_t first, std::size_t stride, std::int64_t count,
               std::int64_t d, std::vector<double>& out) {
  out.resize(static_cast<std::size_t>(count * d));
  for (std::int64_t n = 0; n < count; ++n)
    std::copy_n(&x[first + static_cast<std::size_t>(n) * stride], d, &out[static_cast<std::size_t>(n * d)]);
}

void unpack_rows(const std::vector<double>& in, std::span<double> x, std::size_t first, std::size_t stride,
                 std::int64_t count, std::int64_t d) {
  for (std::int64_t n = 0; n < count; ++n)
    std::copy_n(&in[static_cast<std::size_t>(n * d)], d, &x[first + static_cast<std::size_t>(n) * stride]);
}

// Queries are taken in blocks of `rows` so each key and value row is read once per block: P of a
// block (and scale * dS, in the backward) is rows x nk doubles, at most 16 MB each per worker.
std::int64_t block_rows(const Dims& s) {
  constexpr std::int64_t max_scores = std::int64_t{2} << 20;
  return std::clamp<std::int64_t>(max_scores / std::max<std::int64_t>(s.nk, 1), 1, 32);
}

// Runs task(t) for t in [0, count) on `threads` workers (the caller is one of them).
template <typename Task>
void parallel_for(std::int64_t count, int threads, const Task& task) {
  const int workers =
      static_cast<int>(std::clamp<std::int64_t>(threads, 1, std::max<std::int64_t>(count, 1)));
  std::atomic<std::int64_t> next{0};
  auto work = [&] {
    for (std::int64_t t = next++; t < count; t = next++) task(t);
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(workers - 1));
  for (int w = 1; w < workers; ++w) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
}

// One worker's view of a (batch, kv head) group: its keys and values packed, the strides of the
// global tensors, and one query block's softmax.
struct Group {
  const Dims& s;
  const kernels::MaskParams& mask;
  double scale;
  std::int64_t b, hk, d, nk;
  std::size_t q_stride, k_stride;
  std::vector<double> k, v;  // [nk][d]
  std::vector<double> q, p;  // the block: [rows][d], [rows][nk]
  std::vector<double> lse;   // [rows]

  Group(const Dims& dims, const kernels::MaskParams& m, double sc, std::int64_t batch, std::int64_t kv_head,
        std::span<const double> keys, std::span<const double> values)
      : s(dims),
        mask(m),
        scale(sc),
        b(batch),
        hk(kv_head),
        d(dims.head_dim),
        nk(dims.nk),
        q_stride(static_cast<std::size_t>(dims.heads * dims.head_dim)),
        k_stride(static_cast<std::size_t>(dims.kv_heads * dims.head_dim)) {
    pack_rows(keys, k_first(), k_stride, nk, d, k);
    pack_rows(values, k_first(), k_stride, nk, d, v);
  }
  std::size_t k_first() const { return static_cast<std::size_t>((b * s.nk * s.kv_heads + hk) * d); }
  std::size_t q_first(std::int64_t h, std::int64_t i0) const {
    return static_cast<std::size_t>(((b * s.nq + i0) * s.heads + h) * d);
  }

  // Softmax rows of queries [i0, i0 + rows) of head h into p (0 where masked) and lse (-inf for a
  // row that sees no key, whose p is all zero); q holds the block's query rows.
  void softmax_block(std::span<const double> queries, std::int64_t h, std::int64_t i0, std::int64_t rows) {
    pack_rows(queries, q_first(h, i0), q_stride, rows, d, q);
    p.assign(static_cast<std::size_t>(rows * nk), neg_inf);
    lse.assign(static_cast<std::size_t>(rows), neg_inf);
    for (std::int64_t j = 0; j < nk; ++j) {
      const double* kj = &k[static_cast<std::size_t>(j * d)];
      for (std::int64_t r = 0; r < rows; ++r)
        if (visible(mask, i0 + r, j))
          p[static_cast<std::size_t>(r * nk + j)] = scale * dot(&q[static_cast<std::size_t>(r * d)], kj, d);
    }
    for (std::int64_t r = 0; r < rows; ++r) {
      double* row = &p[static_cast<std::size_t>(r * nk)];
      const double mx = *std::max_element(row, row + nk);
      if (mx == neg_inf) {
        std::fill(row, row + nk, 0.0);
        continue;
      }
      double sum = 0.0;
      for (std::int64_t j = 0; j < nk; ++j) sum += (row[j] = std::exp(row[j] - mx));
      for (std::int64_t j = 0; j < nk; ++j) row[j] /= sum;
      lse[static_cast<std::size_t>(r)] = mx + std::log(sum);
    }
  }
};

// scale * dS = scale * P * (dout . v - D) of the group's current block, D = rowsum(dout * o);
// 0 where P is. dob, ob: the block's dout and o rows, packed.
void scaled_ds(const Group& g, const std::vector<double>& dob, const std::vector<double>& ob,
               std::int64_t rows, std::vector<double>& ds) {
  const std::int64_t d = g.d, nk = g.nk;
  std::vector<double> delta(static_cast<std::size_t>(rows));
  for (std::int64_t r = 0; r < rows; ++r)
    delta[static_cast<std::size_t>(r)] =
        dot(&dob[static_cast<std::size_t>(r * d)], &ob[static_cast<std::size_t>(r * d)], d);
  ds.assign(g.p.size(), 0.0);
  for (std::int64_t j = 0; j < nk; ++j) {
    const double* vj = &g.v[static_cast<std::size_t>(j * d)];
    for (std::int64_t r = 0; r < rows; ++r) {
      const auto at = static_cast<std::size_t>(r * nk + j);
      if (g.p[at] != 0.0)
        ds[at] = g.scale * (g.p[at] * (dot(&dob[static_cast<std::size_t>(r * d)], vj, d) -
                                       delta[static_cast<std::size_t>(r)]));
    }
  }
}

// Every (batch, kv head) group on `threads` workers; within a group the query heads run in order.
template <typename PerGroup>
void for_each_group(const Dims& s, int threads, const PerGroup& per_group) {
  parallel_for(s.batch * s.kv_heads, threads,
               [&](std::int64_t t) { per_group(t / s.kv_heads, t % s.kv_heads); });
}

}  // namespace

Forward forward(const Dims& s, const kernels::MaskParams& mask, double scale, std::span<const double> q,
                std::span<const double> k, std::span<const double> v, int threads) {
  check_sizes(s, q, k, v);
  const Index at{s};
  const std::int64_t d = s.head_dim, group = s.heads / s.kv_heads, block = block_rows(s);
  Forward res{std::vector<double>(s.q_elems(), 0.0), std::vector<double>(s.lse_elems(), neg_inf)};
  for_each_group(s, threads, [&](std::int64_t b, std::int64_t hk) {
    Group g(s, mask, scale, b, hk, k, v);
    std::vector<double> o;
    for (std::int64_t h = hk * group; h < (hk + 1) * group; ++h) {
      for (std::int64_t i0 = 0; i0 < s.nq; i0 += block) {
        const std::int64_t rows = std::min(block, s.nq - i0);
        g.softmax_block(q, h, i0, rows);
        o.assign(static_cast<std::size_t>(rows * d), 0.0);
        for (std::int64_t r = 0; r < rows; ++r) {
          res.lse[at.lse(b, h, i0 + r)] = g.lse[static_cast<std::size_t>(r)];
          add_weighted_rows(&o[static_cast<std::size_t>(r * d)], &g.p[static_cast<std::size_t>(r * g.nk)], 1,
                            g.v.data(), g.nk, d);
        }
        unpack_rows(o, res.o, g.q_first(h, i0), g.q_stride, rows, d);
      }
    }
  });
  return res;
}

Gradients backward(const Dims& s, const kernels::MaskParams& mask, double scale, std::span<const double> q,
                   std::span<const double> k, std::span<const double> v, std::span<const double> dout,
                   const Forward& fwd, int threads) {
  check_sizes(s, q, k, v);
  BURST_REQUIRE(dout.size() == s.q_elems() && fwd.o.size() == s.q_elems(),
                "reference backward: dout or the forward's o does not match the shape");
  const std::int64_t d = s.head_dim, group = s.heads / s.kv_heads, block = block_rows(s);
  Gradients res{std::vector<double>(s.q_elems(), 0.0), std::vector<double>(s.kv_elems(), 0.0),
                std::vector<double>(s.kv_elems(), 0.0)};
  for_each_group(s, threads, [&](std::int64_t b, std::int64_t hk) {
    Group g(s, mask, scale, b, hk, k, v);
    const std::int64_t nk = g.nk;
    std::vector<double> dk(static_cast<std::size_t>(nk * d), 0.0), dv(dk.size(), 0.0);
    std::vector<double> dob, ob, ds, dq;
    for (std::int64_t h = hk * group; h < (hk + 1) * group; ++h) {
      for (std::int64_t i0 = 0; i0 < s.nq; i0 += block) {
        const std::int64_t rows = std::min(block, s.nq - i0);
        g.softmax_block(q, h, i0, rows);
        pack_rows(dout, g.q_first(h, i0), g.q_stride, rows, d, dob);
        pack_rows(fwd.o, g.q_first(h, i0), g.q_stride, rows, d, ob);
        scaled_ds(g, dob, ob, rows, ds);
        for (std::int64_t j = 0; j < nk; ++j) {  // dk_j, dv_j over the block's rows, in row order
          add_weighted_rows(&dk[static_cast<std::size_t>(j * d)], &ds[static_cast<std::size_t>(j)], nk,
                            g.q.data(), rows, d);
          add_weighted_rows(&dv[static_cast<std::size_t>(j * d)], &g.p[static_cast<std::size_t>(j)], nk,
                            dob.data(), rows, d);
        }
        dq.assign(static_cast<std::size_t>(rows * d), 0.0);
        for (std::int64_t r = 0; r < rows; ++r)  // dq_r over every key, in key order
          add_weighted_rows(&dq[static_cast<std::size_t>(r * d)], &ds[static_cast<std::size_t>(r * nk)], 1,
                            g.k.data(), nk, d);
        unpack_rows(dq, res.dq, g.q_first(h, i0), g.q_stride, rows, d);
      }
    }
    unpack_rows(dk, res.dk, g.k_first(), g.k_stride, nk, d);
    unpack_rows(dv, res.dv, g.k_first(), g.k_stride, nk, d);
  });
  return res;
}

double forward_macs(const Dims& s) {
  return 2.0 * static_cast<double>(s.batch * s.heads) * static_cast<double>(s.nq) *
         static_cast<double>(s.nk) * static_cast<double>(s.head_dim);
}

double backward_macs(const Dims& s) {
  return 2.5 * forward_macs(s);
}

double logit_bound(const Dims& s, double scale, std::span<const double> q, std::span<const double> k) {
  if (q.size() != s.q_elems() || k.size() != s.kv_elems() || s.kv_heads <= 0) return 0.0;
  const Index at{s};
  auto norm = [&](const double* x) {
    double n = 0.0;
    for (std::int64_t c = 0; c < s.head_dim; ++c) n += x[c] * x[c];
    return std::sqrt(n);
  };
  const std::int64_t group = s.heads / s.kv_heads;
  double bound = 0.0;
  for (std::int64_t b = 0; b < s.batch; ++b) {
    for (std::int64_t hk = 0; hk < s.kv_heads; ++hk) {
      double kmax = 0.0, qmax = 0.0;
      for (std::int64_t j = 0; j < s.nk; ++j) kmax = std::max(kmax, norm(&k[at.k(b, j, hk)]));
      for (std::int64_t h = hk * group; h < (hk + 1) * group; ++h)
        for (std::int64_t i = 0; i < s.nq; ++i) qmax = std::max(qmax, norm(&q[at.q(b, i, h)]));
      bound = std::max(bound, std::abs(scale) * qmax * kmax);
    }
  }
  return bound;
}

namespace {
template <typename T>
double rel_error(std::span<const T> got, std::span<const double> ref, std::size_t* worst) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (worst) *worst = 0;
  if (got.size() != ref.size()) return inf;
  double max_ref = 0.0, max_diff = 0.0, max_got = 0.0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double g = static_cast<double>(got[i]), r = ref[i];
    // Non-finite on both sides counts as equal, except opposite infinities.
    const bool both_non_finite =
        !std::isfinite(g) && !std::isfinite(r) && !(std::isinf(g) && std::isinf(r) && g != r);
    if (both_non_finite) continue;
    if (!std::isfinite(g) || !std::isfinite(r)) {
      if (worst) *worst = i;
      return inf;
    }
    max_ref = std::max(max_ref, std::abs(r));
    max_got = std::max(max_got, std::abs(g));
    if (std::abs(g - r) > max_diff) {
      max_diff = std::abs(g - r);
      if (worst) *worst = i;
    }
  }
  return max_ref > 0.0 ? max_diff / max_ref : max_got;
}
}  // namespace

double max_rel_error(std::span<const float> got, std::span<const double> ref, std::size_t* worst) {
  return rel_error(got, ref, worst);
}
double max_rel_error(std::span<const double> got, std::span<const double> ref, std::size_t* worst) {
  return rel_error(got, ref, worst);
}

double fp32_error(double bound) {
  constexpr double eps32 = 0x1p-24;
  return std::max(fp32_floor, logit_multiple * eps32 * bound);
}

double allowed_error(DType dtype, double baseline_error, double bound) {
  return dtype == DType::f32 ? fp32_error(bound) : half_multiple * baseline_error + fp32_error(bound);
}

double hop_error(DType dtype, AccumDType accum, int world) {
  if (accum != AccumDType::input) return 0.0;
  const double unit = dtype == DType::f16 ? 0x1p-11 : (dtype == DType::bf16 ? 0x1p-8 : 0.0);
  return world * unit;
}

}  // namespace burst::reference
