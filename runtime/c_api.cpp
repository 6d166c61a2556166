// The C ABI (burst/burst.h): translates to the C++ API and turns exceptions into status codes.
#include <array>
#include <cstddef>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "burst/attention.hpp"
#include "burst/burst.h"
#include "burst/config.hpp"
#include "burst/error.hpp"
#include "burst/shard.hpp"
#include "comm/launch.hpp"
#if BURST_HAVE_NCCL
#include "comm/nccl_communicator.hpp"
#endif

struct burst_comm {
  burst::Communicator* comm = nullptr;
  std::unique_ptr<burst::Communicator> owned;
};

struct burst_op {
  std::unique_ptr<burst::BurstAttention> op;
  std::uint64_t last_bytes = 0;
  std::shared_ptr<const burst::Selection> selection;  // null: made by burst_op_create (defaults)
  std::string explanation;                            // the selection's, plus any layout override
  // Contiguous copies of strided host tensors (burst_op_*_ex), by argument position.
  std::array<std::vector<std::byte>, 10> staging;
};

namespace {

thread_local std::string g_last_error;

template <typename Fn>
burst_status guarded(Fn&& fn) {
  try {
    g_last_error.clear();
    fn();
    return BURST_OK;
  } catch (const burst::InvalidArgument& e) {
    g_last_error = e.what();
    return BURST_ERROR_INVALID_ARGUMENT;
  } catch (const burst::Timeout& e) {
    g_last_error = e.what();
    return BURST_ERROR_TIMEOUT;
  } catch (const std::exception& e) {
    g_last_error = e.what();
    return BURST_ERROR_RUNTIME;
  } catch (...) {
    g_last_error = "unknown error";
    return BURST_ERROR_RUNTIME;
  }
}

template <typename E>
E enum_in(int value, int count, const char* what) {
  BURST_REQUIRE(value >= 0 && value < count, std::string(what) + " " + std::to_string(value) +
                                                 " is out of range 0.." + std::to_string(count - 1));
  return static_cast<E>(value);
}

burst::AttentionShape to_shape(const burst_shape& s) {
  burst::AttentionShape out;
  out.batch = s.batch;
  out.seq = s.seq;
  out.heads = s.heads;
  out.kv_heads = s.kv_heads;
  out.head_dim = s.head_dim;
  out.dtype = enum_in<burst::DType>(s.dtype, 3, "dtype");
  out.causal = s.causal != 0;
  out.scale = s.scale;
  return out;
}

burst_schedule from_schedule(const burst::Schedule& d) {
  return burst_schedule{static_cast<int>(d.layout),
                        static_cast<int>(d.bwd_comm),
                        static_cast<int>(d.overlap),
                        d.chunks,
                        static_cast<int>(d.topology),
                        d.group_size,
                        static_cast<int>(d.accum_dtype),
                        d.tile_q,
                        d.tile_kv,
                        d.threads};
}

burst::Schedule to_schedule(const burst_schedule& s) {
  burst::Schedule out;
  out.layout = enum_in<burst::Layout>(s.layout, 3, "layout");
  out.bwd_comm = enum_in<burst::BwdComm>(s.bwd_comm, 2, "bwd_comm");
  out.overlap = enum_in<burst::Overlap>(s.overlap, 3, "overlap");
  out.chunks = s.chunks;
  out.topology = enum_in<burst::Topology>(s.topology, 2, "topology");
  out.group_size = s.group_size;
  out.accum_dtype = enum_in<burst::AccumDType>(s.accum_dtype, 2, "accum_dtype");
  out.tile_q = s.tile_q;
  out.tile_kv = s.tile_kv;
  out.threads = s.threads;
  return out;
}

// A communicator the caller keeps (burst_comm_create_nccl's host): forwards every call to it.
class BorrowedCommunicator final : public burst::Communicator {
 public:
  explicit BorrowedCommunicator(burst::Communicator& c) : c_(c) { set_deadline(c.deadline()); }
  int rank() const override { return c_.rank(); }
  int size() const override { return c_.size(); }
  std::string_view backend() const override { return c_.backend(); }
  std::unique_ptr<burst::Request> isend(const void* buf, std::size_t bytes, int peer, int tag) override {
    return c_.isend(buf, bytes, peer, tag);
  }
  std::unique_ptr<burst::Request> irecv(void* buf, std::size_t bytes, int peer, int tag) override {
    return c_.irecv(buf, bytes, peer, tag);
  }
  void barrier() override { c_.barrier(); }
  void allreduce_max(double* values, int count) override { c_.allreduce_max(values, count); }
  void allreduce_sum(double* values, int count) override { c_.allreduce_sum(values, count); }
  void broadcast(void* buf, std::size_t bytes, int root) override { c_.broadcast(buf, bytes, root); }
  std::vector<std::string> gather(std::string_view mine, int root) override { return c_.gather(mine, root); }
  void abort(std::string_view reason) override { c_.abort(reason); }

