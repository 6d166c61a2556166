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

namespace {

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string open_error_mode(const std::string& path, burst::db::OpenMode mode) {
  try {
    Database db(path, mode);
  } catch (const burst::InvalidArgument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(DbOpenErrors, ForeignSqliteDatabaseIsLeftByteForByteInEveryMode) {
  burst::test::TempDir dir;
  const auto path = dir.file("nsys.sqlite");
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw,
                         "CREATE TABLE META_DATA_EXPORT(name TEXT, value TEXT); INSERT INTO META_DATA_EXPORT "
                         "VALUES ('EXPORT_SCHEMA_VERSION_MAJOR', '3');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  const std::string before = file_bytes(path);
  using burst::db::OpenMode;
  for (OpenMode mode : {OpenMode::read_only, OpenMode::read_write, OpenMode::create}) {
    const auto msg = open_error_mode(path, mode);
    EXPECT_NE(msg.find("not a burst-tune database"), std::string::npos) << msg;
    EXPECT_EQ(file_bytes(path), before) << "the foreign file was modified (journal mode or tables)";
    EXPECT_FALSE(fs::exists(path + "-wal") || fs::exists(path + "-shm"));
  }
}

TEST(DbOpenErrors, ReadOnlyOpenReadsAndCannotWrite) {
  burst::test::TempDir dir;
  const auto path = dir.file("t.sqlite");
  make_full_db(path);
  const std::string before = file_bytes(path);
  {
    Database db(path, burst::db::OpenMode::read_only);
    EXPECT_EQ(burst::db::list_trials(db).size(), 1u);
    EXPECT_TRUE(sqlite3_db_readonly(db.handle(), "main") == 1) << "not opened with SQLITE_OPEN_READONLY";
    EXPECT_THROW(db.exec("CREATE TABLE x(y)"), burst::Error);
  }
  EXPECT_EQ(file_bytes(path), before);
}

TEST(DbOpenErrors, EmptyFileIsNotADatabaseToRead) {
  burst::test::TempDir dir;
  const auto path = dir.file("empty.sqlite");
  std::ofstream(path).close();  // an empty file
  EXPECT_NE(open_error_mode(path, burst::db::OpenMode::read_only).find("no tables"), std::string::npos);
  EXPECT_EQ(fs::file_size(path), 0u);
  EXPECT_NE(open_error_mode("", burst::db::OpenMode::create).find("--db: a file name is required"),
            std::string::npos);
}

TEST(DbOpenErrors, CorruptPageIsRefusedByQuickCheckNamingTheFile) {
  burst::test::TempDir dir;
  const auto path = dir.file("t.sqlite");
  make_full_db(path);
  int root = 0;
  {
    Database db(path, burst::db::OpenMode::read_only);
    auto st = db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'NVTX_EVENTS'");
    ASSERT_TRUE(st.step());
    root = static_cast<int>(st.int64(0));
  }
  ASSERT_GT(root, 1);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(root - 1) * 4096 + 8);  // make_full_db: default 4096-byte pages
    const std::string junk(4000, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  using burst::db::OpenMode;
  for (OpenMode mode : {OpenMode::read_only, OpenMode::create}) {
    const auto msg = open_error_mode(path, mode);
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("is corrupt"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}
