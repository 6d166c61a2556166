// SQL of the tune_jobs / tune_results tables and the trial queries of resume and replay
// (docs/tuning-records.md). The tables themselves are defined in db/schema.cpp.
#include "db/tune_records.hpp"

#include "db/schema.hpp"

namespace burst::db {
namespace {

std::optional<std::string> optional_text(const Statement& st, int column) {
  if (st.is_null(column)) return std::nullopt;
  return st.text(column);
}

TrialRecord trial_record(const Statement& st) {
  return TrialRecord{st.int64(0), st.text(1), st.text(2), optional_text(st, 3), optional_text(st, 4)};
}

}  // namespace

void ensure_tune_tables(Database& db) {
  db.exec(tune_tables_sql());
}

bool has_tune_jobs(const Database& db) {
  auto st = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
  st.bind(1, std::string_view("tune_jobs"));
  return st.step() && st.int64(0) > 0;
}

std::optional<std::int64_t> find_tune_job(const Database& db, std::string_view job_key) {
  auto find = db.prepare("SELECT id FROM tune_jobs WHERE job_key = ? ORDER BY id DESC LIMIT 1");
  find.bind(1, job_key);
  if (!find.step()) return std::nullopt;
  return find.int64(0);
}

std::int64_t insert_tune_job(Database& db, std::string_view job_key, std::int64_t session_id,
                             std::string_view options_json) {
  auto ins = db.prepare(
      "INSERT INTO tune_jobs(job_key, first_session_id, last_session_id, status, options) "
      "VALUES (?, ?, ?, 'running', ?)");
  ins.bind(1, job_key).bind(2, session_id).bind(3, session_id).bind(4, options_json);
  ins.run();
  return sqlite3_last_insert_rowid(db.handle());
}

void resume_tune_job(Database& db, std::int64_t job_id, std::int64_t session_id) {
  auto up = db.prepare("UPDATE tune_jobs SET last_session_id = ?, status = 'running' WHERE id = ?");
  up.bind(1, session_id).bind(2, job_id);
  up.run();
}

void finish_tune_job(Database& db, std::int64_t job_id, std::string_view status,
                     std::string_view results_json) {
  auto up = db.prepare("UPDATE tune_jobs SET status = ?, results = ? WHERE id = ?");
  up.bind(1, status).bind(2, results_json).bind(3, job_id);
  up.run();
}

std::optional<TuneJobRow> tune_job(const Database& db, std::optional<std::int64_t> id) {
  auto st = id ? db.prepare(
                     "SELECT id, first_session_id, last_session_id, status, options FROM tune_jobs "
                     "WHERE id = ?")
               : db.prepare(
                     "SELECT id, first_session_id, last_session_id, status, options FROM tune_jobs "
                     "ORDER BY id DESC LIMIT 1");
  if (id) st.bind(1, *id);
  if (!st.step()) return std::nullopt;
  return TuneJobRow{st.int64(0), st.int64(1), st.int64(2), st.text(3), st.text(4)};
}

std::optional<std::int64_t> tune_job_spanning_session(const Database& db, std::int64_t session_id) {
  auto range = db.prepare(
      "SELECT id FROM tune_jobs WHERE first_session_id <= ? AND last_session_id >= ? "
      "ORDER BY id DESC LIMIT 1");
  range.bind(1, session_id).bind(2, session_id);
  if (range.step()) return range.int64(0);
  return std::nullopt;
}

std::optional<std::string> tune_job_fingerprint(const Database& db, std::int64_t job_id) {
  auto q = db.prepare(
      "SELECT s.fingerprint FROM tune_jobs j JOIN sessions s ON s.id = j.first_session_id WHERE j.id = ?");
  q.bind(1, job_id);
  if (!q.step()) return std::nullopt;
  return optional_text(q, 0);
}

void replace_tune_result(Database& db, std::int64_t job_id, const TuneResultRow& result) {
  auto del = db.prepare("DELETE FROM tune_results WHERE job_id = ? AND workload = ?");
  del.bind(1, job_id).bind(2, result.workload);
  del.run();
  auto ins = db.prepare(
      "INSERT INTO tune_results(job_id, workload, default_trial_id, winner_trial_id, summary) VALUES (?, ?, "
      "?, ?, ?)");
  ins.bind(1, job_id)
      .bind(2, result.workload)
      .bind(3, result.default_trial_id)
      .bind(4, result.winner_trial_id)
      .bind(5, result.summary);
  ins.run();
}

std::vector<TuneResultRow> tune_results(const Database& db, std::int64_t job_id) {
  std::vector<TuneResultRow> out;
  auto s = db.prepare(
      "SELECT workload, default_trial_id, winner_trial_id, summary FROM tune_results WHERE job_id = ?");
  s.bind(1, job_id);
  while (s.step()) {
    TuneResultRow r;
    r.workload = s.text(0);
    if (!s.is_null(1)) r.default_trial_id = s.int64(1);
    if (!s.is_null(2)) r.winner_trial_id = s.int64(2);
    r.summary = s.text(3);
    out.push_back(std::move(r));
  }
  return out;
}

bool has_pruned_trials(const Database& db, std::int64_t job_id, std::int64_t workload_index) {
  auto count = db.prepare(
      "SELECT COUNT(*) FROM trials WHERE status = 'pruned' AND json_extract(config, '$.job_id') = ? "
      "AND json_extract(config, '$.workload_index') = ?");
  count.bind(1, job_id).bind(2, workload_index);
  return count.step() && count.int64(0) > 0;
}

std::vector<TrialRecord> finished_tune_trials(const Database& db, std::string_view fingerprint_json) {
  std::vector<TrialRecord> out;
  auto q = db.prepare(
      "SELECT t.id, t.config, t.status, t.failure_reason, t.stats FROM trials t JOIN sessions s ON s.id = "
      "t.session_id "
      "WHERE s.fingerprint = ? AND t.status IN ('ok', 'stopped_early', 'failed') "
      "AND json_extract(t.config, '$.kind') = 'tune' ORDER BY t.id");
  q.bind(1, fingerprint_json);
  while (q.step()) out.push_back(trial_record(q));
  return out;
}

std::vector<TrialRecord> trials_of_sessions(const Database& db, std::int64_t first_session_id,
                                            std::int64_t last_session_id) {
  std::vector<TrialRecord> out;
  auto st = db.prepare(
      "SELECT id, config, status, failure_reason, stats FROM trials "
      "WHERE session_id BETWEEN ? AND ? ORDER BY id");
  st.bind(1, first_session_id).bind(2, last_session_id);
  while (st.step()) out.push_back(trial_record(st));
  return out;
}

std::vector<std::string> trial_configs_of_session(const Database& db, std::int64_t session_id) {
  std::vector<std::string> out;
  auto st = db.prepare("SELECT config FROM trials WHERE session_id = ? ORDER BY id");
  st.bind(1, session_id);
  while (st.step()) out.push_back(st.text(0));
  return out;
}

}  // namespace burst::db
