// The NVTX ranges reach a tool attached the way Nsight Systems attaches (NVTX_INJECTION64_PATH):
// domain "burst", named categories, registered messages (send/recv name peer and step), byte
// payload, and balanced push/pop. With tracing off, the tool sees no range.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "trace/host_tracer.hpp"
#include "trace/trace.hpp"

namespace bt = burst::trace;

namespace {

const std::string log_path =
    (std::filesystem::temp_directory_path() / ("burst-nvtx-" + std::to_string(getpid()) + ".log")).string();

// Before main, hence before the first NVTX call of the process.
const bool injected = [] {
  std::filesystem::remove(log_path);
  setenv("NVTX_INJECTION64_PATH", BURST_NVTX_RECORDER_PATH, 1);
  setenv("BURST_NVTX_LOG", log_path.c_str(), 1);
  return true;
}();

std::vector<std::string> read_log() {
  std::vector<std::string> lines;
  std::ifstream in(log_path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST(TraceNvtx, RangesReachAnAttachedTool) {
  ASSERT_TRUE(injected);
  { BURST_TRACE_RANGE(bt::Phase::compute); }  // tracing off: nothing
  bt::set_enabled(true);
  {
    BURST_TRACE_RANGE(bt::Phase::ring_step, {.step = 1});
    { BURST_TRACE_RANGE(bt::Phase::send, {.peer = 2, .step = 1, .bytes = 65536}); }
    { BURST_TRACE_RANGE(bt::Phase::recv, {.peer = 0, .step = 1, .bytes = 65536}); }
    { BURST_TRACE_RANGE(bt::Phase::delta); }
  }
  bt::set_enabled(false);
  { BURST_TRACE_RANGE(bt::Phase::wait); }
  const auto lines = read_log();
  const std::vector<std::string> expected = {
      "domain burst",
      "category burst 1 pass",
      "category burst 2 compute",
      "category burst 3 communication",
      "category burst 4 memory",
      "push burst ring step|1|0",
      "push burst send to 2 step 1|3|65536",
      "pop burst",
      "push burst recv from 0 step 1|3|65536",
      "pop burst",
      "push burst delta|2|0",
      "pop burst",
      "pop burst",
  };
  EXPECT_EQ(lines, expected);
  std::filesystem::remove(log_path);
}
