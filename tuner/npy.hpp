// NumPy .npy files (format versions 1.0, 2.0 and 3.0), little-endian float32 ('<f4') or float16
// ('<f2'), C order. What `burst-tune run --q/--k/--v/--do` reads and `--save` writes.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace burst::tuner {

struct NpyArray {
  std::vector<std::int64_t> shape;
  std::vector<float> data;  // converted to float32
};

// Throws burst::InvalidArgument naming the file and what was wrong (magic, header, dtype, order,
// size) for anything that is not such a file. Only regular files are read (a FIFO, directory or
// device is refused before it is opened). A shape with a 0 gives an array with no data.
NpyArray read_npy(const std::string& path);

// The same from a stream of `size` bytes in all (`name` is used in messages): what the file
// version and the fuzzer (tests/fuzz) call.
NpyArray read_npy(std::istream& in, std::uint64_t size, const std::string& name);

// A one-dimensional little-endian int32 ('<i4') or int64 ('<i8') array, such as the cu_seqlens
// of packed documents (`--doc-lens file.npy`). Errors as read_npy's, naming the file.
std::vector<std::int64_t> read_npy_integers(const std::string& path);

// Writes float32 ('<f4'), format 1.0, atomically (base/atomic_file.hpp).
void write_npy(const std::string& path, const std::vector<std::int64_t>& shape, const float* data);

}  // namespace burst::tuner
