#include "cli/mask_flags.hpp"

#include <charconv>
#include <string_view>
#include <vector>

#include "burst/error.hpp"
#include "tuner/npy.hpp"

namespace burst::cli {
namespace {

bool whole_number(std::string_view text, std::int64_t& out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && p == end;
}

// "a,b,c" -> {a, b, c}; every length a whole number >= 1.
std::vector<std::int64_t> parse_lengths(const std::string& text) {
  std::vector<std::int64_t> lens;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item(text.data() + start,
                                (comma == std::string::npos ? text.size() : comma) - start);
    std::int64_t v = 0;
    if (!whole_number(item, v) || v < 1)
      throw InvalidArgument("--doc-lens: '" + std::string(item) +
                            "' is not a document length (expected whole numbers >= 1 separated by commas, "
                            "or a .npy file of cu_seqlens)");
    lens.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return lens;
}

// Document bounds from --doc-lens: lengths, or cu_seqlens (0, ..., N) read from a .npy file.
std::vector<std::int64_t> document_bounds(const std::string& text, std::int64_t seq) {
  std::vector<std::int64_t> bounds;
  if (text.size() > 4 && text.ends_with(".npy")) {
    bounds = tuner::read_npy_integers(text);
    if (bounds.size() < 2 || bounds.front() != 0)
      throw InvalidArgument("--doc-lens " + text +
                            ": expected cu_seqlens starting at 0 with at least 2 entries");
    for (std::size_t i = 1; i < bounds.size(); ++i)
      if (bounds[i] <= bounds[i - 1])
        throw InvalidArgument("--doc-lens " + text + ": cu_seqlens must increase (entry " +
                              std::to_string(i) + " is " + std::to_string(bounds[i]) + " after " +
                              std::to_string(bounds[i - 1]) + ")");
  } else {
    bounds.push_back(0);
    for (std::int64_t len : parse_lengths(text)) bounds.push_back(bounds.back() + len);
  }
  if (bounds.back() != seq)
    throw InvalidArgument("--doc-lens: the documents hold " + std::to_string(bounds.back()) +
                          " tokens but --seq is " + std::to_string(seq) + " (they must add up to it)");
  return bounds;
}

void parse_window(const std::string& text, AttentionShape& s) {
  const std::size_t comma = text.find(',');
  std::int64_t left = 0, right = 0;
  const bool ok = comma != std::string::npos && whole_number(std::string_view(text).substr(0, comma), left) &&
                  whole_number(std::string_view(text).substr(comma + 1), right) && left >= -1 &&
                  right >= -1 && !(left == -1 && right == -1);
  if (!ok)
    throw InvalidArgument("--window: '" + text +
                          "' is not a window (expected L,R: query i sees keys i-L..i+R, each >= 0 or -1 for "
                          "unbounded, not both -1; for example 4096,0)");
  s.window_left = left;
  s.window_right = right;
}

}  // namespace

void MaskFlags::apply(AttentionShape& s, bool causal) const {
  const bool causal_given = cmd != nullptr && (cmd->count("--causal") > 0 || cmd->count("--no-causal") > 0);
  MaskKind kind = causal ? MaskKind::causal : MaskKind::full;
  if (!mask.empty()) {
    try {
      kind = parse_mask_kind(mask);
    } catch (const InvalidArgument&) {
      throw InvalidArgument("--mask: '" + mask +
                            "' is not one of full|causal|full_document|causal_document|sliding_window");
    }
    const bool wants_causal = kind == MaskKind::causal || kind == MaskKind::causal_document;
    if (causal_given && causal != wants_causal && kind != MaskKind::sliding_window)
      throw InvalidArgument(std::string(causal ? "--causal" : "--no-causal") + " contradicts --mask " + mask);
    if (kind == MaskKind::sliding_window)
      causal = causal_given && causal;
    else
      causal = wants_causal;
  } else if (!doc_lens.empty()) {
    kind = causal ? MaskKind::causal_document : MaskKind::full_document;
  }
  s.causal = causal;
  const bool documents = kind == MaskKind::full_document || kind == MaskKind::causal_document;
  if (documents && doc_lens.empty())
    throw InvalidArgument("--mask " + std::string(to_string(kind)) +
                          " needs --doc-lens (document lengths a,b,... or a .npy of cu_seqlens)");
  if (!documents && !doc_lens.empty())
    throw InvalidArgument(
        "--doc-lens needs a document mask (--mask full_document or causal_document), not --mask " +
        std::string(to_string(kind)));
  s.doc_bounds.clear();
  if (documents) s.doc_bounds = document_bounds(doc_lens, s.seq);
  s.window_left = s.window_right = unbounded;
  if (!window.empty()) parse_window(window, s);
  if (kind == MaskKind::sliding_window && window.empty())
    throw InvalidArgument(
        "--mask sliding_window needs --window L,R (for example 4096,0 for a causal window)");
}

void add_mask_flags(CLI::App& cmd, MaskFlags& f) {
  f.cmd = &cmd;
  cmd.add_option("--mask", f.mask,
                 "Attention mask: full, causal, full_document, causal_document (with --doc-lens) or "
                 "sliding_window (with --window); --causal/--no-causal are the short forms of causal/full")
      ->group("Shape");
  cmd.add_option("--doc-lens", f.doc_lens,
                 "Packed documents: lengths a,b,... adding up to --seq, or a .npy of cu_seqlens (0, ..., N)")
      ->group("Shape");
  cmd.add_option("--window", f.window,
                 "Sliding window L,R: query i sees keys i-L..i+R (-1: unbounded side); narrows any mask")
      ->group("Shape");
}

std::string mask_text(const AttentionShape& s) {
  std::string text(to_string(s.mask_kind()));
  if (s.has_documents()) text += " (" + std::to_string(s.doc_bounds.size() - 1) + " documents)";
  if (s.has_window())
    text += " window " + std::to_string(s.window_left) + "," + std::to_string(s.window_right);
  return text;
}

}  // namespace burst::cli
