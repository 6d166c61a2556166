// Launch detection and the world factories.
#include "comm/launch.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "burst/config.hpp"
#include "burst/error.hpp"

namespace burst::comm {
namespace {

TEST(comm_launch, DetectsMpiLaunchFromTheEnvironment) {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_SIZE",
                           "PMI_RANK", "MV2_COMM_WORLD_SIZE", "MPI_LOCALNRANKS"}) {
    unsetenv(name);
  }
  setenv("SLURM_PROCID", "0", 1);  // srun without PMI is not an MPI launch
  EXPECT_FALSE(launched_by_mpi());
  setenv("PMI_SIZE", "4", 1);
  EXPECT_TRUE(launched_by_mpi());
  unsetenv("PMI_SIZE");
  setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
  EXPECT_TRUE(launched_by_mpi());
  unsetenv("OMPI_COMM_WORLD_SIZE");
  unsetenv("SLURM_PROCID");
}

TEST(comm_launch, MpiAvailabilityMatchesTheBuild) {
  EXPECT_EQ(mpi_available(), BURST_HAVE_MPI != 0);
#if !BURST_HAVE_MPI
  try {
    make_mpi_world();
    FAIL() << "make_mpi_world without MPI returned";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("built without MPI"), std::string::npos);
  }
#endif
}

TEST(comm_launch, RunLocalRejectsAnEmptyWorld) {
  EXPECT_THROW(run_local(0, [](Communicator&) {}), InvalidArgument);
}

}  // namespace
}  // namespace burst::comm
