// How far the cost model's predictions are from measurements on this machine (goal: median
// |error| under 15%). A plain program, not a Google Benchmark: one calibration per world size,
// then a fixed list of configurations, each predicted (tuner::predict with the calibrated rates)
// and measured (tuner::run_trial, ranks as threads, median of the slowest rank per iteration).
//
//   error = (predicted - measured) / measured, per configuration (the pass it runs; fwd+bwd: the sum)
//
// Two predictions per configuration: with the rates of the calibration at the start, and with the
// configuration's kernel-variant compute rate calibrated again (same protocol) just before it is
// measured, because this machine is shared and its load drifts (both medians are printed).
//
// Prints a markdown table (bench/results/cost-model.md records one run) and the median |error|.
// Environment: BURST_BENCH_ITERS (timed iterations per configuration, default 5).
// Run: build/bench/bench_cost_model
#include "tuner/cost_model.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tuner/calibrate.hpp"
#include "tuner/trial.hpp"

namespace {

using namespace burst;

struct Config {
  int world;
  std::int64_t seq;
  bool causal;
  Pass pass;
  Layout layout;
  BwdComm scheme;
  Overlap overlap;
  int chunks;
  int tile_q, tile_kv;
};

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

std::string describe(const Config& c) {
  std::string s =
      fmt::format("G={} N={} {}{} ", c.world, c.seq, to_string(c.pass), c.causal ? " causal" : "");
  if (c.causal) s += std::string(to_string(c.layout)) + " ";
  if (c.pass != Pass::fwd) s += "bwd:" + std::string(to_string(c.scheme)) + " ";
  s += std::string(to_string(c.overlap));
  if (c.overlap == Overlap::chunk_pipeline) s += fmt::format(" C={}", c.chunks);
  s += fmt::format(" {}x{}", c.tile_q, c.tile_kv);
  return s;
}

}  // namespace

