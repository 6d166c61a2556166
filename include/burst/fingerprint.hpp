// The hardware and software fingerprint of the system a tuned profile was measured on, so a profile
// is trusted only where its numbers hold. It describes the machine, not the job: the world size and
// how the ranks were launched (threads or processes) are part of each profile entry's key instead.
// detect_system() computes it the same way for `burst-tune detect`, `tune`, `trace`, libburst and
// the C ABI; docs/detect.md documents every field and docs/profiles.md how profiles use it.
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
  int gpu_count = 0;               // GPUs of one node (visible to this process)
  std::string compute_capability;  // "9.0"
  int sm_count = 0;
  std::string driver_version;  // CUDA driver API version, "13.0"
  std::string cuda_version;    // CUDA runtime version, "13.0"
  std::string nccl_version;    // "2.28.9"
  // The cluster: nodes the world spans (1 without a communicator of several hosts) and the kinds of
  // link ranks placed on this hardware use: "shared_memory" between ranks on one host's CPUs;
  // between GPUs "nvlink" or "pcie" for each pair of this node's GPUs, "same_gpu" when the node has
  // one GPU; "network" when nodes > 1. Sorted, unique; independent of the world size.
  int nodes = 1;
  std::vector<std::string> link_classes;

  bool operator==(const Fingerprint&) const = default;

  // Canonical JSON text (keys sorted, no whitespace) and a short stable id derived from it
  // (16 hex digits of its FNV-1a 64-bit hash).
  std::string to_json() const;
  static Fingerprint from_json(const std::string& text);  // throws burst::InvalidArgument
  std::string id() const;
};

}  // namespace burst
