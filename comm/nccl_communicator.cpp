// The `nccl` communicator (see nccl_communicator.hpp).
#include "comm/nccl_communicator.hpp"

#include <cuda_runtime_api.h>
#include <nccl.h>

#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "burst/cuda_check.hpp"
#include "burst/error.hpp"

namespace burst::comm {
namespace {

// A failed NCCL call: burst::Error with file:line, the call, NCCL's error string and the rank.
void nccl_check(ncclResult_t res, const char* call, const char* file, int line, int rank) {
  if (res == ncclSuccess || res == ncclInProgress) return;
  std::string text("NCCL call failed on rank ");
  text.append(std::to_string(rank)).append(": ").append(call).append(": ").append(ncclGetErrorString(res));
  const char* last = ncclGetLastError(nullptr);
  if (last != nullptr && *last != '\0') text.append(" (").append(last).append(")");
  throw Error(text, file, line, call);
}

#define BURST_NCCL(call, rank) nccl_check((call), #call, __FILE__, __LINE__, (rank))

}  // namespace

// One group of transfers issued together, and the event that marks its completion.
struct NcclBatch {
  cudaEvent_t done = nullptr;
  ~NcclBatch() {
    if (done) cudaEventDestroy(done);
  }
};

struct NcclOp {
  bool send = false;
  const void* sbuf = nullptr;
  void* rbuf = nullptr;
  std::size_t bytes = 0;
  int peer = 0;
  std::shared_ptr<std::shared_ptr<NcclBatch>> slot;  // filled when issued
};

struct NcclState {
  std::unique_ptr<Communicator> host;
  int device = 0, rank = 0, size = 0;
  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;
  cudaStream_t compute = nullptr;
  std::mutex mutex;
  std::vector<NcclOp> queued;
  bool aborted = false;

  void flush() {
    std::lock_guard<std::mutex> lock(mutex);
    if (queued.empty()) return;
    BURST_CHECK(!aborted, "nccl communicator used after abort");
    BURST_CUDA_CHECK(cudaSetDevice(device));
    auto batch = std::make_shared<NcclBatch>();
    BURST_CUDA_CHECK(cudaEventCreateWithFlags(&batch->done, cudaEventDisableTiming));
    if (compute) {
      cudaEvent_t ready = nullptr;
      BURST_CUDA_CHECK(cudaEventCreateWithFlags(&ready, cudaEventDisableTiming));
      BURST_CUDA_CHECK(cudaEventRecord(ready, compute));
      BURST_CUDA_CHECK(cudaStreamWaitEvent(stream, ready, 0));
      BURST_CUDA_CHECK(cudaEventDestroy(ready));  // safe: destruction waits for nothing, the wait is enqueued
    }
    BURST_NCCL(ncclGroupStart(), rank);
    for (const NcclOp& op : queued) {
      if (op.send)
        BURST_NCCL(ncclSend(op.sbuf, op.bytes, ncclUint8, op.peer, comm, stream), rank);
      else
        BURST_NCCL(ncclRecv(op.rbuf, op.bytes, ncclUint8, op.peer, comm, stream), rank);
    }
    BURST_NCCL(ncclGroupEnd(), rank);
    BURST_CUDA_CHECK(cudaEventRecord(batch->done, stream));
    for (NcclOp& op : queued) *op.slot = batch;
    queued.clear();
  }

  // Throws on an asynchronous NCCL error (a peer died, a network failure).
  void check_async() {
    ncclResult_t async = ncclSuccess;
    BURST_NCCL(ncclCommGetAsyncError(comm, &async), rank);
    BURST_NCCL(async, rank);
  }
};

namespace {

class NcclRequest final : public Request {
 public:
  NcclRequest(std::shared_ptr<NcclState> state, std::shared_ptr<std::shared_ptr<NcclBatch>> slot, int peer,
              std::size_t bytes)
      : state_(std::move(state)), slot_(std::move(slot)), peer_(peer), bytes_(bytes) {}

