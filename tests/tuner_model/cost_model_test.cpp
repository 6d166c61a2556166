// The cost model against examples computed by hand (docs/cost-model.md's formulas), on tiny
// shapes whose rates make every term a round number of seconds.
#include "tuner/cost_model.hpp"

#include <gtest/gtest.h>

#include "burst/error.hpp"

namespace burst::tuner {
namespace {

// B = 1, n = 4 tokens per rank, H = Hkv = 2, d = 32, fp32:
//   forward block pair  4*B*n^2*H*d = 4*16*2*32 = 4096 FLOP    -> 1 s at 4096 FLOP/s
//   backward            2.5x        = 10240 FLOP               -> 1 s at 10240 FLOP/s
//   forward hop K,V     2*B*n*Hkv*d*b = 2*4*2*32*4 = 2048 B    -> 2 s at 1024 B/s (+ latency)
Workload tiny(int world, bool causal = false, Pass pass = Pass::fwd) {
  Workload w;
  w.shape.batch = 1;
  w.shape.seq = 4 * world;
  w.shape.heads = 2;
  w.shape.kv_heads = 2;
  w.shape.head_dim = 32;
  w.shape.dtype = DType::f32;
  w.shape.causal = causal;
  w.pass = pass;
  w.world = world;
  w.ranks_per_node = world;
  return w;
}

MachineRates tiny_rates() {
  MachineRates r;
  r.default_fwd_flops_per_s = 4096;
  r.default_bwd_flops_per_s = 10240;
  r.intra = {1024, 0.5};
  r.inter = {256, 1.0};
  return r;
}

Candidate with(Overlap overlap, int chunks = 1, Layout layout = Layout::contiguous,
               BwdComm scheme = BwdComm::q) {
  Candidate c;
  c.schedule.overlap = overlap;
  c.schedule.chunks = chunks;
  c.schedule.layout = layout;
  c.schedule.bwd_comm = scheme;
  return c;
}

TEST(CostModelTerms, FlopsBytesAndTransfer) {
  const Workload w = tiny(2);
  EXPECT_DOUBLE_EQ(block_flops(w.shape, 4, false), 4096.0);
  EXPECT_DOUBLE_EQ(block_flops(w.shape, 4, true), 10240.0);
  Schedule q, kv, kv_input;
  kv.bwd_comm = BwdComm::kv;
  kv_input.bwd_comm = BwdComm::kv;
  kv_input.accum_dtype = AccumDType::input;
  EXPECT_DOUBLE_EQ(hop_bytes(w.shape, q, 4, false).block, 2048.0);
  // q: B*n*H*(2*d*b + 2*4) = 4*2*(256+8) = 2112; dQ: B*n*H*d*4 = 1024.
  EXPECT_DOUBLE_EQ(hop_bytes(w.shape, q, 4, true).block, 2112.0);
  EXPECT_DOUBLE_EQ(hop_bytes(w.shape, q, 4, true).accumulator, 1024.0);
  // kv: K,V 2048; dK,dV 2*B*n*Hkv*d*a = 2048 (fp32), same with accum = input on fp32 inputs.
  EXPECT_DOUBLE_EQ(hop_bytes(w.shape, kv, 4, true).block, 2048.0);
  EXPECT_DOUBLE_EQ(hop_bytes(w.shape, kv, 4, true).accumulator, 2048.0);
  EXPECT_DOUBLE_EQ(hop_bytes(w.shape, kv_input, 4, true).accumulator, 2048.0);
  EXPECT_DOUBLE_EQ(transfer_time({1024, 0.5}, 2048, 1), 2.5);
  EXPECT_DOUBLE_EQ(transfer_time({1024, 0.5}, 2048, 4), 4.0);
  EXPECT_DOUBLE_EQ(transfer_time({1024, 0.5}, 0, 4), 0.0);
}

TEST(CostModelTerms, CausalFractions) {
  AttentionShape s = tiny(4, true).shape;
  EXPECT_DOUBLE_EQ(block_fraction(s, Layout::contiguous, 0), 0.5);
  EXPECT_DOUBLE_EQ(block_fraction(s, Layout::contiguous, 3), 1.0);
  EXPECT_DOUBLE_EQ(block_fraction(s, Layout::zigzag, 0), 0.5);
  EXPECT_DOUBLE_EQ(block_fraction(s, Layout::striped, 2), 0.5);
  s.causal = false;
  EXPECT_DOUBLE_EQ(block_fraction(s, Layout::zigzag, 0), 1.0);
}

TEST(CostModelTerms, VariantRateAndDefault) {
  MachineRates r = tiny_rates();
  r.fwd_flops_per_s["128x64"] = 8192;
  Schedule s;
  EXPECT_DOUBLE_EQ(compute_rate(r, s, false), 4096.0);
  s.tile_q = 128;
  EXPECT_DOUBLE_EQ(compute_rate(r, s, false), 8192.0);
  EXPECT_DOUBLE_EQ(compute_rate(r, s, true), 10240.0);  // no backward entry: the default
  Workload w = tiny(2);
  Candidate c = with(Overlap::none);
  c.schedule.tile_q = 128;
  // Compute halves: 0.5 + 2.5 + 0.5.
  EXPECT_DOUBLE_EQ(predict(w, c, r).fwd_s, 3.5);
  r.default_fwd_flops_per_s = 0;
  EXPECT_THROW(predict(w, with(Overlap::none), r), InvalidArgument);
}

// Forward, G = 2, no mask: step 0 computes 1 s and sends 2.5 s; step 1 computes 1 s.
TEST(CostModelTerms, RowCostFitAndPrediction) {
  // t = flops / F + rho * rows with F = 10 FLOP/s and rho = 0.5 s per row: two block sizes give both.
  const BlockCostFit fit = fit_block_cost(100, 4, 100.0 / 10 + 0.5 * 4, 400, 8, 400.0 / 10 + 0.5 * 8);
  EXPECT_NEAR(fit.flops_per_s, 10.0, 1e-9);
  EXPECT_NEAR(fit.row_s, 0.5, 1e-12);
  // Noise that would make the row cost negative: no row term, the larger block's plain rate.
  const BlockCostFit noisy = fit_block_cost(100, 4, 5.0, 400, 8, 40.0);
  EXPECT_EQ(noisy.row_s, 0.0);
  EXPECT_DOUBLE_EQ(noisy.flops_per_s, 10.0);
  EXPECT_THROW(fit_block_cost(0, 4, 1, 400, 8, 1), InvalidArgument);

  // In a prediction: one rank (no transfers), a row cost adds rho * B * n * H to the block time.
  MachineRates r = tiny_rates();
  const Workload w = tiny(1);
  const double plain = predict(w, Candidate{}, r).fwd_s;
  r.fwd_row_s["64x64"] = 0.25;
  const double with_rows = predict(w, Candidate{}, r).fwd_s;
  EXPECT_NEAR(with_rows - plain, 0.25 * static_cast<double>(w.shape.batch * w.shape.seq * w.shape.heads),
              1e-9);
  // Round trip through JSON, and a negative row cost is refused.
  EXPECT_EQ(MachineRates::from_json(r.to_json()).fwd_row_s.at("64x64"), 0.25);
  auto j = r.to_json();
  j["fwd_row_s"]["64x64"] = -1.0;
  EXPECT_THROW(MachineRates::from_json(j), InvalidArgument);
}

TEST(CostModelForward, OverlapCompositionByHand) {
  const Workload w = tiny(2);
  MachineRates r = tiny_rates();
  EXPECT_DOUBLE_EQ(predict(w, with(Overlap::none), r).total_s, 1 + 2.5 + 1);       // 4.5
  EXPECT_DOUBLE_EQ(predict(w, with(Overlap::double_buffer), r).total_s, 2.5 + 1);  // 3.5
  // C = 2: two messages, 2 + 2*0.5 = 3 s; max(1, 3) + 1.
  EXPECT_DOUBLE_EQ(predict(w, with(Overlap::chunk_pipeline, 2), r).total_s, 3 + 1);  // 4.0
  const Prediction p = predict(w, with(Overlap::double_buffer), r);
  EXPECT_DOUBLE_EQ(p.compute_s, 2.0);
  EXPECT_DOUBLE_EQ(p.comm_s, 2.5);
  EXPECT_DOUBLE_EQ(p.exposed_comm_s, 1.5);
  EXPECT_DOUBLE_EQ(p.bwd_s, 0.0);
  // Step overhead 0.25 s per step, per piece with chunk_pipeline.
  r.step_overhead_s = 0.25;
  EXPECT_DOUBLE_EQ(predict(w, with(Overlap::none), r).total_s, 4.5 + 0.5);
  EXPECT_DOUBLE_EQ(predict(w, with(Overlap::double_buffer), r).total_s, 3.5 + 0.5);
  const Prediction c2 = predict(w, with(Overlap::chunk_pipeline, 2), r);
  EXPECT_DOUBLE_EQ(c2.total_s, 4.0 + 1.0);
  EXPECT_DOUBLE_EQ(c2.overhead_s, 1.0);
  EXPECT_DOUBLE_EQ(c2.exposed_comm_s, 2.0);  // 5 - 2 compute - 1 overhead
}

// Causal: contiguous's critical path (rank G-1) does half a block at step 0 and whole blocks
// after; zigzag and striped half a block at every step.
TEST(CostModelMasks, ACausalWindowRunsOnlyTheStepsItNeeds) {
  // n = 4 per rank, G = 4, causal window 3: rank r sees its own block (a causal band) and the last
  // 3 rows of rank r-1's; the ring stops after 2 steps, one transfer of 2.5 s.
  Workload w = tiny(4, true);
  w.shape.window_left = 3;
  const MachineRates r = tiny_rates();
  const PassPrediction p = predict_pass(w, with(Overlap::none), r, false);
  EXPECT_EQ(p.steps, 2);
  // Step 0: the busiest rank's own block holds 4+3+2+1 = 10 of 16 pairs; step 1: 0+1+2+3 = 6 of 16.
  EXPECT_DOUBLE_EQ(masked_block_fraction(w, with(Overlap::none).schedule, 0, 2, true), 10.0 / 16.0);
  EXPECT_DOUBLE_EQ(masked_block_fraction(w, with(Overlap::none).schedule, 1, 2, true), 6.0 / 16.0);
  EXPECT_DOUBLE_EQ(masked_block_fraction(w, with(Overlap::none).schedule, 2, 2, true), 0.0);
  EXPECT_DOUBLE_EQ(p.compute_s, 1.0);
  EXPECT_DOUBLE_EQ(p.comm_s, 2.5);
  EXPECT_DOUBLE_EQ(p.time_s, 1.0 + 2.5);
}

TEST(CostModelMasks, PerDocumentBeatsContiguousOnUnevenCausalDocuments) {
  Workload w = tiny(4, true);
  w.shape.seq = 1024;
  w.shape.doc_bounds = {0, 600, 800, 1024};
  MachineRates fast = tiny_rates();
  fast.intra = {1e15, 0};  // compute-bound: only the balance matters
  const double contiguous = predict(w, with(Overlap::double_buffer, 1, Layout::contiguous), fast).total_s;
  const double per_document = predict(w, with(Overlap::double_buffer, 1, Layout::per_document), fast).total_s;
  EXPECT_LT(per_document, 0.8 * contiguous) << per_document << " vs " << contiguous;
}

TEST(CostModelForward, CausalLayoutsByHand) {
  const Workload w = tiny(4, true);
  const MachineRates r = tiny_rates();
  // 4 steps, 3 transfers of 2.5 s.
  EXPECT_DOUBLE_EQ(predict(w, with(Overlap::none, 1, Layout::contiguous), r).total_s,
                   0.5 + 3 * 1 + 3 * 2.5);                                                             // 11
  EXPECT_DOUBLE_EQ(predict(w, with(Overlap::none, 1, Layout::zigzag), r).total_s, 4 * 0.5 + 3 * 2.5);  // 9.5
  EXPECT_DOUBLE_EQ(predict(w, with(Overlap::none, 1, Layout::striped), r).total_s, 9.5);
  // Compute-bound world (fast link): zigzag halves the time of contiguous, less half a block.
  MachineRates fast = r;
  fast.intra = {1e12, 0};
  const double contiguous = predict(w, with(Overlap::double_buffer, 1, Layout::contiguous), fast).total_s;
  const double zigzag = predict(w, with(Overlap::double_buffer, 1, Layout::zigzag), fast).total_s;
  EXPECT_NEAR(contiguous, 3.5, 1e-6);
  EXPECT_NEAR(zigzag, 2.0, 1e-6);
}

// Backward, G = 2, q scheme: tuple 2112 B -> 2.0625 + 0.5 s; dQ 1024 B -> 1 + 0.5 s; compute 1 s.
//   step 0: c 1, tb 2.5625, ta 1.5;  step 1: c 1, ta 1.5 (home).
TEST(CostModelBackward, SchemesAndAccumulatorByHand) {
  const Workload w = tiny(2, false, Pass::bwd);
  const MachineRates r = tiny_rates();
  EXPECT_DOUBLE_EQ(predict(w, with(Overlap::none), r).bwd_s, (1 + 2.5625 + 1.5) + (1 + 1.5));  // 7.5625
  // double_buffer hides the tuple, not the accumulator: max(1, 2.5625) + 1.5, then 1 + 1.5.
  EXPECT_DOUBLE_EQ(predict(w, with(Overlap::double_buffer), r).bwd_s, 4.0625 + 2.5);  // 6.5625
  // chunk_pipeline C = 2: tb = 2.0625 + 1, ta = 1 + 1; step 0 max(1, 3.0625 + 2/2) + 2/2; step 1 max(1, 1)
  // + 1.
  EXPECT_DOUBLE_EQ(predict(w, with(Overlap::chunk_pipeline, 2), r).bwd_s, 5.0625 + 2.0);  // 7.0625
  // kv: K,V 2048 B (2.5 s), dK,dV 2048 B (2.5 s): 1 + 2.5 + 2.5, then 1 + 2.5.
  EXPECT_DOUBLE_EQ(predict(w, with(Overlap::none, 1, Layout::contiguous, BwdComm::kv), r).bwd_s, 9.5);
  // fwd+bwd adds both passes.
  Workload both = w;
  both.pass = Pass::fwd_bwd;
  const Prediction p = predict(both, with(Overlap::none), r);
  EXPECT_DOUBLE_EQ(p.fwd_s, 4.5);
  EXPECT_DOUBLE_EQ(p.bwd_s, 7.5625);
  EXPECT_DOUBLE_EQ(p.total_s, 12.0625);
  EXPECT_DOUBLE_EQ(p.compute_s, 4.0);
}

// Links: a flat ring that spans nodes runs every hop at the inter rate; a double ring (I = 2
// groups of L = 2) hops inside groups at intra and hides the inter seed behind a round.
TEST(CostModelTopology, FlatAndDoubleRingByHand) {
  Workload w = tiny(4);
  w.ranks_per_node = 2;
  MachineRates r = tiny_rates();
  r.intra = {2048, 0};  // K,V hop: 1 s
  r.inter = {512, 0};   // K,V hop: 4 s
  // Flat across nodes: 3 hops of 4 s.
  EXPECT_DOUBLE_EQ(predict(w, with(Overlap::none), r).total_s, 3 * (1 + 4) + 1);     // 16
  EXPECT_DOUBLE_EQ(predict(w, with(Overlap::double_buffer), r).total_s, 3 * 4 + 1);  // 13
  Candidate dbl = with(Overlap::double_buffer);
  dbl.schedule.topology = Topology::double_ring;
  dbl.schedule.group_size = 2;
  // Round 0: step 0 max(1, 1) + step 1 (1) = 2, but the 4 s seed must arrive: 4. Round 1: 2.
  EXPECT_DOUBLE_EQ(predict(w, dbl, r).total_s, 6.0);
  Candidate dbl_none = dbl;
  dbl_none.schedule.overlap = Overlap::none;
  // Round 0: step 0 = 1 + max(1 intra, 4 seed), step 1 = 1; round 1: 1 + 1 + 1.
  EXPECT_DOUBLE_EQ(predict(w, dbl_none, r).total_s, 5 + 1 + 3);
  // Everything on one node: flat hops are intra.
  w.ranks_per_node = 4;
  EXPECT_DOUBLE_EQ(predict(w, with(Overlap::none), r).total_s, 3 * (1 + 1) + 1);
}

TEST(CostModelTopology, SingleRankHasNoTransfers) {
  const Workload w = tiny(1, false, Pass::fwd_bwd);
  const Prediction p = predict(w, with(Overlap::double_buffer), tiny_rates());
  EXPECT_DOUBLE_EQ(p.fwd_s, 1.0);
  EXPECT_DOUBLE_EQ(p.bwd_s, 1.0);
  EXPECT_DOUBLE_EQ(p.comm_s, 0.0);
}

}  // namespace
}  // namespace burst::tuner
