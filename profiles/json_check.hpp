// Internal to profiles/: a checker that walks a JSON document, records every problem with its JSON
// path and hands back typed values, so one pass both validates a profile and builds it.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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
  std::optional<double> number(const json& object, const std::string& path, std::string_view key, bool required,
                               double min, bool min_exclusive);
  std::optional<std::string> string(const json& object, const std::string& path, std::string_view key,
                                    bool required);
  std::optional<bool> boolean(const json& object, const std::string& path, std::string_view key, bool required);
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

// Validates the document and builds the profile from it (meaningful only without errors).
Profile profile_from_json(const json& doc, JsonChecker& check);
json profile_to_json(const Profile& profile);

// The parameter table: JSON name, whether it is CUDA-only, and how it reads, writes and applies.
struct ParamSpec {
  std::string_view name;
  bool cuda_only;
  bool kernel;  // a kernel.* parameter (measured for one backend's kernels)
};
const std::vector<ParamSpec>& param_specs();
// Reads params[name] into `params` (recording problems); the value must already exist.
void read_param(const ParamSpec& spec, const json& value, const std::string& path, JsonChecker& check,
                ProfileParams& params);
// The parameter as JSON, or null when missing.
json param_json(const ParamSpec& spec, const ProfileParams& params);
// Clears the parameter in `params`.
void clear_param(const ParamSpec& spec, ProfileParams& params);
// Writes the parameter into `schedule` (CUDA-only ones go to warps/stages); no-op when missing.
void apply_param(const ParamSpec& spec, const ProfileParams& params, Schedule& schedule,
                 std::optional<int>& warps, std::optional<int>& stages);
// The default value's text ("64", "none"; "-" for warps/stages, which have no backend-free default).
std::string default_param_text(const ParamSpec& spec);

}  // namespace burst::profiles
