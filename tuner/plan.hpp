// `burst-tune plan`: the best configuration and its predicted time for a cluster described by rates
// (given or calibrated), ranked by the cost model, with docs/algorithm.md's thresholds worked out for the
// workload: which backward scheme sends less and where the two cross (H/Hkv), and the tokens per
// rank n* at which a ring step's compute equals its transfer on each link class.
//
// Model presets and sequence lengths with K/M suffixes: tuner/presets.hpp (shared with `tune`).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tuner/cost_model.hpp"
#include "tuner/space.hpp"

namespace burst::tuner {

// "700e12", "450e9": a positive finite number; throws InvalidArgument naming `flag`.
double parse_positive(std::string_view text, std::string_view flag);
// "intra:450e9,2e-6" -> ("intra", {450e9, 2e-6}); throws InvalidArgument naming --link.
std::pair<std::string, LinkRate> parse_link(std::string_view text);

struct PlanOptions {
  int top = 10;              // ranked entries kept
  double tie = 0.02;         // relative: candidates this close to the fastest tie; the simplest wins
  bool allow_lossy = false;  // also rank ring.accum_dtype=input
};

struct PlanEntry {
  Candidate candidate;
  Prediction prediction;
};

// Compute = transfer per ring step: a*n^2 = b*n + latency, solved for n.
struct OverlapThreshold {
  std::string link;  // "intra" / "inter"
  double bandwidth_Bps = 0, latency_s = 0;
  double n_full = 0;      // full block per step (no mask, or contiguous causal's critical path)
  double n_balanced = 0;  // half a block per step (zigzag/striped causal)
  double n_full_bandwidth_only = 0, n_balanced_bandwidth_only = 0;  // (b/2)(Hkv/H) F/BW (x2)
};

struct Thresholds {
  // Backward bytes one rank sends per pass (docs/algorithm.md) and per ring step (one block + one
  // accumulator).
  double q_bytes_pass = 0, kv_bytes_pass = 0;
  double q_bytes_step = 0, kv_bytes_step = 0;
  std::string less;            // "q", "kv" or "equal"
  double crossover_ratio = 0;  // H/Hkv at which both schemes send the same bytes per pass
  std::int64_t n = 0;          // this workload's tokens per rank
  std::vector<OverlapThreshold> forward, backward_q, backward_kv;  // per link class
};

struct Plan {
  Workload workload;
  MachineRates rates;
  std::vector<PlanEntry> ranked;  // fastest first (at most options.top)
  std::size_t best = 0;           // index into ranked of the pick (tie rule)
  std::size_t considered = 0, pruned = 0;
  Thresholds thresholds;
  nlohmann::json to_json() const;
};

// The candidates plan ranks: exactly the space `tune` searches for the workload (build_space, the
// parameter table's values pruned by the same constraints); the pruned ones are counted in `pruned`.
// Tile shapes without a calibrated rate are ranked at the calibration's default rate.
std::vector<Candidate> plan_candidates(const Workload& workload, const MachineRates& rates,
                                       const PlanOptions& options, std::size_t* pruned = nullptr);

Thresholds compute_thresholds(const Workload& workload, const MachineRates& rates);

// Index of the pick among `entries` sorted fastest first: the fastest, unless simpler candidates
// (Candidate::complexity) are within `tie` of it: then the simplest of those, then the fastest.
std::size_t pick_best(const std::vector<PlanEntry>& entries, double tie);

Plan make_plan(const Workload& workload, const MachineRates& rates, const PlanOptions& options = {});

// The candidate as short text: "zigzag kv double_buffer flat 64x64".
std::string describe(const Candidate& c, const Workload& w);

}  // namespace burst::tuner
