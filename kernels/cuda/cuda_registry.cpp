// Registry entries of the compiled CUDA variants (see cuda_registry.hpp), generated from the same
// tile_policy.hpp lists the .cu files instantiate, so an entry and its kernel cannot drift apart.
#include "kernels/cuda/cuda_registry.hpp"

#include <cuda_runtime_api.h>

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "burst/cuda_check.hpp"
#include "kernels/cuda/cuda_launchers.hpp"
#include "kernels/cuda/tile_policy.hpp"

namespace burst::kernels::cuda {
namespace {

constexpr int min_compiled_arch = 80;  // mma.sync bf16, cp.async, ldmatrix: sm_80 and newer

std::string shape_text(TileShape s) {
  std::string text = std::to_string(s.tile_q);
  text.append("x").append(std::to_string(s.tile_kv)).append("_w").append(std::to_string(s.warps));
  return text;
}

std::string dtype_text(DType t) {
  return std::string(to_string(t));
}

struct Builder {
  std::deque<std::string>& text;  // names and descriptions; a deque never moves what it holds
  std::vector<KernelDesc> descs;

  std::string_view keep(std::string s) { return text.emplace_back(std::move(s)); }

  KernelDesc base(DType t, int d, TileShape s, std::size_t smem, std::string name, std::string description) {
    KernelDesc k;
    k.name = keep(std::move(name));
    k.description = keep(std::move(description));
    k.backend = Backend::cuda;
    k.dtypes = {t};
    k.min_head_dim = k.max_head_dim = d;
    k.head_dim_multiple = 1;
    k.tile_q = s.tile_q, k.tile_kv = s.tile_kv, k.warps = s.warps, k.stages = s.stages;
    k.min_tile = k.max_tile = 0, k.tile_multiple = 1;
    k.smem_bytes = smem;
    k.min_arch = min_compiled_arch;
    return k;
  }

  template <DType T, int D, int Shape>
  void fwd_mma() {
    constexpr TileShape s = fwd_mma_shapes[Shape];
    const std::string dt = dtype_text(T), ds = std::to_string(D);
    KernelDesc k =
        base(T, D, s, fwd_mma_smem_bytes(s, D),
             "cuda_mma_fwd_" + dt + "_d" + ds + "_" + shape_text(s) + "_s" + std::to_string(s.stages),
             "forward, tensor cores (mma.sync m16n8k16 " + dt + ", fp32 accumulation, ldmatrix, cp.async " +
                 std::to_string(s.stages) + " stages), d=" + ds + ", " + shape_text(s));
    k.vector_elems = 8;  // 16-byte cp.async rows
    k.launch_forward = &fwd_mma_launch<T, D, Shape>;
    descs.push_back(std::move(k));
  }

  template <int D>
  void fwd_simt() {
    constexpr TileShape s = fwd_simt_shape;
    const std::string ds = std::to_string(D);
    KernelDesc k =
        base(DType::f32, D, s, fwd_simt_smem_bytes(s, D), "cuda_simt_fwd_fp32_d" + ds + "_" + shape_text(s),
             "forward, fp32 SIMT (accurate exp), d=" + ds + ", " + shape_text(s));
    k.launch_forward = &fwd_simt_launch<D>;
    descs.push_back(std::move(k));
  }

  template <DType T, int D>
  void bwd_simt() {
    constexpr TileShape s = bwd_simt_shape;
    const std::string dt = dtype_text(T), ds = std::to_string(D);
    KernelDesc k =
        base(T, D, s, bwd_simt_smem_bytes(s, D), "cuda_simt_bwd_" + dt + "_d" + ds + "_" + shape_text(s),
             "backward, SIMT fp32 arithmetic, dK/dV in registers, dQ by fp32 atomics, d=" + ds + ", " +
                 shape_text(s));
    k.launch_backward = &bwd_simt_launch<T, D>;
    descs.push_back(std::move(k));
  }
};

std::vector<KernelDesc> build() {
  static std::deque<std::string> storage;  // outlives the returned descriptors
  Builder b{storage, {}};
  b.fwd_mma<DType::bf16, 128, 0>();
  b.fwd_mma<DType::bf16, 128, 1>();
  b.fwd_mma<DType::bf16, 64, 0>();
  b.fwd_mma<DType::bf16, 64, 1>();
  b.fwd_mma<DType::f16, 128, 0>();
  b.fwd_mma<DType::f16, 128, 1>();
  b.fwd_mma<DType::f16, 64, 0>();
  b.fwd_mma<DType::f16, 64, 1>();
  b.fwd_simt<64>();
  b.fwd_simt<128>();
  b.bwd_simt<DType::bf16, 64>();
  b.bwd_simt<DType::bf16, 128>();
  b.bwd_simt<DType::f16, 64>();
  b.bwd_simt<DType::f16, 128>();
  b.bwd_simt<DType::f32, 64>();
  b.bwd_simt<DType::f32, 128>();
  return std::move(b.descs);
}

}  // namespace

std::span<const KernelDesc> cuda_kernel_descs() {
  static const std::vector<KernelDesc> descs = build();
  return descs;
}

DeviceLimits current_device_limits() {
  int device = 0, major = 0, minor = 0, optin = 0, grid_y = 0, grid_z = 0;
  BURST_CUDA_CHECK(cudaGetDevice(&device));
  BURST_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  BURST_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device));
  BURST_CUDA_CHECK(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  BURST_CUDA_CHECK(cudaDeviceGetAttribute(&grid_y, cudaDevAttrMaxGridDimY, device));
  BURST_CUDA_CHECK(cudaDeviceGetAttribute(&grid_z, cudaDevAttrMaxGridDimZ, device));
  return DeviceLimits{10 * major + minor, static_cast<std::size_t>(optin), grid_y, grid_z};
}

}  // namespace burst::kernels::cuda
