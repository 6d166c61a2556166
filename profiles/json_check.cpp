// JsonChecker: typed reads from a JSON document that record each problem with its JSON path.
#include "profiles/json_check.hpp"

#include <cctype>
#include <cmath>
#include <functional>
#include <limits>

#include "base/text.hpp"

namespace burst::profiles {

std::string child_path(const std::string& parent, std::string_view key) {
  bool identifier = !key.empty() && !std::isdigit(static_cast<unsigned char>(key.front()));
  for (char c : key) identifier = identifier && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (identifier) return parent + "." + std::string(key);
  return parent + "[" + json(std::string(key)).dump(-1, ' ', false, json::error_handler_t::replace) + "]";
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string show_value(const json& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  // Strings made by hand may hold invalid UTF-8 (replaced); a long value is cut at a character
  // boundary, so the message stays valid UTF-8 (--json output).
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 40) text = std::string(text::utf8_prefix(text, 37)) + "...";
  return text;
}

void JsonChecker::error(const std::string& path, std::string message) {
  problems_.push_back({Severity::error, file_, path, text::valid_utf8(message)});
}

void JsonChecker::warning(const std::string& path, std::string message) {
  problems_.push_back({Severity::warning, file_, path, text::valid_utf8(message)});
}

std::size_t KeyIndex::Hash::operator()(const WorkloadKey& k) const noexcept {
  std::size_t h = 0;
  auto mix = [&h](std::size_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6U) + (h >> 2U); };
  mix(std::hash<int>{}(k.world_size));
  mix(std::hash<std::int64_t>{}(k.heads));
  mix(std::hash<std::int64_t>{}(k.kv_heads));
  mix(std::hash<std::int64_t>{}(k.head_dim));
  mix(static_cast<std::size_t>(k.dtype));
  mix(static_cast<std::size_t>(k.causal));
  mix(static_cast<std::size_t>(k.mask_kind()));
  mix(static_cast<std::size_t>(k.pass));
  mix(std::hash<std::int64_t>{}(k.seq_min));
  mix(std::hash<std::int64_t>{}(k.seq_max));
  mix(k.launch ? static_cast<std::size_t>(*k.launch) + 1 : 0);
  return h;
}

std::optional<std::size_t> KeyIndex::first_with(const WorkloadKey& key, std::size_t index) {
  auto [it, inserted] = first_.try_emplace(key, index);
  if (inserted) return std::nullopt;
  return it->second;
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
