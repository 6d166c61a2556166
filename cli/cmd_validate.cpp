// burst-tune validate FILE...: checks tuned profiles against the schema (docs/profiles.md) and
// prints every problem with its JSON path. Exit 0 when no file has errors (warnings allowed), 1
// otherwise; a missing file is an error.
#include <fmt/core.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/text.hpp"
#include "burst/attention.hpp"
#include "burst/profile.hpp"
#include "cli/command.hpp"

namespace burst::cli {
namespace {

int run_validate(const Context& ctx, const std::vector<std::string>& files) {
  bool any_errors = false;
  nlohmann::json report = nlohmann::json::array();
  for (const auto& file : files) {
    Profile parsed;
    auto problems = validate_profile(file, &parsed);
    // What the schema allows must also run: every entry against the kernel registry.
    if (!has_errors(problems))
      for (auto& p : check_profile_runnable(parsed, file)) problems.push_back(std::move(p));
    const bool errors = has_errors(problems);
    any_errors = any_errors || errors;
    const std::size_t entries = errors ? 0 : parsed.entries.size();
    if (ctx.global.json) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& p : problems)
        list.push_back({{"severity", p.severity == Severity::error ? "error" : "warning"},
                        {"json_path", p.json_path},
                        {"message", p.message}});
      nlohmann::json item = {{"file", text::valid_utf8(file)}, {"ok", !errors}, {"problems", list}};
      if (!errors) item["entries"] = entries;
      report.push_back(item);
      continue;
    }
    for (const auto& p : problems) fmt::print("{}\n", p.to_string());
    if (!errors)
      fmt::print("{}: ok ({} entries{})\n", file, entries,
                 problems.empty() ? "" : fmt::format(", {} warnings", problems.size()));
  }
  // Always valid UTF-8: a byte that is not (a file name, a quoted value) is written as U+FFFD.
  if (ctx.global.json)
    fmt::print("{}\n", nlohmann::json{{"ok", !any_errors}, {"files", report}}.dump(
                           2, ' ', false, nlohmann::json::error_handler_t::replace));
  std::fflush(stdout);
  return any_errors ? 1 : 0;
}

void add_validate_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("validate", "Check tuned profile files against the profile schema");
  auto files = std::make_shared<std::vector<std::string>>();
  cmd->add_option("files", *files, "Profile files (JSON)")->required();
  cmd->footer(
      "Prints \"FILE: ok (N entries)\" or one line per problem, \"FILE: error: $.json.path: message\"\n"
      "(or \"warning\"). Unknown fields are warnings; a wrong type, a missing required field or an unknown\n"
      "major schema version is an error. Exit status: 0 when no file has errors, 1 otherwise.\n"
      "--json prints {\"ok\", \"files\": [{\"file\", \"ok\", \"entries\", \"problems\": [...]}]}.\n"
      "See docs/profiles.md.");
  cmd->callback([&ctx, files] { ctx.action = [&ctx, files] { return run_validate(ctx, *files); }; });
}

BURST_CLI_COMMAND(60, add_validate_command);

}  // namespace
}  // namespace burst::cli
