// Launch detection and the world factories that do not depend on a backend's headers.
#include "comm/launch.hpp"

#include <cstdlib>

#include "burst/config.hpp"
#include "burst/error.hpp"

#if BURST_HAVE_MPI
#include "comm/mpi_communicator.hpp"
#endif

namespace burst::comm {

bool launched_by_mpi() {
  // OpenMPI (mpirun), PMIx (OpenMPI 4+, srun --mpi=pmix), PMI-1/2 (MPICH hydra, srun --mpi=pmi2,
  // Intel MPI), MVAPICH2. A bare SLURM_PROCID is not enough: srun without PMI starts independent
  // processes that could not join one MPI world.
  static constexpr const char* variables[] = {
      "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_SIZE", "PMI_RANK",
      "MV2_COMM_WORLD_SIZE",  "MPI_LOCALNRANKS"};
  for (const char* name : variables) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return true;
  }
  return false;
}

bool mpi_available() {
  return BURST_HAVE_MPI != 0;
}

std::unique_ptr<Communicator> make_mpi_world() {
#if BURST_HAVE_MPI
  return std::make_unique<MpiCommunicator>();
#else
  BURST_THROW(Error,
              "this burst-tune was built without MPI (BURST_ENABLE_MPI=OFF); rebuild with MPI to "
              "run under mpirun");
#endif
}

std::unique_ptr<Communicator> make_mpi_comm(const void* mpi_comm) {
  BURST_REQUIRE(mpi_comm != nullptr, "MPI communicator: NULL pointer to an MPI_Comm");
#if BURST_HAVE_MPI
  return std::make_unique<MpiCommunicator>(*static_cast<const MPI_Comm*>(mpi_comm));
#else
  BURST_THROW(Error, "this libburst was built without MPI (BURST_ENABLE_MPI=OFF): no MPI communicator");
#endif
}

}  // namespace burst::comm
