// burst::db::Database: one SQLite file holding sessions, trials, samples and the trace of each
// trial in Nsight-Systems-export tables (docs/trace-schema.md).
//
// A traced trial, in order (rank 0 writes; other ranks only contribute their RankTrace):
//
//   db::Database db(path, /*create_if_missing=*/true);
//   auto session = db.begin_session("tune ...", fingerprint_json);
//   auto trial = db.begin_trial(session, config_json);
//   ... run; ranks = tuner::gather_events(comm, trace::make_rank_trace(rank, tracer.drain())) ...
//   db.add_samples(trial, rank, seconds);
//   db.write_trace(trial, ranks, cupti_per_rank);     // once per trial, one transaction
//   db.finish_trial(trial, "ok", "", stats_json);      // or "failed" with the reason
//
// Open errors are burst::InvalidArgument with the path: an empty path, a missing file (without
// create), a FIFO or directory, a foreign file, a truncated file, an SQLite file that is not ours
// (an nsys export, say), a file failing SQLite's quick_check, a newer schema version. Every check
// reads only: a refused file is left byte for byte as it was (no journal-mode change, no table).
// OpenMode::read_only opens with SQLITE_OPEN_READONLY and never writes, so a database on a
// read-only file or directory can be read (show, report, export, plan, replay).
// Concurrency: WAL mode and a 30 s busy timeout, so processes writing one file wait for each other.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "burst/error.hpp"
#include "db/sqlite.hpp"
#include "trace/cupti_records.hpp"
#include "trace/host_tracer.hpp"

namespace burst::db {

// globalTid encoding (nsys layout: pid in bits 24..47, tid in bits 0..23): pid = rank + 1.
inline std::int64_t global_pid(int rank) {
  return static_cast<std::int64_t>(rank + 1) << 24;
}
inline std::int64_t global_tid(int rank, std::uint32_t tid) {
  return global_pid(rank) | (tid & 0xFFFFFFu);
}
inline int rank_of_global_tid(std::int64_t gtid) {
  return static_cast<int>((gtid >> 24) & 0xFFFFFF) - 1;
}

// One row of TARGET_INFO_GPU (nsys columns; what `detect` knows).
struct GpuInfo {
  int id = 0;  // CUDA device ordinal
  std::string name, bus_location, uuid, chip_name;
  std::int64_t total_memory = 0, l2_cache_size = 0, memory_bandwidth = 0, clock_rate = 0;
  int sm_count = 0, compute_major = 0, compute_minor = 0;
  int max_threads_per_block = 0, threads_per_warp = 32, max_shmem_per_block = 0,
      max_shmem_per_block_optin = 0;
  int max_registers_per_block = 0;
};

enum class OpenMode {
  read_only,   // an existing burst-tune database, read without writing anything
  read_write,  // an existing burst-tune database (or an empty file, given the tables)
  create,      // as read_write, and a missing file is created
};

class Database {
 public:
  Database(const std::string& path, OpenMode mode);
  Database(const std::string& path, bool create_if_missing)
      : Database(path, create_if_missing ? OpenMode::create : OpenMode::read_write) {}
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }
  Statement prepare(std::string_view sql) const { return Statement(db_, sql); }
  void exec(std::string_view sql);
  int schema_version_of_file() const { return file_version_; }

  // BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed uncommitted.
  class Transaction {
   public:
    explicit Transaction(Database& db);
    ~Transaction();
    void commit();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

   private:
    Database& db_;
    bool done_ = false;
  };

  std::int64_t begin_session(std::string_view command, std::string_view fingerprint_json);
  std::int64_t begin_trial(std::int64_t session_id, std::string_view config_json);
  void finish_trial(std::int64_t trial_id, std::string_view status, std::string_view failure_reason,
                    std::string_view stats_json);
  void add_samples(std::int64_t trial_id, int rank, const std::vector<double>& seconds);

  // Writes every rank's NVTX ranges (and CUPTI records: cupti[i] belongs to ranks[i]; may be empty)
  // with MPI_RANKS, trial_ranks and trial_trace link rows, in one transaction. Once per trial.
  void write_trace(std::int64_t trial_id, const std::vector<trace::RankTrace>& ranks,
                   const std::vector<trace::CuptiRecords>& cupti = {});

  // TARGET_INFO_GPU rows for the GPUs of this session (skips devices already recorded by uuid).
  void write_gpu_info(const std::vector<GpuInfo>& gpus);

  // StringIds id of `value`, inserted when new (call inside a transaction for speed).
  std::int64_t intern(std::string_view value);

 private:
  void open_checked(OpenMode mode);
  std::uintmax_t check_file(OpenMode mode) const;
  void check_not_truncated(std::uintmax_t size);
  void open_connection(OpenMode mode);
  std::int64_t table_count() const;
  void check_integrity();
  void create_or_validate(bool created_now);
  void set_wal_mode();

  static constexpr int busy_timeout_ms = 30000;

  std::string path_;
  sqlite3* db_ = nullptr;
  int file_version_ = 0;
  std::unordered_map<std::string, std::int64_t> string_ids_;
};

}  // namespace burst::db
