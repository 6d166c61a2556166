// The four tile products of the CPU attention kernels (kernels/tile_ops.hpp), timed alone on
// cache-resident tiles: what the micro-kernels reach when their operands are already near, to set
// against the whole kernels' throughput in bench_kernels (bench/kernels.cpp, bm_tile_product).
// bench/tile_products/variant.cpp is compiled once per CPU kernel variant (bench/CMakeLists.txt),
// with that variant's flags and namespace, like kernels/cpu_forward.cpp.
#pragma once

#include <cstdint>

namespace burst::bench {

// The products with their shapes in the kernels, for a tile_q = tile_kv = 64 tile pair and head
// dim d (operands laid out as the kernels lay them out):
//   s_qk    S  (64 x 64)   = Q (64 x d) K^T             gemm_nt,  depth d     forward and backward
//   o_pv    O  (64 x d)   += P (64 x 64) V (64 x d)     gemm_acc, depth 64    forward
//   dv_ptdo dV (64 x d)   += P^T dO (P read strided)    gemm_acc, depth 64    backward (dV, dK)
//   dq_dsk  C  (64 x d)    = dS (64 x 64) K (64 x d)    gemm_nt,  depth 64    backward (dQ)
enum class TileProduct : int { s_qk = 0, o_pv = 1, dv_ptdo = 2, dq_dsk = 3 };
inline constexpr int tile_product_count = 4;
inline constexpr const char* tile_product_names[] = {"s_qk", "o_pv", "dv_ptdo", "dq_dsk"};

}  // namespace burst::bench

#define BURST_DECLARE_TILE_PRODUCTS(ns)                                                                \
  namespace burst::bench::ns {                                                                         \
  /* Wall seconds of `calls` back-to-back calls of product `product` at head dim d (a multiple of 16), \
     the fastest of `reps` repetitions. */                                                             \
  double tile_product_seconds(TileProduct product, std::int64_t d, int calls, int reps);               \
  }
BURST_DECLARE_TILE_PRODUCTS(isa_baseline)
BURST_DECLARE_TILE_PRODUCTS(isa_avx2)
BURST_DECLARE_TILE_PRODUCTS(isa_avx512)
BURST_DECLARE_TILE_PRODUCTS(isa_native)
#undef BURST_DECLARE_TILE_PRODUCTS
