// Chrome trace JSON (opens in Perfetto and chrome://tracing) for one trial:
//  - one process per rank (pid = rank, named "rank N (host)"), one track per thread (tid = OS tid)
//    and one per GPU stream (tid = 1'000'000'000 + device * 65536 + stream, named "GPU d stream s");
//  - each range and GPU activity as one complete event ("ph":"X", "ts" and "dur" in microseconds,
//    ts from the earliest event of the trial), properly nested per track (a child's [ts, ts+dur]
//    inside its parent's), parents first;
//  - a flow arrow ("s" -> "f", shared id) from each send to the receive it feeds: the k-th send
//    from rank a to peer b with (step, chunk) matches the k-th recv on b from a with the same
//    (step, chunk); "s" lies inside the send slice, "f" ("bp":"e", bound to its enclosing slice)
//    inside the recv slice. docs/trace-schema.md describes the file.
#pragma once

#include <ostream>
#include <string>

#include "db/trace_reader.hpp"

namespace burst::db {

struct PerfettoStats {
  std::size_t slices = 0;
  std::size_t flows = 0;
};

PerfettoStats write_perfetto(const TrialTrace& trace, std::ostream& out);
// Convenience: load the trial and write `path`; throws burst::Error when the file cannot be written.
PerfettoStats export_perfetto(const Database& db, std::int64_t trial_id, const std::string& path);

}  // namespace burst::db
