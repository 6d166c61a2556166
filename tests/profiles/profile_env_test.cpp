// Profiles: BURST_PROFILE search paths, BURST_PROFILE_POLICY, and the selection cache under threads.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "burst/error.hpp"
#include "profile_test_util.hpp"

namespace burst::test {
namespace {

// Sets the two variables for one test and resets the process-wide selector around it.
class EnvironmentProfile : public ::testing::Test {
 protected:
  void SetUp() override { reset_environment_profile_selector(); }
  void TearDown() override {
    ::unsetenv("BURST_PROFILE");
    ::unsetenv("BURST_PROFILE_POLICY");
    reset_environment_profile_selector();
  }
};

Profile profile_with(const Fingerprint& fp, std::int64_t seq_min, std::int64_t seq_max, int chunks) {
  Profile p;
  p.fingerprint = fp;
  p.entries = {make_entry(seq_min, seq_max, 0.01, 0.01, chunks)};
  return p;
}

TEST_F(EnvironmentProfile, UnsetMeansDefaults) {
  ::unsetenv("BURST_PROFILE");
  const auto& sel = environment_profile_selector();
  EXPECT_TRUE(sel.profiles().profiles.empty());
  EXPECT_EQ(sel.policy(), ProfilePolicy::warn);
  EXPECT_EQ(sel.select(cpu_fingerprint(), query(2048))->source, SelectionSource::defaults);
}

TEST_F(EnvironmentProfile, DirectoryAndSearchPath) {
  ScratchDir dir("env");
  std::filesystem::create_directories(dir.path() / "d");
  write_profile(profile_with(cpu_fingerprint(), 1, 1000, 2), dir.file("d/b.json"));
  write_profile(profile_with(cpu_fingerprint(), 1001, 2000, 4), dir.file("d/a.json"));
  spit(dir.path() / "d" / "notes.txt", "not a profile");
  write_profile(profile_with(cpu_fingerprint(), 3000, 4000, 8), dir.file("single.json"));

  ::setenv("BURST_PROFILE", (dir.file("d")).c_str(), 1);
  const auto& by_dir = environment_profile_selector();
  ASSERT_EQ(by_dir.profiles().profiles.size(), 2u);
  EXPECT_EQ(by_dir.profiles().profiles[0].file, dir.file("d/a.json"));  // name order
  EXPECT_EQ(by_dir.select(cpu_fingerprint(), query(1500), Backend::cpu)->schedule.chunks, 4);
  EXPECT_EQ(by_dir.select(cpu_fingerprint(), query(500), Backend::cpu)->schedule.chunks, 2);

  reset_environment_profile_selector();
  const std::string path = dir.file("single.json") + "::" + dir.file("d");
  ::setenv("BURST_PROFILE", path.c_str(), 1);
  ::setenv("BURST_PROFILE_POLICY", "strict", 1);
  const auto& by_path = environment_profile_selector();
  ASSERT_EQ(by_path.profiles().profiles.size(), 3u);
  EXPECT_EQ(by_path.profiles().profiles[0].file, dir.file("single.json"));
  EXPECT_EQ(by_path.policy(), ProfilePolicy::strict);
  auto s = by_path.select(cpu_fingerprint(), query(3500), Backend::cpu);
  EXPECT_EQ(s->source, SelectionSource::exact);
  EXPECT_EQ(s->schedule.chunks, 8);
  // Strict: another machine gets the defaults.
  EXPECT_EQ(by_path.select(cpu_fingerprint("Elsewhere"), query(3500), Backend::cpu)->source,
            SelectionSource::defaults);
}

TEST_F(EnvironmentProfile, BadFileOrPolicyIsAnErrorNotIgnored) {
  ScratchDir dir("env");
  spit(dir.path() / "broken.json", "{\"schema\": \"burst-profile/1\", \"entries\": [");
  ::setenv("BURST_PROFILE", dir.file("broken.json").c_str(), 1);
  try {
    environment_profile_selector();
    FAIL() << "no exception";
  } catch (const InvalidArgument& e) {
    // The path of the value being read when the text ended: the array's first element.
    EXPECT_NE(std::string(e.what()).find(dir.file("broken.json") + ": $.entries[0]: JSON parse error"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(environment_profile_selector(), InvalidArgument);  // retried, fails again
  ::setenv("BURST_PROFILE", dir.file("missing.json").c_str(), 1);
  EXPECT_THROW(environment_profile_selector(), InvalidArgument);
  ::setenv("BURST_PROFILE", example_profile_path().c_str(), 1);
  ::setenv("BURST_PROFILE_POLICY", "sometimes", 1);
  EXPECT_THROW(environment_profile_selector(), InvalidArgument);
  ::setenv("BURST_PROFILE_POLICY", "ignore", 1);
  EXPECT_EQ(environment_profile_selector().policy(), ProfilePolicy::ignore);
}

TEST_F(EnvironmentProfile, LoadedOnceAcrossThreads) {
  ScratchDir dir("env");
  write_profile(profile_with(cpu_fingerprint(), 1, 1000, 2), dir.file("p.json"));
  ::setenv("BURST_PROFILE", dir.file("p.json").c_str(), 1);
  std::vector<const ProfileSelector*> seen(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) threads.emplace_back([&, t] { seen[t] = &environment_profile_selector(); });
  for (auto& th : threads) th.join();
  for (auto* p : seen) EXPECT_EQ(p, seen[0]);
  // Changing the variable afterwards changes nothing until a reset.
  ::setenv("BURST_PROFILE", dir.file("gone.json").c_str(), 1);
  EXPECT_EQ(&environment_profile_selector(), seen[0]);
}

TEST(ProfileSelectorCache, ConcurrentCallsAreConsistent) {
  Profile p;
  p.fingerprint = cpu_fingerprint();
  for (int b = 0; b < 8; ++b)
    p.entries.push_back(make_entry(1024 << b, (2048 << b) - 1, 0.01, 0.01, 1 + b % 8));
  ProfileSelector selector(ProfileSet{{{"p.json", p}}}, ProfilePolicy::warn);
  const Fingerprint here = cpu_fingerprint();
  // What each key must give, computed without the cache.
  std::vector<Selection> expected;
  for (int k = 0; k < 16; ++k)
    expected.push_back(select_profile_entry(selector.profiles(), here, query(1000 + 700 * k),
                                            ProfilePolicy::warn, Backend::cpu));
  std::atomic<int> mismatches{0};
  std::vector<std::vector<const Selection*>> first(8, std::vector<const Selection*>(16, nullptr));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        const int k = (t % 2 == 0) ? 3 : (i * 7 + t) % 16;  // even threads: one key; odd: all keys
        auto s = selector.select(here, query(1000 + 700 * k), Backend::cpu);
        if (s->entry_index != expected[k].entry_index || s->source != expected[k].source ||
            s->schedule.chunks != expected[k].schedule.chunks)
          ++mismatches;
        if (!first[t][k]) first[t][k] = s.get();
        if (first[t][k] != s.get()) ++mismatches;  // the cached object never changes
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(selector.cache_size(), 16u);
  for (int k = 0; k < 16; ++k) {
    const Selection* any = nullptr;
    for (int t = 0; t < 8; ++t) {
      if (!first[t][k]) continue;
      if (!any) any = first[t][k];
      EXPECT_EQ(first[t][k], any) << "threads saw different objects for key " << k;
    }
  }
}

}  // namespace
}  // namespace burst::test
