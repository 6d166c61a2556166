// Calibration: the cost model's rates measured on this machine (docs/cost-model.md, "Calibration").
//
//   compute   per kernel variant (tile_q x tile_kv), forward and backward FLOP/s of ONE rank while
//             all `world` ranks compute at once: `world` single-rank BurstAttention instances (world 1,
//             one full n x n block, no mask) run side by side, each with the compute threads a rank of
//             a world-`world` run gets (Schedule.threads = 0: cores / ranks in this process), started
//             together by a barrier; the time of a sample is the slowest instance's.
//   link      ping-pong between two ranks of the communicator (threads of this process, or ranks 0
//             and 1 of the MPI world) over a few message sizes; least squares of the one-way time
//             t(M) = latency + M / bandwidth. Intra-node only: inter is set to intra and said so.
//   overhead  a world-`world` forward ring of a tiny shape (n = 32 tokens: compute and bytes next to
//             nothing), overlap none: step_overhead_s = (median - what the model predicts for it with
//             no overhead) / world.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "burst/communicator.hpp"
#include "tuner/cost_model.hpp"

namespace burst::tuner {

struct CalibrateOptions {
  int world = 2;       // ranks whose per-rank rates are measured (MPI: the MPI world's size)
  int threads = 0;     // compute threads per rank; 0: as the runtime chooses (cores / ranks in process)
  bool quick = false;  // ~3 s: one tile variant, fewer samples, smaller block
  std::vector<std::pair<int, int>> tiles;  // variants to measure; empty: 32/64/128 x 32/64/128 (quick: 64x64)
  std::int64_t block_tokens = 0;           // n of the measured block; 0: 1024 (quick: 512)
  std::int64_t heads = 4, head_dim = 64;   // shape of the measured block (B = 1, fp32)
  int samples = 0;                         // timed samples per pass and variant; 0: 3 (quick: 2)
  bool measure_link = true;                // false: compute rates only (links and step overhead left at 0)
  bool measure_overhead = true;            // false: step_overhead_s left at 0
  bool row_cost = true;  // also time a quarter-size block to fit the per-row cost (not with quick)
  std::function<void(const std::string&)> progress;  // one line per finished measurement (may be empty)
};

struct LinkSample {
  std::size_t bytes = 0;
  double one_way_s = 0;  // median
};

struct CalibrationResult {
  MachineRates rates;
  std::vector<LinkSample> link_samples;
  int world = 0, threads_per_rank = 0;
  std::string comm_backend;  // "local" or "mpi"
  double seconds = 0;        // wall time of the calibration
  nlohmann::json to_json() const;
};

// How many times calibrate() calls options.progress (one per finished step: each kernel variant,
// the link, the step overhead) for a world of `world` ranks.
int calibration_steps(const CalibrateOptions& options, int world);

// Least-squares fit of one-way time = latency + bytes / bandwidth (latency clamped at >= 0).
LinkRate fit_link(const std::vector<LinkSample>& samples);

// Measures this machine's rates. With `mpi_world` every rank must call it (collective); the result
// is complete on every rank. Throws burst::InvalidArgument for bad options.
CalibrationResult calibrate(const CalibrateOptions& options, Communicator* mpi_world = nullptr);

// The latest rates calibrated for `fingerprint_id` in the database `db_path` (created when
// missing), or, when there are none, a quick calibration (`world` ranks) made now and stored
// there. Collective under MPI: rank 0 reads and writes, every rank gets the same rates.
MachineRates load_or_calibrate(const std::string& db_path, const std::string& fingerprint_id, int world,
                               Communicator* mpi_world = nullptr);

}  // namespace burst::tuner
