// Prepared-statement wrapper and the SQLite error check.
#include "db/sqlite.hpp"

#include "burst/error.hpp"

namespace burst::db {

void check_sqlite(int rc, sqlite3* db, std::string_view what, const char* file, int line) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  std::string message = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)) +
                        " (SQLite code " + std::to_string(rc) + ")";
  const int primary = rc & 0xff;
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) {
    throw InvalidArgument("not a usable burst-tune database (truncated, corrupt or foreign file): " + message,
                          file, line, std::string(what));
  }
  throw Error(message, file, line, std::string(what));
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db), sql_(sql) {
  BURST_SQLITE(db_,
               sqlite3_prepare_v3(db_, sql_.data(), static_cast<int>(sql_.size()), SQLITE_PREPARE_PERSISTENT,
                                  &stmt_, nullptr),
               "prepare: " + sql_);
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), sql_(std::move(other.sql_)) {
  other.stmt_ = nullptr;
}

Statement& Statement::bind(int index, std::int64_t value) {
  BURST_SQLITE(db_, sqlite3_bind_int64(stmt_, index, value), "bind: " + sql_);
  return *this;
}
Statement& Statement::bind(int index, double value) {
  BURST_SQLITE(db_, sqlite3_bind_double(stmt_, index, value), "bind: " + sql_);
  return *this;
}
Statement& Statement::bind(int index, std::string_view text) {
  BURST_SQLITE(db_,
               sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT),
               "bind: " + sql_);
  return *this;
}
Statement& Statement::bind_null(int index) {
  BURST_SQLITE(db_, sqlite3_bind_null(stmt_, index), "bind: " + sql_);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3_reset(stmt_);
  BURST_SQLITE(db_, rc, "step: " + sql_);
  return false;
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}
std::int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}
double Statement::real(int column) const {
  return sqlite3_column_double(stmt_, column);
}
std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
           : std::string();
}

}  // namespace burst::db
