// NVLink topology from NVML. libnvidia-ml.so.1 ships with the driver, not the toolkit, so it is
// loaded at run time; when it is absent (no driver, CPU machines) the answer is "not loaded".
//
// Sharp edges: the few NVML types and prototypes below are declared here (there is no nvml.h in
// the toolkit); they follow nvml.h of driver >= 450 and must not be changed without checking it.
#include <dlfcn.h>

#include <cctype>
#include <cstdio>
#include <string>

#include "runtime/detect_internal.hpp"

namespace burst::detect {
namespace {

using nvml_return = int;  // nvmlReturn_t; 0 is NVML_SUCCESS
using nvml_device = struct nvml_device_opaque*;
enum nvml_enable_state : int { nvml_feature_disabled = 0, nvml_feature_enabled = 1 };
constexpr unsigned nvml_max_links = 18;  // NVML_NVLINK_MAX_LINKS

struct nvml_pci_info {  // nvmlPciInfo_t
  char bus_id_legacy[16];
  unsigned domain, bus, device, pci_device_id, pci_subsystem_id;
  char bus_id[32];
};

struct nvml_api {
  void* handle = nullptr;
  nvml_return (*init)() = nullptr;
  nvml_return (*shutdown)() = nullptr;
  nvml_return (*handle_by_pci)(const char*, nvml_device*) = nullptr;
  nvml_return (*link_state)(nvml_device, unsigned, nvml_enable_state*) = nullptr;
  nvml_return (*remote_pci)(nvml_device, unsigned, nvml_pci_info*) = nullptr;

  nvml_api() {
    handle = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) return;
    load(init, "nvmlInit_v2");
    load(shutdown, "nvmlShutdown");
    load(handle_by_pci, "nvmlDeviceGetHandleByPciBusId_v2");
    load(link_state, "nvmlDeviceGetNvLinkState");
    load(remote_pci, "nvmlDeviceGetNvLinkRemotePciInfo_v2");
  }
  ~nvml_api() {
    if (handle != nullptr) dlclose(handle);
  }
  nvml_api(const nvml_api&) = delete;
  nvml_api& operator=(const nvml_api&) = delete;

  bool complete() const { return init && shutdown && handle_by_pci && link_state && remote_pci; }

 private:
  template <typename Fn>
  void load(Fn& fn, const char* symbol) {
    fn = reinterpret_cast<Fn>(dlsym(handle, symbol));
  }
};

}  // namespace

std::string normalize_pci_bus_id(std::string_view text) {
  unsigned domain = 0, bus = 0, device = 0, function = 0;
  const std::string s(text);
  if (std::sscanf(s.c_str(), "%x:%x:%x.%x", &domain, &bus, &device, &function) == 4) {
    char out[32];
    std::snprintf(out, sizeof(out), "%04x:%02x:%02x.%x", domain & 0xffffu, bus, device, function);
    return out;
  }
  std::string lower = s;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

int count_nvlinks(const NvlinkTopology& topo, int from, const std::string& to_pci) {
  if (!topo.loaded || from < 0 || static_cast<std::size_t>(from) >= topo.remote_pci.size()) return -1;
  const std::string want = normalize_pci_bus_id(to_pci);
  int links = 0;
  for (const auto& remote : topo.remote_pci[static_cast<std::size_t>(from)]) links += remote == want ? 1 : 0;
  return links;
}

NvlinkTopology detect_nvlinks(const std::vector<std::string>& pci_bus_ids) {
  NvlinkTopology topo;
  if (pci_bus_ids.empty()) return topo;
  nvml_api nvml;
  if (!nvml.complete() || nvml.init() != 0) return topo;
  topo.loaded = true;
  topo.remote_pci.resize(pci_bus_ids.size());
  for (std::size_t g = 0; g < pci_bus_ids.size(); ++g) {
    nvml_device dev = nullptr;
    if (nvml.handle_by_pci(pci_bus_ids[g].c_str(), &dev) != 0) continue;
    for (unsigned link = 0; link < nvml_max_links; ++link) {
      nvml_enable_state state = nvml_feature_disabled;
      if (nvml.link_state(dev, link, &state) != 0 || state != nvml_feature_enabled) continue;
      nvml_pci_info remote{};
      if (nvml.remote_pci(dev, link, &remote) != 0) continue;
      topo.remote_pci[g].push_back(normalize_pci_bus_id(remote.bus_id));
    }
  }
  nvml.shutdown();
  return topo;
}

}  // namespace burst::detect
