// The context-parallel methods beside the ring (runtime/cp_methods.cpp) on threads-as-ranks, against
// the float64 reference: ulysses and all_gather at world 1, 2 and 4, hybrid at world 4 (2 x 2) and 8
// (4 x 2, 2 x 4); every layout; full and causal; MHA and GQA; fp32 and bf16; hybrid's ring with both
// backward schemes and chunked overlap. Each case checks every output and that the bytes each pass
// reports equal docs/algorithm.md's formula (forward_bytes_per_rank / backward_bytes_per_rank). Then
// the refusals of burst::check_runnable and the formulas against hand counts.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "burst/attention.hpp"
#include "burst/error.hpp"
#include "comm/launch.hpp"
#include "ring_harness.hpp"

namespace burst::test {
namespace {

void expect_within(const RingErrors& e, const RingCase& c, int rank) {
  const std::string where = fmt::format("rank {}: cp.method {} (u={}) {}", rank,
                                        to_string(c.schedule.cp_method), c.schedule.ulysses_degree, c.name());
  EXPECT_LE(e.o, e.allowed_o) << "o " << where;
  EXPECT_LE(e.lse, e.allowed_lse) << "lse " << where;
  EXPECT_LE(e.dq, e.allowed_dq) << "dq " << where;
  EXPECT_LE(e.dk, e.allowed_dk) << "dk " << where;
  EXPECT_LE(e.dv, e.allowed_dv) << "dv " << where;
  EXPECT_EQ(e.bytes_fwd, e.expected_fwd) << "forward bytes " << where;
  EXPECT_EQ(e.bytes_bwd, e.expected_bwd) << "backward bytes " << where;
}

void run_case(int world, const RingCase& c) {
  comm::run_local(
      world, [&](Communicator& comm) { expect_within(run_ring_case(comm, c), c, comm.rank()); },
      std::chrono::seconds(60));
}

// The ring-side settings hybrid's ring across groups runs with; the other methods take the defaults.
struct RingSide {
  BwdComm bwd = BwdComm::q;
  Overlap overlap = Overlap::none;
  int chunks = 1;
};

// fp32 and bf16, full and causal, MHA (8/8) and GQA (8/4), head dims 64 (fp32) and 32 (bf16).
int sweep(int world, Layout layout, CpMethod method, int degree, const std::vector<RingSide>& sides) {
  int cases = 0;
  for (DType dtype : {DType::f32, DType::bf16}) {
    for (bool causal : {false, true}) {
      for (std::int64_t kv_heads : {8, 4}) {
        for (const RingSide& side : sides) {
          RingCase c;
          c.seq = 96;
          c.heads = 8;
          c.kv_heads = kv_heads;
          c.head_dim = dtype == DType::f32 ? 64 : 32;
          c.dtype = dtype;
          c.causal = causal;
          c.schedule.cp_method = method;
          c.schedule.ulysses_degree = degree;
          c.schedule.layout = layout;
          c.schedule.bwd_comm = side.bwd;
          c.schedule.overlap = side.overlap;
          c.schedule.chunks = side.chunks;
          c.schedule.tile_q = 16;
          c.schedule.tile_kv = 32;
          c.schedule.threads = 1;
          run_case(world, c);
          ++cases;
        }
      }
    }
  }
  return cases;
}

using Param = std::tuple<CpMethod, int, Layout>;  // method, world, layout
class CpMethodTest : public ::testing::TestWithParam<Param> {};

TEST_P(CpMethodTest, AgreesWithFloat64Reference) {
  const auto& [method, world, layout] = GetParam();
  if (method != CpMethod::hybrid) {
    EXPECT_EQ(sweep(world, layout, method, 0, {RingSide{}}), 8);
    return;
  }
  const std::vector<RingSide> sides = {{BwdComm::q, Overlap::none, 1},
                                       {BwdComm::kv, Overlap::double_buffer, 1},
                                       {BwdComm::q, Overlap::chunk_pipeline, 2},
                                       {BwdComm::kv, Overlap::chunk_pipeline, 2}};
  EXPECT_EQ(sweep(world, layout, method, 2, sides), 32);
}

std::vector<Param> method_params() {
  std::vector<Param> params;
  for (Layout layout : {Layout::contiguous, Layout::zigzag, Layout::striped}) {
    for (CpMethod method : {CpMethod::ulysses, CpMethod::all_gather})
      for (int world : {1, 2, 4}) params.emplace_back(method, world, layout);
    params.emplace_back(CpMethod::hybrid, 4, layout);
  }
  return params;
}

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
  const auto& [method, world, layout] = info.param;
  return fmt::format("{}_world{}_{}", to_string(method), world, to_string(layout));
}

INSTANTIATE_TEST_SUITE_P(Methods, CpMethodTest, ::testing::ValuesIn(method_params()), param_name);

// Hybrid at world 8: 4 groups of 2 and 2 groups of 4, causal zigzag, GQA, both backward schemes.
TEST(CpHybrid, WorldEightInGroupsOfTwoAndFour) {
  for (int degree : {2, 4}) {
    for (BwdComm bwd : {BwdComm::q, BwdComm::kv}) {
      RingCase c;
      c.seq = 128;
      c.heads = 8;
      c.kv_heads = 4;
      c.head_dim = 32;
      c.causal = true;
      c.schedule.cp_method = CpMethod::hybrid;
      c.schedule.ulysses_degree = degree;
      c.schedule.layout = Layout::zigzag;
      c.schedule.bwd_comm = bwd;
      c.schedule.overlap = Overlap::double_buffer;
      c.schedule.tile_q = 16;
      c.schedule.tile_kv = 16;
      c.schedule.threads = 1;
      run_case(8, c);
    }
  }
}

// Batch 2, several threads per rank, odd tiles: the all-to-all's batch strides and the all-gather's
// per-batch blocks.
TEST(CpShapes, BatchTwoWithThreads) {
  for (CpMethod method : {CpMethod::ulysses, CpMethod::all_gather, CpMethod::hybrid}) {
    RingCase c;
    c.batch = 2;
    c.seq = 64;
    c.heads = 8;
    c.kv_heads = 4;
    c.head_dim = 32;
    c.causal = true;
    c.schedule.cp_method = method;
    c.schedule.ulysses_degree = method == CpMethod::hybrid ? 2 : 0;
    c.schedule.layout = Layout::zigzag;
    c.schedule.tile_q = 48;
    c.schedule.tile_kv = 16;
    c.schedule.threads = 2;
    run_case(4, c);
  }
}

// ---- refusals ----

AttentionShape shape(std::int64_t heads, std::int64_t kv_heads) {
  AttentionShape s;
  s.seq = 64;
  s.heads = heads;
  s.kv_heads = kv_heads;
  s.head_dim = 64;
  return s;
}

Schedule method(CpMethod m, int degree = 0) {
  Schedule sc;
  sc.cp_method = m;
  sc.ulysses_degree = degree;
  return sc;
}

// The problem names `param` and its message holds `needle`; BurstAttention refuses it too.
void expect_refused(const AttentionShape& s, const Schedule& sc, int world, std::string_view param,
                    const std::string& needle) {
  const auto p = check_runnable(s, sc, world);
  ASSERT_TRUE(p.has_value()) << "accepted, expected a refusal naming " << param;
  ASSERT_NE(p->param, nullptr) << p->message;
  EXPECT_EQ(p->param->name, param) << p->message;
  EXPECT_NE(p->message.find(needle), std::string::npos) << p->message;
  EXPECT_EQ(p->message.find('\n'), std::string::npos) << p->message;
  EXPECT_THROW(validate(s, sc, world), InvalidArgument);
}

TEST(CpRefusals, UlyssesNeedsHeadsAndKvHeadsDivisibleByItsDegree) {
  expect_refused(shape(6, 6), method(CpMethod::ulysses), 4, param_cp_method,
                 "heads 6 and kv heads 6 must both be divisible by 4");
  expect_refused(shape(8, 2), method(CpMethod::ulysses), 4, param_cp_method,
                 "heads 8 and kv heads 2 must both be divisible by 4");
  expect_refused(shape(8, 2), method(CpMethod::hybrid, 4), 8, param_ulysses_degree,
                 "kv heads 2 must both be divisible by 4");
  EXPECT_FALSE(check_runnable(shape(8, 4), method(CpMethod::ulysses), 4).has_value());
  EXPECT_FALSE(check_runnable(shape(8, 4), method(CpMethod::ulysses, 4), 4).has_value());
  EXPECT_FALSE(check_runnable(shape(8, 2), method(CpMethod::hybrid, 2), 4).has_value());
  EXPECT_FALSE(check_runnable(shape(6, 2), method(CpMethod::all_gather), 4).has_value());
}

TEST(CpRefusals, TheDegreeMustFitTheMethodAndDivideTheWorld) {
  const AttentionShape s = shape(8, 8);
  expect_refused(s, method(CpMethod::hybrid), 4, param_ulysses_degree, "1 < degree < world size 4");
  expect_refused(s, method(CpMethod::hybrid, 4), 4, param_ulysses_degree, "1 < degree < world size 4");
  AttentionShape s96 = s;
  s96.seq = 96;
  expect_refused(s96, method(CpMethod::hybrid, 4), 6, param_ulysses_degree, "dividing the world size");
  expect_refused(s, method(CpMethod::hybrid, 2), 2, param_ulysses_degree, "1 < degree < world size 2");
  expect_refused(s, method(CpMethod::ulysses, 2), 4, param_ulysses_degree, "expected 0 or the world size 4");
  expect_refused(s, method(CpMethod::ring, 2), 4, param_ulysses_degree, "expected 0 with cp.method ring");
  expect_refused(s, method(CpMethod::all_gather, 2), 4, param_ulysses_degree,
                 "expected 0 with cp.method all_gather");
}

TEST(CpRefusals, RingOnlyParametersKeepTheirDefaults) {
  const AttentionShape s = shape(8, 8);
  for (CpMethod m : {CpMethod::ulysses, CpMethod::all_gather}) {
    Schedule sc = method(m);
    sc.overlap = Overlap::double_buffer;
    expect_refused(s, sc, 4, param_overlap, "does not read it; expected none");
    sc = method(m);
    sc.overlap = Overlap::chunk_pipeline;
    sc.chunks = 2;
    expect_refused(s, sc, 4, param_overlap, "ring.overlap chunk_pipeline: cp.method");
    sc = method(m);
    sc.bwd_comm = BwdComm::kv;
    expect_refused(s, sc, 4, param_bwd_comm, "ring.bwd_comm kv: cp.method " + std::string(to_string(m)));
    sc = method(m);
    sc.accum_dtype = AccumDType::input;
    expect_refused(s, sc, 4, param_accum_dtype, "expected fp32");
    sc = method(m);
    sc.topology = Topology::double_ring;
    sc.group_size = 2;
    expect_refused(s, sc, 4, param_topology, "expected flat");
  }
  // Hybrid's ring across groups reads the overlap, chunks and backward scheme; it is flat.
  Schedule sc = method(CpMethod::hybrid, 2);
  sc.overlap = Overlap::chunk_pipeline;
  sc.chunks = 2;
  sc.bwd_comm = BwdComm::kv;
  EXPECT_FALSE(check_runnable(s, sc, 4).has_value());
  sc.topology = Topology::double_ring;
  expect_refused(s, sc, 4, param_topology, "ring.topology double: cp.method hybrid does not read it");
}

TEST(CpRefusals, TheParameterTableSpellsTheMethods) {
  Schedule sc;
  set_param(sc, "cp.method", "all_gather");
  EXPECT_EQ(sc.cp_method, CpMethod::all_gather);
  set_param(sc, "--ulysses-degree", "2");
  EXPECT_EQ(sc.ulysses_degree, 2);
  EXPECT_EQ(param_value(sc, "cp.method"), "all_gather");
  EXPECT_THROW(set_param(sc, "cp.method", "tree"), InvalidArgument);
  EXPECT_THROW(set_param(sc, "cp.ulysses_degree", "-1"), InvalidArgument);
  EXPECT_EQ(parse_cp_method("hybrid"), CpMethod::hybrid);
  EXPECT_EQ(to_string(CpMethod::ulysses), "ulysses");
}

// ---- bytes ----

// Hand counts of docs/algorithm.md's formulas: B = 2, N = 4096, d = 128, bf16 (b = 2), G = 4, so
// n = 1024 rows per rank and B * n = 2048.
TEST(CpBytes, FormulasOfAlgorithmMd) {
  AttentionShape s;
  s.batch = 2;
  s.seq = 4096;
  s.heads = 8;
  s.kv_heads = 2;
  s.head_dim = 128;
  s.dtype = DType::bf16;
  const std::uint64_t Bn = 2 * 1024;

  // all_gather: K, V (Hkv = 2) to 3 others; backward: again, plus fp32 partial dK, dV to 3 others.
  const Schedule ag = method(CpMethod::all_gather);
  EXPECT_EQ(forward_bytes_per_rank(s, ag, 4), 3 * 2 * Bn * 2 * 128 * 2);
  EXPECT_EQ(backward_bytes_per_rank(s, ag, 4), 3 * 2 * Bn * 2 * 128 * 2 + 3 * 2 * Bn * 2 * 128 * 4);
  EXPECT_EQ(forward_bytes_per_rank(s, ag, 4), forward_bytes_per_rank(s, Schedule{}, 4)) << "same as the ring";

  // ulysses, Hkv = 4, u = 4: shards of 2 query heads and 1 kv head. Forward: Q, K, V in, O and lse
  // out; backward: Q, dO, K, V, lse, D in, dQ, dK, dV out. 3 peers each way.
  s.kv_heads = 4;
  const Schedule ul = method(CpMethod::ulysses);
  EXPECT_EQ(forward_bytes_per_rank(s, ul, 4), 3 * Bn * ((2 + 1 + 1) * 128 * 2 + 2 * (128 * 2 + 4)));
  EXPECT_EQ(backward_bytes_per_rank(s, ul, 4),
            3 * Bn * ((2 + 2 + 1 + 1) * 128 * 2 + 2 * 2 * 4 + (2 + 1 + 1) * 128 * 2));

  // hybrid u = 2, Hkv = 2: shards of 4 query heads and 1 kv head over 2 * 1024 rows, a ring of 2
  // groups (S = 2). Forward: 1 peer in the group, then 1 K/V block of the ring. Backward (q scheme):
  // Q, dO, O, K, V, lse in and dQ, dK, dV out to 1 peer, then the ring's (Q, dO, D, lse) block and
  // its 2 dQ accumulator hops (fp32).
  s.kv_heads = 2;
  const Schedule hy = method(CpMethod::hybrid, 2);
  const std::uint64_t ring_rows = 2 * 2 * 1024;
  EXPECT_EQ(forward_bytes_per_rank(s, hy, 4),
            Bn * ((4 + 1 + 1) * 256 + 4 * (256 + 4)) + 1 * 2 * ring_rows * 1 * 256);
  EXPECT_EQ(backward_bytes_per_rank(s, hy, 4), Bn * ((4 + 4 + 4 + 1 + 1) * 256 + 4 * 4 + (4 + 1 + 1) * 256) +
                                                   1 * ring_rows * 4 * (2 * 256 + 8) +
                                                   2 * ring_rows * 4 * 128 * 4);
  Schedule hy_kv = hy;
  hy_kv.bwd_comm = BwdComm::kv;
  EXPECT_EQ(backward_bytes_per_rank(s, hy_kv, 4),
            Bn * ((4 + 4 + 4 + 1 + 1) * 256 + 4 * 4 + (4 + 1 + 1) * 256) + 1 * ring_rows * 1 * (2 * 256) +
                2 * ring_rows * 1 * 2 * 128 * 4);

  for (const Schedule& sc : {ag, ul, hy}) {
    EXPECT_EQ(forward_bytes_per_rank(s, sc, 1), 0u);
    EXPECT_EQ(backward_bytes_per_rank(s, sc, 1), 0u);
  }
}

}  // namespace
}  // namespace burst::test
