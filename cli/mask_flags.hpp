// --mask, --doc-lens and --window: the attention mask of run, trace, explain, tune and plan
// (burst/mask.hpp, docs/cli.md "Masks"). --causal/--no-causal stay the short forms of --mask
// causal / --mask full.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "burst/schedule.hpp"

namespace burst::cli {

struct MaskFlags {
  std::string mask;      // full|causal|full_document|causal_document|sliding_window; "" from --causal
  std::string doc_lens;  // "a,b,c" (document lengths) or a .npy of cu_seqlens
  std::string window;    // "L,R": query i sees keys i-L..i+R; -1 for an unbounded side
  const CLI::App* cmd = nullptr;  // to tell an explicit --causal/--no-causal from the default

  // Sets shape.causal, doc_bounds and the window from the flags and `causal` (the --causal flag's
  // value); shape.seq must already be set. Throws burst::InvalidArgument naming the flag: an
  // unknown kind, a document mask without --doc-lens, lengths that do not add up to --seq,
  // --causal contradicting --mask, sliding_window without --window, a malformed window.
  void apply(AttentionShape& shape, bool causal) const;
};

// Adds the three options to `cmd` (group "Shape").
void add_mask_flags(CLI::App& cmd, MaskFlags& f);

// "causal", "causal_document (3 documents)", "sliding_window (128,0)": for result headers.
std::string mask_text(const AttentionShape& shape);

}  // namespace burst::cli
