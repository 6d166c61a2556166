#include "tuner/trial.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <random>
#include <span>
#include <thread>

#include "base/atomic_file.hpp"
#include "burst/error.hpp"
#include "burst/shard.hpp"
#include "comm/launch.hpp"
#include "kernels/dtype.hpp"
#include "runtime/reference.hpp"
#include "trace/host_tracer.hpp"
#include "tuner/npy.hpp"
#include "tuner/trace_gather.hpp"

namespace burst::tuner {
namespace {

using Bytes = std::vector<std::byte>;

struct GlobalInputs {
  Bytes q, k, v, dout;  // global BSHD tensors in the run's dtype
};

// Global fp32 outputs, gathered on rank 0.
struct GlobalOutputs {
  std::vector<float> o, lse, dq, dk, dv;
};

Bytes to_dtype(const std::vector<float>& x, DType t) {
  Bytes out(x.size() * dtype_size(t));
  kernels::convert_from_float(x.data(), out.data(), t, static_cast<std::int64_t>(x.size()));
  return out;
}

std::vector<float> to_float(const void* p, DType t, std::int64_t count) {
  std::vector<float> out(static_cast<std::size_t>(count));
  kernels::convert_to_float(p, t, out.data(), count);
  return out;
}

std::vector<float> load_or_random(const std::string& file, const char* name,
                                  const std::vector<std::int64_t>& shape, std::uint64_t seed) {
  std::int64_t count = 1;
  for (auto d : shape) count *= d;
  if (!file.empty()) {
    NpyArray a = read_npy(file);
    auto txt = [](const std::vector<std::int64_t>& s) {
      std::string r = "(";
      for (std::size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
      return r + ")";
    };
    if (a.data.empty())
      throw InvalidArgument(file + ": --" + name + " holds no elements (shape " + txt(a.shape) +
                            "), expected " + txt(shape) + " (batch, seq, heads, head_dim)");
    if (a.shape != shape)
      throw InvalidArgument(file + ": --" + name + " has shape " + txt(a.shape) + ", expected " + txt(shape) +
                            " (batch, seq, heads, head_dim)");
    return std::move(a.data);
  }
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(static_cast<std::size_t>(count));
  for (float& e : x) e = dist(rng);
  return x;
}

// The tensors must fit in this machine's memory: refused with the figures before anything is
// allocated (instead of "std::bad_alloc", or the OOM killer once the pages are touched). The
// estimate is a lower bound: the global inputs (q, k, v and dO) in --dtype, and with ranks as threads
// of this process also every rank's shards of them and its outputs (3x).
void require_host_memory(const TrialSpec& spec, bool ranks_are_threads) {
  const auto& s = spec.shape;
  const double per_token = static_cast<double>(s.batch) * static_cast<double>(s.seq) *
                           static_cast<double>(s.head_dim) * static_cast<double>(dtype_size(s.dtype));
  const double inputs = per_token * 2.0 * static_cast<double>(s.heads + s.kv_heads_or_heads());
  const double need = inputs * (ranks_are_threads ? 3.0 : 1.0);
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return;
  const double have = static_cast<double>(pages) * static_cast<double>(page);
  constexpr double gib = 1024.0 * 1024.0 * 1024.0;
  if (need > have)
    throw InvalidArgument(
        fmt::format("batch x sequence x heads x head dim ({} x {} x {} x {}) needs at least "
                    "{:.1f} GiB of host memory for the tensors; this machine has {:.1f} GiB",
                    s.batch, s.seq, s.heads, s.head_dim, need / gib, have / gib));
}

// The files --save writes must not be inputs of the same run (an input named DIR/o.npy would be
// replaced by the output).
void refuse_save_over_inputs(const TrialSpec& spec) {
  if (spec.save_dir.empty()) return;
  const std::pair<const char*, const std::string*> inputs[] = {
      {"--q", &spec.q_file}, {"--k", &spec.k_file}, {"--v", &spec.v_file}, {"--do", &spec.do_file}};
  for (const char* name : {"o.npy", "lse.npy", "dq.npy", "dk.npy", "dv.npy"})
    for (const auto& [flag, file] : inputs)
      refuse_output_over_input("--save", (std::filesystem::path(spec.save_dir) / name).string(), flag, *file);
}

GlobalInputs make_inputs(const TrialSpec& spec) {
  const auto& s = spec.shape;
  const std::vector<std::int64_t> qshape{s.batch, s.seq, s.heads, s.head_dim};
  const std::vector<std::int64_t> kvshape{s.batch, s.seq, s.kv_heads_or_heads(), s.head_dim};
  GlobalInputs in;
  in.q = to_dtype(load_or_random(spec.q_file, "q", qshape, spec.seed * 4 + 0), s.dtype);
  in.k = to_dtype(load_or_random(spec.k_file, "k", kvshape, spec.seed * 4 + 1), s.dtype);
  in.v = to_dtype(load_or_random(spec.v_file, "v", kvshape, spec.seed * 4 + 2), s.dtype);
  if (spec.pass != Pass::fwd || !spec.do_file.empty())
    in.dout = to_dtype(load_or_random(spec.do_file, "do", qshape, spec.seed * 4 + 3), s.dtype);
  return in;
}

std::string as_string(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

struct RankRun {
  TimeStats fwd, bwd;
  std::uint64_t bytes_fwd = 0, bytes_bwd = 0;
  GlobalOutputs out;                              // rank 0 only, when wanted
  std::vector<trace::RankTrace> traces;           // rank 0 only, with spec.trace
  std::vector<std::vector<double>> rank_samples;  // rank 0 only, with spec.trace
};

std::vector<double> doubles_of(const std::string& bytes) {
  std::vector<double> v(bytes.size() / sizeof(double));
  if (!v.empty()) std::memcpy(v.data(), bytes.data(), v.size() * sizeof(double));
  return v;
}

// One rank's shards of the global inputs (in the schedule's layout) and its output buffers.
struct RankBuffers {
  Bytes q, k, v, o, dq, dk, dv, dout;  // dout: backward only
  std::vector<float> lse;
};

RankBuffers shard_inputs(const Communicator& c, const TrialSpec& spec, const Schedule& schedule,
                         const GlobalInputs& in) {
  const auto& s = spec.shape;
  const int G = c.size(), r = c.rank();
  const std::int64_t n = s.seq / G, H = s.heads, Hkv = s.kv_heads_or_heads(), d = s.head_dim, B = s.batch;
  const std::size_t e = dtype_size(s.dtype);
  const bool do_bwd = spec.pass != Pass::fwd;
  auto local = [&](std::int64_t heads) { return Bytes(static_cast<std::size_t>(B * n * heads * d) * e); };
  RankBuffers b;
  b.q = local(H);
  b.k = local(Hkv);
  b.v = local(Hkv);
  b.o = local(H);
  b.dq = local(H);
  b.dk = local(Hkv);
  b.dv = local(Hkv);
  b.dout = do_bwd ? local(H) : Bytes{};
  b.lse.assign(static_cast<std::size_t>(B * H * n), 0.0f);
  shard_rows(in.q.data(), b.q.data(), B, s.seq, H * d, e, schedule.layout, r, G, s.doc_bounds);
  shard_rows(in.k.data(), b.k.data(), B, s.seq, Hkv * d, e, schedule.layout, r, G, s.doc_bounds);
  shard_rows(in.v.data(), b.v.data(), B, s.seq, Hkv * d, e, schedule.layout, r, G, s.doc_bounds);
  if (do_bwd)
    shard_rows(in.dout.data(), b.dout.data(), B, s.seq, H * d, e, schedule.layout, r, G, s.doc_bounds);
  return b;
}

// One pass after a barrier: this rank's seconds, and the slowest rank's seconds and bytes sent.
struct PassTiming {
  double own_s = 0, slowest_s = 0;
  std::uint64_t bytes = 0;
};

PassTiming slowest_of(Communicator& c, const PassStats& st) {
  double vals[2] = {st.seconds, static_cast<double>(st.bytes_sent)};
  c.allreduce_max(vals, 2);
  return {st.seconds, vals[0], static_cast<std::uint64_t>(vals[1])};
}

PassTiming time_forward(Communicator& c, BurstAttention& op, RankBuffers& b) {
  c.barrier();
  return slowest_of(c, op.forward(b.q.data(), b.k.data(), b.v.data(), b.o.data(), b.lse.data()));
}

PassTiming time_backward(Communicator& c, BurstAttention& op, RankBuffers& b) {
  c.barrier();
  return slowest_of(c, op.backward(b.q.data(), b.k.data(), b.v.data(), b.o.data(), b.lse.data(),
                                   b.dout.data(), b.dq.data(), b.dk.data(), b.dv.data()));
}

// The timed iterations' figures of one rank.
struct RankSamples {
  std::vector<double> fwd, bwd;  // slowest rank per timed iteration, per pass
  std::vector<double> own;       // this rank's forward + backward per timed iteration
  std::vector<double> critical;  // per timed iteration: the slowest rank's forward + backward
  double critical_sum = 0;
};

// Records a timed iteration; returns whether to sample again (adaptive sampling: rank 0 decides
// and broadcasts, so every rank runs the same count; otherwise always true).
bool record_timed(Communicator& c, const TrialSpec& spec, double own_s, RankSamples& s) {
  const bool do_fwd = spec.pass != Pass::bwd, do_bwd = spec.pass != Pass::fwd;
  s.own.push_back(own_s);
  s.critical.push_back((do_fwd ? s.fwd.back() : 0.0) + (do_bwd ? s.bwd.back() : 0.0));
  s.critical_sum += s.critical.back();
  if (!spec.keep_sampling) return true;
  std::uint8_t go = 0;
  if (c.rank() == 0) go = spec.keep_sampling(s.critical, s.critical_sum) ? 1 : 0;
  c.broadcast(&go, 1, 0);
  return go != 0;
}

// Every rank together: after a barrier the process leader enables tracing and starts the tracer.
void start_tracing(Communicator& c, bool process_leader) {
  c.barrier();
  if (process_leader) {
    trace::set_enabled(true);
    trace::HostTracer::instance().start();
  }
  c.barrier();
}

// `warmup` untimed iterations, then `iters` timed ones (or as many as spec.keep_sampling wants);
// with `tracing` the tracer starts before the first timed one. Sets the bytes of `run`.
RankSamples sample_passes(Communicator& c, const TrialSpec& spec, BurstAttention& op, RankBuffers& b,
                          int warmup, int iters, bool tracing, bool process_leader, RankRun& run) {
  const bool do_fwd = spec.pass != Pass::bwd, do_bwd = spec.pass != Pass::fwd;
  RankSamples s;
  for (int it = 0;; ++it) {
    if (!spec.keep_sampling && it >= warmup + iters) break;
    const bool timed = it >= warmup;
    if (tracing && it == warmup) start_tracing(c, process_leader);
    double own_s = 0;
    if (do_fwd) {
      const PassTiming t = time_forward(c, op, b);
      own_s += t.own_s;
      if (timed) s.fwd.push_back(t.slowest_s);
      run.bytes_fwd = t.bytes;
    }
    if (do_bwd) {
      const PassTiming t = time_backward(c, op, b);
      own_s += t.own_s;
      if (timed) s.bwd.push_back(t.slowest_s);
      run.bytes_bwd = t.bytes;
    }
    if (timed && !record_timed(c, spec, own_s, s)) break;
  }
  return s;
}

// Stops the tracer (every rank of this process is done first) and hands rank 0 every rank's events
// and own seconds per timed iteration: local ranks split the process's events, MPI ranks gather.
void collect_trace(Communicator& c, bool process_leader, bool local_world, const std::vector<double>& own,
                   RankRun& run) {
  const int r = c.rank();
  c.barrier();
  std::vector<trace::HostEvent> events;
  if (process_leader) {
    auto& tracer = trace::HostTracer::instance();
    tracer.stop();
    trace::set_enabled(false);
    events = tracer.drain();
  }
  if (!local_world) {
    run.traces = gather_events(c, trace::make_rank_trace(r, std::move(events)), 0);
  } else if (r == 0) {
    run.traces = trace::split_by_rank(std::move(events), c.size());
  }
  const auto parts =
      c.gather(std::string(reinterpret_cast<const char*>(own.data()), own.size() * sizeof(double)), 0);
  if (r == 0)
    for (const auto& p : parts) run.rank_samples.push_back(doubles_of(p));
}

// Gathers fp32 copies of every output to rank 0 and puts them in global order.
void gather_outputs(Communicator& c, const TrialSpec& spec, const Schedule& schedule, const RankBuffers& b,
                    GlobalOutputs& out) {
  const auto& s = spec.shape;
  const int G = c.size(), r = c.rank();
  const std::int64_t n = s.seq / G, H = s.heads, Hkv = s.kv_heads_or_heads(), d = s.head_dim, B = s.batch;
  auto gather_rows = [&](const Bytes& mine, std::int64_t heads, std::vector<float>& global) {
    const auto parts = c.gather(as_string(to_float(mine.data(), s.dtype, B * n * heads * d)), 0);
    if (r != 0) return;
    global.assign(static_cast<std::size_t>(B * s.seq * heads * d), 0.0f);
    for (int src = 0; src < G; ++src)
      unshard_rows(parts[static_cast<std::size_t>(src)].data(), global.data(), B, s.seq, heads * d,
                   sizeof(float), schedule.layout, src, G, s.doc_bounds);
  };
  gather_rows(b.o, H, out.o);
  const auto parts = c.gather(as_string(b.lse), 0);
  if (r == 0) {
    out.lse.assign(static_cast<std::size_t>(B * H * s.seq), 0.0f);
    for (int src = 0; src < G; ++src)
      unshard_stats(reinterpret_cast<const float*>(parts[static_cast<std::size_t>(src)].data()),
                    out.lse.data(), B, H, s.seq, schedule.layout, src, G, s.doc_bounds);
  }
  if (spec.pass != Pass::fwd) {
    gather_rows(b.dq, H, out.dq);
    gather_rows(b.dk, Hkv, out.dk);
    gather_rows(b.dv, Hkv, out.dv);
  }
}

// Everything one rank does; identical for local threads and MPI processes.
// `tracing`: record the timed iterations. `local_world`: the ranks are threads of this process, so
// rank 0 alone starts/stops the process-wide HostTracer and splits its events by rank; MPI ranks
// each trace their own process and gather to rank 0.
RankRun run_rank(Communicator& c, const TrialSpec& spec, const Schedule& schedule, const GlobalInputs& in,
                 bool want_outputs, int warmup, int iters, bool tracing = false, bool local_world = true) {
  const bool do_fwd = spec.pass != Pass::bwd, do_bwd = spec.pass != Pass::fwd;
  RankBuffers b = shard_inputs(c, spec, schedule, in);
  BurstAttention op(c, spec.shape, schedule);
  RankRun run;
  const bool process_leader = !local_world || c.rank() == 0;
  if (!do_fwd)
    op.forward(b.q.data(), b.k.data(), b.v.data(), b.o.data(), b.lse.data());  // o, lse for the backward
  const RankSamples samples = sample_passes(c, spec, op, b, warmup, iters, tracing, process_leader, run);
  if (tracing) collect_trace(c, process_leader, local_world, samples.own, run);
  if (do_fwd) run.fwd = summarise(samples.fwd);
  if (do_bwd) run.bwd = summarise(samples.bwd);
  if (want_outputs) gather_outputs(c, spec, schedule, b, run.out);
  return run;
}

// --- --check: every output against float64 on the same rounded inputs ---------------------------

std::vector<double> as_doubles(const Bytes& x, DType t) {
  const auto count = static_cast<std::int64_t>(x.size() / dtype_size(t));
  const std::vector<float> f = to_float(x.data(), t, count);
  return {f.begin(), f.end()};
}

reference::Dims dims_of(const AttentionShape& s) {
  return {s.batch, s.seq, s.seq, s.heads, s.kv_heads_or_heads(), s.head_dim};
}

// The shape's whole mask at global positions 0..N-1 on both sides; it points into s.doc_bounds.
kernels::MaskParams mask_of(const AttentionShape& s) {
  kernels::MaskParams m;
  m.rule = s.mask_rule();
  if (m.rule.restricts()) m.kind = kernels::MaskMode::bounded;
  return m;
}

// The outputs of the same inputs on one rank (no ring): the same-precision baseline of the accuracy
// model for fp16/bf16.
GlobalOutputs single_rank_outputs(const TrialSpec& spec, const GlobalInputs& in) {
  Schedule single;
  single.tile_q = spec.schedule.tile_q;
  single.tile_kv = spec.schedule.tile_kv;
  single.threads = spec.schedule.threads;
  RankRun ref;
  TrialSpec fixed = spec;
  fixed.keep_sampling = nullptr;
  comm::run_local(1, [&](Communicator& c) { ref = run_rank(c, fixed, single, in, true, 0, 1); });
  return std::move(ref.out);
}

struct Reference {
  reference::Forward fwd;
  reference::Gradients bwd;
  double logit_bound = 0;
};

Reference float64_reference(const TrialSpec& spec, const GlobalInputs& in) {
  const auto& s = spec.shape;
  const auto dims = dims_of(s);
  const auto q = as_doubles(in.q, s.dtype), k = as_doubles(in.k, s.dtype), v = as_doubles(in.v, s.dtype);
  const double scale = s.scale_or_default();
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const bool bwd = spec.pass != Pass::fwd;
  const double visible = s.mask_area() / (static_cast<double>(s.seq) * static_cast<double>(s.seq));
  const double macs = (reference::forward_macs(dims) + (bwd ? reference::backward_macs(dims) : 0.0)) *
                      visible;                          // the reference skips masked pairs
  constexpr double macs_per_second_per_thread = 1.4e9;  // measured: bench/results/check-reference.md
  const double estimate_s = macs / (macs_per_second_per_thread * threads);
  if (estimate_s > 5.0)
    fmt::print(stderr, "check: computing the float64 reference, about {:.0f} s on {} threads\n", estimate_s,
               threads);
  Reference r;
  r.logit_bound = reference::logit_bound(dims, scale, q, k);
  r.fwd = reference::forward(dims, mask_of(s), scale, q, k, v, threads);
  if (bwd)
    r.bwd =
        reference::backward(dims, mask_of(s), scale, q, k, v, as_doubles(in.dout, s.dtype), r.fwd, threads);
  return r;
}

CheckedTensor check_tensor(std::string name, const std::vector<float>& got, const std::vector<double>& ref,
                           const std::vector<float>* baseline_got, DType dtype, double logit_bound,
                           double hops) {
  CheckedTensor t;
  t.name = std::move(name);
  t.error = reference::max_rel_error(std::span<const float>(got), ref, &t.worst);
  if (baseline_got) t.baseline = reference::max_rel_error(std::span<const float>(*baseline_got), ref);
  t.allowed = reference::allowed_error(dtype, std::max(t.baseline, 0.0), logit_bound) + hops;
  return t;
}

CheckErrors check_outputs(const TrialSpec& spec, const GlobalInputs& in, const GlobalOutputs& got,
                          int world) {
  const DType dtype = spec.shape.dtype;
  const Reference ref = float64_reference(spec, in);
  std::optional<GlobalOutputs> base;
  if (dtype != DType::f32) base = single_rank_outputs(spec, in);
  const double hops = reference::hop_error(dtype, spec.schedule.accum_dtype, world);
  const bool q_travels = spec.schedule.bwd_comm == BwdComm::q;
  auto baseline_of = [&](const std::vector<float> GlobalOutputs::*member) {
    return base ? &((*base).*member) : nullptr;
  };
  CheckErrors ce;
  ce.logit_bound = ref.logit_bound;
  const double L = ref.logit_bound;
  ce.tensors.push_back(check_tensor("o", got.o, ref.fwd.o, baseline_of(&GlobalOutputs::o), dtype, L, 0.0));
  ce.tensors.push_back(
      check_tensor("lse", got.lse, ref.fwd.lse, baseline_of(&GlobalOutputs::lse), dtype, L, 0.0));
  if (spec.pass == Pass::fwd) return ce;
  ce.tensors.push_back(check_tensor("dq", got.dq, ref.bwd.dq, baseline_of(&GlobalOutputs::dq), dtype, L,
                                    q_travels ? hops : 0.0));
  ce.tensors.push_back(check_tensor("dk", got.dk, ref.bwd.dk, baseline_of(&GlobalOutputs::dk), dtype, L,
                                    q_travels ? 0.0 : hops));
  ce.tensors.push_back(check_tensor("dv", got.dv, ref.bwd.dv, baseline_of(&GlobalOutputs::dv), dtype, L,
                                    q_travels ? 0.0 : hops));
  return ce;
}

}  // namespace

TimeStats summarise(std::vector<double> samples) {
  TimeStats t;
  t.samples = samples;
  if (samples.empty()) return t;
  std::sort(samples.begin(), samples.end());
  const std::size_t m = samples.size();
  t.min = samples.front();
  t.max = samples.back();
  t.median = m % 2 ? samples[m / 2] : 0.5 * (samples[m / 2 - 1] + samples[m / 2]);
  t.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(m);
  double var = 0;
  for (double x : samples) var += (x - t.mean) * (x - t.mean);
  t.stdev = m > 1 ? std::sqrt(var / static_cast<double>(m - 1)) : 0.0;
  return t;
}

bool CheckErrors::ok() const {
  return std::all_of(tensors.begin(), tensors.end(), [](const CheckedTensor& t) { return t.ok(); });
}

bool CheckErrors::finite() const {
  return std::none_of(tensors.begin(), tensors.end(),
                      [](const CheckedTensor& t) { return std::isinf(t.error); });
}

const CheckedTensor* CheckErrors::find(std::string_view name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

TrialResult run_trial(const TrialSpec& spec, Communicator* mpi_world) {
  const int G = mpi_world ? mpi_world->size() : spec.world;
  validate(spec.shape, spec.schedule, G);  // bounds every size product (no overflow below)
  BURST_REQUIRE(spec.iters >= 1 || spec.keep_sampling, "--iters must be at least 1");
  BURST_REQUIRE(spec.warmup >= 0, "--warmup must be >= 0");
  require_host_memory(spec, mpi_world == nullptr);
  refuse_save_over_inputs(spec);
  const GlobalInputs in = make_inputs(spec);  // reads and checks every input file first
  if (!spec.save_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(spec.save_dir, ec);
    BURST_REQUIRE(!ec, "--save " + spec.save_dir + ": cannot create the directory: " + ec.message());
  }
  const bool want_outputs = spec.check || !spec.save_dir.empty();
  const auto deadline =
      spec.timeout_ms > 0 ? std::chrono::milliseconds(spec.timeout_ms) : default_comm_deadline();

  RankRun main_run;
  if (mpi_world != nullptr) {
    mpi_world->set_deadline(deadline);
    main_run =
        run_rank(*mpi_world, spec, spec.schedule, in, want_outputs, spec.warmup, spec.iters, spec.trace,
                 /*local_world=*/false);
  } else {
    comm::run_local(
        G,
        [&](Communicator& c) {
          RankRun rr = run_rank(c, spec, spec.schedule, in, want_outputs, spec.warmup, spec.iters, spec.trace,
                                /*local_world=*/true);
          if (c.rank() == 0) main_run = std::move(rr);
        },
        deadline);
  }

  TrialResult result;
  result.world = G;
  result.comm_backend = mpi_world ? std::string(mpi_world->backend()) : "local";
  result.fwd = main_run.fwd;
  result.bwd = main_run.bwd;
  result.bytes_fwd = main_run.bytes_fwd;
  result.bytes_bwd = main_run.bytes_bwd;
  result.traces = std::move(main_run.traces);
  result.rank_samples = std::move(main_run.rank_samples);
  result.expected_bytes_fwd =
      spec.pass != Pass::bwd ? forward_bytes_per_rank(spec.shape, spec.schedule, G) : 0;
  result.expected_bytes_bwd =
      spec.pass != Pass::fwd ? backward_bytes_per_rank(spec.shape, spec.schedule, G) : 0;
  if (result.fwd.median > 0) result.gflops_fwd = forward_flops(spec.shape) / result.fwd.median / 1e9;
  if (result.bwd.median > 0) result.gflops_bwd = backward_flops(spec.shape) / result.bwd.median / 1e9;

  const bool root = mpi_world == nullptr || mpi_world->rank() == 0;
  if (spec.check && root) result.check = check_outputs(spec, in, main_run.out, G);
  if (!spec.save_dir.empty() && root) {
    const auto& s = spec.shape;
    const std::int64_t Hkv = s.kv_heads_or_heads();
    const auto dir = std::filesystem::path(spec.save_dir);
    write_npy((dir / "o.npy").string(), {s.batch, s.seq, s.heads, s.head_dim}, main_run.out.o.data());
    write_npy((dir / "lse.npy").string(), {s.batch, s.heads, s.seq}, main_run.out.lse.data());
    if (spec.pass != Pass::fwd) {
      write_npy((dir / "dq.npy").string(), {s.batch, s.seq, s.heads, s.head_dim}, main_run.out.dq.data());
      write_npy((dir / "dk.npy").string(), {s.batch, s.seq, Hkv, s.head_dim}, main_run.out.dk.data());
      write_npy((dir / "dv.npy").string(), {s.batch, s.seq, Hkv, s.head_dim}, main_run.out.dv.data());
    }
  }
  return result;
}

}  // namespace burst::tuner
