// The `peer` communicator: ranks as threads of one process moving device buffers with
// cudaMemcpyPeerAsync. GpuPeer* run several ranks on device 0 (what a one-GPU machine can do) and
// skip without a GPU; the host-only test checks that a missing GPU is a clear error.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

#include "burst/error.hpp"
#include "comm/peer_communicator.hpp"
#include "gpu_fixture.hpp"

namespace burst::test {
namespace {

TEST(PeerComm, NoGpuIsAClearError) {
  if (!gpu_unavailable_reason()) GTEST_SKIP() << "a GPU is present: this checks the no-GPU path";
  try {
    comm::make_peer_world({0, 0});
    FAIL() << "make_peer_world succeeded without a GPU";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cuda"), std::string::npos) << e.what();
  }
}

// A ring step on every rank: send my block to rank + 1, receive rank - 1's, check its contents.
TEST(GpuPeer, RingExchangeOnOneDevice) {
  BURST_SKIP_WITHOUT_GPU();
  for (int ranks : {2, 3, 4}) {
    SCOPED_TRACE(ranks);
    auto world =
        comm::make_peer_world(std::vector<int>(static_cast<std::size_t>(ranks), 0), std::chrono::seconds(20));
    constexpr std::size_t count = 1 << 20;
    std::vector<std::thread> threads;
    std::vector<std::string> errors(static_cast<std::size_t>(ranks));
    for (int r = 0; r < ranks; ++r)
      threads.emplace_back([&, r] {
        try {
          Communicator& c = *world[static_cast<std::size_t>(r)];
          cudaSetDevice(0);
          std::vector<std::uint32_t> mine(count, static_cast<std::uint32_t>(r * 1000 + 7)), got(count, 0);
          DeviceBuffer send = DeviceBuffer::from(mine), recv(count * 4);
          for (int step = 0; step < 3; ++step) {
            auto rq = c.irecv(recv.get(), count * 4, (r - 1 + ranks) % ranks, step);
            auto sq = c.isend(send.get(), count * 4, (r + 1) % ranks, step);
            c.wait(*rq, "peer ring step");
            c.wait(*sq, "peer ring step");
          }
          got = recv.to_host<std::uint32_t>(count);
          const auto expect = static_cast<std::uint32_t>(((r - 1 + ranks) % ranks) * 1000 + 7);
          for (std::size_t i = 0; i < count; ++i)
            if (got[i] != expect) {
              errors[static_cast<std::size_t>(r)] = "wrong value at " + std::to_string(i);
              break;
            }
          c.barrier();
        } catch (const std::exception& e) {
          errors[static_cast<std::size_t>(r)] = e.what();
        }
      });
    for (auto& t : threads) t.join();
    for (int r = 0; r < ranks; ++r) EXPECT_EQ(errors[static_cast<std::size_t>(r)], "") << "rank " << r;
  }
}

TEST(GpuPeer, SizeMismatchIsAnError) {
  BURST_SKIP_WITHOUT_GPU();
  auto world = comm::make_peer_world({0, 0}, std::chrono::seconds(5));
  DeviceBuffer a(64), b(64);
  auto sq = world[0]->isend(a.get(), 64, 1, 0);
  auto rq = world[1]->irecv(b.get(), 32, 0, 0);
  EXPECT_THROW(world[1]->wait(*rq, "mismatch"), Error);
}

}  // namespace
}  // namespace burst::test
