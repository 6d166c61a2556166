// libFuzzer harness: the profile reader on arbitrary text, both entry points: validate_profile_text
// (what `burst-tune validate` reports; must not throw) and parse_profile (what BURST_PROFILE and
// run --profile load; throws burst::InvalidArgument for a bad profile). Any other exception, a
// crash, an ASan or UBSan report, or a hang is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "burst/error.hpp"
#include "burst/log.hpp"
#include "burst/profile.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  burst::set_log_level(burst::LogLevel::error);  // parse_profile's warnings would flood the output
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)burst::validate_profile_text(text, "fuzz.json");
  try {
    (void)burst::parse_profile(text, "fuzz.json");
  } catch (const burst::InvalidArgument&) {
  }
  return 0;
}
