// The shared options of cli/defaults.hpp; docs/cli.md lists them.
#include "cli/defaults.hpp"

#include <fmt/core.h>

#include "cli/flag_checks.hpp"

namespace burst::cli {

CLI::Option* add_causal_flag(CLI::App& cmd, bool& causal) {
  causal = defaults::causal;
  return cmd.add_flag("--causal,!--no-causal", causal,
                      "Causal mask (default on; --no-causal: full attention)");
}

CLI::Option* add_pass_option(CLI::App& cmd, std::string& pass, const std::string& help) {
  pass = defaults::pass;
  return cmd.add_option("--pass", pass, help)
      ->capture_default_str()
      ->check(CLI::IsMember({"fwd", "bwd", "fwd+bwd"}));
}

CLI::Option* add_world_option(CLI::App& cmd, int& world, const std::string& help, int max) {
  world = defaults::world;
  return cmd.add_option("--world", world, help)->capture_default_str()->check(in_range(1, max));
}

CLI::Option* add_output_option(CLI::App& cmd, std::string& path, const std::string& help) {
  return cmd.add_option(defaults::output_names, path, help);
}

CLI::Validator noise_fraction() {
  return {[](std::string& text) {
            const std::string expected =
                "expected a fraction 0 < x < 1 (0.03) or a percentage 0% < x < 100% (3%), got " + text;
            const bool percent = !text.empty() && text.back() == '%';
            const auto v = parse_real(percent ? text.substr(0, text.size() - 1) : text);
            if (!v) return expected;
            const double fraction = percent ? *v / 100.0 : *v;
            if (!percent && fraction >= 1.0 && fraction < 100.0)
              return expected + " (a plain number is a fraction; for " + text + " percent write " + text +
                     "%)";
            if (!(fraction > 0.0 && fraction < 1.0)) return expected;
            text = fmt::format("{}", fraction);  // shortest text that reads back the same
            return std::string();
          },
          "FRACTION or PERCENT%"};
}

}  // namespace burst::cli
