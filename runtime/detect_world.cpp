// The world part of detect_system(): which rank runs where, on which GPU, and how every pair of
// ranks is connected. Under a communicator of several ranks, every rank sends its host and GPUs to
// rank 0, which assigns GPUs (local rank modulo the GPUs its process sees), groups ranks into
// nodes, classifies links, and broadcasts the answer.
#include <algorithm>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "burst/communicator.hpp"
#include "runtime/detect_internal.hpp"

namespace burst::detect {
namespace {

using nlohmann::json;

// What one rank knows about itself.
json describe_self(const SystemInfo& sys, const NvlinkTopology& topo) {
  json gpus = json::array();
  for (std::size_t g = 0; g < sys.gpus.size(); ++g) {
    json peers = json::array();
    if (topo.loaded && g < topo.remote_pci.size()) peers = topo.remote_pci[g];
    gpus.push_back({{"uuid", sys.gpus[g].uuid},
                    {"pci", normalize_pci_bus_id(sys.gpus[g].pci_bus_id)},
                    {"nvlink_peers", peers}});
  }
  return {{"host", sys.hostname}, {"gpus", gpus}};
}

std::string classify(const json& a, int gpu_a, const json& b, int gpu_b) {
  if (a.at("host") != b.at("host")) return "network";
  if (gpu_a < 0 || gpu_b < 0) return "shared_memory";
  const json& ga = a.at("gpus").at(static_cast<std::size_t>(gpu_a));
  const json& gb = b.at("gpus").at(static_cast<std::size_t>(gpu_b));
  if (ga.at("uuid") == gb.at("uuid")) return "same_gpu";
  const auto& peers = ga.at("nvlink_peers");
  if (std::find(peers.begin(), peers.end(), gb.at("pci")) != peers.end()) return "nvlink";
  return "pcie";
}

// Rank 0: the whole world from every rank's self-description.
json decide(const std::vector<json>& selves) {
  const std::size_t n = selves.size();
  std::map<std::string, int> per_host;
  std::vector<std::string> host_order;
  json ranks = json::array();
  std::vector<int> gpu(n, -1);
  for (std::size_t r = 0; r < n; ++r) {
    const std::string host = selves[r].at("host");
    if (per_host.find(host) == per_host.end()) host_order.push_back(host);
    const int local = per_host[host]++;
    const std::size_t visible = selves[r].at("gpus").size();
    gpu[r] = visible == 0 ? -1 : local % static_cast<int>(visible);
    std::string uuid;
    if (gpu[r] >= 0) uuid = selves[r].at("gpus").at(static_cast<std::size_t>(gpu[r])).at("uuid");
    ranks.push_back(
        {{"rank", r}, {"host", host}, {"local_rank", local}, {"gpu", gpu[r]}, {"gpu_uuid", uuid}});
  }
  int ranks_per_node = 0;
  for (const auto& [host, count] : per_host) ranks_per_node = std::max(ranks_per_node, count);
  json link_class = json::array();
  for (std::size_t i = 0; i < n; ++i) {
    json row = json::array();
    for (std::size_t j = 0; j < n; ++j) {
      row.push_back(i == j ? std::string("self") : classify(selves[i], gpu[i], selves[j], gpu[j]));
    }
    link_class.push_back(row);
  }
  return {{"ranks", ranks},
          {"nodes", static_cast<int>(host_order.size())},
          {"ranks_per_node", ranks_per_node},
          {"link_class", link_class}};
}

void apply_world(SystemInfo& sys, const json& world) {
  sys.ranks.clear();
  for (const auto& r : world.at("ranks")) {
    RankInfo info;
    info.rank = r.at("rank");
    info.host = r.at("host");
    info.local_rank = r.at("local_rank");
    info.gpu = r.at("gpu");
    info.gpu_uuid = r.at("gpu_uuid");
    sys.ranks.push_back(info);
  }
  sys.nodes = world.at("nodes");
  sys.ranks_per_node = world.at("ranks_per_node");
  sys.link_class = world.at("link_class").get<std::vector<std::vector<std::string>>>();
}

}  // namespace

void detect_world(SystemInfo& sys, const NvlinkTopology& topo, Communicator* world) {
  const json self = describe_self(sys, topo);
  if (world == nullptr || world->size() <= 1) {
    apply_world(sys, decide({self}));
    return;
  }
  const std::vector<std::string> gathered = world->gather(self.dump(), 0);
  std::string answer;
  if (world->rank() == 0) {
    std::vector<json> selves;
    selves.reserve(gathered.size());
    for (const auto& text : gathered) selves.push_back(json::parse(text));
    answer = decide(selves).dump();
  }
  std::uint64_t bytes = answer.size();
  world->broadcast(&bytes, sizeof(bytes), 0);
  answer.resize(static_cast<std::size_t>(bytes));
  world->broadcast(answer.data(), answer.size(), 0);
  apply_world(sys, json::parse(answer));
}

}  // namespace burst::detect
