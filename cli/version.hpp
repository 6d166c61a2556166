#pragma once
#include <string>
namespace burst::cli {
// "burst-tune 0.1.0" and one line per build feature (CUDA + archs, NCCL, CUPTI, MPI, compiler).
std::string version_text();
}  // namespace burst::cli
