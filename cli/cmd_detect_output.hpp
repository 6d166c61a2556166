// burst-tune detect's two renderings of a SystemInfo: a human table and the documented JSON
// document (schema "burst-detect/1", docs/detect.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "burst/system.hpp"

namespace burst::cli {

nlohmann::json detect_to_json(const SystemInfo& sys);
std::string detect_to_table(const SystemInfo& sys, bool verbose);

// "No GPU: <why>; burst-tune will use the CPU backend." or "CUDA backend on N GPUs (...)".
std::string backend_sentence(const SystemInfo& sys);

}  // namespace burst::cli
