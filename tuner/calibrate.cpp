#include "tuner/calibrate.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "burst/attention.hpp"
#include "burst/error.hpp"
#include "comm/launch.hpp"
#include "db/database.hpp"
#include "tuner/trial.hpp"

namespace burst::tuner {
namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

double median(const std::vector<double>& v) {
  return summarise(v).median;
}

// Starts the instances of one sample together and takes the slowest one's time.
class Sync {
 public:
  virtual ~Sync() = default;
  virtual void arrive() = 0;                // barrier
  virtual double slowest(double mine) = 0;  // max over instances (a barrier too)
};

class ThreadSync final : public Sync {
 public:
  explicit ThreadSync(int count) : barrier_(count), values_(static_cast<std::size_t>(count)) {}
  void arrive() override { barrier_.arrive_and_wait(); }
  double slowest(double mine) override {
    thread_local int index = -1;
    {
      std::lock_guard lock(mu_);
      if (index < 0 || static_cast<std::size_t>(index) >= values_.size()) index = next_++;
      values_[static_cast<std::size_t>(index)] = mine;
    }
    barrier_.arrive_and_wait();
    const double m = *std::max_element(values_.begin(), values_.end());
    barrier_.arrive_and_wait();
    return m;
  }

 private:
  std::barrier<> barrier_;
  std::mutex mu_;
  int next_ = 0;
  std::vector<double> values_;
};

class CommSync final : public Sync {
 public:
  explicit CommSync(Communicator& comm) : comm_(comm) {}
  void arrive() override { comm_.barrier(); }
  double slowest(double mine) override {
    comm_.allreduce_max(&mine, 1);
    return mine;
  }

