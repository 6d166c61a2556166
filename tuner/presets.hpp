// Model presets for workloads: the attention shape of common LLMs (heads, KV heads, head dim),
// used by `tune --preset` and `plan --preset`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "burst/schedule.hpp"

namespace burst::tuner {

struct ModelPreset {
  std::string_view name;
  std::int64_t heads = 0, kv_heads = 0, head_dim = 0;
  std::string_view note;
  // The mask of the workload beyond --causal (burst/mask.hpp); empty: --causal decides.
  std::string_view mask = {};
  std::string_view doc_parts = {};  // documents as parts of --seq, "5,1,3,7" (for *_document)
  std::int64_t window_left = -1, window_right = -1;
};

inline const std::vector<ModelPreset>& model_presets() {
  static const std::vector<ModelPreset> list = {
      {"llama2-7b", 32, 32, 128, "Llama 2 7B: multi-head attention"},
      {"llama2-70b", 64, 8, 128, "Llama 2 70B: GQA 8"},
      {"llama3-8b", 32, 8, 128, "Llama 3 8B: GQA 8"},
      {"llama3-70b", 64, 8, 128, "Llama 3 70B: GQA 8"},
      {"mistral-7b", 32, 8, 128, "Mistral 7B: GQA 8"},
      {"small", 8, 2, 64, "a small GQA shape that tunes in a minute on a CPU"},
      {"small-docs", 8, 4, 64,
       "8/4 heads (Ulysses up to degree 4), 4 causal documents of 5:1:3:7 parts of --seq", "causal_document",
       "5,1,3,7"},
      {"small-window", 8, 2, 64, "small with a causal sliding window of 128 tokens", "sliding_window", "",
       128, 0},
  };
  return list;
}

inline std::optional<ModelPreset> find_preset(std::string_view name) {
  for (const auto& p : model_presets())
    if (p.name == name) return p;
  return std::nullopt;
}

// find_preset, or burst::InvalidArgument "--preset NAME: unknown model; expected one of ...".
ModelPreset require_preset(std::string_view name);

// Sets shape.causal, doc_bounds and the window from the preset's mask (shape.seq set first); false
// when the preset has none. Documents split seq by the parts, the last one taking the remainder.
bool apply_preset_mask(const ModelPreset& preset, AttentionShape& shape);

// "4096", "128K", "1M" (K = 1024, M = 1024^2); nullopt when not a positive length.
std::optional<std::int64_t> parse_seq_length(std::string_view text);

}  // namespace burst::tuner
