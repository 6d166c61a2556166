// Host-side launch planning for the CUDA kernels (see launch_plan.hpp).
#include "kernels/cuda/launch_plan.hpp"

#include <limits>

#include "burst/error.hpp"

namespace burst::kernels::cuda {
namespace {

constexpr float log2e = 1.44269504088896340736f;

int narrow_rows(std::int64_t n, const char* what) {
  BURST_REQUIRE(
      n >= 0 && n <= std::numeric_limits<int>::max(),
      std::string("CUDA kernels take at most 2^31-1 rows per block; ") + what + " = " + std::to_string(n));
  return static_cast<int>(n);
}

DeviceMask to_device(const MaskParams& m) {
  return DeviceMask{m.kind == MaskMode::causal ? 1 : 0, m.q_pos0, m.q_pos_stride, m.k_pos0, m.k_pos_stride};
}

// True when a causal block lies wholly in the future of every query (nothing to compute).
bool wholly_masked(const MaskParams& m, std::int64_t nq, std::int64_t nk) {
  if (m.kind != MaskMode::causal || nq == 0 || nk == 0) return false;
  return m.k_pos0 > m.q_pos0 + (nq - 1) * m.q_pos_stride;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

}  // namespace

DeviceFwdParams to_device(const FwdBlockParams& p) {
  DeviceFwdParams d;
  d.q = p.q, d.k = p.k, d.v = p.v, d.o = p.o, d.lse = p.lse;
  d.q_batch_stride = p.q_batch_stride, d.q_row_stride = p.q_row_stride;
  d.kv_batch_stride = p.kv_batch_stride, d.kv_row_stride = p.kv_row_stride;
  d.o_batch_stride = p.o_batch_stride, d.o_row_stride = p.o_row_stride;
  d.lse_batch_stride = p.lse_batch_stride, d.lse_head_stride = p.lse_head_stride;
  d.nq = narrow_rows(p.nq, "nq"), d.nk = narrow_rows(p.nk, "nk"), d.heads = narrow_rows(p.heads, "heads");
  d.group = p.kv_heads > 0 ? static_cast<int>(p.heads / p.kv_heads) : 1;
  d.scale = p.scale, d.scale_log2 = p.scale * log2e;
  d.mask = to_device(p.mask);
  return d;
}

DeviceBwdParams to_device(const BwdBlockParams& p) {
  DeviceBwdParams d;
  d.q = p.q, d.dout = p.dout, d.k = p.k, d.v = p.v, d.lse = p.lse, d.delta = p.delta;
  d.dq = p.dq, d.dk = p.dk, d.dv = p.dv;
  d.q_batch_stride = p.q_batch_stride, d.q_row_stride = p.q_row_stride;
  d.kv_batch_stride = p.kv_batch_stride, d.kv_row_stride = p.kv_row_stride;
  d.stat_batch_stride = p.stat_batch_stride, d.stat_head_stride = p.stat_head_stride;
  d.dq_batch_stride = p.dq_batch_stride, d.dq_row_stride = p.dq_row_stride;
  d.dkv_batch_stride = p.dkv_batch_stride, d.dkv_row_stride = p.dkv_row_stride;
  d.nq = narrow_rows(p.nq, "nq"), d.nk = narrow_rows(p.nk, "nk"), d.heads = narrow_rows(p.heads, "heads");
  d.group = p.kv_heads > 0 ? static_cast<int>(p.heads / p.kv_heads) : 1;
  d.scale = p.scale, d.scale_log2 = p.scale * log2e;
  d.mask = to_device(p.mask);
  return d;
}

DeviceDeltaParams to_device(const DeltaParams& p) {
  return DeviceDeltaParams{
      p.dout, p.o, p.delta, p.batch, p.n, narrow_rows(p.heads, "heads"), narrow_rows(p.head_dim, "head_dim")};
}

LaunchShape fwd_launch_shape(TileShape shape, std::size_t smem_bytes, const FwdBlockParams& p) {
  BURST_CHECK(shape.tile_q > 0 && shape.warps > 0, "forward tile shape must be positive");
  if (p.batch == 0 || p.nq == 0 || p.nk == 0 || p.heads == 0 || wholly_masked(p.mask, p.nq, p.nk)) return {};
  return LaunchShape{ceil_div(p.nq, shape.tile_q), p.heads, p.batch, shape.warps * 32, smem_bytes};
}

LaunchShape bwd_launch_shape(TileShape shape, std::size_t smem_bytes, const BwdBlockParams& p) {
  BURST_CHECK(shape.tile_kv > 0 && shape.warps > 0, "backward tile shape must be positive");
  if (p.batch == 0 || p.nq == 0 || p.nk == 0 || p.heads == 0 || wholly_masked(p.mask, p.nq, p.nk)) return {};
  return LaunchShape{ceil_div(p.nk, shape.tile_kv), p.kv_heads, p.batch, shape.warps * 32, smem_bytes};
}

LaunchShape fwd_launch_shape(const KernelDesc& desc, const FwdBlockParams& p) {
  BURST_CHECK(desc.backend == Backend::cuda, std::string(desc.name) + " is not a CUDA variant");
  return fwd_launch_shape(TileShape{desc.tile_q, desc.tile_kv, desc.warps, desc.stages}, desc.smem_bytes, p);
}

LaunchShape bwd_launch_shape(const KernelDesc& desc, const BwdBlockParams& p) {
  BURST_CHECK(desc.backend == Backend::cuda, std::string(desc.name) + " is not a CUDA variant");
  return bwd_launch_shape(TileShape{desc.tile_q, desc.tile_kv, desc.warps, desc.stages}, desc.smem_bytes, p);
}

LaunchShape delta_launch_shape(const DeltaParams& p) {
  const std::int64_t rows = p.batch * p.n * p.heads;
  if (rows == 0) return {};
  return LaunchShape{ceil_div(rows, 8), 1, 1, 256, 0};
}

std::optional<std::string> check_launch(const LaunchShape& shape, const DeviceLimits& device) {
  if (shape.grid_x > std::numeric_limits<int>::max())
    return "grid x " + std::to_string(shape.grid_x) + " exceeds 2^31-1";
  if (shape.grid_y > device.max_grid_y)
    return "heads " + std::to_string(shape.grid_y) + " exceed the grid's y limit " +
           std::to_string(device.max_grid_y);
  if (shape.grid_z > device.max_grid_z)
    return "batch " + std::to_string(shape.grid_z) + " exceeds the grid's z limit " +
           std::to_string(device.max_grid_z);
  if (shape.smem_bytes > device.smem_per_block_optin)
    return "shared memory " + std::to_string(shape.smem_bytes) + " exceeds the device's " +
           std::to_string(device.smem_per_block_optin) + " bytes per block";
  return std::nullopt;
}

}  // namespace burst::kernels::cuda
