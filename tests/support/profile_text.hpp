// A profile file's text with one entry (heads 2, kv_heads 2, head_dim 32, fp32, any sequence length
// up to 100000) on a CPU fingerprint that is foreign to every real machine: what the CLI tests
// write when they need a profile without tuning one.
#pragma once

#include <string>

namespace burst::test {

inline std::string one_entry_profile(int world, bool causal, const std::string& pass,
                                     const std::string& params) {
  return std::string(R"({"schema": "burst-profile/1",
  "fingerprint": {"backend": "cpu", "cpu_model": "x", "cpu_cores": 2, "gpu_model": "", "gpu_count": 0,
    "compute_capability": "", "sm_count": 0, "driver_version": "", "cuda_version": "", "nccl_version": "",
    "nodes": 1, "ranks_per_node": 1, "link_classes": []},
  "entries": [{"key": {"world_size": )") +
         std::to_string(world) +
         R"(, "heads": 2, "kv_heads": 2, "head_dim": 32, "dtype": "fp32", "causal": )" +
         (causal ? "true" : "false") + R"(, "pass": ")" + pass + R"(", "seq_min": 1, "seq_max": 100000},
               "params": )" +
         params + R"(,
               "measured": {"median_s": 0.01, "noise": 0.01, "tflops": 0.1, "speedup_vs_default": 1.1},
               "provenance": {"tool_version": "0.1.0", "date": "2026-01-01T00:00:00Z"}}]})";
}

}  // namespace burst::test
