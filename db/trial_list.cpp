#include "db/trial_list.hpp"

namespace burst::db {

std::vector<TrialListRow> trial_list(const Database& db) {
  std::vector<TrialListRow> rows;
  auto s = db.prepare(
      "SELECT t.id, t.status, coalesce(t.failure_reason, ''), t.config, "
      "(SELECT count(*) FROM samples WHERE trial_id = t.id), "
      "EXISTS (SELECT 1 FROM trial_trace WHERE trial_id = t.id) FROM trials t ORDER BY t.id");
  while (s.step()) {
    rows.push_back({s.int64(0), s.text(1), s.text(2), s.text(3), s.int64(4), 0.0, s.int64(5) != 0});
  }
  for (auto& r : rows) {  // median of rank 0's samples (all samples when rank 0 has none)
    auto q = db.prepare("SELECT seconds FROM samples WHERE trial_id = ? ORDER BY seconds");
    q.bind(1, r.id);
    std::vector<double> v;
    while (q.step()) v.push_back(q.real(0));
    if (!v.empty())
      r.median_s = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
  }
  return rows;
}

}  // namespace burst::db
