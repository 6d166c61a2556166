// tune --out: the profile file several tuning runs may write at once. The merge happens under an
// exclusive lock on "<out>.lock" and re-reads the file inside it, so every run's entries survive
// (two runs that each read the file at start would otherwise both write "base + mine" and the later
// rename would drop the other's entries).
#pragma once

#include <string>

#include "burst/fingerprint.hpp"
#include "burst/profile.hpp"

namespace burst::cli {

// Merges `incoming` into the profile at `path` (created when missing) and replaces the file
// atomically; returns what the merge did. Throws burst::InvalidArgument when the file holds a
// profile of another fingerprint than `here` or is not a valid profile, without writing.
MergeStats merge_into_profile_file(const std::string& path, const Profile& incoming, const Fingerprint& here);

}  // namespace burst::cli
