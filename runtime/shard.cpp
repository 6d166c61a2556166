#include "burst/shard.hpp"

#include <cstdint>
#include <cstring>
#include <string>

#include "burst/error.hpp"
#include "runtime/layout.hpp"

namespace burst {
namespace {

// Every argument a caller (the C ABI and the PyTorch binding included) can get wrong, checked
// before any index is computed.
void check_split(Layout layout, int rank, int world, std::int64_t seq) {
  BURST_REQUIRE(world >= 1, "shard: world " + std::to_string(world) + " is not allowed: expected >= 1");
  BURST_REQUIRE(rank >= 0 && rank < world, "shard: rank " + std::to_string(rank) +
                                               " is not allowed: expected 0.." + std::to_string(world - 1));
  BURST_REQUIRE(layout == Layout::contiguous || layout == Layout::zigzag || layout == Layout::striped ||
                    layout == Layout::per_document,
                "shard: layout " + std::to_string(static_cast<int>(layout)) + " is not a layout");
  const std::int64_t parts = layout == Layout::zigzag ? 2 * static_cast<std::int64_t>(world) : world;
  BURST_REQUIRE(seq >= 1 && seq % parts == 0,
                "shard: sequence length " + std::to_string(seq) + " is not allowed: layout " +
                    std::string(to_string(layout)) + " at world " + std::to_string(world) +
                    " needs a positive multiple of " + std::to_string(parts));
}

void check_sizes(std::int64_t batch, std::int64_t seq, std::int64_t row_elems, std::size_t elem_size) {
  BURST_REQUIRE(batch >= 0 && row_elems >= 0 && elem_size >= 1,
                "shard: batch, row elements and element size must not be negative (got " +
                    std::to_string(batch) + ", " + std::to_string(row_elems) + ", " +
                    std::to_string(elem_size) + ")");
  // The largest offset must fit: batch * seq * row_elems * elem_size bytes.
  std::int64_t total = 0;
  const bool overflow = __builtin_mul_overflow(batch, seq, &total) ||
                        __builtin_mul_overflow(total, row_elems, &total) ||
                        __builtin_mul_overflow(total, static_cast<std::int64_t>(elem_size), &total);
  BURST_REQUIRE(!overflow, "shard: batch x sequence x row elements x element size overflows 64 bits");
}

// Calls fn(local_row, global_row, run_length) for each run of consecutive global rows.
template <typename Fn>
void for_each_run(Layout layout, int rank, int world, std::int64_t seq, const std::vector<std::int64_t>& docs,
                  Fn&& fn) {
  check_split(layout, rank, world, seq);
  const std::int64_t n = seq / world;
  for (const runtime::Segment& s : runtime::layout_segments(layout, rank, world, n, docs)) {
    if (s.stride == 1) {
      fn(s.row, s.pos0, s.len);
    } else {
      for (std::int64_t i = 0; i < s.len; ++i) fn(s.row + i, s.pos0 + i * s.stride, std::int64_t{1});
    }
  }
}

}  // namespace

void shard_rows(const void* global, void* local, std::int64_t batch, std::int64_t seq, std::int64_t row_elems,
                std::size_t elem_size, Layout layout, int rank, int world,
                const std::vector<std::int64_t>& doc_bounds) {
  check_split(layout, rank, world, seq);
  check_sizes(batch, seq, row_elems, elem_size);
  const std::int64_t n = seq / world;
  const std::size_t row_bytes = static_cast<std::size_t>(row_elems) * elem_size;
  const auto* g = static_cast<const std::byte*>(global);
  auto* l = static_cast<std::byte*>(local);
  for_each_run(layout, rank, world, seq, doc_bounds, [&](std::int64_t lr, std::int64_t gr, std::int64_t len) {
    for (std::int64_t b = 0; b < batch; ++b)
      std::memcpy(l + static_cast<std::size_t>(b * n + lr) * row_bytes,
                  g + static_cast<std::size_t>(b * seq + gr) * row_bytes,
                  static_cast<std::size_t>(len) * row_bytes);
  });
}

void unshard_rows(const void* local, void* global, std::int64_t batch, std::int64_t seq,
                  std::int64_t row_elems, std::size_t elem_size, Layout layout, int rank, int world,
                  const std::vector<std::int64_t>& doc_bounds) {
  check_split(layout, rank, world, seq);
  check_sizes(batch, seq, row_elems, elem_size);
  const std::int64_t n = seq / world;
  const std::size_t row_bytes = static_cast<std::size_t>(row_elems) * elem_size;
  const auto* l = static_cast<const std::byte*>(local);
  auto* g = static_cast<std::byte*>(global);
  for_each_run(layout, rank, world, seq, doc_bounds, [&](std::int64_t lr, std::int64_t gr, std::int64_t len) {
    for (std::int64_t b = 0; b < batch; ++b)
      std::memcpy(g + static_cast<std::size_t>(b * seq + gr) * row_bytes,
                  l + static_cast<std::size_t>(b * n + lr) * row_bytes,
                  static_cast<std::size_t>(len) * row_bytes);
  });
}

void shard_stats(const float* global, float* local, std::int64_t batch, std::int64_t heads, std::int64_t seq,
                 Layout layout, int rank, int world, const std::vector<std::int64_t>& doc_bounds) {
  check_split(layout, rank, world, seq);
  check_sizes(batch, seq, heads, sizeof(float));
  const std::int64_t n = seq / world;
  for_each_run(layout, rank, world, seq, doc_bounds, [&](std::int64_t lr, std::int64_t gr, std::int64_t len) {
    for (std::int64_t bh = 0; bh < batch * heads; ++bh)
      std::memcpy(local + bh * n + lr, global + bh * seq + gr, static_cast<std::size_t>(len) * sizeof(float));
  });
}

void unshard_stats(const float* local, float* global, std::int64_t batch, std::int64_t heads,
                   std::int64_t seq, Layout layout, int rank, int world,
                   const std::vector<std::int64_t>& doc_bounds) {
  check_split(layout, rank, world, seq);
  check_sizes(batch, seq, heads, sizeof(float));
  const std::int64_t n = seq / world;
  for_each_run(layout, rank, world, seq, doc_bounds, [&](std::int64_t lr, std::int64_t gr, std::int64_t len) {
    for (std::int64_t bh = 0; bh < batch * heads; ++bh)
      std::memcpy(global + bh * seq + gr, local + bh * n + lr, static_cast<std::size_t>(len) * sizeof(float));
  });
}

std::int64_t global_position(Layout layout, int rank, int world, std::int64_t seq, std::int64_t local_row,
                             const std::vector<std::int64_t>& doc_bounds) {
  check_split(layout, rank, world, seq);
  const std::int64_t n = seq / world;
  for (const runtime::Segment& s : runtime::layout_segments(layout, rank, world, n, doc_bounds))
    if (local_row >= s.row && local_row < s.row + s.len) return s.pos0 + (local_row - s.row) * s.stride;
  BURST_THROW(InvalidArgument,
              "local row " + std::to_string(local_row) + " is outside 0.." + std::to_string(n - 1));
}

}  // namespace burst
