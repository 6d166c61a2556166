// describe_selection: the text `burst-tune explain` prints for a selection.
#include <sstream>

#include "burst/profile.hpp"

namespace burst {

std::string describe_selection(const Selection& s) {
  std::ostringstream out;
  out << "selection: " << to_string(s.source) << " (backend " << to_string(s.backend) << ")\n";
  if (s.entry) {
    const auto& k = s.entry->key;
    const auto& m = s.entry->measured;
    out << "entry: " << s.file << " $.entries[" << s.entry_index << "] (fingerprint "
        << (s.fingerprint_match ? "matches" : "differs") << ")\n";
    out << "key: world " << k.world_size << ", heads " << k.heads << ", kv_heads " << k.kv_heads
        << ", head_dim " << k.head_dim << ", " << to_string(k.dtype) << ", " << to_string(k.mask_kind())
        << (k.causal && k.mask_kind() == MaskKind::sliding_window ? " (causal)" : "") << ", "
        << to_string(k.pass) << ", seq [" << k.seq_min << ", " << k.seq_max << "]\n";
    out << "measured: median " << m.median_s << " s (noise " << m.noise * 100.0 << " %), " << m.tflops
        << " TFLOP/s, " << m.speedup_vs_default << "x the default\n";
  } else {
    out << "entry: none\n";
  }
  out << "why: " << s.explanation << "\n";
  out << "parameters:\n";
  for (const auto& p : s.params) {
    out << "  " << p.name << " = " << p.value << " (" << to_string(p.origin) << ")\n";
  }
  for (const auto& w : s.warnings) out << "warning: " << w << "\n";
  return out.str();
}

}  // namespace burst
