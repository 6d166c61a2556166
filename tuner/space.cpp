#include "tuner/space.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "burst/error.hpp"
#include "burst/params.hpp"

namespace burst::tuner {
namespace {

int as_int(const nlohmann::json& j, std::string_view name) {
  BURST_REQUIRE(j.is_number_integer(), std::string(name) + ": expected an integer, got " + j.dump());
  return j.get<int>();
}
std::string as_text(const nlohmann::json& j, std::string_view name) {
  BURST_REQUIRE(j.is_string(), std::string(name) + ": expected a string, got " + j.dump());
  return j.get<std::string>();
}

// Parameters of a candidate in canonical order, as (name, text value); CUDA launch-shape ones only
// when set.
std::vector<std::pair<std::string_view, std::string>> params_of(const Candidate& c) {
  std::vector<std::pair<std::string_view, std::string>> p;
  for (const ParamDesc& d : schedule_params()) {
    std::string v = d.get(c.schedule);
    if (d.cuda_only && v == "0") continue;
    p.emplace_back(d.name, std::move(v));
  }
  return p;
}

// Sets one parameter from its text value; throws InvalidArgument for an unknown name or value.
void set_param(Candidate& c, std::string_view name, const std::string& value) {
  burst::set_param(c.schedule, name, value);
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? std::string(sep) : "") + v[i];
  return out;
}

}  // namespace

// ---- Workload ----

nlohmann::json Workload::to_json() const {
  nlohmann::json j = {{"name", name},
                      {"batch", shape.batch},
                      {"seq", shape.seq},
                      {"heads", shape.heads},
                      {"kv_heads", shape.kv_heads_or_heads()},
                      {"head_dim", shape.head_dim},
                      {"dtype", std::string(to_string(shape.dtype))},
                      {"causal", shape.causal},
                      {"pass", std::string(to_string(pass))},
                      {"world", world},
                      {"ranks_per_node", ranks_per_node},
                      {"backend", std::string(to_string(backend))}};
  if (shape.has_documents()) j["doc_bounds"] = shape.doc_bounds;
  if (shape.has_window()) j["window"] = {shape.window_left, shape.window_right};
  return j;
}

Workload Workload::from_json(const nlohmann::json& j) {
  BURST_REQUIRE(j.is_object(), "workload: expected a JSON object, got " + j.dump());
  auto need = [&](const char* k) -> const nlohmann::json& {
    BURST_REQUIRE(j.contains(k), std::string("workload: missing \"") + k + "\"");
    return j.at(k);
  };
  Workload w;
  w.name = as_text(need("name"), "workload.name");
  w.shape.batch = need("batch").get<std::int64_t>();
  w.shape.seq = need("seq").get<std::int64_t>();
  w.shape.heads = need("heads").get<std::int64_t>();
  w.shape.kv_heads = need("kv_heads").get<std::int64_t>();
  w.shape.head_dim = need("head_dim").get<std::int64_t>();
  w.shape.dtype = parse_dtype(as_text(need("dtype"), "workload.dtype"));
  BURST_REQUIRE(need("causal").is_boolean(), "workload.causal: expected true or false");
  w.shape.causal = j.at("causal").get<bool>();
  // Masks beyond causal (absent in databases that predate them).
  if (j.contains("doc_bounds")) {
    BURST_REQUIRE(j.at("doc_bounds").is_array(), "workload.doc_bounds: expected an array of positions");
    w.shape.doc_bounds = j.at("doc_bounds").get<std::vector<std::int64_t>>();
  }
  if (j.contains("window")) {
    const auto& win = j.at("window");
    BURST_REQUIRE(win.is_array() && win.size() == 2, "workload.window: expected [left, right]");
    w.shape.window_left = win.at(0).get<std::int64_t>();
    w.shape.window_right = win.at(1).get<std::int64_t>();
  }
  w.pass = parse_pass(as_text(need("pass"), "workload.pass"));
  w.world = as_int(need("world"), "workload.world");
  w.ranks_per_node =
      j.contains("ranks_per_node") ? as_int(j.at("ranks_per_node"), "workload.ranks_per_node") : w.world;
  w.backend =
      j.contains("backend") ? parse_backend(as_text(j.at("backend"), "workload.backend")) : Backend::cpu;
  return w;
}

