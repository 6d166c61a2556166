// CPU local attention kernels: forward and backward GFLOP/s and fraction of the machine's fp32 peak.
//
//   FLOPs (ARCHITECTURE.md): forward 4 * B * nq * nk * H * d (no mask), backward 2.5x forward.
//   GFLOP/s = FLOPs / median-free plain mean wall time per call (manual timing of whole calls).
//   peak    = threads * fma_units * lanes * 2 * clock, where
//     lanes     = 16 with avx512f (8 with avx2/fma, 4 otherwise) from /proc/cpuinfo flags,
//     fma_units = 2 when avx512f is present (assumption: a Xeon with two 512-bit FMA ports, ports 0
//                 and 5 on Skylake-SP and later server parts), else 2 for avx2 (Haswell and later),
//     clock     = measured: a chain of dependent scalar vfmadd231ss, each waiting for the previous
//                 result, runs at one per FMA latency; latency = 4 cycles (Skylake-SP .. Sapphire
//                 Rapids), so clock = 4 * fmas / thread CPU seconds (best of 3). This is the clock the core
//                 really runs under load, not the nominal one from /proc.
//   fraction_of_peak = GFLOP/s / peak GFLOP/s (wall time).
//   fraction_of_peak_cpu_time = FLOPs / process CPU seconds (getrusage, all threads) / per-thread
//                 peak: the kernel's efficiency per busy core, robust when other jobs share the
//                 cores (wall time then includes waiting for a core).
// Run: build-kernels/bench/bench_kernels [--benchmark_filter=...]; BURST_CPU_ISA=avx2|baseline runs
// another instruction-set variant of the kernels (kernels/cpu_isa.hpp; the context line
// cpu_kernels says which one ran).
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cpu_attention.hpp"
#include "kernels/cpu_isa.hpp"

namespace {

using burst::kernels::BwdBlockParams;
using burst::kernels::FwdBlockParams;

std::string cpuinfo_field(const std::string& key) {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key, 0) == 0) return line.substr(line.find(':') + 2);
  return {};
}

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double measured_clock_hz() {
#if defined(__x86_64__)
  float x = 1.0f;
  const float a = 0.9999999f, b = 1e-7f;
  constexpr long iterations = 20'000'000;  // 8 FMAs each
  double best = 0.0;
  for (int rep = 0; rep < 3; ++rep) {
    const double t0 = thread_cpu_seconds();
    for (long i = 0; i < iterations; ++i) {
      asm volatile(
          "vfmadd231ss %[a], %[b], %[x]\n\tvfmadd231ss %[a], %[b], %[x]\n\t"
          "vfmadd231ss %[a], %[b], %[x]\n\tvfmadd231ss %[a], %[b], %[x]\n\t"
          "vfmadd231ss %[a], %[b], %[x]\n\tvfmadd231ss %[a], %[b], %[x]\n\t"
          "vfmadd231ss %[a], %[b], %[x]\n\tvfmadd231ss %[a], %[b], %[x]"
          : [x] "+x"(x)
          : [a] "x"(a), [b] "x"(b));
    }
    const double s = thread_cpu_seconds() - t0;  // CPU time: not inflated when the core is shared
    best = std::max(best, 4.0 * 8.0 * iterations / s);
  }
  benchmark::DoNotOptimize(x);
  return best;
#else
  return std::numeric_limits<double>::quiet_NaN();
#endif
}

struct Machine {
  std::string model = cpuinfo_field("model name");
  std::string flags = std::string(" ").append(cpuinfo_field("flags")).append(" ");  // gcc 12 -Wrestrict on +
  int lanes =
      flags.find(" avx512f ") != std::string::npos ? 16 : (flags.find(" fma ") != std::string::npos ? 8 : 4);
  int fma_units = 2;
  double clock_hz = measured_clock_hz();
  double peak_flops_per_thread() const { return fma_units * lanes * 2.0 * clock_hz; }
};

const Machine& machine() {
  static const Machine m;
  return m;
}

constexpr std::int64_t batch = 1, heads = 8, n = 4096, head_dim = 128;

struct Buffers {
  std::vector<float> q, k, v, o, lse, dout, delta, dq, dk, dv;
  Buffers() {
    const auto elems = static_cast<std::size_t>(batch * n * heads * head_dim);
    for (auto* t : {&q, &k, &v, &dout}) {
      t->resize(elems);
      for (std::size_t i = 0; i < elems; ++i) (*t)[i] = std::sin(0.37f * static_cast<float>(i % 10007));
    }
    o.assign(elems, 0.0f), dq.assign(elems, 0.0f), dk.assign(elems, 0.0f), dv.assign(elems, 0.0f);
    lse.assign(static_cast<std::size_t>(batch * heads * n), -std::numeric_limits<float>::infinity());
    delta.assign(lse.size(), 0.1f);
  }
};

