// AtomicFile: unique temporary file next to the target, fsync, rename, fsync of the directory.
#include "base/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "burst/error.hpp"

namespace burst {
namespace fs = std::filesystem;

namespace {

std::string errno_text(int err) {
  return std::error_code(err, std::generic_category()).message();
}

// The file a write to `path` must replace: a final symbolic link is followed (so the link stays).
std::string resolve_target(const std::string& path) {
  std::error_code ec;
  if (!fs::is_symlink(fs::symlink_status(path, ec))) return path;
  const fs::path resolved = fs::weakly_canonical(fs::path(path), ec);
  return ec ? path : resolved.string();
}

std::string directory_of(const std::string& file) {
  const fs::path parent = fs::path(file).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// Bad input (exit 2) when the reason is the path the user gave; a library error otherwise.
[[noreturn]] void throw_open_error(const std::string& path, const std::string& dir, int err) {
  const std::string msg =
      path + ": cannot write the file (in directory " + dir + ": " + errno_text(err) + ")";
  if (err == ENOENT || err == ENOTDIR || err == EACCES || err == EPERM || err == EROFS || err == EISDIR)
    throw InvalidArgument(msg, __FILE__, __LINE__, "open");
  throw Error(msg, __FILE__, __LINE__, "open");
}

std::atomic<unsigned> g_counter{0};

}  // namespace

AtomicFile::AtomicFile(const std::string& path) : path_(path), target_(resolve_target(path)) {
  if (path.empty()) throw InvalidArgument("an output file name is required", __FILE__, __LINE__);
  std::error_code ec;
  if (fs::is_directory(target_, ec))
    throw InvalidArgument(path + ": is a directory, expected a file name", __FILE__, __LINE__);
  const std::string dir = directory_of(target_);
  const std::string base =
      "." + fs::path(target_).filename().string() + ".tmp." + std::to_string(getpid()) + ".";
  for (int attempt = 0; fd_ < 0; ++attempt) {
    tmp_ = (fs::path(dir) / (base + std::to_string(g_counter.fetch_add(1)))).string();
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && (errno != EEXIST || attempt > 1000)) throw_open_error(path, dir, errno);
  }
  struct stat old {};
  if (::stat(target_.c_str(), &old) == 0 && S_ISREG(old.st_mode))
    (void)::fchmod(fd_, old.st_mode & 07777);  // keep the replaced file's permissions
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
}

void AtomicFile::write(const void* data, std::size_t bytes) {
  BURST_CHECK(fd_ >= 0, path_ + ": write after commit");
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(fd_, p, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw Error(path_ + ": write failed: " + errno_text(n < 0 ? errno : EIO), __FILE__, __LINE__, "write");
    p += n;
    bytes -= static_cast<std::size_t>(n);
  }
}

void AtomicFile::commit() {
  BURST_CHECK(fd_ >= 0, path_ + ": committed twice");
  if (::fsync(fd_) != 0)
    throw Error(path_ + ": fsync failed: " + errno_text(errno), __FILE__, __LINE__, "fsync");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0)
    throw Error(path_ + ": close failed: " + errno_text(errno), __FILE__, __LINE__, "close");
  if (::rename(tmp_.c_str(), target_.c_str()) != 0)
    throw Error(path_ + ": cannot replace the file: " + errno_text(errno), __FILE__, __LINE__, "rename");
  tmp_.clear();  // renamed: nothing to remove any more
  // The rename itself is durable only once the directory is.
  const int dir = ::open(directory_of(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    const int rc = ::fsync(dir);
    const int err = errno;
    ::close(dir);
    if (rc != 0 && err != EINVAL)  // EINVAL: a file system that cannot sync directories
      throw Error(path_ + ": fsync of its directory failed: " + errno_text(err), __FILE__, __LINE__, "fsync");
  }
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  AtomicFile out(path);
  out.write(bytes);
  out.commit();
}

void refuse_output_over_input(const std::string& output_flag, const std::string& output,
                              const std::string& input_flag, const std::string& input) {
  std::error_code ec;
  if (output.empty() || input.empty() || !fs::exists(output, ec) || !fs::exists(input, ec)) return;
  if (fs::equivalent(output, input, ec) && !ec)
    throw InvalidArgument(output_flag + " " + output + ": is the same file as " + input_flag + " " + input +
                              "; give another output file",
                          __FILE__, __LINE__);
}

}  // namespace burst
