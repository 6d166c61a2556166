// Choosing a run's schedule from a tuned profile (`run --profile`, `explain`): the fingerprint of
// "here" for a given world, and the merge of a profile's schedule with flags given on the command
// line (flags win).
#pragma once

#include <CLI/CLI.hpp>

#include "burst/attention.hpp"
#include "burst/fingerprint.hpp"
#include "cli/shape_flags.hpp"

namespace burst::cli {

// This system's fingerprint (detect_system; the MPI world's when given, for its node count). It does
// not depend on the world size or the launch, which are part of each profile entry's key.
Fingerprint fingerprint_here(Communicator* mpi_world);

// The most ranks on one node: the MPI world's placement when given, else `world` local ranks.
int ranks_per_node_here(int world, Communicator* mpi_world);

// `base` with every schedule option that was given on `cmd` taken from `flags`.
Schedule override_given(Schedule base, const ScheduleFlags& flags, const CLI::App& cmd);

}  // namespace burst::cli
