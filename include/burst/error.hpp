// The one error type of libburst (see docs/architecture.md, "two kinds of failure").
//
// Broken invariants and failed library calls (CUDA, NCCL, CUPTI, SQLite, MPI, files) throw
// burst::Error carrying where it was thrown, what was called and the library's own words.
// burst::InvalidArgument is the subclass for bad input (flags, shapes, files, profiles): the CLI
// maps it to exit code 2. Expected outcomes ("this candidate cannot run here") are values.
#pragma once

#include <stdexcept>
#include <string>

namespace burst {

class Error : public std::runtime_error {
 public:
  Error(std::string message, const char* file = "", int line = 0, std::string call = {})
      : std::runtime_error(std::move(message)), file_(file), line_(line), call_(std::move(call)) {}

  const char* file() const noexcept { return file_; }
  int line() const noexcept { return line_; }
  const std::string& call() const noexcept { return call_; }

 private:
  const char* file_;
  int line_;
  std::string call_;
};

// Bad input: a flag, a shape, a file, a profile or a database that is not what was expected.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// A peer did not answer before the deadline (the communicator names rank, peer and step).
class Timeout : public Error {
 public:
  using Error::Error;
};

}  // namespace burst

#define BURST_THROW(ExceptionType, message) throw ExceptionType((message), __FILE__, __LINE__)

// Checks an invariant; the message is only built when it fails.
#define BURST_CHECK(condition, message)                                                                      \
  do {                                                                                                       \
    if (!(condition)) {                                                                                      \
      throw ::burst::Error(std::string("internal check failed: ") + #condition + ": " + (message), __FILE__, \
                           __LINE__, #condition);                                                            \
    }                                                                                                        \
  } while (0)

// Bad input: throws burst::InvalidArgument with the message when the condition is false.
#define BURST_REQUIRE(condition, message)                                            \
  do {                                                                               \
    if (!(condition)) throw ::burst::InvalidArgument((message), __FILE__, __LINE__); \
  } while (0)
