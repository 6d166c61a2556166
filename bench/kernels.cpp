// CPU local attention kernels: forward and backward GFLOP/s and fraction of the machine's fp32 peak.
//
//   FLOPs (docs/algorithm.md): forward 4 * B * H * d * (visible query-key pairs): n * n without a
//   mask, n * (n + 1) / 2 causal; backward 2.5x forward (5 tile products instead of 2).
//   GFLOP/s = FLOPs / mean wall time per call (manual timing of whole calls), after one untimed
//   call of the same shape: a job calls the kernels again and again, and the first call of a
//   process also pays the page faults of the buffers the kernels keep (their packed operands).
//   Shapes: B = 1, H = Hkv = 8, fp32, nq = nk = n; Args threads, tile_q, tile_kv, n, head_dim,
//   causal (0/1), e.g. --benchmark_filter='bm_backward/threads:1/.*/n:4096/head_dim:128/causal:0'.
//   peak    = threads * measured FMA throughput of one core: 10 independent chains of packed fp32
//             FMAs (vfmadd231ps on zmm with avx512f, and on ymm with fma; the faster of the two),
//             2 * lanes FLOPs each, timed in thread CPU time (best of 3). Nothing about the core is
//             assumed: a Zen 4 core, whose 512-bit FMAs issue as two 256-bit halves, measures
//             32 FLOP/cycle, a server Xeon with two 512-bit FMA ports 64. The context line names the
//             CPU (/proc/cpuinfo vendor, family, model, model name) and the FLOP/cycle it implies.
//   clock   = a chain of dependent scalar vfmadd231ss (one per FMA latency, 4 cycles on every
//             x86-64 core this project targets), so clock = 4 * fmas / thread CPU seconds: the clock
//             the core runs under load, reported to turn the peak into FLOP/cycle.
//   fraction_of_peak = GFLOP/s / peak GFLOP/s (wall time).
//   fraction_of_peak_cpu_time = FLOPs / process CPU seconds (getrusage, all threads) / per-thread
//                 peak: the kernel's efficiency per busy core, robust when other jobs share the
//                 cores (wall time then includes waiting for a core).
//   bm_tile_product/<isa>/<product>/head_dim:<d>: one of the four tile products of a 64 x 64 tile
//             pair (bench/tile_products/variant.hpp) alone, 200 back-to-back calls on the same
//             cache-resident tiles, fastest of 20 repetitions; GFLOP/s = 2 * 64 * 64 * d per call.
//             What the micro-kernels reach when their operands are near: the whole kernels' gap to
//             it is loading, softmax and cache misses. Variants this CPU cannot run are skipped.
// Run: build-kernels/bench/bench_kernels [--benchmark_filter=...]; BURST_CPU_ISA=avx2|baseline runs
// another instruction-set variant of the kernels (kernels/cpu_isa.hpp; the context line
// cpu_kernels says which one ran).
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "bench/tile_products/variant.hpp"
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

