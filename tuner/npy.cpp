#include "tuner/npy.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/atomic_file.hpp"
#include "burst/error.hpp"
#include "kernels/dtype.hpp"
#include "tuner/npy_header.hpp"

namespace burst::tuner {
namespace {

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw InvalidArgument(path + ": not a usable .npy file: " + what);
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i)
    s += std::to_string(shape[i]) + (shape.size() == 1 ? "," : (i + 1 < shape.size() ? ", " : ""));
  return s + ")";
}

// Magic, version and header length; leaves `in` at the header.
std::uint32_t read_prefix(std::istream& in, const std::string& path) {
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    bad(path, "missing the \\x93NUMPY magic");
  const int major = static_cast<unsigned char>(magic[6]);
  std::uint32_t header_len = 0;
  if (major == 1) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char*>(b), 2)) bad(path, "truncated header length");
    header_len = b[0] | (b[1] << 8);
  } else if (major == 2 || major == 3) {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4)) bad(path, "truncated header length");
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t(b[3]) << 24);
  } else {
    bad(path, "unsupported format version " + std::to_string(major) + " (expected 1, 2 or 3)");
  }
  if (header_len > (1u << 20))
    bad(path, "header length " + std::to_string(header_len) + " is implausible (at most 1 MiB)");
  return header_len;
}

// Element count of `shape` when `elem`-byte elements fit in `available` bytes; refused (naming the
// shape) before the product can overflow.
std::uint64_t checked_count(const std::vector<std::int64_t>& shape, std::size_t elem, std::uint64_t available,
                            const std::string& path) {
  for (std::int64_t dim : shape)
    if (dim == 0) return 0;  // a zero-element array, whatever the other dimensions
  std::uint64_t count = 1;
  for (std::int64_t dim : shape) {
    const auto d = static_cast<std::uint64_t>(dim);
    if (count > available / elem / d)
      bad(path, "data is shorter than shape " + shape_text(shape) + " needs (file has " +
                    std::to_string(available) + " bytes of data)");
    count *= d;
  }
  return count;
}

}  // namespace

NpyArray read_npy(std::istream& in, std::uint64_t size, const std::string& path) {
  const std::uint32_t header_len = read_prefix(in, path);
  std::string header(header_len, '\0');
  if (!in.read(header.data(), header_len)) bad(path, "truncated header");
  NpyHeader h = parse_npy_header(header, path);
  std::size_t elem = 0;
  if (h.descr == "<f4")
    elem = 4;
  else if (h.descr == "<f2")
    elem = 2;
  else
    bad(path, "dtype '" + h.descr.substr(0, 40) + (h.descr.size() > 40 ? "..." : "") +
                  "' is not supported (expected little-endian float32 '<f4' or float16 '<f2')");
  if (h.fortran_order) bad(path, "Fortran order is not supported (expected C order)");
  if (h.shape.empty()) bad(path, "scalar arrays are not supported (expected a shape such as (B, N, H, d))");

  // The payload must be exactly what the shape needs: compare with the bytes left in the file
  // before allocating anything.
  const auto data_start = static_cast<std::uint64_t>(in.tellg());
  const std::uint64_t available = size > data_start ? size - data_start : 0;
  NpyArray out;
  out.shape = std::move(h.shape);
  const std::uint64_t count = checked_count(out.shape, elem, available, path);
  const std::uint64_t bytes = count * elem;
  if (bytes > available)
    bad(path, "data is shorter than shape " + shape_text(out.shape) + " needs (" + std::to_string(bytes) +
                  " bytes, file has " + std::to_string(available) + ")");
  if (bytes < available)
    bad(path, "data is longer than shape " + shape_text(out.shape) + " needs (" + std::to_string(bytes) +
                  " bytes, file has " + std::to_string(available) + ")");
  if (count == 0) return out;  // a zero-element array: nothing to read (and no memcpy from nullptr)

  out.data.resize(static_cast<std::size_t>(count));
  if (elem == 4) {
    if (!in.read(reinterpret_cast<char*>(out.data.data()), static_cast<std::streamsize>(bytes)))
      bad(path, "data is shorter than shape " + shape_text(out.shape) + " needs (" + std::to_string(bytes) +
                    " bytes)");
  } else {
    std::vector<char> raw(static_cast<std::size_t>(bytes));
    if (!in.read(raw.data(), static_cast<std::streamsize>(raw.size())))
      bad(path, "data is shorter than shape " + shape_text(out.shape) + " needs (" + std::to_string(bytes) +
                    " bytes)");
    kernels::convert_to_float(raw.data(), DType::f16, out.data.data(), static_cast<std::int64_t>(count));
  }
  return out;
}

