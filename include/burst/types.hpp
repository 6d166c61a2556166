// Enumerations shared by the whole of libburst, with their names as the CLI and the profile files
// spell them. parse_* throw burst::InvalidArgument naming the value and what was expected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace burst {

enum class DType : std::uint8_t { f32, f16, bf16 };
enum class Layout : std::uint8_t { contiguous, zigzag, striped, per_document };
enum class BwdComm : std::uint8_t { q, kv };
enum class Overlap : std::uint8_t { none, double_buffer, chunk_pipeline };
enum class Topology : std::uint8_t { flat, double_ring };
enum class AccumDType : std::uint8_t { fp32, input };
// The context-parallel method: BurstAttention's ring, Ulysses (all-to-all over heads), all-gather of
// K/V, or Ulysses inside groups with the ring across them (docs/algorithm.md, "Context-parallel methods").
enum class CpMethod : std::uint8_t { ring, ulysses, all_gather, hybrid };
enum class Pass : std::uint8_t { fwd, bwd, fwd_bwd };
enum class Backend : std::uint8_t { cpu, cuda, auto_select };
// How the ranks of a world run: threads of one process, or one process per rank.
enum class Launch : std::uint8_t { threads, processes };

// Bytes per element: 4 for f32, 2 for f16/bf16.
std::size_t dtype_size(DType t) noexcept;

// Names: "fp32" "fp16" "bf16"; "contiguous" "zigzag" "striped" "per_document"; "q" "kv";
// "none" "double_buffer" "chunk_pipeline"; "flat" "double"; "fp32" "input"; "ring" "ulysses"
// "all_gather" "hybrid"; "fwd" "bwd" "fwd+bwd"; "cpu" "cuda" "auto"; "threads" "processes".
std::string_view to_string(DType t) noexcept;
std::string_view to_string(Layout t) noexcept;
std::string_view to_string(BwdComm t) noexcept;
std::string_view to_string(Overlap t) noexcept;
std::string_view to_string(Topology t) noexcept;
std::string_view to_string(AccumDType t) noexcept;
std::string_view to_string(CpMethod t) noexcept;
std::string_view to_string(Pass t) noexcept;
std::string_view to_string(Backend t) noexcept;
std::string_view to_string(Launch t) noexcept;

DType parse_dtype(std::string_view s);
Layout parse_layout(std::string_view s);
BwdComm parse_bwd_comm(std::string_view s);
Overlap parse_overlap(std::string_view s);
Topology parse_topology(std::string_view s);
AccumDType parse_accum_dtype(std::string_view s);
CpMethod parse_cp_method(std::string_view s);
Pass parse_pass(std::string_view s);
Backend parse_backend(std::string_view s);
Launch parse_launch(std::string_view s);

}  // namespace burst
