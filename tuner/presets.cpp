#include "tuner/presets.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <string>

#include "burst/error.hpp"

namespace burst::tuner {

ModelPreset require_preset(std::string_view name) {
  if (auto p = find_preset(name)) return *p;
  std::string names;
  for (const auto& m : model_presets()) names += (names.empty() ? "" : ", ") + std::string(m.name);
  throw InvalidArgument("--preset " + std::string(name) + ": unknown model; expected one of " + names);
}

std::optional<std::int64_t> parse_seq_length(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t mult = 1;
  const char last = static_cast<char>(std::toupper(static_cast<unsigned char>(text.back())));
  if (last == 'K' || last == 'M') {
    mult = last == 'K' ? 1024 : 1024 * 1024;
    text.remove_suffix(1);
  }
  if (text.empty() || text.size() > 12) return std::nullopt;
  std::int64_t v = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + (ch - '0');
  }
  if (v <= 0 || v > std::numeric_limits<std::int64_t>::max() / mult) return std::nullopt;
  return v * mult;
}

bool apply_preset_mask(const ModelPreset& preset, AttentionShape& shape) {
  if (preset.mask.empty()) return false;
  const MaskKind kind = parse_mask_kind(preset.mask);
  shape.causal = kind == MaskKind::causal || kind == MaskKind::causal_document;
  shape.window_left = preset.window_left;
  shape.window_right = preset.window_right;
  shape.doc_bounds.clear();
  if (kind == MaskKind::full_document || kind == MaskKind::causal_document) {
    std::vector<std::int64_t> parts;
    std::int64_t total = 0;
    std::size_t start = 0;
    while (start < preset.doc_parts.size()) {
      const std::size_t comma = std::min(preset.doc_parts.find(',', start), preset.doc_parts.size());
      parts.push_back(std::stoll(std::string(preset.doc_parts.substr(start, comma - start))));
      total += parts.back();
      start = comma + 1;
    }
    shape.doc_bounds.push_back(0);
    for (std::size_t i = 0; i + 1 < parts.size(); ++i)
      shape.doc_bounds.push_back(shape.doc_bounds.back() +
                                 std::max<std::int64_t>(1, shape.seq * parts[i] / total));
    shape.doc_bounds.push_back(shape.seq);
    if (shape.doc_bounds[shape.doc_bounds.size() - 2] >= shape.seq)
      throw InvalidArgument("--preset " + std::string(preset.name) + ": --seq " + std::to_string(shape.seq) +
                            " is too short for its " + std::to_string(parts.size()) + " documents");
  }
  return true;
}

}  // namespace burst::tuner
