// What a command records about the process that ran it.
#pragma once

#include <string>

namespace burst::cli {

// This process's command line, arguments joined by spaces (Linux /proc/self/cmdline); `fallback`
// when it cannot be read.
std::string process_command_line(const std::string& fallback);

}  // namespace burst::cli
