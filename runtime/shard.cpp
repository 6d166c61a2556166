#include "burst/shard.hpp"

#include <cstring>

#include "burst/error.hpp"
#include "runtime/layout.hpp"

namespace burst {
namespace {

// Calls fn(local_row, global_row, run_length) for each run of consecutive global rows.
template <typename Fn>
void for_each_run(Layout layout, int rank, int world, std::int64_t seq, Fn&& fn) {
  BURST_REQUIRE(world >= 1 && seq % world == 0, "sequence length must be divisible by the world size");
  const std::int64_t n = seq / world;
  for (const runtime::Segment& s : runtime::layout_segments(layout, rank, world, n)) {
    if (s.stride == 1) {
      fn(s.row, s.pos0, s.len);
    } else {
      for (std::int64_t i = 0; i < s.len; ++i) fn(s.row + i, s.pos0 + i * s.stride, std::int64_t{1});
    }
  }
}

}  // namespace

void shard_rows(const void* global, void* local, std::int64_t batch, std::int64_t seq, std::int64_t row_elems,
                std::size_t elem_size, Layout layout, int rank, int world) {
  const std::int64_t n = seq / world;
  const std::size_t row_bytes = static_cast<std::size_t>(row_elems) * elem_size;
  const auto* g = static_cast<const std::byte*>(global);
  auto* l = static_cast<std::byte*>(local);
  for_each_run(layout, rank, world, seq, [&](std::int64_t lr, std::int64_t gr, std::int64_t len) {
    for (std::int64_t b = 0; b < batch; ++b)
      std::memcpy(l + static_cast<std::size_t>(b * n + lr) * row_bytes,
                  g + static_cast<std::size_t>(b * seq + gr) * row_bytes,
                  static_cast<std::size_t>(len) * row_bytes);
  });
}

void unshard_rows(const void* local, void* global, std::int64_t batch, std::int64_t seq,
                  std::int64_t row_elems, std::size_t elem_size, Layout layout, int rank, int world) {
  const std::int64_t n = seq / world;
  const std::size_t row_bytes = static_cast<std::size_t>(row_elems) * elem_size;
  const auto* l = static_cast<const std::byte*>(local);
  auto* g = static_cast<std::byte*>(global);
  for_each_run(layout, rank, world, seq, [&](std::int64_t lr, std::int64_t gr, std::int64_t len) {
    for (std::int64_t b = 0; b < batch; ++b)
      std::memcpy(g + static_cast<std::size_t>(b * seq + gr) * row_bytes,
                  l + static_cast<std::size_t>(b * n + lr) * row_bytes,
                  static_cast<std::size_t>(len) * row_bytes);
  });
}

void shard_stats(const float* global, float* local, std::int64_t batch, std::int64_t heads, std::int64_t seq,
                 Layout layout, int rank, int world) {
  const std::int64_t n = seq / world;
  for_each_run(layout, rank, world, seq, [&](std::int64_t lr, std::int64_t gr, std::int64_t len) {
    for (std::int64_t bh = 0; bh < batch * heads; ++bh)
      std::memcpy(local + bh * n + lr, global + bh * seq + gr, static_cast<std::size_t>(len) * sizeof(float));
  });
}

void unshard_stats(const float* local, float* global, std::int64_t batch, std::int64_t heads,
                   std::int64_t seq, Layout layout, int rank, int world) {
  const std::int64_t n = seq / world;
  for_each_run(layout, rank, world, seq, [&](std::int64_t lr, std::int64_t gr, std::int64_t len) {
    for (std::int64_t bh = 0; bh < batch * heads; ++bh)
      std::memcpy(global + bh * seq + gr, local + bh * n + lr, static_cast<std::size_t>(len) * sizeof(float));
  });
}

std::int64_t global_position(Layout layout, int rank, int world, std::int64_t seq, std::int64_t local_row) {
  const std::int64_t n = seq / world;
  for (const runtime::Segment& s : runtime::layout_segments(layout, rank, world, n))
    if (local_row >= s.row && local_row < s.row + s.len) return s.pos0 + (local_row - s.row) * s.stride;
  BURST_THROW(InvalidArgument,
              "local row " + std::to_string(local_row) + " is outside 0.." + std::to_string(n - 1));
}

}  // namespace burst
