// The ring schedules' invariants, the layouts' positions and the shard/unshard helpers.
#include <gtest/gtest.h>

#include <numeric>
#include <set>

#include "burst/error.hpp"
#include "burst/shard.hpp"
#include "runtime/layout.hpp"
#include "runtime/ring_schedule.hpp"

namespace burst::runtime {
namespace {

struct Topo {
  Topology topology;
  int world, group;
};

TEST(RingSchedule, EveryRankSeesEveryBlockOnceAndBlocksArriveFromTheirSenders) {
  for (const Topo t :
       {Topo{Topology::flat, 1, 0}, Topo{Topology::flat, 5, 0}, Topo{Topology::double_ring, 4, 2},
        Topo{Topology::double_ring, 8, 4}, Topo{Topology::double_ring, 8, 2},
        Topo{Topology::double_ring, 6, 1}, Topo{Topology::double_ring, 6, 3}}) {
    const RingSchedule s(t.topology, t.world, t.group);
    int total_sends = 0;
    for (int r = 0; r < t.world; ++r) {
      std::set<int> seen;
      EXPECT_EQ(s.block_at(r, 0), r) << "step 0 holds the own block";
      for (int k = 0; k < s.steps(); ++k) {
        const int b = s.block_at(r, k);
        seen.insert(b);
        EXPECT_EQ(s.holder(b, k), r);
        for (const BlockSend& send : s.block_sends(r, k)) {
          // The receiver processes this very block at the destination step, and expects it from us.
          EXPECT_EQ(s.block_at(send.peer, send.dest_step), b);
          EXPECT_EQ(s.block_source(send.peer, send.dest_step), r);
          ++total_sends;
        }
      }
      EXPECT_EQ(static_cast<int>(seen.size()), t.world) << "rank " << r;
    }
    EXPECT_EQ(total_sends, t.world * (t.world - 1)) << "G - 1 block sends per rank";
  }
}

TEST(RingSchedule, DoubleRingCrossesGroupsOnlyIMinusOneTimesPerRank) {
  const RingSchedule s(Topology::double_ring, 8, 4);  // 2 groups of 4
  for (int r = 0; r < 8; ++r) {
    int inter = 0;
    for (int k = 0; k < 8; ++k)
      for (const BlockSend& send : s.block_sends(r, k))
        if (send.peer / 4 != r / 4) ++inter;
    EXPECT_EQ(inter, 1) << "rank " << r;
  }
}

TEST(RingSchedule, RejectsGroupSizesThatDoNotDivide) {
  EXPECT_THROW(RingSchedule(Topology::double_ring, 6, 4), InvalidArgument);
}

TEST(Layout, PositionsCoverTheSequenceExactlyOnce) {
  for (Layout layout : {Layout::contiguous, Layout::zigzag, Layout::striped}) {
    for (int world : {1, 2, 3, 4}) {
      const std::int64_t seq = 24, n = seq / world;
      std::vector<int> hits(seq, 0);
      for (int r = 0; r < world; ++r)
        for (std::int64_t p : layout_positions(layout, r, world, n)) ++hits[static_cast<std::size_t>(p)];
      for (int h : hits) EXPECT_EQ(h, 1) << to_string(layout) << " world " << world;
    }
  }
  // Zigzag: rank 1 of 4 holds chunks 1 and 6 of 8.
  const auto pos = layout_positions(Layout::zigzag, 1, 4, 8);
  EXPECT_EQ(pos, (std::vector<std::int64_t>{4, 5, 6, 7, 24, 25, 26, 27}));
  // Striped: token t lives on rank t mod G.
  EXPECT_EQ(layout_positions(Layout::striped, 2, 4, 3), (std::vector<std::int64_t>{2, 6, 10}));
}

TEST(Layout, CausalVisibilityOfZigzagBlocksMatchesAlgorithmMd) {
  const int G = 4;
  const std::int64_t n = 8;
  for (int r = 0; r < G; ++r) {
    for (int j = 0; j < G; ++j) {
      const auto qs = layout_segments(Layout::zigzag, r, G, n), ks = layout_segments(Layout::zigzag, j, G, n);
      if (j < r) {  // both query chunks see only the block's first chunk, unmasked
        EXPECT_EQ(causal_visibility(qs[0], ks[0]), Visibility::full);
        EXPECT_EQ(causal_visibility(qs[1], ks[0]), Visibility::full);
        EXPECT_EQ(causal_visibility(qs[0], ks[1]), Visibility::none);
        EXPECT_EQ(causal_visibility(qs[1], ks[1]), Visibility::none);
      } else if (j > r) {  // only the second query chunk, the whole block, unmasked
        EXPECT_EQ(causal_visibility(qs[0], ks[0]), Visibility::none);
        EXPECT_EQ(causal_visibility(qs[0], ks[1]), Visibility::none);
        EXPECT_EQ(causal_visibility(qs[1], ks[0]), Visibility::full);
        EXPECT_EQ(causal_visibility(qs[1], ks[1]), Visibility::full);
      }
    }
  }
}

TEST(Shard, RowsAndStatsRoundTripForEveryLayout) {
  const std::int64_t B = 2, N = 24, row = 3, H = 2;
  std::vector<float> global(static_cast<std::size_t>(B * N * row));
  std::iota(global.begin(), global.end(), 0.0f);
  std::vector<float> stats(static_cast<std::size_t>(B * H * N));
  std::iota(stats.begin(), stats.end(), 1000.0f);
  for (Layout layout : {Layout::contiguous, Layout::zigzag, Layout::striped}) {
    for (int G : {1, 2, 3, 4}) {
      std::vector<float> back(global.size(), -1.0f), back_stats(stats.size(), -1.0f);
      for (int r = 0; r < G; ++r) {
        std::vector<float> local(global.size() / static_cast<std::size_t>(G));
        shard_rows(global.data(), local.data(), B, N, row, sizeof(float), layout, r, G);
        // Local row i of batch b holds global row global_position(i).
        for (std::int64_t i = 0; i < N / G; ++i)
          EXPECT_EQ(local[static_cast<std::size_t>((N / G + i) * row)],
                    global[static_cast<std::size_t>((N + global_position(layout, r, G, N, i)) * row)]);
        unshard_rows(local.data(), back.data(), B, N, row, sizeof(float), layout, r, G);
        std::vector<float> ls(stats.size() / static_cast<std::size_t>(G));
        shard_stats(stats.data(), ls.data(), B, H, N, layout, r, G);
        unshard_stats(ls.data(), back_stats.data(), B, H, N, layout, r, G);
      }
      EXPECT_EQ(back, global) << to_string(layout) << " G=" << G;
      EXPECT_EQ(back_stats, stats) << to_string(layout) << " G=" << G;
    }
  }
}

}  // namespace
}  // namespace burst::runtime
