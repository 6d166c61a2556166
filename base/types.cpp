// Names of libburst's enumerations as the CLI and profile files spell them.
#include "burst/types.hpp"

#include <array>
#include <string>
#include <utility>

#include "burst/error.hpp"

namespace burst {
namespace {

template <typename E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

constexpr NameTable<DType, 3> kDType{{{DType::f32, "fp32"}, {DType::f16, "fp16"}, {DType::bf16, "bf16"}}};
constexpr NameTable<Layout, 4> kLayout{{{Layout::contiguous, "contiguous"},
                                        {Layout::zigzag, "zigzag"},
                                        {Layout::striped, "striped"},
                                        {Layout::per_document, "per_document"}}};
constexpr NameTable<BwdComm, 2> kBwdComm{{{BwdComm::q, "q"}, {BwdComm::kv, "kv"}}};
constexpr NameTable<Overlap, 3> kOverlap{{{Overlap::none, "none"},
                                          {Overlap::double_buffer, "double_buffer"},
                                          {Overlap::chunk_pipeline, "chunk_pipeline"}}};
constexpr NameTable<Topology, 2> kTopology{{{Topology::flat, "flat"}, {Topology::double_ring, "double"}}};
constexpr NameTable<AccumDType, 2> kAccum{{{AccumDType::fp32, "fp32"}, {AccumDType::input, "input"}}};
constexpr NameTable<CpMethod, 4> kCpMethod{{{CpMethod::ring, "ring"},
                                            {CpMethod::ulysses, "ulysses"},
                                            {CpMethod::all_gather, "all_gather"},
                                            {CpMethod::hybrid, "hybrid"}}};
constexpr NameTable<Pass, 3> kPass{{{Pass::fwd, "fwd"}, {Pass::bwd, "bwd"}, {Pass::fwd_bwd, "fwd+bwd"}}};
constexpr NameTable<Backend, 3> kBackend{
    {{Backend::cpu, "cpu"}, {Backend::cuda, "cuda"}, {Backend::auto_select, "auto"}}};
constexpr NameTable<Launch, 2> kLaunch{{{Launch::threads, "threads"}, {Launch::processes, "processes"}}};

template <typename E, std::size_t N>
std::string_view name_of(const NameTable<E, N>& table, E value) noexcept {
  for (const auto& [e, name] : table)
    if (e == value) return name;
  return "?";
}

template <typename E, std::size_t N>
E parse_in(const NameTable<E, N>& table, std::string_view s, std::string_view what) {
  std::string expected;
  for (const auto& [e, name] : table) {
    if (name == s) return e;
    expected += expected.empty() ? "" : "|";
    expected += name;
  }
  throw InvalidArgument(std::string(what) + " '" + std::string(s) + "' is not one of " + expected);
}

}  // namespace

std::size_t dtype_size(DType t) noexcept {
  return t == DType::f32 ? 4 : 2;
}

std::string_view to_string(DType t) noexcept {
  return name_of(kDType, t);
}
std::string_view to_string(Layout t) noexcept {
  return name_of(kLayout, t);
}
std::string_view to_string(BwdComm t) noexcept {
  return name_of(kBwdComm, t);
}
std::string_view to_string(Overlap t) noexcept {
  return name_of(kOverlap, t);
}
std::string_view to_string(Topology t) noexcept {
  return name_of(kTopology, t);
}
std::string_view to_string(AccumDType t) noexcept {
  return name_of(kAccum, t);
}
std::string_view to_string(CpMethod t) noexcept {
  return name_of(kCpMethod, t);
}
std::string_view to_string(Pass t) noexcept {
  return name_of(kPass, t);
}
std::string_view to_string(Backend t) noexcept {
  return name_of(kBackend, t);
}
std::string_view to_string(Launch t) noexcept {
  return name_of(kLaunch, t);
}

DType parse_dtype(std::string_view s) {
  return parse_in(kDType, s, "dtype");
}
Layout parse_layout(std::string_view s) {
  return parse_in(kLayout, s, "layout");
}
BwdComm parse_bwd_comm(std::string_view s) {
  return parse_in(kBwdComm, s, "backward scheme");
}
Overlap parse_overlap(std::string_view s) {
  return parse_in(kOverlap, s, "overlap");
}
Topology parse_topology(std::string_view s) {
  return parse_in(kTopology, s, "topology");
}
AccumDType parse_accum_dtype(std::string_view s) {
  return parse_in(kAccum, s, "accumulator dtype");
}
CpMethod parse_cp_method(std::string_view s) {
  return parse_in(kCpMethod, s, "context-parallel method");
}
Pass parse_pass(std::string_view s) {
  return parse_in(kPass, s, "pass");
}
Backend parse_backend(std::string_view s) {
  return parse_in(kBackend, s, "backend");
}
Launch parse_launch(std::string_view s) {
  return parse_in(kLaunch, s, "launch");
}

}  // namespace burst
