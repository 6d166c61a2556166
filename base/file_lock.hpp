// An exclusive advisory lock held for a scope: flock(LOCK_EX) on a lock file, which is created
// when missing and left in place (removing it would let two processes lock two different files).
// Used where several processes read-modify-write one file (`tune --out`: tuning runs that share a
// profile merge their entries one after the other, each re-reading the file inside the lock).
#pragma once

#include <string>

namespace burst {

class FileLock {
 public:
  // Blocks until the lock is held. Throws burst::InvalidArgument naming `lock_path` when the file
  // cannot be created (no such directory, no permission).
  explicit FileLock(const std::string& lock_path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace burst
