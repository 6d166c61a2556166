// Pieces of detect_system() (runtime/detect*.cpp); internal to libburst.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "burst/system.hpp"

namespace burst::detect {

// /proc/cpuinfo, /proc/meminfo, gethostname: fills hostname, cpu_model, cpu_cores, memory_bytes
// and the ISA flags.
void detect_host(SystemInfo& sys);

// CUDA driver/runtime versions, the GPUs and the peer matrix (access, performance rank). Any
// failure to reach a GPU leaves `gpus` empty and says why in `gpu_status`. No-op without CUDA.
void detect_cuda(SystemInfo& sys);

// NVLink topology from NVML, loaded at run time (dlopen "libnvidia-ml.so.1").
struct NvlinkTopology {
  bool loaded = false;  // NVML was found and initialised
  // For each GPU (same order as the pci bus ids given): the PCI bus ids at the far end of its
  // active NVLink links, one entry per link (normalised, see normalize_pci_bus_id).
  std::vector<std::vector<std::string>> remote_pci;
};
NvlinkTopology detect_nvlinks(const std::vector<std::string>& pci_bus_ids);

// Active links from GPU `from` to the GPU with bus id `to_pci`.
int count_nvlinks(const NvlinkTopology& topo, int from, const std::string& to_pci);

// "00000000:3B:00.0" or "0000:3b:00.0" -> "0000:3b:00.0"; unparsable text is returned lowercased.
std::string normalize_pci_bus_id(std::string_view text);

// 13000 -> "13.0"; 0 -> "".
std::string cuda_version_text(int version);

// Fills ranks, nodes, ranks_per_node and link_class: this process alone without a communicator
// (or with one of size 1); otherwise gathers every rank's host and GPUs to rank 0, which decides
// and broadcasts the result (every rank must call it).
void detect_world(SystemInfo& sys, const NvlinkTopology& topo, Communicator* world);

}  // namespace burst::detect
