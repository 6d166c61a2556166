// The registry of local attention kernels and their constraints (see registry.hpp).
#include "kernels/registry.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "burst/config.hpp"
#include "kernels/cpu_attention.hpp"
#if BURST_HAVE_CUDA
#include "kernels/cuda/cuda_registry.hpp"
#endif

namespace burst::kernels {
namespace {

std::string range_text(std::int64_t v, const char* what, int lo, int hi, int multiple) {
  std::string text(what);  // appended piece by piece (gcc 12 warns falsely on chained operator+)
  text.append(" ").append(std::to_string(v)).append(" not in ").append(std::to_string(lo)).append("..");
  text.append(std::to_string(hi));
  if (multiple > 1) text.append(" (multiple of ").append(std::to_string(multiple)).append(")");
  return text;
}

bool in_range(std::int64_t v, int lo, int hi, int multiple) {
  return v >= lo && v <= hi && v % multiple == 0;
}

std::optional<std::string> check_common(const KernelDesc& desc, const KernelProblem& problem,
                                        std::int64_t batch, std::int64_t nq, std::int64_t nk, float scale,
                                        const MaskParams& mask) {
  if (auto reason = can_implement(desc, problem)) return reason;
  if (batch < 0 || nq < 0 || nk < 0) return std::string("negative batch or sequence length");
  if (!(std::isfinite(scale) && scale > 0.0f))
    return "scale " + std::to_string(scale) + " must be finite and > 0";
  if (mask.kind != MaskMode::none && (mask.q_pos_stride < 0 || mask.k_pos_stride < 1))
    return std::string("a position mask needs q_pos_stride >= 0 and k_pos_stride >= 1");
  if (mask.kind == MaskMode::bounded && !desc.bounded_masks)
    return std::string(desc.name) + " applies only the causal mask, not documents or windows";
  return std::nullopt;
}

// Vectorised variants read rows with 16-byte copies: pointers and strides must keep that alignment.
std::optional<std::string> check_alignment(const KernelDesc& desc, DType dtype,
                                           std::initializer_list<const void*> ptrs,
                                           std::initializer_list<std::int64_t> strides) {
  if (desc.vector_elems <= 1) return std::nullopt;
  const auto bytes = static_cast<std::uintptr_t>(desc.vector_elems) * dtype_size(dtype);
  for (const void* ptr : ptrs)
    if (reinterpret_cast<std::uintptr_t>(ptr) % bytes != 0)
      return std::string(desc.name) + " needs input pointers aligned to " + std::to_string(bytes) + " bytes";
  for (std::int64_t stride : strides)
    if (stride % desc.vector_elems != 0)
      return std::string(desc.name) + " needs input row and batch strides that are multiples of " +
             std::to_string(desc.vector_elems) + " elements";
  return std::nullopt;
}

std::optional<std::string> tile_check(const KernelDesc& desc, int tile, int fixed, const char* what) {
  if (fixed != 0) {
    if (tile == fixed) return std::nullopt;
    std::string text(what);
    text.append(" ")
        .append(std::to_string(tile))
        .append(" is not this variant's ")
        .append(std::to_string(fixed));
    return text;
  }
  if (!in_range(tile, desc.min_tile, desc.max_tile, desc.tile_multiple))
    return range_text(tile, what, desc.min_tile, desc.max_tile, desc.tile_multiple);
  return std::nullopt;
}

// A launch-shape request (0: any) against a variant's fixed value (0: the variant has none).
std::optional<std::string> shape_check(int asked, int fixed, const char* what) {
  if (asked == 0 || fixed == 0 || asked == fixed) return std::nullopt;
  std::string text(what);
  return text.append(" ")
      .append(std::to_string(asked))
      .append(" is not this variant's ")
      .append(std::to_string(fixed));
}

std::vector<KernelDesc> make_table() {
  std::vector<KernelDesc> kernels;
  kernels.push_back(KernelDesc{.name = "cpu_tiled",
                               .backend = Backend::cpu,
                               .dtypes = {DType::f32, DType::f16, DType::bf16},
                               .min_head_dim = 32,
                               .max_head_dim = 256,
                               .head_dim_multiple = 8,
                               .min_tile = 16,
                               .max_tile = 256,
                               .tile_multiple = 16,
                               .bounded_masks = true,
                               .forward = &cpu_forward_block,
                               .backward = &cpu_backward_block,
                               .description = "forward and backward, CPU tiles, fp32 arithmetic"});
#if BURST_HAVE_CUDA
  for (const KernelDesc& k : cuda::cuda_kernel_descs()) kernels.push_back(k);
#endif
  return kernels;
}

const std::vector<KernelDesc>& table() {
  static const std::vector<KernelDesc> kernels = make_table();
  return kernels;
}

}  // namespace

std::optional<Refusal> refusal(const KernelDesc& desc, const KernelProblem& problem) {
  if (std::find(desc.dtypes.begin(), desc.dtypes.end(), problem.dtype) == desc.dtypes.end())
    return Refusal{
        "dtype", std::string(desc.name) + " does not support dtype " + std::string(to_string(problem.dtype))};
  if (!in_range(problem.head_dim, desc.min_head_dim, desc.max_head_dim, desc.head_dim_multiple))
    return Refusal{"head_dim", range_text(problem.head_dim, "head_dim", desc.min_head_dim, desc.max_head_dim,
                                          desc.head_dim_multiple)};
  if (auto reason = tile_check(desc, problem.tile_q, desc.tile_q, "tile_q"))
    return Refusal{"kernel.tile_q", *reason};
  if (auto reason = tile_check(desc, problem.tile_kv, desc.tile_kv, "tile_kv"))
    return Refusal{"kernel.tile_kv", *reason};
  if (auto reason = shape_check(problem.warps, desc.warps, "warps")) return Refusal{"kernel.warps", *reason};
  if (auto reason = shape_check(problem.stages, desc.stages, "stages"))
    return Refusal{"kernel.stages", *reason};
  if (problem.bounded_mask && !desc.bounded_masks)
    return Refusal{"mask", std::string(desc.name) +
                               " applies only the causal mask; documents and sliding windows need a kernel "
                               "that applies the whole mask rule (cpu_tiled)"};
  if (problem.heads <= 0 || problem.kv_heads <= 0 || problem.heads % problem.kv_heads != 0)
    return Refusal{"heads", "heads " + std::to_string(problem.heads) +
                                " must be a positive multiple of kv_heads " +
                                std::to_string(problem.kv_heads)};
  return std::nullopt;
}

std::optional<std::string> can_implement(const KernelDesc& desc, const KernelProblem& problem) {
  if (auto r = refusal(desc, problem)) return std::move(r->message);
  return std::nullopt;
}

KernelChoice choose_kernel(Backend backend, bool forward, const KernelProblem& problem,
                           const DeviceLimits* device) {
  KernelChoice choice;
  const char* pass = forward ? "forward" : "backward";
  for (const KernelDesc& desc : table()) {
    if (desc.backend != backend) continue;
    const bool has_entry = forward ? (desc.forward != nullptr || desc.launch_forward != nullptr)
                                   : (desc.backward != nullptr || desc.launch_backward != nullptr);
    if (!has_entry) continue;
    std::optional<Refusal> why = refusal(desc, problem);
    if (!why && device != nullptr) {
      if (auto dev = can_run_on(desc, *device)) why = Refusal{"device", *dev};
    }
    if (!why) {
      choice.kernel = &desc;
      choice.why_not.reset();
      return choice;
    }
    why->message = std::string(desc.name) + ": " + why->message;
    choice.why_not = std::move(why);
  }
  if (!choice.why_not)
    choice.why_not = Refusal{"pass", std::string("no ") + std::string(to_string(backend)) +
                                         " kernel variant of this build has a " + pass + " pass"};
  return choice;
}

std::optional<std::string> can_implement(const KernelDesc& desc, const FwdBlockParams& p) {
  const KernelProblem problem{p.dtype, p.head_dim, p.heads, p.kv_heads, p.tile_q, p.tile_kv};
  if (desc.forward == nullptr && desc.launch_forward == nullptr)
    return std::string(desc.name) + " has no forward pass";
  if (auto reason = check_common(desc, problem, p.batch, p.nq, p.nk, p.scale, p.mask)) return reason;
  if (p.q_row_stride < p.heads * p.head_dim || p.o_row_stride < p.heads * p.head_dim ||
      p.kv_row_stride < p.kv_heads * p.head_dim || p.lse_head_stride < p.nq)
    return std::string("a row or head stride is smaller than the row it must hold");
  if (auto reason = check_alignment(desc, p.dtype, {p.q, p.k, p.v},
                                    {p.q_batch_stride, p.q_row_stride, p.kv_batch_stride, p.kv_row_stride}))
    return reason;
  // Vectorised variants also update o two floats at a time.
  if (desc.vector_elems > 1 && (p.o_batch_stride % 2 != 0 || p.o_row_stride % 2 != 0 ||
                                reinterpret_cast<std::uintptr_t>(p.o) % (2 * sizeof(float)) != 0))
    return std::string(desc.name) + " needs o 8-byte aligned with even row and batch strides";
  return std::nullopt;
}

std::optional<std::string> can_implement(const KernelDesc& desc, const BwdBlockParams& p) {
  const KernelProblem problem{p.dtype, p.head_dim, p.heads, p.kv_heads, p.tile_q, p.tile_kv};
  if (desc.backward == nullptr && desc.launch_backward == nullptr)
    return std::string(desc.name) + " has no backward pass";
  if (auto reason = check_common(desc, problem, p.batch, p.nq, p.nk, p.scale, p.mask)) return reason;
  if (p.q_row_stride < p.heads * p.head_dim || p.dq_row_stride < p.heads * p.head_dim ||
      p.kv_row_stride < p.kv_heads * p.head_dim || p.dkv_row_stride < p.kv_heads * p.head_dim ||
      p.stat_head_stride < p.nq)
    return std::string("a row or head stride is smaller than the row it must hold");
  return check_alignment(desc, p.dtype, {p.q, p.dout, p.k, p.v},
                         {p.q_batch_stride, p.q_row_stride, p.kv_batch_stride, p.kv_row_stride});
}

std::optional<std::string> can_run_on(const KernelDesc& desc, const DeviceLimits& device) {
  if (desc.backend != Backend::cuda) return std::nullopt;
  if ((desc.min_arch != 0 && device.arch < desc.min_arch) ||
      (desc.max_arch != 0 && device.arch > desc.max_arch)) {
    std::string text(desc.name);
    text.append(" runs on sm_").append(std::to_string(desc.min_arch)).append("..");
    text.append(desc.max_arch != 0 ? "sm_" + std::to_string(desc.max_arch) : std::string(""))
        .append("; the device is sm_");
    return text.append(std::to_string(device.arch));
  }
  if (desc.smem_bytes > device.smem_per_block_optin) {
    std::string text(desc.name);
    text.append(" needs ")
        .append(std::to_string(desc.smem_bytes))
        .append(" bytes of shared memory per block; the device allows ");
    return text.append(std::to_string(device.smem_per_block_optin));
  }
  return std::nullopt;
}

std::optional<std::string> can_implement(const KernelDesc& desc, const KernelProblem& problem,
                                         const DeviceLimits& device) {
  if (auto reason = can_implement(desc, problem)) return reason;
  return can_run_on(desc, device);
}

std::span<const KernelDesc> kernel_registry() {
  return table();
}

const KernelDesc& find_cpu_kernel() {
  return table()[0];
}

const KernelDesc* find_kernel(std::string_view name) {
  for (const auto& k : table())
    if (k.name == name) return &k;
  return nullptr;
}

}  // namespace burst::kernels
