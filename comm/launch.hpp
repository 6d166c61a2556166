// Moved to the public include/burst/launch.hpp; kept so existing includes keep working.
#pragma once

#include <string_view>

#include "burst/launch.hpp"

namespace burst::comm {

// For a program's top-level error handler (burst-tune's main): when this process is one rank of a
// running MPI job of more than one process, writes `line` to stderr and ends the whole job with
// MPI_Abort(exit_code), so the other ranks stop at once instead of waiting out their deadline in a
// collective this rank will never join (and MPI_Finalize's own wait). Returns false (and does
// nothing) otherwise: no MPI in the build, MPI not initialised or already finalised, one rank.
bool abort_mpi_job(std::string_view line, int exit_code);

}  // namespace burst::comm
