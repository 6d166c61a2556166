#include "tuner/presets.hpp"

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

}  // namespace burst::tuner
