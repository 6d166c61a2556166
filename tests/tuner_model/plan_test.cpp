// plan: docs/algorithm.md's thresholds reproduced by the model (n* = (b/2)(Hkv/H) F/BW, x2 for balanced
// causal; the H/Hkv where kv overtakes q), and the ranking flipping where they say it should.
#include "tuner/plan.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "burst/error.hpp"

namespace burst::tuner {
namespace {

Workload llama(std::int64_t kv_heads, std::int64_t tokens_per_rank, int world, Pass pass,
               bool causal = false) {
  Workload w;
  w.name = "test";
  w.shape.batch = 1;
  w.shape.heads = 32;
  w.shape.kv_heads = kv_heads;
  w.shape.head_dim = 128;
  w.shape.dtype = DType::bf16;
  w.shape.causal = causal;
  w.shape.seq = tokens_per_rank * world;
  w.pass = pass;
  w.world = world;
  w.ranks_per_node = world;
  w.backend = Backend::cuda;
  return w;
}

MachineRates cluster(double flops, double intra_bw, double intra_lat, double inter_bw = 50e9,
                     double inter_lat = 5e-6) {
  MachineRates r;
  r.default_fwd_flops_per_s = flops;
  r.default_bwd_flops_per_s = flops;
  r.intra = {intra_bw, intra_lat};
  r.inter = {inter_bw, inter_lat};
  return r;
}

TEST(PlanThresholds, OverlapTokensPerRankMatchAlgorithmMd) {
  // H100 NVLink: F = 900e12, 450e9 B/s, bf16 MHA -> n* = 2000 (about 2K); balanced causal twice.
  const Thresholds nv = compute_thresholds(llama(32, 4096, 8, Pass::fwd), cluster(900e12, 450e9, 0, 50e9, 0));
  ASSERT_EQ(nv.forward.size(), 2u);
  EXPECT_EQ(nv.forward[0].link, "intra");
  EXPECT_NEAR(nv.forward[0].n_full_bandwidth_only, 2000.0, 1e-6);
  EXPECT_NEAR(nv.forward[0].n_balanced_bandwidth_only, 4000.0, 1e-6);
  EXPECT_NEAR(nv.forward[0].n_full, 2000.0, 1e-6);  // no latency: the same
  // 400 Gb/s InfiniBand = 50e9 B/s at F = 700e12 -> 14000 (about 14K).
  const Thresholds ib = compute_thresholds(llama(32, 4096, 8, Pass::fwd), cluster(700e12, 450e9, 0, 50e9, 0));
  EXPECT_EQ(ib.forward[1].link, "inter");
  EXPECT_NEAR(ib.forward[1].n_full_bandwidth_only, 14000.0, 1e-6);
  EXPECT_NEAR(ib.forward[1].n_balanced_bandwidth_only, 28000.0, 1e-6);
  // GQA 4: a quarter of the bytes, a quarter of the threshold.
  const Thresholds gqa = compute_thresholds(llama(8, 4096, 8, Pass::fwd), cluster(900e12, 450e9, 0));
  EXPECT_NEAR(gqa.forward[0].n_full_bandwidth_only, 500.0, 1e-6);
  // Latency raises it: a*n^2 = b*n + lat solved exactly.
  const Thresholds lat = compute_thresholds(llama(32, 4096, 8, Pass::fwd), cluster(900e12, 450e9, 2e-6));
  const double a = 4.0 * 32 * 128 / 900e12, b = 2.0 * 32 * 128 * 2 / 450e9;
  const double n = lat.forward[0].n_full;
  EXPECT_GT(n, 2000.0);
  EXPECT_NEAR(a * n * n, b * n + 2e-6, 1e-12);
}

TEST(PlanThresholds, BackwardSchemeBytesCross) {
  // MHA bf16: q sends about a third less than kv.
  const Thresholds mha = compute_thresholds(llama(32, 4096, 16, Pass::bwd), cluster(700e12, 450e9, 0));
  EXPECT_EQ(mha.less, "q");
  EXPECT_NEAR(mha.q_bytes_pass / mha.kv_bytes_pass, 2.0 / 3.0, 0.02);
  // G = 16, d = 128, b = 2, a = 4: q per head 15*(512+8) + 16*512 = 15992, kv 15*512 + 16*1024 = 24064.
  EXPECT_NEAR(mha.crossover_ratio, 24064.0 / 15992.0, 1e-12);
  // H/Hkv = 4: kv sends less.
  const Thresholds gqa = compute_thresholds(llama(8, 4096, 16, Pass::bwd), cluster(700e12, 450e9, 0));
  EXPECT_EQ(gqa.less, "kv");
  EXPECT_LT(gqa.kv_bytes_pass, gqa.q_bytes_pass);
  // Per-pass totals are docs/algorithm.md's formulas.
  AttentionShape s = llama(8, 4096, 16, Pass::bwd).shape;
  Schedule q, kv;
  kv.bwd_comm = BwdComm::kv;
  EXPECT_DOUBLE_EQ(gqa.q_bytes_pass, static_cast<double>(backward_bytes_per_rank(s, q, 16)));
  EXPECT_DOUBLE_EQ(gqa.kv_bytes_pass, static_cast<double>(backward_bytes_per_rank(s, kv, 16)));
}

// Comm-bound backward at H/Hkv = 4: the model predicts kv faster than q; at MHA, q faster.
TEST(PlanRanking, KvBeatsQUnderGqaWhenCommBound) {
  const MachineRates slow = cluster(700e12, 25e9, 5e-6);
  for (const Overlap overlap : {Overlap::none, Overlap::double_buffer}) {
    Candidate q, kv;
    q.schedule.overlap = overlap;
    kv.schedule.overlap = overlap;
    kv.schedule.bwd_comm = BwdComm::kv;
    const Workload gqa = llama(8, 1024, 8, Pass::bwd);
    EXPECT_LT(predict(gqa, kv, slow).bwd_s, predict(gqa, q, slow).bwd_s) << to_string(overlap);
    const Workload mha = llama(32, 1024, 8, Pass::bwd);
    EXPECT_LT(predict(mha, q, slow).bwd_s, predict(mha, kv, slow).bwd_s) << to_string(overlap);
  }
  // And plan's pick says so.
  const Plan p = make_plan(llama(8, 1024, 8, Pass::bwd), slow);
  EXPECT_EQ(p.ranked[p.best].candidate.schedule.bwd_comm, BwdComm::kv);
  const Plan m = make_plan(llama(32, 1024, 8, Pass::bwd), slow);
  EXPECT_EQ(m.ranked[m.best].candidate.schedule.bwd_comm, BwdComm::q);
}

// The best configuration's regime flips at n*: below it the ring is transfer-bound (communication
// exposed whatever the overlap); above it the overlapped pick hides it completely. Far below n*,
// overlap buys less than the tie margin and plan keeps the plain schedule (none).
TEST(PlanRanking, OverlapFlipsAtTheThreshold) {
  for (const double lat : {0.0, 2e-6}) {
    const MachineRates r = cluster(900e12, 450e9, lat);
    const Thresholds th = compute_thresholds(llama(32, 4096, 8, Pass::fwd), r);
    const double n_star = th.forward[0].n_full;
    auto best_of = [&](std::int64_t n) {
      const Plan p = make_plan(llama(32, n, 8, Pass::fwd), r);
      return p.ranked[p.best];
    };
    const PlanEntry below = best_of(static_cast<std::int64_t>(std::floor(0.8 * n_star / 8) * 8));
    const PlanEntry above = best_of(static_cast<std::int64_t>(std::ceil(1.25 * n_star / 8) * 8));
    EXPECT_NE(below.candidate.schedule.overlap, Overlap::none) << "lat " << lat;
    EXPECT_GT(below.prediction.exposed_comm_s, 0.0) << "lat " << lat;
    EXPECT_NE(above.candidate.schedule.overlap, Overlap::none) << "lat " << lat;
    EXPECT_NEAR(above.prediction.exposed_comm_s, 0.0, 1e-12) << "lat " << lat;
    // n far below n*: comm-bound, overlap gains < 2%: none-like.
    const PlanEntry tiny = best_of(16);
    EXPECT_EQ(tiny.candidate.schedule.overlap, Overlap::none) << "lat " << lat;
    // The gain of overlap over none peaks at n*: none / best = 1 + min(c, t) / max(c, t) per step.
    Candidate none;
    const Workload at = llama(32, static_cast<std::int64_t>(std::round(n_star / 8) * 8), 8, Pass::fwd);
    Candidate db;
    db.schedule.overlap = Overlap::double_buffer;
    const double gain_at = predict(at, none, r).total_s / predict(at, db, r).total_s;
    EXPECT_GT(gain_at, 1.5) << "lat " << lat;
  }
}

TEST(PlanRanking, DoubleRingWinsAcrossSlowLinks) {
  // 16 ranks, 8 per node, IB between nodes: with n below the inter threshold, the double ring
  // (one group per node) hides the inter transfer behind a round; the flat ring cannot.
  // n = 1024 < inter n* = (2/2)(8/32) 700e12/50e9 = 3500.
  Workload w = llama(8, 1024, 16, Pass::fwd);
  w.ranks_per_node = 8;
  const MachineRates r = cluster(700e12, 450e9, 2e-6, 50e9, 5e-6);
  const Plan p = make_plan(w, r);
  const Candidate& best = p.ranked[p.best].candidate;
  EXPECT_EQ(best.schedule.topology, Topology::double_ring);
  EXPECT_EQ(best.schedule.group_size, 8);
}

TEST(PlanParsing, NumbersAndLinks) {
  EXPECT_DOUBLE_EQ(parse_positive("700e12", "--compute-rate"), 700e12);
  EXPECT_THROW(parse_positive("fast", "--compute-rate"), InvalidArgument);
  EXPECT_THROW(parse_positive("-1", "--compute-rate"), InvalidArgument);
  EXPECT_THROW(parse_positive("1e12x", "--compute-rate"), InvalidArgument);
  const auto [name, link] = parse_link("inter:50e9,5e-6");
  EXPECT_EQ(name, "inter");
  EXPECT_DOUBLE_EQ(link.bandwidth_Bps, 50e9);
  EXPECT_DOUBLE_EQ(link.latency_s, 5e-6);
  EXPECT_THROW(parse_link("nvlink:1,1"), InvalidArgument);
  EXPECT_THROW(parse_link("intra:450e9"), InvalidArgument);
  EXPECT_THROW(parse_link("intra:0,1e-6"), InvalidArgument);
  EXPECT_THROW(parse_link("intra:1e9,-1"), InvalidArgument);
}

std::vector<std::string> keys(const std::vector<Candidate>& cs) {
  std::vector<std::string> k;
  for (const auto& c : cs) k.push_back(c.key());
  return k;
}

// plan ranks exactly the space tune searches (one space, from the parameter table).
TEST(PlanCandidates, AreTheTuneSpace) {
  const MachineRates r = cluster(700e12, 450e9, 0);
  for (Workload w :
       {llama(8, 1024, 8, Pass::fwd), llama(8, 1024, 16, Pass::fwd_bwd, true), llama(8, 12, 8, Pass::fwd)}) {
    w.ranks_per_node = w.world == 16 ? 8 : w.world;
    std::size_t pruned = 0;
    const auto planned = plan_candidates(w, r, {}, &pruned);
    Workload cpu = w;
    cpu.backend = Backend::cpu;
    const SearchSpace space = build_space(cpu);
    EXPECT_EQ(keys(planned), keys(space.candidates)) << w.label();
    EXPECT_EQ(pruned, space.pruned.size()) << w.label();
  }
}

TEST(PlanCandidates, SpaceFollowsTheWorkload) {
  const MachineRates r = cluster(700e12, 450e9, 0);
  std::size_t pruned = 0;
  auto count = [&](const Workload& w, std::string_view param, std::string_view value) {
    std::size_t n = 0;
    for (const auto& c : plan_candidates(w, r, {}, &pruned)) n += c.value(param) == value ? 1 : 0;
    return n;
  };
  // Non-causal: layouts do not matter, only contiguous is ranked; forward only: scheme q only.
  const Workload fwd = llama(8, 1024, 8, Pass::fwd);
  EXPECT_EQ(count(fwd, param_layout, "zigzag"), 0u);
  EXPECT_EQ(count(fwd, param_bwd_comm, "kv"), 0u);
  EXPECT_GT(count(fwd, param_overlap, "chunk_pipeline"), 0u);
  // Causal fwd+bwd over 2 nodes: every layout, both schemes, the double ring with one group per node.
  Workload w = llama(8, 1024, 16, Pass::fwd_bwd, true);
  w.ranks_per_node = 8;
  EXPECT_GT(count(w, param_layout, "striped"), 0u);
  EXPECT_GT(count(w, param_bwd_comm, "kv"), 0u);
  EXPECT_GT(count(w, param_group_size, "8"), 0u);
  // n = 12 tokens per rank: chunks 8 cannot divide it, so it is pruned, not ranked.
  EXPECT_EQ(count(llama(8, 12, 8, Pass::fwd), param_chunks, "8"), 0u);
  EXPECT_GT(pruned, 0u);
}

}  // namespace
}  // namespace burst::tuner
