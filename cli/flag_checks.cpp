// Readable bounds for flags (CLI11's PositiveNumber printed its upper bound, the largest double,
// as 309 digits) and the one size parser of every size flag.
#include "cli/flag_checks.hpp"

#include <charconv>
#include <cmath>
#include <exception>
#include <string>

#include "tuner/presets.hpp"

namespace burst::cli {
namespace {

bool parse_integer(const std::string& text, std::int64_t& v) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc() && end == text.data() + text.size();
}

// Shortest text of a bound: "1", "0.5", "1e+12".
std::string bound_text(double v) {
  std::string s = std::to_string(v);
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

}  // namespace

std::optional<double> parse_real(const std::string& text) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

CLI::Validator at_least(std::int64_t min) {
  const std::string expected = "expected an integer >= " + std::to_string(min);
  return {[min, expected](std::string& text) {
            std::int64_t v = 0;
            if (!parse_integer(text, v) || v < min) return expected + ", got " + text;
            return std::string();
          },
          ">= " + std::to_string(min)};
}

CLI::Validator in_range(std::int64_t min, std::int64_t max) {
  const std::string range = std::to_string(min) + ".." + std::to_string(max);
  return {[min, max, range](std::string& text) {
            std::int64_t v = 0;
            if (!parse_integer(text, v) || v < min || v > max)
              return "expected an integer " + range + ", got " + text;
            return std::string();
          },
          range};
}

CLI::Validator in_real_range(double min, double max) {
  const std::string range = bound_text(min) + ".." + bound_text(max);
  return {[min, max, range](std::string& text) {
            const auto v = parse_real(text);
            return v && *v >= min && *v <= max ? std::string()
                                               : "expected a number " + range + ", got " + text;
          },
          range};
}

CLI::Validator size_suffix() {
  return {[](std::string& text) {
            const auto v = tuner::parse_seq_length(text);
            if (!v) return "expected a positive size such as 4096, 32K (x1024) or 1M (x1048576), got " + text;
            text = std::to_string(*v);
            return std::string();
          },
          "SIZE (K=1024, M=1048576)"};
}

}  // namespace burst::cli
