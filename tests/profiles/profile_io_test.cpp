// Profiles: read/write round trip and merging with the noise-tie rule.
#include <gtest/gtest.h>

#include "burst/error.hpp"
#include "profile_test_util.hpp"

namespace burst::test {
namespace {

TEST(ProfileIo, ExampleFileReads) {
  Profile p = read_profile(example_profile_path());
  EXPECT_EQ(p.schema, "burst-profile/1.1");
  EXPECT_EQ(p.fingerprint, cpu_fingerprint());
  ASSERT_EQ(p.entries.size(), 3u);
  EXPECT_EQ(p.entries[1].key.seq_min, 4097);
  EXPECT_EQ(p.entries[1].params.get("ring.overlap"), "chunk_pipeline");
  EXPECT_EQ(p.entries[1].params.get("ring.chunks"), "4");
  EXPECT_EQ(p.entries[2].key.dtype, DType::bf16);
  EXPECT_EQ(p.entries[2].key.pass, Pass::bwd);
  EXPECT_FALSE(p.entries[2].params.has("ring.layout"));  // missing stays missing
  EXPECT_EQ(p.entries[2].params.get("ring.bwd_comm"), "kv");
  EXPECT_EQ(p.entries[0].provenance.trial_id, 17);
  EXPECT_TRUE(p.entries[2].provenance.db.empty());
  EXPECT_DOUBLE_EQ(p.entries[0].measured.median_s, 0.0125);
}

TEST(ProfileIo, WriteReadRoundTrip) {
  ScratchDir dir("io");
  Profile p;
  p.fingerprint = cuda_fingerprint();
  p.entries.push_back(make_entry(1024, 4096, 0.0123456789012345, 0.0173, 2));
  ProfileEntry sparse = make_entry(4097, 8192, 1.5e-3, 0.0, 8);
  sparse.params = {};
  sparse.params.set("kernel.warps", 8);
  sparse.params.set("kernel.stages", 3);
  sparse.provenance.session_id.reset();
  sparse.provenance.db.clear();
  p.entries.push_back(sparse);
  const std::string file = dir.file("out.json");
  write_profile(p, file);
  Profile back = read_profile(file);
  EXPECT_EQ(back, p);
  EXPECT_FALSE(std::filesystem::exists(file + ".tmp"));
  // Writing what was read gives the same bytes.
  write_profile(back, dir.file("again.json"));
  EXPECT_EQ(slurp(file), slurp(dir.file("again.json")));
  EXPECT_TRUE(validate_profile(file).empty());
}

TEST(ProfileIo, ExampleRoundTripsThroughWriter) {
  ScratchDir dir("io");
  Profile p = read_profile(example_profile_path());
  write_profile(p, dir.file("copy.json"));
  EXPECT_EQ(read_profile(dir.file("copy.json")), p);
}

TEST(ProfileMerge, TiesKeepExistingFasterReplacesNewAppended) {
  Profile base;
  base.fingerprint = cpu_fingerprint();
  base.entries = {make_entry(1, 100, 1.00, 0.05, 1), make_entry(101, 200, 1.00, 0.01, 1),
                  make_entry(201, 300, 1.00, 0.01, 1)};
  Profile incoming;
  incoming.fingerprint = cpu_fingerprint();
  incoming.entries = {
      make_entry(1, 100, 0.96, 0.01, 2),    // 4 % faster but within base's 5 % noise: tie, keep base
      make_entry(101, 200, 0.90, 0.01, 4),  // 10 % faster, beyond both noises: replace
      make_entry(201, 300, 1.20, 0.01, 8),  // slower: keep
      make_entry(301, 400, 2.00, 0.01, 8),  // new key: append
  };
  MergeStats stats;
  Profile merged = merge_profiles(base, incoming, &stats);
  ASSERT_EQ(merged.entries.size(), 4u);
  EXPECT_EQ(merged.entries[0].params.get("ring.chunks"), "1");
  EXPECT_EQ(merged.entries[1].params.get("ring.chunks"), "4");
  EXPECT_DOUBLE_EQ(merged.entries[1].measured.median_s, 0.90);
  EXPECT_EQ(merged.entries[2].params.get("ring.chunks"), "1");
  EXPECT_EQ(merged.entries[3].key.seq_min, 301);
  EXPECT_EQ(stats.ties, 1);
  EXPECT_EQ(stats.replaced, 1);
  EXPECT_EQ(stats.kept, 1);
  EXPECT_EQ(stats.added, 1);
}

TEST(ProfileMerge, TieUsesTheLargerNoiseOfEitherSide) {
  ProfileMeasured a{1.00, 0.01, 0, 0};
  ProfileMeasured b{0.95, 0.06, 0, 0};  // b's noise band 0.057 covers the 0.05 gap
  EXPECT_TRUE(entries_tie(a, b));
  EXPECT_TRUE(entries_tie(b, a));
  b.noise = 0.01;
  EXPECT_FALSE(entries_tie(a, b));
  // Merging is not symmetric on ties: the base's entry always stays.
  Profile x, y;
  x.fingerprint = y.fingerprint = cpu_fingerprint();
  x.entries = {make_entry(1, 10, 1.00, 0.05, 1)};
  y.entries = {make_entry(1, 10, 0.97, 0.05, 2)};
  EXPECT_EQ(merge_profiles(x, y).entries[0].params.get("ring.chunks"), "1");
  EXPECT_EQ(merge_profiles(y, x).entries[0].params.get("ring.chunks"), "2");
}

TEST(ProfileMerge, DifferentFingerprintsRefused) {
  Profile a, b;
  a.fingerprint = cpu_fingerprint();
  b.fingerprint = cuda_fingerprint();
  EXPECT_THROW(merge_profiles(a, b), InvalidArgument);
}

}  // namespace
}  // namespace burst::test
