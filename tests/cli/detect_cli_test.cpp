// burst-tune detect on the machine running the tests: the JSON document is complete, consistent
// with itself, and its fingerprint round-trips through Fingerprint::from_json.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "burst/error.hpp"
#include "burst/fingerprint.hpp"
#include "cli/run_cli.hpp"

namespace burst::test {
namespace {

using nlohmann::json;

class DetectJson : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    result_ = new CliResult(run_cli("detect --json"));
    if (result_->exit_code == 0) doc_ = new json(json::parse(result_->out, nullptr, false));
  }
  static void TearDownTestSuite() {
    delete result_;
    delete doc_;
    result_ = nullptr;
    doc_ = nullptr;
  }
  void SetUp() override {
    ASSERT_EQ(result_->exit_code, 0) << result_->err;
    ASSERT_NE(doc_, nullptr);
    ASSERT_FALSE(doc_->is_discarded()) << "not JSON: " << result_->out;
  }
  const json& doc() const { return *doc_; }

  static CliResult* result_;
  static json* doc_;
};
CliResult* DetectJson::result_ = nullptr;
json* DetectJson::doc_ = nullptr;

TEST_F(DetectJson, HasEveryTopLevelPart) {
  EXPECT_EQ(doc().at("schema"), "burst-detect/1");
  for (const char* key :
       {"host", "cuda", "gpus", "peers", "nccl", "world", "backend", "fingerprint", "fingerprint_id"}) {
    EXPECT_TRUE(doc().contains(key)) << key;
  }
}

TEST_F(DetectJson, HostFieldsAreFilled) {
  const json& host = doc().at("host");
  EXPECT_FALSE(host.at("hostname").get<std::string>().empty());
  EXPECT_FALSE(host.at("cpu_model").get<std::string>().empty());
  EXPECT_GE(host.at("cpu_cores").get<int>(), 1);
  EXPECT_GT(host.at("memory_bytes").get<std::uint64_t>(), 64ull << 20);
}

TEST_F(DetectJson, BackendAgreesWithGpus) {
  const auto& gpus = doc().at("gpus");
  const std::string backend = doc().at("backend");
  EXPECT_EQ(doc().at("cuda").at("device_count").get<std::size_t>(), gpus.size());
  if (gpus.empty()) {
    EXPECT_EQ(backend, "cpu");
    // Says plainly why there is no GPU.
    EXPECT_FALSE(doc().at("cuda").at("status").get<std::string>().empty());
    EXPECT_NE(doc().at("backend_reason").get<std::string>().find("CPU backend"), std::string::npos);
    EXPECT_TRUE(doc().at("peers").empty());
  } else {
    EXPECT_EQ(backend, "cuda");
    EXPECT_EQ(doc().at("peers").size(), gpus.size() * (gpus.size() - 1));
    for (const auto& g : gpus) {
      EXPECT_EQ(g.at("uuid").get<std::string>().rfind("GPU-", 0), 0u);
      EXPECT_GT(g.at("sm_count").get<int>(), 0);
    }
  }
  EXPECT_EQ(doc().at("fingerprint").at("backend"), backend);
}

TEST_F(DetectJson, WorldIsThisProcessAlone) {
  const json& world = doc().at("world");
  EXPECT_EQ(world.at("size"), 1);
  EXPECT_EQ(world.at("nodes"), 1);
  EXPECT_EQ(world.at("ranks_per_node"), 1);
  ASSERT_EQ(world.at("ranks").size(), 1u);
  EXPECT_EQ(world.at("ranks")[0].at("host"), doc().at("host").at("hostname"));
  EXPECT_EQ(world.at("link_class"), json::parse(R"([["self"]])"));
  // The fingerprint describes the machine (the links ranks on it use), not this world of one.
  if (doc().at("fingerprint").at("backend") == "cpu") {
    EXPECT_EQ(doc().at("fingerprint").at("link_classes"), json::parse(R"(["shared_memory"])"));
  }
  EXPECT_FALSE(doc().at("fingerprint").contains("ranks_per_node"));
}

TEST_F(DetectJson, FingerprintRoundTrips) {
  const std::string text = doc().at("fingerprint").dump();
  const Fingerprint fp = Fingerprint::from_json(text);
  EXPECT_EQ(fp.cpu_model, doc().at("host").at("cpu_model").get<std::string>());
  EXPECT_EQ(fp.cpu_cores, doc().at("host").at("cpu_cores"));
  EXPECT_EQ(json::parse(fp.to_json()), doc().at("fingerprint"));
  EXPECT_EQ(fp.id(), doc().at("fingerprint_id").get<std::string>());
  EXPECT_EQ(Fingerprint::from_json(fp.to_json()), fp);
}

TEST(DetectTable, NamesEverySection) {
  const auto r = run_cli("detect");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* section : {"Host", "CUDA", "NCCL", "World", "Backend"}) {
    EXPECT_NE(("\n" + r.out).find(std::string("\n") + section + "\n"), std::string::npos)
        << section << " in\n"
        << r.out;
  }
  const auto j = run_cli("detect --json");
  ASSERT_EQ(j.exit_code, 0);
  const auto doc = json::parse(j.out);
  // The table's backend line matches the document.
  EXPECT_NE(r.out.find(doc.at("backend_reason").get<std::string>()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(doc.at("fingerprint_id").get<std::string>()), std::string::npos) << r.out;
}

}  // namespace
}  // namespace burst::test
