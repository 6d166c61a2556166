// Profiles: inputs that used to escape as a bare library exception or stall validation become one
// error naming the file and the JSON path (issue 17, "Clear errors"); validation stays linear.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "base/text.hpp"
#include "burst/error.hpp"
#include "profile_test_util.hpp"
#include "profiles/json_check.hpp"

#ifdef BURST_TUNE_EXE
#include "cli/run_cli.hpp"
#endif

namespace burst::test {
namespace {

using nlohmann::json;

std::string example_text() {
  return slurp(example_profile_path());
}

bool valid_utf8(const std::string& s) {
  return text::valid_utf8(s) == s;
}

// The example with the text of entries[1].measured.median_s replaced by `raw` (written as is).
std::string with_median(const std::string& raw) {
  json doc = json::parse(example_text());
  doc["entries"][1]["measured"]["median_s"] = "@@MEDIAN@@";
  std::string text = doc.dump(2);
  text.replace(text.find("\"@@MEDIAN@@\""), 12, raw);
  return text;
}

TEST(ProfileErrors, NumberBeyondDoubleNamesFileAndJsonPath) {
  const std::string text = with_median("1e400");
  const auto problems = validate_profile_text(text, "huge.json");  // threw nlohmann out_of_range before
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].severity, Severity::error);
  EXPECT_EQ(problems[0].json_path, "$.entries[1].measured.median_s");
  EXPECT_NE(problems[0].message.find("out of range"), std::string::npos) << problems[0].message;
  EXPECT_NE(problems[0].message.find("1e400"), std::string::npos) << problems[0].message;
  try {
    parse_profile(text, "huge.json");
    FAIL() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("huge.json: $.entries[1].measured.median_s: ", 0), 0u) << e.what();
  }
  // An integer too long for any type is read as a double and overflows the same way.
  const auto digits = validate_profile_text(with_median(std::string(400, '9')), "digits.json");
  ASSERT_EQ(digits.size(), 1u);
  EXPECT_EQ(digits[0].json_path, "$.entries[1].measured.median_s");
}

TEST(ProfileErrors, SyntaxErrorNamesTheValueBeingRead) {
  const auto problems = validate_profile_text(with_median("0.01x"), "syntax.json");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].json_path, "$.entries[1].measured.median_s");
  EXPECT_EQ(problems[0].message.rfind("JSON parse error at byte ", 0), 0u) << problems[0].message;
}

// Found by the profile fuzzer (bench/results/fuzz.md): a malformed document nested 100k deep timed
// out building its error path; the path is now built in one pass and cut after 32 levels.
TEST(ProfileErrors, DeeplyNestedSyntaxErrorHasABoundedPath) {
  const std::string text = std::string(100000, '[') + "1,}";
  const auto problems = validate_profile_text(text, "deep.json");
  ASSERT_TRUE(has_errors(problems));
  const std::string& path = problems[0].json_path;
  EXPECT_EQ(path.rfind("$[0][0][0]", 0), 0u) << path.substr(0, 80);
  EXPECT_NE(path.find("...(99968 levels deeper)"), std::string::npos) << path.substr(0, 200);
  EXPECT_LT(path.size(), 200u);
  // A shallow error keeps its whole path.
  const auto shallow = validate_profile_text(R"({"entries": [{"key": {"heads": ]}]})", "shallow.json");
  ASSERT_TRUE(has_errors(shallow));
  EXPECT_EQ(shallow[0].json_path, "$.entries[0].key.heads");
}

TEST(ProfileErrors, NumberBeyondDoubleThroughBurstProfile) {
  ScratchDir dir("huge-env");
  spit(dir.path() / "huge.json", with_median("-1e999"));
  ::setenv("BURST_PROFILE", dir.file("huge.json").c_str(), 1);
  reset_environment_profile_selector();
  try {
    (void)environment_profile_selector();
    FAIL() << "no exception";
  } catch (const InvalidArgument& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(dir.file("huge.json") + ": $.entries[1].measured.median_s: ", 0), 0u) << what;
  } catch (const std::exception& e) {
    FAIL() << "escaped as another exception: " << e.what();
  }
  ::unsetenv("BURST_PROFILE");
  reset_environment_profile_selector();
}

TEST(ProfileErrors, InvalidUtf8IsAnErrorWithValidUtf8Message) {
  std::string text = example_text();
  const auto at = text.find("tune.sqlite");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 4, "t\xFF\xFEn");
  const auto problems = validate_profile_text(text, "bytes.json");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].severity, Severity::error);
  EXPECT_NE(problems[0].json_path.find("$.entries[0].provenance"), std::string::npos)
      << problems[0].json_path;
  EXPECT_TRUE(valid_utf8(problems[0].message)) << problems[0].message;
  // What `validate --json` does with it: must not throw.
  EXPECT_NO_THROW((void)json(problems[0].message).dump());
}

