// What burst-tune tunes on: the host, the GPUs and their links, library versions, and (under MPI)
// every rank's place in the cluster. Filled by detect_system(); runtime/detect.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "burst/fingerprint.hpp"

namespace burst {

class Communicator;

// Features compiled into this build and library versions readable without a GPU.
struct BuildInfo {
  std::string version;
  bool cuda = false;
  std::string cuda_archs;            // "80,90" or "none"
  std::string cuda_toolkit_version;  // compiled against, "13.0"
  std::string nccl_version;          // "" when NCCL is not built in
  std::string cupti_version;         // CUPTI API version, "" when off
  bool nvtx = false;
  std::string mpi_version;  // MPI library version string, "" when off
  // The CPU attention kernels' instruction set, chosen at run time (kernels/cpu_isa.hpp):
  // "avx512 (runtime dispatch; built: avx512, avx2, baseline)"
  std::string cpu_kernels;
};
BuildInfo build_info();

struct GpuInfo {
  int index = 0;
  std::string name, uuid, pci_bus_id;
  int cc_major = 0, cc_minor = 0;
  int sm_count = 0;
  std::uint64_t memory_bytes = 0;
  std::uint64_t l2_bytes = 0;
  int clock_khz = 0, memory_clock_khz = 0;  // 0 where the runtime does not report them
};

// One ordered pair of GPUs.
struct PeerLink {
  int from = 0, to = 0;
  bool access = false;  // cudaDeviceCanAccessPeer
  int perf_rank = -1;   // cudaDevP2PAttrPerformanceRank (-1 unknown)
  int nvlinks = -1;     // active NVLink links between them (NVML; -1 unknown)
};

struct RankInfo {
  int rank = 0;
  std::string host;
  int local_rank = 0;
  int gpu = -1;  // device index, -1 without GPU
  std::string gpu_uuid;
};

struct SystemInfo {
  std::string hostname, cpu_model;
  int cpu_cores = 0;
  std::uint64_t memory_bytes = 0;
  bool avx512 = false, avx2 = false, fma = false;

  int cuda_driver_version = 0;   // e.g. 13000; 0 without a driver
  int cuda_runtime_version = 0;  // 0 without CUDA
  std::string gpu_status;        // why there are no GPUs ("no CUDA driver (cudaErrorInsufficientDriver)")
  std::vector<GpuInfo> gpus;
  std::vector<PeerLink> peers;
  bool nvml = false;  // NVML was loaded

  std::string nccl_version;

  // World (one entry per rank; one entry when not under MPI).
  std::vector<RankInfo> ranks;
  int nodes = 1, ranks_per_node = 1;
  // link_class[i][j] between ranks: "self" "same_gpu" "nvlink" "pcie" "shared_memory" "network".
  std::vector<std::vector<std::string>> link_class;

  std::string backend;  // "cuda" when a usable GPU is present, else "cpu"
  Fingerprint fingerprint;
};

// Detects this host (and, with a communicator of several ranks, gathers every rank's answer to
// rank 0 and fills ranks/nodes/link_class there and everywhere). Never throws for a missing GPU.
SystemInfo detect_system(Communicator* world = nullptr);

// This system's fingerprint as the ranks of `world` run on it: the host part detected once per
// process, `nodes` from the hosts of world's ranks. Collective when `world` has several ranks in
// several processes (every rank calls it, in the same order); equal to detect_system(world)'s.
Fingerprint system_fingerprint(Communicator* world = nullptr);

}  // namespace burst
