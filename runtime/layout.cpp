#include "runtime/layout.hpp"

#include <algorithm>

#include "burst/error.hpp"

namespace burst::runtime {

namespace {

// Increasing positions as the fewest runs of one stride each, greedily.
std::vector<Segment> runs_of(const std::vector<std::int64_t>& pos) {
  std::vector<Segment> out;
  std::size_t i = 0;
  while (i < pos.size()) {
    Segment s{static_cast<std::int64_t>(i), 1, pos[i], 1};
    if (i + 1 < pos.size()) {
      s.stride = pos[i + 1] - pos[i];
      while (i + static_cast<std::size_t>(s.len) < pos.size() &&
             pos[i + static_cast<std::size_t>(s.len)] == s.pos0 + s.len * s.stride)
        ++s.len;
    }
    out.push_back(s);
    i += static_cast<std::size_t>(s.len);
  }
  return out;
}

// The positions rank `rank` holds under per_document, in increasing order (see layout.hpp).
std::vector<std::int64_t> per_document_positions(int rank, int world, std::int64_t n,
                                                 const std::vector<std::int64_t>& doc_bounds) {
  const std::int64_t G = world, total = n * G;
  const std::vector<std::int64_t> one{0, total};
  const std::vector<std::int64_t>& b = doc_bounds.size() >= 2 ? doc_bounds : one;
  BURST_REQUIRE(b.front() == 0 && b.back() == total,
                "per_document layout: the document bounds must run from 0 to the sequence length " +
                    std::to_string(total));
  std::vector<std::int64_t> pos;
  pos.reserve(static_cast<std::size_t>(n));
  std::int64_t turn = 0;  // the rank whose turn it is for the next left-over token
  for (std::size_t d = 1; d < b.size(); ++d) {
    const std::int64_t start = b[d - 1], m = b[d] - b[d - 1], c = m / (2 * G);
    for (std::int64_t i = 0; i < c; ++i) pos.push_back(start + rank * c + i);
    for (std::int64_t i = 0; i < c; ++i) pos.push_back(start + (2 * G - 1 - rank) * c + i);
    for (std::int64_t p = start + 2 * G * c; p < b[d]; ++p, turn = (turn + 1) % G)
      if (turn == rank) pos.push_back(p);
  }
  BURST_CHECK(static_cast<std::int64_t>(pos.size()) == n,
              "per_document layout: a rank did not get N/G tokens");
  return pos;
}

}  // namespace

std::vector<Segment> layout_segments(Layout layout, int rank, int world, std::int64_t n,
                                     const std::vector<std::int64_t>& doc_bounds) {
  switch (layout) {
    case Layout::contiguous:
      return {Segment{0, n, rank * n, 1}};
    case Layout::zigzag: {
      BURST_CHECK(n % 2 == 0, "zigzag needs an even number of rows per rank");
      const std::int64_t c = n / 2;
      return {Segment{0, c, rank * c, 1}, Segment{c, c, (2 * world - 1 - rank) * c, 1}};
    }
    case Layout::striped:
      return {Segment{0, n, rank, world}};
    case Layout::per_document:
      return runs_of(per_document_positions(rank, world, n, doc_bounds));
  }
  BURST_THROW(Error, "unknown layout");
}

std::vector<Segment> slice_segments(const std::vector<Segment>& segments, std::int64_t begin,
                                    std::int64_t end) {
  std::vector<Segment> out;
  for (const Segment& s : segments) {
    const std::int64_t lo = std::max(begin, s.row);
    const std::int64_t hi = std::min(end, s.row + s.len);
    if (lo >= hi) continue;
    out.push_back(Segment{lo - begin, hi - lo, s.pos0 + (lo - s.row) * s.stride, s.stride});
  }
  return out;
}

std::vector<std::int64_t> layout_positions(Layout layout, int rank, int world, std::int64_t n,
                                           const std::vector<std::int64_t>& doc_bounds) {
  std::vector<std::int64_t> pos(static_cast<std::size_t>(n));
  for (const Segment& s : layout_segments(layout, rank, world, n, doc_bounds))
    for (std::int64_t i = 0; i < s.len; ++i) pos[static_cast<std::size_t>(s.row + i)] = s.pos0 + i * s.stride;
  return pos;
}

Visibility causal_visibility(const Segment& q, const Segment& k) {
  if (k.first_pos() > q.last_pos()) return Visibility::none;
  if (k.last_pos() <= q.first_pos()) return Visibility::full;
  return Visibility::partial;
}

}  // namespace burst::runtime
