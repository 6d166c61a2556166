// Fingerprint: canonical JSON (sorted keys, no whitespace), its parser, and its short id.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "burst/error.hpp"
#include "profiles/fingerprint_json.hpp"

namespace burst {
namespace {

using nlohmann::json;

constexpr std::string_view known_link_classes[] = {"same_gpu", "nvlink", "pcie", "shared_memory", "network"};

const json& field(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end()) throw InvalidArgument(std::string("fingerprint: missing field '") + name + "'");
  return *it;
}

std::string get_string(const json& j, const char* name) {
  const json& v = field(j, name);
  if (!v.is_string())
    throw InvalidArgument(std::string("fingerprint: field '") + name + "' must be a string");
  return v.get<std::string>();
}

// Non-negative integers only (counts); `minimum` raises the bound (nodes >= 1).
int get_count(const json& j, const char* name, int minimum) {
  const json& v = field(j, name);
  if (!v.is_number_integer())
    throw InvalidArgument(std::string("fingerprint: field '") + name + "' must be an integer");
  const auto value = v.get<std::int64_t>();
  if (value < minimum || value > 1'000'000'000) {
    throw InvalidArgument(std::string("fingerprint: field '") + name + "' must be an integer >= " +
                          std::to_string(minimum) + ", got " + std::to_string(value));
  }
  return static_cast<int>(value);
}

}  // namespace

void to_json(json& j, const Fingerprint& fp) {
  j = json::object();
  j["backend"] = fp.backend;
  j["cpu_model"] = fp.cpu_model;
  j["cpu_cores"] = fp.cpu_cores;
  j["gpu_model"] = fp.gpu_model;
  j["gpu_count"] = fp.gpu_count;
  j["compute_capability"] = fp.compute_capability;
  j["sm_count"] = fp.sm_count;
  j["driver_version"] = fp.driver_version;
  j["cuda_version"] = fp.cuda_version;
  j["nccl_version"] = fp.nccl_version;
  j["nodes"] = fp.nodes;
  j["link_classes"] = fp.link_classes;
}

void from_json(const json& j, Fingerprint& fp) {
  if (!j.is_object())
    throw InvalidArgument("fingerprint: expected a JSON object, got " + std::string(j.type_name()));
  Fingerprint out;
  out.backend = get_string(j, "backend");
  if (out.backend != "cpu" && out.backend != "cuda") {
    throw InvalidArgument("fingerprint: field 'backend' must be \"cpu\" or \"cuda\", got \"" + out.backend +
                          "\"");
  }
  out.cpu_model = get_string(j, "cpu_model");
  out.cpu_cores = get_count(j, "cpu_cores", 1);
  out.gpu_model = get_string(j, "gpu_model");
  out.gpu_count = get_count(j, "gpu_count", 0);
  out.compute_capability = get_string(j, "compute_capability");
  out.sm_count = get_count(j, "sm_count", 0);
  out.driver_version = get_string(j, "driver_version");
  out.cuda_version = get_string(j, "cuda_version");
  out.nccl_version = get_string(j, "nccl_version");
  out.nodes = get_count(j, "nodes", 1);
  // "ranks_per_node" (written before the launch moved into each entry's key) is ignored.
  const json& classes = field(j, "link_classes");
  if (!classes.is_array())
    throw InvalidArgument("fingerprint: field 'link_classes' must be an array of strings");
  for (const auto& c : classes) {
    if (!c.is_string())
      throw InvalidArgument("fingerprint: field 'link_classes' must be an array of strings");
    const auto name = c.get<std::string>();
    bool known = false;
    for (const auto k : known_link_classes) known = known || k == name;
    if (!known) {
      throw InvalidArgument("fingerprint: field 'link_classes' has unknown class \"" + name +
                            "\" (expected same_gpu, nvlink, pcie, shared_memory or network)");
    }
    out.link_classes.push_back(name);
  }
  fp = std::move(out);
}

std::string Fingerprint::to_json() const {
  json j;
  burst::to_json(j, *this);
  return j.dump();  // std::map-backed objects: keys come out sorted
}

Fingerprint Fingerprint::from_json(const std::string& text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw InvalidArgument(std::string("fingerprint: not valid JSON: ") + e.what());
  }
  Fingerprint fp;
  burst::from_json(j, fp);
  return fp;
}

std::string Fingerprint::id() const {
  std::uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis
  for (const unsigned char c : to_json()) {
    hash ^= c;
    hash *= 0x100000001b3ULL;  // FNV-1a 64 prime
  }
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

}  // namespace burst
