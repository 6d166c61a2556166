// Internal to the tuning session (tuner/session*.cpp): everything a job writes to the database,
// through db/ (docs/tuning-records.md), and the finished trials it may reuse (resume). Rank 0 only.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "db/database.hpp"
#include "tuner/measure.hpp"
#include "tuner/session.hpp"

namespace burst::tuner::detail {

// A finished trial measured earlier with the same fingerprint, workload, candidate, level and protocol.
struct CachedTrial {
  std::int64_t trial_id = 0;
  Measurement m;
};

class Recorder {
 public:
  // Opens (creating) options.db_path, begins a session, and starts or resumes the job with the
  // same fingerprint and options. Keeps a reference to `options`.
  explicit Recorder(const TuneOptions& options);

  std::int64_t session() const { return session_; }
  std::int64_t job() const { return job_; }
  bool resumed_job() const { return resumed_job_; }

  const CachedTrial* cached(const Workload& w, const Candidate& c, int level) const;

  // The pruned candidates of a workload, once per job (an earlier session may have recorded them).
  void record_pruned(std::size_t workload_index, const SearchSpace& space);

  // A trial about to be measured (status running); returns its id.
  std::int64_t begin_trial(std::size_t workload_index, const Workload& w, const Candidate& c, int level,
                           int order);
  // Its outcome: stats, every rank's samples, the trace, the final status.
  void finish_trial(std::int64_t id, const Workload& w, const Candidate& c, const MeasureResult& r);

  // The workload's tune_results row (replacing one of an earlier session).
  void write_result(const WorkloadOutcome& o);
  void finish_job(const std::string& status, const nlohmann::json& results);

 private:
  nlohmann::json config(std::size_t workload_index, const Workload& w, const Candidate& c, int level,
                        const std::string& strategy, int order) const;
  void start_job();
  void load_cache();

  const TuneOptions& o_;
  db::Database db_;
  std::string fingerprint_json_, protocol_;
  std::int64_t session_ = 0, job_ = 0;
  bool resumed_job_ = false;
  std::map<std::string, CachedTrial> cache_;
};

}  // namespace burst::tuner::detail
