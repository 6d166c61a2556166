// Databases as the commands open them: a foreign SQLite file (an nsys export) is refused by every
// command and left byte for byte as it was (read commands used to switch it to WAL mode, tune added
// tables); a read-only database is read without write access (it was always opened read-write); a
// corrupt one (failing PRAGMA quick_check) is refused by name (it was used silently); --db "" is
// refused (tune used to record into a temporary database).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "db_cli_fixtures.hpp"

namespace burst::test {
namespace {

namespace fs = std::filesystem;

const std::string kTinyTune =
    " --seq 256 --heads 2 --head-dim 32 --no-causal --pass fwd --world 1 --strategy exhaustive"
    " --space kernel.tile_q=32 --space kernel.tile_kv=32 --min-samples 2 --max-samples 2 --warmup 0"
    " --progress none --confirm 0";

// Every command that opens --db, reading (show, report, export, plan, replay) or writing (tune).
std::vector<std::string> commands_on(const std::string& db, const TempDir& dir) {
  return {"show --db " + db,
          "show --db " + db + " --trial 1",
          "report --db " + db,
          "report --db " + db + " -o " + dir.file("r.html"),
          "export --db " + db + " --trial 1 -o " + dir.file("x.json"),
          "plan --ranks 2 --seq 1024 --heads 2 --head-dim 32 --db " + db,
          "tune --replay " + db,
          "tune --db " + db + " --out " + dir.file("p.json") + kTinyTune};
}

TEST(DbSafety, ForeignSqliteFileIsRefusedAndLeftByteForByte) {
  TempDir dir;
  const std::string db = dir.file("nsys.sqlite");
  make_foreign_db(db);
  const std::string before = slurp(db);
  ASSERT_FALSE(before.empty());
  for (const auto& cmd : commands_on(db, dir)) {
    expect_refused(run_cli(cmd), cmd, {db, "not a burst-tune database"});
    EXPECT_EQ(slurp(db), before) << cmd << " modified the foreign file";
    EXPECT_EQ(dir.names(), std::vector<std::string>{"nsys.sqlite"}) << cmd << " left files behind";
  }
}

TEST(DbSafety, CorruptDatabaseIsRefusedByName) {
  TempDir dir;
  const std::string db = dir.file("t.db");
  make_trace_db(db);
  int page_size = 0, root = 0;
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(raw,
                       "SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM sqlite_master "
                       "WHERE name = 'NVTX_EVENTS'",
                       -1, &st, nullptr);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    root = sqlite3_column_int(st, 0);
    page_size = sqlite3_column_int(st, 1);
    sqlite3_finalize(st);
    sqlite3_close(raw);
  }
  ASSERT_GT(root, 1);
  {
    // Overwrite the cells of the trace table's root page (its 8-byte header stays).
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(root - 1) * page_size + 8);
    const std::string junk(static_cast<std::size_t>(page_size - 16), '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  for (const auto& cmd : commands_on(db, dir)) {
    if (cmd.rfind("plan", 0) == 0) continue;  // refused for another reason first (no calibration) before
    expect_refused(run_cli(cmd), cmd, {db, "is corrupt", "quick_check"});
  }
}

// As root, permissions are not checked: the reader runs as nobody (setpriv), for whom the file and
// its directory are read-only, so SQLite cannot create the -shm file a read-write open needs. nobody
// runs a copy of burst-tune and libburst in `bin_dir` (world-readable), since the build tree may not
// be readable by other users (a clone in a 0700 `mktemp -d` folder).
std::string as_reader(const std::string& args, const TempDir& out_dir, const TempDir& bin_dir) {
  const std::string out = out_dir.file("out"), err = out_dir.file("err");
  std::string exe = BURST_TUNE_EXE, prefix;
  if (geteuid() == 0) {
    exe = bin_dir.file("burst-tune");
    if (!fs::exists(exe)) {
      fs::copy_file(BURST_TUNE_EXE, exe);
      fs::copy_file(BURST_LIB_FILE, bin_dir.file(fs::path(BURST_LIB_FILE).filename().string()));
      fs::permissions(bin_dir.path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                        fs::perms::others_read | fs::perms::others_exec);
    }
    prefix =
        "LD_LIBRARY_PATH='" + bin_dir.path.string() + "' setpriv --reuid=65534 --regid=65534 --clear-groups ";
  }
  const std::string cmd = "env -u OMPI_COMM_WORLD_SIZE -u PMI_SIZE -u PMIX_RANK " + prefix + "'" + exe +
                          "' " + args + " >'" + out + "' 2>'" + err + "'";
  const int status = std::system(cmd.c_str());
  return "exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + "\n" + slurp(out) +
         slurp(err);
}

TEST(DbSafety, ReadOnlyDatabaseIsReadWithoutWriteAccess) {
  TempDir dir, out("-out"), bin("-bin");
  const std::string db = dir.file("t.db");
  make_trace_db(db);
  const std::string before = slurp(db);
  fs::permissions(db, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  fs::permissions(dir.path, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(out.path, fs::perms::all);
  const std::string show = as_reader("--json show --db " + db, out, bin);
  EXPECT_EQ(show.rfind("exit 0\n", 0), 0u) << show;
  EXPECT_NE(show.find("\"trials\""), std::string::npos) << show;
  const std::string report = as_reader("report --db " + db, out, bin);
  EXPECT_EQ(report.rfind("exit 0\n", 0), 0u) << report;
  const std::string exported =
      as_reader("export --db " + db + " --trial 1 -o " + out.file("x.json"), out, bin);
  EXPECT_EQ(exported.rfind("exit 0\n", 0), 0u) << exported;
  EXPECT_EQ(slurp(db), before);
  EXPECT_EQ(dir.names(), std::vector<std::string>{"t.db"}) << "no -wal/-shm file may appear";
}

TEST(DbSafety, EmptyDbNameIsRefused) {
  TempDir dir;
  const std::string out = dir.file("p.json");
  for (const std::string& cmd :
       {std::string("show --db ''"), std::string("report --db ''"),
        "export --db '' --trial 1 -o " + dir.file("x.json"), "tune --db '' --out " + out + kTinyTune,
        std::string("trace --seq 256 --heads 2 --head-dim 32 --iters 1 --warmup 0 --db ''"),
        std::string("calibrate --quick --world 1 --db ''")}) {
    expect_refused(run_cli(cmd), cmd, {"--db: a file name is required"});
  }
  EXPECT_TRUE(dir.names().empty()) << "nothing may be written";
}

}  // namespace
}  // namespace burst::test
