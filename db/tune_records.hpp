// What `burst-tune tune` reads and writes beside the trials (docs/tuning-records.md): the
// tune_jobs and tune_results tables (db/schema.cpp) and the trial queries of resume and replay.
// JSON columns travel as text; the tuner builds and interprets them.
//
//   db::ensure_tune_tables(db);                            // before any other call on a file
//   auto job = db::find_tune_job(db, key);                 // resume: the latest job with this key
//   ... job ? db::resume_tune_job(db, *job, session) : db::insert_tune_job(db, key, session, options)
//   db::replace_tune_result(db, job, result);              // per workload, when it has a winner
//   db::finish_tune_job(db, job, "complete", results);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.hpp"

namespace burst::db {

// One row of tune_jobs (without results).
struct TuneJobRow {
  std::int64_t id = 0, first_session_id = 0, last_session_id = 0;
  std::string status;   // 'running' 'interrupted' 'complete'
  std::string options;  // JSON text
};

// One row of tune_results (without job_id).
struct TuneResultRow {
  std::string workload;  // Workload JSON text
  std::optional<std::int64_t> default_trial_id, winner_trial_id;
  std::string summary;  // JSON text
};

// The columns of a trials row that resume and replay read.
struct TrialRecord {
  std::int64_t id = 0;
  std::string config, status;                        // config: JSON text
  std::optional<std::string> failure_reason, stats;  // stats: JSON text
};

// Creates tune_jobs and tune_results when missing (CREATE TABLE IF NOT EXISTS).
void ensure_tune_tables(Database& db);
// Whether the file has a tune_jobs table (a file `tune` never wrote to has none).
bool has_tune_jobs(const Database& db);

// ---- the job ----

// The latest job with this key (fingerprint + options hash), if any.
std::optional<std::int64_t> find_tune_job(const Database& db, std::string_view job_key);
// A new job started by `session_id`, status 'running'; returns its id.
std::int64_t insert_tune_job(Database& db, std::string_view job_key, std::int64_t session_id,
                             std::string_view options_json);
// `session_id` resumes the job: last_session_id = session_id, status 'running'.
void resume_tune_job(Database& db, std::int64_t job_id, std::int64_t session_id);
// Final status and results JSON.
void finish_tune_job(Database& db, std::int64_t job_id, std::string_view status,
                     std::string_view results_json);
// The job `id`, else (no id) the latest job.
std::optional<TuneJobRow> tune_job(const Database& db, std::optional<std::int64_t> id);
// The latest job whose sessions span `session_id` (first_session_id <= it <= last_session_id).
std::optional<std::int64_t> tune_job_spanning_session(const Database& db, std::int64_t session_id);
// sessions.fingerprint of the session that started the job (nullopt: no such job, or NULL).
std::optional<std::string> tune_job_fingerprint(const Database& db, std::int64_t job_id);

// ---- results ----

// Replaces the job's row for result.workload (delete, then insert).
void replace_tune_result(Database& db, std::int64_t job_id, const TuneResultRow& result);
// The job's rows, in table order.
std::vector<TuneResultRow> tune_results(const Database& db, std::int64_t job_id);

// ---- trials ----

// Whether pruned trials of this job and workload index were recorded (by an earlier session).
bool has_pruned_trials(const Database& db, std::int64_t job_id, std::int64_t workload_index);
// Finished (ok, stopped_early, failed) tune trials of the sessions with this fingerprint JSON, by id.
std::vector<TrialRecord> finished_tune_trials(const Database& db, std::string_view fingerprint_json);
// Every trial of the sessions first..last, by id.
std::vector<TrialRecord> trials_of_sessions(const Database& db, std::int64_t first_session_id,
                                            std::int64_t last_session_id);
// trials.config of every trial of a session, by id.
std::vector<std::string> trial_configs_of_session(const Database& db, std::int64_t session_id);

}  // namespace burst::db
