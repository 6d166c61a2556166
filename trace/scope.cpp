// Scope begin/end (tracing enabled): NVTX push/pop in domain "burst" and a host event.
//
// NVTX: the domain, its categories and one registered string per phase are created once; send and
// recv ranges get a registered string per (phase, peer, step), cached per thread, so Nsight
// Systems shows "send to 3 step 2" with the byte count as the uint64 payload.
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <string>
#include <unordered_map>

#include "burst/config.hpp"
#include "trace/host_tracer.hpp"
#include "trace/trace.hpp"

#if BURST_HAVE_NVTX
#include <nvtx3/nvToolsExt.h>
#endif

namespace burst::trace {
namespace {

thread_local int tls_rank = 0;
thread_local int tls_depth = 0;

std::uint32_t os_tid() {
  thread_local const auto tid = static_cast<std::uint32_t>(syscall(SYS_gettid));
  return tid;
}

#if BURST_HAVE_NVTX
struct NvtxDomain {
  nvtxDomainHandle_t domain = nullptr;
  std::array<nvtxStringHandle_t, phase_count> names{};

  NvtxDomain() {
    domain = nvtxDomainCreateA("burst");
    for (auto c : {Category::pass, Category::compute, Category::communication, Category::memory}) {
      nvtxDomainNameCategoryA(domain, static_cast<std::uint32_t>(c), std::string(category_name(c)).c_str());
    }
    for (int p = 0; p < phase_count; ++p) {
      names[static_cast<std::size_t>(p)] =
          nvtxDomainRegisterStringA(domain, std::string(phase_name(static_cast<Phase>(p))).c_str());
    }
  }
  static NvtxDomain& get() {
    static NvtxDomain d;
    return d;
  }
};

nvtxStringHandle_t message_for(NvtxDomain& d, Phase phase, const RangePayload& p) {
  if ((phase != Phase::send && phase != Phase::recv) || p.peer < 0) {
    return d.names[static_cast<std::size_t>(phase)];
  }
  thread_local std::unordered_map<std::uint64_t, nvtxStringHandle_t> cache;
  const std::uint64_t key = (static_cast<std::uint64_t>(phase) << 56) ^
                            (static_cast<std::uint64_t>(static_cast<std::uint32_t>(p.peer)) << 24) ^
                            static_cast<std::uint32_t>(p.step + 1);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  std::string text =
      std::string(phase_name(phase)) + (phase == Phase::send ? " to " : " from ") + std::to_string(p.peer);
  if (p.step >= 0) text += " step " + std::to_string(p.step);
  auto handle = nvtxDomainRegisterStringA(d.domain, text.c_str());
  cache.emplace(key, handle);
  return handle;
}

void nvtx_push(Phase phase, const RangePayload& p) {
  auto& d = NvtxDomain::get();
  nvtxEventAttributes_t attr{};
  attr.version = NVTX_VERSION;
  attr.size = NVTX_EVENT_ATTRIB_STRUCT_SIZE;
  attr.category = static_cast<std::uint32_t>(phase_category(phase));
  attr.messageType = NVTX_MESSAGE_TYPE_REGISTERED;
  attr.message.registered = message_for(d, phase, p);
  if (p.bytes > 0) {
    attr.payloadType = NVTX_PAYLOAD_TYPE_UNSIGNED_INT64;
    attr.payload.ullValue = p.bytes;
  }
  nvtxDomainRangePushEx(d.domain, &attr);
}

void nvtx_pop() {
  nvtxDomainRangePop(NvtxDomain::get().domain);
}
#else
void nvtx_push(Phase, const RangePayload&) {}
void nvtx_pop() {}
#endif

}  // namespace

void set_thread_rank(int rank) {
  tls_rank = rank;
}
int thread_rank() {
  return tls_rank;
}

namespace detail {

void scope_begin(ScopeState& state) {
  nvtx_push(state.phase, state.payload);
  ++tls_depth;
  state.start_ns = now_ns();
}

void scope_end(const ScopeState& state) {
  const std::int64_t end = now_ns();
  --tls_depth;
  nvtx_pop();
  auto& tracer = HostTracer::instance();
  if (!tracer.recording()) return;
  HostEvent e;
  e.start_ns = state.start_ns;
  e.end_ns = end;
  e.tid = os_tid();
  e.rank = tls_rank;
  e.depth = tls_depth;
  e.phase = state.phase;
  e.payload = state.payload;
  tracer.record(e);
}

}  // namespace detail
}  // namespace burst::trace
