// The header dictionary of a .npy file, e.g. "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
// parsed by hand in one left-to-right pass (no regex, no recursion, no backtracking: linear in the
// header, which may be up to 1 MiB).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace burst::tuner {

struct NpyHeader {
  std::string descr;  // e.g. "<f4"
  bool fortran_order = false;
  std::vector<std::int64_t> shape;  // each dimension >= 0 and below 10^15
};

// Throws burst::InvalidArgument "<path>: not a usable .npy file: <what was expected, at which byte>"
// for anything that is not a Python dict literal with exactly the keys 'descr' (a string),
// 'fortran_order' (True or False) and 'shape' (a tuple of non-negative integers), followed by
// padding (spaces, newline).
NpyHeader parse_npy_header(std::string_view text, const std::string& path);

}  // namespace burst::tuner
