// Launch detection and the world factories that do not depend on a backend's headers.
#include "comm/launch.hpp"

#include <charconv>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "burst/config.hpp"
#include "burst/error.hpp"

#if BURST_HAVE_MPI
#include "comm/mpi_communicator.hpp"
#endif

namespace burst::comm {

namespace {

// The variable as a whole number, or nullopt when unset, empty or not a number.
std::optional<long> env_number(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return std::nullopt;
  const std::string_view s(text);
  long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool env_set(const char* name) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0';
}

// A rank and a size that a launcher would set together: 0 <= rank < size.
bool consistent(const char* rank_name, const char* size_name) {
  const auto rank = env_number(rank_name);
  const auto size = env_number(size_name);
  return rank && size && *size >= 1 && *rank >= 0 && *rank < *size;
}

}  // namespace

bool launched_by_mpi() {
  // One variable alone proves nothing: a shell, a container or a parent job can leave
  // OMPI_COMM_WORLD_SIZE or PMI_SIZE behind, and a process that then calls MPI_Init either runs
  // as a singleton or waits for peers that never come. Each launcher is recognised by the set of
  // variables it always gives its processes together:
  //  - OpenMPI's mpirun (ORTE/PRRTE): OMPI_COMM_WORLD_RANK and OMPI_COMM_WORLD_SIZE, consistent;
  //  - PMIx (OpenMPI 4+, srun --mpi=pmix): PMIX_RANK with PMIX_NAMESPACE (the job's name; a rank
  //    without the namespace it belongs to cannot connect to any server);
  //  - PMI-1/PMI-2 (MPICH and Intel MPI hydra, srun --mpi=pmi2): PMI_RANK and PMI_SIZE, consistent,
  //    with PMI_FD or PMI_PORT (how the process reaches its process manager);
  //  - MVAPICH2's mpirun_rsh: MV2_COMM_WORLD_RANK and MV2_COMM_WORLD_SIZE, consistent.
  // A bare SLURM_PROCID is not enough either: srun without PMI starts independent processes.
  if (consistent("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE")) return true;
  if (env_number("PMIX_RANK") && env_set("PMIX_NAMESPACE")) return true;
  if (consistent("PMI_RANK", "PMI_SIZE") && (env_set("PMI_FD") || env_set("PMI_PORT"))) return true;
  if (consistent("MV2_COMM_WORLD_RANK", "MV2_COMM_WORLD_SIZE")) return true;
  return false;
}

bool abort_mpi_job(std::string_view line, int exit_code) {
#if BURST_HAVE_MPI
  return abort_running_mpi_job(line, exit_code);
#else
  (void)line;
  (void)exit_code;
  return false;
#endif
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
