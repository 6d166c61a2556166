// The exact byte counts of docs/algorithm.md, and FLOP counts.
#include <cmath>
#include <string>

#include "burst/attention.hpp"
#include "burst/error.hpp"

namespace burst {
std::uint64_t forward_bytes_per_rank(const AttentionShape& s, const Schedule&, int world) {
  const std::uint64_t G = static_cast<std::uint64_t>(world);
  if (G < 2) return 0;
  const std::uint64_t n = static_cast<std::uint64_t>(s.seq) / G;
  const std::uint64_t b = dtype_size(s.dtype);
  return (G - 1) * 2 * static_cast<std::uint64_t>(s.batch) * n *
         static_cast<std::uint64_t>(s.kv_heads_or_heads()) * static_cast<std::uint64_t>(s.head_dim) * b;
}

std::uint64_t backward_bytes_per_rank(const AttentionShape& s, const Schedule& sc, int world) {
  const std::uint64_t G = static_cast<std::uint64_t>(world);
  if (G < 2) return 0;
  const std::uint64_t B = static_cast<std::uint64_t>(s.batch), n = static_cast<std::uint64_t>(s.seq) / G;
  const std::uint64_t d = static_cast<std::uint64_t>(s.head_dim), b = dtype_size(s.dtype);
  const std::uint64_t a = sc.accum_dtype == AccumDType::fp32 ? 4 : b;
  if (sc.bwd_comm == BwdComm::q) {
    const std::uint64_t H = static_cast<std::uint64_t>(s.heads);
    return (G - 1) * B * n * H * (2 * d * b + 2 * 4) + G * B * n * H * d * a;
  }
  const std::uint64_t Hkv = static_cast<std::uint64_t>(s.kv_heads_or_heads());
  return (G - 1) * B * n * Hkv * (2 * d * b) + G * B * n * Hkv * 2 * d * a;
}

double forward_flops(const AttentionShape& s) {
  const double N = static_cast<double>(s.seq);
  const double f = 4.0 * static_cast<double>(s.batch) * N * N * static_cast<double>(s.heads) *
                   static_cast<double>(s.head_dim);
  return s.causal ? f / 2.0 : f;
}

double backward_flops(const AttentionShape& s) {
  return 2.5 * forward_flops(s);
}

}  // namespace burst
