// One CPU kernel variant's tile products, timed alone (bench/tile_products/variant.hpp).
#include "bench/tile_products/variant.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>

#include "kernels/tile_ops.hpp"

namespace burst::bench::BURST_CPU_ISA_NS {
namespace {

namespace tile = burst::kernels::BURST_CPU_ISA_NS::tile;

struct FreeAligned {
  void operator()(float* p) const noexcept { std::free(p); }
};
using Buffer = std::unique_ptr<float[], FreeAligned>;

// n floats, 64-byte aligned, filled with values in [-0.5, 0.5) (no denormals, no overflow).
Buffer filled(std::int64_t n) {
  const auto bytes = static_cast<std::size_t>((n * 4 + 63) / 64 * 64);
  Buffer b(static_cast<float*>(std::aligned_alloc(64, bytes)));
  for (std::int64_t i = 0; i < n; ++i) b[i] = static_cast<float>((i * 7919) % 1000) / 1000.0f - 0.5f;
  return b;
}

}  // namespace

double tile_product_seconds(TileProduct product, std::int64_t d, int calls, int reps) {
  constexpr std::int64_t t = 64;  // tile_q = tile_kv
  const std::int64_t most = t * std::max<std::int64_t>(t, d);
  const Buffer a = filled(most), b = filled(most), c = filled(most);
  const auto once = [&] {
    switch (product) {
      case TileProduct::s_qk:
        tile::gemm_nt(t, t, d, a.get(), d, b.get(), t, c.get(), t);
        break;
      case TileProduct::o_pv:
        tile::gemm_acc(t, d, t, a.get(), t, 1, b.get(), d, c.get(), d);
        break;
      case TileProduct::dv_ptdo:
        tile::gemm_acc(t, d, t, a.get(), 1, t, b.get(), d, c.get(), d);
        break;
      case TileProduct::dq_dsk:
        tile::gemm_nt(t, d, t, a.get(), t, b.get(), d, c.get(), d);
        break;
    }
  };
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) once();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  volatile float sink = c[0];  // the results are used
  (void)sink;
  return best;
}

}  // namespace burst::bench::BURST_CPU_ISA_NS
