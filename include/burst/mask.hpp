// Attention masks, described once by global token position (docs/algorithm.md, "Masks"). The
// kernels, the ring, the float64 reference, the layouts' balance and the cost model all read this
// one rule, so they cannot disagree about which keys a query sees.
//
// Query position p sees the key positions [lo(p), hi(p)] (inclusive; empty when lo > hi):
//   lo(p) = max(start of p's document, p - window_left)                  window_left < 0: unbounded
//   hi(p) = min(end of p's document - 1, p when causal, p + window_right) window_right < 0: unbounded
// Documents are cu_seqlens bounds 0 = b_0 < b_1 < ... < b_D = N (no bounds: one document). The
// window follows flash-attention's inclusive convention (query i sees keys i-L..i+R) and narrows
// any kind, so a window inside documents is causal_document with window (L, 0).
// lo and hi never decrease as p grows: rows of a tile with increasing positions see key ranges
// that move right, which is what lets a tile be classified from its first and last rows' ranges.
#pragma once

#include <cstdint>
#include <string_view>

namespace burst {

// The names a user picks from (--mask, profile entries); each is a combination of the rule's parts:
//   full             every key
//   causal           keys at positions <= the query's
//   full_document    keys of the query's document (bidirectional inside it)
//   causal_document  keys of the query's document at positions <= the query's
//   sliding_window   keys within the window (needs a window; causal windows are window (L, 0))
enum class MaskKind : std::uint8_t { full, causal, full_document, causal_document, sliding_window };
std::string_view to_string(MaskKind k) noexcept;
MaskKind parse_mask_kind(std::string_view s);  // throws InvalidArgument naming the value

inline constexpr std::int64_t unbounded = -1;  // a window side with no limit

struct PositionRange {  // inclusive
  std::int64_t lo = 0, hi = -1;
  bool empty() const noexcept { return lo > hi; }
  std::int64_t size() const noexcept { return hi >= lo ? hi - lo + 1 : 0; }
};

// The rule in plain fields (trivially copyable: it crosses into kernels by value). doc_bounds
// points at D + 1 bounds owned by the caller (AttentionShape::doc_bounds).
struct MaskRule {
  bool causal = false;
  std::int64_t window_left = unbounded, window_right = unbounded;
  const std::int64_t* doc_bounds = nullptr;
  std::int64_t docs = 0;  // D; 0 or 1: one document

  bool has_documents() const noexcept { return docs > 1 && doc_bounds != nullptr; }
  bool restricts() const noexcept {
    return causal || window_left >= 0 || window_right >= 0 || has_documents();
  }

  // [start, end) of the document holding position p (as lo, hi: hi is exclusive here).
  PositionRange document(std::int64_t p) const noexcept;
  // The key positions query position p sees.
  PositionRange keys(std::int64_t p) const noexcept;
  bool visible(std::int64_t q, std::int64_t k) const noexcept {
    const PositionRange r = keys(q);
    return k >= r.lo && k <= r.hi;
  }
};

namespace mask_detail {
#include "burst/mask_keys.inc"
}  // namespace mask_detail

inline PositionRange MaskRule::document(std::int64_t p) const noexcept {
  return mask_detail::mask_document(*this, p);
}
inline PositionRange MaskRule::keys(std::int64_t p) const noexcept {
  return mask_detail::mask_keys(*this, p);
}

}  // namespace burst