Buffers& buffers() {
  static Buffers b;
  return b;
}

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

void report(benchmark::State& state, double flops_per_call, double seconds, double cpu_seconds, int threads) {
  const double gflops = flops_per_call * static_cast<double>(state.iterations()) / seconds / 1e9;
  const Machine& m = machine();
  state.counters["GFLOP/s"] = gflops;
  state.counters["peak_GFLOP/s"] = m.peak_flops_per_thread() * threads / 1e9;
  state.counters["fraction_of_peak"] = gflops / (m.peak_flops_per_thread() * threads / 1e9);
  state.counters["fraction_of_peak_cpu_time"] =
      flops_per_call * static_cast<double>(state.iterations()) / cpu_seconds / m.peak_flops_per_thread();
  state.counters["clock_GHz"] = m.clock_hz / 1e9;
  state.SetLabel(m.model);
}

void bm_forward(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  Buffers& b = buffers();
  FwdBlockParams p;
  p.batch = batch, p.nq = n, p.nk = n, p.heads = heads, p.kv_heads = heads, p.head_dim = head_dim;
  p.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  p.q = b.q.data(), p.q_row_stride = heads * head_dim, p.q_batch_stride = n * heads * head_dim;
  p.k = b.k.data(), p.v = b.v.data(), p.kv_row_stride = p.q_row_stride, p.kv_batch_stride = p.q_batch_stride;
  p.o = b.o.data(), p.o_row_stride = p.q_row_stride, p.o_batch_stride = p.q_batch_stride;
  p.lse = b.lse.data(), p.lse_head_stride = n, p.lse_batch_stride = heads * n;
  p.tile_q = static_cast<int>(state.range(1)), p.tile_kv = static_cast<int>(state.range(2)),
  p.threads = threads;
  double seconds = 0.0;
  (void)machine();  // measure the clock before the timed loop
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    burst::kernels::cpu_forward_block(p);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(s);
    seconds += s;
  }
  report(state, 4.0 * batch * n * n * heads * head_dim, seconds, process_cpu_seconds() - cpu0, threads);
}

void bm_backward(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  Buffers& b = buffers();
  for (auto& x : b.lse) x = 9.0f;  // a plausible log-sum-exp: keeps P in range
  BwdBlockParams p;
  p.batch = batch, p.nq = n, p.nk = n, p.heads = heads, p.kv_heads = heads, p.head_dim = head_dim;
  p.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  p.q = b.q.data(), p.dout = b.dout.data(), p.q_row_stride = heads * head_dim,
  p.q_batch_stride = n * heads * head_dim;
  p.k = b.k.data(), p.v = b.v.data(), p.kv_row_stride = p.q_row_stride, p.kv_batch_stride = p.q_batch_stride;
  p.lse = b.lse.data(), p.delta = b.delta.data(), p.stat_head_stride = n, p.stat_batch_stride = heads * n;
  p.dq = b.dq.data(), p.dq_row_stride = p.q_row_stride, p.dq_batch_stride = p.q_batch_stride;
  p.dk = b.dk.data(), p.dv = b.dv.data(), p.dkv_row_stride = p.q_row_stride,
  p.dkv_batch_stride = p.q_batch_stride;
  p.tile_q = static_cast<int>(state.range(1)), p.tile_kv = static_cast<int>(state.range(2)),
  p.threads = threads;
  double seconds = 0.0;
  (void)machine();  // measure the clock before the timed loop
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    burst::kernels::cpu_backward_block(p);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(s);
    seconds += s;
  }
  report(state, 2.5 * 4.0 * batch * n * n * heads * head_dim, seconds, process_cpu_seconds() - cpu0, threads);
}

// Args: threads, tile_q, tile_kv.
BENCHMARK(bm_forward)
    ->ArgNames({"threads", "tile_q", "tile_kv"})
    ->Args({1, 64, 64})
    ->Args({2, 64, 64})
    ->Args({1, 128, 128})
    ->Args({2, 128, 128})
    ->Iterations(2)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(bm_backward)
    ->ArgNames({"threads", "tile_q", "tile_kv"})
    ->Args({1, 64, 64})
    ->Args({2, 64, 64})
    ->Args({1, 128, 128})
    ->Args({2, 128, 128})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("cpu_kernels", burst::kernels::cpu_kernels_description());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
