#include "runtime/layout.hpp"

#include <algorithm>

#include "burst/error.hpp"

namespace burst::runtime {

std::vector<Segment> layout_segments(Layout layout, int rank, int world, std::int64_t n) {
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

std::vector<std::int64_t> layout_positions(Layout layout, int rank, int world, std::int64_t n) {
  std::vector<std::int64_t> pos(static_cast<std::size_t>(n));
  for (const Segment& s : layout_segments(layout, rank, world, n))
    for (std::int64_t i = 0; i < s.len; ++i) pos[static_cast<std::size_t>(s.row + i)] = s.pos0 + i * s.stride;
  return pos;
}

Visibility causal_visibility(const Segment& q, const Segment& k) {
  if (k.first_pos() > q.last_pos()) return Visibility::none;
  if (k.last_pos() <= q.first_pos()) return Visibility::full;
  return Visibility::partial;
}

}  // namespace burst::runtime