 private:
  Communicator& comm_;
};

std::vector<float> random_floats(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

struct ComputeTimes {
  double fwd_s = 0, bwd_s = 0;  // median of the slowest instance per sample
};

// One single-rank instance (world 1: one full n x n block pair), timed `iters` times per pass after
// one untimed warm-up of each pass, every sample started together with the other instances.
ComputeTimes time_instance(const AttentionShape& shape, const Schedule& schedule, int iters, Sync& sync,
                           std::uint64_t seed) {
  ComputeTimes out;
  comm::run_local(1, [&](Communicator& comm) {
    BurstAttention attn(comm, shape, schedule);
    const auto q_elems = static_cast<std::size_t>(shape.batch * shape.seq * shape.heads * shape.head_dim);
    const auto kv_elems =
        static_cast<std::size_t>(shape.batch * shape.seq * shape.kv_heads_or_heads() * shape.head_dim);
    const auto q = random_floats(q_elems, seed), k = random_floats(kv_elems, seed + 1),
               v = random_floats(kv_elems, seed + 2), dout = random_floats(q_elems, seed + 3);
    std::vector<float> o(q_elems), dq(q_elems), dk(kv_elems), dv(kv_elems);
    std::vector<float> lse(static_cast<std::size_t>(shape.batch * shape.heads * shape.seq));
    std::vector<double> fwd, bwd;
    for (int i = -1; i < iters; ++i) {
      sync.arrive();
      auto t0 = clock_type::now();
      attn.forward(q.data(), k.data(), v.data(), o.data(), lse.data());
      const double tf = sync.slowest(seconds_since(t0));
      t0 = clock_type::now();
      attn.backward(q.data(), k.data(), v.data(), o.data(), lse.data(), dout.data(), dq.data(), dk.data(),
                    dv.data());
      const double tb = sync.slowest(seconds_since(t0));
      if (i >= 0) {
        fwd.push_back(tf);
        bwd.push_back(tb);
      }
    }
    out.fwd_s = median(fwd);
    out.bwd_s = median(bwd);
  });
  return out;
}

// `instances` single-rank instances side by side in this process (threads), or one per MPI rank.
ComputeTimes time_compute(const AttentionShape& shape, const Schedule& schedule, int instances, int iters,
                          Communicator* mpi_world) {
  if (mpi_world != nullptr) {
    CommSync sync(*mpi_world);
    return time_instance(shape, schedule, iters, sync, 17 + static_cast<std::uint64_t>(mpi_world->rank()));
  }
  ThreadSync sync(instances);
  std::vector<ComputeTimes> results(static_cast<std::size_t>(instances));
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(instances));
  std::vector<std::thread> threads;
  for (int i = 0; i < instances; ++i) {
    threads.emplace_back([&, i] {
      try {
        results[static_cast<std::size_t>(i)] =
            time_instance(shape, schedule, iters, sync, 17 + static_cast<std::uint64_t>(i));
      } catch (...) {
        errors[static_cast<std::size_t>(i)] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return results.front();  // every instance saw the same slowest times
}

// Ping-pong between ranks 0 and 1 of `comm` (others only join the barriers); returns rank 0's
// one-way medians (empty on other ranks).
std::vector<LinkSample> ping_pong(Communicator& comm, const std::vector<std::pair<std::size_t, int>>& sizes) {
  std::vector<LinkSample> out;
  const int r = comm.rank();
  for (const auto& [bytes, reps] : sizes) {
    std::vector<std::byte> buf(bytes), back(bytes);
    std::vector<double> one_way;
    comm.barrier();
    for (int i = -2; i < reps; ++i) {  // two warm-up round trips
      if (r == 0) {
        auto recv = comm.irecv(back.data(), bytes, 1, 2);
        const auto t0 = clock_type::now();
        auto send = comm.isend(buf.data(), bytes, 1, 1);
        comm.wait(*send, "calibrate ping");
        comm.wait(*recv, "calibrate pong");
        if (i >= 0) one_way.push_back(seconds_since(t0) / 2.0);
      } else if (r == 1) {
        auto recv = comm.irecv(buf.data(), bytes, 0, 1);
        comm.wait(*recv, "calibrate ping");
        auto send = comm.isend(buf.data(), bytes, 0, 2);
        comm.wait(*send, "calibrate pong");
      }
    }
    if (r == 0) out.push_back({bytes, median(one_way)});
  }
  comm.barrier();
  return out;
}

std::vector<double> pack_samples(const std::vector<LinkSample>& s) {
  std::vector<double> v;
  for (const auto& x : s) {
    v.push_back(static_cast<double>(x.bytes));
    v.push_back(x.one_way_s);
  }
  return v;
}

}  // namespace

LinkRate fit_link(const std::vector<LinkSample>& samples) {
  BURST_CHECK(samples.size() >= 2, "a link fit needs at least two message sizes");
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double k = static_cast<double>(samples.size());
  for (const auto& s : samples) {
    const double x = static_cast<double>(s.bytes), y = s.one_way_s;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double denom = k * sxx - sx * sx;
  double slope = denom > 0 ? (k * sxy - sx * sy) / denom : 0.0;
  double intercept = (sy - slope * sx) / k;
  if (intercept < 0) {
    // Latency below resolution: a line through the origin.
    intercept = 0;
    slope = sxx > 0 ? sxy / sxx : 0.0;
  }
  LinkRate l;
  l.latency_s = intercept;
  // A slope of zero or less (noise on a link too fast to see) would mean infinite bandwidth; take
  // the largest message's own rate instead.
  if (slope <= 0) {
    const auto& big =
        *std::max_element(samples.begin(), samples.end(),
                          [](const LinkSample& a, const LinkSample& b) { return a.bytes < b.bytes; });
    slope = big.one_way_s / static_cast<double>(big.bytes);
  }
  l.bandwidth_Bps = 1.0 / slope;
  return l;
}

nlohmann::json CalibrationResult::to_json() const {
  nlohmann::json j;
  j["rates"] = rates.to_json();
  j["world"] = world;
  j["threads_per_rank"] = threads_per_rank;
  j["comm_backend"] = comm_backend;
  j["seconds"] = seconds;
  nlohmann::json s = nlohmann::json::array();
  for (const auto& x : link_samples) s.push_back({{"bytes", x.bytes}, {"one_way_s", x.one_way_s}});
  j["link_samples"] = s;
  return j;
}

namespace {

using Say = std::function<void(const std::string&)>;

// Compute threads per rank: the runtime's choice for Schedule.threads = 0
// (runtime/attention_impl.cpp): ranks that are threads of one process share its cores; an MPI rank
// takes them all.
int threads_per_rank(const CalibrateOptions& options, const Communicator* mpi_world, int world) {
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  return options.threads > 0 ? options.threads : mpi_world != nullptr ? cores : std::max(1, cores / world);
}

std::vector<std::pair<int, int>> variants_to_measure(const CalibrateOptions& options) {
  std::vector<std::pair<int, int>> tiles = options.tiles;
  if (tiles.empty()) {
    if (options.quick)
      tiles = {{64, 64}};
    else
      for (int tq : {32, 64, 128})
        for (int tkv : {32, 64, 128}) tiles.emplace_back(tq, tkv);
  }
  return tiles;
}

// The measured block: one full n x n block pair, fp32, no mask.
AttentionShape block_shape(const CalibrateOptions& options) {
  AttentionShape shape;
  shape.batch = 1;
  shape.seq = options.block_tokens > 0 ? options.block_tokens : options.quick ? 512 : 1024;
  shape.heads = options.heads;
  shape.kv_heads = options.heads;
  shape.head_dim = options.head_dim;
  shape.dtype = DType::f32;
  shape.causal = false;
  return shape;
}

// A quarter-size block too: t = flops / rate + row_s * rows separates the O(n^2) products from the
// O(n) row work, so the model predicts blocks of other sizes (fit_block_cost).
void fit_row_cost(const AttentionShape& shape, const Schedule& sched, const ComputeTimes& t, int world,
                  int iters, Communicator* mpi_world, const std::string& key, MachineRates& rates) {
  const double fwd_flops = forward_flops(shape), bwd_flops = backward_flops(shape);
  AttentionShape small_shape = shape;
  small_shape.seq = std::max<std::int64_t>(64, shape.seq / 4);
  const ComputeTimes ts = time_compute(small_shape, sched, world, iters, mpi_world);
  const double rows = static_cast<double>(shape.batch * shape.seq * shape.heads);
  const double small_rows = static_cast<double>(small_shape.batch * small_shape.seq * small_shape.heads);
  const BlockCostFit f =
      fit_block_cost(fwd_flops, rows, t.fwd_s, forward_flops(small_shape), small_rows, ts.fwd_s);
  const BlockCostFit b =
      fit_block_cost(bwd_flops, rows, t.bwd_s, backward_flops(small_shape), small_rows, ts.bwd_s);
  rates.fwd_flops_per_s[key] = f.flops_per_s;
  rates.bwd_flops_per_s[key] = b.flops_per_s;
  rates.fwd_row_s[key] = f.row_s;
  rates.bwd_row_s[key] = b.row_s;
}

// Compute rates of one kernel variant.
void calibrate_variant(const CalibrateOptions& options, const AttentionShape& shape, std::pair<int, int> tile,
                       int world, int threads, int iters, Communicator* mpi_world, MachineRates& rates,
                       const Say& say) {
  const auto [tq, tkv] = tile;
  Schedule sched;
  sched.tile_q = tq;
  sched.tile_kv = tkv;
  sched.threads = threads;
  validate(shape, sched, 1);
  const ComputeTimes t = time_compute(shape, sched, world, iters, mpi_world);
  const std::string key = variant_key(tq, tkv);
  rates.fwd_flops_per_s[key] = forward_flops(shape) / t.fwd_s;
  rates.bwd_flops_per_s[key] = backward_flops(shape) / t.bwd_s;
  if (options.row_cost && !options.quick) fit_row_cost(shape, sched, t, world, iters, mpi_world, key, rates);
  say(fmt::format(
      "compute {:>7}: forward {:.2f} GFLOP/s + {:.2f} us/row, backward {:.2f} GFLOP/s + {:.2f} us/row per "
      "rank "
      "({} ranks x {} threads)",
      key, rates.fwd_flops_per_s[key] / 1e9, rates.fwd_row_s.count(key) ? rates.fwd_row_s[key] * 1e6 : 0.0,
      rates.bwd_flops_per_s[key] / 1e9, rates.bwd_row_s.count(key) ? rates.bwd_row_s[key] * 1e6 : 0.0, world,
      threads));
}

// The default rates: the default variant's, else the median over the variants measured.
void set_default_rates(MachineRates& rates) {
  const std::string default_key = variant_key(Schedule{}.tile_q, Schedule{}.tile_kv);
  if (rates.fwd_flops_per_s.count(default_key) != 0) {
    rates.default_fwd_flops_per_s = rates.fwd_flops_per_s[default_key];
    rates.default_bwd_flops_per_s = rates.bwd_flops_per_s[default_key];
    return;
  }
  std::vector<double> f, b;
  for (const auto& [k, v] : rates.fwd_flops_per_s) f.push_back(v);
  for (const auto& [k, v] : rates.bwd_flops_per_s) b.push_back(v);
  rates.default_fwd_flops_per_s = median(f);
  rates.default_bwd_flops_per_s = median(b);
}

// Ping-pong samples: between MPI ranks 0 and 1 (broadcast to every rank), else two local ranks.
std::vector<LinkSample> link_samples(const CalibrateOptions& options, Communicator* mpi_world) {
  std::vector<std::pair<std::size_t, int>> sizes;
  if (options.quick)
    sizes = {{1024, 50}, {256 << 10, 10}, {2 << 20, 4}};
  else
    sizes = {{1024, 200}, {64 << 10, 50}, {1 << 20, 20}, {4 << 20, 10}, {16 << 20, 4}};
  std::vector<LinkSample> out;
  if (mpi_world != nullptr && mpi_world->size() >= 2) {
    out = ping_pong(*mpi_world, sizes);
    std::vector<double> packed = pack_samples(out);
    packed.resize(2 * sizes.size());
    mpi_world->broadcast(packed.data(), packed.size() * sizeof(double), 0);
    out.clear();
    for (std::size_t i = 0; i < sizes.size(); ++i)
      out.push_back({static_cast<std::size_t>(packed[2 * i]), packed[2 * i + 1]});
  } else {
    comm::run_local(2, [&](Communicator& comm) {
      auto s = ping_pong(comm, sizes);
      if (comm.rank() == 0) out = std::move(s);
    });
  }
  return out;
}

// Step overhead: a tiny forward ring, overlap none, whatever the model does not explain.
void calibrate_overhead(const CalibrateOptions& options, int world, int threads, Communicator* mpi_world,
                        MachineRates& rates, const Say& say) {
  TrialSpec spec;
  spec.shape.batch = 1;
  spec.shape.seq = 32 * world;
  spec.shape.heads = 1;
  spec.shape.head_dim = 32;
  spec.shape.dtype = DType::f32;
  spec.schedule.tile_q = 32;
  spec.schedule.tile_kv = 32;
  spec.schedule.threads = threads;
  spec.world = world;
  spec.pass = Pass::fwd;
  spec.warmup = 2;
  spec.iters = options.quick ? 8 : 20;
  const TrialResult tr = run_trial(spec, mpi_world);
  double measured = tr.fwd.median;
  if (mpi_world != nullptr) mpi_world->broadcast(&measured, sizeof measured, 0);
  Workload w;
  w.shape = spec.shape;
  w.world = world;
  w.ranks_per_node = world;
  w.pass = Pass::fwd;
  Candidate c;
  c.schedule = spec.schedule;
  MachineRates no_overhead = rates;
  no_overhead.step_overhead_s = 0;
  const double explained = predict(w, c, no_overhead).total_s;
  rates.step_overhead_s = std::max(0.0, (measured - explained) / world);
  say(
      fmt::format("step overhead: {:.1f} us per ring step (tiny ring: {:.1f} us per pass, model without "
                  "overhead {:.1f} us)",
                  rates.step_overhead_s * 1e6, measured * 1e6, explained * 1e6));
}

}  // namespace

int calibration_steps(const CalibrateOptions& options, int world) {
  const int variants = static_cast<int>(variants_to_measure(options).size());
  if (!options.measure_link) return variants;
  return variants + 1 + (world >= 2 && options.measure_overhead ? 1 : 0);
}

CalibrationResult calibrate(const CalibrateOptions& options, Communicator* mpi_world) {
  const auto t_start = clock_type::now();
  const int world = mpi_world != nullptr ? mpi_world->size() : options.world;
  BURST_REQUIRE(world >= 1 && world <= 64, "--world: expected 1..64 ranks, got " + std::to_string(world));
  BURST_REQUIRE(options.threads >= 0, "--threads: expected >= 0, got " + std::to_string(options.threads));
  const int threads = threads_per_rank(options, mpi_world, world);
  const std::vector<std::pair<int, int>> tiles = variants_to_measure(options);
  const AttentionShape shape = block_shape(options);
  const int iters = options.samples > 0 ? options.samples : options.quick ? 2 : 3;
  const Say say = [&](const std::string& line) {
    if (options.progress && (mpi_world == nullptr || mpi_world->rank() == 0)) options.progress(line);
  };

  CalibrationResult res;
  res.world = world;
  res.threads_per_rank = threads;
  res.comm_backend = mpi_world != nullptr ? "mpi" : "local";
  MachineRates& rates = res.rates;

  // Compute, per variant.
  for (const auto& tile : tiles)
    calibrate_variant(options, shape, tile, world, threads, iters, mpi_world, rates, say);
  set_default_rates(rates);

  if (!options.measure_link) {
    res.seconds = seconds_since(t_start);
    return res;
  }
  // Link: ping-pong.
  res.link_samples = link_samples(options, mpi_world);
  rates.intra = fit_link(res.link_samples);
  rates.inter = rates.intra;  // one node: no inter-node link to measure
  say(fmt::format("link ({}): {:.2f} GB/s, latency {:.1f} us (inter-node not measured: set to intra)",
                  res.comm_backend, rates.intra.bandwidth_Bps / 1e9, rates.intra.latency_s * 1e6));

  if (world >= 2 && options.measure_overhead)
    calibrate_overhead(options, world, threads, mpi_world, rates, say);
  res.seconds = seconds_since(t_start);
  return res;
}

MachineRates load_or_calibrate(const std::string& db_path, const std::string& fingerprint_id, int world,
                               Communicator* mpi_world) {
  const bool root = mpi_world == nullptr || mpi_world->rank() == 0;
  std::string text;  // the rates as JSON, on rank 0
  std::optional<db::Database> database;
  if (root) {
    database.emplace(db_path, /*create_if_missing=*/true);
    if (auto r = load_calibration(*database, fingerprint_id)) text = r->to_json().dump();
  }
  std::int64_t found = text.empty() ? 0 : 1;
  if (mpi_world != nullptr) mpi_world->broadcast(&found, sizeof found, 0);
  if (found == 0) {
    CalibrateOptions o;
    o.quick = true;
    o.world = world;
    MachineRates r = calibrate(o, mpi_world).rates;
    r.source = fmt::format("calibrated {} world {} (quick, by load_or_calibrate)", fingerprint_id, world);
    if (root) {
      store_calibration(*database, fingerprint_id, r);
      text = r.to_json().dump();
    }
  }
  if (mpi_world != nullptr) {
    std::int64_t size = static_cast<std::int64_t>(text.size());
    mpi_world->broadcast(&size, sizeof size, 0);
    text.resize(static_cast<std::size_t>(size));
    mpi_world->broadcast(text.data(), text.size(), 0);
  }
  return MachineRates::from_json(nlohmann::json::parse(text));
}

}  // namespace burst::tuner
