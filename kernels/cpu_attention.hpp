// CPU local attention: one rank's queries against one key/value block, FlashAttention-style tiles,
// fp32 arithmetic whatever the input dtype (docs/algorithm.md, "Local attention with a running state").
//
// cpu_forward_block folds the block into the running state (o, lse) in place: per query row it
// computes the block's normalised output o_j and log-sum-exp lse_j with an online softmax over
// tile_kv-wide key tiles, then merges them stably into (o, lse). Rows the mask hides from every key
// of the block are left untouched (a row that never sees a key keeps o = 0, lse = -inf).
//
// cpu_backward_block adds this block's share to dq, dk, dv (fp32, +=), recomputing P = exp(S - lse)
// from the saved lse, with D from cpu_compute_delta. With GQA (kv_heads < heads) query head h reads
// kv head h / (heads / kv_heads) and dk/dv sum over the heads of a group. Rows with lse = -inf add
// nothing. Two passes: dk/dv parallel over (batch, kv head, key tile), then dq parallel over
// (batch, head, query tile), so every output element has one writer (race-free).
//
// cpu_compute_delta: delta (B, H, n) = rowsum(dout * o) over head_dim.
//
// Requirements (checked; InvalidArgument with the reason from registry.hpp's can_implement):
// head_dim 32..256 and a multiple of 8; tile_q, tile_kv 16..256 and multiples of 16; heads a
// multiple of kv_heads; scale finite and > 0; causal masks need q_pos_stride >= 0, k_pos_stride >= 1.
// threads <= 0 means 1. Several threads may call these concurrently on disjoint outputs.
// Masked work is skipped: a call whose block lies wholly in the future of every query returns at
// once, and fully masked (query tile, key tile) pairs are not computed.
#pragma once

#include "kernels/attention_params.hpp"

namespace burst::kernels {

void cpu_forward_block(const FwdBlockParams& p);
void cpu_backward_block(const BwdBlockParams& p);
void cpu_compute_delta(const DeltaParams& p);

}  // namespace burst::kernels
