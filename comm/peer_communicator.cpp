// The `peer` communicator (see peer_communicator.hpp).
#include "comm/peer_communicator.hpp"

#include <cuda_runtime_api.h>

#include <atomic>
#include <thread>
#include <utility>

#include "burst/cuda_check.hpp"
#include "burst/error.hpp"
#include "comm/local_communicator.hpp"

namespace burst::comm {
namespace {

// Shared by the two sides of one transfer. The receiver creates and records `done` on its device.
struct PeerTransfer {
  const void* src = nullptr;
  int src_device = 0;
  std::size_t bytes = 0;
  cudaEvent_t ready = nullptr;  // recorded on the sender's compute stream, or null
  cudaEvent_t done = nullptr;
  std::atomic<bool> issued{false};
  ~PeerTransfer() {
    if (ready) cudaEventDestroy(ready);
    if (done) cudaEventDestroy(done);
  }
};

// What travels through the local world: a heap-held shared_ptr the receiver takes over.
struct Descriptor {
  std::shared_ptr<PeerTransfer>* transfer = nullptr;
};

bool event_done(cudaEvent_t e) {
  const cudaError_t err = cudaEventQuery(e);
  if (err == cudaErrorNotReady) return false;
  BURST_CUDA_CHECK(err);
  return true;
}

template <typename Test>
bool poll_until(Test&& test, std::chrono::steady_clock::time_point deadline) {
  while (!test()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
  return true;
}

class PeerSendRequest final : public Request {
 public:
  PeerSendRequest(std::shared_ptr<PeerTransfer> t, int peer) : t_(std::move(t)), peer_(peer) {}
  bool test() override { return t_->issued.load(std::memory_order_acquire) && event_done(t_->done); }
  bool wait_until(std::chrono::steady_clock::time_point deadline) override {
    return poll_until([this] { return test(); }, deadline);
  }
  int peer() const override { return peer_; }
  std::size_t bytes() const override { return t_->bytes; }

 private:
  std::shared_ptr<PeerTransfer> t_;
  int peer_;
};

class PeerRecvRequest final : public Request {
 public:
  PeerRecvRequest(void* dst, std::size_t bytes, int device, cudaStream_t stream, int peer)
      : dst_(dst), bytes_(bytes), device_(device), stream_(stream), peer_(peer) {}
  ~PeerRecvRequest() override {
    host_.reset();          // cancels a still-posted descriptor receive first
    delete desc_.transfer;  // a descriptor that arrived but was never issued
  }
  PeerRecvRequest(const PeerRecvRequest&) = delete;
  PeerRecvRequest& operator=(const PeerRecvRequest&) = delete;

  void post(Communicator& host, int tag) { host_ = host.irecv(&desc_, sizeof(desc_), peer_, tag); }

  bool test() override {
    if (!t_) {
      if (!host_->test()) return false;
      issue();
    }
    return event_done(t_->done);
  }
  bool wait_until(std::chrono::steady_clock::time_point deadline) override {
    return poll_until([this] { return test(); }, deadline);
  }
  int peer() const override { return peer_; }
  std::size_t bytes() const override { return bytes_; }

 private:
  void issue() {
    BURST_CHECK(desc_.transfer != nullptr, "peer receive without a transfer descriptor");
    t_ = std::move(*desc_.transfer);
    delete desc_.transfer;
    desc_.transfer = nullptr;
    if (t_->bytes != bytes_)
      throw Error("peer receive of " + std::to_string(bytes_) + " bytes from rank " + std::to_string(peer_) +
                      " met a send of " + std::to_string(t_->bytes) + " bytes",
                  __FILE__, __LINE__);
    BURST_CUDA_CHECK(cudaSetDevice(device_));
    cudaEvent_t done = nullptr;
    BURST_CUDA_CHECK(cudaEventCreateWithFlags(&done, cudaEventDisableTiming));
    t_->done = done;
    if (t_->ready) BURST_CUDA_CHECK(cudaStreamWaitEvent(stream_, t_->ready, 0));
    BURST_CUDA_CHECK(cudaMemcpyPeerAsync(dst_, device_, t_->src, t_->src_device, bytes_, stream_));
    BURST_CUDA_CHECK(cudaEventRecord(done, stream_));
    t_->issued.store(true, std::memory_order_release);
  }

  Descriptor desc_;  // filled by the local world; declared before host_ (destroyed after it)
  std::unique_ptr<Request> host_;
  std::shared_ptr<PeerTransfer> t_;
  void* dst_;
  std::size_t bytes_;
  int device_;
  cudaStream_t stream_;
  int peer_;
};

}  // namespace

PeerCommunicator::PeerCommunicator(std::unique_ptr<Communicator> host, int device)
    : host_(std::move(host)), device_(device) {
  BURST_CHECK(host_ != nullptr, "peer communicator needs a host communicator");
  deadline_ = host_->deadline();
  BURST_CUDA_CHECK(cudaSetDevice(device_));
  int least = 0, greatest = 0;
  BURST_CUDA_CHECK(cudaDeviceGetStreamPriorityRange(&least, &greatest));
  cudaStream_t s = nullptr;
  BURST_CUDA_CHECK(cudaStreamCreateWithPriority(&s, cudaStreamNonBlocking, greatest));
  stream_ = s;
}

PeerCommunicator::~PeerCommunicator() {
  if (stream_) {
    cudaSetDevice(device_);
    cudaStreamSynchronize(static_cast<cudaStream_t>(stream_));
    cudaStreamDestroy(static_cast<cudaStream_t>(stream_));
  }
}

std::unique_ptr<Request> PeerCommunicator::isend(const void* buf, std::size_t bytes, int peer, int tag) {
  auto t = std::make_shared<PeerTransfer>();
  t->src = buf, t->src_device = device_, t->bytes = bytes;
  if (compute_stream_) {
    BURST_CUDA_CHECK(cudaSetDevice(device_));
    cudaEvent_t ready = nullptr;
    BURST_CUDA_CHECK(cudaEventCreateWithFlags(&ready, cudaEventDisableTiming));
    t->ready = ready;
    BURST_CUDA_CHECK(cudaEventRecord(ready, static_cast<cudaStream_t>(compute_stream_)));
  }
  Descriptor desc{new std::shared_ptr<PeerTransfer>(t)};
  try {
    host_->isend(&desc, sizeof(desc), peer, tag);  // eager: complete on return
  } catch (...) {
    delete desc.transfer;
    throw;
  }
  return std::make_unique<PeerSendRequest>(std::move(t), peer);
}

std::unique_ptr<Request> PeerCommunicator::irecv(void* buf, std::size_t bytes, int peer, int tag) {
  auto r = std::make_unique<PeerRecvRequest>(buf, bytes, device_, static_cast<cudaStream_t>(stream_), peer);
  r->post(*host_, tag);
  return r;
}

void PeerCommunicator::barrier() {
  host_->barrier();
}
void PeerCommunicator::allreduce_max(double* values, int count) {
  host_->allreduce_max(values, count);
}
void PeerCommunicator::allreduce_sum(double* values, int count) {
  host_->allreduce_sum(values, count);
}
void PeerCommunicator::broadcast(void* buf, std::size_t bytes, int root) {
  host_->broadcast(buf, bytes, root);
}
std::vector<std::string> PeerCommunicator::gather(std::string_view mine, int root) {
  return host_->gather(mine, root);
}
void PeerCommunicator::abort(std::string_view reason) {
  host_->abort(reason);
}

std::vector<std::unique_ptr<Communicator>> make_peer_world(const std::vector<int>& devices,
                                                           std::chrono::milliseconds deadline) {
  BURST_REQUIRE(!devices.empty(), "a peer world needs at least one rank");
  int count = 0;
  BURST_CUDA_CHECK(cudaGetDeviceCount(&count));
  for (int d : devices)
    BURST_REQUIRE(d >= 0 && d < count, "CUDA device " + std::to_string(d) + " does not exist (" +
                                           std::to_string(count) + " visible)");
  for (int a : devices)
    for (int b : devices) {
      if (a == b) continue;
      int can = 0;
      BURST_CUDA_CHECK(cudaDeviceCanAccessPeer(&can, a, b));
      if (!can) continue;
      BURST_CUDA_CHECK(cudaSetDevice(a));
      const cudaError_t err = cudaDeviceEnablePeerAccess(b, 0);
      if (err == cudaErrorPeerAccessAlreadyEnabled)
        cudaGetLastError();  // clear it: already on is fine
      else
        BURST_CUDA_CHECK(err);
    }
  auto hosts = make_local_world(static_cast<int>(devices.size()), deadline);
  std::vector<std::unique_ptr<Communicator>> world;
  for (std::size_t r = 0; r < devices.size(); ++r) {
    world.push_back(std::make_unique<PeerCommunicator>(std::move(hosts[r]), devices[r]));
    world.back()->set_deadline(deadline);
  }
  return world;
}

}  // namespace burst::comm
