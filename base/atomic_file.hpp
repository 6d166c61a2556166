// Output files that are never seen half written: every file burst-tune writes (profiles, reports,
// exports, rates, saved tensors) goes through AtomicFile, and an output that names one of the
// command's inputs is refused before anything is written.
//
//   AtomicFile out(path);          // a unique temporary file in path's directory: .<name>.tmp.<pid>.<n>
//   out.write(bytes, size);        // as often as needed
//   out.commit();                  // fsync the file, rename it over path, fsync the directory
//
// Sharp edges: until commit() the old file (if any) is untouched and a reader sees it whole; a kill
// leaves at most the temporary file behind (the destructor removes it on every other path). When
// path is a symbolic link, the file it points to is replaced and the link is kept. The new file
// gets the permissions of the file it replaces, or 0666 less the umask for a new one.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace burst {

class AtomicFile {
 public:
  // Throws burst::Error naming `path` when the temporary file cannot be created (no such
  // directory, no permission).
  explicit AtomicFile(const std::string& path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t bytes);
  void write(std::string_view text) { write(text.data(), text.size()); }

  // Makes the written bytes the file at path (durably: file and directory are fsynced).
  void commit();

  const std::string& path() const noexcept { return path_; }
  const std::string& temporary_path() const noexcept { return tmp_; }

 private:
  std::string path_;    // as given (for messages)
  std::string target_;  // path with a final symbolic link resolved: what rename replaces
  std::string tmp_;
  int fd_ = -1;
};

// write + commit of one buffer.
void write_file_atomically(const std::string& path, std::string_view bytes);

// Throws burst::InvalidArgument ("<output_flag> <output>: is the same file as <input_flag> <input>;
// give another output file") when `output` exists and is the same file as `input` (also through
// symbolic links or hard links). Call before anything is written.
void refuse_output_over_input(const std::string& output_flag, const std::string& output,
                              const std::string& input_flag, const std::string& input);

}  // namespace burst
