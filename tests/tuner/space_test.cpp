#include "tuner/space.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "burst/error.hpp"

namespace burst::tuner {
namespace {

Workload small(std::int64_t seq, int world, bool causal = true, Pass pass = Pass::fwd_bwd) {
  Workload w;
  w.name = "t";
  w.shape.seq = seq;
  w.shape.heads = 4;
  w.shape.kv_heads = 2;
  w.shape.head_dim = 32;
  w.shape.causal = causal;
  w.pass = pass;
  w.world = world;
  w.ranks_per_node = world;
  return w;
}

bool has_reason(const SearchSpace& s, const std::string& needle) {
  return std::any_of(s.pruned.begin(), s.pruned.end(),
                     [&](const PrunedCandidate& p) { return p.reason.find(needle) != std::string::npos; });
}

TEST(Space, DefaultFirstAndEveryCandidateValid) {
  const SearchSpace s = build_space(small(1024, 4));
  ASSERT_FALSE(s.candidates.empty());
  EXPECT_TRUE(s.candidates.front().is_default());
  EXPECT_EQ(s.raw_size, s.candidates.size() + s.pruned.size());
  std::set<std::string> keys;
  for (const auto& c : s.candidates) {
    EXPECT_NO_THROW(validate(s.workload.shape, c.schedule, s.workload.world)) << c.key();
    EXPECT_TRUE(keys.insert(c.key()).second) << "duplicate " << c.key();
    if (c.schedule.chunks > 1) {
      EXPECT_EQ(c.schedule.overlap, Overlap::chunk_pipeline) << c.key();
    }
  }
}

TEST(Space, DimensionsFollowTheWorkload) {
  auto names = [](const SearchSpace& s) {
    std::set<std::string> n;
    for (const auto& d : s.dims) n.insert(d.name);
    return n;
  };
  const auto fwd_noncausal = names(build_space(small(1024, 2, false, Pass::fwd)));
  EXPECT_EQ(fwd_noncausal.count("ring.bwd_comm"), 0u);  // nothing travels backward in a forward pass
  EXPECT_EQ(fwd_noncausal.count("ring.layout"), 0u);    // layouts only balance causal work
  EXPECT_EQ(fwd_noncausal.count("ring.topology"), 1u);
  const auto bwd_causal = names(build_space(small(1024, 2, true, Pass::fwd_bwd)));
  EXPECT_EQ(bwd_causal.count("ring.bwd_comm"), 1u);
  EXPECT_EQ(bwd_causal.count("ring.layout"), 1u);
  const auto one_rank = names(build_space(small(1024, 1)));
  EXPECT_EQ(one_rank.count("ring.overlap"), 0u);
}

// cp.method: the four methods with several ranks; cp.ulysses_degree: 0 and every group size hybrid
// accepts (dividing the world and both head counts); the ring's own parameters only with the ring
// (and hybrid's ring across groups), so no two candidates run the same thing.
TEST(Space, SearchesTheContextParallelMethods) {
  Workload w = small(1024, 4);
  w.shape.heads = 8;
  w.shape.kv_heads = 4;
  const SearchSpace s = build_space(w);
  const auto dim = [&](std::string_view name) {
    const auto it =
        std::find_if(s.dims.begin(), s.dims.end(), [&](const Dimension& d) { return d.name == name; });
    return it == s.dims.end() ? std::vector<std::string>{} : it->values;
  };
  EXPECT_EQ(dim("cp.method"), (std::vector<std::string>{"ring", "ulysses", "all_gather", "hybrid"}));
  EXPECT_EQ(dim("cp.ulysses_degree"), (std::vector<std::string>{"0", "2"}));
  std::set<std::string> methods;
  for (const auto& c : s.candidates) {
    methods.insert(std::string(to_string(c.schedule.cp_method)));
    EXPECT_EQ(c.schedule.ulysses_degree, c.schedule.cp_method == CpMethod::hybrid ? 2 : 0) << c.key();
    if (c.schedule.cp_method == CpMethod::ulysses || c.schedule.cp_method == CpMethod::all_gather) {
      EXPECT_EQ(c.schedule.overlap, Overlap::none) << c.key();
      EXPECT_EQ(c.schedule.bwd_comm, BwdComm::q) << c.key();
      EXPECT_EQ(c.schedule.topology, Topology::flat) << c.key();
    }
  }
  EXPECT_EQ(methods.size(), 4u);
  EXPECT_TRUE(has_reason(s, "cp.method ulysses does not read it"));
  EXPECT_TRUE(has_reason(s, "cp.ulysses_degree 2: only cp.method ulysses and hybrid read it"));
  // Heads 4 / kv heads 2 over 4 ranks: ulysses cannot split them, hybrid's only degree is 2.
  const SearchSpace gqa = build_space(small(1024, 4));
  EXPECT_TRUE(has_reason(gqa, "Ulysses splits heads over 4 ranks"));
  EXPECT_TRUE(std::none_of(gqa.candidates.begin(), gqa.candidates.end(),
                           [](const Candidate& c) { return c.schedule.cp_method == CpMethod::ulysses; }));
  const auto one_rank = build_space(small(1024, 1));
  EXPECT_TRUE(std::none_of(one_rank.dims.begin(), one_rank.dims.end(),
                           [](const Dimension& d) { return d.name == "cp.method"; }));
}

TEST(Space, PrunesWithReasons) {
  // n = 64 tokens per rank at world 4: chunks 8 divide it, tile 128 is at least twice a zigzag half (32).
  const SearchSpace s = build_space(small(256, 4));
  EXPECT_TRUE(has_reason(s, "needs --overlap chunk_pipeline")) << "chunks > 1 without chunk_pipeline";
  EXPECT_TRUE(has_reason(s, "chunk_pipeline with ring.chunks=1 is double_buffer"));
  EXPECT_TRUE(has_reason(s, "kernel.tile_q=128 is at least twice"));
  // One node of 4 ranks: the double ring is searched as 2 groups of 2.
  int doubles = 0;
  for (const auto& c : s.candidates)
    if (c.schedule.topology == Topology::double_ring) {
      ++doubles;
      EXPECT_EQ(c.schedule.group_size, 2) << c.key();
    }
  EXPECT_GT(doubles, 0);
  // zigzag needs N divisible by 2G: 260 is not divisible by 8 (but by 4).
  const SearchSpace z = build_space(small(260, 4));
  EXPECT_TRUE(has_reason(z, "layout zigzag needs"));
  EXPECT_TRUE(std::none_of(z.candidates.begin(), z.candidates.end(),
                           [](const Candidate& c) { return c.schedule.layout == Layout::zigzag; }));
}

TEST(Space, MemoryConstraint) {
  SpaceOptions o;
  o.memory_limit_bytes = 1024;  // nothing but the default fits
  const SearchSpace s = build_space(small(1024, 2), o);
  EXPECT_EQ(s.candidates.size(), 1u);
  EXPECT_TRUE(s.candidates.front().is_default());
  EXPECT_TRUE(has_reason(s, "MiB per rank"));
}

TEST(Space, RestrictAndErrors) {
  SpaceOptions o;
  o.restrict = {{"ring.overlap", {"none", "double_buffer"}},
                {"kernel.tile_q", {"64"}},
                {"kernel.tile_kv", {"64"}},
                {"cp.method", {"ring"}}};
  const SearchSpace s = build_space(small(1024, 2, false, Pass::fwd), o);
  EXPECT_EQ(s.candidates.size(), 2u);  // overlap none / double_buffer, tiles fixed, chunks>1 pruned
  SpaceOptions bad;
  bad.restrict = {{"ring.overlap", {"sideways"}}};
  EXPECT_THROW(build_space(small(1024, 2), bad), InvalidArgument);
  bad.restrict = {{"ring.colour", {"red"}}};
  EXPECT_THROW(build_space(small(1024, 2), bad), InvalidArgument);
  Workload w = small(1000, 3);  // 1000 % 3 != 0: the workload itself cannot run
  EXPECT_THROW(build_space(w), InvalidArgument);
}

TEST(Space, CandidateJsonRoundTripAndComplexity) {
  Candidate c;
  c.schedule.overlap = Overlap::chunk_pipeline;
  c.schedule.chunks = 4;
  c.schedule.layout = Layout::zigzag;
  EXPECT_EQ(c.complexity(), 3);
  const Candidate back = Candidate::from_json(c.to_json());
  EXPECT_EQ(back.key(), c.key());
  EXPECT_EQ(c.value("ring.chunks"), "4");
  EXPECT_EQ(c.value("ring.overlap"), "chunk_pipeline");
  EXPECT_EQ(c.value("no.such"), "");
  EXPECT_TRUE(default_candidate().is_default());
  EXPECT_THROW(Candidate::from_json(nlohmann::json{{"ring.chunks", "many"}}), InvalidArgument);
}

Measurement ok(double t, double noise) {
  Measurement m;
  m.ok = true;
  m.status = "ok";
  m.median_s = t;
  m.noise = noise;
  return m;
}

TEST(Winner, FastestUnlessTiedWithSimpler) {
  Candidate def, one, two;
  one.schedule.overlap = Overlap::double_buffer;                            // complexity 1
  two.schedule.overlap = Overlap::chunk_pipeline, two.schedule.chunks = 2;  // complexity 2
  // Clear winner beyond noise.
  EXPECT_EQ(choose_winner({def, one, two}, {ok(1.0, 0.01), ok(0.8, 0.01), ok(0.9, 0.01)}), 1u);
  // 0.99 vs 1.0 with 2% noise: a tie, the default wins.
  EXPECT_EQ(choose_winner({def, one, two}, {ok(1.0, 0.02), ok(0.99, 0.02), ok(1.5, 0.02)}), 0u);
  // Tie between two non-defaults: the simpler one.
  EXPECT_EQ(choose_winner({def, one, two}, {ok(2.0, 0.01), ok(1.0, 0.03), ok(0.99, 0.03)}), 1u);
  Measurement failed;
  failed.status = "failed";
  EXPECT_EQ(choose_winner({def, one}, {failed, ok(3.0, 0.0)}), 1u);
  EXPECT_FALSE(choose_winner({def}, {failed}).has_value());
}

}  // namespace
}  // namespace burst::tuner
