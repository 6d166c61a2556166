// The hardware + software fingerprint of a machine (or cluster) that tuned profiles embed, so a
// profile is only trusted on the kind of system it was measured on. `burst-tune detect --json`
// prints it under "fingerprint"; docs/detect.md documents every field.
#pragma once

#include <string>
#include <vector>

namespace burst {

struct Fingerprint {
  std::string backend;  // "cpu" or "cuda": what the tool tunes on here
  // Host (always filled).
  std::string cpu_model;
  int cpu_cores = 0;  // logical cores of one node
  // GPUs ("" / 0 on the CPU backend).
  std::string gpu_model;
  int gpu_count = 0;               // GPUs used in all (ranks on GPUs)
  std::string compute_capability;  // "9.0"
  int sm_count = 0;
  std::string driver_version;  // CUDA driver API version, "13.0"
  std::string cuda_version;    // CUDA runtime version, "13.0"
  std::string nccl_version;    // "2.28.9"
  // Topology of the world the tool runs in.
  int nodes = 1;
  int ranks_per_node = 1;
  std::vector<std::string>
      link_classes;  // sorted, unique: "same_gpu" "nvlink" "pcie" "network" "shared_memory"

  bool operator==(const Fingerprint&) const = default;

  // Canonical JSON text (keys sorted, no whitespace) and a short stable id derived from it
  // (16 hex digits of its FNV-1a 64-bit hash).
  std::string to_json() const;
  static Fingerprint from_json(const std::string& text);  // throws burst::InvalidArgument
  std::string id() const;
};

}  // namespace burst
