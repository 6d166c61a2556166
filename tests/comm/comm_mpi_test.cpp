// The `mpi` communicator, run under mpiexec with 2 or 4 ranks (CTest: comm_mpi_2, comm_mpi_4).
// Every rank runs every test; main() agrees on one exit code so a failure on any rank fails the
// job. Timeouts are only tested through Request::wait_until returning false: Communicator::wait
// would MPI_Abort the job by design (the local backend tests the full timeout path).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "burst/error.hpp"
#include "comm/launch.hpp"
#include "support/mpi_main.hpp"

namespace burst::comm {
namespace {

using namespace std::chrono_literals;
using test::mpi_world;

std::uint64_t pattern(int origin, std::size_t i) {
  return static_cast<std::uint64_t>(origin) * 0x9E3779B97F4A7C15ull + i;
}

TEST(comm_mpi, IdentifiesItself) {
  EXPECT_EQ(mpi_world().backend(), "mpi");
  EXPECT_TRUE(launched_by_mpi());
  EXPECT_TRUE(mpi_available());
  const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (size != nullptr) {
    EXPECT_EQ(mpi_world().size(), std::atoi(size));
  }
  EXPECT_GE(mpi_world().rank(), 0);
  EXPECT_LT(mpi_world().rank(), mpi_world().size());
}

TEST(comm_mpi, RingExchangeVisitsEveryRank) {
  const int n = mpi_world().size();
  const int r = mpi_world().rank();
  for (std::size_t words : {std::size_t{0}, std::size_t{1}, std::size_t{100000}}) {
    std::vector<std::uint64_t> block(words);
    for (std::size_t i = 0; i < words; ++i) block[i] = pattern(r, i);
    std::vector<std::uint64_t> next(words);
    for (int step = 1; step <= n; ++step) {
      auto recv = mpi_world().irecv(next.data(), words * 8, (r - 1 + n) % n, 11);
      auto send = mpi_world().isend(block.data(), words * 8, (r + 1) % n, 11);
      mpi_world().wait(*recv, "ring step");
      mpi_world().wait(*send, "ring step");
      const int origin = ((r - step) % n + n) % n;
      for (std::size_t i = 0; i < words; ++i) ASSERT_EQ(next[i], pattern(origin, i));
      block.swap(next);
    }
  }
}

TEST(comm_mpi, SameTagMessagesArriveInOrder) {
  const int n = mpi_world().size();
  const int r = mpi_world().rank();
  constexpr int count = 64;
  std::vector<int> sent(count);
  std::vector<int> got(count, -1);
  std::vector<std::unique_ptr<Request>> requests;
  for (int i = 0; i < count; ++i) {
    sent[i] = r * 1000 + i;
    requests.push_back(mpi_world().isend(&sent[i], sizeof(int), (r + 1) % n, 5));
  }
  for (int i = 0; i < count; ++i)
    requests.push_back(mpi_world().irecv(&got[i], sizeof(int), (r - 1 + n) % n, 5));
  mpi_world().wait_all(requests, "fifo");
  for (int i = 0; i < count; ++i) EXPECT_EQ(got[i], ((r - 1 + n) % n) * 1000 + i);
}

TEST(comm_mpi, AllreduceMaxAndSum) {
  const int n = mpi_world().size();
  const double r = mpi_world().rank();
  double values[2] = {r, -r};
  mpi_world().allreduce_max(values, 2);
  EXPECT_EQ(values[0], n - 1);
  EXPECT_EQ(values[1], 0.0);
  double sums[2] = {r + 1, 0.5};
  mpi_world().allreduce_sum(sums, 2);
  EXPECT_EQ(sums[0], n * (n + 1) / 2);
  EXPECT_EQ(sums[1], 0.5 * n);
}

TEST(comm_mpi, BroadcastFromEveryRoot) {
  for (int root = 0; root < mpi_world().size(); ++root) {
    std::vector<int> data(1000, mpi_world().rank() == root ? 7 * root + 1 : -1);
    mpi_world().broadcast(data.data(), data.size() * sizeof(int), root);
    for (int v : data) ASSERT_EQ(v, 7 * root + 1);
  }
  mpi_world().barrier();
}

TEST(comm_mpi, GatherOfVariableSizes) {
  const int n = mpi_world().size();
  const int r = mpi_world().rank();
  const std::string mine(static_cast<std::size_t>(r) * 333, static_cast<char>('A' + r));  // rank 0: empty
  for (int root = 0; root < n; ++root) {
    auto all = mpi_world().gather(mine, root);
    if (r != root) {
      EXPECT_TRUE(all.empty());
      continue;
    }
    ASSERT_EQ(all.size(), static_cast<std::size_t>(n));
    for (int q = 0; q < n; ++q) {
      EXPECT_EQ(all[q], std::string(static_cast<std::size_t>(q) * 333, static_cast<char>('A' + q)));
    }
  }
}

TEST(comm_mpi, WaitUntilReturnsFalseOnDeadlineAndCancelOnDestruction) {
  int v = 0;
  {
    auto recv =
        mpi_world().irecv(&v, sizeof v, (mpi_world().rank() + 1) % mpi_world().size(), 999);  // never sent
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(recv->wait_until(start + 50ms));
    EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
    EXPECT_FALSE(recv->test());
  }  // cancelled here
  mpi_world().barrier();
}

TEST(comm_mpi, SizeMismatchIsAnError) {
  const int n = mpi_world().size();
  const int r = mpi_world().rank();
  const std::uint64_t out = 1;
  std::uint32_t in = 0;  // smaller than what arrives: truncation must not pass silently
  auto send = mpi_world().isend(&out, sizeof out, (r + 1) % n, 21);
  auto recv = mpi_world().irecv(&in, sizeof in, (r - 1 + n) % n, 21);
  EXPECT_THROW(mpi_world().wait(*recv, "mismatch"), Error);
  mpi_world().wait(*send, "mismatch");
  mpi_world().barrier();
}

TEST(comm_mpi, BadPeerOrTagIsAnError) {
  int v = 0;
  EXPECT_THROW(mpi_world().isend(&v, sizeof v, mpi_world().size(), 0), Error);
  EXPECT_THROW(mpi_world().irecv(&v, sizeof v, 0, 40000), Error);
}

}  // namespace
}  // namespace burst::comm
