// Reading one trial's trace back (for `show` and `export`): burst NVTX ranges and CUPTI device
// activity selected through the trial_trace rowid ranges.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "trace/trace.hpp"

namespace burst::db {

struct TraceRange {
  int rank = 0;
  std::int64_t global_tid = 0;
  std::int64_t start_ns = 0, end_ns = 0;
  trace::Phase phase = trace::Phase::compute;
  trace::RangePayload payload;
};

struct DeviceActivity {
  int rank = 0;
  std::string kind;  // "kernel", "memcpy", "memset", "sync"
  std::string name;  // kernel shortName, memcpy kind label, ...
  std::int64_t device_id = 0, stream_id = 0;
  std::int64_t start_ns = 0, end_ns = 0;
  std::int64_t bytes = 0;
  std::int64_t correlation_id = 0;
};

struct RankInfo {
  int rank = 0;
  std::int64_t global_pid = 0;
  std::int64_t os_pid = 0;
  std::string hostname;
};

struct TrialTrace {
  std::int64_t trial_id = 0;
  std::string status;
  std::map<int, RankInfo> ranks;
  std::vector<TraceRange> ranges;      // sorted by (rank, global_tid, start)
  std::vector<DeviceActivity> device;  // sorted by (rank, device, stream, start)
};

// Throws burst::InvalidArgument when the trial does not exist.
TrialTrace load_trial_trace(const Database& db, std::int64_t trial_id);

// Trial ids in the database, oldest first.
std::vector<std::int64_t> list_trials(const Database& db);

}  // namespace burst::db
