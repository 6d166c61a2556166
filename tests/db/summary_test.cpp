// `show` figures: per-rank/per-phase totals, exposed communication, bytes per link class.
#include "db/summary.hpp"

#include "db_fixtures.hpp"

using namespace burst::db;

TEST(DbSummary, IntervalAlgebra) {
  const auto m = merge_intervals({{5, 10}, {0, 3}, {2, 4}, {10, 12}, {20, 20}});
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0], std::make_pair(std::int64_t{0}, std::int64_t{4}));
  EXPECT_EQ(m[1], std::make_pair(std::int64_t{5}, std::int64_t{12}));
  EXPECT_EQ(total_length(m), 11);
  const auto i = intersect(m, merge_intervals({{3, 6}, {11, 30}}));
  EXPECT_EQ(total_length(i), 1 + 1 + 1);
}

TEST(DbSummary, ExposedCommunicationOfSyntheticRing) {
  burst::test::TempDir dir;
  Database db(dir.file("t.sqlite"), true);
  const auto trial = db.begin_trial(db.begin_session("run", "{}"), "{}");
  // Ranks in different processes: 0,1 on node0, 2,3 on node1.
  auto ranks = burst::test::synthetic_ring(4, 8, 1'000'000, 5'000, /*same_process=*/false);
  ranks[2].hostname = ranks[3].hostname = "node1";
  db.write_trace(trial, ranks);
  db.finish_trial(trial, "ok", "", "");
  const auto s = summarise(load_trial_trace(db, trial));
  EXPECT_EQ(s.status, "ok");
  ASSERT_EQ(s.ranks.size(), 4u);
  for (const auto& r : s.ranks) {
    EXPECT_NEAR(r.pass_s, 8000e-9, 1e-15);
    EXPECT_NEAR(r.comm_s, 8 * 700e-9, 1e-15);
    EXPECT_NEAR(r.exposed_s, 8 * 200e-9, 1e-15);
    EXPECT_NEAR(r.exposed_fraction, 0.2, 1e-12);
    EXPECT_EQ(r.bytes_sent, 8u * 1'000'000);
    EXPECT_NEAR(r.achieved_gbps, 8e6 / 8000.0, 1e-9);
    EXPECT_NEAR(r.link_gbps, 8e6 / 5600.0, 1e-9);
  }
  // 0->1 and 2->3 stay on a node; 1->2 and 3->0 cross nodes.
  std::map<std::pair<int, std::string>, std::uint64_t> links;
  for (const auto& l : s.links) links[{l.rank, l.link_class}] = l.bytes;
  EXPECT_EQ(links.size(), 4u);
  EXPECT_EQ((links[{0, "intra-node"}]), 8u * 1'000'000);
  EXPECT_EQ((links[{1, "inter-node"}]), 8u * 1'000'000);
  EXPECT_EQ((links[{2, "intra-node"}]), 8u * 1'000'000);
  EXPECT_EQ((links[{3, "inter-node"}]), 8u * 1'000'000);
  bool found = false;
  for (const auto& p : s.phases) {
    if (p.rank == 1 && p.phase == "wait") {
      found = true;
      EXPECT_EQ(p.count, 8);
      EXPECT_NEAR(p.total_s, 1600e-9, 1e-15);
    }
  }
  EXPECT_TRUE(found);
  const auto text = format_summary(s);
  EXPECT_NE(text.find("20.0%"), std::string::npos) << text;
  EXPECT_NE(text.find("inter-node"), std::string::npos);
}

TEST(DbSummary, FullyOverlappedCommunicationIsNotExposed) {
  TrialTrace t;
  t.trial_id = 1;
  using burst::trace::Phase;
  t.ranges.push_back({0, 1 << 24, 0, 1000, Phase::pass_forward, {}});
  t.ranges.push_back({0, 1 << 24, 0, 900, Phase::compute, {}});
  t.ranges.push_back({0, (1 << 24) | 5, 100, 800, Phase::send, {1, 0, 64, -1}});
  t.ranges.push_back({0, (1 << 24) | 5, 850, 950, Phase::wait, {}});
  const auto s = summarise(t);
  ASSERT_EQ(s.ranks.size(), 1u);
  EXPECT_NEAR(s.ranks[0].exposed_s, 50e-9, 1e-15);
  EXPECT_NEAR(s.ranks[0].exposed_fraction, 0.05, 1e-12);
  EXPECT_EQ(s.links.at(0).link_class, "unknown");
}
