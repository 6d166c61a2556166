// Document and sliding-window masks under mpiexec (CTest: mask_mpi_4): one process per rank through
// the `mpi` communicator, every layout and backward scheme, each rank checking its rows against the
// float64 reference and its bytes against the formulas (main() is tests/support/mpi_main.cpp).
#include <fmt/core.h>
#include <gtest/gtest.h>

#include "mask_ring.hpp"
#include "support/mpi_main.hpp"

namespace burst::test {
namespace {

TEST(MaskMpi, DocumentsAndWindowsAgreeWithFloat64) {
  ASSERT_EQ(mpi_world().backend(), "mpi");
  int cases = 0;
  for (int mask = 0; mask < 2; ++mask) {
    for (Layout layout : {Layout::contiguous, Layout::zigzag, Layout::striped, Layout::per_document}) {
      for (BwdComm bwd : {BwdComm::q, BwdComm::kv}) {
        MaskCase c;
        if (mask == 0) {
          c.doc_bounds = {0, 1, 9, 10, 120, 128};  // causal documents, one of length 1
        } else {
          c.window_left = 24;  // a causal window narrower than a block at 4 ranks: the ring stops early
        }
        c.schedule.layout = layout;
        c.schedule.bwd_comm = bwd;
        c.schedule.overlap = Overlap::double_buffer;
        c.schedule.tile_q = c.schedule.tile_kv = 16;
        c.schedule.threads = 1;
        expect_mask_case_ok(run_mask_case(mpi_world(), c),
                            fmt::format("rank {}: {}", mpi_world().rank(), c.name()));
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 16);
}

}  // namespace
}  // namespace burst::test
