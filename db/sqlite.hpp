// Thin RAII layer over SQLite: prepared statements only, errors as burst::Error carrying
// file:line, the SQL and SQLite's errmsg (burst::InvalidArgument when the file is not a usable
// database: SQLITE_NOTADB, SQLITE_CORRUPT).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace burst::db {

// Throws when rc is not SQLITE_OK/ROW/DONE.
void check_sqlite(int rc, sqlite3* db, std::string_view what, const char* file, int line);
#define BURST_SQLITE(handle, call, what) \
  ::burst::db::check_sqlite((call), (handle), (what), __FILE__, __LINE__)

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based like SQLite's.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_null(int index);
  template <class T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  bool step();   // true while a row is available
  void run();    // step() expecting no row, then reset()
  void reset();  // ready to bind again (bindings cleared)

  bool is_null(int column) const;
  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;

  sqlite3_stmt* handle() const { return stmt_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

}  // namespace burst::db
