// libburst's public C++ API: BurstAttention forward and backward over a ring of ranks.
//
// Every tensor handed to BurstAttention is this rank's shard in its layout's local order (see
// burst/shard.hpp to go from global order and back), BSHD, contiguous, in the shape's dtype unless
// stated otherwise:
//   q, o, dout, dq : (B, n, H, d)       k, v, dk, dv : (B, n, Hkv, d)
//   lse            : (B, H, n) float32  with n = N / G tokens per rank.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "burst/communicator.hpp"
#include "burst/types.hpp"

namespace burst {

struct AttentionShape {
  std::int64_t batch = 1;
  std::int64_t seq = 0;  // global sequence length N
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;  // 0 means heads (multi-head attention)
  std::int64_t head_dim = 0;
  DType dtype = DType::f32;
  bool causal = false;
  float scale = 0.0f;  // 0 means 1/sqrt(head_dim)

  std::int64_t kv_heads_or_heads() const { return kv_heads > 0 ? kv_heads : heads; }
  float scale_or_default() const;
};

// How the ring runs. The defaults are the baseline every speedup is measured against.
struct Schedule {
  Layout layout = Layout::contiguous;
  BwdComm bwd_comm = BwdComm::q;
  Overlap overlap = Overlap::none;
  int chunks = 1;  // 1..8, pieces of a block in chunk_pipeline
  Topology topology = Topology::flat;
  int group_size = 0;  // L ranks per group for topology double (0: whole world, one group)
  AccumDType accum_dtype = AccumDType::fp32;
  int tile_q = 64;
  int tile_kv = 64;
  int threads = 0;  // compute threads per rank on the CPU backend (0: cores / ranks in process)
};

// What one pass did on this rank.
struct PassStats {
  std::uint64_t bytes_sent = 0;  // payload bytes this rank sent in the pass
  std::uint64_t messages_sent = 0;
  double seconds = 0.0;  // wall time of the pass on this rank
};

// Checks a shape and a schedule against a world size before anything runs; throws
// burst::InvalidArgument naming the offending value and what was expected.
void validate(const AttentionShape& shape, const Schedule& schedule, int world_size);

// Exact bytes one rank sends per pass (ALGORITHM.md); identical on every rank.
std::uint64_t forward_bytes_per_rank(const AttentionShape& shape, const Schedule& schedule, int world_size);
std::uint64_t backward_bytes_per_rank(const AttentionShape& shape, const Schedule& schedule, int world_size);

// Attention FLOPs of the global problem: forward 4*B*N^2*H*d (halved when causal), backward 2.5x.
double forward_flops(const AttentionShape& shape);
double backward_flops(const AttentionShape& shape);

class BurstAttention {
 public:
  BurstAttention(Communicator& comm, const AttentionShape& shape, const Schedule& schedule);
  ~BurstAttention();
  BurstAttention(const BurstAttention&) = delete;
  BurstAttention& operator=(const BurstAttention&) = delete;

  // o (input dtype) and lse (float32) are written; nothing else is kept between passes.
  PassStats forward(const void* q, const void* k, const void* v, void* o, float* lse);
  // dq, dk, dv (input dtype) are written from the saved o and lse.
  PassStats backward(const void* q, const void* k, const void* v, const void* o, const float* lse,
                     const void* dout, void* dq, void* dk, void* dv);

  const AttentionShape& shape() const;
  const Schedule& schedule() const;
  std::int64_t local_seq() const;  // n = N / G

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace burst