std::string Workload::label() const {
  std::string heads = std::to_string(shape.heads);
  if (shape.kv_heads_or_heads() != shape.heads) heads += "/" + std::to_string(shape.kv_heads_or_heads());
  std::string mask = shape.causal ? " causal" : "";
  if (shape.has_documents() || shape.has_window()) {
    mask = " " + std::string(to_string(shape.mask_kind()));
    if (shape.has_documents()) mask += fmt::format(" ({} documents)", shape.doc_bounds.size() - 1);
    if (shape.has_window()) mask += fmt::format(" window {},{}", shape.window_left, shape.window_right);
  }
  return fmt::format("{} N={} B={} H={} d={} {} {}{} world {}", name, shape.seq, shape.batch, heads,
                     shape.head_dim, to_string(pass), to_string(shape.dtype), mask, world);
}

double Workload::flops() const {
  return (pass != Pass::bwd ? forward_flops(shape) : 0.0) + (pass != Pass::fwd ? backward_flops(shape) : 0.0);
}

// ---- Candidate ----

Candidate default_candidate() {
  return Candidate{};
}

std::string Candidate::key() const {
  std::vector<std::string> parts;
  for (const auto& [name, value] : params_of(*this)) parts.push_back(std::string(name) + "=" + value);
  return join(parts, ",");
}

nlohmann::json Candidate::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, value] : params_of(*this)) {
    if (require_param(name).type == ParamType::integer)
      j[std::string(name)] = std::stoi(value);
    else
      j[std::string(name)] = value;
  }
  return j;
}

Candidate Candidate::from_json(const nlohmann::json& j) {
  BURST_REQUIRE(j.is_object(), "candidate: expected a JSON object, got " + j.dump());
  Candidate c;
  for (const auto& [name, value] : j.items()) {
    if (value.is_number_integer())
      set_param(c, name, std::to_string(value.get<int>()));
    else if (value.is_string())
      set_param(c, name, value.get<std::string>());
    else
      throw InvalidArgument("candidate." + name + ": expected a number or a string, got " + value.dump());
  }
  return c;
}

std::string Candidate::value(std::string_view param) const {
  const ParamDesc* d = find_param(param);
  return d != nullptr && d->name == param ? d->get(schedule) : std::string();
}

int Candidate::complexity() const {
  const Candidate d = default_candidate();
  const auto mine = params_of(*this), base = params_of(d);
  int differ = 0;
  for (const auto& [name, value] : mine) {
    const auto it = std::find_if(base.begin(), base.end(), [&](const auto& p) { return p.first == name; });
    if (it == base.end() || it->second != value) ++differ;
  }
  return differ;
}

// ---- the space ----

