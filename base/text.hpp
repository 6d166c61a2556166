// Text that reaches a terminal or a JSON document: well-formed UTF-8 and no control characters.
// Internal to the tools and libburst (not installed): profiles/ uses it for messages that quote
// a profile's values, db/ and cli/ for database strings they print (docs/trace-schema.md).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace burst::text {

// Length of the well-formed UTF-8 sequence that starts at text[0] (1..4), or 0 when the bytes there
// are not one (a stray continuation byte, an overlong form, a surrogate, a cut sequence).
std::size_t utf8_sequence_length(std::string_view text) noexcept;

// `text` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD, so the result
// can be written into JSON (nlohmann's dump throws on invalid UTF-8).
std::string valid_utf8(std::string_view text);

// The longest prefix of `text` of at most `max_bytes` bytes that ends on a character boundary.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept;

// `text` for a terminal: printable UTF-8 (ASCII and non-ASCII) kept, every control character
// (C0, DEL, C1: "\x1b[2J" would clear the screen) and every invalid byte written as "\xNN";
// tab kept, and newlines too with `keep_newlines` (for a whole report; a single field written on
// one line escapes them). A backslash stays a backslash.
std::string printable(std::string_view text, bool keep_newlines = false);

}  // namespace burst::text