namespace {

// Opens a regular file only: opening a FIFO would wait for a writer forever, a directory or
// device has no size to check the shape against. Returns its size.
std::uint64_t open_regular(const std::string& path, std::ifstream& in) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw InvalidArgument(path + ": cannot open for reading: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    throw InvalidArgument(path + ": not a regular file (" +
                          (S_ISFIFO(st.st_mode)  ? "a FIFO"
                           : S_ISDIR(st.st_mode) ? "a directory"
                                                 : "a device or socket") +
                          "); expected a .npy file");
  in.open(path, std::ios::binary);
  if (!in) throw InvalidArgument(path + ": cannot open for reading");
  return static_cast<std::uint64_t>(st.st_size);
}

}  // namespace

NpyArray read_npy(const std::string& path) {
  std::ifstream in;
  const std::uint64_t size = open_regular(path, in);
  return read_npy(in, size, path);
}

std::vector<std::int64_t> read_npy_integers(const std::string& path) {
  std::ifstream in;
  const std::uint64_t size = open_regular(path, in);
  const std::uint32_t header_len = read_prefix(in, path);
  std::string header(header_len, '\0');
  if (!in.read(header.data(), header_len)) bad(path, "truncated header");
  const NpyHeader h = parse_npy_header(header, path);
  std::size_t elem = 0;
  if (h.descr == "<i4") {
    elem = 4;
  } else if (h.descr == "<i8") {
    elem = 8;
  } else {
    bad(path, "dtype '" + h.descr.substr(0, 40) + (h.descr.size() > 40 ? "..." : "") +
                  "' is not supported here (expected little-endian int32 '<i4' or int64 '<i8')");
  }
  if (h.fortran_order) bad(path, "Fortran order is not supported (expected C order)");
  if (h.shape.size() != 1) bad(path, "shape " + shape_text(h.shape) + " is not one-dimensional");
  const auto data_start = static_cast<std::uint64_t>(in.tellg());
  const std::uint64_t available = size > data_start ? size - data_start : 0;
  const std::uint64_t count = checked_count(h.shape, elem, available, path);
  if (count * elem != available)
    bad(path, "data is " + std::string(count * elem > available ? "shorter" : "longer") + " than shape " +
                  shape_text(h.shape) + " needs (" + std::to_string(count * elem) + " bytes, file has " +
                  std::to_string(available) + ")");
  std::vector<char> raw(static_cast<std::size_t>(available));
  if (!raw.empty() && !in.read(raw.data(), static_cast<std::streamsize>(raw.size())))
    bad(path, "data is shorter than the file size says");
  std::vector<std::int64_t> out(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (elem == 4) {
      std::int32_t v = 0;
      std::memcpy(&v, raw.data() + i * 4, 4);
      out[i] = v;
    } else {
      std::memcpy(&out[i], raw.data() + i * 8, 8);
    }
  }
  return out;
}

void write_npy(const std::string& path, const std::vector<std::int64_t>& shape, const float* data) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  BURST_CHECK(header.size() <= 0xffff, path + ": .npy header too long for format 1.0");
  AtomicFile out(path);
  out.write("\x93NUMPY\x01\x00", 8);
  const auto len = static_cast<std::uint16_t>(header.size());
  const char lb[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  out.write(lb, 2);
  out.write(header);
  std::uint64_t count = 1;
  for (auto d : shape) count *= static_cast<std::uint64_t>(d);
  if (count > 0) out.write(data, static_cast<std::size_t>(count * 4));
  out.commit();
}

}  // namespace burst::tuner
