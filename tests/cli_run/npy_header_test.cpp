// The .npy header parser (tuner/npy_header.cpp) and the reader's refusals that used to crash or
// hang: a 30 KB descr or shape text (std::regex recursed ~78k frames and segfaulted), zero-element
// arrays (memcpy from nullptr), FIFOs and directories given as input (a FIFO blocked forever).
#include "tuner/npy_header.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "burst/error.hpp"
#include "tuner/npy.hpp"

namespace burst::test {
namespace {

namespace fs = std::filesystem;

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("burst_npy_header_test_" + std::to_string(getpid()) + "_" + name))
      .string();
}

// A format 2.0 file (4-byte header length, so headers above 64 KiB fit) with `dict` as header.
std::string npy_with_header(const std::string& dict, const std::string& payload) {
  std::string header = dict;
  header.append((64 - (12 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x02\x00", 8);
  const auto len = static_cast<std::uint32_t>(header.size());
  for (int i = 0; i < 4; ++i) out += static_cast<char>((len >> (8 * i)) & 0xff);
  return out + header + payload;
}

tuner::NpyArray read_bytes(const std::string& bytes, const std::string& name = "mem.npy") {
  std::istringstream in(bytes);
  return tuner::read_npy(in, bytes.size(), name);
}

// The parse is refused with InvalidArgument naming `name` and containing `what`, on one line.
void expect_refused(const std::string& bytes, const std::string& what) {
  try {
    read_bytes(bytes, "x.npy");
    ADD_FAILURE() << "accepted";
  } catch (const InvalidArgument& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("x.npy: ", 0), 0u) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_LT(msg.size(), 300u) << "a long header must not be echoed whole: " << msg.size() << " bytes";
  }
}

const std::string kSixFloats(6 * sizeof(float), '\0');

TEST(NpyHeader, ParsesWhatNumpyWrites) {
  const auto h =
      tuner::parse_npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }   \n", "f");
  EXPECT_EQ(h.descr, "<f4");
  EXPECT_FALSE(h.fortran_order);
  EXPECT_EQ(h.shape, (std::vector<std::int64_t>{2, 3}));
}

TEST(NpyHeader, KeysInAnyOrderDoubleQuotesAndOneDimTuples) {
  const auto h = tuner::parse_npy_header("{\"shape\":(7,),\"fortran_order\":True,\"descr\":\"<f2\"}\n", "f");
  EXPECT_EQ(h.descr, "<f2");
  EXPECT_TRUE(h.fortran_order);
  EXPECT_EQ(h.shape, (std::vector<std::int64_t>{7}));
  EXPECT_EQ(tuner::parse_npy_header("{'descr':'<f4','fortran_order':False,'shape':()}", "f").shape.size(),
            0u);
}

TEST(NpyHeader, MalformedDictsAreRefusedNamingWhatWasExpected) {
  const std::string ok_tail = "'fortran_order': False, 'shape': (6,), }";
  expect_refused(npy_with_header("{'descr': '<f4', " + ok_tail + " junk", kSixFloats), "only padding");
  expect_refused(npy_with_header("{'descr': '<f4', 'descr': '<f4', " + ok_tail, kSixFloats), "twice");
  expect_refused(npy_with_header("{'descr': '<f4', 'extra': 1, " + ok_tail, kSixFloats), "unexpected key");
  expect_refused(npy_with_header("{'descr': [('a', '<f4')], " + ok_tail, kSixFloats), "structured");
  expect_refused(npy_with_header("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (6,)}", kSixFloats),
                 "True or False");
  expect_refused(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (6;)}", kSixFloats),
                 "',' or ')'");
  expect_refused(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)", kSixFloats),
                 "',' or '}'");
  expect_refused(npy_with_header("{'descr': '<f4, 'fortran_order': False, 'shape': (6,)}", kSixFloats),
                 "',' or '}' after the value of 'descr'");
  expect_refused(npy_with_header("{'descr' '<f4', 'fortran_order': False, 'shape': (6,)}", kSixFloats),
                 "':'");
  expect_refused(npy_with_header("{'fortran_order': False, 'shape': (6,)}", kSixFloats), "no 'descr'");
  expect_refused(npy_with_header("{'descr': '<f4', 'shape': (6,)}", kSixFloats), "no 'fortran_order'");
  expect_refused(npy_with_header("{'descr': '<f4', 'fortran_order': False}", kSixFloats), "no 'shape'");
  expect_refused(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", ""), "shorter");
}

