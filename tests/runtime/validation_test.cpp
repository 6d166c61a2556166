// Bad shapes and schedules are refused before anything runs, with messages that name the value;
// byte formulas match docs/algorithm.md's worked claims; a silent peer is a timeout, not a hang.
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "burst/attention.hpp"
#include "burst/error.hpp"
#include "comm/launch.hpp"

namespace burst {
namespace {

AttentionShape shape(std::int64_t seq = 64) {
  AttentionShape s;
  s.seq = seq;
  s.heads = 4;
  s.head_dim = 64;
  return s;
}

void expect_invalid(const AttentionShape& s, const Schedule& sc, int world, const std::string& needle) {
  try {
    validate(s, sc, world);
    ADD_FAILURE() << "accepted, expected an error mentioning '" << needle << "'";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Validate, RefusesShapesAndSchedulesThatDoNotDivide) {
  Schedule sc;
  expect_invalid(shape(66), sc, 4, "divisible by the world size 4");
  sc.layout = Layout::zigzag;
  expect_invalid(shape(39), sc, 3, "divisible by 2 x world size = 6");
  sc.layout = Layout::contiguous;
  sc.overlap = Overlap::chunk_pipeline;
  sc.chunks = 3;
  expect_invalid(shape(64), sc, 2, "divisible by the chunk count");
  sc.overlap = Overlap::none;
  sc.chunks = 2;
  expect_invalid(shape(64), sc, 2, "needs --overlap chunk_pipeline");
  sc = Schedule{};
  sc.topology = Topology::double_ring;
  sc.group_size = 3;
  expect_invalid(shape(64), sc, 4, "group size");
  AttentionShape s = shape();
  s.kv_heads = 3;
  expect_invalid(s, Schedule{}, 1, "kv heads 3 must divide heads 4");
  s = shape();
  s.head_dim = 60;
  expect_invalid(s, Schedule{}, 1, "head dim 60");
  s.head_dim = 512;
  expect_invalid(s, Schedule{}, 1, "head dim 512");
}

// check_runnable names the parameter table entry at fault, so callers can name a flag or JSON path.
TEST(CheckRunnable, NamesTheParameterAndTheStage) {
  Schedule sc;
  sc.tile_q = 24;
  auto p = check_runnable(shape(64), sc, 1);
  ASSERT_TRUE(p.has_value());
  ASSERT_NE(p->param, nullptr);
  EXPECT_EQ(p->param->name, "kernel.tile_q");
  EXPECT_EQ(p->stage, RunProblem::Stage::parameter);
  EXPECT_NE(p->message.find("16..256, multiple of 16"), std::string::npos) << p->message;
  sc = Schedule{};
  sc.topology = Topology::double_ring;
  sc.group_size = 3;
  p = check_runnable(shape(64), sc, 4);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->param, find_param("ring.group_size"));
  // A head dim the registry's only cpu kernel refuses: the kernel stage, no parameter.
  AttentionShape s = shape();
  s.head_dim = 60;
  p = check_runnable(s, Schedule{}, 1);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->stage, RunProblem::Stage::kernel);
  EXPECT_EQ(p->param, nullptr);
  EXPECT_NE(p->message.find("cpu_tiled"), std::string::npos) << p->message;
}

// Group size 0 is one group of the whole world, for either topology (docs/run.md).
TEST(CheckRunnable, DoubleTopologyWithGroupSizeZeroIsOneGroup) {
  Schedule sc;
  sc.topology = Topology::double_ring;
  EXPECT_FALSE(check_runnable(shape(64), sc, 4).has_value());
  sc.group_size = 2;
  EXPECT_FALSE(check_runnable(shape(64), sc, 4).has_value());
}

// The registry names the variant that runs each pass; the forward alone needs no backward kernel.
TEST(CheckRunnable, PlanNamesTheRegistryVariants) {
  const KernelPlan plan = plan_kernels(shape(64), Schedule{}, 1);
  EXPECT_EQ(plan.forward, "cpu_tiled");
  EXPECT_EQ(plan.backward, "cpu_tiled");
  EXPECT_TRUE(plan_kernels(shape(64), Schedule{}, 1, Backend::cpu, Pass::fwd).backward.empty());
  EXPECT_THROW(plan_kernels(shape(64), Schedule{}, 1, Backend::cuda), InvalidArgument);
}

// Sizes whose product overflows are refused, not wrapped.
TEST(CheckRunnable, HugeShapesAreRefused) {
  AttentionShape s = shape(4);
  s.batch = std::int64_t{1} << 62;
  const auto p = check_runnable(s, Schedule{}, 1);
  ASSERT_TRUE(p.has_value());
  EXPECT_NE(p->message.find("too large"), std::string::npos) << p->message;
}

TEST(Validate, ZigzagAcceptsWhatDivides) {
  Schedule sc;
  sc.layout = Layout::zigzag;
  EXPECT_NO_THROW(validate(shape(48), sc, 3));
}

TEST(Bytes, FormulasOfAlgorithmMd) {
  AttentionShape s;
  s.batch = 2;
  s.seq = 1024;
  s.heads = 8;
  s.kv_heads = 8;
  s.head_dim = 128;
  s.dtype = DType::bf16;
  Schedule q, kv;
  kv.bwd_comm = BwdComm::kv;
  const std::uint64_t G = 4, n = 256;
  EXPECT_EQ(forward_bytes_per_rank(s, q, 4), (G - 1) * 2 * 2 * n * 8 * 128 * 2);
  EXPECT_EQ(backward_bytes_per_rank(s, q, 4),
            (G - 1) * 2 * n * 8 * (2 * 128 * 2 + 8) + G * 2 * n * 8 * 128 * 4);
  EXPECT_EQ(backward_bytes_per_rank(s, kv, 4),
            (G - 1) * 2 * n * 8 * (2 * 128 * 2) + G * 2 * n * 8 * 2 * 128 * 4);
  // MHA with bf16: q sends about a third less than kv (the papers' claim).
  const double ratio = double(backward_bytes_per_rank(s, q, 4)) / double(backward_bytes_per_rank(s, kv, 4));
  EXPECT_NEAR(ratio, 2.0 / 3.0, 0.05);
  // GQA at H/Hkv = 4: kv sends less.
  s.kv_heads = 2;
  EXPECT_LT(backward_bytes_per_rank(s, kv, 4), backward_bytes_per_rank(s, q, 4));
  EXPECT_EQ(forward_bytes_per_rank(s, q, 1), 0u);
  EXPECT_EQ(backward_bytes_per_rank(s, q, 1), 0u);
  // FLOPs: 4 B H d times the visible pairs: N^2 full, N(N+1)/2 causal; backward 2.5x.
  s.causal = false;
  EXPECT_DOUBLE_EQ(forward_flops(s), 4.0 * 2 * 1024.0 * 1024 * 8 * 128);
  s.causal = true;
  EXPECT_DOUBLE_EQ(forward_flops(s), 4.0 * 2 * 1024.0 * 1025 / 2 * 8 * 128);
  EXPECT_DOUBLE_EQ(backward_flops(s), 2.5 * forward_flops(s));
}

TEST(Deadline, APeerThatNeverAnswersIsATimeoutNamingRankPeerAndStep) {
  const auto start = std::chrono::steady_clock::now();
  try {
    comm::run_local(
        2,
        [](Communicator& c) {
          if (c.rank() == 1) return;  // never joins the ring
          AttentionShape s = shape(64);
          BurstAttention op(c, s, Schedule{});
          std::vector<float> q(32 * 4 * 64), o(q.size()), lse(32 * 4);
          op.forward(q.data(), q.data(), q.data(), o.data(), lse.data());
        },
        std::chrono::milliseconds(300));
    ADD_FAILURE() << "expected a timeout";
  } catch (const Timeout& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("rank 0"), std::string::npos) << m;
    EXPECT_NE(m.find("rank 1"), std::string::npos) << m;
    EXPECT_NE(m.find("forward step"), std::string::npos) << m;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace burst
