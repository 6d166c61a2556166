// Profiles: validation errors and warnings, each naming the file and the JSON path.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "burst/error.hpp"
#include "profile_test_util.hpp"

namespace burst::test {
namespace {

using nlohmann::json;

json example_json() {
  return json::parse(slurp(example_profile_path()));
}

// The only error of `doc` (fails the test when there is not exactly one).
ProfileProblem only_error(const json& doc, const std::string& file = "broken.json") {
  auto problems = validate_profile_text(doc.dump(), file);
  std::vector<ProfileProblem> errors;
  for (const auto& p : problems)
    if (p.severity == Severity::error) errors.push_back(p);
  EXPECT_EQ(errors.size(), 1u) << (errors.empty() ? std::string("no errors") : errors.back().to_string());
  return errors.empty() ? ProfileProblem{} : errors.front();
}

TEST(ProfileValidate, ExampleIsClean) {
  EXPECT_TRUE(validate_profile(example_profile_path()).empty());
}

TEST(ProfileValidate, TruncatedJsonNamesFileAndByte) {
  std::string text = slurp(example_profile_path());
  text.resize(text.size() / 2);
  auto problems = validate_profile_text(text, "cut.json");
  ASSERT_EQ(problems.size(), 1u);
  // The path is where parsing stopped: the object being read when the text ends (entries[1].key).
  EXPECT_EQ(problems[0].json_path, "$.entries[1].key");
  EXPECT_NE(problems[0].to_string().find("cut.json: error: $.entries[1].key: JSON parse error at byte "),
            std::string::npos)
      << problems[0].to_string();
  try {
    parse_profile(text, "cut.json");
    FAIL() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("cut.json: $.entries[1].key: JSON parse error at byte ", 0), 0u)
        << e.what();
  }
}

TEST(ProfileValidate, WrongTypes) {
  json doc = example_json();
  doc["entries"][2]["params"]["ring.chunks"] = "four";
  auto e = only_error(doc);
  EXPECT_EQ(e.json_path, "$.entries[2].params[\"ring.chunks\"]");
  EXPECT_EQ(e.message, "expected integer 1..8, got \"four\"");
  EXPECT_EQ(e.to_string(),
            "broken.json: error: $.entries[2].params[\"ring.chunks\"]: expected integer 1..8, got \"four\"");

  doc = example_json();
  doc["entries"][0]["key"]["causal"] = 1;
  EXPECT_EQ(only_error(doc).json_path, "$.entries[0].key.causal");
  doc = example_json();
  doc["entries"][1]["params"]["ring.overlap"] = "sometimes";
  e = only_error(doc);
  EXPECT_EQ(e.json_path, "$.entries[1].params[\"ring.overlap\"]");
  EXPECT_NE(e.message.find("\"chunk_pipeline\""), std::string::npos);
  doc = example_json();
  doc["fingerprint"]["cpu_cores"] = "16";
  EXPECT_EQ(only_error(doc).json_path, "$.fingerprint.cpu_cores");
  doc = example_json();
  doc["entries"] = json::object();
  EXPECT_EQ(only_error(doc).json_path, "$.entries");
  doc = example_json();
  doc["entries"][0]["key"]["seq_max"] = 10;
  EXPECT_EQ(only_error(doc).json_path, "$.entries[0].key.seq_max");
  doc = example_json();
  doc["entries"][0]["measured"]["median_s"] = -1.0;
  EXPECT_EQ(only_error(doc).json_path, "$.entries[0].measured.median_s");
}

TEST(ProfileValidate, MissingFields) {
  json doc = example_json();
  doc["entries"][1]["measured"].erase("median_s");
  auto e = only_error(doc);
  EXPECT_EQ(e.json_path, "$.entries[1].measured.median_s");
  EXPECT_EQ(e.message, "missing required field");
  doc = example_json();
  doc.erase("fingerprint");
  EXPECT_EQ(only_error(doc).json_path, "$.fingerprint");
  doc = example_json();
  doc["entries"][0]["key"].erase("pass");
  EXPECT_EQ(only_error(doc).json_path, "$.entries[0].key.pass");
  doc = example_json();
  doc["entries"][2].erase("provenance");
  EXPECT_EQ(only_error(doc).json_path, "$.entries[2].provenance");
}

TEST(ProfileValidate, UnknownMajorVersionIsAnErrorMinorIsNot) {
  json doc = example_json();
  doc["schema"] = "burst-profile/2";
  auto e = only_error(doc);
  EXPECT_EQ(e.json_path, "$.schema");
  EXPECT_NE(e.message.find("unknown major version 2"), std::string::npos);
  doc["schema"] = "burst-profile/1.3";
  EXPECT_FALSE(has_errors(validate_profile_text(doc.dump(), "minor.json")));
  doc["schema"] = "something-else/1";
  EXPECT_EQ(only_error(doc).json_path, "$.schema");
}

TEST(ProfileValidate, UnknownFieldsAreWarnings) {
  json doc = example_json();
  doc["entries"][0]["params"]["kernel.swizzle"] = 2;
  doc["entries"][0]["measured"]["p90_s"] = 0.02;
  doc["generator"] = "future";
  auto problems = validate_profile_text(doc.dump(), "newer.json");
  EXPECT_FALSE(has_errors(problems));
  ASSERT_EQ(problems.size(), 3u);
  std::vector<std::string> paths;
  for (const auto& p : problems) {
    EXPECT_EQ(p.severity, Severity::warning);
    paths.push_back(p.json_path);
  }
  EXPECT_NE(std::find(paths.begin(), paths.end(), "$.entries[0].params[\"kernel.swizzle\"]"), paths.end());
  EXPECT_NE(std::find(paths.begin(), paths.end(), "$.entries[0].measured.p90_s"), paths.end());
  EXPECT_NE(std::find(paths.begin(), paths.end(), "$.generator"), paths.end());
  // Reading such a file works (the warnings are logged).
  EXPECT_EQ(parse_profile(doc.dump(), "newer.json").entries.size(), 3u);
}

TEST(ProfileValidate, ReadProfileThrowsNamingFileAndPath) {
  ScratchDir dir("validate");
  json doc = example_json();
  doc["entries"][0]["key"]["heads"] = "eight";
  doc["entries"][1]["key"]["heads"] = "eight";
  const std::string file = dir.file("bad.json");
  spit(file, doc.dump());
  try {
    read_profile(file);
    FAIL() << "no exception";
  } catch (const InvalidArgument& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(file + ": $.entries[0].key.heads: expected integer >= 1, got \"eight\"", 0), 0u)
        << what;
    EXPECT_NE(what.find("and 1 more error"), std::string::npos) << what;
  }
  auto missing = validate_profile(dir.file("nope.json"));
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].severity, Severity::error);
  EXPECT_EQ(missing[0].file, dir.file("nope.json"));
  EXPECT_THROW(read_profile(dir.file("nope.json")), InvalidArgument);
}

TEST(ProfileValidate, DuplicateKeyIsAWarning) {
  json doc = example_json();
  doc["entries"].push_back(doc["entries"][0]);
  auto problems = validate_profile_text(doc.dump(), "dup.json");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].severity, Severity::warning);
  EXPECT_EQ(problems[0].json_path, "$.entries[3].key");
}

}  // namespace
}  // namespace burst::test
