// Helpers shared by the db tests: a temporary directory and a synthetic ring trace whose
// exposed communication is known by construction.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "burst/error.hpp"
#include "db/database.hpp"
#include "trace/host_tracer.hpp"

namespace burst::test {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = std::filesystem::temp_directory_path() /
           ("burst-db-" + std::to_string(getpid()) + "-" + info->test_suite_name() + "-" + info->name());
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// Per rank r of `world`, per step s (1000 ns each, starting at base):
//   main thread (tid 100 + r): forward pass [0, steps*1000]; ring step [s, s+1000];
//     compute [s, s+600]; wait [s+600, s+800]
//   comm thread (tid 200 + r): send to r+1 [s, s+500] (bytes_per_send); recv from r-1 [s, s+500]
// Communication = [s, s+500] u [s+600, s+800], compute = [s, s+600]: exposed 200 ns per step,
// exposed fraction 0.2.
inline std::vector<trace::RankTrace> synthetic_ring(int world, int steps, std::uint64_t bytes_per_send,
                                                    std::int64_t base = 1'000'000, bool same_process = true) {
  using trace::Phase;
  std::vector<trace::RankTrace> out;
  for (int r = 0; r < world; ++r) {
    trace::RankTrace t;
    t.rank = r;
    t.os_pid = same_process ? 1234u : 1234u + static_cast<std::uint32_t>(r);
    t.hostname = "node0";
    const auto main_tid = static_cast<std::uint32_t>(100 + r), comm_tid = static_cast<std::uint32_t>(200 + r);
    auto add = [&](std::int64_t a, std::int64_t b, std::uint32_t tid, int depth, Phase p,
                   trace::RangePayload pl = {}) {
      t.events.push_back({base + a, base + b, tid, r, depth, p, pl});
    };
    add(0, steps * 1000, main_tid, 0, Phase::pass_forward);
    for (int s = 0; s < steps; ++s) {
      const std::int64_t o = s * 1000;
      add(o, o + 1000, main_tid, 1, Phase::ring_step, {-1, s, 0, -1});
      add(o, o + 600, main_tid, 2, Phase::compute);
      add(o + 600, o + 800, main_tid, 2, Phase::wait);
      add(o, o + 500, comm_tid, 0, Phase::send, {(r + 1) % world, s, bytes_per_send, 0});
      add(o, o + 500, comm_tid, 0, Phase::recv, {(r + world - 1) % world, s, bytes_per_send, 0});
    }
    out.push_back(std::move(t));
  }
  return out;
}

// CUPTI-like records for one rank: kernels of two names, memcpys, a memset, runtime calls, a sync.
inline trace::CuptiRecords synthetic_cupti(int kernels_per_name) {
  trace::CuptiRecords c;
  std::uint32_t corr = 1;
  for (int i = 0; i < kernels_per_name; ++i) {
    trace::KernelRecord k;
    k.start_ns = 2'000'000 + i * 100;
    k.end_ns = k.start_ns + 30;  // fwd kernel: 30 ns
    k.stream_id = 7;
    k.correlation_id = corr++;
    k.name = "_ZN5burst7kernels10fwd_kernelILi64ELi128EEEvNS0_6ParamsE";
    k.grid_x = 128, k.block_x = 128, k.registers_per_thread = 96;
    c.kernels.push_back(k);
    k.start_ns += 40;
    k.end_ns = k.start_ns + 50;  // merge kernel: 50 ns
    k.correlation_id = corr++;
    k.name = "merge_kernel";
    c.kernels.push_back(k);
  }
  c.memcpys.push_back({3'000'000, 3'001'000, 0, 1, 7, corr++, 1 << 20, 1, 1, 3});  // HtoD 1 MiB
  c.memcpys.push_back({3'002'000, 3'002'500, 0, 1, 7, corr++, 1 << 19, 2, 3, 1});  // DtoH
  c.memcpys.push_back({3'003'000, 3'003'100, 0, 1, 8, corr++, 1 << 18, 1, 2, 3});  // HtoD
  c.memsets.push_back({3'004'000, 3'004'100, 0, 1, 7, corr++, 4096, 0, 3});
  c.runtime.push_back({1'999'000, 1'999'500, 321, 1, "cudaLaunchKernel_v7000", 0});
  c.runtime.push_back({1'999'600, 1'999'900, 321, 2, "cudaLaunchKernel_v7000", 0});
  c.syncs.push_back({3'005'000, 3'006'000, 0, 1, 7, corr++, 3, -1});
  return c;
}

}  // namespace burst::test
