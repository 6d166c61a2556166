// detect_system(): host, CUDA, NVLink, NCCL and the world, and the fingerprint that tuned profiles
// embed. The pieces live in detect_host.cpp, detect_cuda.cpp, detect_nvml.cpp and detect_world.cpp.
#include <algorithm>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "burst/communicator.hpp"
#include "burst/system.hpp"
#include "runtime/detect_internal.hpp"

namespace burst {
namespace {

// The machine, not the job: the same answer with or without a communicator and for every world
// size or launch on this hardware (docs/detect.md). Only `nodes` needs the world (how many hosts).
Fingerprint make_fingerprint(const SystemInfo& sys) {
  Fingerprint fp;
  fp.backend = sys.backend;
  fp.cpu_model = sys.cpu_model;
  fp.cpu_cores = sys.cpu_cores;
  std::set<std::string> classes;
  if (sys.backend == "cuda") {
    // The node's GPUs are one model in every system burst-tune tunes; GPU 0 describes them.
    const GpuInfo& g = sys.gpus.front();
    fp.gpu_model = g.name;
    fp.compute_capability = std::to_string(g.cc_major) + "." + std::to_string(g.cc_minor);
    fp.sm_count = g.sm_count;
    fp.gpu_count = static_cast<int>(sys.gpus.size());
    fp.driver_version = detect::cuda_version_text(sys.cuda_driver_version);
    fp.cuda_version = detect::cuda_version_text(sys.cuda_runtime_version);
    fp.nccl_version = sys.nccl_version;
    if (sys.gpus.size() == 1) classes.insert("same_gpu");
    for (const auto& link : sys.peers) {
      if (link.from != link.to) classes.insert(link.nvlinks > 0 ? "nvlink" : "pcie");
    }
  } else {
    classes.insert("shared_memory");
  }
  fp.nodes = sys.nodes;
  if (sys.nodes > 1) classes.insert("network");
  fp.link_classes.assign(classes.begin(), classes.end());
  return fp;
}

}  // namespace

namespace {

// Hosts of the world's ranks: gathered to rank 0, counted, broadcast. Threads of one process
// share a host, so the local communicator needs no messages.
int count_nodes(Communicator& world, const std::string& host) {
  if (world.size() <= 1 || world.backend() == "local") return 1;
  const std::vector<std::string> hosts = world.gather(host, 0);
  std::int32_t nodes = 1;
  if (world.rank() == 0)
    nodes = static_cast<std::int32_t>(std::set<std::string>(hosts.begin(), hosts.end()).size());
  world.broadcast(&nodes, sizeof(nodes), 0);
  return nodes;
}

}  // namespace

Fingerprint system_fingerprint(Communicator* world) {
  // The host, its GPUs and library versions do not change while a process runs.
  static std::mutex mutex;
  static std::optional<SystemInfo> here;
  SystemInfo sys;
  {
    std::lock_guard lock(mutex);
    if (!here) here = detect_system();
    sys = *here;
  }
  if (world != nullptr) sys.nodes = count_nodes(*world, sys.hostname);
  return make_fingerprint(sys);
}

SystemInfo detect_system(Communicator* world) {
  SystemInfo sys;
  detect::detect_host(sys);
  detect::detect_cuda(sys);

  std::vector<std::string> pci;
  for (const auto& g : sys.gpus) pci.push_back(g.pci_bus_id);
  const detect::NvlinkTopology topo = detect::detect_nvlinks(pci);
  sys.nvml = topo.loaded;
  for (auto& link : sys.peers) {
    link.nvlinks =
        detect::count_nvlinks(topo, link.from, sys.gpus.at(static_cast<std::size_t>(link.to)).pci_bus_id);
  }

  sys.nccl_version = build_info().nccl_version;
  detect::detect_world(sys, topo, world);
  sys.backend = sys.gpus.empty() ? "cpu" : "cuda";
  sys.fingerprint = make_fingerprint(sys);
  return sys;
}

}  // namespace burst
