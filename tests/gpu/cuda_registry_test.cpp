// Host-only: the CUDA variants in the kernel registry, their constraints and the device-limit check.
#include "kernels/cuda/cuda_registry.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "kernels/cuda/tile_policy.hpp"
#include "kernels/registry.hpp"

namespace burst::kernels {
namespace {

using cuda::TileShape;

constexpr DeviceLimits h100{90, 227 * 1024, 65535, 65535};
constexpr DeviceLimits a100{80, 163 * 1024, 65535, 65535};
constexpr DeviceLimits no_optin{90, 48 * 1024, 65535, 65535};

std::vector<const KernelDesc*> cuda_entries() {
  std::vector<const KernelDesc*> out;
  for (const KernelDesc& k : kernel_registry())
    if (k.backend == Backend::cuda) out.push_back(&k);
  return out;
}

TEST(CudaRegistry, EveryInstantiationIsRegisteredOnce) {
  const auto entries = cuda_entries();
  // 2 dtypes x 2 head dims x 2 shapes (mma forward) + 2 (fp32 forward) + 3 dtypes x 2 head dims (backward)
  EXPECT_EQ(entries.size(), 16u);
  std::set<std::string> names;
  for (const KernelDesc* k : entries) {
    EXPECT_TRUE(names.insert(std::string(k->name)).second) << "duplicate " << k->name;
    EXPECT_EQ(find_kernel(k->name), k);
    EXPECT_FALSE(k->description.empty()) << k->name;
    EXPECT_EQ(k->forward, nullptr) << k->name << ": CUDA entries have no host entry point";
    EXPECT_EQ(k->backward, nullptr) << k->name;
    EXPECT_NE((k->launch_forward != nullptr), (k->launch_backward != nullptr))
        << k->name << ": one pass per entry";
    EXPECT_EQ(k->min_arch, 80) << k->name;
    EXPECT_EQ(k->dtypes.size(), 1u) << k->name;
    EXPECT_EQ(k->min_head_dim, k->max_head_dim) << k->name;
    EXPECT_GT(k->tile_q, 0) << k->name;
    EXPECT_GT(k->tile_kv, 0) << k->name;
    EXPECT_GT(k->smem_bytes, 0u) << k->name;
  }
  // The CPU kernel keeps its place and its behaviour.
  EXPECT_EQ(&find_cpu_kernel(), &kernel_registry()[0]);
  EXPECT_EQ(find_cpu_kernel().backend, Backend::cpu);
  EXPECT_FALSE(can_run_on(find_cpu_kernel(), no_optin).has_value());
}

TEST(CudaRegistry, SharedMemoryMatchesTilePolicy) {
  for (const KernelDesc* k : cuda_entries()) {
    const TileShape s{k->tile_q, k->tile_kv, k->warps, k->stages};
    const int d = k->min_head_dim;
    if (k->launch_backward) {
      EXPECT_EQ(k->smem_bytes, cuda::bwd_simt_smem_bytes(s, d)) << k->name;
    } else if (k->dtypes[0] == DType::f32) {
      EXPECT_EQ(k->smem_bytes, cuda::fwd_simt_smem_bytes(s, d)) << k->name;
    } else {
      EXPECT_TRUE(cuda::valid_fwd_mma_shape(s, d)) << k->name;
      EXPECT_EQ(k->smem_bytes, cuda::fwd_mma_smem_bytes(s, d)) << k->name;
      EXPECT_EQ(k->vector_elems, 8) << k->name;
    }
  }
  // The documented example: 128x64, 2 stages, d=128 needs (128 + 2*2*64) * 136 * 2 bytes.
  const KernelDesc* big = find_kernel("cuda_mma_fwd_bf16_d128_128x64_w8_s2");
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->smem_bytes, 104448u);
}

TEST(CudaRegistry, CanRunOnChecksSharedMemoryAndArchitecture) {
  for (const KernelDesc* k : cuda_entries()) {
    EXPECT_FALSE(can_run_on(*k, h100).has_value()) << k->name;  // 227 KiB opt-in holds every variant
    EXPECT_FALSE(can_run_on(*k, a100).has_value()) << k->name;  // 163 KiB too
    const auto no_opt = can_run_on(*k, no_optin);
    EXPECT_EQ(no_opt.has_value(), k->smem_bytes > 48 * 1024) << k->name;
    if (no_opt) {
      EXPECT_NE(no_opt->find("shared memory"), std::string::npos) << *no_opt;
    }
    const auto turing = can_run_on(*k, DeviceLimits{75, 64 * 1024, 65535, 65535});
    ASSERT_TRUE(turing.has_value()) << k->name;
    EXPECT_NE(turing->find("sm_75"), std::string::npos) << *turing;
  }
  const KernelDesc* big = find_kernel("cuda_mma_fwd_bf16_d128_128x64_w8_s2");
  ASSERT_NE(big, nullptr);
  const KernelProblem problem{DType::bf16, 128, 16, 16, 128, 64};
  EXPECT_FALSE(can_implement(*big, problem, h100).has_value());
  const auto limited = can_implement(*big, problem, no_optin);
  ASSERT_TRUE(limited.has_value());
  EXPECT_NE(limited->find("104448 bytes"), std::string::npos) << *limited;
  const KernelDesc* small = find_kernel("cuda_mma_fwd_bf16_d64_64x64_w4_s2");
  ASSERT_NE(small, nullptr);
  EXPECT_LE(small->smem_bytes, 48u * 1024);  // (64 + 256) * 72 * 2 = 46080: fits without opting in
  EXPECT_FALSE(can_run_on(*small, no_optin).has_value());
}

TEST(CudaRegistry, CanImplementNamesTheMismatch) {
  const KernelDesc* k = find_kernel("cuda_mma_fwd_fp16_d128_64x64_w4_s2");
  ASSERT_NE(k, nullptr);
  EXPECT_FALSE(can_implement(*k, KernelProblem{DType::f16, 128, 8, 2, 64, 64}).has_value());
  const auto dtype = can_implement(*k, KernelProblem{DType::bf16, 128, 8, 2, 64, 64});
  ASSERT_TRUE(dtype.has_value());
  EXPECT_NE(dtype->find("dtype"), std::string::npos);
  const auto dim = can_implement(*k, KernelProblem{DType::f16, 64, 8, 2, 64, 64});
  ASSERT_TRUE(dim.has_value());
  EXPECT_NE(dim->find("head_dim"), std::string::npos);
  const auto tile = can_implement(*k, KernelProblem{DType::f16, 128, 8, 2, 128, 64});
  ASSERT_TRUE(tile.has_value());
  EXPECT_NE(tile->find("tile_q"), std::string::npos);

  BwdBlockParams bp;
  bp.dtype = DType::f16, bp.batch = 1, bp.nq = 8, bp.nk = 8, bp.heads = 1, bp.kv_heads = 1, bp.head_dim = 128;
  bp.scale = 0.1f, bp.tile_q = 64, bp.tile_kv = 64;
  bp.q_row_stride = bp.dq_row_stride = bp.kv_row_stride = bp.dkv_row_stride = 128, bp.stat_head_stride = 8;
  const auto no_bwd = can_implement(*k, bp);
  ASSERT_TRUE(no_bwd.has_value());
  EXPECT_NE(no_bwd->find("no backward"), std::string::npos);
}

TEST(CudaRegistry, VectorisedVariantsCheckAlignment) {
  const KernelDesc* k = find_kernel("cuda_mma_fwd_bf16_d64_64x64_w4_s2");
  ASSERT_NE(k, nullptr);
  alignas(16) static unsigned char storage[64];
  FwdBlockParams p;
  p.dtype = DType::bf16, p.batch = 1, p.nq = 4, p.nk = 4, p.heads = 2, p.kv_heads = 1, p.head_dim = 64;
  p.scale = 0.125f, p.tile_q = 64, p.tile_kv = 64;
  p.q = p.k = p.v = storage;
  p.q_row_stride = p.o_row_stride = 128, p.kv_row_stride = 64, p.lse_head_stride = 4;
  EXPECT_FALSE(can_implement(*k, p).has_value());
  p.k = storage + 2;  // 2-byte aligned only
  const auto ptr = can_implement(*k, p);
  ASSERT_TRUE(ptr.has_value());
  EXPECT_NE(ptr->find("aligned"), std::string::npos);
  p.k = storage, p.q_row_stride = 132;  // not a multiple of 8 elements
  const auto stride = can_implement(*k, p);
  ASSERT_TRUE(stride.has_value());
  EXPECT_NE(stride->find("multiples of 8"), std::string::npos);
  // The SIMT fp32 forward reads element by element: no alignment demand.
  const KernelDesc* simt = find_kernel("cuda_simt_fwd_fp32_d64_32x32_w4");
  ASSERT_NE(simt, nullptr);
  p.dtype = DType::f32, p.tile_q = p.tile_kv = 32, p.k = storage + 4;
  EXPECT_FALSE(can_implement(*simt, p).has_value());
}

TEST(CudaTilePolicy, DefaultShapeIsInstantiated) {
  for (std::int64_t nq : {1, 100, 1023, 1024, 100000}) {
    const TileShape s = cuda::default_fwd_shape(nq);
    const std::string name = "cuda_mma_fwd_bf16_d128_" + std::to_string(s.tile_q) + "x" +
                             std::to_string(s.tile_kv) + "_w" + std::to_string(s.warps) + "_s" +
                             std::to_string(s.stages);
    EXPECT_NE(find_kernel(name), nullptr) << name;
  }
}

}  // namespace
}  // namespace burst::kernels
