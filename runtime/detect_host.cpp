// The host part of detect_system(): name, CPU model and ISA flags, logical cores, memory.
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "runtime/detect_internal.hpp"

namespace burst::detect {
namespace {

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// "key : value" lines of /proc/cpuinfo and /proc/meminfo.
bool split_key_value(const std::string& line, std::string& key, std::string& value) {
  const auto colon = line.find(':');
  if (colon == std::string::npos) return false;
  key = trim(line.substr(0, colon));
  value = trim(line.substr(colon + 1));
  return true;
}

void read_cpuinfo(SystemInfo& sys) {
  std::ifstream in("/proc/cpuinfo");
  std::string line, key, value;
  bool have_flags = false;
  while (std::getline(in, line)) {
    if (!split_key_value(line, key, value)) continue;
    if (sys.cpu_model.empty() && (key == "model name" || key == "Model" || key == "cpu model")) {
      sys.cpu_model = value;
    } else if (!have_flags && (key == "flags" || key == "Features")) {
      have_flags = true;
      std::istringstream words(value);
      std::string w;
      while (words >> w) {
        if (w == "avx2") sys.avx2 = true;
        if (w == "avx512f") sys.avx512 = true;
        if (w == "fma") sys.fma = true;
      }
    }
  }
  if (sys.cpu_model.empty()) sys.cpu_model = "unknown CPU";
}

std::uint64_t read_mem_total() {
  std::ifstream in("/proc/meminfo");
  std::string line, key, value;
  while (std::getline(in, line)) {
    if (split_key_value(line, key, value) && key == "MemTotal") {
      return std::stoull(value) * 1024;  // "24576000 kB"
    }
  }
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) : 0;
}

}  // namespace

void detect_host(SystemInfo& sys) {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) == 0 && name[0] != '\0') {
    sys.hostname = name;
  } else {
    sys.hostname = "localhost";
  }
  read_cpuinfo(sys);
  sys.cpu_cores = static_cast<int>(std::thread::hardware_concurrency());
  if (sys.cpu_cores <= 0) sys.cpu_cores = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  if (sys.cpu_cores <= 0) sys.cpu_cores = 1;
  sys.memory_bytes = read_mem_total();
}

std::string cuda_version_text(int version) {
  if (version <= 0) return {};
  return std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10);
}

}  // namespace burst::detect
