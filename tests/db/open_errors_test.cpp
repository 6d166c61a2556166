// Bad files give burst::InvalidArgument with a message naming the problem, never a corruption.
#include <sqlite3.h>

#include <fstream>

#include "db/schema.hpp"
#include "db/trace_reader.hpp"
#include "db_fixtures.hpp"

namespace fs = std::filesystem;
using burst::db::Database;

namespace {

std::string open_error(const std::string& path, bool create = false) {
  try {
    Database db(path, create);
  } catch (const burst::InvalidArgument& e) {
    return e.what();
  }
  return "";
}

// A real database with some rows, checkpointed into the main file (no -wal left).
void make_full_db(const std::string& path) {
  {
    Database db(path, true);
    auto session = db.begin_session("tune", "{}");
    auto trial = db.begin_trial(session, "{}");
    db.write_trace(trial, burst::test::synthetic_ring(4, 200, 1024));
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.exec("PRAGMA journal_mode=DELETE");
  }
  ASSERT_FALSE(fs::exists(path + "-wal") && fs::file_size(path + "-wal") > 0);
}

}  // namespace

TEST(DbOpenErrors, MissingFileWithoutCreate) {
  burst::test::TempDir dir;
  EXPECT_NE(open_error(dir.file("none.sqlite")).find("does not exist"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir.file("none.sqlite")));
}

TEST(DbOpenErrors, ForeignTextFile) {
  burst::test::TempDir dir;
  const auto path = dir.file("notes.txt");
  std::ofstream(path) << "this is a text file, not a database\n";
  const auto msg = open_error(path, true);
  EXPECT_NE(msg.find("not an SQLite file"), std::string::npos) << msg;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "this is a text file, not a database") << "the foreign file was modified";
}

TEST(DbOpenErrors, ForeignSqliteDatabase) {
  burst::test::TempDir dir;
  const auto path = dir.file("other.sqlite");
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE people(name TEXT); INSERT INTO people VALUES ('x');", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  const auto msg = open_error(path, true);
  EXPECT_NE(msg.find("not a burst-tune database"), std::string::npos) << msg;
}

TEST(DbOpenErrors, NewerSchemaVersion) {
  burst::test::TempDir dir;
  const auto path = dir.file("future.sqlite");
  {
    Database db(path, true);
    db.exec("UPDATE META_DATA_EXPORT SET value='" + std::to_string(burst::db::schema_version + 1) +
            "' WHERE name='BURST_SCHEMA_VERSION'");
  }
  const auto msg = open_error(path);
  EXPECT_NE(msg.find("newer than this burst-tune"), std::string::npos) << msg;
}

TEST(DbOpenErrors, TruncatedFiles) {
  burst::test::TempDir dir;
  const auto full = dir.file("full.sqlite");
  make_full_db(full);
  const auto size = fs::file_size(full);
  ASSERT_GT(size, 64u * 1024);
  for (std::uintmax_t keep :
       {std::uintmax_t{10}, std::uintmax_t{100}, std::uintmax_t{600}, size / 2, size - 4096}) {
    const auto path = dir.file("cut-" + std::to_string(keep) + ".sqlite");
    fs::copy_file(full, path);
    fs::resize_file(path, keep);
    const auto msg = open_error(path);
    EXPECT_FALSE(msg.empty()) << "truncated to " << keep << " bytes opened without error";
    EXPECT_TRUE(msg.find("truncated") != std::string::npos ||
                msg.find("not an SQLite file") != std::string::npos)
        << msg;
  }
  Database ok(full, false);  // the original still opens
  EXPECT_EQ(burst::db::list_trials(ok).size(), 1u);
}
