// Database ingestion rate: NVTX_EVENTS rows per second written by Database::write_trace (one
// batched transaction, prepared statements, WAL, synchronous=NORMAL) for a realistic ring trace:
// per step a ring step, compute, merge, wait, pack, send and recv range (send/recv carry a JSON
// payload). Goal: >= 500k rows/s. Results: bench/results/db-ingest.md.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "db/database.hpp"

namespace {

std::vector<burst::trace::RankTrace> make_trace(int world, int rows_per_rank) {
  using burst::trace::Phase;
  std::vector<burst::trace::RankTrace> out;
  const Phase cycle[] = {Phase::ring_step, Phase::compute, Phase::merge, Phase::wait,
                         Phase::pack,      Phase::send,    Phase::recv};
  for (int r = 0; r < world; ++r) {
    burst::trace::RankTrace t = burst::trace::make_rank_trace(r, {});
    t.events.reserve(static_cast<std::size_t>(rows_per_rank));
    for (int i = 0; i < rows_per_rank; ++i) {
      const Phase p = cycle[i % 7];
      burst::trace::RangePayload pl;
      if (p == Phase::send || p == Phase::recv) pl = {(r + 1) % world, i / 7, 1u << 20, 0};
      t.events.push_back({1000LL * i, 1000LL * i + 700, 1000u + static_cast<std::uint32_t>(r), r, 1, p, pl});
    }
    out.push_back(std::move(t));
  }
  return out;
}

void BM_write_trace_nvtx_rows(benchmark::State& state) {
  const int world = 8;
  const int rows_per_rank = static_cast<int>(state.range(0)) / world;
  const auto trace = make_trace(world, rows_per_rank);
  const auto dir = std::filesystem::temp_directory_path() / ("burst-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "ingest.sqlite").string();
  std::filesystem::remove(path);
  {
    burst::db::Database db(path, true);
    const auto session = db.begin_session("bench", "{}");
    for (auto _ : state) {
      const auto trial = db.begin_trial(session, "{}");
      db.write_trace(trial, trace);
    }
  }
  const auto rows = static_cast<double>(world * rows_per_rank);
  state.counters["rows_per_s"] =
      benchmark::Counter(rows * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["db_MiB"] = static_cast<double>(std::filesystem::file_size(path)) / (1 << 20);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_write_trace_nvtx_rows)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