 private:
  burst::Communicator& c_;
};

// One argument of burst_op_*_ex: its name, its dimensions and element size.
struct TensorArg {
  const char* name;
  std::array<std::int64_t, 4> dims;
  int rank;  // number of dimensions (4, or 3 for lse)
  std::size_t elem;
};

// Strides (in elements) of a contiguous tensor of `a`'s dimensions.
std::array<std::int64_t, 4> contiguous_strides(const TensorArg& a) {
  std::array<std::int64_t, 4> s{0, 0, 0, 0};
  std::int64_t step = 1;
  for (int i = a.rank - 1; i >= 0; --i) {
    s[static_cast<std::size_t>(i)] = step;
    step *= a.dims[static_cast<std::size_t>(i)];
  }
  return s;
}

// Copies between a strided tensor and a contiguous one (to_contiguous: gather, else scatter).
void copy_strided(const TensorArg& a, std::byte* strided, const std::array<std::int64_t, 4>& st,
                  std::byte* dense, bool to_contiguous) {
  std::array<std::int64_t, 4> d{1, 1, 1, 1};
  std::array<std::int64_t, 4> stride{0, 0, 0, 0};
  const auto shift = static_cast<std::size_t>(4 - a.rank);
  for (std::size_t i = 0; i < static_cast<std::size_t>(a.rank); ++i) {  // right-align to 4 dimensions
    d[shift + i] = a.dims[i];
    stride[shift + i] = st[i];
  }
  std::size_t flat = 0;
  for (std::int64_t i0 = 0; i0 < d[0]; ++i0)
    for (std::int64_t i1 = 0; i1 < d[1]; ++i1)
      for (std::int64_t i2 = 0; i2 < d[2]; ++i2)
        for (std::int64_t i3 = 0; i3 < d[3]; ++i3, ++flat) {
          const std::int64_t off = i0 * stride[0] + i1 * stride[1] + i2 * stride[2] + i3 * stride[3];
          std::byte* s = strided + static_cast<std::ptrdiff_t>(off) * static_cast<std::ptrdiff_t>(a.elem);
          std::byte* c = dense + flat * a.elem;
          if (to_contiguous)
            std::memcpy(c, s, a.elem);
          else
            std::memcpy(s, c, a.elem);
        }
}

// The pointer a pass uses for argument `slot`: the caller's memory when it is contiguous host
// memory, else the op's staging copy (filled now for inputs). Device memory and a stream with
// host memory are refused, naming the argument.
void* resolve_tensor(burst_op& op, std::size_t slot, const burst_tensor* t, const TensorArg& a, bool input,
                     void* stream) {
  BURST_REQUIRE(t != nullptr && t->data != nullptr, std::string(a.name) + ": NULL tensor or data pointer");
  if (t->device >= 0) {
    throw burst::InvalidArgument(std::string(a.name) + ": a CUDA device pointer (device " +
                                 std::to_string(t->device) +
                                 "): this libburst's runtime drives the cpu backend only; pass host memory");
  }
  BURST_REQUIRE(t->device == -1, std::string(a.name) + ": device " + std::to_string(t->device) +
                                     " is not allowed: expected -1 (host) or >= 0");
  BURST_REQUIRE(stream == nullptr,
                "stream: must be NULL for host tensors (got a stream with " + std::string(a.name) + ")");
  std::array<std::int64_t, 4> st{t->strides[0], t->strides[1], t->strides[2], t->strides[3]};
  bool all_zero = true;
  for (int i = 0; i < a.rank; ++i) all_zero = all_zero && st[static_cast<std::size_t>(i)] == 0;
  const auto dense = contiguous_strides(a);
  if (all_zero || st == dense) return t->data;
  for (int i = 0; i < a.rank; ++i) {
    const std::int64_t v = st[static_cast<std::size_t>(i)];
    // Outputs need distinct elements; inputs may repeat one (stride 0 broadcasts).
    BURST_REQUIRE(input ? v >= 0 : v >= 1, std::string(a.name) + ": stride " + std::to_string(v) +
                                               " of dimension " + std::to_string(i) +
                                               " is not allowed: expected " + (input ? ">= 0" : ">= 1") +
                                               " elements");
  }
  std::size_t elems = 1;
  for (int i = 0; i < a.rank; ++i) elems *= static_cast<std::size_t>(a.dims[static_cast<std::size_t>(i)]);
  auto& buffer = op.staging.at(slot);
  buffer.resize(elems * a.elem);
  if (input) copy_strided(a, static_cast<std::byte*>(t->data), st, buffer.data(), true);
  return buffer.data();
}

// Scatters a staged output back to the caller's strided memory (nothing for direct pointers).
void finish_output(burst_op& op, std::size_t slot, const burst_tensor* t, const TensorArg& a,
                   const void* used) {
  if (used == t->data) return;
  const std::array<std::int64_t, 4> st{t->strides[0], t->strides[1], t->strides[2], t->strides[3]};
  copy_strided(a, static_cast<std::byte*>(t->data), st, op.staging.at(slot).data(), false);
}

struct PassArgs {
  TensorArg qo, kv, lse;
};

PassArgs pass_args(const burst::BurstAttention& op) {
  const burst::AttentionShape& s = op.shape();
  const std::int64_t n = op.local_seq();
  const std::size_t e = burst::dtype_size(s.dtype);
  return {TensorArg{"q", {s.batch, n, s.heads, s.head_dim}, 4, e},
          TensorArg{"k", {s.batch, n, s.kv_heads_or_heads(), s.head_dim}, 4, e},
          TensorArg{"lse", {s.batch, s.heads, n, 1}, 3, sizeof(float)}};
}

TensorArg named(TensorArg a, const char* name) {
  a.name = name;
  return a;
}

burst::Layout layout_in(int value) {
  return enum_in<burst::Layout>(value, 3, "layout");
}

}  // namespace

