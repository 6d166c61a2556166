#include "support/mpi_main.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "burst/error.hpp"
#include "burst/launch.hpp"

namespace burst::test {
namespace {
Communicator* g_world = nullptr;
}  // namespace

Communicator& mpi_world() {
  BURST_CHECK(g_world != nullptr, "mpi_world() used outside the MPI test main");
  return *g_world;
}

}  // namespace burst::test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  int status = 1;
  {
    auto world = burst::comm::make_mpi_world();
    world->set_deadline(std::chrono::seconds(120));
    burst::test::g_world = world.get();
    double failed = RUN_ALL_TESTS() != 0 ? 1.0 : 0.0;
    world->allreduce_max(&failed, 1);  // every rank returns the same status
    status = failed != 0.0 ? 1 : 0;
    burst::test::g_world = nullptr;
  }
  return status;  // MPI_Finalize runs at exit
}
