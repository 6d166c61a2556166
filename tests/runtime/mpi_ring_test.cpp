// The ring under mpiexec (CTest: runtime_mpi_2, runtime_mpi_4): one process per rank through the
// `mpi` communicator, every layout, backward scheme and overlap strategy (and the double ring 2x2
// with 4 ranks), each rank checking its own shards against the float64 reference and the bytes it
// sent against the formulas (main() is tests/support/mpi_main.cpp).
#include <fmt/core.h>
#include <gtest/gtest.h>

#include "ring_harness.hpp"
#include "support/mpi_main.hpp"

namespace burst::test {
namespace {

void check_case(const RingCase& c) {
  const RingErrors e = run_ring_case(mpi_world(), c);
  const std::string where = fmt::format("rank {}: cp.method {} (u={}) {}", mpi_world().rank(),
                                        to_string(c.schedule.cp_method), c.schedule.ulysses_degree, c.name());
  EXPECT_LE(e.o, e.allowed_o) << "o " << where;
  EXPECT_LE(e.lse, e.allowed_lse) << "lse " << where;
  EXPECT_LE(e.dq, e.allowed_dq) << "dq " << where;
  EXPECT_LE(e.dk, e.allowed_dk) << "dk " << where;
  EXPECT_LE(e.dv, e.allowed_dv) << "dv " << where;
  EXPECT_EQ(e.bytes_fwd, e.expected_fwd) << where;
  EXPECT_EQ(e.bytes_bwd, e.expected_bwd) << where;
}

TEST(RingMpi, EveryScheduleAgreesWithFloat64Reference) {
  ASSERT_EQ(mpi_world().backend(), "mpi");
  const int G = mpi_world().size();
  int cases = 0;
  for (Topology topo : {Topology::flat, Topology::double_ring}) {
    if (topo == Topology::double_ring && G % 2 != 0) continue;
    for (Layout layout : {Layout::contiguous, Layout::zigzag, Layout::striped}) {
      for (BwdComm bwd : {BwdComm::q, BwdComm::kv}) {
        for (auto [overlap, chunks] : {std::pair{Overlap::none, 1}, std::pair{Overlap::double_buffer, 1},
                                       std::pair{Overlap::chunk_pipeline, 4}}) {
          for (DType dtype : {DType::f32, DType::bf16}) {
            RingCase c;
            c.seq = 96;
            c.heads = 4;
            c.kv_heads = dtype == DType::f32 ? 4 : 2;
            c.head_dim = 64;
            c.dtype = dtype;
            c.causal = true;
            c.schedule.layout = layout;
            c.schedule.bwd_comm = bwd;
            c.schedule.overlap = overlap;
            c.schedule.chunks = chunks;
            c.schedule.topology = topo;
            c.schedule.group_size = topo == Topology::double_ring ? 2 : 0;
            c.schedule.tile_q = 16;
            c.schedule.tile_kv = 32;
            c.schedule.threads = 1;
            check_case(c);
            ++cases;
          }
        }
      }
    }
  }
  EXPECT_GE(cases, 36);
}

// The other context-parallel methods (runtime/cp_methods.cpp) over MPI: ulysses and all_gather on
// every world, hybrid in groups of 2 when the world has at least 2 of them; every layout, causal and
// not, fp32 MHA and bf16 GQA.
TEST(CpMpi, EveryMethodAgreesWithFloat64Reference) {
  ASSERT_EQ(mpi_world().backend(), "mpi");
  const int G = mpi_world().size();
  int cases = 0;
  for (CpMethod method : {CpMethod::ulysses, CpMethod::all_gather, CpMethod::hybrid}) {
    if (method == CpMethod::hybrid && (G < 4 || G % 2 != 0)) continue;
    for (Layout layout : {Layout::contiguous, Layout::zigzag, Layout::striped}) {
      for (bool causal : {false, true}) {
        for (DType dtype : {DType::f32, DType::bf16}) {
          RingCase c;
          c.seq = 96;
          c.heads = 8;
          c.kv_heads = dtype == DType::f32 ? 8 : 4;
          c.head_dim = dtype == DType::f32 ? 64 : 32;
          c.dtype = dtype;
          c.causal = causal;
          c.schedule.cp_method = method;
          c.schedule.ulysses_degree = method == CpMethod::hybrid ? 2 : 0;
          c.schedule.layout = layout;
          c.schedule.bwd_comm = method == CpMethod::hybrid && causal ? BwdComm::kv : BwdComm::q;
          c.schedule.overlap = method == CpMethod::hybrid ? Overlap::double_buffer : Overlap::none;
          c.schedule.tile_q = 16;
          c.schedule.tile_kv = 32;
          c.schedule.threads = 1;
          check_case(c);
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, G >= 4 && G % 2 == 0 ? 36 : 24);
}

}  // namespace
}  // namespace burst::test
