// Profiles across worlds and launches: the fingerprint is the system's (a file written before it
// dropped ranks_per_node still reads), the launch is part of the entry's key and preferred, and a
// call that finds no entry is told which entries exist for its shape.
#include <gtest/gtest.h>

#include "burst/error.hpp"
#include "profile_test_util.hpp"

namespace burst::test {
namespace {

bool has_text(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& l : lines)
    if (l.find(text) != std::string::npos) return true;
  return false;
}

LoadedProfile with_launches() {
  Profile p;
  p.fingerprint = cpu_fingerprint();
  p.entries = {make_entry(1024, 4096, 0.01, 0.01, 2), make_entry(1024, 4096, 0.01, 0.01, 4)};
  p.entries[0].key.launch = Launch::threads;
  p.entries[1].key.launch = Launch::processes;
  return {"launch.json", p};
}

TEST(ProfileLaunch, LegacyFingerprintWithRanksPerNodeReadsWithAWarning) {
  const std::string text = R"({"schema": "burst-profile/1",
    "fingerprint": {"backend": "cpu", "cpu_model": "Example CPU @ 2.0GHz", "cpu_cores": 16, "gpu_model": "",
      "gpu_count": 0, "compute_capability": "", "sm_count": 0, "driver_version": "", "cuda_version": "",
      "nccl_version": "", "nodes": 1, "ranks_per_node": 4, "link_classes": ["shared_memory"]},
    "entries": []})";
  const auto problems = validate_profile_text(text, "old.json");
  ASSERT_FALSE(has_errors(problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].json_path, "$.fingerprint.ranks_per_node");
  EXPECT_NE(problems[0].message.find("no longer part of the fingerprint"), std::string::npos);
  // The same system as a file written now: a profile from an older build is not foreign.
  EXPECT_EQ(parse_profile(text, "old.json").fingerprint, cpu_fingerprint());
}

TEST(ProfileLaunch, LaunchRoundTripsAndIsOptional) {
  ScratchDir dir("launch");
  Profile p = with_launches().profile;
  p.entries.push_back(make_entry(8192, 8192, 0.1, 0.01, 1));  // no launch: applies to any
  write_profile(p, dir.file("p.json"));
  const std::string text = slurp(dir.file("p.json"));
  EXPECT_NE(text.find("\"launch\": \"processes\""), std::string::npos);
  EXPECT_EQ(text.find("ranks_per_node"), std::string::npos);
  EXPECT_NE(text.find("burst-profile/1.1"), std::string::npos);
  EXPECT_EQ(read_profile(dir.file("p.json")), p);
  const auto bad = validate_profile_text(
      std::string(text).replace(text.find("\"processes\""), 11, "\"fork\""), "bad.json");
  ASSERT_TRUE(has_errors(bad));
  EXPECT_EQ(bad[0].json_path, "$.entries[1].key.launch");
}

TEST(ProfileLaunch, TheCallsLaunchIsPreferredAndAnotherOneIsUsedWithANote) {
  const ProfileSet set{{with_launches()}};
  WorkloadQuery q = query(2048);
  q.launch = Launch::processes;
  Selection s = select_profile_entry(set, cpu_fingerprint(), q, ProfilePolicy::strict, Backend::cpu);
  EXPECT_EQ(s.source, SelectionSource::exact);
  EXPECT_EQ(s.entry_index, 1);
  EXPECT_EQ(s.schedule.chunks, 4);
  EXPECT_TRUE(s.warnings.empty() || !has_text(s.warnings, "tuned with"));
  q.launch = Launch::threads;
  s = select_profile_entry(set, cpu_fingerprint(), q, ProfilePolicy::strict, Backend::cpu);
  EXPECT_EQ(s.entry_index, 0);

  // Only a threads entry: a job of processes still gets it (same system, same shape), told why.
  ProfileSet only_threads{{with_launches()}};
  only_threads.profiles[0].profile.entries.pop_back();
  q.launch = Launch::processes;
  s = select_profile_entry(only_threads, cpu_fingerprint(), q, ProfilePolicy::strict, Backend::cpu);
  EXPECT_EQ(s.source, SelectionSource::exact);
  EXPECT_TRUE(s.fingerprint_match);
  EXPECT_TRUE(has_text(s.warnings, "tuned with threads and this job runs processes"));
  EXPECT_NE(s.explanation.find("tuned with threads"), std::string::npos);
}

TEST(ProfileLaunch, DefaultsNameKvHeadsAndTheEntriesOfAnotherPassOrWorld) {
  const ProfileSet set{{with_launches()}};
  WorkloadQuery q = query(2048);
  q.pass = Pass::fwd_bwd;  // the entries are for fwd
  Selection s = select_profile_entry(set, cpu_fingerprint(), q, ProfilePolicy::warn, Backend::cpu);
  EXPECT_EQ(s.source, SelectionSource::defaults);
  EXPECT_NE(s.explanation.find("kv_heads 8"), std::string::npos) << s.explanation;
  EXPECT_NE(s.explanation.find("exist for pass fwd (--pass)"), std::string::npos) << s.explanation;
  q = query(2048);
  q.world_size = 2;  // the entries are for world 4
  s = select_profile_entry(set, cpu_fingerprint(), q, ProfilePolicy::warn, Backend::cpu);
  EXPECT_NE(s.explanation.find("exist for world 4"), std::string::npos) << s.explanation;
}

TEST(ProfileLaunch, ForeignEntriesSayWhichFieldsDiffer) {
  Profile p = with_launches().profile;
  p.fingerprint.cpu_cores = 64;
  const ProfileSet set{{{"other.json", p}}};
  const Selection s =
      select_profile_entry(set, cpu_fingerprint(), query(2048), ProfilePolicy::warn, Backend::cpu);
  EXPECT_EQ(s.source, SelectionSource::foreign_fingerprint);
  EXPECT_NE(s.explanation.find("cpu_cores 64, here 16"), std::string::npos) << s.explanation;
  EXPECT_EQ(s.explanation.find("cpu_model"), std::string::npos) << s.explanation;  // equal: not listed
}

}  // namespace
}  // namespace burst::test
