// NumPy .npy files (format versions 1.0, 2.0 and 3.0), little-endian float32 ('<f4') or float16
// ('<f2'), C order. What `burst-tune run --q/--k/--v/--do` reads and `--save` writes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace burst::tuner {

struct NpyArray {
  std::vector<std::int64_t> shape;
  std::vector<float> data;  // converted to float32
};

// Throws burst::InvalidArgument naming the file and what was wrong (magic, header, dtype, order,
// size) for anything that is not such a file.
NpyArray read_npy(const std::string& path);

// Writes float32 ('<f4'), format 1.0.
void write_npy(const std::string& path, const std::vector<std::int64_t>& shape, const float* data);

}  // namespace burst::tuner
