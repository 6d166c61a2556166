// Fingerprint: canonical JSON, round trip, id stability, and errors naming the field.
#include "burst/fingerprint.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "burst/error.hpp"
#include "profiles/fingerprint_json.hpp"

namespace burst {
namespace {

using nlohmann::json;

Fingerprint h100_cluster() {
  Fingerprint fp;
  fp.backend = "cuda";
  fp.cpu_model = "Intel(R) Xeon(R) Platinum 8480+";
  fp.cpu_cores = 224;
  fp.gpu_model = "NVIDIA H100 80GB HBM3";
  fp.gpu_count = 16;
  fp.compute_capability = "9.0";
  fp.sm_count = 132;
  fp.driver_version = "13.0";
  fp.cuda_version = "13.0";
  fp.nccl_version = "2.28.9";
  fp.nodes = 2;
  fp.link_classes = {"network", "nvlink"};
  return fp;
}

// The message of the InvalidArgument thrown by from_json(text), or "" when it did not throw.
std::string error_of(const std::string& text) {
  try {
    Fingerprint::from_json(text);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

json with(const std::string& key, const json& value) {
  json j = json::parse(h100_cluster().to_json());
  j[key] = value;
  return j;
}

TEST(Fingerprint, RoundTripKeepsEveryField) {
  const Fingerprint fp = h100_cluster();
  EXPECT_EQ(Fingerprint::from_json(fp.to_json()), fp);
  Fingerprint cpu;
  cpu.backend = "cpu";
  cpu.cpu_model = "AMD EPYC 9654";
  cpu.cpu_cores = 2;
  cpu.link_classes = {"shared_memory"};
  EXPECT_EQ(Fingerprint::from_json(cpu.to_json()), cpu);
}

TEST(Fingerprint, JsonIsCanonical) {
  const std::string text = h100_cluster().to_json();
  EXPECT_EQ(text.find(' ', text.find("\"nodes\"")), std::string::npos)
      << "no whitespace outside strings: " << text;
  EXPECT_EQ(text.rfind("{\"backend\":\"cuda\",\"compute_capability\":\"9.0\",\"cpu_cores\":224,", 0), 0u)
      << text;
  // Reordered keys and whitespace parse to the same fingerprint and print the same text.
  const std::string shuffled = json::parse(text).dump(4);
  EXPECT_EQ(Fingerprint::from_json(shuffled).to_json(), text);
}

TEST(Fingerprint, NlohmannConvertersMatchText) {
  const json j = h100_cluster();
  EXPECT_EQ(j.dump(), h100_cluster().to_json());
  EXPECT_EQ(j.get<Fingerprint>(), h100_cluster());
}

TEST(Fingerprint, IdIsStableAndSensitive) {
  const Fingerprint fp = h100_cluster();
  EXPECT_EQ(fp.id().size(), 16u);
  EXPECT_EQ(fp.id().find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(fp.id(), Fingerprint::from_json(fp.to_json()).id());
  // FNV-1a 64 of the canonical text, pinned so that ids in shipped profiles never drift.
  Fingerprint empty;
  EXPECT_EQ(
      empty.to_json(),
      "{\"backend\":\"\",\"compute_capability\":\"\",\"cpu_cores\":0,\"cpu_model\":\"\",\"cuda_version\":"
      "\"\","
      "\"driver_version\":\"\",\"gpu_count\":0,\"gpu_model\":\"\",\"link_classes\":[],\"nccl_version\":\"\","
      "\"nodes\":1,\"sm_count\":0}");
  Fingerprint other = fp;
  other.sm_count = 114;
  EXPECT_NE(other.id(), fp.id());
  other = fp;
  other.link_classes = {"network", "pcie"};
  EXPECT_NE(other.id(), fp.id());
}

TEST(Fingerprint, IdIsFnv1aOfCanonicalText) {
  // Computed independently (Python) from the canonical text pinned above.
  EXPECT_EQ(Fingerprint{}.id(), "7f92f290382007a3");
}

TEST(Fingerprint, MissingFieldIsNamed) {
  json j = json::parse(h100_cluster().to_json());
  j.erase("sm_count");
  EXPECT_EQ(error_of(j.dump()), "fingerprint: missing field 'sm_count'");
}

TEST(Fingerprint, IllTypedFieldsAreNamed) {
  EXPECT_EQ(error_of(with("sm_count", "132").dump()), "fingerprint: field 'sm_count' must be an integer");
  EXPECT_EQ(error_of(with("sm_count", 13.5).dump()), "fingerprint: field 'sm_count' must be an integer");
  EXPECT_EQ(error_of(with("gpu_model", 7).dump()), "fingerprint: field 'gpu_model' must be a string");
  EXPECT_EQ(error_of(with("link_classes", "nvlink").dump()),
            "fingerprint: field 'link_classes' must be an array of strings");
  EXPECT_NE(error_of(with("nodes", 0).dump()).find("'nodes' must be an integer >= 1"), std::string::npos);
  EXPECT_NE(error_of(with("gpu_count", -1).dump()).find("'gpu_count' must be an integer >= 0"),
            std::string::npos);
}

TEST(Fingerprint, UnknownValuesAreRejected) {
  EXPECT_NE(error_of(with("backend", "rocm").dump()).find("'backend' must be \"cpu\" or \"cuda\""),
            std::string::npos);
  EXPECT_NE(
      error_of(with("link_classes", json::array({"infiniband"})).dump()).find("unknown class \"infiniband\""),
      std::string::npos);
}

TEST(Fingerprint, NotJsonOrNotObject) {
  EXPECT_EQ(error_of("{\"backend\":").rfind("fingerprint: not valid JSON", 0), 0u);
  EXPECT_EQ(error_of("[1,2]"), "fingerprint: expected a JSON object, got array");
}

TEST(Fingerprint, UnknownKeysAreIgnored) {
  json j = with("rack", "b12");
  EXPECT_EQ(Fingerprint::from_json(j.dump()), h100_cluster());
}

}  // namespace
}  // namespace burst
