// Cost of tracing: ring forward+backward at world 2 (ranks as threads, 1 kernel thread each),
// N=4096, H=8, d=64, causal, zigzag, fp32, with tracing off and on (trace::set_enabled + the
// HostTracer recording every range, as `burst-tune trace` does). Manual time = the slowest rank's
// forward + backward seconds of one timed iteration (after one warmup). Goal: overhead < 5%.
// Results: bench/results/trace-overhead.md.
#include <benchmark/benchmark.h>

#include "tuner/trial.hpp"

namespace {

burst::tuner::TrialSpec spec_for(bool traced) {
  burst::tuner::TrialSpec spec;
  spec.shape.batch = 1;
  spec.shape.seq = 4096;
  spec.shape.heads = 8;
  spec.shape.head_dim = 64;
  spec.shape.causal = true;
  spec.shape.dtype = burst::DType::f32;
  spec.schedule.layout = burst::Layout::zigzag;
  spec.schedule.threads = 1;
  spec.world = 2;
  spec.pass = burst::Pass::fwd_bwd;
  spec.warmup = 1;
  spec.iters = 1;
  spec.trace = traced;
  return spec;
}

void BM_ring_fwd_bwd(benchmark::State& state) {
  const bool traced = state.range(0) != 0;
  const auto spec = spec_for(traced);
  std::size_t events = 0;
  for (auto _ : state) {
    const auto r = burst::tuner::run_trial(spec);
    state.SetIterationTime(r.fwd.median + r.bwd.median);
    for (const auto& t : r.traces) events = t.events.size();
  }
  state.SetLabel(traced ? "tracing on" : "tracing off");
  state.counters["events_per_rank"] = static_cast<double>(events);
}
BENCHMARK(BM_ring_fwd_bwd)
    ->Arg(0)
    ->Arg(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->Repetitions(2);

}  // namespace

BENCHMARK_MAIN();
