// The cost model: a configuration's time per call from ALGORITHM.md's FLOP and byte formulas,
// per-kernel-variant compute rates, per-link-class bandwidth and latency, and each overlap
// strategy's composition rule (docs/cost-model.md derives every term).
#pragma once

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

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
  // Attention compute rate of ONE rank (FLOP/s, FLOPs counted as in ALGORITHM.md) per kernel
  // variant "TQxTKV" ("64x64"); default_* when a variant is missing.
  double default_fwd_flops_per_s = 0, default_bwd_flops_per_s = 0;
  std::map<std::string, double> fwd_flops_per_s, bwd_flops_per_s;
  LinkRate intra;  // between ranks of one node/group
  LinkRate inter;  // between nodes/groups
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
};

Prediction predict(const Workload& workload, const Candidate& candidate, const MachineRates& rates);

// The calibration table (created when missing) keyed by fingerprint id; latest row wins.
void store_calibration(db::Database& db, const std::string& fingerprint_id, const MachineRates& rates);
std::optional<MachineRates> load_calibration(db::Database& db, const std::string& fingerprint_id);

}  // namespace burst::tuner
