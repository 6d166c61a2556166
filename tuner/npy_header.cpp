// parse_npy_header: a cursor over the header text; every step consumes at least one byte or fails.
#include "tuner/npy_header.hpp"

#include <cctype>

#include "burst/error.hpp"

namespace burst::tuner {
namespace {

// Header text quoted in a message: at most 40 bytes, non-printable bytes as '?'.
std::string excerpt(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < 40; ++i)
    out += std::isprint(static_cast<unsigned char>(s[i])) ? s[i] : '?';
  return s.size() > 40 ? out + "..." : out;
}

class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& path) : s_(text), path_(path) {}

  NpyHeader parse() {
    NpyHeader h;
    bool seen_descr = false, seen_order = false, seen_shape = false;
    skip_space();
    expect('{', "the header dict to start with '{'");
    for (;;) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = string_literal("a quoted key or '}'");
      skip_space();
      expect(':', "':' after key '" + excerpt(key) + "'");
      skip_space();
      if (key == "descr") {
        once(seen_descr, key);
        if (peek() == '[') fail("structured dtypes are not supported (expected 'descr': '<f4' or '<f2')");
        h.descr = string_literal("a quoted dtype after 'descr'");
      } else if (key == "fortran_order") {
        once(seen_order, key);
        h.fortran_order = boolean();
      } else if (key == "shape") {
        once(seen_shape, key);
        h.shape = shape_tuple();
      } else {
        fail("unexpected key '" + excerpt(key) + "' (expected 'descr', 'fortran_order' and 'shape')");
      }
      skip_space();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() != '}') fail_expected("',' or '}' after the value of '" + key + "'");
    }
    ++i_;  // '}'
    skip_space();
    if (i_ != s_.size()) fail_expected("only padding (spaces, newline) after the header dict");
    if (!seen_descr) bad("header has no 'descr'");
    if (!seen_order) bad("header has no 'fortran_order'");
    if (!seen_shape) bad("header has no 'shape'");
    return h;
  }

 private:
  [[noreturn]] void bad(const std::string& what) const {
    throw InvalidArgument(path_ + ": not a usable .npy file: " + what);
  }
  [[noreturn]] void fail(const std::string& what) const {
    bad(what + " at header byte " + std::to_string(i_));
  }
  [[noreturn]] void fail_expected(const std::string& what) const {
    const std::string found =
        i_ < s_.size() ? "'" + excerpt(s_.substr(i_, 1)) + "'" : "the end of the header";
    fail("expected " + what + ", found " + found);
  }

  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  bool at_end() const { return i_ >= s_.size(); }

  void skip_space() {
    while (!at_end() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  void expect(char c, const std::string& what) {
    if (at_end() || s_[i_] != c) fail_expected(what);
    ++i_;
  }

  void once(bool& seen, const std::string& key) {
    if (seen) fail("key '" + key + "' given twice");
    seen = true;
  }

  // 'text' or "text" without escapes (what numpy writes for keys and simple dtypes).
  std::string string_literal(const std::string& what) {
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail_expected(what);
    const std::size_t start = ++i_;
    while (!at_end() && s_[i_] != quote) {
      if (s_[i_] == '\\') fail("escape sequences in header strings are not supported");
      if (s_[i_] == '\n') fail("unterminated string");
      ++i_;
    }
    if (at_end()) fail("unterminated string");
    return std::string(s_.substr(start, i_++ - start));
  }

  bool boolean() {
    if (s_.substr(i_, 4) == "True") {
      i_ += 4;
      return true;
    }
    if (s_.substr(i_, 5) == "False") {
      i_ += 5;
      return false;
    }
    fail_expected("True or False after 'fortran_order'");
  }

  // (d0, d1, ...) with an optional trailing comma; "(3)" is accepted like "(3,)".
  std::vector<std::int64_t> shape_tuple() {
    std::vector<std::int64_t> dims;
    expect('(', "a tuple such as (2, 3) after 'shape'");
    for (;;) {
      skip_space();
      if (peek() == ')') break;
      dims.push_back(dimension());
      if (dims.size() > 64) fail("shape has more than 64 dimensions");
      skip_space();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() != ')') fail_expected("',' or ')' in the shape");
    }
    ++i_;  // ')'
    return dims;
  }

  std::int64_t dimension() {
    if (peek() == '-') fail("shape has a negative dimension");
    if (!std::isdigit(static_cast<unsigned char>(peek())))
      fail_expected("a dimension (a non-negative integer)");
    const std::size_t start = i_;
    std::int64_t v = 0;
    while (!at_end() && std::isdigit(static_cast<unsigned char>(s_[i_]))) {
      if (i_ - start >= 15) fail("dimension " + excerpt(s_.substr(start)) + " in the shape is implausible");
      v = v * 10 + (s_[i_++] - '0');
    }
    return v;
  }

  std::string_view s_;
  const std::string& path_;
  std::size_t i_ = 0;
};

}  // namespace

NpyHeader parse_npy_header(std::string_view text, const std::string& path) {
  return HeaderParser(text, path).parse();
}

}  // namespace burst::tuner
