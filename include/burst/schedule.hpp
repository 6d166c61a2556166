// The problem and the schedule of one BurstAttention op: the vocabulary every layer shares (base).
// Each Schedule field is a tunable parameter described once in burst/params.hpp (name, flag, type,
// allowed values, default); the defaults here are the baseline every speedup is measured against.
#pragma once

#include <cstdint>
#include <vector>

#include "burst/mask.hpp"
#include "burst/types.hpp"

namespace burst {

struct AttentionShape {
  std::int64_t batch = 1;
  std::int64_t seq = 0;  // global sequence length N
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;  // 0 means heads (multi-head attention)
  std::int64_t head_dim = 0;
  DType dtype = DType::f32;
  // The mask (burst/mask.hpp): causal or not, packed documents, a sliding window.
  bool causal = false;
  std::vector<std::int64_t> doc_bounds;  // cu_seqlens: 0 = b_0 < ... < b_D = seq; empty: one document
  std::int64_t window_left = unbounded, window_right = unbounded;  // query i sees keys i-L..i+R
  float scale = 0.0f;                                              // 0 means 1/sqrt(head_dim)

  std::int64_t kv_heads_or_heads() const { return kv_heads > 0 ? kv_heads : heads; }
  float scale_or_default() const;
  bool has_window() const { return window_left >= 0 || window_right >= 0; }
  bool has_documents() const { return doc_bounds.size() > 2; }
  // The name of this combination: *_document with documents, else sliding_window with a window,
  // else causal or full.
  MaskKind mask_kind() const;
  // The rule by position; it points into doc_bounds, so it lives as long as this shape is unchanged.
  MaskRule mask_rule() const;
  // Visible (query, key) pairs of one batch entry and head: the mask's real area (N^2 for full).
  double mask_area() const;
};

// How the ring runs. Field defaults are the parameter table's defaults (burst/params.hpp checks
// that they agree with it).
struct Schedule {
  Layout layout = Layout::contiguous;
  BwdComm bwd_comm = BwdComm::q;
  Overlap overlap = Overlap::none;
  int chunks = 1;  // pieces of a block in chunk_pipeline
  Topology topology = Topology::flat;
  int group_size = 0;  // L ranks per group for topology double (0: the whole world, one group)
  AccumDType accum_dtype = AccumDType::fp32;
  // The context-parallel method (docs/algorithm.md, "Context-parallel methods"): the ring, or
  // Ulysses, all-gather or hybrid, which read none of the ring fields above except the layout (and
  // hybrid's ring across groups reads overlap, chunks, bwd_comm and accum_dtype).
  CpMethod cp_method = CpMethod::ring;
  int ulysses_degree = 0;  // ranks per Ulysses group: 0 for ulysses (the whole world); hybrid needs
                           // 1 < u < world dividing the world
  int tile_q = 64;
  int tile_kv = 64;
  int warps = 0;    // CUDA launch shape: warps per CTA (0: the kernel variant's own)
  int stages = 0;   // CUDA shared-memory pipeline depth (0: the kernel variant's own)
  int threads = 0;  // execution setting, not tuned: compute threads per rank on the CPU backend
                    // (0: cores / ranks in process)
  bool operator==(const Schedule&) const = default;
};

}  // namespace burst
