// The default deadline of every communicator: set_default_comm_deadline (a tool's flag), then
// BURST_COMM_TIMEOUT_MS, then 120 s (docs/comm.md, "Deadlines").
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "burst/error.hpp"
#include "comm/launch.hpp"
#include "comm/local_communicator.hpp"

namespace burst::comm {
namespace {

using std::chrono::milliseconds;

class DefaultDeadline : public ::testing::Test {
 protected:
  void SetUp() override { reset(); }
  void TearDown() override { reset(); }
  static void reset() {
    unsetenv("BURST_COMM_TIMEOUT_MS");
    set_default_comm_deadline(milliseconds(0));
  }
};

TEST_F(DefaultDeadline, IsTwoMinutesWithNothingSet) {
  EXPECT_EQ(default_comm_deadline(), milliseconds(120000));
  EXPECT_EQ(make_local_world(2)[1]->deadline(), milliseconds(120000));
}

TEST_F(DefaultDeadline, EnvironmentSetsEveryNewCommunicator) {
  setenv("BURST_COMM_TIMEOUT_MS", "1234", 1);
  EXPECT_EQ(default_comm_deadline(), milliseconds(1234));
  for (const auto& c : make_local_world(3)) EXPECT_EQ(c->deadline(), milliseconds(1234));
  milliseconds seen{0};
  run_local(2, [&](Communicator& c) {
    if (c.rank() == 0) seen = c.deadline();
  });
  EXPECT_EQ(seen, milliseconds(1234));
}

TEST_F(DefaultDeadline, EnvironmentTimesOutAWaitWithoutAnyExplicitDeadline) {
  setenv("BURST_COMM_TIMEOUT_MS", "200", 1);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    run_local(2, [](Communicator& c) {
      if (c.rank() == 0) c.barrier();  // rank 1 never joins
    });
    FAIL() << "no timeout";
  } catch (const Timeout& e) {
    EXPECT_NE(std::string(e.what()).find("200 ms"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));
}

TEST_F(DefaultDeadline, OverrideWinsOverTheEnvironment) {
  setenv("BURST_COMM_TIMEOUT_MS", "1234", 1);
  set_default_comm_deadline(milliseconds(777));
  EXPECT_EQ(default_comm_deadline(), milliseconds(777));
  EXPECT_EQ(make_local_world(2)[0]->deadline(), milliseconds(777));
  set_default_comm_deadline(milliseconds(0));  // cleared: the environment again
  EXPECT_EQ(default_comm_deadline(), milliseconds(1234));
}

TEST_F(DefaultDeadline, MalformedEnvironmentNamesTheVariable) {
  for (const char* bad : {"abc", "0", "-5", "10s", "1.5"}) {
    setenv("BURST_COMM_TIMEOUT_MS", bad, 1);
    try {
      (void)default_comm_deadline();
      FAIL() << bad << " accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_EQ(std::string(e.what()).rfind(std::string("BURST_COMM_TIMEOUT_MS=") + bad + ": expected", 0),
                0u)
          << e.what();
    }
  }
  set_default_comm_deadline(milliseconds(500));  // an explicit deadline never reads the variable
  EXPECT_EQ(default_comm_deadline(), milliseconds(500));
}

}  // namespace
}  // namespace burst::comm
