// The CUDA part of detect_system(): driver and runtime versions, every visible GPU and the
// GPU-to-GPU peer matrix. No GPU (no driver, no device, any init error) is an answer, not an error.
#include <cstdio>
#include <string>

#include "burst/config.hpp"
#include "runtime/detect_internal.hpp"

#if BURST_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

namespace burst::detect {

#if BURST_HAVE_CUDA
namespace {

// "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", as nvidia-smi -L prints it.
std::string format_uuid(const cudaUUID_t& uuid) {
  std::string text = "GPU-";
  char hex[3];
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    std::snprintf(hex, sizeof(hex), "%02x", static_cast<unsigned>(static_cast<unsigned char>(uuid.bytes[i])));
    text += hex;
  }
  return text;
}

std::string format_pci(int domain, int bus, int device) {
  char text[32];
  std::snprintf(text, sizeof(text), "%04x:%02x:%02x.0", static_cast<unsigned>(domain),
                static_cast<unsigned>(bus), static_cast<unsigned>(device));
  return text;
}

// Why cudaGetDeviceCount failed, in words, with the error's name.
std::string describe_no_gpu(cudaError_t err, int driver_version, int runtime_version) {
  const std::string name = cudaGetErrorName(err);
  if (err == cudaErrorInsufficientDriver) {
    if (driver_version == 0) return "CUDA driver not found (" + name + ")";
    return "CUDA driver " + cuda_version_text(driver_version) + " is older than the CUDA runtime " +
           cuda_version_text(runtime_version) + " (" + name + ")";
  }
  if (err == cudaErrorNoDevice) return "no CUDA device found (" + name + ")";
  return std::string("CUDA could not start: ") + cudaGetErrorString(err) + " (" + name + ")";
}

GpuInfo read_gpu(int index) {
  GpuInfo g;
  g.index = index;
  cudaDeviceProp p{};
  if (cudaGetDeviceProperties(&p, index) != cudaSuccess) {
    cudaGetLastError();
    g.name = "unknown (cudaGetDeviceProperties failed)";
    return g;
  }
  g.name = p.name;
  g.uuid = format_uuid(p.uuid);
  g.pci_bus_id = format_pci(p.pciDomainID, p.pciBusID, p.pciDeviceID);
  g.cc_major = p.major;
  g.cc_minor = p.minor;
  g.sm_count = p.multiProcessorCount;
  g.memory_bytes = p.totalGlobalMem;
  g.l2_bytes = p.l2CacheSize > 0 ? static_cast<std::uint64_t>(p.l2CacheSize) : 0;
  // CUDA 13 removed clockRate/memoryClockRate from cudaDeviceProp; the attributes remain.
  int khz = 0;
  if (cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, index) == cudaSuccess) g.clock_khz = khz;
  khz = 0;
  if (cudaDeviceGetAttribute(&khz, cudaDevAttrMemoryClockRate, index) == cudaSuccess)
    g.memory_clock_khz = khz;
  cudaGetLastError();
  return g;
}

}  // namespace

void detect_cuda(SystemInfo& sys) {
  int driver = 0, runtime = 0;
  if (cudaDriverGetVersion(&driver) != cudaSuccess) driver = 0;
  if (cudaRuntimeGetVersion(&runtime) != cudaSuccess) runtime = 0;
  sys.cuda_driver_version = driver;
  sys.cuda_runtime_version = runtime;

  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear it so later CUDA calls start clean
    sys.gpu_status = describe_no_gpu(err, driver, runtime);
    return;
  }
  if (count <= 0) {
    sys.gpu_status = "no CUDA device visible (cudaGetDeviceCount returned 0)";
    return;
  }
  for (int i = 0; i < count; ++i) sys.gpus.push_back(read_gpu(i));
  for (int i = 0; i < count; ++i) {
    for (int j = 0; j < count; ++j) {
      if (i == j) continue;
      PeerLink link;
      link.from = i;
      link.to = j;
      int access = 0;
      if (cudaDeviceCanAccessPeer(&access, i, j) == cudaSuccess) link.access = access != 0;
      int rank = 0;
      if (cudaDeviceGetP2PAttribute(&rank, cudaDevP2PAttrPerformanceRank, i, j) == cudaSuccess)
        link.perf_rank = rank;
      cudaGetLastError();
      sys.peers.push_back(link);
    }
  }
}

#else

void detect_cuda(SystemInfo& sys) {
  sys.gpu_status = "this build of burst-tune has no CUDA support (configured without nvcc)";
}

#endif

}  // namespace burst::detect
