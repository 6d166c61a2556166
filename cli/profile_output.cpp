#include "cli/profile_output.hpp"

#include <filesystem>

#include "base/file_lock.hpp"
#include "burst/error.hpp"

namespace burst::cli {

MergeStats merge_into_profile_file(const std::string& path, const Profile& incoming,
                                   const Fingerprint& here) {
  const FileLock lock(path + ".lock");  // held until the new file has replaced the old one
  MergeStats stats;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    stats.added = static_cast<int>(incoming.entries.size());
    write_profile(incoming, path);
    return stats;
  }
  const Profile now = read_profile(path);  // as it is now, with what other runs merged meanwhile
  if (!(now.fingerprint == here))
    throw InvalidArgument("--out " + path + ": holds a profile of another system (fingerprint " +
                          now.fingerprint.id() + ", here " + here.id() + "); give another --out file");
  write_profile(merge_profiles(now, incoming, &stats), path);
  return stats;
}

}  // namespace burst::cli
