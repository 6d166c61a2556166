// base/text.hpp: UTF-8 checks, cutting at a character boundary, escaping control characters.
#include "base/text.hpp"

#include <gtest/gtest.h>

namespace burst::text {
namespace {

bool is_valid(std::string_view s) {
  while (!s.empty()) {
    const std::size_t n = utf8_sequence_length(s);
    if (n == 0) return false;
    s.remove_prefix(n);
  }
  return true;
}

TEST(Text, Utf8SequenceLengths) {
  EXPECT_EQ(utf8_sequence_length("a"), 1u);
  EXPECT_EQ(utf8_sequence_length("\xC3\xA9"), 2u);          // é
  EXPECT_EQ(utf8_sequence_length("\xE2\x82\xAC"), 3u);      // €
  EXPECT_EQ(utf8_sequence_length("\xF0\x9F\x98\x80"), 4u);  // U+1F600
  EXPECT_EQ(utf8_sequence_length("\xFF"), 0u);
  EXPECT_EQ(utf8_sequence_length("\x80"), 0u);              // stray continuation byte
  EXPECT_EQ(utf8_sequence_length("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(utf8_sequence_length("\xED\xA0\x80"), 0u);      // surrogate U+D800
  EXPECT_EQ(utf8_sequence_length("\xE2\x82"), 0u);          // cut sequence
  EXPECT_EQ(utf8_sequence_length("\xF4\x90\x80\x80"), 0u);  // beyond U+10FFFF
}

TEST(Text, ValidUtf8ReplacesEveryBadByte) {
  EXPECT_EQ(valid_utf8("plain é"), "plain é");
  EXPECT_EQ(valid_utf8("a\xFF"
                       "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(valid_utf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(is_valid(valid_utf8("\xC0\xAF\xED\xA0\x80 x \xF8")));
}

TEST(Text, PrefixEndsOnACharacterBoundary) {
  const std::string e3 = "\xC3\xA9\xC3\xA9\xC3\xA9";  // ééé, 6 bytes
  EXPECT_EQ(utf8_prefix(e3, 3), "\xC3\xA9");
  EXPECT_EQ(utf8_prefix(e3, 4), "\xC3\xA9\xC3\xA9");
  EXPECT_EQ(utf8_prefix(e3, 10), e3);
  EXPECT_EQ(utf8_prefix("abc", 2), "ab");
  for (std::size_t n = 0; n <= e3.size(); ++n) EXPECT_TRUE(is_valid(utf8_prefix(e3, n))) << n;
}

TEST(Text, PrintableEscapesControlCharacters) {
  EXPECT_EQ(printable("clear\x1b[2Jscreen"), "clear\\x1b[2Jscreen");
  EXPECT_EQ(printable("bell\a del\x7f"), "bell\\x07 del\\x7f");
  EXPECT_EQ(printable("csi \xC2\x9B"), "csi \\xc2\\x9b");  // U+009B, the one-byte CSI
  EXPECT_EQ(printable("bad \xFF"), "bad \\xff");
  EXPECT_EQ(printable("naïve €, tab\tkept"), "naïve €, tab\tkept");
  EXPECT_EQ(printable("two\nlines"), "two\\x0alines");
  EXPECT_EQ(printable("two\nlines", /*keep_newlines=*/true), "two\nlines");
  EXPECT_EQ(printable("\r"), "\\x0d");
}

}  // namespace
}  // namespace burst::text
