// Collectives of the `local` communicator.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "burst/error.hpp"
#include "comm/launch.hpp"

namespace burst::comm {
namespace {

using namespace std::chrono_literals;

class comm_local_collectives : public ::testing::TestWithParam<int> {};

TEST_P(comm_local_collectives, AllreduceMaxAndSum) {
  const int n = GetParam();
  run_local(
      n,
      [n](Communicator& comm) {
        const double r = comm.rank();
        double max_values[3] = {r, -r, r == 1 ? 1e300 : 0.5};
        comm.allreduce_max(max_values, 3);
        EXPECT_EQ(max_values[0], n - 1);
        EXPECT_EQ(max_values[1], 0.0);
        EXPECT_EQ(max_values[2], n > 1 ? 1e300 : 0.5);
        double sums[2] = {r + 1, 2.0};
        comm.allreduce_sum(sums, 2);
        EXPECT_EQ(sums[0], n * (n + 1) / 2);
        EXPECT_EQ(sums[1], 2.0 * n);
      },
      10s);
}

TEST_P(comm_local_collectives, BroadcastFromEveryRoot) {
  const int n = GetParam();
  run_local(
      n,
      [n](Communicator& comm) {
        for (int root = 0; root < n; ++root) {
          std::vector<int> data(17, comm.rank() == root ? 1000 + root : -1);
          comm.broadcast(data.data(), data.size() * sizeof(int), root);
          for (int v : data) ASSERT_EQ(v, 1000 + root);
        }
      },
      10s);
}

TEST_P(comm_local_collectives, GatherOfVariableSizes) {
  const int n = GetParam();
  run_local(
      n,
      [n](Communicator& comm) {
        const int r = comm.rank();
        const std::string mine(static_cast<std::size_t>(r) * 1000,
                               static_cast<char>('a' + r));  // rank 0: empty
        for (int root = 0; root < n; ++root) {
          auto all = comm.gather(mine, root);
          if (r != root) {
            EXPECT_TRUE(all.empty());
            continue;
          }
          ASSERT_EQ(all.size(), static_cast<std::size_t>(n));
          for (int q = 0; q < n; ++q) {
            EXPECT_EQ(all[q], std::string(static_cast<std::size_t>(q) * 1000, static_cast<char>('a' + q)));
          }
        }
      },
      10s);
}

// Hundreds of back-to-back collectives exercise the double-buffered slots: a fast rank must never
// overwrite what a slow rank has not read yet.
TEST_P(comm_local_collectives, ManyBackToBackCollectivesStayConsistent) {
  const int n = GetParam();
  std::atomic<int> arrived{0};
  run_local(
      n,
      [&](Communicator& comm) {
        for (int i = 0; i < 300; ++i) {
          double v = comm.rank() * 1000.0 + i;
          comm.allreduce_sum(&v, 1);
          ASSERT_EQ(v, 1000.0 * n * (n - 1) / 2 + static_cast<double>(n) * i) << "iteration " << i;
          ++arrived;
          comm.barrier();
          ASSERT_EQ(arrived.load(), n * (i + 1));  // nobody passed the barrier early
          comm.barrier();
        }
      },
      30s);
}

INSTANTIATE_TEST_SUITE_P(Worlds, comm_local_collectives, ::testing::Values(1, 2, 3, 5));

TEST(comm_local_collective_errors, MismatchedCountsAndSizesAreErrors) {
  EXPECT_THROW(run_local(
                   2,
                   [](Communicator& comm) {
                     double v[2] = {1, 2};
                     comm.allreduce_sum(v, comm.rank() + 1);
                   },
                   5s),
               Error);
  EXPECT_THROW(run_local(
                   2,
                   [](Communicator& comm) {
                     char buf[8] = {};
                     comm.broadcast(buf, comm.rank() == 0 ? 8 : 4, 0);
                   },
                   5s),
               Error);
  EXPECT_THROW(run_local(
                   2, [](Communicator& comm) { comm.gather("x", 2); }, 5s),
               Error);
}

}  // namespace
}  // namespace burst::comm
