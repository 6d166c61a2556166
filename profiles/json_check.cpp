// JsonChecker: typed reads from a JSON document that record each problem with its JSON path.
#include "profiles/json_check.hpp"

#include <cctype>
#include <cmath>
#include <limits>

namespace burst::profiles {

std::string child_path(const std::string& parent, std::string_view key) {
  bool identifier = !key.empty() && !std::isdigit(static_cast<unsigned char>(key.front()));
  for (char c : key) identifier = identifier && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (identifier) return parent + "." + std::string(key);
  return parent + "[" + json(std::string(key)).dump() + "]";
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string show_value(const json& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  std::string text = value.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

void JsonChecker::error(const std::string& path, std::string message) {
  problems_.push_back({Severity::error, file_, path, std::move(message)});
}

void JsonChecker::warning(const std::string& path, std::string message) {
  problems_.push_back({Severity::warning, file_, path, std::move(message)});
}

bool JsonChecker::expect_object(const json& value, const std::string& path) {
  if (value.is_object()) return true;
  error(path, "expected an object, got " + show_value(value));
  return false;
}

const json* JsonChecker::member(const json& object, const std::string& path, std::string_view key,
                                bool required) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(std::string(key));
  if (it != object.end()) return &*it;
  if (required) error(child_path(path, key), "missing required field");
  return nullptr;
}

void JsonChecker::warn_unknown(const json& object, const std::string& path,
                               const std::vector<std::string_view>& known) {
  if (!object.is_object()) return;
  for (const auto& item : object.items()) {
    bool found = false;
    for (auto k : known) found = found || item.key() == k;
    if (!found) warning(child_path(path, item.key()), "unknown field (ignored)");
  }
}

std::optional<std::int64_t> JsonChecker::integer_value(const json& value, const std::string& path,
                                                       std::int64_t min, std::int64_t max) {
  std::string expected = "expected integer ";
  if (max == std::numeric_limits<std::int64_t>::max()) {
    expected += ">= " + std::to_string(min);
  } else {
    expected += std::to_string(min) + ".." + std::to_string(max);
  }
  std::optional<std::int64_t> v;
  if (value.is_number_unsigned()) {
    auto u = value.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      v = static_cast<std::int64_t>(u);
  } else if (value.is_number_integer()) {
    v = value.get<std::int64_t>();
  } else if (value.is_number_float()) {
    double d = value.get<double>();
    if (std::nearbyint(d) == d && std::fabs(d) < 9e15) v = static_cast<std::int64_t>(d);
  }
  if (!v || *v < min || *v > max) {
    error(path, expected + ", got " + show_value(value));
    return std::nullopt;
  }
  return v;
}

std::optional<std::int64_t> JsonChecker::integer(const json& object, const std::string& path,
                                                 std::string_view key, bool required, std::int64_t min,
                                                 std::int64_t max) {
  const json* value = member(object, path, key, required);
  if (!value) return std::nullopt;
  return integer_value(*value, child_path(path, key), min, max);
}

std::optional<double> JsonChecker::number(const json& object, const std::string& path, std::string_view key,
                                          bool required, double min, bool min_exclusive) {
  const json* value = member(object, path, key, required);
  if (!value) return std::nullopt;
  bool ok = value->is_number();
  double d = ok ? value->get<double>() : 0.0;
  ok = ok && std::isfinite(d) && (min_exclusive ? d > min : d >= min);
  if (!ok) {
    error(child_path(path, key), std::string("expected number ") + (min_exclusive ? "> " : ">= ") +
                                     json(min).dump() + ", got " + show_value(*value));
    return std::nullopt;
  }
  return d;
}

std::optional<std::string> JsonChecker::string(const json& object, const std::string& path,
                                               std::string_view key, bool required) {
  const json* value = member(object, path, key, required);
  if (!value) return std::nullopt;
  if (!value->is_string()) {
    error(child_path(path, key), "expected string, got " + show_value(*value));
    return std::nullopt;
  }
  return value->get<std::string>();
}

std::optional<bool> JsonChecker::boolean(const json& object, const std::string& path, std::string_view key,
                                         bool required) {
  const json* value = member(object, path, key, required);
  if (!value) return std::nullopt;
  if (!value->is_boolean()) {
    error(child_path(path, key), "expected true or false, got " + show_value(*value));
    return std::nullopt;
  }
  return value->get<bool>();
}

std::optional<std::size_t> JsonChecker::one_of_value(const json& value, const std::string& path,
                                                     const std::vector<std::string_view>& names) {
  std::string expected;
  for (auto n : names) expected += (expected.empty() ? "\"" : "|\"") + std::string(n) + "\"";
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == s) return i;
  }
  error(path, "expected one of " + expected + ", got " + show_value(value));
  return std::nullopt;
}

std::optional<std::size_t> JsonChecker::one_of(const json& object, const std::string& path,
                                               std::string_view key, bool required,
                                               const std::vector<std::string_view>& names) {
  const json* value = member(object, path, key, required);
  if (!value) return std::nullopt;
  return one_of_value(*value, child_path(path, key), names);
}

}  // namespace burst::profiles
