// The context-parallel methods beside the ring (runtime/cp_methods.cpp) under document and
// sliding-window masks on ranks that are threads: ulysses, all_gather and hybrid (2 groups of 2) at
// world 4 on every layout, per_document included, against the float64 reference of the whole
// sequence, with the bytes each pass reports equal to the formulas.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include "comm/launch.hpp"
#include "mask_ring.hpp"

namespace burst::test {
namespace {

void check_on_threads(const MaskCase& c, int world) {
  check_mask_case_on_threads(
      c, world,
      fmt::format("cp.method {} (u={}) ", to_string(c.schedule.cp_method), c.schedule.ulysses_degree));
}

struct MaskShape {
  bool causal;
  std::vector<std::int64_t> bounds;
  std::int64_t left, right;
};

TEST(CpMasks, EveryMethodMaskAndLayoutAgreesWithFloat64) {
  // N = 128 at world 4 (32 rows a rank): a document of length 1 and one spanning every rank, a
  // causal window wider than a rank's block, a two-sided window, a window inside documents.
  const std::vector<MaskShape> masks = {{true, {0, 1, 9, 10, 120, 128}, -1, -1},
                                        {false, {0, 37, 38, 128}, -1, -1},
                                        {true, {}, 40, -1},
                                        {false, {}, 9, 20},
                                        {true, {0, 50, 51, 128}, 12, 0}};
  int cases = 0;
  for (const MaskShape& m : masks) {
    for (Layout layout : {Layout::contiguous, Layout::zigzag, Layout::striped, Layout::per_document}) {
      for (CpMethod method : {CpMethod::ulysses, CpMethod::all_gather, CpMethod::hybrid}) {
        MaskCase c;
        c.heads = 8;
        c.kv_heads = 4;
        c.causal = m.causal;
        c.doc_bounds = m.bounds;
        c.window_left = m.left;
        c.window_right = m.right;
        c.schedule.cp_method = method;
        c.schedule.ulysses_degree = method == CpMethod::hybrid ? 2 : 0;
        c.schedule.bwd_comm = method == CpMethod::hybrid && m.causal ? BwdComm::kv : BwdComm::q;
        c.schedule.layout = layout;
        c.schedule.tile_q = 16;
        c.schedule.tile_kv = 16;
        c.schedule.threads = 1;
        check_on_threads(c, 4);
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 60);
}

}  // namespace
}  // namespace burst::test