extern "C" {

const char* burst_version(void) {
  return BURST_VERSION;
}
const char* burst_last_error(void) {
  return g_last_error.c_str();
}

void burst_schedule_default(burst_schedule* s) {
  if (s == nullptr) return;
  *s = from_schedule(burst::Schedule{});
}

int burst_param_count(void) {
  return static_cast<int>(burst::schedule_params().size());
}

const char* burst_param_name(int index) {
  const auto params = burst::schedule_params();
  if (index < 0 || index >= static_cast<int>(params.size())) return nullptr;
  return params[static_cast<std::size_t>(index)].name.data();  // table names are string literals
}

const char* burst_param_allowed(int index) {
  static thread_local std::string text;
  const auto params = burst::schedule_params();
  if (index < 0 || index >= static_cast<int>(params.size())) return nullptr;
  text = params[static_cast<std::size_t>(index)].allowed();
  return text.c_str();
}

burst_status burst_schedule_set(burst_schedule* schedule, const char* name, const char* value) {
  return guarded([&] {
    BURST_REQUIRE(schedule != nullptr && name != nullptr && value != nullptr,
                  "burst_schedule_set: schedule, name and value must not be NULL");
    burst::Schedule s = to_schedule(*schedule);
    burst::set_param(s, name, value);
    *schedule = from_schedule(s);
  });
}

burst_status burst_comm_create_mpi(burst_comm** comm) {
  return guarded([&] {
    BURST_REQUIRE(comm != nullptr, "burst_comm_create_mpi: comm is NULL");
    auto c = std::make_unique<burst_comm>();
    c->owned = burst::comm::make_mpi_world();
    c->comm = c->owned.get();
    *comm = c.release();
  });
}

burst_status burst_comm_create_mpi_comm(const void* mpi_comm, burst_comm** comm) {
  return guarded([&] {
    BURST_REQUIRE(comm != nullptr, "burst_comm_create_mpi_comm: comm is NULL");
    auto c = std::make_unique<burst_comm>();
    c->owned = burst::comm::make_mpi_comm(mpi_comm);
    c->comm = c->owned.get();
    *comm = c.release();
  });
}

burst_status burst_comm_create_nccl(burst_comm* host, int device, burst_comm** comm) {
  return guarded([&] {
    BURST_REQUIRE(host != nullptr && comm != nullptr, "burst_comm_create_nccl: NULL argument");
#if BURST_HAVE_NCCL
    auto c = std::make_unique<burst_comm>();
    c->owned = std::make_unique<burst::comm::NcclCommunicator>(
        std::make_unique<BorrowedCommunicator>(*host->comm), device);
    c->comm = c->owned.get();
    *comm = c.release();
#else
    (void)device;
    throw burst::Error("burst_comm_create_nccl: this libburst was built without NCCL");
#endif
  });
}

burst_status burst_comm_create_nccl_id(const void* unique_id, size_t id_bytes, int rank, int size, int device,
                                       burst_comm** comm) {
  if (comm != nullptr) *comm = nullptr;
  return guarded([&] {
    BURST_REQUIRE(unique_id != nullptr && comm != nullptr, "burst_comm_create_nccl_id: NULL argument");
#if BURST_HAVE_NCCL
    // The constructor names a bad id_bytes, size, rank or device before it touches any device.
    auto c = std::make_unique<burst_comm>();
    c->owned = std::make_unique<burst::comm::NcclCommunicator>(unique_id, id_bytes, rank, size, device);
    c->comm = c->owned.get();
    *comm = c.release();
#else
    (void)id_bytes, (void)rank, (void)size, (void)device;
    throw burst::Error("burst_comm_create_nccl_id: this libburst was built without NCCL");
#endif
  });
}

void burst_comm_destroy(burst_comm* comm) {
  delete comm;
}
int burst_comm_rank(const burst_comm* comm) {
  return comm ? comm->comm->rank() : -1;
}
int burst_comm_size(const burst_comm* comm) {
  return comm ? comm->comm->size() : -1;
}

burst_status burst_run_local(int world, burst_rank_fn fn, void* user) {
  return guarded([&] {
    BURST_REQUIRE(fn != nullptr, "burst_run_local: fn is NULL");
    BURST_REQUIRE(world >= 1, "burst_run_local: world must be at least 1");
    burst::comm::run_local(world, [&](burst::Communicator& c) {
      burst_comm handle;
      handle.comm = &c;
      const burst_status st = fn(&handle, user);
      if (st != BURST_OK) {
        const std::string msg = "rank " + std::to_string(c.rank()) + ": " +
                                (g_last_error.empty() ? "status " + std::to_string(st) : g_last_error);
        if (st == BURST_ERROR_INVALID_ARGUMENT) throw burst::InvalidArgument(msg);
        if (st == BURST_ERROR_TIMEOUT) throw burst::Timeout(msg);
        throw burst::Error(msg);
      }
    });
  });
}

burst_status burst_op_create(burst_comm* comm, const burst_shape* shape, const burst_schedule* schedule,
                             burst_op** op) {
  return guarded([&] {
    BURST_REQUIRE(comm != nullptr && shape != nullptr && op != nullptr, "burst_op_create: NULL argument");
    burst_schedule def;
    burst_schedule_default(&def);
    auto o = std::make_unique<burst_op>();
    o->op = std::make_unique<burst::BurstAttention>(*comm->comm, to_shape(*shape),
                                                    to_schedule(schedule ? *schedule : def));
    *op = o.release();
  });
}

burst_status burst_op_create_from_profile(burst_comm* comm, const burst_shape* shape, int pass,
                                          const char* profile, int layout, burst_op** op) {
  return guarded([&] {
    BURST_REQUIRE(comm != nullptr && shape != nullptr && op != nullptr,
                  "burst_op_create_from_profile: NULL argument");
    const burst::AttentionShape s = to_shape(*shape);
    const auto p = enum_in<burst::Pass>(pass, 3, "pass");
    BURST_REQUIRE(layout >= -1 && layout <= 2,
                  "layout " + std::to_string(layout) + " is out of range -1..2 (-1: the profile's)");
    burst::ScheduleChoice choice =
        burst::choose_schedule(*comm->comm, s, p, burst::Backend::cpu, profile != nullptr ? profile : "");
    auto o = std::make_unique<burst_op>();
    o->selection = choice.selection;
    o->explanation = choice.selection->explanation;
    if (layout >= 0 && layout_in(layout) != choice.schedule.layout) {
      o->explanation += "; ring.layout " + std::string(burst::to_string(choice.schedule.layout)) +
                        " replaced by the caller's " + std::string(burst::to_string(layout_in(layout)));
      choice.schedule.layout = layout_in(layout);
    }
    o->op = std::make_unique<burst::BurstAttention>(*comm->comm, s, choice.schedule);
    *op = o.release();
  });
}

burst_status burst_op_selection(const burst_op* op, burst_selection* selection) {
  return guarded([&] {
    BURST_REQUIRE(op != nullptr && selection != nullptr, "burst_op_selection: NULL argument");
    burst_selection out{
        BURST_SELECTION_DEFAULTS, -1, 0, 0, "", "built-in defaults: the op was made with a schedule"};
    if (op->selection) {
      const burst::Selection& s = *op->selection;
      out.source = static_cast<int>(s.source);  // the enumerations share their order
      out.entry_index = s.entry_index;
      out.fingerprint_match = s.fingerprint_match ? 1 : 0;
      out.warning_count = static_cast<int>(s.warnings.size());
      out.file = s.file.c_str();
      out.explanation = op->explanation.c_str();
    }
    *selection = out;
  });
}

const char* burst_op_selection_warning(const burst_op* op, int index) {
  if (op == nullptr || !op->selection || index < 0 ||
      index >= static_cast<int>(op->selection->warnings.size()))
    return nullptr;
  return op->selection->warnings[static_cast<std::size_t>(index)].c_str();
}

burst_status burst_op_schedule(const burst_op* op, burst_schedule* schedule) {
  return guarded([&] {
    BURST_REQUIRE(op != nullptr && schedule != nullptr, "burst_op_schedule: NULL argument");
    *schedule = from_schedule(op->op->schedule());
  });
}

burst_status burst_op_forward_ex(burst_op* op, const burst_tensor* q, const burst_tensor* k,
                                 const burst_tensor* v, const burst_tensor* o, const burst_tensor* lse,
                                 void* stream) {
  return guarded([&] {
    BURST_REQUIRE(op != nullptr, "burst_op_forward_ex: op is NULL");
    const PassArgs a = pass_args(*op->op);
    const void* pq = resolve_tensor(*op, 0, q, a.qo, true, stream);
    const void* pk = resolve_tensor(*op, 1, k, a.kv, true, stream);
    const void* pv = resolve_tensor(*op, 2, v, named(a.kv, "v"), true, stream);
    void* po = resolve_tensor(*op, 3, o, named(a.qo, "o"), false, stream);
    void* pl = resolve_tensor(*op, 4, lse, a.lse, false, stream);
    op->last_bytes = op->op->forward(pq, pk, pv, po, static_cast<float*>(pl)).bytes_sent;
    finish_output(*op, 3, o, named(a.qo, "o"), po);
    finish_output(*op, 4, lse, a.lse, pl);
  });
}

burst_status burst_op_backward_ex(burst_op* op, const burst_tensor* q, const burst_tensor* k,
                                  const burst_tensor* v, const burst_tensor* o, const burst_tensor* lse,
                                  const burst_tensor* dout, const burst_tensor* dq, const burst_tensor* dk,
                                  const burst_tensor* dv, void* stream) {
  return guarded([&] {
    BURST_REQUIRE(op != nullptr, "burst_op_backward_ex: op is NULL");
    const PassArgs a = pass_args(*op->op);
    const void* pq = resolve_tensor(*op, 0, q, a.qo, true, stream);
    const void* pk = resolve_tensor(*op, 1, k, a.kv, true, stream);
    const void* pv = resolve_tensor(*op, 2, v, named(a.kv, "v"), true, stream);
    const void* po = resolve_tensor(*op, 3, o, named(a.qo, "o"), true, stream);
    const void* pl = resolve_tensor(*op, 4, lse, a.lse, true, stream);
    const void* pd = resolve_tensor(*op, 5, dout, named(a.qo, "dout"), true, stream);
    void* pdq = resolve_tensor(*op, 6, dq, named(a.qo, "dq"), false, stream);
    void* pdk = resolve_tensor(*op, 7, dk, named(a.kv, "dk"), false, stream);
    void* pdv = resolve_tensor(*op, 8, dv, named(a.kv, "dv"), false, stream);
    op->last_bytes =
        op->op->backward(pq, pk, pv, po, static_cast<const float*>(pl), pd, pdq, pdk, pdv).bytes_sent;
    finish_output(*op, 6, dq, named(a.qo, "dq"), pdq);
    finish_output(*op, 7, dk, named(a.kv, "dk"), pdk);
    finish_output(*op, 8, dv, named(a.kv, "dv"), pdv);
  });
}

void burst_op_destroy(burst_op* op) {
  delete op;
}

burst_status burst_op_forward(burst_op* op, const void* q, const void* k, const void* v, void* o,
                              float* lse) {
  return guarded([&] {
    BURST_REQUIRE(op && q && k && v && o && lse, "burst_op_forward: NULL argument");
    op->last_bytes = op->op->forward(q, k, v, o, lse).bytes_sent;
  });
}

burst_status burst_op_backward(burst_op* op, const void* q, const void* k, const void* v, const void* o,
                               const float* lse, const void* dout, void* dq, void* dk, void* dv) {
  return guarded([&] {
    BURST_REQUIRE(op && q && k && v && o && lse && dout && dq && dk && dv,
                  "burst_op_backward: NULL argument");
    op->last_bytes = op->op->backward(q, k, v, o, lse, dout, dq, dk, dv).bytes_sent;
  });
}

std::uint64_t burst_op_last_bytes_sent(const burst_op* op) {
  return op ? op->last_bytes : 0;
}

burst_status burst_shard_rows(const void* global, void* local, int64_t batch, int64_t seq, int64_t row_elems,
                              size_t elem_size, int layout, int rank, int world) {
  return guarded([&] {
    BURST_REQUIRE(global != nullptr && local != nullptr, "burst_shard_rows: NULL tensor");
    burst::shard_rows(global, local, batch, seq, row_elems, elem_size, layout_in(layout), rank, world);
  });
}

burst_status burst_unshard_rows(const void* local, void* global, int64_t batch, int64_t seq,
                                int64_t row_elems, size_t elem_size, int layout, int rank, int world) {
  return guarded([&] {
    BURST_REQUIRE(global != nullptr && local != nullptr, "burst_unshard_rows: NULL tensor");
    burst::unshard_rows(local, global, batch, seq, row_elems, elem_size, layout_in(layout), rank, world);
  });
}

burst_status burst_shard_stats(const float* global, float* local, int64_t batch, int64_t heads, int64_t seq,
                               int layout, int rank, int world) {
  return guarded([&] {
    BURST_REQUIRE(global != nullptr && local != nullptr, "burst_shard_stats: NULL tensor");
    burst::shard_stats(global, local, batch, heads, seq, layout_in(layout), rank, world);
  });
}

burst_status burst_unshard_stats(const float* local, float* global, int64_t batch, int64_t heads, int64_t seq,
                                 int layout, int rank, int world) {
  return guarded([&] {
    BURST_REQUIRE(global != nullptr && local != nullptr, "burst_unshard_stats: NULL tensor");
    burst::unshard_stats(local, global, batch, heads, seq, layout_in(layout), rank, world);
  });
}

burst_status burst_global_position(int layout, int rank, int world, int64_t seq, int64_t local_row,
                                   int64_t* position) {
  return guarded([&] {
    BURST_REQUIRE(position != nullptr, "burst_global_position: position is NULL");
    *position = burst::global_position(layout_in(layout), rank, world, seq, local_row);
  });
}

}  // extern "C"