// FLOP/s of one core running packed fp32 FMAs back to back: 10 independent accumulators (more
// than latency x issue width on any current core), 2 * lanes FLOPs per instruction.
double measured_fma_flops(bool zmm) {
#if defined(__x86_64__)
  constexpr long iterations = 4'000'000;  // 10 FMAs each
  double best = 0.0;
  for (int rep = 0; rep < 3; ++rep) {
    const double t0 = thread_cpu_seconds();
    for (long i = 0; i < iterations; ++i) {
      if (zmm) {
        asm volatile(
            "vfmadd231ps %%zmm10, %%zmm11, %%zmm0\n\tvfmadd231ps %%zmm10, %%zmm11, %%zmm1\n\t"
            "vfmadd231ps %%zmm10, %%zmm11, %%zmm2\n\tvfmadd231ps %%zmm10, %%zmm11, %%zmm3\n\t"
            "vfmadd231ps %%zmm10, %%zmm11, %%zmm4\n\tvfmadd231ps %%zmm10, %%zmm11, %%zmm5\n\t"
            "vfmadd231ps %%zmm10, %%zmm11, %%zmm6\n\tvfmadd231ps %%zmm10, %%zmm11, %%zmm7\n\t"
            "vfmadd231ps %%zmm10, %%zmm11, %%zmm8\n\tvfmadd231ps %%zmm10, %%zmm11, %%zmm9" ::
                : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9");
      } else {
        asm volatile(
            "vfmadd231ps %%ymm10, %%ymm11, %%ymm0\n\tvfmadd231ps %%ymm10, %%ymm11, %%ymm1\n\t"
            "vfmadd231ps %%ymm10, %%ymm11, %%ymm2\n\tvfmadd231ps %%ymm10, %%ymm11, %%ymm3\n\t"
            "vfmadd231ps %%ymm10, %%ymm11, %%ymm4\n\tvfmadd231ps %%ymm10, %%ymm11, %%ymm5\n\t"
            "vfmadd231ps %%ymm10, %%ymm11, %%ymm6\n\tvfmadd231ps %%ymm10, %%ymm11, %%ymm7\n\t"
            "vfmadd231ps %%ymm10, %%ymm11, %%ymm8\n\tvfmadd231ps %%ymm10, %%ymm11, %%ymm9" ::
                : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9");
      }
    }
    const double s = thread_cpu_seconds() - t0;
    best = std::max(best, 10.0 * 2.0 * (zmm ? 16 : 8) * static_cast<double>(iterations) / s);
  }
  return best;
#else
  (void)zmm;
  return std::numeric_limits<double>::quiet_NaN();
#endif
}

struct Machine {
  std::string vendor = cpuinfo_field("vendor_id");
  std::string family = cpuinfo_field("cpu family");
  std::string model_number = cpuinfo_field("model\t");
  std::string model = cpuinfo_field("model name");
  std::string flags = std::string(" ").append(cpuinfo_field("flags")).append(" ");  // gcc 12 -Wrestrict on +
  bool avx512 = flags.find(" avx512f ") != std::string::npos;
  bool fma = flags.find(" fma ") != std::string::npos;
  double clock_hz = measured_clock_hz();
  double zmm_flops = avx512 ? measured_fma_flops(true) : 0.0;
  double ymm_flops = fma ? measured_fma_flops(false) : 0.0;
  double peak_flops_per_thread() const { return std::max(zmm_flops, ymm_flops); }
  double flops_per_cycle() const { return peak_flops_per_thread() / clock_hz; }
};

const Machine& machine() {
  static const Machine m;
  return m;
}

constexpr std::int64_t batch = 1, heads = 8, max_n = 8192, max_head_dim = 128;

struct Buffers {
  std::vector<float> q, k, v, o, lse, dout, delta, dq, dk, dv;
  Buffers() {
    const auto elems = static_cast<std::size_t>(batch * max_n * heads * max_head_dim);
    for (auto* t : {&q, &k, &v, &dout}) {
      t->resize(elems);
      for (std::size_t i = 0; i < elems; ++i) (*t)[i] = std::sin(0.37f * static_cast<float>(i % 10007));
    }
    o.assign(elems, 0.0f), dq.assign(elems, 0.0f), dk.assign(elems, 0.0f), dv.assign(elems, 0.0f);
    lse.assign(static_cast<std::size_t>(batch * heads * max_n), -std::numeric_limits<float>::infinity());
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

struct Shape {
  std::int64_t n, head_dim;
  bool causal;
  explicit Shape(const benchmark::State& state)
      : n(state.range(3)), head_dim(state.range(4)), causal(state.range(5) != 0) {}
  // 4 * B * H * d per visible (query, key) pair: the forward's two products.
  double forward_flops() const {
    const double pairs = causal ? 0.5 * static_cast<double>(n) * static_cast<double>(n + 1)
                                : static_cast<double>(n) * static_cast<double>(n);
    return 4.0 * batch * heads * static_cast<double>(head_dim) * pairs;
  }
  burst::kernels::MaskParams mask() const {
    burst::kernels::MaskParams m;
    if (causal) m.kind = burst::kernels::MaskMode::causal;
    return m;
  }
};

void report(benchmark::State& state, double flops_per_call, double seconds, double cpu_seconds, int threads) {
  const double gflops = flops_per_call * static_cast<double>(state.iterations()) / seconds / 1e9;
  const Machine& m = machine();
  state.counters["GFLOP/s"] = gflops;
  state.counters["peak_GFLOP/s"] = m.peak_flops_per_thread() * threads / 1e9;
  state.counters["fraction_of_peak"] = gflops / (m.peak_flops_per_thread() * threads / 1e9);
  state.counters["fraction_of_peak_cpu_time"] =
      flops_per_call * static_cast<double>(state.iterations()) / cpu_seconds / m.peak_flops_per_thread();
  state.counters["clock_GHz"] = m.clock_hz / 1e9;
  state.counters["FLOP/cycle"] = m.flops_per_cycle();
  state.SetLabel(m.model);
}

void bm_forward(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  Buffers& b = buffers();
  const Shape shape(state);
  const std::int64_t n = shape.n, head_dim = shape.head_dim;
  for (auto& x : b.lse) x = -std::numeric_limits<float>::infinity();
  for (auto& x : b.o) x = 0.0f;
  FwdBlockParams p;
  p.batch = batch, p.nq = n, p.nk = n, p.heads = heads, p.kv_heads = heads, p.head_dim = head_dim;
  p.mask = shape.mask();
  p.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  p.q = b.q.data(), p.q_row_stride = heads * head_dim, p.q_batch_stride = n * heads * head_dim;
  p.k = b.k.data(), p.v = b.v.data(), p.kv_row_stride = p.q_row_stride, p.kv_batch_stride = p.q_batch_stride;
  p.o = b.o.data(), p.o_row_stride = p.q_row_stride, p.o_batch_stride = p.q_batch_stride;
  p.lse = b.lse.data(), p.lse_head_stride = n, p.lse_batch_stride = heads * n;
  p.tile_q = static_cast<int>(state.range(1)), p.tile_kv = static_cast<int>(state.range(2)),
  p.threads = threads;
  double seconds = 0.0;
  (void)machine();                       // measure the clock before the timed loop
  burst::kernels::cpu_forward_block(p);  // warm-up, untimed
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    burst::kernels::cpu_forward_block(p);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(s);
    seconds += s;
  }
  report(state, shape.forward_flops(), seconds, process_cpu_seconds() - cpu0, threads);
}

void bm_backward(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  Buffers& b = buffers();
  for (auto& x : b.lse) x = 9.0f;  // a plausible log-sum-exp: keeps P in range
  const Shape shape(state);
  const std::int64_t n = shape.n, head_dim = shape.head_dim;
  BwdBlockParams p;
  p.batch = batch, p.nq = n, p.nk = n, p.heads = heads, p.kv_heads = heads, p.head_dim = head_dim;
  p.mask = shape.mask();
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
  (void)machine();                        // measure the clock before the timed loop
  burst::kernels::cpu_backward_block(p);  // warm-up, untimed
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    burst::kernels::cpu_backward_block(p);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(s);
    seconds += s;
  }
  report(state, 2.5 * shape.forward_flops(), seconds, process_cpu_seconds() - cpu0, threads);
}

// Args: threads, tile_q, tile_kv, n, head_dim, causal. First the tile comparison at n = 4096,
// d = 128, no mask (the earlier tables of bench/results/cpu-kernels.md), then the shape sweep with
// 64 x 64 tiles: n 2048/4096/8192, d 64/128, no mask and causal, 1 and 2 threads (the shapes of
// bench/compare_cpu.py, which runs single ones of them with --benchmark_filter).
void tile_configs(benchmark::internal::Benchmark* b) {
  for (int t : {64, 128})
    for (int threads : {1, 2}) b->Args({threads, t, t, 4096, 128, 0});
}
void shape_sweep(benchmark::internal::Benchmark* b) {
  for (int n : {2048, 4096, 8192})
    for (int d : {64, 128})
      for (int causal : {0, 1})
        for (int threads : {1, 2})
          if (n != 4096 || d != 128 || causal != 0) b->Args({threads, 64, 64, n, d, causal});  // else above
}
BENCHMARK(bm_forward)
    ->ArgNames({"threads", "tile_q", "tile_kv", "n", "head_dim", "causal"})
    ->Apply(tile_configs)
    ->Apply(shape_sweep)
    ->Iterations(2)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(bm_backward)
    ->ArgNames({"threads", "tile_q", "tile_kv", "n", "head_dim", "causal"})
    ->Apply(tile_configs)
    ->Apply(shape_sweep)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

using TileProductFn = double (*)(burst::bench::TileProduct, std::int64_t, int, int);

void bm_tile_product(benchmark::State& state, burst::kernels::CpuIsa isa, TileProductFn fn,
                     burst::bench::TileProduct product, std::int64_t d) {
  if (!burst::kernels::cpu_isa_available(isa)) {
    state.SkipWithError("this CPU does not run this variant");
    return;
  }
  constexpr int calls = 200, reps = 20;
  double seconds = 0.0;
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    const double s = fn(product, d, calls, reps);
    state.SetIterationTime(s);
    seconds += s;
  }
  const double per_call = 2.0 * 64 * 64 * static_cast<double>(d);
  report(state, per_call * calls, seconds, (process_cpu_seconds() - cpu0) / reps, 1);
}

void register_tile_products() {
  struct Variant {
    burst::kernels::CpuIsa isa;
    TileProductFn fn;
  };
  const Variant variants[] = {
#ifdef BURST_BENCH_TILE_AVX512
      {burst::kernels::CpuIsa::avx512, &burst::bench::isa_avx512::tile_product_seconds},
#endif
#ifdef BURST_BENCH_TILE_AVX2
      {burst::kernels::CpuIsa::avx2, &burst::bench::isa_avx2::tile_product_seconds},
#endif
#ifdef BURST_BENCH_TILE_BASELINE
      {burst::kernels::CpuIsa::baseline, &burst::bench::isa_baseline::tile_product_seconds},
#endif
#ifdef BURST_BENCH_TILE_NATIVE
      {burst::kernels::CpuIsa::native, &burst::bench::isa_native::tile_product_seconds},
#endif
  };
  for (const Variant& v : variants)
    for (int product = 0; product < burst::bench::tile_product_count; ++product)
      for (const std::int64_t d : {64, 128}) {
        const std::string name = "bm_tile_product/" + std::string(burst::kernels::cpu_isa_name(v.isa)) + "/" +
                                 burst::bench::tile_product_names[product] + "/head_dim:" + std::to_string(d);
        benchmark::RegisterBenchmark(name.c_str(), bm_tile_product, v.isa, v.fn,
                                     static_cast<burst::bench::TileProduct>(product), d)
            ->Iterations(1)
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond);
      }
}

}  // namespace

int main(int argc, char** argv) {
  register_tile_products();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("cpu_kernels", burst::kernels::cpu_kernels_description());
  const Machine& m = machine();
  benchmark::AddCustomContext(
      "cpu", m.vendor + " family " + m.family + " model " + m.model_number + " (" + m.model + ")");
  char peak[200];
  std::snprintf(peak, sizeof peak,
                "%.1f GFLOP/s per core measured (zmm %.1f, ymm %.1f) = %.1f FLOP/cycle at %.2f GHz",
                m.peak_flops_per_thread() / 1e9, m.zmm_flops / 1e9, m.ymm_flops / 1e9, m.flops_per_cycle(),
                m.clock_hz / 1e9);
  benchmark::AddCustomContext("fp32_fma_peak", peak);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