TEST(ProfileErrors, LongNonAsciiValueIsCutAtACharacterBoundary) {
  json doc = json::parse(example_text());
  std::string long_value;
  for (int i = 0; i < 30; ++i) long_value += "\xC3\xA9";  // é: the 37-byte cut falls mid-character
  doc["entries"][0]["key"]["heads"] = long_value;
  const auto problems = validate_profile_text(doc.dump(), "accents.json");
  ASSERT_EQ(problems.size(), 1u);
  const std::string& m = problems[0].message;
  EXPECT_TRUE(valid_utf8(m)) << m;
  EXPECT_EQ(m.substr(m.size() - 3), "...") << m;
  EXPECT_NO_THROW((void)json(m).dump());
}

// A return to comparing each entry with every earlier one (84 s at 80k entries) shows up as a
// count, without timing anything: the index makes one hash lookup per entry.
TEST(ProfileErrors, DuplicateKeyDetectionIsLinear) {
  profiles::KeyIndex index;
  constexpr std::size_t n = 20000;
  WorkloadKey key = make_entry(1, 2, 0.01, 0.01, 1).key;
  for (std::size_t i = 0; i < n; ++i) {
    key.seq_min = static_cast<std::int64_t>(i) + 1;
    key.seq_max = key.seq_min + 7;
    EXPECT_FALSE(index.first_with(key, i).has_value());
  }
  key.seq_min = 5;
  key.seq_max = 12;
  EXPECT_EQ(index.first_with(key, n), std::optional<std::size_t>(4));
  EXPECT_GE(index.comparisons(), 1u);
  // A hash table compares a key with the few others in its bucket (about one per entry); the scan it
  // replaced made n * (n - 1) / 2 = 2e8 comparisons here.
  EXPECT_LT(index.comparisons(), 4 * n) << "key comparisons grow faster than the entries";

  // The same through the validator, on a document of `n` entries with two repeats.
  Profile p;
  p.fingerprint = cpu_fingerprint();
  for (std::size_t i = 0; i < n; ++i)
    p.entries.push_back(
        make_entry(static_cast<std::int64_t>(i) + 1, static_cast<std::int64_t>(i) + 9, 0.01, 0.01, 2));
  p.entries.push_back(p.entries[3]);
  p.entries.push_back(p.entries[n - 1]);
  const json doc = json::parse(profile_to_json_text(p));
  profiles::JsonChecker check("many.json");
  profiles::KeyIndex keys;
  (void)profiles::profile_from_json(doc, check, &keys);
  std::vector<std::string> warnings;
  for (const auto& pr : check.problems()) warnings.push_back(pr.json_path + ": " + pr.message);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0], "$.entries[20000].key: same key as $.entries[3]; the first one is used");
  EXPECT_EQ(warnings[1], "$.entries[20001].key: same key as $.entries[19999]; the first one is used");
  EXPECT_GE(keys.comparisons(), 2u);
  EXPECT_LT(keys.comparisons(), 4 * n);
}

#ifdef BURST_TUNE_EXE
// `burst-tune --json validate` threw nlohmann's type_error 316 on these; its output must parse.
TEST(ProfileCli, JsonValidateIsValidUtf8ForAnyInput) {
  ScratchDir dir("utf8-cli");
  std::string bytes = example_text();
  bytes.replace(bytes.find("tune.sqlite"), 4, "t\xFF\xFEn");
  spit(dir.path() / "bytes.json", bytes);
  json doc = json::parse(example_text());
  std::string accents;
  for (int i = 0; i < 30; ++i) accents += "\xC3\xA9";
  doc["entries"][0]["key"]["heads"] = accents;
  spit(dir.path() / "accents.json", doc.dump());
  spit(dir.path() / "huge.json", with_median("1e400"));
  const auto r = run_cli("--json validate " + dir.file("bytes.json") + " " + dir.file("accents.json") + " " +
                         dir.file("huge.json"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  json out;
  ASSERT_NO_THROW(out = json::parse(r.out)) << r.out;  // the parser rejects invalid UTF-8
  ASSERT_EQ(out.at("files").size(), 3u);
  for (const auto& f : out.at("files")) {
    EXPECT_FALSE(f.at("ok").get<bool>());
    ASSERT_EQ(f.at("problems").size(), 1u) << f.dump();
  }
  EXPECT_EQ(out.at("files")[2].at("problems")[0].at("json_path"), "$.entries[1].measured.median_s");
}
#endif

}  // namespace
}  // namespace burst::test
