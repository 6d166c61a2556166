// A fresh directory for one test: made with mkdtemp (unique across the parallel ctest processes and
// the tests of one process), removed with everything in it when the object goes, also when an
// ASSERT ends the test early.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace burst::test {

class TempDir {
 public:
  // `tag` goes into the name (/tmp/burst_<tag>_XXXXXX) so a leftover says which test made it.
  explicit TempDir(const std::string& tag = "test") {
    std::string name = (std::filesystem::temp_directory_path() / ("burst_" + tag + "_XXXXXX")).string();
    if (mkdtemp(name.data()) == nullptr) throw std::filesystem::filesystem_error("mkdtemp", name, {});
    path = name;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path / name).string(); }
  std::string operator/(const std::string& name) const { return file(name); }

  std::filesystem::path path;
};

}  // namespace burst::test
