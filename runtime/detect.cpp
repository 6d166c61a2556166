// detect_system(): host, CUDA, NVLink, NCCL and the world, and the fingerprint that tuned profiles
// embed. The pieces live in detect_host.cpp, detect_cuda.cpp, detect_nvml.cpp and detect_world.cpp.
#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "burst/communicator.hpp"
#include "burst/system.hpp"
#include "runtime/detect_internal.hpp"

namespace burst {
namespace {

Fingerprint make_fingerprint(const SystemInfo& sys, int my_rank) {
  Fingerprint fp;
  fp.backend = sys.backend;
  fp.cpu_model = sys.cpu_model;
  fp.cpu_cores = sys.cpu_cores;
  if (sys.backend == "cuda") {
    // The GPU this rank uses (rank 0 writes profiles); one process alone may drive every local GPU.
    int mine = 0;
    if (static_cast<std::size_t>(my_rank) < sys.ranks.size() &&
        sys.ranks[static_cast<std::size_t>(my_rank)].gpu >= 0) {
      mine = sys.ranks[static_cast<std::size_t>(my_rank)].gpu;
    }
    const GpuInfo& g = sys.gpus.at(static_cast<std::size_t>(mine));
    fp.gpu_model = g.name;
    fp.compute_capability = std::to_string(g.cc_major) + "." + std::to_string(g.cc_minor);
    fp.sm_count = g.sm_count;
    if (sys.ranks.size() > 1) {
      std::set<std::pair<std::string, std::string>> used;  // (host, uuid)
      for (const auto& r : sys.ranks) {
        if (r.gpu >= 0) used.insert({r.host, r.gpu_uuid});
      }
      fp.gpu_count = static_cast<int>(used.size());
    } else {
      fp.gpu_count = static_cast<int>(sys.gpus.size());
    }
    fp.driver_version = detect::cuda_version_text(sys.cuda_driver_version);
    fp.cuda_version = detect::cuda_version_text(sys.cuda_runtime_version);
    fp.nccl_version = sys.nccl_version;
  }
  fp.nodes = sys.nodes;
  fp.ranks_per_node = sys.ranks_per_node;
  std::set<std::string> classes;
  for (const auto& row : sys.link_class) {
    for (const auto& c : row) {
      if (c != "self") classes.insert(c);
    }
  }
  fp.link_classes.assign(classes.begin(), classes.end());
  return fp;
}

}  // namespace

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
  sys.fingerprint = make_fingerprint(sys, world != nullptr ? world->rank() : 0);
  return sys;
}

}  // namespace burst
