// Output files: one that is an input of the same command is refused before anything is written
// (report/export -o onto their --db exited 0 and destroyed the database); every output replaces the
// old file whole by rename instead of truncating it in place (a kill left a 0-byte report).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "db_cli_fixtures.hpp"

namespace burst::test {
namespace {

namespace fs = std::filesystem;

TEST(Outputs, OutputOntoTheDatabaseIsRefusedAndTheDatabaseKept) {
  TempDir dir;
  const std::string db = dir.file("a.db");
  make_trace_db(db);
  fs::create_symlink(db, dir.file("link.html"));
  fs::create_hard_link(db, dir.file("hard.json"));
  const std::string before = slurp(db);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"report --db " + db + " -o " + db, db},
      {"report --db " + db + " -o " + dir.file("link.html"), "link.html"},
      {"export --db " + db + " --trial 1 -o " + db, db},
      {"export --db " + db + " --trial 1 -o " + dir.file("hard.json"), "hard.json"},
      {"calibrate --quick --world 1 --db " + db + " --out " + db, db},
      {"tune --db " + db + " --out " + dir.file("link.html") + " --seq 256 --heads 2 --head-dim 32 --world 1",
       "link.html"}};
  for (const auto& [cmd, named] : cases) {
    expect_refused(run_cli(cmd), cmd, {named, "is the same file as --db"});
    EXPECT_EQ(slurp(db), before) << cmd << " changed the database";
  }
  EXPECT_TRUE(fs::is_symlink(dir.file("link.html")));
}

// The old report is replaced by a new file (rename), not rewritten in place: a hard link to the old
// one still holds the old bytes, and no temporary file is left.
TEST(Outputs, ReportAndExportReplaceTheOldFileWhole) {
  TempDir dir;
  const std::string db = dir.file("t.db");
  make_trace_db(db);
  for (const std::string& cmd : {"report --db " + db + " -o " + dir.file("out"),
                                 "export --db " + db + " --trial 1 -o " + dir.file("out")}) {
    std::ofstream(dir.file("out")) << "previous output\n";
    fs::remove(dir.file("keep"));
    fs::create_hard_link(dir.file("out"), dir.file("keep"));
    const auto r = run_cli(cmd);
    ASSERT_EQ(r.exit_code, 0) << cmd << "\n" << r.err;
    EXPECT_EQ(slurp(dir.file("keep")), "previous output\n") << cmd << " truncated the old file in place";
    EXPECT_NE(slurp(dir.file("out")), "previous output\n") << cmd;
    EXPECT_GT(fs::file_size(dir.file("out")), 100u) << cmd;
    EXPECT_EQ(dir.names(/*with_wal=*/false), (std::vector<std::string>{"keep", "out", "t.db"}))
        << cmd << " left a temporary file";
  }
}

TEST(Outputs, OutputThroughASymlinkReplacesTheTargetAndKeepsTheLink) {
  TempDir dir;
  const std::string db = dir.file("t.db");
  make_trace_db(db);
  std::ofstream(dir.file("target.html")) << "old\n";
  fs::create_symlink("target.html", dir.file("report.html"));
  const auto r = run_cli("report --db " + db + " -o " + dir.file("report.html"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(dir.file("report.html")));
  EXPECT_NE(slurp(dir.file("target.html")).find("<html"), std::string::npos);
}

}  // namespace
}  // namespace burst::test
