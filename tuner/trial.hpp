// One configuration, run and measured: what `burst-tune run` executes and what the tuner's trials
// are made of. Works the same with ranks as threads (local) and ranks as MPI processes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "burst/attention.hpp"
#include "burst/communicator.hpp"
#include "trace/host_tracer.hpp"

namespace burst::tuner {

struct TrialSpec {
  AttentionShape shape;
  Schedule schedule;
  int world = 1;  // ranks as threads (ignored when an MPI world is given)
  Pass pass = Pass::fwd;
  int warmup = 1;
  int iters = 3;
  std::uint64_t seed = 0;
  bool check = false;                           // compare with a single-rank run
  std::string q_file, k_file, v_file, do_file;  // .npy global tensors; random when empty
  std::string save_dir;                         // write o/lse/dq/dk/dv .npy in global order
  int timeout_ms = 0;                           // deadline of every wait (0: default_comm_deadline())
  // Record the burst trace ranges (trace/trace.hpp) of every timed iteration (all of them, not the
  // warmup ones): tracing is enabled and the HostTracer started just before the first timed
  // iteration and stopped right after the last; rank 0's TrialResult gets every rank's events.
  bool trace = false;
  // Adaptive sampling (the tuner's measurement protocol, tuner/measure.hpp). When set, `iters` is
  // ignored: after every timed iteration rank 0 calls keep_sampling(critical-path seconds of every
  // timed iteration so far, their sum) and broadcasts the answer, so every rank runs the same count.
  std::function<bool(const std::vector<double>&, double)> keep_sampling;
};

struct TimeStats {
  std::vector<double> samples;  // seconds, slowest rank per iteration
  double min = 0, median = 0, mean = 0, max = 0, stdev = 0;
  double rel_noise() const { return median > 0 ? stdev / median : 0.0; }
};
TimeStats summarise(std::vector<double> samples);

// --check (docs/run.md "--check"): each output against the float64 reference on the same rounded
// inputs, with the accuracy model of runtime/reference.hpp.
struct CheckedTensor {
  std::string name;       // o, lse, dq, dk, dv
  double error = 0;       // max_rel_error against float64 (+inf: non-finite where the reference is not)
  double allowed = 0;     // reference::allowed_error (+ hop_error for tensors that travel in half)
  double baseline = -1;   // fp16/bf16: the single-rank run's error; -1 for fp32 (not run)
  std::size_t worst = 0;  // flat index of the worst element (global layout of the tensor)
  bool ok() const { return error <= allowed; }
};

struct CheckErrors {
  std::vector<CheckedTensor> tensors;
  double logit_bound = 0;  // scale * max |q_i| * max |k_j|
  bool ok() const;
  bool finite() const;  // no output is non-finite where the reference is finite
  const CheckedTensor* find(std::string_view name) const;
};

struct TrialResult {
  int world = 1;
  std::string comm_backend;  // "local" or "mpi"
  TimeStats fwd, bwd;        // per pass (empty when the pass was not run)
  double gflops_fwd = 0, gflops_bwd = 0;
  std::uint64_t bytes_fwd = 0, bytes_bwd = 0;  // measured, per rank per pass (max over ranks)
  std::uint64_t expected_bytes_fwd = 0, expected_bytes_bwd = 0;  // docs/algorithm.md formulas
  std::optional<CheckErrors> check;
  // With spec.trace, on rank 0: one RankTrace per rank (index = rank), timestamps on rank 0's
  // clock, and each rank's own seconds per timed iteration (forward + backward of that iteration).
  std::vector<trace::RankTrace> traces;
  std::vector<std::vector<double>> rank_samples;
};

// Validates everything (shape, schedule, files) before running anything; throws
// burst::InvalidArgument for bad input. With `mpi_world` the ranks are its processes and only rank
// 0's result is complete (it gathers); otherwise spec.world threads run in this process.
TrialResult run_trial(const TrialSpec& spec, Communicator* mpi_world = nullptr);

}  // namespace burst::tuner
