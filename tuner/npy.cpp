#include "tuner/npy.hpp"

#include <cstring>
#include <fstream>
#include <regex>

#include "burst/error.hpp"
#include "kernels/dtype.hpp"

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

}  // namespace

NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidArgument(path + ": cannot open for reading");
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
    bad(path, "unsupported format version " + std::to_string(major));
  }
  if (header_len > (1u << 20)) bad(path, "header length " + std::to_string(header_len) + " is implausible");
  std::string header(header_len, '\0');
  if (!in.read(header.data(), header_len)) bad(path, "truncated header");

  std::smatch m;
  if (!std::regex_search(header, m, std::regex(R"('descr'\s*:\s*'([^']*)')")))
    bad(path, "header has no 'descr'");
  const std::string descr = m[1];
  std::size_t elem = 0;
  if (descr == "<f4")
    elem = 4;
  else if (descr == "<f2")
    elem = 2;
  else
    bad(path,
        "dtype '" + descr + "' is not supported (expected little-endian float32 '<f4' or float16 '<f2')");
  if (!std::regex_search(header, m, std::regex(R"('fortran_order'\s*:\s*(True|False))")))
    bad(path, "header has no 'fortran_order'");
  if (m[1] == "True") bad(path, "Fortran order is not supported (expected C order)");
  if (!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))")))
    bad(path, "header has no 'shape'");
  NpyArray out;
  const std::string dims = m[1];
  if (dims.find('-') != std::string::npos) bad(path, "shape (" + dims + ") has a negative dimension");
  // The payload must be exactly what the shape needs: compare with the bytes left in the file
  // before allocating anything (and before the product can overflow).
  const std::streamoff data_start = in.tellg();
  in.seekg(0, std::ios::end);
  const std::uint64_t available = static_cast<std::uint64_t>(in.tellg() - data_start);
  in.seekg(data_start);
  const std::regex num(R"(\d+)");
  std::uint64_t count = 1;
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator(); ++it) {
    const std::string digits = it->str();
    if (digits.size() > 15) bad(path, "dimension " + digits + " in shape (" + dims + ") is implausible");
    out.shape.push_back(std::stoll(digits));
    const auto d = static_cast<std::uint64_t>(out.shape.back());
    if (d != 0 && count > available / d) {
      bad(path, "data is shorter than shape " + shape_text(out.shape) + "... needs (file has " +
                    std::to_string(available) + " bytes of data)");
    }
    count *= d;
  }
  if (out.shape.empty()) bad(path, "scalar arrays are not supported");
  if (count * elem > available)
    bad(path, "data is shorter than shape " + shape_text(out.shape) + " needs (" +
                  std::to_string(count * elem) + " bytes, file has " + std::to_string(available) + ")");

  std::vector<char> raw(static_cast<std::size_t>(count * elem));
  if (!in.read(raw.data(), static_cast<std::streamsize>(raw.size())))
    bad(path, "data is shorter than shape " + shape_text(out.shape) + " needs (" +
                  std::to_string(raw.size()) + " bytes)");
  if (in.peek() != std::char_traits<char>::eof())
    bad(path, "data is longer than shape " + shape_text(out.shape) + " needs (" + std::to_string(raw.size()) +
                  " bytes)");
  out.data.resize(static_cast<std::size_t>(count));
  if (elem == 4) {
    std::memcpy(out.data.data(), raw.data(), raw.size());
  } else {
    kernels::convert_to_float(raw.data(), DType::f16, out.data.data(), static_cast<std::int64_t>(count));
  }
  return out;
}

void write_npy(const std::string& path, const std::vector<std::int64_t>& shape, const float* data) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(path + ": cannot open for writing");
  out.write("\x93NUMPY\x01\x00", 8);
  const std::uint16_t len = static_cast<std::uint16_t>(header.size());
  const char lb[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  out.write(lb, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  std::int64_t count = 1;
  for (auto d : shape) count *= d;
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(count * 4));
  if (!out) throw Error(path + ": write failed");
}

}  // namespace burst::tuner
