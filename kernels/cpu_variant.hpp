// The instruction-set variants of the CPU attention kernels (kernels/cpu_isa.hpp), seen from the
// inside: kernels/cpu_forward.cpp and kernels/cpu_backward.cpp are compiled once per variant
// (kernels/CMakeLists.txt), each time with BURST_CPU_ISA_NS naming that variant's namespace
// (isa_avx512, isa_avx2, isa_baseline, or isa_native for BURST_CPU_NATIVE builds). Everything
// those sources and their headers (simd.hpp, tile_ops.hpp, cpu_tiles.hpp) define lives in it, so
// no inline function compiled for one instruction set can stand in for another's at link time.
// kernels/cpu_dispatch.cpp picks one variant at run time and checks the parameters first.
// Not part of the public kernel API.
#pragma once

#include <atomic>
#include <cstdint>

#include "kernels/attention_params.hpp"

#ifndef BURST_CPU_ISA_NS
#define BURST_CPU_ISA_NS isa_baseline
#endif

namespace burst::kernels {

// Per-thread fp32 scratch shared by all variants: at least `floats` floats, 64-byte aligned.
float* cpu_thread_scratch(std::int64_t floats);

// One call's packed operands (kernels/cpu_forward.cpp: K^T and V of the block; cpu_backward.cpp: Q,
// dO and the call's dq sum), shared by the call's workers: at least `floats` fp32, 64-byte aligned,
// owned by the calling thread and reused across its calls (like the counters below), so a call pays
// no page faults for it once the thread has run a call as large.
float* cpu_call_buffer(std::int64_t floats);

// The backward's progress counters (kernels/cpu_backward.cpp): at least n of them, owned by the
// calling thread (not the per-item scratch above) and reused across calls; the caller zeroes them.
std::atomic<std::int32_t>* cpu_thread_counters(std::int64_t n);
// Returns once c >= target (acquire): spins briefly, then sleeps in std::atomic::wait.
void cpu_wait_at_least(const std::atomic<std::int32_t>& c, std::int32_t target) noexcept;
// c = value (release), waking every waiter.
void cpu_publish(std::atomic<std::int32_t>& c, std::int32_t value) noexcept;

// The entry points of one variant. Parameters are already checked (can_implement).
#define BURST_DECLARE_CPU_VARIANT(ns)           \
  namespace ns {                                \
  void forward_block(const FwdBlockParams& p);  \
  void backward_block(const BwdBlockParams& p); \
  void compute_delta(const DeltaParams& p);     \
  }
BURST_DECLARE_CPU_VARIANT(isa_baseline)
BURST_DECLARE_CPU_VARIANT(isa_avx2)
BURST_DECLARE_CPU_VARIANT(isa_avx512)
BURST_DECLARE_CPU_VARIANT(isa_native)
#undef BURST_DECLARE_CPU_VARIANT

}  // namespace burst::kernels
