// Global order <-> a rank's local order under each layout (see burst::Layout and docs/algorithm.md).
// Callers holding global tensors (the CLI's `run`, tests, a training job) shard before a pass and
// unshard after it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "burst/types.hpp"

namespace burst {

// Rows of a (B, N, row_elems) tensor with elements of elem_size bytes (BSHD: row_elems = heads*d).
// local is (B, N/G, row_elems).
void shard_rows(const void* global, void* local, std::int64_t batch, std::int64_t seq, std::int64_t row_elems,
                std::size_t elem_size, Layout layout, int rank, int world,
                const std::vector<std::int64_t>& doc_bounds = {});
void unshard_rows(const void* local, void* global, std::int64_t batch, std::int64_t seq,
                  std::int64_t row_elems, std::size_t elem_size, Layout layout, int rank, int world,
                  const std::vector<std::int64_t>& doc_bounds = {});

// Columns of a (B, H, N) float32 statistics tensor (lse); local is (B, H, N/G).
void shard_stats(const float* global, float* local, std::int64_t batch, std::int64_t heads, std::int64_t seq,
                 Layout layout, int rank, int world, const std::vector<std::int64_t>& doc_bounds = {});
void unshard_stats(const float* local, float* global, std::int64_t batch, std::int64_t heads,
                   std::int64_t seq, Layout layout, int rank, int world,
                   const std::vector<std::int64_t>& doc_bounds = {});

// Global position of local row i of `rank` (N/G entries).
std::int64_t global_position(Layout layout, int rank, int world, std::int64_t seq, std::int64_t local_row,
                             const std::vector<std::int64_t>& doc_bounds = {});

}  // namespace burst
