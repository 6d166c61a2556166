// Which global token positions a rank holds under each layout, as runs of affine positions.
//
//   contiguous  rank r: positions [r*n, (r+1)*n)                       one segment, stride 1
//   zigzag      2G chunks of c = n/2; rank r: chunk r then 2G-1-r       two segments, stride 1
//   striped     token t lives on rank t mod G: r, r+G, r+2G, ...       one segment, stride G
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
std::vector<Segment> layout_segments(Layout layout, int rank, int world, std::int64_t n);

// The part of `segments` that lies in local rows [begin, end), with rows renumbered from `begin`.
std::vector<Segment> slice_segments(const std::vector<Segment>& segments, std::int64_t begin,
                                    std::int64_t end);

// Global position of every local row (n entries), for shard/unshard.
std::vector<std::int64_t> layout_positions(Layout layout, int rank, int world, std::int64_t n);

// How a block of keys relates to a block of queries under a causal mask.
enum class Visibility { none, full, partial };
Visibility causal_visibility(const Segment& q, const Segment& k);

}  // namespace burst::runtime
