// Helpers shared by the profile suites: the example file, scratch directories, small profiles.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "burst/profile.hpp"
#include "support/text_file.hpp"

namespace burst::test {

inline std::string example_profile_path() {
  return std::string(BURST_PROFILE_EXAMPLES_DIR) + "/cpu-example.json";
}

inline void spit(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// A fresh directory under the system temp dir, removed when the object goes.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("burst-profiles-" + tag + "-" + std::string(info ? info->name() : "x") + "-" +
             std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline Fingerprint cpu_fingerprint(const std::string& model = "Example CPU @ 2.0GHz", int cores = 16) {
  Fingerprint fp;
  fp.backend = "cpu";
  fp.cpu_model = model;
  fp.cpu_cores = cores;
  fp.nodes = 1;
  fp.link_classes = {"shared_memory"};
  return fp;
}

inline Fingerprint cuda_fingerprint() {
  Fingerprint fp = cpu_fingerprint("Host CPU", 8);
  fp.backend = "cuda";
  fp.gpu_model = "NVIDIA H100 80GB HBM3";
  fp.gpu_count = 8;
  fp.compute_capability = "9.0";
  fp.sm_count = 132;
  fp.driver_version = "13.0";
  fp.cuda_version = "13.0";
  fp.nccl_version = "2.28.9";
  fp.link_classes = {"nvlink"};
  return fp;
}

inline ProfileEntry make_entry(std::int64_t seq_min, std::int64_t seq_max, double median_s, double noise,
                               int chunks) {
  ProfileEntry e;
  e.key = {4, 8, 8, 64, DType::f32, true, Pass::fwd, seq_min, seq_max, std::nullopt};
  e.params.set("ring.chunks", chunks);
  e.params.set("ring.overlap", "chunk_pipeline");
  e.params.set("kernel.tile_q", 32);
  e.params.set("kernel.tile_kv", 64);
  e.params.set("ring.layout", "zigzag");
  e.params.set("ring.topology", "flat");
  e.params.set("ring.group_size", 0);
  e.params.set("ring.bwd_comm", "q");
  e.params.set("ring.accum_dtype", "fp32");
  e.params.set("cp.method", "ring");
  e.params.set("cp.ulysses_degree", 0);
  e.measured = {median_s, noise, 1.0, 1.2};
  e.provenance = {"0.1.0", "2025-01-31T12:00:00Z", "tune.sqlite", 1, chunks};
  return e;
}

inline WorkloadQuery query(std::int64_t seq) {
  return {4, 8, 8, 64, DType::f32, true, Pass::fwd, seq, Launch::threads};
}

}  // namespace burst::test
