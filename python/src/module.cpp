// burst._burst: the C++ half of the PyTorch binding (python/burst/ holds the Python half: the
// autograd function, torch.compile registration, shard/unshard). This file turns tensors and
// process groups into what libburst's public API takes; everything else is torch-free
// (attention_cache.cpp, self_communicator.cpp) or c10d-only (torch_communicator.cpp).
//
// Errors: burst::InvalidArgument becomes ValueError, burst::Timeout TimeoutError, other
// burst::Error RuntimeError, each with libburst's one-line message.
#include <ATen/ATen.h>
#include <torch/csrc/utils/pybind.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <vector>

#include "burst/attention.hpp"
#include "burst/config.hpp"
#include "burst/error.hpp"
#include "burst/params.hpp"
#include "burst/profile.hpp"
#include "burst/shard.hpp"
#include "python/src/attention_cache.hpp"
#include "python/src/self_communicator.hpp"
#include "python/src/torch_communicator.hpp"

namespace py = pybind11;

namespace burst::python {
namespace {

// ---- worlds ----

std::shared_ptr<Communicator> self_world() {
  static const auto* world = new std::shared_ptr<Communicator>(std::make_shared<SelfCommunicator>());
  return *world;
}

// One communicator per process group, so every op on a group shares its abort state and the
// group's calls stay serialised (torch_communicator.hpp). Never destroyed at static-destruction
// time, like the op cache; clear_cache() drops them.
struct TorchWorlds {
  std::mutex mutex;
  std::map<const c10d::ProcessGroup*, std::shared_ptr<TorchCommunicator>> by_group;
};
TorchWorlds& torch_worlds() {
  static auto* worlds = new TorchWorlds;
  return *worlds;
}

// Deletes a communicator, and with it perhaps the last reference to its process group, without
// holding the GIL: ~ProcessGroupGloo joins gloo's worker threads, which may need the GIL to free
// tensors that have Python objects (torch's own Python holder of ProcessGroup releases it too).
// The last reference can go from anywhere, e.g. an autograd graph that holds an op.
void delete_without_gil(TorchCommunicator* c) {
  if (Py_IsInitialized() && PyGILState_Check()) {
    py::gil_scoped_release release;
    delete c;
  } else {
    delete c;
  }
}

std::shared_ptr<Communicator> world_of(const py::object& group) {
  if (group.is_none()) return self_world();
  c10::intrusive_ptr<c10d::ProcessGroup> pg;
  try {
    pg = group.cast<c10::intrusive_ptr<c10d::ProcessGroup>>();
  } catch (const py::cast_error&) {
    throw py::type_error("burst: group must be a torch.distributed ProcessGroup or None, got " +
                         std::string(py::str(py::type::of(group).attr("__name__"))));
  }
  TorchWorlds& w = torch_worlds();
  std::lock_guard lock(w.mutex);
  auto& slot = w.by_group[pg.get()];
  if (!slot) slot = std::shared_ptr<TorchCommunicator>(new TorchCommunicator(pg), &delete_without_gil);
  return slot;
}

// ---- tensors ----

std::string sizes_text(at::IntArrayRef sizes) {
  std::string text = "(";
  for (std::size_t i = 0; i < sizes.size(); ++i) text += (i ? ", " : "") + std::to_string(sizes[i]);
  return text + ")";
}
std::string sizes_text(const at::Tensor& t) {
  return sizes_text(t.sizes());
}

DType dtype_of(const at::Tensor& t, const std::string& what) {
  switch (t.scalar_type()) {
    case at::kFloat:
      return DType::f32;
    case at::kHalf:
      return DType::f16;
    case at::kBFloat16:
      return DType::bf16;
    default:
      throw InvalidArgument(what + ": dtype " + std::string(c10::toString(t.scalar_type())) +
                            " is not supported: libburst takes float32, float16 or bfloat16");
  }
}

void require_cpu_4d(const at::Tensor& t, const char* name, const char* dims, const std::string& what) {
  BURST_REQUIRE(t.defined(), what + ": " + name + " is undefined");
  BURST_REQUIRE(t.device().is_cpu(), what + ": " + name + " is on " + t.device().str() +
                                         "; libburst's runtime drives its CPU backend: pass CPU tensors");
  BURST_REQUIRE(t.dim() == 4, what + ": " + name + " must be " + dims + ", got shape " + sizes_text(t));
}

// The global problem of this rank's shards q (B, n, H, d) and k (B, n, Hkv, d). Whether H and Hkv
// fit each other and whether n splits under the layout is libburst's to say (validate()).
AttentionShape shape_of(const at::Tensor& q, const at::Tensor& k, bool causal, double scale, int world_size,
                        const std::string& what) {
  require_cpu_4d(q, "q", "(B, n, H, d)", what);
  require_cpu_4d(k, "k", "(B, n, Hkv, d)", what);
  BURST_REQUIRE(q.scalar_type() == k.scalar_type(),
                what + ": q is " + std::string(c10::toString(q.scalar_type())) + " but k is " +
                    std::string(c10::toString(k.scalar_type())));
  BURST_REQUIRE(q.size(0) == k.size(0), what + ": q has batch " + std::to_string(q.size(0)) + " but k has " +
                                            std::to_string(k.size(0)));
  BURST_REQUIRE(q.size(1) == k.size(1),
                what + ": q has " + std::to_string(q.size(1)) + " local tokens but k has " +
                    std::to_string(k.size(1)) +
                    ": q, k and v are this rank's shards of one sequence (self-attention)");
  BURST_REQUIRE(q.size(3) == k.size(3), what + ": q has head dim " + std::to_string(q.size(3)) +
                                            " but k has " + std::to_string(k.size(3)));
  BURST_REQUIRE(scale >= 0.0,
                what + ": scale " + std::to_string(scale) + " must be > 0 (or None: 1/sqrt(d))");
  AttentionShape s;
  s.batch = q.size(0);
  s.seq = q.size(1) * world_size;
  s.heads = q.size(2);
  s.kv_heads = k.size(2);
  s.head_dim = q.size(3);
  s.dtype = dtype_of(q, what);
  s.causal = causal;
  s.scale = static_cast<float>(scale);
  return s;
}

void require_sizes(const at::Tensor& t, const char* name, at::IntArrayRef expected, at::ScalarType dtype,
                   const std::string& what) {
  BURST_REQUIRE(t.defined() && t.device().is_cpu(), what + ": " + name + " must be a CPU tensor");
  BURST_REQUIRE(t.sizes() == expected,
                what + ": " + name + " has shape " + sizes_text(t) + ", expected " + sizes_text(expected));
  BURST_REQUIRE(t.scalar_type() == dtype, what + ": " + name + " is " +
                                              std::string(c10::toString(t.scalar_type())) + ", expected " +
                                              std::string(c10::toString(dtype)));
}

// Contiguous and 64-byte aligned: libburst takes dense BSHD rows, and its vectorised CPU kernels
// read 16-byte rows, which a contiguous view into the middle of a storage need not allow.
at::Tensor dense(const at::Tensor& t) {
  at::Tensor c = t.contiguous();
  if (reinterpret_cast<std::uintptr_t>(c.data_ptr()) % 64 != 0) c = c.clone();
  return c;
}

at::ScalarType scalar_of(DType t) {
  switch (t) {
    case DType::f32:
      return at::kFloat;
    case DType::f16:
      return at::kHalf;
    case DType::bf16:
      return at::kBFloat16;
  }
  BURST_THROW(Error, "unknown dtype " + std::to_string(static_cast<int>(t)));
}

struct OpSizes {
  std::vector<std::int64_t> q, kv, lse;
  at::ScalarType dtype;
};
OpSizes sizes_of(const CachedAttention& op) {
  const AttentionShape& s = op.shape();
  const std::int64_t n = op.local_seq();
  return {{s.batch, n, s.heads, s.head_dim},
          {s.batch, n, s.kv_heads_or_heads(), s.head_dim},
          {s.batch, s.heads, n},
          scalar_of(s.dtype)};
}

py::tuple forward(CachedAttention& op, const at::Tensor& q_in, const at::Tensor& k_in,
                  const at::Tensor& v_in) {
  const std::string what = "burst.attention";
  const OpSizes z = sizes_of(op);
  require_sizes(q_in, "q", z.q, z.dtype, what);
  require_sizes(k_in, "k", z.kv, z.dtype, what);
  require_sizes(v_in, "v", z.kv, z.dtype, what);
  const at::Tensor q = dense(q_in), k = dense(k_in), v = dense(v_in);
  at::Tensor o = at::empty(z.q, q.options());
  at::Tensor lse = at::empty(z.lse, q.options().dtype(at::kFloat));
  {
    py::gil_scoped_release release;
    op.forward(q.data_ptr(), k.data_ptr(), v.data_ptr(), o.data_ptr(), lse.data_ptr<float>());
  }
  return py::make_tuple(o, lse);
}

py::tuple backward(CachedAttention& op, const at::Tensor& q_in, const at::Tensor& k_in,
                   const at::Tensor& v_in, const at::Tensor& o_in, const at::Tensor& lse_in,
                   const at::Tensor& dout_in) {
  const std::string what = "burst.attention backward";
  const OpSizes z = sizes_of(op);
  require_sizes(q_in, "q", z.q, z.dtype, what);
  require_sizes(k_in, "k", z.kv, z.dtype, what);
  require_sizes(v_in, "v", z.kv, z.dtype, what);
  require_sizes(o_in, "o", z.q, z.dtype, what);
  require_sizes(lse_in, "lse", z.lse, at::kFloat, what);
  require_sizes(dout_in, "grad of o", z.q, z.dtype, what);
  const at::Tensor q = dense(q_in), k = dense(k_in), v = dense(v_in), o = dense(o_in), lse = dense(lse_in),
                   dout = dense(dout_in);
  at::Tensor dq = at::empty(z.q, q.options());
  at::Tensor dk = at::empty(z.kv, q.options());
  at::Tensor dv = at::empty(z.kv, q.options());
  {
    py::gil_scoped_release release;
    op.backward(q.data_ptr(), k.data_ptr(), v.data_ptr(), o.data_ptr(), lse.data_ptr<float>(),
                dout.data_ptr(), dq.data_ptr(), dk.data_ptr(), dv.data_ptr());
  }
  return py::make_tuple(dq, dk, dv);
}

std::shared_ptr<CachedAttention> op_for(const at::Tensor& q, const at::Tensor& k, bool causal,
                                        const std::string& layout, double scale, const py::object& group) {
  const Layout l = parse_layout(layout);
  auto world = world_of(group);
  const AttentionShape shape = shape_of(q, k, causal, scale, world->size(), "burst.attention");
  py::gil_scoped_release release;  // a cache miss selects collectively
  return cached_attention(world, shape, l);
}

std::string explain(const at::Tensor& q, const at::Tensor& k, bool causal, const std::string& layout,
                    double scale, const py::object& group) {
  const Layout l = parse_layout(layout);
  auto world = world_of(group);
  const AttentionShape shape = shape_of(q, k, causal, scale, world->size(), "burst.explain");
  py::gil_scoped_release release;
  return explain_attention(world, shape, l);
}

// The global positions of `rank`'s rows under `layout` (burst::global_position, which also says
// when the sequence does not split).
at::Tensor positions(std::int64_t seq, const std::string& layout, int rank, int world) {
  const Layout l = parse_layout(layout);
  global_position(l, rank, world, seq, 0);  // checks (layout, rank, world, seq) before n is computed
  const std::int64_t n = seq / world;
  at::Tensor out = at::empty({n}, at::TensorOptions().dtype(at::kLong));
  auto* p = out.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) p[i] = global_position(l, rank, world, seq, i);
  return out;
}

// burst::shard_rows on a contiguous (B, N, ...) tensor; the tests compare burst.shard with it.
at::Tensor shard_rows_of(const at::Tensor& x_in, const std::string& layout, int rank, int world) {
  BURST_REQUIRE(x_in.dim() >= 2 && x_in.device().is_cpu(), "shard_rows: x must be a CPU tensor (B, N, ...)");
  const Layout l = parse_layout(layout);
  const at::Tensor x = x_in.contiguous();
  const std::int64_t batch = x.size(0), seq = x.size(1);
  global_position(l, rank, world, seq, 0);
  std::vector<std::int64_t> sizes(x.sizes().begin(), x.sizes().end());
  sizes[1] = seq / world;
  at::Tensor out = at::empty(sizes, x.options());
  const std::int64_t row = seq == 0 || batch == 0 ? 0 : x.numel() / (batch * seq);
  shard_rows(x.data_ptr(), out.data_ptr(), batch, seq, row, x.element_size(), l, rank, world);
  return out;
}

py::dict schedule_dict(const Schedule& s) {
  py::dict d;
  for (const auto& [name, value] : ProfileParams::from_schedule(s).values) d[py::str(name)] = value;
  return d;
}

// The deadline of every wait on the group's transfers and collectives (libburst's default: 120 s).
void set_timeout(double seconds, const py::object& group) {
  BURST_REQUIRE(seconds > 0.0 && seconds < 1e9,
                "burst.set_timeout: " + std::to_string(seconds) + " s is not allowed: expected > 0");
  world_of(group)->set_deadline(std::chrono::milliseconds(std::llround(seconds * 1000.0)));
}

void clear_cache() {
  py::gil_scoped_release release;
  clear_attention_cache();
  std::map<const c10d::ProcessGroup*, std::shared_ptr<TorchCommunicator>> dropped;
  {
    TorchWorlds& w = torch_worlds();
    std::lock_guard lock(w.mutex);
    dropped.swap(w.by_group);
  }
}

}  // namespace
}  // namespace burst::python

