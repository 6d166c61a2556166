// The kernel registry's constraints and the thread pool (concurrent callers, exceptions, nesting).
#include "kernels/registry.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "kernels/thread_pool.hpp"

namespace burst::kernels {
namespace {

TEST(KernelsRegistry, CpuKernelIsRegistered) {
  const KernelDesc& k = find_cpu_kernel();
  EXPECT_EQ(k.name, "cpu_tiled");
  EXPECT_EQ(k.backend, Backend::cpu);
  EXPECT_NE(k.forward, nullptr);
  EXPECT_NE(k.backward, nullptr);
  EXPECT_EQ(find_kernel("cpu_tiled"), &k);
  EXPECT_EQ(find_kernel("no_such_kernel"), nullptr);
  EXPECT_GE(kernel_registry().size(), 1u);
}

TEST(KernelsRegistry, CanImplementGivesReasons) {
  const KernelDesc& k = find_cpu_kernel();
  EXPECT_FALSE(can_implement(k, KernelProblem{DType::bf16, 128, 8, 2, 64, 64}).has_value());
  EXPECT_FALSE(can_implement(k, KernelProblem{DType::f16, 32, 1, 1, 16, 256}).has_value());
  const auto bad_dim = can_implement(k, KernelProblem{DType::f32, 36, 8, 8, 64, 64});
  ASSERT_TRUE(bad_dim.has_value());
  EXPECT_NE(bad_dim->find("head_dim"), std::string::npos);
  EXPECT_TRUE(can_implement(k, KernelProblem{DType::f32, 264, 8, 8, 64, 64}).has_value());
  const auto bad_tile = can_implement(k, KernelProblem{DType::f32, 64, 8, 8, 64, 512});
  ASSERT_TRUE(bad_tile.has_value());
  EXPECT_NE(bad_tile->find("tile_kv"), std::string::npos);
  EXPECT_TRUE(can_implement(k, KernelProblem{DType::f32, 64, 8, 3, 64, 64}).has_value());  // 8 % 3
  FwdBlockParams p;
  p.batch = 1, p.nq = 4, p.nk = 4, p.heads = 2, p.kv_heads = 1, p.head_dim = 64, p.scale = 0.125f;
  p.q_row_stride = p.o_row_stride = 128, p.kv_row_stride = 64, p.lse_head_stride = 4;
  EXPECT_FALSE(can_implement(k, p).has_value());
  p.scale = 0.0f;
  EXPECT_TRUE(can_implement(k, p).has_value());
  p.scale = 0.125f, p.mask.kind = MaskMode::causal, p.mask.k_pos_stride = 0;
  EXPECT_TRUE(can_implement(k, p).has_value());
}

TEST(KernelsRegistry, MasksBeyondCausalNeedAKernelThatAppliesTheWholeRule) {
  const KernelDesc& cpu = find_cpu_kernel();
  EXPECT_TRUE(cpu.bounded_masks);
  KernelProblem problem{DType::f32, 64, 8, 2, 64, 64};
  problem.bounded_mask = true;
  EXPECT_FALSE(can_implement(cpu, problem).has_value());
  KernelDesc causal_only = cpu;
  causal_only.name = "causal_only";
  causal_only.bounded_masks = false;
  const auto why = refusal(causal_only, problem);
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(why->field, "mask");
  EXPECT_EQ(
      why->message,
      "causal_only applies only the causal mask; documents and sliding windows need a kernel that applies "
      "the whole mask rule (cpu_tiled)");
  problem.bounded_mask = false;
  EXPECT_FALSE(refusal(causal_only, problem).has_value());
  // Every compiled CUDA variant applies only the causal mask: the registry must say so.
  for (const KernelDesc& k : kernel_registry()) {
    if (k.backend == Backend::cuda) {
      EXPECT_FALSE(k.bounded_masks) << k.name;
    }
  }
}

TEST(KernelsThreadPool, EveryIndexOnceFromConcurrentCallers) {
  constexpr int callers = 4;
  constexpr std::int64_t count = 1000;
  std::vector<std::vector<std::atomic<int>>> hits(callers);
  for (auto& h : hits) h = std::vector<std::atomic<int>>(count);
  std::vector<std::thread> threads;
  for (int c = 0; c < callers; ++c)
    threads.emplace_back([&, c] {
      for (int rep = 0; rep < 5; ++rep)
        parallel_for(count, 3, [&](std::int64_t i) {
          hits[static_cast<std::size_t>(c)][static_cast<std::size_t>(i)]++;
        });
    });
  for (auto& t : threads) t.join();
  for (auto& h : hits)
    for (auto& x : h) ASSERT_EQ(x.load(), 5);
  EXPECT_GE(thread_pool_size(), 2);
}

TEST(KernelsThreadPool, ExceptionReachesCallerAndNestingRunsInline) {
  EXPECT_THROW(parallel_for(100, 2,
                            [](std::int64_t i) {
                              if (i == 37) throw std::runtime_error("item 37");
                            }),
               std::runtime_error);
  std::atomic<int> inner{0};
  parallel_for(8, 2, [&](std::int64_t) { parallel_for(10, 2, [&](std::int64_t) { inner++; }); });
  EXPECT_EQ(inner.load(), 80);
}

}  // namespace
}  // namespace burst::kernels
