// placeholder until the run work lands
#include "cli/command.hpp"
namespace burst::cli {
void add_run_command(CLI::App&, Context&) {}
}  // namespace burst::cli
