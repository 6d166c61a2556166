// Renderings of burst-tune detect: the JSON document (every field is documented in
// docs/detect.md; change both together) and the human table.
#include "cli/cmd_detect_output.hpp"

#include <fmt/core.h>

#include <string>

#include "burst/config.hpp"
#include "profiles/fingerprint_json.hpp"

namespace burst::cli {
namespace {

using nlohmann::json;

// 13000 -> "13.0"; 0 -> null.
json cuda_version(int v) {
  if (v <= 0) return nullptr;
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

std::string cuda_version_or(int v, const char* absent) {
  const json j = cuda_version(v);
  return j.is_null() ? std::string(absent) : j.get<std::string>();
}

std::string gib(std::uint64_t bytes) {
  return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1ull << 30));
}
std::string mib(std::uint64_t bytes) {
  return fmt::format("{:.0f} MiB", static_cast<double>(bytes) / (1ull << 20));
}
std::string mhz(int khz) {
  return khz > 0 ? fmt::format("{} MHz", khz / 1000) : std::string("-");
}

std::string isa_text(const SystemInfo& s) {
  std::string t;
  for (const auto& [on, name] : {std::pair{s.avx512, "AVX-512F"}, {s.avx2, "AVX2"}, {s.fma, "FMA"}}) {
    if (on) t += (t.empty() ? "" : ", ") + std::string(name);
  }
  return t.empty() ? std::string("no AVX2/AVX-512F/FMA") : t;
}

}  // namespace

std::string backend_sentence(const SystemInfo& sys) {
  if (sys.backend == "cuda") {
    return fmt::format("CUDA backend: {} GPU{} usable; burst-tune will tune on the GPUs.", sys.gpus.size(),
                       sys.gpus.size() == 1 ? "" : "s");
  }
  return fmt::format("No GPU: {}; burst-tune will use the CPU backend.", sys.gpu_status);
}

json detect_to_json(const SystemInfo& sys) {
  json host = {{"hostname", sys.hostname},
               {"cpu_model", sys.cpu_model},
               {"cpu_cores", sys.cpu_cores},
               {"memory_bytes", sys.memory_bytes},
               {"avx2", sys.avx2},
               {"avx512f", sys.avx512},
               {"fma", sys.fma}};
  json cuda = {{"built", BURST_HAVE_CUDA != 0},
               {"architectures", BURST_CUDA_ARCHS},
               {"driver_version", cuda_version(sys.cuda_driver_version)},
               {"driver_version_code", sys.cuda_driver_version},
               {"runtime_version", cuda_version(sys.cuda_runtime_version)},
               {"runtime_version_code", sys.cuda_runtime_version},
               {"device_count", sys.gpus.size()},
               {"status", sys.gpus.empty() ? json(sys.gpu_status) : json(nullptr)},
               {"nvml", sys.nvml}};
  json gpus = json::array();
  for (const auto& g : sys.gpus) {
    gpus.push_back({{"index", g.index},
                    {"name", g.name},
                    {"uuid", g.uuid},
                    {"pci_bus_id", g.pci_bus_id},
                    {"compute_capability", fmt::format("{}.{}", g.cc_major, g.cc_minor)},
                    {"sm_count", g.sm_count},
                    {"memory_bytes", g.memory_bytes},
                    {"l2_bytes", g.l2_bytes},
                    {"clock_khz", g.clock_khz},
                    {"memory_clock_khz", g.memory_clock_khz}});
  }
  json peers = json::array();
  for (const auto& p : sys.peers) {
    peers.push_back({{"from", p.from},
                     {"to", p.to},
                     {"access", p.access},
                     {"perf_rank", p.perf_rank >= 0 ? json(p.perf_rank) : json(nullptr)},
                     {"nvlinks", p.nvlinks >= 0 ? json(p.nvlinks) : json(nullptr)}});
  }
  json ranks = json::array();
  for (const auto& r : sys.ranks) {
    ranks.push_back({{"rank", r.rank},
                     {"host", r.host},
                     {"local_rank", r.local_rank},
                     {"gpu", r.gpu >= 0 ? json(r.gpu) : json(nullptr)},
                     {"gpu_uuid", r.gpu >= 0 ? json(r.gpu_uuid) : json(nullptr)}});
  }
  json world = {{"size", sys.ranks.size()},
                {"nodes", sys.nodes},
                {"ranks_per_node", sys.ranks_per_node},
                {"ranks", ranks},
                {"link_class", sys.link_class}};
  return {{"schema", "burst-detect/1"},
          {"host", host},
          {"cuda", cuda},
          {"gpus", gpus},
          {"peers", peers},
          {"nccl", {{"version", sys.nccl_version.empty() ? json(nullptr) : json(sys.nccl_version)}}},
          {"world", world},
          {"backend", sys.backend},
          {"backend_reason", backend_sentence(sys)},
          {"fingerprint", sys.fingerprint},
          {"fingerprint_id", sys.fingerprint.id()}};
}

