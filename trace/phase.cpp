// Names and NVTX categories of the phases (stable: stored in databases and shown by nsys).
#include <array>

#include "trace/trace.hpp"

namespace burst::trace {
namespace {

constexpr std::array<std::string_view, phase_count> names = {
    "forward pass", "backward pass", "ring step", "compute", "merge", "send",
    "recv",         "wait",          "pack",      "unpack",  "delta"};

constexpr std::array<Category, phase_count> categories = {
    Category::pass,    Category::pass,          Category::pass,          Category::compute,
    Category::compute, Category::communication, Category::communication, Category::communication,
    Category::memory,  Category::memory,        Category::compute};

}  // namespace

std::string_view phase_name(Phase phase) {
  const auto i = static_cast<std::size_t>(phase);
  return i < names.size() ? names[i] : std::string_view("unknown");
}

Category phase_category(Phase phase) {
  const auto i = static_cast<std::size_t>(phase);
  return i < categories.size() ? categories[i] : Category::compute;
}

std::string_view category_name(Category category) {
  switch (category) {
    case Category::pass:
      return "pass";
    case Category::compute:
      return "compute";
    case Category::communication:
      return "communication";
    case Category::memory:
      return "memory";
  }
  return "unknown";
}

bool phase_from_name(std::string_view name, Phase& out) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) {
      out = static_cast<Phase>(i);
      return true;
    }
  }
  return false;
}

}  // namespace burst::trace
