// Whether an op can run, decided before anything runs: the parameter table's allowed values, what
// the ring can split, and the kernel registry's can_implement for each pass (the only road to a
// kernel: the runtime later calls exactly the variants plan_kernels names).
#include <limits>
#include <string>

#include "burst/attention.hpp"
#include "burst/error.hpp"
#include "kernels/registry.hpp"

namespace burst {
namespace {

std::string num(std::int64_t v) {
  return std::to_string(v);
}

using Stage = RunProblem::Stage;
RunProblem shape_problem(std::string message, Stage stage = Stage::shape) {
  return RunProblem{nullptr, std::move(message), stage};
}
RunProblem param_problem(std::string_view name, std::string message) {
  return RunProblem{find_param(name), std::move(message), Stage::ring};
}

// a * b * ... without overflow; nullopt when the product exceeds `limit`.
std::optional<std::int64_t> bounded_product(std::initializer_list<std::int64_t> factors, std::int64_t limit) {
  std::int64_t p = 1;
  for (std::int64_t f : factors) {
    if (f != 0 && p > limit / f) return std::nullopt;
    p *= f;
  }
  return p;
}

// Documents: bounds 0 = b_0 < b_1 < ... < b_D = seq. Window sides: -1 (unbounded) or >= 0.
std::optional<RunProblem> check_mask(const AttentionShape& s) {
  if (s.window_left < unbounded || s.window_right < unbounded)
    return shape_problem("window " + num(s.window_left) + "," + num(s.window_right) +
                         " is not allowed: expected each side >= 0, or -1 for unbounded");
  const auto& b = s.doc_bounds;
  if (b.empty()) return std::nullopt;
  if (b.size() < 2 || b.front() != 0 || b.back() != s.seq)
    return shape_problem("document bounds must run from 0 to the sequence length " + num(s.seq) + " (got " +
                         num(b.front()) + " .. " + num(b.back()) + ", " +
                         num(static_cast<std::int64_t>(b.size())) + " bounds)");
  for (std::size_t i = 1; i < b.size(); ++i)
    if (b[i] <= b[i - 1])
      return shape_problem("document " + num(static_cast<std::int64_t>(i - 1)) + " has length " +
                           num(b[i] - b[i - 1]) + ": every document needs at least one token");
  return std::nullopt;
}

std::optional<RunProblem> check_shape(const AttentionShape& s, int world) {
  if (world < 1) return shape_problem("world size " + num(world) + " must be at least 1");
  if (s.batch < 1) return shape_problem("batch " + num(s.batch) + " must be at least 1");
  if (s.seq < 1) return shape_problem("sequence length " + num(s.seq) + " must be at least 1");
  if (s.heads < 1) return shape_problem("heads " + num(s.heads) + " must be at least 1");
  const std::int64_t hkv = s.kv_heads_or_heads();
  if (hkv < 1 || s.heads % hkv != 0)
    return shape_problem("kv heads " + num(hkv) + " must divide heads " + num(s.heads));
  if (s.head_dim < 1) return shape_problem("head dim " + num(s.head_dim) + " must be at least 1");
  // Every tensor's byte size (and the fp32 accumulators') must be addressable: B*N*H*d*4 < 2^62.
  constexpr std::int64_t limit = std::numeric_limits<std::int64_t>::max() / 8;
  if (!bounded_product({s.batch, s.seq, s.heads, s.head_dim, 4}, limit))
    return shape_problem("batch x sequence x heads x head dim (" + num(s.batch) + " x " + num(s.seq) + " x " +
                         num(s.heads) + " x " + num(s.head_dim) + ") is too large to address");
  if (s.seq % world != 0)
    return shape_problem("sequence length " + num(s.seq) + " must be divisible by the world size " +
                         num(world));
  return check_mask(s);
}

std::optional<RunProblem> check_ring(const AttentionShape& s, const Schedule& sc, int world) {
  const std::int64_t n = s.seq / world;
  if (sc.layout == Layout::zigzag && s.seq % (2 * world) != 0)
    return param_problem(param_layout, "layout zigzag needs the sequence length " + num(s.seq) +
                                           " divisible by 2 x world size = " + num(2 * world));
  if (sc.overlap == Overlap::chunk_pipeline) {
    if (n % sc.chunks != 0)
      return param_problem(param_chunks, "chunk_pipeline with " + num(sc.chunks) +
                                             " chunks needs the tokens per rank (" + num(n) +
                                             ") divisible by the chunk count");
  } else if (sc.chunks != 1) {
    return param_problem(param_chunks, "chunks " + num(sc.chunks) +
                                           " needs --overlap chunk_pipeline (overlap " +
                                           std::string(to_string(sc.overlap)) + " moves whole blocks)");
  }
  // Group size 0 means one group of the whole world (a flat ring), for either topology.
  if (sc.topology == Topology::double_ring && sc.group_size != 0 && world % sc.group_size != 0)
    return param_problem(param_group_size, "topology double needs a group size that divides the world size " +
                                               num(world) + ", got " + num(sc.group_size));
  if (sc.threads < 0)
    return shape_problem("threads " + num(sc.threads) + " must be >= 0 (0: automatic)", Stage::ring);
  return std::nullopt;
}

// The context-parallel method's own rules (docs/algorithm.md, "Context-parallel methods").
// The Ulysses degree: 0 for the ring and all-gather; 0 or the world for ulysses; 1 < u < world
// dividing the world for hybrid. Ulysses splits heads and kv heads over u ranks.
std::optional<RunProblem> check_ulysses_degree(const AttentionShape& s, const Schedule& sc, int world) {
  const int u = sc.ulysses_degree;
  const std::string method(to_string(sc.cp_method));
  const std::string at = "cp.ulysses_degree " + num(u) + ": ";
  switch (sc.cp_method) {
    case CpMethod::ring:
    case CpMethod::all_gather:
      if (u != 0)
        return param_problem(
            param_ulysses_degree,
            at + "only cp.method ulysses and hybrid read it; expected 0 with cp.method " + method);
      return std::nullopt;
    case CpMethod::ulysses:
      if (u != 0 && u != world)
        return param_problem(param_ulysses_degree,
                             at + "cp.method ulysses spans the world; expected 0 or the world size " +
                                 num(world) + " (cp.method hybrid runs smaller groups)");
      break;
    case CpMethod::hybrid:
      if (u <= 1 || u >= world || world % u != 0)
        return param_problem(param_ulysses_degree, at + "cp.method hybrid needs 1 < degree < world size " +
                                                       num(world) + ", dividing the world size");
      break;
  }
  const int degree = u == 0 ? world : u;
  const std::int64_t hkv = s.kv_heads_or_heads();
  if (s.heads % degree == 0 && hkv % degree == 0) return std::nullopt;
  const std::string why = "Ulysses splits heads over " + num(degree) + " ranks: heads " + num(s.heads) +
                          " and kv heads " + num(hkv) + " must both be divisible by " + num(degree);
  if (u == 0) return param_problem(param_cp_method, "cp.method ulysses: " + why + " (the world size)");
  return param_problem(param_ulysses_degree, at + why);
}

// Ring parameters that other methods do not read must keep their defaults, so a schedule never
// carries a setting that changes nothing: ulysses and all_gather move no ring blocks; hybrid's ring
// across groups is flat (the groups are its first level).
std::optional<RunProblem> check_ring_only(const Schedule& sc) {
  if (sc.cp_method == CpMethod::ring) return std::nullopt;
  const std::string method(to_string(sc.cp_method));
  const auto refuse = [&](std::string_view param, const std::string& value, std::string_view expected) {
    return param_problem(param, std::string(param) + " " + value + ": cp.method " + method +
                                    " does not read it; expected " + std::string(expected));
  };
  if (sc.topology != Topology::flat)
    return refuse(param_topology, std::string(to_string(sc.topology)), "flat");
  if (sc.cp_method == CpMethod::hybrid) return std::nullopt;
  if (sc.overlap != Overlap::none) return refuse(param_overlap, std::string(to_string(sc.overlap)), "none");
  if (sc.chunks != 1) return refuse(param_chunks, num(sc.chunks), "1");
  if (sc.bwd_comm != BwdComm::q) return refuse(param_bwd_comm, std::string(to_string(sc.bwd_comm)), "q");
  if (sc.accum_dtype != AccumDType::fp32)
    return refuse(param_accum_dtype, std::string(to_string(sc.accum_dtype)), "fp32");
  return std::nullopt;
}

// The shape one rank's kernels see: Ulysses' head shards.
AttentionShape kernel_shape(const AttentionShape& s, const Schedule& sc, int world) {
  const int u = sc.cp_method == CpMethod::ulysses  ? world
                : sc.cp_method == CpMethod::hybrid ? sc.ulysses_degree
                                                   : 1;
  AttentionShape k = s;
  k.heads = s.heads / u;
  k.kv_heads = s.kv_heads_or_heads() / u;
  return k;
}

kernels::KernelProblem kernel_problem(const AttentionShape& s, const Schedule& sc) {
  kernels::KernelProblem p;
  p.dtype = s.dtype;
  p.head_dim = s.head_dim;
  p.heads = s.heads;
  p.kv_heads = s.kv_heads_or_heads();
  p.tile_q = sc.tile_q;
  p.tile_kv = sc.tile_kv;
  p.warps = sc.warps;
  p.stages = sc.stages;
  p.bounded_mask = s.has_documents() || s.has_window();
  return p;
}

// The registry's refusal as the user's problem: the parameter at fault when it is one.
RunProblem kernel_refusal(const kernels::Refusal& r, const AttentionShape& s, Backend backend, bool forward) {
  const std::string what = std::string("no ") + std::string(to_string(backend)) + " " +
                           (forward ? "forward" : "backward") + " kernel can run it (" + r.message + ")";
  const ParamDesc* param = find_param(r.field);
  if (param != nullptr) return RunProblem{param, std::string(param->name) + " " + what, Stage::kernel};
  if (r.field == "head_dim")
    return shape_problem("head dim " + num(s.head_dim) + " is not supported: " + what, Stage::kernel);
  if (r.field == "dtype")
    return shape_problem("dtype " + std::string(to_string(s.dtype)) + " is not supported: " + what,
                         Stage::kernel);
  return shape_problem(what, Stage::kernel);
}

std::optional<RunProblem> choose(const AttentionShape& s, const Schedule& sc, Backend backend, Pass pass,
                                 KernelPlan* plan) {
  if (backend == Backend::auto_select) backend = Backend::cpu;
  if (backend != Backend::cpu)
    return shape_problem("backend " + std::string(to_string(backend)) +
                             ": the runtime drives only the cpu backend's kernels in this build",
                         Stage::kernel);
  const kernels::KernelProblem problem = kernel_problem(s, sc);
  for (const bool forward : {true, false}) {
    if (!forward && pass == Pass::fwd) continue;
    const kernels::KernelChoice c = kernels::choose_kernel(backend, forward, problem);
    if (c.kernel == nullptr) return kernel_refusal(*c.why_not, s, backend, forward);
    if (plan != nullptr) (forward ? plan->forward : plan->backward) = std::string(c.kernel->name);
  }
  return std::nullopt;
}

std::optional<RunProblem> check(const AttentionShape& shape, const Schedule& schedule, int world,
                                Backend backend, Pass pass, KernelPlan* plan) {
  if (auto p = check_shape(shape, world)) return p;
  if (auto p = check_param_values(schedule)) return RunProblem{p->param, p->to_string(), Stage::parameter};
  if (auto p = check_ulysses_degree(shape, schedule, world)) return p;
  if (auto p = check_ring_only(schedule)) return p;
  if (auto p = check_ring(shape, schedule, world)) return p;
  return choose(kernel_shape(shape, schedule, world), schedule, backend, pass, plan);
}

}  // namespace

std::optional<RunProblem> check_runnable(const AttentionShape& shape, const Schedule& schedule, int world,
                                         Backend backend, Pass pass) {
  return check(shape, schedule, world, backend, pass, nullptr);
}

KernelPlan plan_kernels(const AttentionShape& shape, const Schedule& schedule, int world, Backend backend,
                        Pass pass) {
  KernelPlan plan;
  if (auto p = check(shape, schedule, world, backend, pass, &plan)) throw InvalidArgument(p->message);
  return plan;
}

void validate(const AttentionShape& shape, const Schedule& schedule, int world) {
  if (auto p = check_runnable(shape, schedule, world)) throw InvalidArgument(p->message);
}

}  // namespace burst
