// How this process was launched and the world communicators it can build: MPI, or several local
// ranks on threads of this process (run_local). Implementation: comm/launch.cpp.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "burst/communicator.hpp"

namespace burst::comm {

// True when this process was started by mpirun/mpiexec/srun with more than one rank or with an MPI
// environment (OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_RANK...).
bool launched_by_mpi();

// A communicator over the caller's MPI communicator (`mpi_comm` points to an MPI_Comm, e.g. a
// context-parallel subgroup); it is duplicated, so the caller keeps and frees its own. Throws
// burst::Error when the build has no MPI or MPI lacks MPI_THREAD_MULTIPLE.
std::unique_ptr<Communicator> make_mpi_comm(const void* mpi_comm);

// True when this build contains the MPI communicator.
bool mpi_available();

// The MPI world communicator. Initialises MPI once (MPI_THREAD_MULTIPLE) and finalises it at exit.
// Throws burst::Error when the build has no MPI.
std::unique_ptr<Communicator> make_mpi_world();

// Runs fn on `world_size` threads, each with its own rank of a `local` communicator, and waits for
// all. The first exception thrown by any rank aborts the others (their waits fail instead of
// hanging) and is rethrown here. `deadline` bounds every wait.
void run_local(int world_size, const std::function<void(Communicator&)>& fn,
               std::chrono::milliseconds deadline = default_comm_deadline());

}  // namespace burst::comm
