// BurstAttention under document and sliding-window masks on ranks that are threads: every mask x
// layout x backward scheme against the float64 reference, the bytes against the formulas, the ring
// stopping early where the mask empties its tail, and the per_document layout's balance.
#include "mask_ring.hpp"

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "comm/launch.hpp"
#include "runtime/layout.hpp"

namespace burst::test {
namespace {

void check_on_threads(const MaskCase& c, int world) {
  check_mask_case_on_threads(c, world);
}

struct MaskShape {
  const char* name;
  bool causal;
  std::vector<std::int64_t> bounds;
  std::int64_t left, right;
};

// N = 128: documents of length 1, one spanning every rank's block, windows wider and narrower than
// a block (32 rows at world 4).
std::vector<MaskShape> masks() {
  return {{"causal_document", true, {0, 1, 9, 10, 120, 128}, -1, -1},
          {"full_document", false, {0, 37, 38, 128}, -1, -1},
          {"sliding_window causal, 40 > block", true, {}, 40, -1},
          {"sliding_window both sides", false, {}, 9, 20},
          {"window inside documents", true, {0, 50, 51, 128}, 12, 0}};
}

TEST(MaskRing, EveryMaskLayoutAndSchemeAgreesWithFloat64) {
  int cases = 0;
  for (const MaskShape& m : masks()) {
    for (Layout layout : {Layout::contiguous, Layout::zigzag, Layout::striped, Layout::per_document}) {
      for (BwdComm bwd : {BwdComm::q, BwdComm::kv}) {
        for (int world : {2, 4}) {
          MaskCase c;
          c.causal = m.causal;
          c.doc_bounds = m.bounds;
          c.window_left = m.left;
          c.window_right = m.right;
          c.schedule.layout = layout;
          c.schedule.bwd_comm = bwd;
          c.schedule.overlap = world == 4 ? Overlap::double_buffer : Overlap::none;
          c.schedule.tile_q = 16;
          c.schedule.tile_kv = 16;
          c.schedule.threads = 1;
          SCOPED_TRACE(m.name);
          check_on_threads(c, world);
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 80);
}

TEST(MaskRing, ChunkPipelineAndDoubleRingUnderAWindow) {
  MaskCase c;
  c.window_left = 20;
  c.doc_bounds = {0, 70, 128};
  c.schedule.overlap = Overlap::chunk_pipeline;
  c.schedule.chunks = 2;
  c.schedule.tile_q = c.schedule.tile_kv = 16;
  c.schedule.threads = 1;
  check_on_threads(c, 4);
  c.schedule.overlap = Overlap::none;
  c.schedule.chunks = 1;
  c.schedule.topology = Topology::double_ring;
  c.schedule.group_size = 2;
  check_on_threads(c, 4);
}

TEST(MaskRing, ACausalWindowNarrowerThanABlockStopsTheRingEarly) {
  // World 4, 64 rows per rank, causal window 16: rank r needs only its own block and r-1's, so the
  // K/V ring runs 2 of 4 steps and sends 1 block instead of 3.
  MaskCase c;
  c.seq = 256;
  c.window_left = 16;
  c.schedule.bwd_comm = BwdComm::kv;
  c.schedule.tile_q = c.schedule.tile_kv = 16;
  c.schedule.threads = 1;
  const burst::AttentionShape s = c.shape();
  EXPECT_EQ(ring_steps(s, c.schedule, 4, true), 2);
  const std::uint64_t block = 2ull * 64 * 2 * 32 * 4;  // K and V of one rank: 64 rows, 2 kv heads, d 32, fp32
  EXPECT_EQ(forward_bytes_per_rank(s, c.schedule, 4), block);
  burst::AttentionShape full = s;
  full.window_left = -1;
  EXPECT_EQ(forward_bytes_per_rank(full, c.schedule, 4), 3 * block);
  check_on_threads(c, 4);  // measured bytes equal the formula, results equal float64
  // Q travelling (bwd q) sees rank r's keys from later ranks' queries: the useful steps come last,
  // so that ring cannot stop early.
  EXPECT_EQ(ring_steps(s, c.schedule, 4, false), 4);
}

TEST(MaskRing, PerDocumentHeadTailBalancesCausalDocuments) {
  // Causal documents 600, 200, 224 at world 4: contiguous puts the long document's expensive tail
  // on rank 2; per-document head-tail gives every rank about the same work.
  burst::AttentionShape s;
  s.seq = 1024;
  s.heads = 1;
  s.head_dim = 64;
  s.causal = true;
  s.doc_bounds = {0, 600, 800, 1024};
  const double contiguous = work_imbalance(s, Layout::contiguous, 4);
  const double per_document = work_imbalance(s, Layout::per_document, 4);
  EXPECT_GT(contiguous, 1.5);
  EXPECT_LT(per_document, 1.02);
  EXPECT_LT(per_document, work_imbalance(s, Layout::zigzag, 4));
  // Every position is held exactly once, N/G per rank, documents of any length.
  for (const std::vector<std::int64_t>& bounds :
       {std::vector<std::int64_t>{0, 1, 2, 3, 1021, 1024}, std::vector<std::int64_t>{0, 5, 1024}, {}}) {
    std::vector<int> hits(1024, 0);
    for (int r = 0; r < 4; ++r) {
      const auto pos = runtime::layout_positions(Layout::per_document, r, 4, 256, bounds);
      ASSERT_EQ(pos.size(), 256u);
      for (std::size_t i = 1; i < pos.size(); ++i) ASSERT_LT(pos[i - 1], pos[i]);
      for (std::int64_t p : pos) ++hits[static_cast<std::size_t>(p)];
    }
    for (int h : hits) ASSERT_EQ(h, 1);
  }
}

}  // namespace
}  // namespace burst::test