int main() {
  const int iters = env_int("BURST_BENCH_ITERS", 5);
  const Layout C = Layout::contiguous, Z = Layout::zigzag, S = Layout::striped;
  const BwdComm Q = BwdComm::q, KV = BwdComm::kv;
  const Overlap NO = Overlap::none, DB = Overlap::double_buffer, CP = Overlap::chunk_pipeline;
  const std::vector<Config> configs = {
      {2, 2048, false, Pass::fwd, C, Q, NO, 1, 64, 64},
      {2, 4096, false, Pass::fwd, C, Q, DB, 1, 64, 64},
      {2, 4096, true, Pass::fwd, Z, Q, CP, 2, 64, 64},
      {2, 4096, true, Pass::fwd, C, Q, NO, 1, 64, 64},
      {2, 2048, false, Pass::bwd, C, Q, NO, 1, 64, 64},
      {2, 2048, false, Pass::bwd, C, KV, DB, 1, 64, 64},
      {2, 4096, false, Pass::fwd, C, Q, NO, 1, 128, 64},
      {2, 2048, false, Pass::fwd, C, Q, DB, 1, 32, 32},
      {4, 4096, false, Pass::fwd, C, Q, NO, 1, 64, 64},
      {4, 4096, true, Pass::fwd, S, Q, DB, 1, 64, 64},
      {4, 4096, true, Pass::bwd, Z, Q, CP, 4, 64, 64},
      {4, 2048, false, Pass::fwd_bwd, C, KV, NO, 1, 64, 64},
  };

  fmt::print("load average before: {}\n", load_average());
  std::map<int, tuner::MachineRates> rates;
  for (int world : {2, 4}) {
    tuner::CalibrateOptions o;
    o.world = world;
    o.tiles = {{64, 64}, {128, 64}, {32, 32}};
    o.progress = [world](const std::string& line) { fmt::print("  calibrate world {}: {}\n", world, line); };
    const tuner::CalibrationResult r = tuner::calibrate(o);
    fmt::print("calibrated world {} in {:.1f} s ({} threads per rank)\n", world, r.seconds,
               r.threads_per_rank);
    rates[world] = r.rates;
  }

  fmt::print(
      "\n| # | configuration | predicted ms | measured ms | noise | error | fresh rate GFLOP/s | predicted "
      "(fresh) ms | "
      "error (fresh) |\n|---|---|---|---|---|---|---|---|---|\n");
  std::vector<double> abs_errors, abs_errors_fresh;
  int index = 0;
  for (const Config& c : configs) {
    ++index;
    tuner::TrialSpec spec;
    spec.shape.batch = 1;
    spec.shape.seq = c.seq;
    spec.shape.heads = 4;
    spec.shape.head_dim = 64;
    spec.shape.dtype = DType::f32;
    spec.shape.causal = c.causal;
    spec.schedule.layout = c.layout;
    spec.schedule.bwd_comm = c.scheme;
    spec.schedule.overlap = c.overlap;
    spec.schedule.chunks = c.chunks;
    spec.schedule.tile_q = c.tile_q;
    spec.schedule.tile_kv = c.tile_kv;
    spec.world = c.world;
    spec.pass = c.pass;
    spec.warmup = 1;
    spec.iters = iters;
    // The variant's compute rate calibrated again just before the measurement (same world, same
    // protocol, compute only): the machine is shared, and its load drifts within a minute.
    tuner::CalibrateOptions fresh_opt;
    fresh_opt.world = c.world;
    fresh_opt.tiles = {{c.tile_q, c.tile_kv}};
    fresh_opt.measure_link = false;
    tuner::MachineRates fresh = rates.at(c.world);
    {
      const tuner::MachineRates f = tuner::calibrate(fresh_opt).rates;
      for (const auto& [k, v] : f.fwd_flops_per_s) fresh.fwd_flops_per_s[k] = v;
      for (const auto& [k, v] : f.bwd_flops_per_s) fresh.bwd_flops_per_s[k] = v;
    }
    const tuner::TrialResult r = tuner::run_trial(spec);
    double measured = 0, noise = 0;
    if (c.pass != Pass::bwd) {
      measured += r.fwd.median;
      noise = std::max(noise, r.fwd.rel_noise());
    }
    if (c.pass != Pass::fwd) {
      measured += r.bwd.median;
      noise = std::max(noise, r.bwd.rel_noise());
    }
    tuner::Workload w;
    w.shape = spec.shape;
    w.pass = c.pass;
    w.world = c.world;
    w.ranks_per_node = c.world;
    tuner::Candidate cand;
    cand.schedule = spec.schedule;
    const double predicted = tuner::predict(w, cand, rates.at(c.world)).total_s;
    const double error = (predicted - measured) / measured;
    const double predicted_fresh = tuner::predict(w, cand, fresh).total_s;
    const double error_fresh = (predicted_fresh - measured) / measured;
    abs_errors.push_back(std::fabs(error));
    abs_errors_fresh.push_back(std::fabs(error_fresh));
    const std::string key = tuner::variant_key(c.tile_q, c.tile_kv);
    fmt::print("| {} | {} | {:.1f} | {:.1f} | {:.1f}% | {:+.1f}% | {:.2f} / {:.2f} | {:.1f} | {:+.1f}% |\n",
               index, describe(c), predicted * 1e3, measured * 1e3, noise * 100, error * 100,
               fresh.fwd_flops_per_s.at(key) / 1e9, fresh.bwd_flops_per_s.at(key) / 1e9,
               predicted_fresh * 1e3, error_fresh * 100);
    std::fflush(stdout);
  }
  const double med = median(abs_errors);
  const double med_fresh = median(abs_errors_fresh);
  fmt::print("\nmedian |error| = {:.1f}% over {} configurations (goal < 15%): {}\n", med * 100,
             abs_errors.size(), med < 0.15 ? "met" : "missed");
  fmt::print("median |error| with the compute rate calibrated just before each measurement = {:.1f}%: {}\n",
             med_fresh * 100, med_fresh < 0.15 ? "met" : "missed");
  fmt::print("load average after: {}\n", load_average());
  return 0;
}
