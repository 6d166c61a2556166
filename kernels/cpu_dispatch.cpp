// The CPU kernels' public entry points (kernels/cpu_attention.hpp): check the parameters, then call
// the instruction-set variant chosen at run time (kernels/cpu_isa.hpp, kernels/cpu_variant.hpp).
// Compiled once, for the baseline instruction set, like the rest of libburst.
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "burst/error.hpp"
#include "kernels/cpu_attention.hpp"
#include "kernels/cpu_isa.hpp"
#include "kernels/cpu_variant.hpp"
#include "kernels/registry.hpp"

namespace burst::kernels {
namespace {

struct Variant {
  CpuIsa isa;
  void (*forward)(const FwdBlockParams&);
  void (*backward)(const BwdBlockParams&);
  void (*delta)(const DeltaParams&);
};

// Best first. kernels/CMakeLists.txt defines BURST_CPU_HAVE_<ISA> for each variant it compiles.
constexpr std::array kVariants {
#if BURST_CPU_HAVE_NATIVE
  Variant{CpuIsa::native, &isa_native::forward_block, &isa_native::backward_block,
          &isa_native::compute_delta},
#endif
#if BURST_CPU_HAVE_AVX512
      Variant{CpuIsa::avx512, &isa_avx512::forward_block, &isa_avx512::backward_block,
              &isa_avx512::compute_delta},
#endif
#if BURST_CPU_HAVE_AVX2
      Variant{CpuIsa::avx2, &isa_avx2::forward_block, &isa_avx2::backward_block, &isa_avx2::compute_delta},
#endif
#if BURST_CPU_HAVE_BASELINE
      Variant{CpuIsa::baseline, &isa_baseline::forward_block, &isa_baseline::backward_block,
              &isa_baseline::compute_delta},
#endif
};
static_assert(!kVariants.empty(), "kernels/CMakeLists.txt compiles no CPU kernel variant");

constexpr std::array kBuilt = [] {
  std::array<CpuIsa, kVariants.size()> isas{};
  for (std::size_t i = 0; i < kVariants.size(); ++i) isas[i] = kVariants[i].isa;
  return isas;
}();

bool cpu_runs(CpuIsa isa) noexcept {
  switch (isa) {
    case CpuIsa::baseline:
    case CpuIsa::native:  // built for this machine's CPU: trusted
      return true;
    case CpuIsa::avx2:
#if defined(__x86_64__) || defined(__i386__)
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
      return false;
#endif
    case CpuIsa::avx512:
#if defined(__x86_64__) || defined(__i386__)
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("fma");
#else
      return false;
#endif
  }
  return false;
}

const Variant& variant_of(CpuIsa isa) noexcept {
  for (const Variant& v : kVariants)
    if (v.isa == isa) return v;
  return kVariants.back();
}

struct Choice {
  std::atomic<const Variant*> active;
  std::string requested;  // BURST_CPU_ISA as given, "" when unset
  bool honoured = true;   // false: the request named no available variant
};

Choice make_choice() {
  const Variant* best = &kVariants.back();
  for (const Variant& v : kVariants) {
    if (cpu_runs(v.isa)) {
      best = &v;
      break;
    }
  }
  std::string requested;
  bool honoured = true;
  if (const char* env = std::getenv("BURST_CPU_ISA"); env != nullptr && *env != '\0') {
    requested = env;
    const auto isa = parse_cpu_isa(requested);
    honoured = isa && cpu_isa_available(*isa);
    if (honoured) best = &variant_of(*isa);
  }
  return Choice{best, requested, honoured};
}

Choice& choice() {
  static Choice c = make_choice();
  return c;
}

const Variant& active() {
  return *choice().active.load(std::memory_order_acquire);
}

}  // namespace

std::string_view cpu_isa_name(CpuIsa isa) noexcept {
  switch (isa) {
    case CpuIsa::baseline:
      return "baseline";
    case CpuIsa::avx2:
      return "avx2";
    case CpuIsa::avx512:
      return "avx512";
    case CpuIsa::native:
      return "native";
  }
  return "unknown";
}

std::optional<CpuIsa> parse_cpu_isa(std::string_view name) noexcept {
  for (CpuIsa isa : {CpuIsa::baseline, CpuIsa::avx2, CpuIsa::avx512, CpuIsa::native})
    if (name == cpu_isa_name(isa)) return isa;
  return std::nullopt;
}

std::span<const CpuIsa> cpu_isas_built() noexcept {
  return kBuilt;
}

bool cpu_isa_available(CpuIsa isa) noexcept {
  for (CpuIsa built : kBuilt)
    if (built == isa) return cpu_runs(isa);
  return false;
}

CpuIsa cpu_isa_active() noexcept {
  return active().isa;
}

void set_cpu_isa(CpuIsa isa) {
  if (!cpu_isa_available(isa)) {
    BURST_THROW(InvalidArgument, "set_cpu_isa: the " + std::string(cpu_isa_name(isa)) +
                                     " CPU kernels are not built or do not run on this CPU (" +
                                     cpu_kernels_description() + ")");
  }
  choice().active.store(&variant_of(isa), std::memory_order_release);
}

std::string cpu_kernels_description() {
  const Choice& c = choice();
  std::string text(cpu_isa_name(active().isa));
  if (kBuilt.size() == 1 && kBuilt[0] == CpuIsa::native)
    return text + " (no runtime dispatch; built: native, -march=native)";
  text += " (runtime dispatch";
  if (!c.requested.empty())
    text += c.honoured ? "; BURST_CPU_ISA=" + c.requested : "; BURST_CPU_ISA=" + c.requested + " ignored";
  text += "; built:";
  for (std::size_t i = 0; i < kBuilt.size(); ++i)
    text += (i == 0 ? " " : ", ") + std::string(cpu_isa_name(kBuilt[i]));
  return text + ")";
}

namespace {
// At least `floats` floats of `buffer`, 64-byte aligned; growing drops the old contents (every user
// overwrites what it uses), so nothing is copied.
float* aligned_floats(std::vector<float>& buffer, std::int64_t floats) {
  const auto need = static_cast<std::size_t>(floats + 16);
  if (buffer.size() < need) {
    buffer.clear();
    buffer.shrink_to_fit();
    buffer.resize(need);
  }
  auto addr = reinterpret_cast<std::uintptr_t>(buffer.data());
  addr = (addr + 63) & ~std::uintptr_t{63};
  return reinterpret_cast<float*>(addr);
}
}  // namespace

float* cpu_thread_scratch(std::int64_t floats) {
  thread_local std::vector<float> buffer;
  return aligned_floats(buffer, floats);
}

float* cpu_call_buffer(std::int64_t floats) {
  thread_local std::vector<float> buffer;
  return aligned_floats(buffer, floats);
}

std::atomic<std::int32_t>* cpu_thread_counters(std::int64_t n) {
  thread_local std::unique_ptr<std::atomic<std::int32_t>[]> counters;
  thread_local std::int64_t size = 0;
  if (size < n) {
    counters = std::make_unique<std::atomic<std::int32_t>[]>(static_cast<std::size_t>(n));
    size = n;
  }
  return counters.get();
}

void cpu_wait_at_least(const std::atomic<std::int32_t>& c, std::int32_t target) noexcept {
  for (int spin = 0; spin < 2000; ++spin) {
    if (c.load(std::memory_order_acquire) >= target) return;
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
  }
  for (std::int32_t v = c.load(std::memory_order_acquire); v < target; v = c.load(std::memory_order_acquire))
    c.wait(v, std::memory_order_acquire);
}

void cpu_publish(std::atomic<std::int32_t>& c, std::int32_t value) noexcept {
  c.store(value, std::memory_order_release);
  c.notify_all();
}

void cpu_forward_block(const FwdBlockParams& p) {
  if (auto reason = can_implement(find_cpu_kernel(), p))
    BURST_THROW(InvalidArgument, "cpu_forward_block: " + *reason);
  active().forward(p);
}

void cpu_backward_block(const BwdBlockParams& p) {
  if (auto reason = can_implement(find_cpu_kernel(), p))
    BURST_THROW(InvalidArgument, "cpu_backward_block: " + *reason);
  active().backward(p);
}

void cpu_compute_delta(const DeltaParams& p) {
  BURST_REQUIRE(p.batch >= 0 && p.n >= 0 && p.heads >= 0 && p.head_dim >= 0,
                "cpu_compute_delta: negative shape");
  active().delta(p);
}

}  // namespace burst::kernels
