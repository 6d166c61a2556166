// The one time of a trial (docs/tuning-records.md, "The time of a trial"): per timed iteration the
// slowest rank's time of each pass run, summed over the passes (the critical path), then the median
// over the timed iterations. It is what tune's measurement protocol compares (tuner/measure.cpp:
// `stats.median_s` of a tuning trial), and what `trace`, `show` and `report` print as a trial's time.
#pragma once

#include <cstdint>
#include <string>

#include "db/database.hpp"

namespace burst::db {

struct TrialTime {
  bool known = false;  // false: the trial has no timed iteration recorded
  double median_s = 0;
  double noise = 0;    // sample stdev / median of the per-iteration times
  int iterations = 0;  // timed iterations behind the figure
};

// From a trial's stats JSON alone: `median_s` (+ `noise`, `samples`) of a tuning trial, else the
// per-pass slowest-rank samples (`forward.samples_s`, `backward.samples_s`) that `trace` records.
TrialTime trial_time_from_stats(const std::string& stats_json);

// As above; for a trial whose stats hold neither (older files), per sample index the largest of the
// ranks' own iteration times in `samples` (the slowest rank's iteration), then the median.
TrialTime trial_time(const Database& db, std::int64_t trial_id, const std::string& stats_json);

}  // namespace burst::db
