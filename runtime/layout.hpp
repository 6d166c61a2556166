// Which global token positions a rank holds under each layout, as runs of affine positions.
//
//   contiguous  rank r: positions [r*n, (r+1)*n)                       one segment, stride 1
//   zigzag      2G chunks of c = n/2; rank r: chunk r then 2G-1-r       two segments, stride 1
//   striped     token t lives on rank t mod G: r, r+G, r+2G, ...       one segment, stride G
//   per_document  zigzag inside each document (head-tail, llama3-style varlen ring attention and
//               torch's PerDocumentHeadTail): a document of m tokens is cut into 2G chunks of
//               floor(m / 2G) tokens, rank r takes chunk r and chunk 2G-1-r; the m mod 2G tokens
//               left at the document's end are dealt to the ranks round-robin, the turn carried
//               from one document to the next, so every rank holds N/G tokens. Consecutive
//               positions of a rank with one stride merge into one segment; without documents it
//               is zigzag with the remainder dealt out.
//
// A segment says: local rows [row, row + len) hold positions pos0 + i*stride. The causal mask of a
// (query segment, key segment) pair follows from the positions alone (kernels/attention_params.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "burst/types.hpp"

namespace burst::runtime {

struct Segment {
  std::int64_t row = 0;  // first local row
  std::int64_t len = 0;
  std::int64_t pos0 = 0;  // global position of the first row
  std::int64_t stride = 1;

  std::int64_t first_pos() const { return pos0; }
  std::int64_t last_pos() const { return pos0 + (len - 1) * stride; }
};

// Segments of `rank` in a world of `world` ranks holding n = N/G rows each, in local row order.
// doc_bounds (cu_seqlens, 0 .. N) matter to per_document only; empty: one document.
std::vector<Segment> layout_segments(Layout layout, int rank, int world, std::int64_t n,
                                     const std::vector<std::int64_t>& doc_bounds = {});

// The part of `segments` that lies in local rows [begin, end), with rows renumbered from `begin`.
std::vector<Segment> slice_segments(const std::vector<Segment>& segments, std::int64_t begin,
                                    std::int64_t end);

// Global position of every local row (n entries), for shard/unshard.
std::vector<std::int64_t> layout_positions(Layout layout, int rank, int world, std::int64_t n,
                                           const std::vector<std::int64_t>& doc_bounds = {});

// How a block of keys relates to a block of queries under a causal mask.
enum class Visibility { none, full, partial };
Visibility causal_visibility(const Segment& q, const Segment& k);

}  // namespace burst::runtime
