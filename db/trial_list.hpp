// The trials of a database as `burst-tune show` lists them: status, failure, config, sample count,
// the trial's time (db/trial_time.hpp), whether a trace is linked.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db/database.hpp"

namespace burst::db {

struct TrialListRow {
  std::int64_t id = 0;
  std::string status, failure, config;  // failure: '' when none; config: JSON text
  std::int64_t samples = 0;             // rows in samples (every rank)
  double median_s = 0;                  // the trial's time (db/trial_time.hpp); 0 without timed iterations
  bool traced = false;                  // has rows in trial_trace
};

// Every trial, by id.
std::vector<TrialListRow> trial_list(const Database& db);

// The ids of the trials with a trace (the rows above with `traced`), ascending: what `export` can
// export. `show` and `export` default to the last of them.
std::vector<std::int64_t> traced_trials(const Database& db);

}  // namespace burst::db
