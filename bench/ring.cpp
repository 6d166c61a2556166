// The BurstAttention ring on the CPU backend, ranks as threads (comm::run_local): every overlap
// strategy, forward and backward (q scheme), causal zigzag, fp32.
//
//   One benchmark run = one run_local. Every rank builds its BurstAttention and random local shards
//   once, runs one untimed warm-up pass, then loops over the benchmark's iterations:
//     barrier; t = wall time of this rank's pass; allreduce_max(t)
//   and rank 0 reports the slowest rank's pass time with state.SetIterationTime (UseManualTime).
//   The backward pass uses o and lse from one untimed forward pass.
//   FLOPs (burst::forward_flops / backward_flops): forward 4*B*N^2*H*d, halved when causal;
//   backward 2.5x forward. GFLOP/s = FLOPs / manual (slowest-rank) time.
//   bytes_sent_per_rank = max over ranks of PassStats::bytes_sent of the last pass; expected_bytes
//   = the docs/algorithm.md formula (burst::forward_bytes_per_rank / backward_bytes_per_rank).
//
// Size from the environment (defaults): BURST_BENCH_SEQ (4096), BURST_BENCH_HEADS (8),
// BURST_BENCH_HEAD_DIM (64), BURST_BENCH_ITERS (3 iterations per benchmark), one compute thread per rank.
// Run: build-bench/bench/bench_ring [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "burst/attention.hpp"
#include "comm/launch.hpp"

namespace {

std::int64_t env_int(const char* name, std::int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoll(v, nullptr, 10) : fallback;
}

burst::AttentionShape bench_shape() {
  burst::AttentionShape s;
  s.batch = 1;
  s.seq = env_int("BURST_BENCH_SEQ", 4096);
  s.heads = env_int("BURST_BENCH_HEADS", 8);
  s.head_dim = env_int("BURST_BENCH_HEAD_DIM", 64);
  s.dtype = burst::DType::f32;
  s.causal = true;
  return s;
}

std::vector<float> random_floats(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(count);
  for (auto& x : v) x = dist(rng);
  return v;
}

// args: world, overlap (0 none, 1 double_buffer, 2 chunk_pipeline), chunks, backward (0/1)
void BM_Ring(benchmark::State& state) {
  const int world = static_cast<int>(state.range(0));
  const auto overlap = static_cast<burst::Overlap>(state.range(1));
  const int chunks = static_cast<int>(state.range(2));
  const bool backward = state.range(3) != 0;

  const burst::AttentionShape shape = bench_shape();
  burst::Schedule schedule;
  schedule.layout = burst::Layout::zigzag;
  schedule.bwd_comm = burst::BwdComm::q;
  schedule.overlap = overlap;
  schedule.chunks = chunks;
  schedule.threads = 1;
  try {
    burst::validate(shape, schedule, world);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }

  const auto iterations = static_cast<std::int64_t>(state.max_iterations);
  double bytes_sent = 0;
  burst::comm::run_local(world, [&](burst::Communicator& comm) {
    burst::BurstAttention attn(comm, shape, schedule);
    const std::int64_t n = attn.local_seq();
    const auto q_elems = static_cast<std::size_t>(shape.batch * n * shape.heads * shape.head_dim);
    const auto kv_elems =
        static_cast<std::size_t>(shape.batch * n * shape.kv_heads_or_heads() * shape.head_dim);
    const auto seed = static_cast<std::uint64_t>(comm.rank()) * 16;
    const auto q = random_floats(q_elems, seed + 1), k = random_floats(kv_elems, seed + 2),
               v = random_floats(kv_elems, seed + 3), dout = random_floats(q_elems, seed + 4);
    std::vector<float> o(q_elems), dq(q_elems), dk(kv_elems), dv(kv_elems);
    std::vector<float> lse(static_cast<std::size_t>(shape.batch * shape.heads * n));

    auto pass = [&] {
      return backward ? attn.backward(q.data(), k.data(), v.data(), o.data(), lse.data(), dout.data(),
                                      dq.data(), dk.data(), dv.data())
                      : attn.forward(q.data(), k.data(), v.data(), o.data(), lse.data());
    };
    attn.forward(q.data(), k.data(), v.data(), o.data(), lse.data());  // o, lse for backward
    pass();                                                            // warm-up
    burst::PassStats last;
    auto timed = [&] {
      comm.barrier();
      const auto t0 = std::chrono::steady_clock::now();
      last = pass();
      double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      comm.allreduce_max(&t, 1);
      return t;
    };
    if (comm.rank() == 0) {
      for (auto _ : state) state.SetIterationTime(timed());
    } else {
      for (std::int64_t i = 0; i < iterations; ++i) timed();
    }
    double b = static_cast<double>(last.bytes_sent);
    comm.allreduce_max(&b, 1);
    if (comm.rank() == 0) bytes_sent = b;
  });

  const double flops = backward ? burst::backward_flops(shape) : burst::forward_flops(shape);
  const double expected =
      static_cast<double>(backward ? burst::backward_bytes_per_rank(shape, schedule, world)
                                   : burst::forward_bytes_per_rank(shape, schedule, world));
  state.counters["GFLOP/s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["bytes_sent_per_rank"] = bytes_sent;
  state.counters["expected_bytes"] = expected;
  state.SetLabel(std::string(backward ? "bwd" : "fwd") + " G=" + std::to_string(world) + " " +
                 std::string(burst::to_string(overlap)) +
                 (overlap == burst::Overlap::chunk_pipeline ? " C=" + std::to_string(chunks) : ""));
}

void ring_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"world", "overlap", "chunks", "bwd"});
  for (int bwd : {0, 1})
    for (int world : {2, 4}) {
      b->Args({world, 0, 1, bwd});
      b->Args({world, 1, 1, bwd});
      b->Args({world, 2, 2, bwd});
      b->Args({world, 2, 4, bwd});
    }
}

BENCHMARK(BM_Ring)
    ->Apply(ring_args)
    ->Iterations(env_int("BURST_BENCH_ITERS", 3))
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
