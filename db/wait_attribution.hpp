// Which part of a rank's waiting is load imbalance and which is data in flight (docs/report.md,
// "Waiting for a late peer"). A `wait` range on rank r names the peer p it waits for and the step
// (and piece) of the message. The message's `send` range on p (peer r, same step, same piece when
// the wait names one; the last piece's when it does not), in p's current pass, starts at s:
//
//    rank r   |== wait ==========================|
//    rank p   ...computing.........|send|
//             a                    s             b
//             [a, s): waiting for a late peer     [s, b): transfer (the data was in flight)
//
// A wait that ends before its message's send starts cannot happen; one with no peer, or whose
// message is not in the trace, is all transfer (it is never called imbalance without evidence).
#pragma once

#include <map>

#include "db/summary.hpp"
#include "db/trace_reader.hpp"

namespace burst::db {

// Per rank: the merged parts of its wait ranges spent waiting for a late peer (ns, as in the trace).
std::map<int, Intervals> late_peer_waits(const TrialTrace& trace);

}  // namespace burst::db
