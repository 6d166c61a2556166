#include "db/trial_list.hpp"

#include "db/trial_time.hpp"

namespace burst::db {

std::vector<TrialListRow> trial_list(const Database& db) {
  std::vector<TrialListRow> rows;
  auto s = db.prepare(
      "SELECT t.id, t.status, coalesce(t.failure_reason, ''), t.config, coalesce(t.stats, '{}'), "
      "(SELECT count(*) FROM samples WHERE trial_id = t.id), "
      "EXISTS (SELECT 1 FROM trial_trace WHERE trial_id = t.id) FROM trials t ORDER BY t.id");
  while (s.step()) {
    TrialListRow row{s.int64(0), s.text(1), s.text(2), s.text(3), s.int64(5), 0.0, s.int64(6) != 0};
    // The trial's time (db/trial_time.hpp), the same figure `trace` prints and `report` uses.
    const TrialTime t = trial_time(db, row.id, s.text(4));
    row.median_s = t.known ? t.median_s : 0.0;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::int64_t> traced_trials(const Database& db) {
  std::vector<std::int64_t> ids;
  auto s = db.prepare(
      "SELECT t.id FROM trials t WHERE EXISTS (SELECT 1 FROM trial_trace WHERE trial_id = t.id) ORDER BY "
      "t.id");
  while (s.step()) ids.push_back(s.int64(0));
  return ids;
}

}  // namespace burst::db
