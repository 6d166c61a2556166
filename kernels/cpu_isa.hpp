// Which instruction set the CPU attention kernels run with. kernels/cpu_forward.cpp and
// kernels/cpu_backward.cpp are compiled once per variant (kernels/CMakeLists.txt): on x86-64
// avx512 (-mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma), avx2 (-mavx2 -mfma) and baseline
// (plain x86-64); elsewhere only baseline. The first kernel call picks the best variant this CPU
// and OS run (__builtin_cpu_supports), so one libburst runs on any CPU of its architecture. With
// BURST_CPU_NATIVE=ON the build has a single variant, native (-march=native), and no dispatch.
//
// BURST_CPU_ISA=<name> in the environment asks for another variant (to compare them, or to rule
// one out); a name that is not built or does not run here is ignored, and the description says so.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace burst::kernels {

enum class CpuIsa { baseline, avx2, avx512, native };

std::string_view cpu_isa_name(CpuIsa isa) noexcept;  // "baseline", "avx2", "avx512", "native"
std::optional<CpuIsa> parse_cpu_isa(std::string_view name) noexcept;

// The variants compiled into this build, best first.
std::span<const CpuIsa> cpu_isas_built() noexcept;
// Whether this build has `isa` and this CPU (and its OS) can run it.
bool cpu_isa_available(CpuIsa isa) noexcept;
// The variant the kernels use now (chosen on first use).
CpuIsa cpu_isa_active() noexcept;
// Uses `isa` from now on, for tests and benchmarks; InvalidArgument when it is not available.
// Not to be called while kernels run on other threads.
void set_cpu_isa(CpuIsa isa);
// One line for --version and detect, e.g.
// "avx512 (runtime dispatch; built: avx512, avx2, baseline)".
std::string cpu_kernels_description();

}  // namespace burst::kernels
