// Runs the real burst-tune binary (BURST_TUNE_EXE) as a subprocess and captures what it says.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "support/text_file.hpp"

namespace burst::test {

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

// `args` is appended to the command line as is (the tests only pass plain words); `env`, when
// given, is put before the program ("A=1 B=2", the `env` command's form).
inline CliResult run_cli(const std::string& args, const std::string& env = "") {
  char dir_template[] = "/tmp/burst_cli_test_XXXXXX";
  const char* dir = mkdtemp(dir_template);
  CliResult r;
  if (dir == nullptr) return r;
  const std::string out = std::string(dir) + "/out", err = std::string(dir) + "/err";
  // Not under MPI, whatever launched the test.
  const std::string command = "env -u OMPI_COMM_WORLD_SIZE -u PMI_SIZE -u PMIX_RANK " + env +
                              " '" BURST_TUNE_EXE "' " + args + " >'" + out + "' 2>'" + err + "'";
  const int status = std::system(command.c_str());
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  rmdir(dir);
  return r;
}

inline int count_lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n' ? 1 : 0;
  return n;
}

}  // namespace burst::test