std::string detect_to_table(const SystemInfo& sys, bool verbose) {
  std::string out;
  auto line = [&out](const std::string& text) { out += text + "\n"; };

  line("Host");
  line(fmt::format("  hostname      {}", sys.hostname));
  line(fmt::format("  CPU           {} ({} logical cores; {})", sys.cpu_model, sys.cpu_cores, isa_text(sys)));
  line(fmt::format("  memory        {}", gib(sys.memory_bytes)));

  line("\nCUDA");
  line(fmt::format("  build         {}", BURST_HAVE_CUDA
                                             ? fmt::format("CUDA on, architectures {}", BURST_CUDA_ARCHS)
                                             : std::string("CUDA off (CPU-only build)")));
  line(fmt::format("  driver        {}", cuda_version_or(sys.cuda_driver_version, "not found")));
  line(fmt::format("  runtime       {}", cuda_version_or(sys.cuda_runtime_version, "-")));
  line(fmt::format("  devices       {}",
                   sys.gpus.empty() ? "none: " + sys.gpu_status : std::to_string(sys.gpus.size())));
  line(fmt::format("  NVML          {}",
                   sys.nvml ? "loaded (NVLink state below)" : "not loaded (no NVLink data)"));

  if (!sys.gpus.empty()) {
    line("\nGPUs");
    line(fmt::format("  {:>3}  {:<28} {:>4} {:>4} {:>10} {:>8} {:>9} {:>9}  {:<12}  {}", "#", "name", "cc",
                     "SMs", "memory", "L2", "clock", "mem clock", "PCI bus id", "UUID"));
    for (const auto& g : sys.gpus) {
      line(fmt::format("  {:>3}  {:<28} {:>4} {:>4} {:>10} {:>8} {:>9} {:>9}  {:<12}  {}", g.index, g.name,
                       fmt::format("{}.{}", g.cc_major, g.cc_minor), g.sm_count, gib(g.memory_bytes),
                       mib(g.l2_bytes), mhz(g.clock_khz), mhz(g.memory_clock_khz), g.pci_bus_id, g.uuid));
    }
  }
  if (sys.gpus.size() > 1) {
    line("\nPeer matrix (row -> column: P2P access / performance rank / active NVLink links)");
    std::string head = "        ";
    for (const auto& g : sys.gpus) head += fmt::format("{:>15}", fmt::format("GPU{}", g.index));
    line(head);
    for (const auto& from : sys.gpus) {
      std::string row = fmt::format("  {:<6}", fmt::format("GPU{}", from.index));
      for (const auto& to : sys.gpus) {
        std::string cell = "-";
        for (const auto& p : sys.peers) {
          if (p.from != from.index || p.to != to.index) continue;
          cell = fmt::format("{}/{}/{}", p.access ? "yes" : "no",
                             p.perf_rank >= 0 ? std::to_string(p.perf_rank) : "?",
                             p.nvlinks >= 0 ? std::to_string(p.nvlinks) : "?");
        }
        row += fmt::format("{:>15}", cell);
      }
      line(row);
    }
  }

  line("\nNCCL");
  line(fmt::format("  version       {}", sys.nccl_version.empty() ? "not built in" : sys.nccl_version));

  line("\nWorld");
  line(fmt::format("  {} rank{} on {} node{} ({} rank{} per node)", sys.ranks.size(),
                   sys.ranks.size() == 1 ? "" : "s", sys.nodes, sys.nodes == 1 ? "" : "s", sys.ranks_per_node,
                   sys.ranks_per_node == 1 ? "" : "s"));
  line(fmt::format("  {:>4}  {:<24} {:>5}  {:>4}  {}", "rank", "host", "local", "GPU", "GPU UUID"));
  for (const auto& r : sys.ranks) {
    line(fmt::format("  {:>4}  {:<24} {:>5}  {:>4}  {}", r.rank, r.host, r.local_rank,
                     r.gpu >= 0 ? std::to_string(r.gpu) : "-", r.gpu >= 0 ? r.gpu_uuid : "-"));
  }
  if (sys.ranks.size() > 1) {
    line("  link classes (row rank -> column rank):");
    std::string head = "        ";
    for (const auto& r : sys.ranks) head += fmt::format("{:>15}", fmt::format("rank {}", r.rank));
    line(head);
    for (std::size_t i = 0; i < sys.link_class.size(); ++i) {
      std::string row = fmt::format("  {:<6}", fmt::format("rank {}", i));
      for (const auto& c : sys.link_class[i]) row += fmt::format("{:>15}", c);
      line(row);
    }
  }

  line("\nBackend");
  line("  " + backend_sentence(sys));
  line(fmt::format("\nFingerprint   {}", sys.fingerprint.id()));
  if (verbose) line("  " + sys.fingerprint.to_json());
  return out;
}

}  // namespace burst::cli
