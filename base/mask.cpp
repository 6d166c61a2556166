// Mask names and the AttentionShape helpers that read the mask (burst/mask.hpp, burst/schedule.hpp).
#include "burst/mask.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "burst/error.hpp"
#include "burst/schedule.hpp"

namespace burst {
namespace {

constexpr std::array<std::pair<MaskKind, std::string_view>, 5> kMaskKind{
    {{MaskKind::full, "full"},
     {MaskKind::causal, "causal"},
     {MaskKind::full_document, "full_document"},
     {MaskKind::causal_document, "causal_document"},
     {MaskKind::sliding_window, "sliding_window"}}};

// Pairs (i, j) of one document of m tokens with j - i in [-left, right] (both >= 0, already capped
// at m - 1): sum over the diagonals d of (m - |d|).
double document_area(std::int64_t m, std::int64_t left, std::int64_t right) {
  const auto tri = [](std::int64_t x) { return static_cast<double>(x) * static_cast<double>(x + 1) / 2.0; };
  return static_cast<double>(left + right + 1) * static_cast<double>(m) - tri(left) - tri(right);
}

}  // namespace

std::string_view to_string(MaskKind k) noexcept {
  for (const auto& [e, name] : kMaskKind)
    if (e == k) return name;
  return "?";
}

MaskKind parse_mask_kind(std::string_view s) {
  std::string expected;
  for (const auto& [e, name] : kMaskKind) {
    if (name == s) return e;
    expected += expected.empty() ? "" : "|";
    expected += name;
  }
  throw InvalidArgument("mask '" + std::string(s) + "' is not one of " + expected);
}

MaskKind AttentionShape::mask_kind() const {
  if (has_documents()) return causal ? MaskKind::causal_document : MaskKind::full_document;
  if (has_window()) return MaskKind::sliding_window;
  return causal ? MaskKind::causal : MaskKind::full;
}

MaskRule AttentionShape::mask_rule() const {
  MaskRule r;
  r.causal = causal;
  r.window_left = window_left;
  r.window_right = window_right;
  if (has_documents()) {
    r.doc_bounds = doc_bounds.data();
    r.docs = static_cast<std::int64_t>(doc_bounds.size()) - 1;
  }
  return r;
}

double AttentionShape::mask_area() const {
  const auto document = [&](std::int64_t m) {
    if (m <= 0) return 0.0;
    const std::int64_t left = window_left >= 0 ? std::min(window_left, m - 1) : m - 1;
    std::int64_t right = window_right >= 0 ? std::min(window_right, m - 1) : m - 1;
    if (causal) right = 0;
    return document_area(m, left, right);
  };
  if (!has_documents()) return document(seq);
  double area = 0.0;
  for (std::size_t i = 1; i < doc_bounds.size(); ++i) area += document(doc_bounds[i] - doc_bounds[i - 1]);
  return area;
}

}  // namespace burst
