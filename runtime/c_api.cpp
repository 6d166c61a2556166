// The C ABI (burst/burst.h): translates to the C++ API and turns exceptions into status codes.
#include <exception>
#include <memory>
#include <string>

#include "burst/attention.hpp"
#include "burst/burst.h"
#include "burst/config.hpp"
#include "burst/error.hpp"
#include "comm/launch.hpp"

struct burst_comm {
  burst::Communicator* comm = nullptr;
  std::unique_ptr<burst::Communicator> owned;
};

struct burst_op {
  std::unique_ptr<burst::BurstAttention> op;
  std::uint64_t last_bytes = 0;
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

}  // extern "C"
