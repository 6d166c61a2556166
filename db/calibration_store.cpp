#include "db/calibration_store.hpp"

#include "db/schema.hpp"

namespace burst::db {

void insert_calibration(Database& db, std::string_view fingerprint_id, std::string_view rates_json) {
  db.exec(calibrations_table_sql());
  auto st = db.prepare(
      "INSERT INTO calibrations(fingerprint_id, created_utc, rates) "
      "VALUES (?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?)");
  st.bind(1, fingerprint_id).bind(2, rates_json);
  st.run();
}

std::optional<std::string> latest_calibration(Database& db, std::string_view fingerprint_id) {
  // Reads only (plan --db opens the file read-only): no table, no calibration.
  auto has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'calibrations'");
  if (!has.step()) return std::nullopt;
  auto st = db.prepare("SELECT rates FROM calibrations WHERE fingerprint_id = ? ORDER BY id DESC LIMIT 1");
  st.bind(1, fingerprint_id);
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

}  // namespace burst::db
