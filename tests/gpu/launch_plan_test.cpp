// Host-only: launch planning for the CUDA kernels (grid, block, shared memory, device parameters).
#include "kernels/cuda/launch_plan.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "burst/error.hpp"
#include "kernels/registry.hpp"

namespace burst::kernels::cuda {
namespace {

FwdBlockParams fwd_params(std::int64_t batch, std::int64_t nq, std::int64_t nk, std::int64_t heads,
                          std::int64_t kv_heads) {
  FwdBlockParams p;
  p.dtype = DType::bf16, p.batch = batch, p.nq = nq, p.nk = nk, p.heads = heads, p.kv_heads = kv_heads;
  p.head_dim = 128, p.scale = 0.125f, p.tile_q = 128, p.tile_kv = 64;
  p.q_row_stride = p.o_row_stride = heads * 128, p.kv_row_stride = kv_heads * 128, p.lse_head_stride = nq;
  return p;
}

TEST(CudaLaunchPlan, ForwardGridCoversQueryTilesHeadsAndBatch) {
  const KernelDesc* k = find_kernel("cuda_mma_fwd_bf16_d128_128x64_w8_s2");
  ASSERT_NE(k, nullptr);
  const LaunchShape s = fwd_launch_shape(*k, fwd_params(3, 1000, 700, 16, 4));
  EXPECT_EQ(s.grid_x, 8);  // ceil(1000 / 128)
  EXPECT_EQ(s.grid_y, 16);
  EXPECT_EQ(s.grid_z, 3);
  EXPECT_EQ(s.block_threads, 256);
  EXPECT_EQ(s.smem_bytes, k->smem_bytes);
  EXPECT_FALSE(check_launch(s, DeviceLimits{90, 227 * 1024, 65535, 65535}).has_value());
  const auto too_big = check_launch(s, DeviceLimits{90, 48 * 1024, 65535, 65535});
  ASSERT_TRUE(too_big.has_value());
  EXPECT_NE(too_big->find("shared memory"), std::string::npos);
  EXPECT_TRUE(check_launch(s, DeviceLimits{90, 227 * 1024, 8, 65535}).has_value());  // 16 heads > grid y 8
}

TEST(CudaLaunchPlan, BackwardGridCoversKeyTilesAndKvHeads) {
  const KernelDesc* k = find_kernel("cuda_simt_bwd_bf16_d128_32x32_w4");
  ASSERT_NE(k, nullptr);
  BwdBlockParams p;
  p.dtype = DType::bf16, p.batch = 2, p.nq = 100, p.nk = 65, p.heads = 8, p.kv_heads = 2, p.head_dim = 128;
  p.scale = 0.1f;
  const LaunchShape s = bwd_launch_shape(*k, p);
  EXPECT_EQ(s.grid_x, 3);  // ceil(65 / 32)
  EXPECT_EQ(s.grid_y, 2);
  EXPECT_EQ(s.grid_z, 2);
  EXPECT_EQ(s.block_threads, 128);
  const DeviceBwdParams d = to_device(p);
  EXPECT_EQ(d.group, 4);
  EXPECT_EQ(d.nq, 100);
  EXPECT_EQ(d.nk, 65);
}

TEST(CudaLaunchPlan, NothingToLaunchForEmptyOrFutureBlocks) {
  const KernelDesc* k = find_kernel("cuda_mma_fwd_fp16_d128_64x64_w4_s2");
  ASSERT_NE(k, nullptr);
  FwdBlockParams p = fwd_params(1, 64, 64, 2, 2);
  p.nk = 0;
  EXPECT_TRUE(fwd_launch_shape(*k, p).empty());
  p = fwd_params(1, 64, 64, 2, 2);
  p.mask = MaskParams{MaskMode::causal, 0, 1, 64, 1, {}};  // keys 64..127, queries 0..63: all in the future
  EXPECT_TRUE(fwd_launch_shape(*k, p).empty());
  p.mask.k_pos0 = 63;  // key 63 is visible to query 63
  EXPECT_FALSE(fwd_launch_shape(*k, p).empty());
  p.mask = MaskParams{MaskMode::causal, 1000, 1, 0, 1, {}};  // shifted-causal: every key in the past
  EXPECT_EQ(fwd_launch_shape(*k, p).grid_x, 1);
}

TEST(CudaLaunchPlan, DeviceParamsCarryScaleGroupsAndMask) {
  FwdBlockParams p = fwd_params(2, 10, 20, 6, 3);
  p.scale = 0.5f;
  p.mask = MaskParams{MaskMode::causal, 7, 2, 3, 2, {}};
  p.q_batch_stride = 111, p.kv_batch_stride = 222, p.o_batch_stride = 333, p.lse_batch_stride = 444;
  const DeviceFwdParams d = to_device(p);
  EXPECT_EQ(d.group, 2);
  EXPECT_FLOAT_EQ(d.scale, 0.5f);
  EXPECT_NEAR(d.scale_log2, 0.5 / std::log(2.0), 1e-6);
  EXPECT_EQ(d.mask.causal, 1);
  EXPECT_EQ(d.mask.q_pos0, 7);
  EXPECT_EQ(d.mask.q_pos_stride, 2);
  EXPECT_EQ(d.mask.k_pos0, 3);
  EXPECT_EQ(d.mask.k_pos_stride, 2);
  EXPECT_EQ(d.q_batch_stride, 111);
  EXPECT_EQ(d.kv_batch_stride, 222);
  EXPECT_EQ(d.o_batch_stride, 333);
  EXPECT_EQ(d.lse_batch_stride, 444);
  p.nq = std::int64_t{1} << 31;
  EXPECT_THROW(to_device(p), InvalidArgument);
}

TEST(CudaLaunchPlan, DeltaOneWarpPerRow) {
  DeltaParams p;
  p.batch = 2, p.n = 100, p.heads = 3, p.head_dim = 64;
  const LaunchShape s = delta_launch_shape(p);
  EXPECT_EQ(s.grid_x, 75);  // 600 rows / 8 warps per block
  EXPECT_EQ(s.block_threads, 256);
  p.n = 0;
  EXPECT_TRUE(delta_launch_shape(p).empty());
}

}  // namespace
}  // namespace burst::kernels::cuda
