// base/atomic_file and base/file_lock: outputs replace the old file whole (never truncated in place),
// keep its permissions and a symbolic link, leave nothing behind on failure; an output that is an
// input is recognised through symlinks and hard links; the lock excludes a second holder.
#include "base/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/file_lock.hpp"
#include "burst/error.hpp"
#include "support/temp_dir.hpp"
#include "support/text_file.hpp"

namespace burst::test {
namespace {

namespace fs = std::filesystem;

// A scratch directory that also counts what is left in it (a failed write must leave nothing).
struct Dir : TempDir {
  Dir() : TempDir("atomic_file") {}
  int entries() const {
    int n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(path)) ++n;
    return n;
  }
};

TEST(AtomicFile, ReplacesByRenameSoTheOldInodeKeepsItsBytes) {
  Dir d;
  std::ofstream(d.file("out")) << "old";
  fs::create_hard_link(d.file("out"), d.file("old"));
  write_file_atomically(d.file("out"), "new text");
  EXPECT_EQ(slurp(d.file("out")), "new text");
  EXPECT_EQ(slurp(d.file("old")), "old");
  EXPECT_EQ(d.entries(), 2);
}

TEST(AtomicFile, NothingChangesUntilCommitAndAnAbandonedFileIsRemoved) {
  Dir d;
  std::ofstream(d.file("out")) << "old";
  {
    AtomicFile f(d.file("out"));
    f.write("partial");
    EXPECT_EQ(slurp(d.file("out")), "old");
    EXPECT_TRUE(fs::exists(f.temporary_path()));
    EXPECT_EQ(fs::path(f.temporary_path()).parent_path(), d.path) << "same directory, so rename is atomic";
  }  // destroyed uncommitted, as when an exception passes
  EXPECT_EQ(slurp(d.file("out")), "old");
  EXPECT_EQ(d.entries(), 1);
}

TEST(AtomicFile, KeepsPermissionsAndSymlinks) {
  Dir d;
  std::ofstream(d.file("target")) << "old";
  ::chmod(d.file("target").c_str(), 0640);
  fs::create_symlink("target", d.file("link"));
  write_file_atomically(d.file("link"), "new");
  EXPECT_TRUE(fs::is_symlink(d.file("link")));
  EXPECT_EQ(slurp(d.file("target")), "new");
  struct stat st {};
  ASSERT_EQ(::stat(d.file("target").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST(AtomicFile, BadPathsAreInvalidArgumentNamingThePath) {
  Dir d;
  for (const std::string& p : {d.file("missing_dir/out"), d.path.string()}) {
    try {
      write_file_atomically(p, "x");
      ADD_FAILURE() << p << " was written";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(d.entries(), 0);
}

TEST(RefuseOutputOverInput, SameFileThroughLinksIsRefusedOthersPass) {
  Dir d;
  std::ofstream(d.file("in.db")) << "data";
  std::ofstream(d.file("other")) << "data";
  fs::create_symlink(d.file("in.db"), d.file("sym"));
  fs::create_hard_link(d.file("in.db"), d.file("hard"));
  for (const std::string& out : {d.file("in.db"), d.file("sym"), d.file("hard"), d.file("./in.db")})
    EXPECT_THROW(refuse_output_over_input("-o", out, "--db", d.file("in.db")), InvalidArgument) << out;
  EXPECT_NO_THROW(refuse_output_over_input("-o", d.file("other"), "--db", d.file("in.db")));
  EXPECT_NO_THROW(refuse_output_over_input("-o", d.file("new"), "--db", d.file("in.db")));
  EXPECT_NO_THROW(refuse_output_over_input("-o", "", "--db", d.file("in.db")));
  try {
    refuse_output_over_input("-o", d.file("sym"), "--db", d.file("in.db"));
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(std::string(e.what()), "-o " + d.file("sym") + ": is the same file as --db " + d.file("in.db") +
                                         "; give another output file");
  }
}

TEST(FileLock, SecondHolderWaitsForTheFirst) {
  Dir d;
  std::atomic<bool> second_has_it{false};
  std::thread second;
  {
    const FileLock first(d.file("x.lock"));
    second = std::thread([&] {
      const FileLock again(d.file("x.lock"));
      second_has_it = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_FALSE(second_has_it) << "the lock did not exclude a second holder";
  }
  second.join();
  EXPECT_TRUE(second_has_it);
}

}  // namespace
}  // namespace burst::test
