#include "tuner/presets.hpp"

#include <cctype>
#include <limits>

namespace burst::tuner {

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
