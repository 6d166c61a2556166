// tuner::read_npy / write_npy: round trip, float16 input, and every malformed file rejected with
// burst::InvalidArgument naming the file.
#include "tuner/npy.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "burst/error.hpp"

namespace burst::test {
namespace {

std::string temp_path(const std::string& name) {
  return "/tmp/burst_npy_test_" + std::to_string(getpid()) + "_" + name + ".npy";
}

// A version 1.0 file by hand: magic, header length, header (padded so data starts at a multiple of
// 64), then `payload` as is.
std::string npy_bytes(const std::string& descr, const std::string& fortran, const std::string& shape,
                      const std::string& payload, char major = 1) {
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
  const std::size_t prefix = major == 1 ? 10 : 12;
  header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY", 6);
  out += major;
  out += '\0';
  const auto len = static_cast<std::uint32_t>(header.size());
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>((len >> 8) & 0xff);
  if (major != 1) {
    out += static_cast<char>((len >> 16) & 0xff);
    out += static_cast<char>((len >> 24) & 0xff);
  }
  return out + header + payload;
}

std::string write_file(const std::string& name, const std::string& bytes) {
  const std::string path = temp_path(name);
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

std::string float_payload(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

TEST(Npy, Float32RoundTrip) {
  const std::vector<std::int64_t> shape = {2, 3, 1, 4};
  std::vector<float> data(24);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = 0.25f * static_cast<float>(i) - 3.0f;
  data[5] = 1e-30f;
  data[7] = -65504.5f;
  const std::string path = temp_path("roundtrip");
  tuner::write_npy(path, shape, data.data());
  const auto a = tuner::read_npy(path);
  EXPECT_EQ(a.shape, shape);
  EXPECT_EQ(a.data, data);  // bit-exact
  std::remove(path.c_str());
}

TEST(Npy, WrittenHeaderIsNumpyCompatible) {
  const std::vector<float> data = {1.0f, 2.0f, 3.0f};
  const std::string path = temp_path("header");
  tuner::write_npy(path, {3}, data.data());
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GE(bytes.size(), 10u + 12u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_EQ((bytes.size() - 12) % 64, 0u) << "data must start at a multiple of 64";
  EXPECT_NE(bytes.find("'descr': '<f4'"), std::string::npos);
  EXPECT_NE(bytes.find("'shape': (3,)"), std::string::npos);
  std::remove(path.c_str());
}

TEST(Npy, ReadsFloat16) {
  // 1.0, -2.0, 0.5, 65504 (max half), 2^-24 (smallest subnormal), -0.0
  const std::vector<std::uint16_t> half = {0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x8000};
  const std::string payload(reinterpret_cast<const char*>(half.data()), half.size() * 2);
  const std::string path = write_file("f16", npy_bytes("<f2", "False", "(2, 3)", payload));
  const auto a = tuner::read_npy(path);
  EXPECT_EQ(a.shape, (std::vector<std::int64_t>{2, 3}));
  ASSERT_EQ(a.data.size(), 6u);
  EXPECT_EQ(a.data[0], 1.0f);
  EXPECT_EQ(a.data[1], -2.0f);
  EXPECT_EQ(a.data[2], 0.5f);
  EXPECT_EQ(a.data[3], 65504.0f);
  EXPECT_EQ(a.data[4], 5.9604644775390625e-8f);
  EXPECT_EQ(a.data[5], 0.0f);
  EXPECT_TRUE(std::signbit(a.data[5]));
  std::remove(path.c_str());
}

TEST(Npy, ReadsFormatVersion2) {
  const std::vector<float> v = {4.0f, -5.0f};
  const std::string path = write_file("v2", npy_bytes("<f4", "False", "(2,)", float_payload(v), 2));
  const auto a = tuner::read_npy(path);
  EXPECT_EQ(a.shape, (std::vector<std::int64_t>{2}));
  EXPECT_EQ(a.data, v);
  std::remove(path.c_str());
}

// Reading `path` throws InvalidArgument whose message names the file and contains `what`.
void expect_rejected(const std::string& path, const std::string& what) {
  try {
    tuner::read_npy(path);
    ADD_FAILURE() << path << " was accepted";
  } catch (const InvalidArgument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
  std::remove(path.c_str());
}

const std::vector<float> kSix = {1, 2, 3, 4, 5, 6};

TEST(NpyMalformed, BadMagic) {
  std::string bytes = npy_bytes("<f4", "False", "(6,)", float_payload(kSix));
  bytes[1] = 'X';
  expect_rejected(write_file("magic", bytes), "magic");
}

TEST(NpyMalformed, TruncatedHeader) {
  const std::string bytes = npy_bytes("<f4", "False", "(6,)", float_payload(kSix));
  expect_rejected(write_file("trunc", bytes.substr(0, 30)), "truncated");
}

TEST(NpyMalformed, TruncatedHeaderLength) {
  const std::string bytes = npy_bytes("<f4", "False", "(6,)", float_payload(kSix));
  expect_rejected(write_file("trunclen", bytes.substr(0, 9)), "truncated");
}

TEST(NpyMalformed, Float64Unsupported) {
  const std::vector<double> d = {1, 2, 3, 4, 5, 6};
  const std::string payload(reinterpret_cast<const char*>(d.data()), d.size() * 8);
  expect_rejected(write_file("f8", npy_bytes("<f8", "False", "(6,)", payload)), "<f8");
}

TEST(NpyMalformed, BigEndianUnsupported) {
  expect_rejected(write_file("be", npy_bytes(">f4", "False", "(6,)", float_payload(kSix))), ">f4");
}

TEST(NpyMalformed, FortranOrder) {
  expect_rejected(write_file("fortran", npy_bytes("<f4", "True", "(2, 3)", float_payload(kSix))), "Fortran");
}

TEST(NpyMalformed, DataShorterThanShape) {
  expect_rejected(write_file("short", npy_bytes("<f4", "False", "(7,)", float_payload(kSix))), "shorter");
}

TEST(NpyMalformed, HugeOrOverflowingShapeIsRefusedBeforeAllocating) {
  expect_rejected(write_file("huge", npy_bytes("<f4", "False", "(1000000000000,)", "")), "shorter");
  expect_rejected(
      write_file("overflow", npy_bytes("<f4", "False", "(4294967296, 4294967296)", float_payload(kSix))),
      "shorter");
}

TEST(NpyMalformed, NegativeDimension) {
  expect_rejected(write_file("negative", npy_bytes("<f4", "False", "(-1, 6)", float_payload(kSix))),
                  "negative");
}

TEST(NpyMalformed, DataLongerThanShape) {
  expect_rejected(write_file("long", npy_bytes("<f4", "False", "(5,)", float_payload(kSix))), "longer");
}

TEST(NpyMalformed, MissingFile) {
  const std::string path = temp_path("does_not_exist");
  std::remove(path.c_str());
  expect_rejected(path, "cannot open");
}

}  // namespace
}  // namespace burst::test
