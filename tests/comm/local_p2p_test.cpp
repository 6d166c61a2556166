// Point-to-point transfers of the `local` communicator.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <numeric>
#include <thread>
#include <vector>

#include "burst/error.hpp"
#include "comm/launch.hpp"
#include "comm/local_communicator.hpp"

namespace burst::comm {
namespace {

using namespace std::chrono_literals;

// Word i of the block that starts at rank `origin`.
std::uint32_t pattern(int origin, std::size_t i) {
  return static_cast<std::uint32_t>(origin) * 2654435761u + static_cast<std::uint32_t>(i);
}

class comm_ring_exchange : public ::testing::TestWithParam<int> {};

// The ring schedule of BurstAttention: at step s rank r holds the block of rank (r - s) mod n.
TEST_P(comm_ring_exchange, EveryBlockVisitsEveryRank) {
  const int n = GetParam();
  std::atomic<int> checked{0};
  run_local(
      n,
      [&](Communicator& comm) {
        const int r = comm.rank();
        ASSERT_EQ(comm.size(), n);
        EXPECT_EQ(comm.backend(), "local");
        const std::size_t words = 1000 + static_cast<std::size_t>(r);  // ranks differ: sizes travel too
        std::vector<std::uint32_t> block(words);
        for (std::size_t i = 0; i < words; ++i) block[i] = pattern(r, i);
        std::vector<std::uint32_t> next;
        for (int step = 1; step < n + 1; ++step) {
          const int from = (r - 1 + n) % n;
          const int origin = ((r - step) % n + n) % n;
          next.assign(1000 + static_cast<std::size_t>(origin), 0);
          auto send = comm.isend(block.data(), block.size() * 4, (r + 1) % n, 7);
          auto recv = comm.irecv(next.data(), next.size() * 4, from, 7);
          EXPECT_EQ(recv->peer(), from);
          EXPECT_EQ(recv->bytes(), next.size() * 4);
          comm.wait(*send, "ring step");
          comm.wait(*recv, "ring step");
          for (std::size_t i = 0; i < next.size(); ++i) {
            ASSERT_EQ(next[i], pattern(origin, i)) << "rank " << r << " step " << step;
          }
          block.swap(next);
          ++checked;
        }
        // After n steps every block is back home.
        EXPECT_EQ(block[5], pattern(r, 5));
      },
      10s);
  EXPECT_EQ(checked.load(), n * n);
}

INSTANTIATE_TEST_SUITE_P(Worlds, comm_ring_exchange, ::testing::Values(1, 2, 3, 4, 8));

TEST(comm_local_p2p, SameTagMessagesArriveInOrderPostedBeforeAndAfter) {
  run_local(
      2,
      [](Communicator& comm) {
        constexpr int count = 200;
        if (comm.rank() == 0) {
          comm.barrier();  // rank 1 has posted the first half of its receives
          for (int i = 0; i < count; ++i) comm.isend(&i, sizeof i, 1, 3);  // eager: complete at once
          comm.barrier();
        } else {
          std::vector<int> got(count, -1);
          std::vector<std::unique_ptr<Request>> requests;
          for (int i = 0; i < count / 2; ++i) requests.push_back(comm.irecv(&got[i], sizeof(int), 0, 3));
          EXPECT_FALSE(requests.front()->test());
          comm.barrier();
          comm.barrier();  // every send happened: the rest are buffered
          for (int i = count / 2; i < count; ++i) {
            requests.push_back(comm.irecv(&got[i], sizeof(int), 0, 3));
            EXPECT_TRUE(requests.back()->test());
          }
          comm.wait_all(requests, "fifo");
          for (int i = 0; i < count; ++i) ASSERT_EQ(got[i], i);
        }
      },
      10s);
}

TEST(comm_local_p2p, TagsAndSourcesKeepSeparateQueues) {
  run_local(
      3,
      [](Communicator& comm) {
        if (comm.rank() != 2) {
          const int a = 100 + comm.rank();
          const int b = 200 + comm.rank();
          comm.wait(*comm.isend(&a, sizeof a, 2, 1), "tag 1");
          comm.wait(*comm.isend(&b, sizeof b, 2, 2), "tag 2");
        } else {
          int values[4] = {};
          auto r0 = comm.irecv(&values[0], sizeof(int), 1, 2);  // out of order on purpose
          auto r1 = comm.irecv(&values[1], sizeof(int), 0, 2);
          auto r2 = comm.irecv(&values[2], sizeof(int), 1, 1);
          auto r3 = comm.irecv(&values[3], sizeof(int), 0, 1);
          for (auto* r : {r0.get(), r1.get(), r2.get(), r3.get()}) comm.wait(*r, "tags");
          EXPECT_EQ(values[0], 201);
          EXPECT_EQ(values[1], 200);
          EXPECT_EQ(values[2], 101);
          EXPECT_EQ(values[3], 100);
        }
      },
      10s);
}

TEST(comm_local_p2p, LargeBuffersBothWaysAndSenderMayReuseItsBuffer) {
  const std::size_t bytes = std::size_t{48} << 20;
  run_local(
      2,
      [&](Communicator& comm) {
        const int peer = 1 - comm.rank();
        std::vector<std::uint32_t> out(bytes / 4);
        std::vector<std::uint32_t> in(bytes / 4, 0);
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = pattern(comm.rank(), i);
        // Round 1: rank 1 posts first (direct copy); round 2: rank 0's receive is posted late (buffer).
        for (int round = 0; round < 2; ++round) {
          std::unique_ptr<Request> recv;
          if (comm.rank() == 1 - round) recv = comm.irecv(in.data(), bytes, peer, 0);
          comm.barrier();
          auto send = comm.isend(out.data(), bytes, peer, 0);
          ASSERT_TRUE(send->test());  // the data left `out`
          std::fill(out.begin(), out.end(), 0u);
          if (!recv) {
            comm.barrier();
            recv = comm.irecv(in.data(), bytes, peer, 0);
          } else {
            comm.barrier();
          }
          comm.wait(*recv, "large");
          for (std::size_t i = 0; i < in.size(); i += 4099) ASSERT_EQ(in[i], pattern(peer, i));
          ASSERT_EQ(in.back(), pattern(peer, in.size() - 1));
          for (std::size_t i = 0; i < out.size(); ++i) out[i] = pattern(comm.rank(), i);
          std::fill(in.begin(), in.end(), 0u);
        }
      },
      30s);
}

TEST(comm_local_p2p, HelperThreadsOfOneRankTransferConcurrently) {
  run_local(
      2,
      [](Communicator& comm) {
        const int peer = 1 - comm.rank();
        constexpr int per_thread = 300;
        auto worker = [&](int tag) {
          for (int i = 0; i < per_thread; ++i) {
            const int value = tag * 100000 + i;
            int got = -1;
            auto send = comm.isend(&value, sizeof value, peer, tag);
            auto recv = comm.irecv(&got, sizeof got, peer, tag);
            comm.wait(*recv, "helper");
            comm.wait(*send, "helper");
            ASSERT_EQ(got, value);  // same tag and counter on both ranks
          }
        };
        std::thread helper(worker, 2);
        worker(1);
        helper.join();
      },
      20s);
}

TEST(comm_local_p2p, SizeMismatchAndBadArgumentsAreErrors) {
  auto comms = make_local_world(2, 2s);
  int small = 0;
  double big = 1.0;
  comms[0]->isend(&big, sizeof big, 1, 0);  // buffered
  EXPECT_THROW(comms[1]->irecv(&small, sizeof small, 0, 0), Error);
  auto posted = comms[1]->irecv(&small, sizeof small, 0, 1);
  EXPECT_THROW(comms[0]->isend(&big, sizeof big, 1, 1), Error);
  EXPECT_THROW(posted->test(), Error);
  EXPECT_THROW(comms[0]->isend(&big, sizeof big, 2, 0), Error);
  EXPECT_THROW(comms[0]->isend(&big, sizeof big, 1, 40000), Error);
  EXPECT_THROW(comms[0]->irecv(&big, sizeof big, -1, 0), Error);
  EXPECT_THROW(make_local_world(0), InvalidArgument);
}

TEST(comm_local_p2p, DestroyedReceiveIsWithdrawnAndTheMessageGoesToTheNextOne) {
  auto comms = make_local_world(2, 2s);
  {
    int lost = 0;
    auto recv = comms[1]->irecv(&lost, sizeof lost, 0, 4);
    EXPECT_FALSE(recv->wait_until(std::chrono::steady_clock::now() + 20ms));
  }  // withdrawn: the send below must not write into `lost`
  const int value = 42;
  comms[0]->isend(&value, sizeof value, 1, 4);
  int got = 0;
  auto recv = comms[1]->irecv(&got, sizeof got, 0, 4);
  EXPECT_TRUE(recv->test());
  EXPECT_EQ(got, 42);
}

}  // namespace
}  // namespace burst::comm
