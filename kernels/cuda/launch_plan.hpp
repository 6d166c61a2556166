// Host-side launch planning for the CUDA kernels, as pure functions (no CUDA header, no GPU):
// the device parameter struct, the grid, the block and the dynamic shared memory of a call. The
// launchers in kernels/cuda/*.cu use exactly these, and tests/gpu checks them on machines without a GPU.
//
//   forward  : grid (ceil(nq / tile_q), H, B),   block warps * 32,  smem desc.smem_bytes
//   backward : grid (ceil(nk / tile_kv), Hkv, B), block warps * 32,  smem desc.smem_bytes
//   delta    : grid ceil(B * n * H / 8), block 256 (one warp per (token, head) row)
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "kernels/attention_params.hpp"
#include "kernels/cuda/device_params.hpp"
#include "kernels/cuda/tile_policy.hpp"
#include "kernels/registry.hpp"

namespace burst::kernels::cuda {

struct LaunchShape {
  std::int64_t grid_x = 0, grid_y = 0, grid_z = 0;
  int block_threads = 0;
  std::size_t smem_bytes = 0;
  bool empty() const { return grid_x == 0 || grid_y == 0 || grid_z == 0; }
};

DeviceFwdParams to_device(const FwdBlockParams& p);
DeviceBwdParams to_device(const BwdBlockParams& p);
DeviceDeltaParams to_device(const DeltaParams& p);

// An empty shape (nothing to launch) for zero-sized calls and for blocks wholly in the future of
// every query under a causal mask.
LaunchShape fwd_launch_shape(TileShape shape, std::size_t smem_bytes, const FwdBlockParams& p);
LaunchShape bwd_launch_shape(TileShape shape, std::size_t smem_bytes, const BwdBlockParams& p);
// The same for a registered CUDA variant (its tile shape, warps and shared memory).
LaunchShape fwd_launch_shape(const KernelDesc& desc, const FwdBlockParams& p);
LaunchShape bwd_launch_shape(const KernelDesc& desc, const BwdBlockParams& p);
LaunchShape delta_launch_shape(const DeltaParams& p);

// nullopt when the shape fits `device` (grid y/z limits, 32-bit row counts), else why not.
std::optional<std::string> check_launch(const LaunchShape& shape, const DeviceLimits& device);

}  // namespace burst::kernels::cuda
