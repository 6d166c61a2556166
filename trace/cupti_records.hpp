// Activity records collected by CUPTI (trace/cupti_collector.hpp) in the form the database writes
// (db/ tables CUPTI_ACTIVITY_KIND_*). Plain data: compiled in every build, filled only where CUPTI
// runs. Timestamps are steady_clock ns like the host tracer (the collector registers that clock
// with cuptiActivityRegisterTimestampCallback). Enum values are CUPTI's own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace burst::trace {

struct KernelRecord {
  std::int64_t start_ns = 0, end_ns = 0;
  std::uint32_t device_id = 0, context_id = 0, stream_id = 0, correlation_id = 0;
  std::string name;  // mangled when the toolchain mangled it; the writer demangles
  std::int32_t grid_x = 0, grid_y = 0, grid_z = 0, block_x = 0, block_y = 0, block_z = 0;
  std::int32_t registers_per_thread = 0, static_shared = 0, dynamic_shared = 0;
  std::int32_t launch_type = 0, cache_config = 0;
};

struct MemcpyRecord {
  std::int64_t start_ns = 0, end_ns = 0;
  std::uint32_t device_id = 0, context_id = 0, stream_id = 0, correlation_id = 0;
  std::uint64_t bytes = 0;
  std::int32_t copy_kind = 0, src_kind = 0, dst_kind = 0;  // CUpti_ActivityMemcpyKind / MemoryKind
};

struct MemsetRecord {
  std::int64_t start_ns = 0, end_ns = 0;
  std::uint32_t device_id = 0, context_id = 0, stream_id = 0, correlation_id = 0;
  std::uint64_t bytes = 0;
  std::int32_t value = 0, mem_kind = 0;
};

struct RuntimeRecord {
  std::int64_t start_ns = 0, end_ns = 0;
  std::uint32_t tid = 0, correlation_id = 0;
  std::string name;  // e.g. "cudaLaunchKernel_v7000"
  std::int32_t return_value = 0;
};

struct SyncRecord {
  std::int64_t start_ns = 0, end_ns = 0;
  std::uint32_t device_id = 0, context_id = 0, stream_id = 0, correlation_id = 0;
  std::int32_t sync_type = 0;  // CUpti_ActivitySynchronizationType
  std::int64_t event_id = -1;
};

struct CuptiRecords {
  std::vector<KernelRecord> kernels;
  std::vector<MemcpyRecord> memcpys;
  std::vector<MemsetRecord> memsets;
  std::vector<RuntimeRecord> runtime;
  std::vector<SyncRecord> syncs;
  std::uint64_t dropped = 0;  // records CUPTI reported as dropped
  bool empty() const {
    return kernels.empty() && memcpys.empty() && memsets.empty() && runtime.empty() && syncs.empty();
  }
};

}  // namespace burst::trace
