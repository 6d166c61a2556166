// detect_system() in-process: host facts, backend consistency, and the world under a `local`
// communicator of several ranks (one host, so every pair of ranks is one class).
#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "burst/system.hpp"
#include "comm/launch.hpp"

namespace burst {
namespace {

TEST(DetectSystem, HostAndBackend) {
  const SystemInfo sys = detect_system();
  EXPECT_FALSE(sys.hostname.empty());
  EXPECT_FALSE(sys.cpu_model.empty());
  EXPECT_GE(sys.cpu_cores, 1);
  EXPECT_GT(sys.memory_bytes, 0u);
  EXPECT_EQ(sys.backend, sys.gpus.empty() ? "cpu" : "cuda");
  if (sys.gpus.empty()) {
    EXPECT_FALSE(sys.gpu_status.empty());
  }
  ASSERT_EQ(sys.ranks.size(), 1u);
  EXPECT_EQ(sys.ranks[0].host, sys.hostname);
  EXPECT_EQ(sys.ranks[0].gpu, sys.gpus.empty() ? -1 : 0);
  EXPECT_EQ(sys.fingerprint.backend, sys.backend);
  EXPECT_EQ(sys.fingerprint.cpu_cores, sys.cpu_cores);
  EXPECT_EQ(Fingerprint::from_json(sys.fingerprint.to_json()), sys.fingerprint);
}

TEST(DetectSystem, LocalWorldOfThreeRanksIsOneNode) {
  std::mutex mutex;
  std::vector<SystemInfo> seen(3);
  comm::run_local(3, [&](Communicator& world) {
    SystemInfo sys = detect_system(&world);
    std::lock_guard lock(mutex);
    seen[static_cast<std::size_t>(world.rank())] = std::move(sys);
  });
  for (const auto& sys : seen) {
    EXPECT_EQ(sys.nodes, 1);
    EXPECT_EQ(sys.ranks_per_node, 3);
    ASSERT_EQ(sys.ranks.size(), 3u);
    ASSERT_EQ(sys.link_class.size(), 3u);
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(sys.ranks[static_cast<std::size_t>(i)].local_rank, i);
      for (int j = 0; j < 3; ++j) {
        const std::string& c = sys.link_class[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
        if (i == j) {
          EXPECT_EQ(c, "self");
        } else if (sys.gpus.empty()) {
          EXPECT_EQ(c, "shared_memory");
        } else {
          EXPECT_NE(c, "network");
        }
      }
    }
    EXPECT_EQ(sys.fingerprint, seen[0].fingerprint);  // every rank agrees
    // The machine, not the job: the same fingerprint as without a communicator.
    EXPECT_EQ(sys.fingerprint, detect_system().fingerprint);
    if (sys.gpus.empty()) {
      EXPECT_EQ(sys.fingerprint.link_classes, std::vector<std::string>{"shared_memory"});
    }
  }
}

// The one fingerprint every path computes: detect (no communicator), tune/trace (a world of threads
// of any size) and libburst's system_fingerprint (what choose_schedule and the C ABI use).
TEST(DetectSystem, FingerprintDoesNotDependOnTheWorld) {
  const Fingerprint alone = detect_system().fingerprint;
  EXPECT_EQ(system_fingerprint(), alone);
  EXPECT_EQ(alone.nodes, 1);
  if (alone.backend == "cpu") {
    EXPECT_EQ(alone.link_classes, std::vector<std::string>{"shared_memory"});
  }
  for (int world : {1, 2, 4}) {
    std::mutex mutex;
    std::vector<Fingerprint> seen(static_cast<std::size_t>(world));
    comm::run_local(world, [&](Communicator& c) {
      Fingerprint a = detect_system(&c).fingerprint;
      Fingerprint b = system_fingerprint(&c);
      std::lock_guard lock(mutex);
      EXPECT_EQ(a, b) << "world " << world;
      seen[static_cast<std::size_t>(c.rank())] = std::move(a);
    });
    for (const auto& fp : seen) EXPECT_EQ(fp, alone) << "world " << world;
  }
}

}  // namespace
}  // namespace burst
