// Whole-file text helpers for tests.
#pragma once

#include <fstream>
#include <iterator>
#include <string>

namespace burst::test {

// The file's contents ("" when it cannot be read).
inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace burst::test