namespace {

struct Constraint {
  std::string_view name;
  // nullopt: fine; else the reason the candidate is pruned.
  std::function<std::optional<std::string>(const Workload&, const Candidate&)> check;
};

// Bytes one rank holds during a pass (inputs, outputs, ring buffers), for the memory constraint.
std::uint64_t rank_bytes(const Workload& w, const Candidate& c) {
  const auto& s = w.shape;
  const std::uint64_t n = static_cast<std::uint64_t>(s.seq / std::max(1, w.world));
  const std::uint64_t e = dtype_size(s.dtype);
  const std::uint64_t row_q =
      static_cast<std::uint64_t>(s.batch) * n * static_cast<std::uint64_t>(s.heads * s.head_dim);
  const std::uint64_t row_kv = static_cast<std::uint64_t>(s.batch) * n *
                               static_cast<std::uint64_t>(s.kv_heads_or_heads() * s.head_dim);
  std::uint64_t bytes = (2 * row_q + 2 * row_kv) * e;  // q, o, k, v
  bytes += 2 * 2 * row_kv * e;                         // two K/V ring buffers
  bytes += row_q * 4;                                  // fp32 accumulator of o
  if (w.pass != Pass::fwd) {
    bytes += (2 * row_q + 2 * row_kv) * e;  // dout, dq, dk, dv
    bytes += 2 * (row_q + 2 * row_kv) *
             (c.schedule.accum_dtype == AccumDType::fp32 ? 4 : e);  // travelling accumulators
  }
  const auto G = static_cast<std::uint64_t>(std::max(1, w.world));
  if (w.backend == Backend::cpu) {  // the CPU kernels' packed fp32 operands, kept by each rank's thread:
    const std::uint64_t kv_block = c.schedule.cp_method == CpMethod::all_gather ? G * row_kv : row_kv;
    bytes += std::max(2 * kv_block, w.pass != Pass::fwd ? 3 * row_q : 0) * 4;  // K^T, V; or Q, dO, dq
  }
  if (c.schedule.cp_method == CpMethod::all_gather) {
    bytes += G * 2 * row_kv * e;                               // every rank's K, V
    if (w.pass != Pass::fwd) bytes += 2 * G * 2 * row_kv * 4;  // partial dK, dV out and in (fp32)
  } else if (c.schedule.cp_method != CpMethod::ring) {
    bytes += 3 * (2 * row_q + 2 * row_kv) * e;  // head shards, and the all-to-all's send and receive staging
  }
  return bytes;
}

// The first two rules are the runtime's own check (burst::check_runnable: parameter table, ring,
// then the kernel registry's can_implement for each pass), split by which stage refused.
std::optional<RunProblem> runtime_problem(const Workload& w, const Candidate& c) {
  return check_runnable(w.shape, c.schedule, w.world, w.backend, w.pass);
}

std::vector<Constraint> constraints(std::uint64_t memory_limit) {
  return {
      {"runtime",
       [](const Workload& w, const Candidate& c) -> std::optional<std::string> {
         auto p = runtime_problem(w, c);
         if (p && p->stage != RunProblem::Stage::kernel) return std::move(p->message);
         return std::nullopt;
       }},
      {"kernel",
       [](const Workload& w, const Candidate& c) -> std::optional<std::string> {
         auto p = runtime_problem(w, c);
         if (p) return std::move(p->message);
         return std::nullopt;
       }},
      {"tile size",
       [](const Workload& w, const Candidate& c) -> std::optional<std::string> {
         const std::int64_t n = w.shape.seq / std::max(1, w.world);
         // A piece is what one kernel call sees: zigzag halves the block, chunking cuts it further.
         const std::int64_t piece = n / (c.schedule.layout == Layout::zigzag ? 2 : 1);
         const std::int64_t kv_piece = piece / std::max(1, c.schedule.chunks);
         if (c.schedule.tile_q > 16 && c.schedule.tile_q / 2 >= piece)
           return fmt::format(
               "kernel.tile_q={} is at least twice the {} query rows of a block: same work as a smaller tile",
               c.schedule.tile_q, piece);
         if (c.schedule.tile_kv > 16 && c.schedule.tile_kv / 2 >= kv_piece)
           return fmt::format(
               "kernel.tile_kv={} is at least twice the {} key rows of a block piece: same work as a smaller "
               "tile",
               c.schedule.tile_kv, kv_piece);
         return std::nullopt;
       }},
      {"redundant",
       [](const Workload& w, const Candidate& c) -> std::optional<std::string> {
         if (!w.shape.mask_rule().restricts() && c.schedule.layout != Layout::contiguous)
           return fmt::format("ring.layout={} only balances masked work; without a mask it equals contiguous",
                              to_string(c.schedule.layout));
         if (!w.shape.has_documents() && c.schedule.layout == Layout::per_document)
           return std::string("ring.layout=per_document balances documents; with one document it is zigzag");
         if (c.schedule.overlap == Overlap::chunk_pipeline && c.schedule.chunks == 1)
           return std::string("ring.overlap=chunk_pipeline with ring.chunks=1 is double_buffer");
         if (w.world == 1 && (c.schedule.overlap != Overlap::none || c.schedule.topology != Topology::flat))
           return std::string("one rank: nothing travels, so overlap and topology change nothing");
         return std::nullopt;
       }},
      {"topology",
       [](const Workload& w, const Candidate& c) -> std::optional<std::string> {
         if (c.schedule.topology != Topology::double_ring) return std::nullopt;
         const int L = c.schedule.group_size;
         if (L >= w.world || w.world / std::max(1, L) < 2)
           return fmt::format("ring.topology=double needs at least 2 groups; group size {} of world {}", L,
                              w.world);
         return std::nullopt;
       }},
      {"memory",
       [memory_limit](const Workload& w, const Candidate& c) -> std::optional<std::string> {
         if (memory_limit == 0) return std::nullopt;
         const std::uint64_t need = rank_bytes(w, c);
         if (need > memory_limit)
           return fmt::format("needs about {:.1f} MiB per rank, more than the {:.1f} MiB available",
                              need / 1048576.0, memory_limit / 1048576.0);
         return std::nullopt;
       }},
  };
}

// A dimension with the parameter table's search values, less those `keep` rejects.
Dimension table_dimension(std::string_view name, const std::function<bool(std::string_view)>& keep = {}) {
  Dimension d{std::string(name), {}};
  for (auto v : require_param(name).search)
    if (!keep || keep(v)) d.values.emplace_back(v);
  return d;
}

// cp.ulysses_degree: 0 (the ring, all_gather, and ulysses over the whole world), then every hybrid
// group size the runtime accepts: 1 < u < world dividing the world, the heads and the kv heads.
Dimension hybrid_degrees(const Workload& w) {
  Dimension d{std::string(param_ulysses_degree), {"0"}};
  const std::int64_t heads = w.shape.heads, kv_heads = w.shape.kv_heads_or_heads();
  for (int u = 2; u < w.world; ++u)
    if (w.world % u == 0 && heads % u == 0 && kv_heads % u == 0) d.values.push_back(std::to_string(u));
  return d;
}

// Which parameters the workload calls for; their values are the table's.
std::vector<Dimension> dimensions(const Workload& w) {
  std::vector<Dimension> dims;
  dims.push_back(table_dimension(param_tile_q));
  dims.push_back(table_dimension(param_tile_kv));
  if (w.world > 1) {
    dims.push_back(table_dimension(param_overlap));
    dims.push_back(table_dimension(param_chunks));
    // Double ring: groups of the ranks of one node when the world spans nodes; on one node, groups
    // of half the world (intra x inter on the same links: measured anyway, the model says why).
    dims.push_back(
        table_dimension(param_topology, [&](std::string_view v) { return v == "flat" || w.world >= 4; }));
  }
  if (w.pass != Pass::fwd && w.world > 1) dims.push_back(table_dimension(param_bwd_comm));
  if (w.world > 1) {
    dims.push_back(table_dimension(param_cp_method));
    if (auto degrees = hybrid_degrees(w); degrees.values.size() > 1) dims.push_back(std::move(degrees));
  }
  if (w.shape.mask_rule().restricts() && w.world > 1) dims.push_back(table_dimension(param_layout));
  return dims;
}

int double_ring_group(const Workload& w) {
  if (w.ranks_per_node > 1 && w.ranks_per_node < w.world && w.world % w.ranks_per_node == 0)
    return w.ranks_per_node;
  return w.world % 2 == 0 ? w.world / 2 : w.world;
}

}  // namespace

