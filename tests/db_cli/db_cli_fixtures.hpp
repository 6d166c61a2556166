// Shared by the db_cli tests: a temporary directory, a real database written by `burst-tune trace`,
// a foreign SQLite file shaped like an nsys export, and whole-file comparison.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/run_cli.hpp"
#include "support/text_file.hpp"

namespace burst::test {

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& suffix = "") {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = std::filesystem::temp_directory_path() / ("burst-db-cli-" + std::to_string(getpid()) + "-" +
                                                     info->test_suite_name() + "-" + info->name() + suffix);
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all, std::filesystem::perm_options::add,
                                 ec);
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  // The names in the directory, sorted; without SQLite's -wal/-shm files when `with_wal` is false
  // (a read-only connection to a WAL database in a writable directory creates them and cannot
  // remove them; the next writer does).
  std::vector<std::string> names(bool with_wal = true) const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(path)) {
      const std::string name = e.path().filename().string();
      const bool wal = name.size() > 4 && (name.ends_with("-wal") || name.ends_with("-shm"));
      if (with_wal || !wal) out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

// A small traced trial (trial 1 of session 1), written by the real binary; no -wal left behind.
inline void make_trace_db(const std::string& db) {
  const auto r =
      run_cli("trace --seq 256 --heads 2 --head-dim 32 --iters 2 --warmup 0 --threads 1 --db " + db);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_FALSE(std::filesystem::exists(db + "-wal"));
}

// What `nsys export --type sqlite` writes, in miniature: META_DATA_EXPORT without our schema version,
// StringIds, an event table; rollback journal (not WAL).
inline void make_foreign_db(const std::string& path) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  const char* sql =
      "CREATE TABLE META_DATA_EXPORT(name TEXT NOT NULL, value TEXT);"
      "INSERT INTO META_DATA_EXPORT VALUES ('EXPORT_SCHEMA_VERSION_MAJOR', '3');"
      "CREATE TABLE StringIds(id INTEGER PRIMARY KEY, value TEXT NOT NULL);"
      "INSERT INTO StringIds VALUES (1, 'cudaLaunchKernel');"
      "CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME(start INTEGER, end INTEGER, nameId INTEGER);"
      "INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES (10, 20, 1);";
  ASSERT_EQ(sqlite3_exec(raw, sql, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
}

// Exit 2 and one "burst-tune: error: " line containing every `mention`.
inline void expect_refused(const CliResult& r, const std::string& what,
                           const std::vector<std::string>& mentions) {
  EXPECT_EQ(r.exit_code, 2) << what << "\n" << r.out << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << what << "\n" << r.err;
  EXPECT_EQ(r.err.rfind("burst-tune: error: ", 0), 0u) << what << "\n" << r.err;
  for (const auto& m : mentions)
    EXPECT_NE(r.err.find(m), std::string::npos) << what << ": " << r.err << " lacks " << m;
}

}  // namespace burst::test
