// Opening (with the checks that turn bad files into clear errors), sessions, trials, samples.
#include "db/database.hpp"

#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/text.hpp"
#include "burst/error.hpp"
#include "db/schema.hpp"

namespace burst::db {
namespace fs = std::filesystem;

namespace {
std::int64_t utc_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Database::Database(const std::string& path, OpenMode mode) : path_(path) {
  try {
    open_checked(mode);
  } catch (const InvalidArgument& e) {
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
    const std::string what = e.what();
    if (path_.empty() || what.find(path_) != std::string::npos) throw;
    throw InvalidArgument("database " + path_ + ": " + what, e.file(), e.line(), e.call());
  } catch (...) {
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

Database::~Database() {
  if (db_) sqlite3_close_v2(db_);
}

void Database::exec(std::string_view sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &err);
  if (err) sqlite3_free(err);
  BURST_SQLITE(db_, rc, "exec: " + std::string(sql.substr(0, 80)));
}

std::int64_t Database::table_count() const {
  Statement s(db_, "SELECT count(*) FROM sqlite_master WHERE type='table'");
  s.step();
  return s.int64(0);
}

// Read-only: SQLITE_OPEN_READONLY. A WAL database needs its -shm file; where that cannot be
// created (a read-only directory: SQLITE_READONLY_DIRECTORY, or SQLITE_CANTOPEN) and no -wal file
// exists, no writer is active, so the file is read as immutable. (Sharp edge: a user who may write
// that directory and starts writing meanwhile is not seen; within one command that is harmless.)
void Database::open_connection(OpenMode mode) {
  const int flags = (mode == OpenMode::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
                    (mode == OpenMode::create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  BURST_SQLITE(db_, sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr), "open " + path_);
  sqlite3_extended_result_codes(db_, 1);
  BURST_SQLITE(db_, sqlite3_busy_timeout(db_, busy_timeout_ms), "busy_timeout");
  if (mode != OpenMode::read_only) return;
  std::error_code ec;
  const int rc = sqlite3_exec(db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  if (((rc & 0xff) != SQLITE_CANTOPEN && (rc & 0xff) != SQLITE_READONLY) || fs::exists(path_ + "-wal", ec))
    return;
  sqlite3_close_v2(db_);
  db_ = nullptr;
  char* uri = sqlite3_mprintf("file:%s?mode=ro&immutable=1", fs::absolute(path_).string().c_str());
  const int orc =
      sqlite3_open_v2(uri, &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
  sqlite3_free(uri);
  BURST_SQLITE(db_, orc, "open (immutable) " + path_);
  sqlite3_extended_result_codes(db_, 1);
}

// The checks made before SQLite opens the file (it never sees a foreign or missing one); returns
// the file's size, 0 when it does not exist yet.
std::uintmax_t Database::check_file(OpenMode mode) const {
  BURST_REQUIRE(!path_.empty(), "--db: a file name is required");
  std::error_code ec;
  const bool exists = fs::exists(path_, ec);
  BURST_REQUIRE(exists || mode == OpenMode::create, "database " + path_ + " does not exist");
  BURST_REQUIRE(!exists || fs::is_regular_file(path_, ec),
                "database " + path_ + " is not a regular file (a directory, FIFO or device)");
  const auto size = exists ? fs::file_size(path_, ec) : 0;
  BURST_REQUIRE(!ec, "database " + path_ + ": cannot read its size: " + ec.message());
  if (size == 0) return 0;
  char header[16] = {};
  std::ifstream in(path_, std::ios::binary);
  in.read(header, sizeof(header));
  BURST_REQUIRE(
      in.gcount() == 16 && std::string_view(header, 16) == std::string_view("SQLite format 3\0", 16),
      "database " + path_ + " is not an SQLite file (foreign file, or truncated to " + std::to_string(size) +
          " bytes)");
  BURST_REQUIRE(size >= 512, "database " + path_ + " is truncated (" + std::to_string(size) + " bytes)");
  return size;
}

// A truncated file keeps its header's page count; with no WAL to supply the rest, it is short.
void Database::check_not_truncated(std::uintmax_t size) {
  std::int64_t page_size = 0, page_count = 0;
  {
    Statement s(db_, "PRAGMA page_size");
    if (s.step()) page_size = s.int64(0);
  }
  {
    Statement s(db_, "PRAGMA page_count");
    if (s.step()) page_count = s.int64(0);
  }
  std::error_code ec;
  const auto wal = fs::exists(path_ + "-wal", ec) ? fs::file_size(path_ + "-wal", ec) : 0;
  BURST_REQUIRE(wal > 0 || static_cast<std::int64_t>(size) >= page_size * page_count,
                "database " + path_ + " is truncated: " + std::to_string(size) + " bytes, header says " +
                    std::to_string(page_count) + " pages of " + std::to_string(page_size));
}

void Database::open_checked(OpenMode mode) {
  const auto size = check_file(mode);
  open_connection(mode);
  if (size > 0) check_not_truncated(size);
  // Everything up to here and the checks below only read: a foreign or corrupt file is refused as
  // it was, before the journal mode changes or a table is added.
  const bool has_tables = size > 0 && table_count() > 0;
  if (has_tables) {
    create_or_validate(false);  // tables present: validates only
    check_integrity();
  } else {
    BURST_REQUIRE(mode != OpenMode::read_only,
                  "database " + path_ + " is an empty SQLite file, not a burst-tune database (no tables)");
  }
  if (mode == OpenMode::read_only) return;
  set_wal_mode();
  exec("PRAGMA synchronous=NORMAL");
  if (!has_tables) create_or_validate(true);
}

// PRAGMA quick_check: every page and record well formed (not the cross-checks of indexes that
// integrity_check adds, which cost a scan per index).
void Database::check_integrity() {
  std::string problem;
  try {
    Statement s(db_, "PRAGMA quick_check(1)");
    if (s.step()) problem = s.text(0);
  } catch (const Error& e) {
    problem = e.what();
  }
  // One line: "*** in database main ***\nOn tree page 21 cell 26: ..." -> "On tree page 21 cell 26: ..."
  const std::string banner = "*** in database main ***";
  if (problem.rfind(banner, 0) == 0) problem.erase(0, banner.size());
  for (char& c : problem)
    if (c == '\n' || c == '\r') c = ' ';
  problem.erase(0, problem.find_first_not_of(' '));
  BURST_REQUIRE(problem == "ok", "database " + path_ + " is corrupt: SQLite's quick_check says \"" +
                                     problem.substr(0, 200) +
                                     "\"; restore it from a copy or give another --db");
}

// Changing the journal mode takes an exclusive lock and SQLite does not run the busy handler for
// it, so a second process opening the file at the same moment gets SQLITE_BUSY: retry until the
// busy timeout has passed. WAL is persistent, so this only waits while the file is being created.
void Database::set_wal_mode() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
  for (;;) {
    const int rc = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    const int primary = rc & 0xff;
    if ((primary != SQLITE_BUSY && primary != SQLITE_LOCKED) || std::chrono::steady_clock::now() > deadline) {
      BURST_SQLITE(db_, rc, "PRAGMA journal_mode=WAL on " + path_);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Database::create_or_validate(bool maybe_new) {
  auto table_count = [&] {
    Statement s(db_, "SELECT count(*) FROM sqlite_master WHERE type='table'");
    s.step();
    return s.int64(0);
  };
  auto has_table = [&](std::string_view name) {
    Statement s(db_, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?");
    s.bind(1, name);
    return s.step();
  };
  if (maybe_new || table_count() == 0) {
    Transaction t(*this);  // another process may be creating it right now: re-check under the lock
    if (table_count() == 0) {
      exec(schema_sql());
      Statement ins(db_, "INSERT INTO META_DATA_EXPORT(name, value) VALUES (?, ?)");
      const std::pair<const char*, std::string> rows[] = {
          {"BURST_SCHEMA_VERSION", std::to_string(schema_version)},
          {"EXPORT_SCHEMA_VERSION_MAJOR", "3"},
          {"EXPORT_PROGRAM_NAME", "burst-tune"},
          {"TIMESTAMP_CLOCK", "CLOCK_MONOTONIC ns (std::chrono::steady_clock)"},
          {"GLOBAL_TID_ENCODING", "(rank + 1) << 24 | (os_tid & 0xFFFFFF)"}};
      for (const auto& [name, value] : rows)
        ins.bind(1, std::string_view(name)).bind(2, std::string_view(value)).run();
      t.commit();
    }
  }
  BURST_REQUIRE(
      has_table("META_DATA_EXPORT"),
      "database " + path_ + " is an SQLite file but not a burst-tune database (no META_DATA_EXPORT table)");
  Statement v(db_, "SELECT value FROM META_DATA_EXPORT WHERE name='BURST_SCHEMA_VERSION'");
  BURST_REQUIRE(v.step(), "database " + path_ +
                              " has META_DATA_EXPORT but no BURST_SCHEMA_VERSION: an nsys export or another "
                              "tool's file, not a burst-tune database");
  // A value that is not a whole number ("abc", "", "99999999999") names the file and the row,
  // instead of std::stoll's bare "stoll".
  const std::string version_text = v.text(0);
  const auto [end, ec] =
      std::from_chars(version_text.data(), version_text.data() + version_text.size(), file_version_);
  BURST_REQUIRE(ec == std::errc() && end == version_text.data() + version_text.size(),
                "database " + path_ + ": META_DATA_EXPORT.BURST_SCHEMA_VERSION is \"" +
                    text::printable(version_text) + "\", expected a whole number (1.." +
                    std::to_string(schema_version) + ")");
  BURST_REQUIRE(file_version_ <= schema_version,
                "database " + path_ + " has schema version " + std::to_string(file_version_) +
                    ", newer than this burst-tune understands (" + std::to_string(schema_version) +
                    "); use a newer burst-tune");
  BURST_REQUIRE(file_version_ >= 1, "database " + path_ + " has invalid schema version " + version_text);
}

Database::Transaction::Transaction(Database& db) : db_(db) {
  db_.exec("BEGIN IMMEDIATE");
}

Database::Transaction::~Transaction() {
  if (!done_) {
    sqlite3_exec(db_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
    db_.string_ids_.clear();  // ids interned inside the rolled-back transaction are gone
  }
}

void Database::Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

std::int64_t Database::begin_session(std::string_view command, std::string_view fingerprint_json) {
  const auto utc = utc_now_ns();
  Transaction t(*this);
  Statement ins(db_,
                "INSERT INTO sessions(command, fingerprint, start_utc_ns, start_monotonic_ns, hostname) "
                "VALUES (?, ?, ?, ?, ?)");
  ins.bind(1, command)
      .bind(2, fingerprint_json)
      .bind(3, utc)
      .bind(4, trace::now_ns())
      .bind(5, trace::hostname());
  ins.run();
  const auto id = sqlite3_last_insert_rowid(db_);
  Statement has(db_, "SELECT 1 FROM TARGET_INFO_SESSION_START_TIME");
  if (!has.step()) {
    const auto secs = static_cast<std::time_t>(utc / 1000000000);
    char utc_text[64] = {}, local_text[64] = {};
    std::tm tm_utc{}, tm_local{};
    gmtime_r(&secs, &tm_utc);
    localtime_r(&secs, &tm_local);
    std::strftime(utc_text, sizeof(utc_text), "%Y-%m-%dT%H:%M:%SZ", &tm_utc);
    std::strftime(local_text, sizeof(local_text), "%Y-%m-%dT%H:%M:%S%z", &tm_local);
    Statement st(db_, "INSERT INTO TARGET_INFO_SESSION_START_TIME VALUES (?, ?, ?)");
    st.bind(1, utc).bind(2, std::string_view(utc_text)).bind(3, std::string_view(local_text)).run();
  }
  t.commit();
  return id;
}

std::int64_t Database::begin_trial(std::int64_t session_id, std::string_view config_json) {
  Statement ins(db_,
                "INSERT INTO trials(session_id, config, status, start_utc_ns) VALUES (?, ?, 'running', ?)");
  ins.bind(1, session_id).bind(2, config_json).bind(3, utc_now_ns()).run();
  return sqlite3_last_insert_rowid(db_);
}

void Database::finish_trial(std::int64_t trial_id, std::string_view status, std::string_view failure_reason,
                            std::string_view stats_json) {
  Statement up(db_, "UPDATE trials SET status=?, failure_reason=?, stats=?, end_utc_ns=? WHERE id=?");
  up.bind(1, status);
  if (failure_reason.empty())
    up.bind_null(2);
  else
    up.bind(2, failure_reason);
  if (stats_json.empty())
    up.bind_null(3);
  else
    up.bind(3, stats_json);
  up.bind(4, utc_now_ns()).bind(5, trial_id).run();
  BURST_REQUIRE(sqlite3_changes(db_) == 1, "finish_trial: no trial " + std::to_string(trial_id));
}

void Database::add_samples(std::int64_t trial_id, int rank, const std::vector<double>& seconds) {
  Transaction t(*this);
  Statement ins(db_, "INSERT INTO samples(trial_id, rank, idx, seconds) VALUES (?, ?, ?, ?)");
  for (std::size_t i = 0; i < seconds.size(); ++i) {
    ins.bind(1, trial_id)
        .bind(2, std::int64_t{rank})
        .bind(3, static_cast<std::int64_t>(i))
        .bind(4, seconds[i])
        .run();
  }
  t.commit();
}

void Database::write_gpu_info(const std::vector<GpuInfo>& gpus) {
  Transaction t(*this);
  Statement seen(db_, "SELECT 1 FROM TARGET_INFO_GPU WHERE uuid = ?");
  Statement ins(
      db_,
      "INSERT INTO TARGET_INFO_GPU(vmId, id, name, busLocation, isDiscrete, l2CacheSize, totalMemory, "
      "memoryBandwidth, clockRate, smCount, uuid, chipName, cuDevice, computeMajor, computeMinor, "
      "maxThreadsPerBlock, threadsPerWarp, maxShmemPerBlock, maxRegistersPerBlock, maxShmemPerBlockOptin) "
      "VALUES (0, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const auto& g : gpus) {
    seen.bind(1, g.uuid);
    const bool known = !g.uuid.empty() && seen.step();
    seen.reset();
    if (known) continue;
    using I = std::int64_t;
    ins.bind(1, I{g.id})
        .bind(2, g.name)
        .bind(3, g.bus_location)
        .bind(4, g.l2_cache_size)
        .bind(5, g.total_memory);
    ins.bind(6, g.memory_bandwidth).bind(7, g.clock_rate).bind(8, I{g.sm_count}).bind(9, g.uuid);
    ins.bind(10, g.chip_name).bind(11, I{g.id}).bind(12, I{g.compute_major}).bind(13, I{g.compute_minor});
    ins.bind(14, I{g.max_threads_per_block})
        .bind(15, I{g.threads_per_warp})
        .bind(16, I{g.max_shmem_per_block});
    ins.bind(17, I{g.max_registers_per_block}).bind(18, I{g.max_shmem_per_block_optin}).run();
  }
  t.commit();
}

std::int64_t Database::intern(std::string_view value) {
  auto it = string_ids_.find(std::string(value));
  if (it != string_ids_.end()) return it->second;
  Statement sel(db_, "SELECT id FROM StringIds WHERE value=?");
  sel.bind(1, value);
  std::int64_t id;
  if (sel.step()) {
    id = sel.int64(0);
  } else {
    Statement ins(db_, "INSERT INTO StringIds(value) VALUES (?)");
    ins.bind(1, value).run();
    id = sqlite3_last_insert_rowid(db_);
  }
  string_ids_.emplace(std::string(value), id);
  return id;
}

}  // namespace burst::db