namespace {

// --space NAME=v1,v2: restricts a searched dimension or fixes one that is not searched (e.g. the
// accumulator dtype); every value is checked against the parameter table.
void apply_restriction(std::vector<Dimension>& dims, const std::string& name,
                       const std::vector<std::string>& values) {
  BURST_REQUIRE(!values.empty(), "--space " + name + "=: expected at least one value");
  for (const auto& v : values) {
    Candidate probe;
    set_param(probe, name, v);  // throws InvalidArgument for an unknown name or a bad value
  }
  auto it = std::find_if(dims.begin(), dims.end(), [&](const Dimension& d) { return d.name == name; });
  if (it == dims.end())
    dims.push_back({name, values});
  else
    it->values = values;
}

// The first declared rule that prunes `c`, as (rule, reason). The default is always measured: only
// a runtime refusal (the workload cannot run) prunes it.
std::optional<std::pair<std::string_view, std::string>> first_refusal(const std::vector<Constraint>& rules,
                                                                      const Workload& w, const Candidate& c,
                                                                      bool is_default) {
  for (const auto& rule : rules) {
    if (is_default && rule.name != "runtime") continue;
    if (auto why = rule.check(w, c)) return std::make_pair(rule.name, std::move(*why));
  }
  return std::nullopt;
}

// Advances the odometer over the dimensions' values, last dimension fastest.
void advance(std::vector<std::size_t>& idx, const std::vector<Dimension>& dims) {
  for (std::size_t i = dims.size(); i-- > 0;) {
    if (++idx[i] < dims[i].values.size()) return;
    idx[i] = 0;
  }
}

}  // namespace

