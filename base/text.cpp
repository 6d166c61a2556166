// UTF-8 checks and the escaping of control characters (base/text.hpp).
#include "base/text.hpp"

#include <cstdint>

namespace burst::text {
namespace {

bool continuation(unsigned char c) noexcept {
  return (c & 0xC0U) == 0x80U;
}

void append_hex(std::string& out, unsigned char c) {
  static constexpr char digits[] = "0123456789abcdef";
  out += "\\x";
  out += digits[c >> 4U];
  out += digits[c & 0x0FU];
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view text) noexcept {
  if (text.empty()) return 0;
  const auto c0 = static_cast<unsigned char>(text[0]);
  if (c0 < 0x80U) return 1;
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (c0 >= 0xC2U && c0 <= 0xDFU) {
    n = 2;
    cp = c0 & 0x1FU;
  } else if (c0 >= 0xE0U && c0 <= 0xEFU) {
    n = 3;
    cp = c0 & 0x0FU;
  } else if (c0 >= 0xF0U && c0 <= 0xF4U) {
    n = 4;
    cp = c0 & 0x07U;
  } else {
    return 0;  // continuation byte, C0/C1 overlong lead, or beyond U+10FFFF
  }
  if (text.size() < n) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!continuation(c)) return 0;
    cp = (cp << 6U) | (c & 0x3FU);
  }
  const bool overlong = (n == 3 && cp < 0x800U) || (n == 4 && cp < 0x10000U);
  const bool surrogate = cp >= 0xD800U && cp <= 0xDFFFU;
  if (overlong || surrogate || cp > 0x10FFFFU) return 0;
  return n;
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const std::size_t n = utf8_sequence_length(text);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      text.remove_prefix(1);
    } else {
      out.append(text.substr(0, n));
      text.remove_prefix(n);
    }
  }
  return out;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  // Step back over continuation bytes to the start of the character that would be cut.
  while (end > 0 && continuation(static_cast<unsigned char>(text[end]))) --end;
  return text.substr(0, end);
}

std::string printable(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const std::size_t n = utf8_sequence_length(text);
    const auto c = static_cast<unsigned char>(text[0]);
    if (n == 0) {
      append_hex(out, c);
      text.remove_prefix(1);
      continue;
    }
    const bool kept = c == '\t' || (keep_newlines && c == '\n');
    const bool c0_or_del = n == 1 && ((c < 0x20U && !kept) || c == 0x7FU);
    // U+0080..U+009F (C1 controls, e.g. CSI U+009B) are encoded as C2 80..C2 9F.
    const bool c1 = n == 2 && c == 0xC2U && static_cast<unsigned char>(text[1]) < 0xA0U;
    if (c0_or_del) {
      append_hex(out, c);
    } else if (c1) {
      append_hex(out, c);
      append_hex(out, static_cast<unsigned char>(text[1]));
    } else {
      out.append(text.substr(0, n));
    }
    text.remove_prefix(n);
  }
  return out;
}

}  // namespace burst::text
