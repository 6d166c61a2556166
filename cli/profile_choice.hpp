// Choosing a run's schedule from a tuned profile (`run --profile`, `explain`): the fingerprint of
// "here" for a given world, and the merge of a profile's schedule with flags given on the command
// line (flags win).
#pragma once

#include <CLI/CLI.hpp>

#include "burst/attention.hpp"
#include "burst/fingerprint.hpp"
#include "cli/shape_flags.hpp"

namespace burst::cli {

// This machine's fingerprint for a world of `world` ranks: the MPI world's when given, else one
// process driving `world` local ranks (one node of `world` ranks).
Fingerprint fingerprint_here(int world, Communicator* mpi_world);

// `base` with every schedule option that was given on `cmd` taken from `flags`.
Schedule override_given(Schedule base, const ScheduleFlags& flags, const CLI::App& cmd);

}  // namespace burst::cli
