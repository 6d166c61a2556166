// Profiles: the selection order (exact -> nearest bucket -> foreign fingerprint -> defaults), every
// policy, missing and non-applicable parameters.
#include <gtest/gtest.h>

#include "burst/error.hpp"
#include "profile_test_util.hpp"

namespace burst::test {
namespace {

ProfileSet set_of(std::vector<LoadedProfile> profiles) {
  return ProfileSet{std::move(profiles)};
}

LoadedProfile local_profile() {
  Profile p;
  p.fingerprint = cpu_fingerprint();
  p.entries = {make_entry(1024, 4096, 0.01, 0.01, 2), make_entry(8192, 16384, 0.1, 0.01, 4),
               make_entry(32768, 65536, 1.0, 0.01, 8)};
  return {"local.json", p};
}

LoadedProfile foreign_profile() {
  Profile p;
  p.fingerprint = cpu_fingerprint("Other CPU", 4);
  p.entries = {make_entry(1024, 1u << 20, 0.01, 0.01, 1)};
  p.entries[0].params.set("ring.overlap", "double_buffer");
  return {"foreign.json", p};
}

bool has_warning_with(const Selection& s, const std::string& text) {
  for (const auto& w : s.warnings)
    if (w.find(text) != std::string::npos) return true;
  return false;
}

TEST(ProfileSelect, ExactBucketWins) {
  auto set = set_of({foreign_profile(), local_profile()});
  for (std::int64_t seq : {1024, 3000, 4096}) {
    Selection s = select_profile_entry(set, cpu_fingerprint(), query(seq), ProfilePolicy::warn, Backend::cpu);
    EXPECT_EQ(s.source, SelectionSource::exact) << seq;
    EXPECT_EQ(s.file, "local.json");
    EXPECT_EQ(s.entry_index, 0);
    EXPECT_TRUE(s.fingerprint_match);
    EXPECT_EQ(s.schedule.chunks, 2);
    EXPECT_EQ(s.schedule.overlap, Overlap::chunk_pipeline);
    EXPECT_EQ(s.schedule.layout, Layout::zigzag);
    EXPECT_EQ(s.schedule.tile_q, 32);
    EXPECT_TRUE(s.warnings.empty()) << s.warnings.front();
  }
}

TEST(ProfileSelect, NearestBucketByLogRatioTiesToSmaller) {
  auto set = set_of({foreign_profile(), local_profile()});
  auto pick = [&](std::int64_t seq) {
    return select_profile_entry(set, cpu_fingerprint(), query(seq), ProfilePolicy::warn, Backend::cpu);
  };
  Selection s = pick(512);  // below everything: the smallest bucket
  EXPECT_EQ(s.source, SelectionSource::nearest_bucket);
  EXPECT_EQ(s.entry_index, 0);
  EXPECT_EQ(pick(5000).entry_index, 0);     // ln(5000/4096)=0.20 < ln(8192/5000)=0.49
  EXPECT_EQ(pick(7000).entry_index, 1);     // ln(7000/4096)=0.54 > ln(8192/7000)=0.16
  EXPECT_EQ(pick(1 << 22).entry_index, 2);  // above everything: the largest bucket
  // 4096 * sqrt(2) is geometrically halfway between [.., 4096] and [8192, ..]... use an exact tie:
  // buckets [.., 4096] and [16384, ..]: N = 8192 is ln 2 from both -> the smaller bucket.
  Profile p;
  p.fingerprint = cpu_fingerprint();
  p.entries = {make_entry(16384, 32768, 1, 0, 8), make_entry(1024, 4096, 1, 0, 2)};
  Selection tie = select_profile_entry(set_of({{"tie.json", p}}), cpu_fingerprint(), query(8192),
                                       ProfilePolicy::warn, Backend::cpu);
  EXPECT_EQ(tie.source, SelectionSource::nearest_bucket);
  EXPECT_EQ(tie.entry_index, 1);
  EXPECT_NE(tie.explanation.find("nearest sequence bucket [1024, 4096]"), std::string::npos)
      << tie.explanation;
  EXPECT_DOUBLE_EQ(bucket_distance(8192, 1024, 4096), bucket_distance(8192, 16384, 32768));
}

TEST(ProfileSelect, OtherShapesDoNotMatch) {
  auto set = set_of({local_profile()});
  WorkloadQuery q = query(2048);
  q.heads = 16;
  EXPECT_EQ(select_profile_entry(set, cpu_fingerprint(), q, ProfilePolicy::ignore, Backend::cpu).source,
            SelectionSource::defaults);
  q = query(2048);
  q.causal = false;
  EXPECT_EQ(select_profile_entry(set, cpu_fingerprint(), q, ProfilePolicy::ignore, Backend::cpu).source,
            SelectionSource::defaults);
  q = query(2048);
  q.kv_heads = 0;  // 0 means heads: matches kv_heads 8
  EXPECT_EQ(select_profile_entry(set, cpu_fingerprint(), q, ProfilePolicy::ignore, Backend::cpu).source,
            SelectionSource::exact);
}

TEST(ProfileSelect, ForeignFingerprintUnderEachPolicy) {
  auto set = set_of({foreign_profile()});
  const Fingerprint here = cpu_fingerprint();
  Selection strict = select_profile_entry(set, here, query(2048), ProfilePolicy::strict, Backend::cpu);
  EXPECT_EQ(strict.source, SelectionSource::defaults);
  EXPECT_FALSE(strict.entry.has_value());
  EXPECT_EQ(strict.schedule.overlap, Schedule{}.overlap);
  EXPECT_TRUE(has_warning_with(strict, "policy strict"));
  EXPECT_NE(strict.explanation.find("foreign.json"), std::string::npos);

  Selection warn = select_profile_entry(set, here, query(2048), ProfilePolicy::warn, Backend::cpu);
  EXPECT_EQ(warn.source, SelectionSource::foreign_fingerprint);
  EXPECT_FALSE(warn.fingerprint_match);
  EXPECT_EQ(warn.schedule.overlap, Overlap::double_buffer);
  ASSERT_EQ(warn.warnings.size(), 1u);
  EXPECT_NE(warn.warnings[0].find("another system"), std::string::npos);

  Selection ignore = select_profile_entry(set, here, query(2048), ProfilePolicy::ignore, Backend::cpu);
  EXPECT_EQ(ignore.source, SelectionSource::foreign_fingerprint);
  EXPECT_EQ(ignore.schedule.overlap, Overlap::double_buffer);
  EXPECT_TRUE(ignore.warnings.empty());

  // A matching fingerprint's nearest bucket beats a foreign exact bucket.
  auto both = set_of({foreign_profile(), local_profile()});
  Selection s = select_profile_entry(both, here, query(6000), ProfilePolicy::ignore, Backend::cpu);
  EXPECT_EQ(s.source, SelectionSource::nearest_bucket);
  EXPECT_EQ(s.file, "local.json");
}

TEST(ProfileSelect, DefaultsWhenNothingMatches) {
  Selection s =
      select_profile_entry(ProfileSet{}, cpu_fingerprint(), query(2048), ProfilePolicy::warn, Backend::cpu);
  EXPECT_EQ(s.source, SelectionSource::defaults);
  EXPECT_EQ(s.entry_index, -1);
  EXPECT_EQ(s.schedule.chunks, Schedule{}.chunks);
  EXPECT_EQ(s.schedule.tile_q, Schedule{}.tile_q);
  EXPECT_TRUE(s.warnings.empty());
  ASSERT_EQ(s.params.size(), 13u);
  for (const auto& p : s.params) EXPECT_EQ(p.origin, ParamOrigin::default_value) << p.name;
}

TEST(ProfileSelect, MissingParametersTakeDefaultsWithAWarning) {
  Profile p = read_profile(example_profile_path());
  ProfileSet set = set_of({{"example.json", p}});
  WorkloadQuery q{4, 8, 2, 128, DType::bf16, false, Pass::bwd, 4096};
  Selection s = select_profile_entry(set, p.fingerprint, q, ProfilePolicy::strict, Backend::cpu);
  ASSERT_EQ(s.source, SelectionSource::exact);
  EXPECT_EQ(s.entry_index, 2);
  EXPECT_EQ(s.schedule.bwd_comm, BwdComm::kv);
  EXPECT_EQ(s.schedule.tile_q, 32);
  EXPECT_EQ(s.schedule.chunks, 1);  // missing -> default
  EXPECT_EQ(s.schedule.layout, Layout::contiguous);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_NE(s.warnings[0].find("ring.chunks"), std::string::npos);
  EXPECT_NE(s.warnings[0].find("ring.layout"), std::string::npos);
  EXPECT_EQ(s.warnings[0].find("kernel.warps"), std::string::npos);  // CUDA-only: not missing on cpu
  EXPECT_TRUE(s.applied.has("ring.bwd_comm"));
  EXPECT_FALSE(s.applied.has("ring.chunks"));
  for (const auto& r : s.params) {
    if (r.name == "ring.chunks") {
      EXPECT_EQ(r.origin, ParamOrigin::default_value);
    }
    if (r.name == "ring.bwd_comm") {
      EXPECT_EQ(r.origin, ParamOrigin::entry);
      EXPECT_EQ(r.value, "kv");
    }
  }
}

TEST(ProfileSelect, CudaOnlyParametersIgnoredOnCpu) {
  LoadedProfile lp = local_profile();
  lp.profile.entries[0].params.set("kernel.warps", 8);
  lp.profile.entries[0].params.set("kernel.stages", 2);
  auto set = set_of({lp});
  Selection cpu =
      select_profile_entry(set, cpu_fingerprint(), query(2048), ProfilePolicy::warn, Backend::cpu);
  EXPECT_EQ(cpu.schedule.warps, 0);
  EXPECT_FALSE(cpu.applied.has("kernel.warps"));
  EXPECT_TRUE(has_warning_with(cpu, "kernel.warps applies only to the CUDA backend"));
  EXPECT_TRUE(has_warning_with(cpu, "kernel.stages applies only to the CUDA backend"));
  EXPECT_EQ(cpu.schedule.chunks, 2);  // the rest still applies
  // The same entry in a cuda profile, on the cuda backend, applies them.
  lp.profile.fingerprint = cuda_fingerprint();
  Selection cuda = select_profile_entry(set_of({lp}), cuda_fingerprint(), query(2048), ProfilePolicy::warn,
                                        Backend::auto_select);
  EXPECT_EQ(cuda.backend, Backend::cuda);
  EXPECT_EQ(cuda.schedule.warps, 8);
  EXPECT_EQ(cuda.schedule.stages, 2);
  EXPECT_EQ(cuda.applied.get("kernel.warps"), "8");
  EXPECT_TRUE(cuda.warnings.empty());
  // A cpu profile's kernel tiles are not applied to cuda kernels.
  Selection mixed =
      select_profile_entry(set, cpu_fingerprint(), query(2048), ProfilePolicy::warn, Backend::cuda);
  EXPECT_EQ(mixed.schedule.warps, 0);
  EXPECT_TRUE(has_warning_with(mixed, "kernel.tile_q was tuned for the cpu backend"));
}

TEST(ProfileSelect, KernelTilesOfAnotherBackendAreIgnored) {
  Profile p;
  p.fingerprint = cuda_fingerprint();
  p.entries = {make_entry(1024, 4096, 0.01, 0.01, 4)};
  p.entries[0].params.set("kernel.tile_q", 128);
  p.entries[0].params.set("kernel.warps", 4);
  Selection s = select_profile_entry(set_of({{"gpu.json", p}}), cpu_fingerprint(), query(2048),
                                     ProfilePolicy::ignore, Backend::auto_select);
  EXPECT_EQ(s.backend, Backend::cpu);
  EXPECT_EQ(s.source, SelectionSource::foreign_fingerprint);
  EXPECT_EQ(s.schedule.tile_q, Schedule{}.tile_q);
  EXPECT_EQ(s.schedule.chunks, 4);
  EXPECT_FALSE(s.applied.has("kernel.tile_q"));
  EXPECT_TRUE(has_warning_with(s, "kernel.tile_q was tuned for the cuda backend"));
  EXPECT_TRUE(has_warning_with(s, "kernel.warps applies only to the CUDA backend"));
  const std::string text = describe_selection(s);
  EXPECT_NE(text.find("kernel.tile_q = 64 (ignored)"), std::string::npos) << text;
  EXPECT_NE(text.find("ring.chunks = 4 (entry)"), std::string::npos) << text;
  EXPECT_NE(text.find("fingerprint differs"), std::string::npos) << text;
}

TEST(ProfileSelect, PolicyNames) {
  EXPECT_EQ(parse_profile_policy("strict"), ProfilePolicy::strict);
  EXPECT_EQ(parse_profile_policy("warn"), ProfilePolicy::warn);
  EXPECT_EQ(parse_profile_policy("ignore"), ProfilePolicy::ignore);
  EXPECT_THROW(parse_profile_policy("lenient"), InvalidArgument);
}

}  // namespace
}  // namespace burst::test
