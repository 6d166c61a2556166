// libFuzzer harness: tuner::read_npy on arbitrary bytes. A refusal (burst::InvalidArgument, one
// line) is the expected outcome for almost every input; any other exception, a crash, a leak, an
// ASan or UBSan report, or a hang is a finding.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "burst/error.hpp"
#include "tuner/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    const burst::tuner::NpyArray a = burst::tuner::read_npy(in, size, "fuzz.npy");
    std::uint64_t count = 1;
    for (std::int64_t d : a.shape) count *= static_cast<std::uint64_t>(d);
    if (count != a.data.size()) __builtin_trap();  // the data must be exactly what the shape says
  } catch (const burst::InvalidArgument& e) {
    if (std::string(e.what()).find('\n') != std::string::npos) __builtin_trap();  // one line
  }
  return 0;
}