SearchSpace build_space(const Workload& workload, const SpaceOptions& options) {
  BURST_REQUIRE(workload.backend == Backend::cpu, "tune --backend " +
                                                      std::string(to_string(workload.backend)) +
                                                      ": only the cpu backend can be tuned in this build "
                                                      "(CUDA kernels are not wired into the runtime yet)");
  // The workload itself must run with the defaults.
  if (auto p = check_runnable(workload.shape, Schedule{}, workload.world, workload.backend, workload.pass))
    throw InvalidArgument(p->message);

  SearchSpace space;
  space.workload = workload;
  space.dims = dimensions(workload);
  for (const auto& [name, values] : options.restrict) apply_restriction(space.dims, name, values);
  if (options.allow_lossy && workload.pass != Pass::fwd && workload.world > 1 &&
      std::none_of(space.dims.begin(), space.dims.end(),
                   [](const Dimension& d) { return d.name == param_accum_dtype; }))
    space.dims.push_back(table_dimension(param_accum_dtype));

  space.raw_size = 1;
  for (const auto& d : space.dims) space.raw_size *= d.values.size();

  const auto rules = constraints(options.memory_limit_bytes);
  const int group = double_ring_group(workload);
  const Candidate base = default_candidate();

  std::vector<std::size_t> idx(space.dims.size(), 0);
  bool default_seen = false;
  for (std::size_t count = 0; count < space.raw_size; ++count, advance(idx, space.dims)) {
    Candidate c;
    for (std::size_t i = 0; i < space.dims.size(); ++i)
      set_param(c, space.dims[i].name, space.dims[i].values[idx[i]]);
    if (c.schedule.topology == Topology::double_ring) c.schedule.group_size = group;
    const bool is_base = c.key() == base.key();
    if (auto refusal = first_refusal(rules, workload, c, is_base)) {
      space.pruned.push_back({c, std::move(refusal->second), std::string(refusal->first)});
    } else if (is_base) {
      space.candidates.insert(space.candidates.begin(), c);
      default_seen = true;
    } else {
      space.candidates.push_back(c);
    }
  }
  if (!default_seen)
    space.candidates.insert(space.candidates.begin(), base);  // restricted away: measured anyway
  return space;
}

std::optional<std::size_t> choose_winner(const std::vector<Candidate>& candidates,
                                         const std::vector<Measurement>& measured) {
  BURST_REQUIRE(candidates.size() == measured.size(),
                "choose_winner: candidates and measurements differ in count");
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < measured.size(); ++i)
    if (measured[i].ok && (!best || measured[i].median_s < measured[*best].median_s)) best = i;
  if (!best) return std::nullopt;
  const double tb = measured[*best].median_s, nb = measured[*best].noise;
  std::optional<std::size_t> winner;
  for (std::size_t i = 0; i < measured.size(); ++i) {
    const auto& m = measured[i];
    if (!m.ok) continue;
    const bool tie = std::fabs(m.median_s - tb) <= std::max(nb * tb, m.noise * m.median_s);
    if (!tie) continue;
    if (!winner) {
      winner = i;
      continue;
    }
    const int ci = candidates[i].complexity(), cw = candidates[*winner].complexity();
    if (ci < cw || (ci == cw && m.median_s < measured[*winner].median_s)) winner = i;
  }
  return winner;
}

}  // namespace burst::tuner
