// Every schedule of the ring on threads-as-ranks, against the float64 reference: world sizes 1, 2,
// 3, 4, 8 and double rings 2x2 and 2x4; layouts; both backward schemes; every overlap strategy and
// chunk count; inside each: causal and not, MHA and GQA, head dims 64 and 128, fp32/fp16/bf16.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "comm/launch.hpp"
#include "ring_harness.hpp"

namespace burst::test {
namespace {

struct WorldSpec {
  int world;
  int group_size;  // 0: flat
};

std::string world_name(const WorldSpec& w) {
  return w.group_size ? fmt::format("double{}x{}", w.world / w.group_size, w.group_size)
                      : fmt::format("flat{}", w.world);
}

struct OverlapSpec {
  Overlap overlap;
  int chunks;
};

using Param = std::tuple<WorldSpec, Layout, BwdComm, OverlapSpec>;

constexpr std::int64_t kSeq = 96;  // tokens in all; kSeq / world per rank

class RingTest : public ::testing::TestWithParam<Param> {};

void expect_within(const RingErrors& e, const RingCase& c, int rank) {
  const std::string where = fmt::format("rank {}: {}", rank, c.name());
  EXPECT_LE(e.o, e.allowed_o) << "o " << where;
  EXPECT_LE(e.lse, e.allowed_lse) << "lse " << where;
  EXPECT_LE(e.dq, e.allowed_dq) << "dq " << where;
  EXPECT_LE(e.dk, e.allowed_dk) << "dk " << where;
  EXPECT_LE(e.dv, e.allowed_dv) << "dv " << where;
  EXPECT_EQ(e.bytes_fwd, e.expected_fwd) << "forward bytes " << where;
  EXPECT_EQ(e.bytes_bwd, e.expected_bwd) << "backward bytes " << where;
}

TEST_P(RingTest, AgreesWithFloat64Reference) {
  const auto& [w, layout, bwd, ov] = GetParam();
  const std::int64_t seq = kSeq;
  const std::int64_t n = seq / w.world;
  ASSERT_TRUE(ov.overlap != Overlap::chunk_pipeline || n % ov.chunks == 0)
      << "schedule_params() made an invalid case";
  int cases = 0;
  for (DType dtype : {DType::f32, DType::f16, DType::bf16}) {
    for (bool causal : {false, true}) {
      for (std::int64_t kv_heads : {4, 2}) {
        for (std::int64_t head_dim : {64, 128}) {
          RingCase c;
          c.seq = seq;
          c.heads = 4;
          c.kv_heads = kv_heads;
          c.head_dim = head_dim;
          c.dtype = dtype;
          c.causal = causal;
          c.schedule.layout = layout;
          c.schedule.bwd_comm = bwd;
          c.schedule.overlap = ov.overlap;
          c.schedule.chunks = ov.chunks;
          c.schedule.topology = w.group_size ? Topology::double_ring : Topology::flat;
          c.schedule.group_size = w.group_size;
          c.schedule.tile_q = 16;
          c.schedule.tile_kv = 32;
          c.schedule.threads = 1;
          comm::run_local(
              w.world, [&](Communicator& comm) { expect_within(run_ring_case(comm, c), c, comm.rank()); },
              std::chrono::seconds(60));
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 24);
}

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
  const auto& [w, layout, bwd, ov] = info.param;
  return fmt::format("{}_{}_{}_{}{}", world_name(w), to_string(layout), to_string(bwd), to_string(ov.overlap),
                     ov.overlap == Overlap::chunk_pipeline ? std::to_string(ov.chunks) : "");
}

// Every combination whose chunk count divides the tokens per rank (the ring refuses the others:
// 96 / 8 = 12 tokens per rank cannot be cut into 8 chunks).
std::vector<Param> schedule_params() {
  std::vector<Param> params;
  for (const WorldSpec w : {WorldSpec{1, 0}, WorldSpec{2, 0}, WorldSpec{3, 0}, WorldSpec{4, 0},
                            WorldSpec{8, 0}, WorldSpec{4, 2}, WorldSpec{8, 4}})
    for (const Layout layout : {Layout::contiguous, Layout::zigzag, Layout::striped})
      for (const BwdComm bwd : {BwdComm::q, BwdComm::kv})
        for (const OverlapSpec ov :
             {OverlapSpec{Overlap::none, 1}, OverlapSpec{Overlap::double_buffer, 1},
              OverlapSpec{Overlap::chunk_pipeline, 2}, OverlapSpec{Overlap::chunk_pipeline, 4},
              OverlapSpec{Overlap::chunk_pipeline, 8}})
          if (ov.overlap != Overlap::chunk_pipeline || (kSeq / w.world) % ov.chunks == 0)
            params.emplace_back(w, layout, bwd, ov);
  return params;
}

INSTANTIATE_TEST_SUITE_P(Schedules, RingTest, ::testing::ValuesIn(schedule_params()), param_name);

// Accumulators travelling in the input dtype: lossy by design, bounded by one roundoff per hop.
TEST(RingAccumulators, InputDtypeAccumulatorsStayWithinTheirBound) {
  for (BwdComm bwd : {BwdComm::q, BwdComm::kv}) {
    for (DType dtype : {DType::f32, DType::bf16, DType::f16}) {
      RingCase c;
      c.dtype = dtype;
      c.causal = true;
      c.kv_heads = 2;
      c.schedule.layout = Layout::zigzag;
      c.schedule.bwd_comm = bwd;
      c.schedule.accum_dtype = AccumDType::input;
      c.schedule.overlap = Overlap::chunk_pipeline;
      c.schedule.chunks = 2;
      c.schedule.threads = 1;
      comm::run_local(4, [&](Communicator& comm) { expect_within(run_ring_case(comm, c), c, comm.rank()); });
    }
  }
}

// Larger batch, uneven tiles, more threads per rank.
TEST(RingShapes, BatchTwoWithOddTilesAndThreads) {
  RingCase c;
  c.batch = 2;
  c.seq = 120;
  c.heads = 6;
  c.kv_heads = 2;
  c.head_dim = 32;
  c.causal = true;
  c.schedule.layout = Layout::zigzag;
  c.schedule.tile_q = 48;
  c.schedule.tile_kv = 16;
  c.schedule.threads = 2;
  comm::run_local(3, [&](Communicator& comm) { expect_within(run_ring_case(comm, c), c, comm.rank()); });
}

}  // namespace
}  // namespace burst::test
