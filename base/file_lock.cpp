#include "base/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "burst/error.hpp"

namespace burst {

FileLock::FileLock(const std::string& lock_path) {
  fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd_ < 0)
    throw InvalidArgument(lock_path + ": cannot create the lock file: " +
                              std::error_code(errno, std::generic_category()).message(),
                          __FILE__, __LINE__, "open");
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    throw Error(lock_path + ": cannot lock: " + std::error_code(err, std::generic_category()).message(),
                __FILE__, __LINE__, "flock");
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the lock
}

}  // namespace burst
