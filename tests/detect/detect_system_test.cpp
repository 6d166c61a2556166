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
    EXPECT_EQ(sys.fingerprint.ranks_per_node, 3);
    if (sys.gpus.empty()) {
      EXPECT_EQ(sys.fingerprint.link_classes, std::vector<std::string>{"shared_memory"});
    }
  }
}

}  // namespace
}  // namespace burst
