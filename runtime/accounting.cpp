// Shape/schedule validation, the exact byte counts of ALGORITHM.md, and FLOP counts.
#include <cmath>
#include <string>

#include "burst/attention.hpp"
#include "burst/error.hpp"

namespace burst {
namespace {
std::string num(std::int64_t v) { return std::to_string(v); }
}  // namespace

float AttentionShape::scale_or_default() const {
  return scale > 0.0f ? scale : 1.0f / std::sqrt(static_cast<float>(head_dim));
}

void validate(const AttentionShape& s, const Schedule& sc, int world) {
  BURST_REQUIRE(world >= 1, "world size " + num(world) + " must be at least 1");
  BURST_REQUIRE(s.batch >= 1, "batch " + num(s.batch) + " must be at least 1");
  BURST_REQUIRE(s.seq >= 1, "sequence length " + num(s.seq) + " must be at least 1");
  BURST_REQUIRE(s.heads >= 1, "heads " + num(s.heads) + " must be at least 1");
  const std::int64_t hkv = s.kv_heads_or_heads();
  BURST_REQUIRE(hkv >= 1 && s.heads % hkv == 0,
                "kv heads " + num(hkv) + " must divide heads " + num(s.heads));
  BURST_REQUIRE(s.head_dim >= 32 && s.head_dim <= 256 && s.head_dim % 8 == 0,
                "head dim " + num(s.head_dim) + " is not supported: expected 32..256 in multiples of 8");
  BURST_REQUIRE(s.seq % world == 0,
                "sequence length " + num(s.seq) + " must be divisible by the world size " + num(world));
  const std::int64_t n = s.seq / world;
  if (sc.layout == Layout::zigzag)
    BURST_REQUIRE(s.seq % (2 * world) == 0, "layout zigzag needs the sequence length " + num(s.seq) +
                                                " divisible by 2 x world size = " + num(2 * world));
  BURST_REQUIRE(sc.chunks >= 1 && sc.chunks <= 8, "chunks " + num(sc.chunks) + " must be 1..8");
  if (sc.overlap == Overlap::chunk_pipeline) {
    BURST_REQUIRE(n % sc.chunks == 0, "chunk_pipeline with " + num(sc.chunks) +
                                          " chunks needs the tokens per rank (" + num(n) +
                                          ") divisible by the chunk count");
  } else {
    BURST_REQUIRE(sc.chunks == 1, "chunks " + num(sc.chunks) + " needs --overlap chunk_pipeline (overlap " +
                                      std::string(to_string(sc.overlap)) + " moves whole blocks)");
  }
  if (sc.topology == Topology::double_ring) {
    BURST_REQUIRE(sc.group_size >= 1 && world % sc.group_size == 0,
                  "topology double needs a group size that divides the world size " + num(world) + ", got " +
                      num(sc.group_size));
  }
  BURST_REQUIRE(sc.tile_q >= 1 && sc.tile_kv >= 1, "tile sizes must be positive");
  BURST_REQUIRE(sc.threads >= 0, "threads " + num(sc.threads) + " must be >= 0 (0: automatic)");
}

std::uint64_t forward_bytes_per_rank(const AttentionShape& s, const Schedule&, int world) {
  const std::uint64_t G = static_cast<std::uint64_t>(world);
  if (G < 2) return 0;
  const std::uint64_t n = static_cast<std::uint64_t>(s.seq) / G;
  const std::uint64_t b = dtype_size(s.dtype);
  return (G - 1) * 2 * static_cast<std::uint64_t>(s.batch) * n * static_cast<std::uint64_t>(s.kv_heads_or_heads()) *
         static_cast<std::uint64_t>(s.head_dim) * b;
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

double backward_flops(const AttentionShape& s) { return 2.5 * forward_flops(s); }

}  // namespace burst
