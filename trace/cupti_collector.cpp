// CUPTI activity collector: buffer callbacks fill one process-wide record set; flush() at the end
// of each trial drains it. Only compiled in CUPTI builds (see trace/CMakeLists.txt).
#include "trace/cupti_collector.hpp"

#include <cupti.h>

#include <cstdlib>
#include <mutex>

#include "burst/error.hpp"
#include "burst/log.hpp"
#include "trace/trace.hpp"

namespace burst::trace {
namespace {

constexpr std::size_t buffer_size = 8u << 20;
constexpr std::size_t buffer_align = 8;

struct Sink {
  std::mutex mutex;
  CuptiRecords records;
};
Sink& sink() {
  static Sink* s = new Sink();  // CUPTI may call back during exit
  return *s;
}

std::string cupti_text(CUptiResult r) {
  const char* text = nullptr;
  cuptiGetResultString(r, &text);
  return text ? text : "unknown CUPTI error";
}

#define BURST_CUPTI_CALL(call)                                                                          \
  do {                                                                                                  \
    CUptiResult burst_cupti_status = (call);                                                            \
    if (burst_cupti_status != CUPTI_SUCCESS)                                                            \
      throw ::burst::Error(std::string(#call) + " failed: " + cupti_text(burst_cupti_status), __FILE__, \
                           __LINE__, #call);                                                            \
  } while (0)

std::uint64_t CUPTIAPI steady_timestamp() {
  return static_cast<std::uint64_t>(now_ns());
}

void CUPTIAPI buffer_requested(uint8_t** buffer, size_t* size, size_t* max_records) {
  *buffer = static_cast<uint8_t*>(std::aligned_alloc(buffer_align, buffer_size));
  *size = *buffer ? buffer_size : 0;
  *max_records = 0;
}

void take(CuptiRecords& out, const CUpti_Activity* rec) {
  switch (rec->kind) {
    case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL:
    case CUPTI_ACTIVITY_KIND_KERNEL: {
      auto* k = reinterpret_cast<const CUpti_ActivityKernel10*>(rec);
      KernelRecord r;
      r.start_ns = static_cast<std::int64_t>(k->start);
      r.end_ns = static_cast<std::int64_t>(k->end);
      r.device_id = k->deviceId, r.context_id = k->contextId, r.stream_id = k->streamId;
      r.correlation_id = k->correlationId;
      r.name = k->name ? k->name : "";
      r.grid_x = k->gridX, r.grid_y = k->gridY, r.grid_z = k->gridZ;
      r.block_x = k->blockX, r.block_y = k->blockY, r.block_z = k->blockZ;
      r.registers_per_thread = k->registersPerThread;
      r.static_shared = k->staticSharedMemory, r.dynamic_shared = k->dynamicSharedMemory;
      r.launch_type = k->launchType;
      r.cache_config = k->cacheConfig.config.executed;
      out.kernels.push_back(std::move(r));
      break;
    }
    case CUPTI_ACTIVITY_KIND_MEMCPY: {
      auto* m = reinterpret_cast<const CUpti_ActivityMemcpy6*>(rec);
      out.memcpys.push_back({static_cast<std::int64_t>(m->start), static_cast<std::int64_t>(m->end),
                             m->deviceId, m->contextId, m->streamId, m->correlationId, m->bytes, m->copyKind,
                             m->srcKind, m->dstKind});
      break;
    }
    case CUPTI_ACTIVITY_KIND_MEMSET: {
      auto* m = reinterpret_cast<const CUpti_ActivityMemset4*>(rec);
      out.memsets.push_back({static_cast<std::int64_t>(m->start), static_cast<std::int64_t>(m->end),
                             m->deviceId, m->contextId, m->streamId, m->correlationId, m->bytes,
                             static_cast<std::int32_t>(m->value), m->memoryKind});
      break;
    }
    case CUPTI_ACTIVITY_KIND_RUNTIME: {
      auto* a = reinterpret_cast<const CUpti_ActivityAPI*>(rec);
      const char* name = nullptr;
      cuptiGetCallbackName(CUPTI_CB_DOMAIN_RUNTIME_API, a->cbid, &name);
      out.runtime.push_back({static_cast<std::int64_t>(a->start), static_cast<std::int64_t>(a->end),
                             a->threadId, a->correlationId, name ? name : "unknown",
                             static_cast<std::int32_t>(a->returnValue)});
      break;
    }
    case CUPTI_ACTIVITY_KIND_SYNCHRONIZATION: {
      auto* s = reinterpret_cast<const CUpti_ActivitySynchronization2*>(rec);
      SyncRecord r;
      r.start_ns = static_cast<std::int64_t>(s->start);
      r.end_ns = static_cast<std::int64_t>(s->end);
      r.context_id = s->contextId, r.stream_id = s->streamId, r.correlation_id = s->correlationId;
      r.sync_type = static_cast<std::int32_t>(s->type);
      r.event_id = s->cudaEventId;
      out.syncs.push_back(r);
      break;
    }
    default:
      break;
  }
}

void CUPTIAPI buffer_completed(CUcontext context, uint32_t stream_id, uint8_t* buffer, size_t size,
                               size_t valid_size) {
  auto& s = sink();
  {
    std::lock_guard lock(s.mutex);
    CUpti_Activity* rec = nullptr;
    while (cuptiActivityGetNextRecord(buffer, valid_size, &rec) == CUPTI_SUCCESS) take(s.records, rec);
    size_t dropped = 0;
    if (cuptiActivityGetNumDroppedRecords(context, stream_id, &dropped) == CUPTI_SUCCESS) {
      s.records.dropped += dropped;
    }
  }
  (void)size;
  std::free(buffer);
}

constexpr CUpti_ActivityKind kinds[] = {CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, CUPTI_ACTIVITY_KIND_MEMCPY,
                                        CUPTI_ACTIVITY_KIND_MEMSET, CUPTI_ACTIVITY_KIND_RUNTIME,
                                        CUPTI_ACTIVITY_KIND_SYNCHRONIZATION};

void CUPTIAPI ignore_callback(void*, CUpti_CallbackDomain, CUpti_CallbackId, const void*) {}

class Collector final : public CuptiCollector {
 public:
  void start() override {
    for (auto kind : kinds) BURST_CUPTI_CALL(cuptiActivityEnable(kind));
  }
  CuptiRecords flush() override {
    BURST_CUPTI_CALL(cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED));
    for (auto kind : kinds) cuptiActivityDisable(kind);
    auto& s = sink();
    std::lock_guard lock(s.mutex);
    CuptiRecords out = std::move(s.records);
    s.records = {};
    return out;
  }
};

}  // namespace

std::unique_ptr<CuptiCollector> make_cupti_collector(std::string* why_not) {
  static std::once_flag warned;
  auto refuse = [&](const std::string& why) -> std::unique_ptr<CuptiCollector> {
    if (why_not) *why_not = why;
    std::call_once(warned, [&] {
      log(LogLevel::warning,
          "CUPTI unavailable (" + why + "); tracing continues with NVTX and the host tracer");
    });
    return nullptr;
  };
  // A subscriber is how another tool (nsys, ncu) holds CUPTI; taking one detects it.
  static CUpti_SubscriberHandle subscriber = nullptr;
  if (!subscriber) {
    const CUptiResult r = cuptiSubscribe(&subscriber, ignore_callback, nullptr);
    if (r == CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED) {
      subscriber = nullptr;
      return refuse("another profiler (nsys or ncu) already holds CUPTI");
    }
    if (r != CUPTI_SUCCESS) {
      subscriber = nullptr;
      return refuse("cuptiSubscribe: " + cupti_text(r));
    }
    CUptiResult t = cuptiActivityRegisterTimestampCallback(steady_timestamp);
    if (t != CUPTI_SUCCESS) return refuse("cuptiActivityRegisterTimestampCallback: " + cupti_text(t));
    t = cuptiActivityRegisterCallbacks(buffer_requested, buffer_completed);
    if (t != CUPTI_SUCCESS) return refuse("cuptiActivityRegisterCallbacks: " + cupti_text(t));
  }
  return std::make_unique<Collector>();
}

}  // namespace burst::trace