// Regression: a >= 26 KB descr or shape text made std::regex recurse until the stack overflowed.
TEST(NpyHeader, ThirtyKilobyteDescrIsRefusedNotACrash) {
  const std::string descr(30 * 1024, 'f');
  expect_refused(
      npy_with_header("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (6,), }", kSixFloats),
      "is not supported");
}

TEST(NpyHeader, ThirtyKilobyteShapeTextIsParsed) {
  // Valid Python: the 30 KB of spaces inside the tuple are just whitespace.
  const std::string shape = "(2," + std::string(30 * 1024, ' ') + "3)";
  const auto a = read_bytes(
      npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + "}", kSixFloats));
  EXPECT_EQ(a.shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(a.data.size(), 6u);
}

TEST(NpyHeader, ThirtyKilobyteListOfDimensionsIsRefused) {
  std::string shape = "(";
  while (shape.size() < 30 * 1024) shape += "1, ";
  expect_refused(
      npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ")}", kSixFloats),
      "more than 64 dimensions");
}

TEST(NpyHeader, HeaderOfOneMebibyteIsReadAndLargerIsRefused) {
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}";
  const std::string pad((1u << 20) - 64 - dict.size(), ' ');
  EXPECT_EQ(read_bytes(npy_with_header(dict + pad, kSixFloats)).data.size(), 6u);
  expect_refused(npy_with_header(dict + pad + std::string(128, ' '), kSixFloats), "implausible");
}

// Regression: a shape with a 0 copied zero bytes from a null pointer (undefined behaviour).
TEST(NpyHeader, ZeroElementArrayIsEmpty) {
  for (const char* descr : {"<f4", "<f2"}) {
    const auto a = read_bytes(npy_with_header(
        std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (0, 4), }", ""));
    EXPECT_EQ(a.shape, (std::vector<std::int64_t>{0, 4})) << descr;
    EXPECT_TRUE(a.data.empty()) << descr;
  }
  // A zero dimension next to a huge one: no overflow, still empty, and bytes after it are refused.
  const auto big = read_bytes(npy_with_header(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 999999999999999, 999999999999999)}", ""));
  EXPECT_TRUE(big.data.empty());
  expect_refused(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (0,)}", kSixFloats),
                 "longer");
}

// Regression: a FIFO as --q blocked in open() forever (waiting for a writer).
TEST(NpyFile, FifoIsRefusedWithoutOpening) {
  const std::string path = temp_path("fifo");
  std::remove(path.c_str());
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  try {
    tuner::read_npy(path);
    ADD_FAILURE() << "a FIFO was accepted";
  } catch (const InvalidArgument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("not a regular file (a FIFO)"), std::string::npos) << msg;
  }
  std::remove(path.c_str());
}

TEST(NpyFile, DirectoryIsRefused) {
  const std::string path = temp_path("dir");
  fs::create_directories(path);
  try {
    tuner::read_npy(path);
    ADD_FAILURE() << "a directory was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file (a directory)"), std::string::npos) << e.what();
  }
  fs::remove_all(path);
}

TEST(NpyFile, WriteReplacesAtomicallyAndLeavesNoTemporaryFile) {
  const std::string dir = temp_path("atomic");
  fs::create_directories(dir);
  const std::string path = dir + "/o.npy";
  const std::vector<float> a = {1, 2, 3}, b = {4, 5};
  tuner::write_npy(path, {3}, a.data());
  tuner::write_npy(path, {2}, b.data());
  EXPECT_EQ(tuner::read_npy(path).data, b);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 1) << "a temporary file was left next to o.npy";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace burst::test