  bool test() override {
    std::shared_ptr<NcclBatch> batch = issued_batch();
    if (!batch) {
      state_->flush();
      batch = issued_batch();
    }
    BURST_CHECK(batch != nullptr, "nccl request not issued by flush");
    const cudaError_t err = cudaEventQuery(batch->done);
    if (err == cudaSuccess) return true;
    if (err != cudaErrorNotReady) BURST_CUDA_CHECK(err);
    state_->check_async();
    return false;
  }
  bool wait_until(std::chrono::steady_clock::time_point deadline) override {
    while (!test()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    return true;
  }
  int peer() const override { return peer_; }
  std::size_t bytes() const override { return bytes_; }

 private:
  std::shared_ptr<NcclBatch> issued_batch() const {
    std::lock_guard<std::mutex> lock(state_->mutex);  // flush() fills the slot under this mutex
    return *slot_;
  }

  std::shared_ptr<NcclState> state_;
  std::shared_ptr<std::shared_ptr<NcclBatch>> slot_;
  int peer_;
  std::size_t bytes_;
};

void check_peer(const NcclState& s, int peer, int tag, const char* call) {
  if (peer < 0 || peer >= s.size || tag < 0 || tag > 32767)
    throw Error(std::string("nccl ") + call + ": peer " + std::to_string(peer) + " or tag " +
                    std::to_string(tag) + " out of range (world " + std::to_string(s.size) +
                    ", tags 0..32767)",
                __FILE__, __LINE__);
}

}  // namespace

NcclCommunicator::NcclCommunicator(std::unique_ptr<Communicator> host, int device)
    : state_(std::make_shared<NcclState>()) {
  BURST_CHECK(host != nullptr, "nccl communicator needs a host communicator");
  NcclState& s = *state_;
  s.host = std::move(host);
  s.device = device, s.rank = s.host->rank(), s.size = s.host->size();
  deadline_ = s.host->deadline();
  BURST_CUDA_CHECK(cudaSetDevice(device));
  ncclUniqueId id{};
  if (s.rank == 0) BURST_NCCL(ncclGetUniqueId(&id), s.rank);
  s.host->broadcast(&id, sizeof(id), 0);
  BURST_NCCL(ncclCommInitRank(&s.comm, s.size, id, s.rank), s.rank);
  int least = 0, greatest = 0;
  BURST_CUDA_CHECK(cudaDeviceGetStreamPriorityRange(&least, &greatest));
  BURST_CUDA_CHECK(cudaStreamCreateWithPriority(&s.stream, cudaStreamNonBlocking, greatest));
}

NcclCommunicator::~NcclCommunicator() {
  NcclState& s = *state_;
  cudaSetDevice(s.device);
  if (s.comm) {
    if (s.aborted) {
      // ncclCommAbort already freed it
    } else {
      cudaStreamSynchronize(s.stream);
      ncclCommDestroy(s.comm);
    }
  }
  if (s.stream) cudaStreamDestroy(s.stream);
}

int NcclCommunicator::rank() const {
  return state_->rank;
}
int NcclCommunicator::size() const {
  return state_->size;
}
int NcclCommunicator::device() const {
  return state_->device;
}
void* NcclCommunicator::stream() const {
  return state_->stream;
}
void NcclCommunicator::set_compute_stream(void* stream) {
  state_->compute = static_cast<cudaStream_t>(stream);
}

std::unique_ptr<Request> NcclCommunicator::isend(const void* buf, std::size_t bytes, int peer, int tag) {
  check_peer(*state_, peer, tag, "isend");
  auto slot = std::make_shared<std::shared_ptr<NcclBatch>>();
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->queued.push_back(NcclOp{true, buf, nullptr, bytes, peer, slot});
  }
  return std::make_unique<NcclRequest>(state_, std::move(slot), peer, bytes);
}

std::unique_ptr<Request> NcclCommunicator::irecv(void* buf, std::size_t bytes, int peer, int tag) {
  check_peer(*state_, peer, tag, "irecv");
  auto slot = std::make_shared<std::shared_ptr<NcclBatch>>();
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->queued.push_back(NcclOp{false, nullptr, buf, bytes, peer, slot});
  }
  return std::make_unique<NcclRequest>(state_, std::move(slot), peer, bytes);
}

void NcclCommunicator::flush() {
  state_->flush();
}

void NcclCommunicator::barrier() {
  state_->host->barrier();
}
void NcclCommunicator::allreduce_max(double* values, int count) {
  state_->host->allreduce_max(values, count);
}
void NcclCommunicator::allreduce_sum(double* values, int count) {
  state_->host->allreduce_sum(values, count);
}
void NcclCommunicator::broadcast(void* buf, std::size_t bytes, int root) {
  state_->host->broadcast(buf, bytes, root);
}
std::vector<std::string> NcclCommunicator::gather(std::string_view mine, int root) {
  return state_->host->gather(mine, root);
}

void NcclCommunicator::abort(std::string_view reason) {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (!state_->aborted && state_->comm) {
      state_->aborted = true;
      ncclCommAbort(state_->comm);  // stops this rank's NCCL kernels; peers see an async error
    }
  }
  state_->host->abort(reason);
}

std::string nccl_version() {
  int v = 0;
  if (ncclGetVersion(&v) != ncclSuccess) return "unknown";
  // NCCL >= 2.9 encodes major * 10000 + minor * 100 + patch.
  return std::to_string(v / 10000) + "." + std::to_string(v % 10000 / 100) + "." + std::to_string(v % 100);
}

}  // namespace burst::comm
