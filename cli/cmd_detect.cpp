// placeholder until the detect work lands
#include "cli/command.hpp"
namespace burst::cli {
void add_detect_command(CLI::App&, Context&) {}
}  // namespace burst::cli
