// Collecting a trial's trace over MPI ranks: every rank serialises its RankTrace
// (trace::serialise), rank 0 gathers the bytes with Communicator::gather() and moves each rank's
// timestamps onto its own clock (through each rank's CLOCK_REALTIME - CLOCK_MONOTONIC offset).
// Ranks that are threads of one process do not gather: see trace::split_by_rank.
#pragma once

#include <vector>

#include "burst/communicator.hpp"
#include "trace/host_tracer.hpp"

namespace burst::tuner {

// Collective: every rank calls it. Root gets one RankTrace per rank (index = rank), with every
// event's timestamps shifted onto the root's steady_clock; others get an empty vector.
std::vector<trace::RankTrace> gather_events(Communicator& comm, const trace::RankTrace& mine, int root = 0);

}  // namespace burst::tuner
