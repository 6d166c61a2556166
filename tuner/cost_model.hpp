// The cost model: a configuration's time per call from docs/algorithm.md's FLOP and byte formulas,
// per-kernel-variant compute rates, per-link-class bandwidth and latency, and each overlap
// strategy's composition rule (docs/cost-model.md derives every term).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "tuner/space.hpp"

namespace burst::db {
class Database;
}

namespace burst::tuner {

struct LinkRate {
  double bandwidth_Bps = 0;  // bytes per second, one direction, one rank's share
  double latency_s = 0;      // per message
};

struct MachineRates {
  std::string source;  // "calibrated <fingerprint id> <date>" or "given on the command line"
  // Attention compute rate of ONE rank (FLOP/s, FLOPs counted as in docs/algorithm.md) per kernel
  // variant "TQxTKV" ("64x64"); default_* when a variant is missing.
  double default_fwd_flops_per_s = 0, default_bwd_flops_per_s = 0;
  std::map<std::string, double> fwd_flops_per_s, bwd_flops_per_s;
  // Per-row cost of a block pair, seconds per query row and head (batch x rows x heads), per variant:
  // the O(n) work beside the O(n^2) matrix products (loading and rescaling rows, softmax
  // statistics, stores). A block pair of n rows takes flops / rate + row_s * B * n * H; 0 (or
  // absent) when not calibrated. Fitted from two calibration block sizes (docs/cost-model.md).
  std::map<std::string, double> fwd_row_s, bwd_row_s;
  LinkRate intra;              // between ranks of one node/group
  LinkRate inter;              // between nodes/groups
  double step_overhead_s = 0;  // fixed cost per ring step (synchronisation, launch)
  nlohmann::json to_json() const;
  static MachineRates from_json(const nlohmann::json& j);  // throws InvalidArgument
};

struct Prediction {
  double fwd_s = 0, bwd_s = 0;  // per pass (0 when not run)
  double total_s = 0;           // of the workload's pass(es)
  double compute_s = 0;         // critical-path compute
  double comm_s = 0;            // critical-path transfer time if nothing overlapped
  double exposed_comm_s = 0;    // what the overlap strategy leaves exposed
  double overhead_s = 0;        // step overheads (total_s = compute_s + exposed_comm_s + overhead_s)
  nlohmann::json to_json() const;
};

Prediction predict(const Workload& workload, const Candidate& candidate, const MachineRates& rates);
// predict(...).total_s with `rates` bound: the predictor a tune (TuneOptions::predict), its plan
// and its replay use.
std::function<double(const Workload&, const Candidate&)> predictor(const MachineRates& rates);

// Fits t = flops / rate + row_s * rows to two timings of the same variant at different block sizes
// (rows = batch x n x heads). row_s is clamped at 0 (then the rate comes from the larger block).
struct BlockCostFit {
  double flops_per_s = 0, row_s = 0;
};
BlockCostFit fit_block_cost(double flops1, double rows1, double t1, double flops2, double rows2, double t2);

// ---- The terms predict() is made of (docs/cost-model.md), exposed for plan and the tests. ----

// Rate key of a kernel variant: "64x128" (tile_q x tile_kv).
std::string variant_key(int tile_q, int tile_kv);
// The compute rate the model uses for this schedule's tiles (the variant's, else the default);
// throws InvalidArgument when it is not positive.
double compute_rate(const MachineRates& rates, const Schedule& schedule, bool backward);

// Fraction of a full (n x n) block pair the critical-path rank computes at ring step `step`:
// 1 without a mask; causal contiguous 1/2 at step 0 (the diagonal block) and 1 after (rank G-1);
// causal zigzag and striped 1/2 at every step (balanced).
double block_fraction(const AttentionShape& shape, Layout layout, int step);
// The same for any mask: block_fraction without documents or a window; with them the exact visible
// pairs (burst::block_pairs) of the rank with the most at that step over a full block, and 0 from
// step `steps` on (burst::ring_steps: the ring stops there). keys_travel: K/V move (forward, kv
// backward), else Q moves (q backward).
double masked_block_fraction(const Workload& w, const Schedule& s, int step, int steps, bool keys_travel);

// FLOPs of one full block pair of n tokens per rank: forward 4*B*n^2*H*d, backward 2.5x that.
double block_flops(const AttentionShape& shape, std::int64_t n, bool backward);

// Bytes of one hop: the travelling block (forward K,V; backward q: Q,dO,D,lse; kv: K,V) and, in
// the backward pass, the travelling accumulator (q: dQ; kv: dK,dV) in the accumulator dtype.
struct HopBytes {
  double block = 0;
  double accumulator = 0;
};
HopBytes hop_bytes(const AttentionShape& shape, const Schedule& schedule, std::int64_t n, bool backward);

// bytes / bandwidth + messages * latency.
double transfer_time(const LinkRate& link, double bytes, int messages);

// One pass, the terms summed along the critical path.
struct PassPrediction {
  double time_s = 0;
  double compute_s = 0;
  double comm_s = 0;      // every transfer on the critical path, as if nothing overlapped
  double exposed_s = 0;   // time_s - compute_s - overhead_s (never negative)
  double overhead_s = 0;  // step_overhead_s per step (per piece with chunk_pipeline)
  int steps = 0;
};
PassPrediction predict_pass(const Workload& workload, const Candidate& candidate, const MachineRates& rates,
                            bool backward);

// The link class of the ring's hops: flat rings run at the slowest link they cross (inter when
// the world spans nodes, world > ranks_per_node), double rings use intra links inside a group (when
// the group fits in a node) and inter links between groups.
const LinkRate& flat_link(const Workload& workload, const MachineRates& rates);

// The calibration table (created when missing) keyed by fingerprint id; latest row wins.
void store_calibration(db::Database& db, const std::string& fingerprint_id, const MachineRates& rates);
std::optional<MachineRates> load_calibration(db::Database& db, const std::string& fingerprint_id);

}  // namespace burst::tuner
