// Internal to profiles/: a checker that walks a JSON document, records every problem with its JSON
// path and hands back typed values, so one pass both validates a profile and builds it.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "burst/profile.hpp"

namespace burst::profiles {

using nlohmann::json;

// "$.a" for identifier-like keys, "$[\"ring.chunks\"]" otherwise.
std::string child_path(const std::string& parent, std::string_view key);
std::string index_path(const std::string& parent, std::size_t index);
// A JSON value as the message shows it ("\"four\"", "3.5", "an object"), at most ~40 characters.
std::string show_value(const json& value);

class JsonChecker {
 public:
  explicit JsonChecker(std::string file) : file_(std::move(file)) {}

  void error(const std::string& path, std::string message);
  void warning(const std::string& path, std::string message);

  // The member `key` of `object` or nullptr; a missing required member is an error.
  const json* member(const json& object, const std::string& path, std::string_view key, bool required);
  // Warns about every member of `object` not in `known` (a newer minor version may add them).
  void warn_unknown(const json& object, const std::string& path, const std::vector<std::string_view>& known);
  // Checks that `object` is an object (error otherwise).
  bool expect_object(const json& value, const std::string& path);

  std::optional<std::int64_t> integer(const json& object, const std::string& path, std::string_view key,
                                      bool required, std::int64_t min, std::int64_t max);
  std::optional<std::int64_t> integer_value(const json& value, const std::string& path, std::int64_t min,
                                            std::int64_t max);
  std::optional<double> number(const json& object, const std::string& path, std::string_view key,
                               bool required, double min, bool min_exclusive);
  std::optional<std::string> string(const json& object, const std::string& path, std::string_view key,
                                    bool required);
  std::optional<bool> boolean(const json& object, const std::string& path, std::string_view key,
                              bool required);
  // A string that must be one of `names`; returns its index in `names`.
  std::optional<std::size_t> one_of_value(const json& value, const std::string& path,
                                          const std::vector<std::string_view>& names);
  std::optional<std::size_t> one_of(const json& object, const std::string& path, std::string_view key,
                                    bool required, const std::vector<std::string_view>& names);

  std::vector<ProfileProblem>& problems() { return problems_; }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<ProfileProblem> problems_;
};

// Every name of an enumeration in declaration order, as burst/types.hpp spells them.
template <typename E>
std::vector<std::string_view> enum_names(std::initializer_list<E> values) {
  std::vector<std::string_view> names;
  for (E v : values) names.push_back(to_string(v));
  return names;
}

// Parses `text`; a syntax error or a number beyond double ("1e400") is one error naming the byte
// and the JSON path of the value being read (nullopt then). profiles/json_parse.cpp.
std::optional<json> parse_json_document(std::string_view text, JsonChecker& check);

// The entries' keys seen so far, for the duplicate-key warning: one hash lookup per entry, so a
// profile validates in time linear in its entries (a scan of the earlier entries took 84 s at 80k
// entries). Counts the key equality tests it makes (tests check they stay few).
class KeyIndex {
 public:
  // The index of the first entry with `key`, or nullopt (and `index` is recorded as that entry).
  std::optional<std::size_t> first_with(const WorkloadKey& key, std::size_t index);
  std::size_t comparisons() const { return *comparisons_; }

 private:
  struct Hash {
    std::size_t operator()(const WorkloadKey& k) const noexcept;
  };
  struct Equal {
    std::size_t* count;
    bool operator()(const WorkloadKey& a, const WorkloadKey& b) const {
      ++*count;
      return a == b;
    }
  };
  std::unique_ptr<std::size_t> comparisons_ = std::make_unique<std::size_t>(0);
  std::unordered_map<WorkloadKey, std::size_t, Hash, Equal> first_{16, Hash{}, Equal{comparisons_.get()}};
};

// Validates the document and builds the profile from it (meaningful only without errors).
Profile profile_from_json(const json& doc, JsonChecker& check, KeyIndex* keys = nullptr);
json profile_to_json(const Profile& profile);

// Parameters go through the parameter table (burst/params.hpp).
// Reads params[name] into `params` (recording problems with their JSON path).
void read_param(const ParamDesc& param, const json& value, const std::string& path, JsonChecker& check,
                ProfileParams& params);
// The parameter as JSON (a number or a string as the table types it), or null when missing.
json param_json(const ParamDesc& param, const ProfileParams& params);
// Writes the parameter into `schedule`; no-op when missing.
void apply_param(const ParamDesc& param, const ProfileParams& params, Schedule& schedule);
// The default value's text ("64", "none"; "-" for CUDA-only ones, which have no backend-free default).
std::string default_param_text(const ParamDesc& param);

}  // namespace burst::profiles
