// burst::BurstAttention: validates once, then runs the passes of its context-parallel method over the
// communicator: the ring (runtime/forward.cpp, runtime/backward.cpp) or Ulysses, all-gather or hybrid
// (runtime/cp_methods.cpp).
#include <memory>
#include <string>

#include "burst/attention.hpp"
#include "burst/error.hpp"
#include "runtime/cp_methods.hpp"
#include "runtime/passes.hpp"

namespace burst {

namespace {

// The ring runs on the cpu backend, whose buffers live in host memory: a communicator of device
// buffers would be handed host pointers. Refused by name until the CUDA backend drives the ring.
Communicator& host_communicator(Communicator& c) {
  if (c.backend() == "nccl" || c.backend() == "peer") {
    throw InvalidArgument(
        "communicator " + std::string(c.backend()) +
        ": it moves CUDA device buffers, and this libburst's runtime drives the cpu backend, whose "
        "buffers are host memory; use a local, mpi or torch communicator");
  }
  return c;
}

}  // namespace

struct BurstAttention::Impl {
  Communicator& comm;
  std::unique_ptr<runtime::ComputeBackend> backend;
  runtime::OpConfig cfg;
  runtime::Workspace workspace;
  std::unique_ptr<runtime::TransferEngine> engine;  // the ring's, only with more than one rank
  std::unique_ptr<runtime::CpMethods> methods;      // every other method

  Impl(Communicator& c, const AttentionShape& shape, const Schedule& schedule)
      : comm(host_communicator(c)),
        backend(runtime::make_backend(Backend::cpu, 1)),
        cfg(runtime::make_config(c, shape, schedule, *backend)),
        workspace(*backend) {
    if (cfg.schedule.cp_method != CpMethod::ring)
      methods = std::make_unique<runtime::CpMethods>(comm, cfg);
    else if (cfg.world > 1)
      engine = std::make_unique<runtime::TransferEngine>(comm);
  }
};

BurstAttention::BurstAttention(Communicator& comm, const AttentionShape& shape, const Schedule& schedule)
    : impl_(std::make_unique<Impl>(comm, shape, schedule)) {}

BurstAttention::~BurstAttention() = default;

PassStats BurstAttention::forward(const void* q, const void* k, const void* v, void* o, float* lse) {
  if (impl_->methods) return impl_->methods->forward(q, k, v, o, lse);
  return runtime::run_forward(impl_->cfg, impl_->workspace, impl_->engine.get(), q, k, v, o, lse);
}

PassStats BurstAttention::backward(const void* q, const void* k, const void* v, const void* o,
                                   const float* lse, const void* dout, void* dq, void* dk, void* dv) {
  if (impl_->methods) return impl_->methods->backward(q, k, v, o, lse, dout, dq, dk, dv);
  return runtime::run_backward(impl_->cfg, impl_->workspace, impl_->engine.get(), q, k, v, o, lse, dout, dq,
                               dk, dv);
}

const AttentionShape& BurstAttention::shape() const {
  return impl_->cfg.shape;
}
const Schedule& BurstAttention::schedule() const {
  return impl_->cfg.schedule;
}
std::int64_t BurstAttention::local_seq() const {
  return impl_->cfg.n;
}

}  // namespace burst