PYBIND11_MODULE(_burst, m) {
  using namespace burst::python;
  m.doc() = "libburst's BurstAttention for PyTorch (C++ half of the burst package; see docs/python.md)";
  m.attr("version") = BURST_VERSION;
  m.attr("cache_capacity") = attention_cache_capacity;

  py::register_local_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const burst::Timeout& e) {
      PyErr_SetString(PyExc_TimeoutError, e.what());
    } catch (const burst::InvalidArgument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const burst::Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });

  py::class_<CachedAttention, std::shared_ptr<CachedAttention>>(
      m, "Op", "A cached BurstAttention op (shape, layout, world)")
      .def("forward", &forward, py::arg("q"), py::arg("k"), py::arg("v"), "-> (o, lse)")
      .def("backward", &backward, py::arg("q"), py::arg("k"), py::arg("v"), py::arg("o"), py::arg("lse"),
           py::arg("dout"), "-> (dq, dk, dv)")
      .def_property_readonly("local_seq", &CachedAttention::local_seq)
      .def_property_readonly("global_seq", [](const CachedAttention& op) { return op.shape().seq; })
      .def_property_readonly("world_size", [](const CachedAttention& op) { return op.world().size(); })
      .def_property_readonly("schedule",
                             [](const CachedAttention& op) { return schedule_dict(op.schedule()); });

  m.def("op", &op_for, py::arg("q"), py::arg("k"), py::arg("causal"), py::arg("layout"), py::arg("scale"),
        py::arg("group"), "The cached op for these shards (collective on a cache miss)");
  m.def("explain", &explain, py::arg("q"), py::arg("k"), py::arg("causal"), py::arg("layout"),
        py::arg("scale"), py::arg("group"));
  m.def("positions", &positions, py::arg("seq"), py::arg("layout"), py::arg("rank"), py::arg("world"));
  m.def("shard_rows", &shard_rows_of, py::arg("x"), py::arg("layout"), py::arg("rank"), py::arg("world"));
  m.def("set_timeout", &set_timeout, py::arg("seconds"), py::arg("group"));
  m.def("clear_cache", &clear_cache);
  m.def("cache_size", &attention_cache_size);
}
