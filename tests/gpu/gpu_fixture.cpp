// Shared pieces of the Gpu* tests (see gpu_fixture.hpp).
#include "gpu_fixture.hpp"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "burst/cuda_check.hpp"

namespace burst::test {

std::optional<std::string> gpu_unavailable_reason() {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the sticky-free init error so later calls report their own
    return std::string(cudaGetErrorName(err)) + " (" + cudaGetErrorString(err) + ")";
  }
  if (count == 0) return std::string("cudaGetDeviceCount returned 0 devices");
  return std::nullopt;
}

DeviceBuffer::DeviceBuffer(std::size_t bytes) {
  BURST_CUDA_CHECK(cudaMalloc(&ptr_, std::max<std::size_t>(bytes, 16)));
}
DeviceBuffer::~DeviceBuffer() {
  cudaFree(ptr_);
}
void DeviceBuffer::upload(const void* host, std::size_t bytes) {
  BURST_CUDA_CHECK(cudaMemcpy(ptr_, host, bytes, cudaMemcpyHostToDevice));
}
void DeviceBuffer::download(void* host, std::size_t bytes) const {
  BURST_CUDA_CHECK(cudaMemcpy(host, ptr_, bytes, cudaMemcpyDeviceToHost));
}

void device_synchronize() {
  BURST_CUDA_CHECK(cudaDeviceSynchronize());
}

double compare_with_padding(const std::vector<float>& gpu, const std::vector<float>& cpu,
                            const std::vector<bool>& pad) {
  const double inf = std::numeric_limits<double>::infinity();
  if (gpu.size() != cpu.size() || pad.size() != cpu.size()) return inf;
  double max_ref = 1e-30, max_diff = 0.0;
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    if (pad[i]) {
      if (!std::isnan(gpu[i])) return inf;
      continue;
    }
    const double g = gpu[i], c = cpu[i];
    if (std::isinf(c) || std::isinf(g)) {
      if (g != c) return inf;
      continue;
    }
    if (std::isnan(g) || std::isnan(c)) return inf;
    max_ref = std::max(max_ref, std::abs(c));
    max_diff = std::max(max_diff, std::abs(g - c));
  }
  return max_diff / max_ref;
}

}  // namespace burst::test
