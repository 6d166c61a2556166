// The registry of local attention kernels and their constraints (see registry.hpp).
#include "kernels/registry.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "kernels/cpu_attention.hpp"

namespace burst::kernels {
namespace {

std::string range_text(std::int64_t v, const char* what, int lo, int hi, int multiple) {
  std::string text(what);  // appended piece by piece (gcc 12 warns falsely on chained operator+)
  text.append(" ").append(std::to_string(v)).append(" not in ").append(std::to_string(lo)).append("..");
  text.append(std::to_string(hi));
  if (multiple > 1) text.append(" (multiple of ").append(std::to_string(multiple)).append(")");
  return text;
}

bool in_range(std::int64_t v, int lo, int hi, int multiple) { return v >= lo && v <= hi && v % multiple == 0; }

std::optional<std::string> check_common(const KernelDesc& desc, const KernelProblem& problem, std::int64_t batch,
                                        std::int64_t nq, std::int64_t nk, float scale, const MaskParams& mask) {
  if (auto reason = can_implement(desc, problem)) return reason;
  if (batch < 0 || nq < 0 || nk < 0) return std::string("negative batch or sequence length");
  if (!(std::isfinite(scale) && scale > 0.0f)) return "scale " + std::to_string(scale) + " must be finite and > 0";
  if (mask.kind == MaskKind::causal && (mask.q_pos_stride < 0 || mask.k_pos_stride < 1))
    return std::string("causal mask needs q_pos_stride >= 0 and k_pos_stride >= 1");
  return std::nullopt;
}

const std::array<KernelDesc, 1>& table() {
  static const std::array<KernelDesc, 1> kernels = {KernelDesc{
      "cpu_tiled", Backend::cpu, {DType::f32, DType::f16, DType::bf16}, 32, 256, 8, 16, 256, 16,
      &cpu_forward_block, &cpu_backward_block}};
  return kernels;
}

}  // namespace

std::optional<std::string> can_implement(const KernelDesc& desc, const KernelProblem& problem) {
  if (std::find(desc.dtypes.begin(), desc.dtypes.end(), problem.dtype) == desc.dtypes.end())
    return std::string(desc.name) + " does not support dtype " + std::string(to_string(problem.dtype));
  if (!in_range(problem.head_dim, desc.min_head_dim, desc.max_head_dim, desc.head_dim_multiple))
    return range_text(problem.head_dim, "head_dim", desc.min_head_dim, desc.max_head_dim, desc.head_dim_multiple);
  if (!in_range(problem.tile_q, desc.min_tile, desc.max_tile, desc.tile_multiple))
    return range_text(problem.tile_q, "tile_q", desc.min_tile, desc.max_tile, desc.tile_multiple);
  if (!in_range(problem.tile_kv, desc.min_tile, desc.max_tile, desc.tile_multiple))
    return range_text(problem.tile_kv, "tile_kv", desc.min_tile, desc.max_tile, desc.tile_multiple);
  if (problem.heads <= 0 || problem.kv_heads <= 0 || problem.heads % problem.kv_heads != 0)
    return "heads " + std::to_string(problem.heads) + " must be a positive multiple of kv_heads " +
           std::to_string(problem.kv_heads);
  return std::nullopt;
}

std::optional<std::string> can_implement(const KernelDesc& desc, const FwdBlockParams& p) {
  const KernelProblem problem{p.dtype, p.head_dim, p.heads, p.kv_heads, p.tile_q, p.tile_kv};
  if (auto reason = check_common(desc, problem, p.batch, p.nq, p.nk, p.scale, p.mask)) return reason;
  if (p.q_row_stride < p.heads * p.head_dim || p.o_row_stride < p.heads * p.head_dim ||
      p.kv_row_stride < p.kv_heads * p.head_dim || p.lse_head_stride < p.nq)
    return std::string("a row or head stride is smaller than the row it must hold");
  return std::nullopt;
}

std::optional<std::string> can_implement(const KernelDesc& desc, const BwdBlockParams& p) {
  const KernelProblem problem{p.dtype, p.head_dim, p.heads, p.kv_heads, p.tile_q, p.tile_kv};
  if (auto reason = check_common(desc, problem, p.batch, p.nq, p.nk, p.scale, p.mask)) return reason;
  if (p.q_row_stride < p.heads * p.head_dim || p.dq_row_stride < p.heads * p.head_dim ||
      p.kv_row_stride < p.kv_heads * p.head_dim || p.dkv_row_stride < p.kv_heads * p.head_dim ||
      p.stat_head_stride < p.nq)
    return std::string("a row or head stride is smaller than the row it must hold");
  return std::nullopt;
}

std::span<const KernelDesc> kernel_registry() { return table(); }

const KernelDesc& find_cpu_kernel() { return table()[0]; }

const KernelDesc* find_kernel(std::string_view name) {
  for (const auto& k : table())
    if (k.name == name) return &k;
  return nullptr;
}

}  // namespace burst::kernels
