// Launch detection and the world factories.
#include "comm/launch.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "burst/config.hpp"
#include "burst/error.hpp"

namespace burst::comm {
namespace {

// Every variable a launcher sets (or a stray shell leaves behind), cleared for one test.
class LaunchEnvironment : public ::testing::Test {
 protected:
  static constexpr const char* names[] = {"OMPI_COMM_WORLD_SIZE",
                                          "OMPI_COMM_WORLD_RANK",
                                          "PMIX_RANK",
                                          "PMIX_NAMESPACE",
                                          "PMI_SIZE",
                                          "PMI_RANK",
                                          "PMI_FD",
                                          "PMI_PORT",
                                          "MV2_COMM_WORLD_SIZE",
                                          "MV2_COMM_WORLD_RANK",
                                          "MPI_LOCALNRANKS",
                                          "SLURM_PROCID"};
  void SetUp() override { clear(); }
  void TearDown() override { clear(); }
  static void clear() {
    for (const char* name : names) unsetenv(name);
  }
};

TEST_F(LaunchEnvironment, StrayVariablesAloneAreASingleProcess) {
  EXPECT_FALSE(launched_by_mpi());
  setenv("SLURM_PROCID", "0", 1);  // srun without PMI is not an MPI launch
  EXPECT_FALSE(launched_by_mpi());
  // One variable left behind by a shell or a parent job says nothing about this process.
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK", "MV2_COMM_WORLD_SIZE",
                           "MPI_LOCALNRANKS", "OMPI_COMM_WORLD_RANK"}) {
    setenv(name, "4", 1);
    EXPECT_FALSE(launched_by_mpi()) << name << "=4 alone";
    unsetenv(name);
  }
  setenv("PMI_SIZE", "1", 1);
  EXPECT_FALSE(launched_by_mpi()) << "PMI_SIZE=1 alone";
}

TEST_F(LaunchEnvironment, InconsistentRankAndSizeAreNotALaunch) {
  setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
  setenv("OMPI_COMM_WORLD_RANK", "2", 1);  // rank must be below the size
  EXPECT_FALSE(launched_by_mpi());
  setenv("OMPI_COMM_WORLD_RANK", "x", 1);
  EXPECT_FALSE(launched_by_mpi());
  setenv("OMPI_COMM_WORLD_RANK", "-1", 1);
  EXPECT_FALSE(launched_by_mpi());
  clear();
  setenv("PMI_RANK", "0", 1);
  setenv("PMI_SIZE", "2", 1);  // no PMI_FD / PMI_PORT: no process manager to talk to
  EXPECT_FALSE(launched_by_mpi());
}

TEST_F(LaunchEnvironment, EachLaunchersFullSetIsALaunch) {
  setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
  setenv("OMPI_COMM_WORLD_RANK", "1", 1);
  EXPECT_TRUE(launched_by_mpi()) << "OpenMPI mpirun";
  clear();
  setenv("PMIX_RANK", "0", 1);
  setenv("PMIX_NAMESPACE", "slurm.pmix.42.0", 1);
  EXPECT_TRUE(launched_by_mpi()) << "PMIx";
  clear();
  setenv("PMI_RANK", "3", 1);
  setenv("PMI_SIZE", "4", 1);
  setenv("PMI_FD", "7", 1);
  EXPECT_TRUE(launched_by_mpi()) << "MPICH hydra / srun --mpi=pmi2";
  unsetenv("PMI_FD");
  setenv("PMI_PORT", "node1:5555", 1);
  EXPECT_TRUE(launched_by_mpi()) << "PMI over a port";
  clear();
  setenv("MV2_COMM_WORLD_SIZE", "2", 1);
  setenv("MV2_COMM_WORLD_RANK", "0", 1);
  EXPECT_TRUE(launched_by_mpi()) << "MVAPICH2";
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
