// Deadlines, aborts and failing ranks of the `local` communicator: nothing may hang.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "burst/error.hpp"
#include "comm/launch.hpp"
#include "comm/local_communicator.hpp"

namespace burst::comm {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

TEST(comm_local_failures, SilentPeerTimesOutWithRankPeerAndStep) {
  auto comms = make_local_world(3, 200ms);
  int value = 0;
  auto recv = comms[2]->irecv(&value, sizeof value, 1, 0);
  const auto start = clock_type::now();
  try {
    comms[2]->wait(*recv, "forward step 3");
    FAIL() << "wait returned without data";
  } catch (const Timeout& e) {
    EXPECT_STREQ(e.what(), "rank 2: no answer from rank 1 within 200 ms (forward step 3)");
  }
  const auto elapsed = clock_type::now() - start;
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 3s);
  // The world is aborted: every later call of every rank throws.
  try {
    comms[0]->barrier();
    FAIL() << "barrier after abort returned";
  } catch (const Aborted& e) {
    EXPECT_NE(std::string(e.what()).find("rank 0: aborted: rank 2: no answer from rank 1"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(comms[1]->isend(&value, sizeof value, 2, 0), Aborted);
}

TEST(comm_local_failures, RunLocalRethrowsTheTimeoutNotTheSecondaryAborts) {
  std::atomic<int> secondary{0};
  const auto start = clock_type::now();
  try {
    run_local(
        4,
        [&](Communicator& comm) {
          if (comm.rank() == 3) {
            int v = 0;
            auto recv = comm.irecv(&v, sizeof v, 0, 9);
            comm.wait(*recv, "backward step 1");
          } else {
            comm.set_deadline(60s);
            try {
              comm.barrier();  // rank 3 never comes: woken by its abort, long before 60 s
            } catch (const Aborted&) {
              ++secondary;
              throw;
            }
          }
        },
        200ms);
    FAIL() << "run_local returned";
  } catch (const Timeout& e) {
    EXPECT_STREQ(e.what(), "rank 3: no answer from rank 0 within 200 ms (backward step 1)");
  }
  EXPECT_LT(clock_type::now() - start, 5s);
  EXPECT_EQ(secondary.load(), 3);
}

TEST(comm_local_failures, ExceptionInOneRankPropagatesAndOthersDoNotHang) {
  const auto start = clock_type::now();
  try {
    run_local(
        4,
        [](Communicator& comm) {
          if (comm.rank() == 2) {
            std::this_thread::sleep_for(50ms);
            throw std::runtime_error("boom in rank 2");
          }
          int v = 0;
          auto recv = comm.irecv(&v, sizeof v, 2, 0);  // never sent
          comm.wait(*recv, "forward step 0");
        },
        60s);
    FAIL() << "run_local returned";
  } catch (const Aborted& e) {
    FAIL() << "got the secondary error: " << e.what();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "boom in rank 2");
  }
  EXPECT_LT(clock_type::now() - start, 5s);
}

TEST(comm_local_failures, AbortWakesEveryWaiter) {
  std::atomic<int> woken{0};
  const auto start = clock_type::now();
  EXPECT_THROW(run_local(
                   3,
                   [&](Communicator& comm) {
                     if (comm.rank() == 0) {
                       std::this_thread::sleep_for(100ms);
                       comm.abort("operator said stop");
                       return;
                     }
                     try {
                       if (comm.rank() == 1) {
                         int v = 0;
                         auto recv = comm.irecv(&v, sizeof v, 0, 0);
                         comm.wait(*recv, "step");
                       } else {
                         comm.barrier();
                       }
                     } catch (const Aborted& e) {
                       const std::string expected =
                           "rank " + std::to_string(comm.rank()) + ": aborted: operator said stop";
                       EXPECT_EQ(std::string(e.what()), expected);
                       ++woken;
                       throw;
                     }
                   },
                   60s),
               Aborted);
  EXPECT_EQ(woken.load(), 2);
  EXPECT_LT(clock_type::now() - start, 5s);
}

TEST(comm_local_failures, WaitUntilReturnsFalseWithoutAborting) {
  auto comms = make_local_world(2, 5s);
  int v = 0;
  auto recv = comms[0]->irecv(&v, sizeof v, 1, 0);
  EXPECT_FALSE(recv->wait_until(clock_type::now() + 30ms));
  EXPECT_FALSE(recv->test());
  const int seven = 7;
  comms[1]->isend(&seven, sizeof seven, 0, 0);
  EXPECT_TRUE(recv->wait_until(clock_type::now() + 1s));
  EXPECT_EQ(v, 7);
}

TEST(comm_local_failures, CollectiveTimeoutNamesTheMissingRanks) {
  auto comms = make_local_world(3, 150ms);
  std::atomic<bool> other_threw{false};
  std::thread other([&] {  // rank 2 never arrives
    try {
      comms[1]->barrier();
    } catch (const Error&) {
      other_threw = true;
    }
  });
  try {
    comms[0]->barrier();
    FAIL() << "barrier returned";
  } catch (const Timeout& e) {
    EXPECT_NE(std::string(e.what()).find("no answer from rank(s) 2 within 150 ms (barrier)"),
              std::string::npos)
        << e.what();
  } catch (const Aborted& e) {
    // rank 1 timed out first and aborted the world; its message named rank 2
    EXPECT_NE(std::string(e.what()).find("rank(s) 2"), std::string::npos) << e.what();
  }
  other.join();
  EXPECT_TRUE(other_threw.load());
  EXPECT_THROW(comms[1]->barrier(), Aborted);
}

}  // namespace
}  // namespace burst::comm
