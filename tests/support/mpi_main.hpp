// The main() of every GoogleTest program started under mpiexec (tests/comm, tests/runtime): it
// creates the MPI world, runs every test on every rank, and makes all ranks return the same exit
// code, so a failure on any rank fails the job.
#pragma once

#include "burst/communicator.hpp"

namespace burst::test {

// The MPI world of this test program (valid while the tests run).
Communicator& mpi_world();

}  // namespace burst::test
