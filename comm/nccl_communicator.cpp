// The `nccl` communicator (see nccl_communicator.hpp).
#include "comm/nccl_communicator.hpp"

#include <cuda_runtime_api.h>
#include <nccl.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
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
  // Without a host: the device buffer the host collectives stage their bytes in.
  void* scratch = nullptr;
  std::size_t scratch_bytes = 0;

  void* scratch_of(std::size_t bytes) {
    if (bytes > scratch_bytes) {
      if (scratch) BURST_CUDA_CHECK(cudaFree(scratch));
      scratch = nullptr, scratch_bytes = 0;
      BURST_CUDA_CHECK(cudaMalloc(&scratch, bytes));
      scratch_bytes = bytes;
    }
    return scratch;
  }

  void abort_comm() {
    std::lock_guard<std::mutex> lock(mutex);
    if (!aborted && comm) {
      aborted = true;
      ncclCommAbort(comm);  // stops this rank's NCCL kernels; peers see an async error
    }
  }

  // The transfer stream waits for the work queued on the compute stream so far.
  void wait_for_compute() const {
    cudaEvent_t ready = nullptr;
    BURST_CUDA_CHECK(cudaEventCreateWithFlags(&ready, cudaEventDisableTiming));
    BURST_CUDA_CHECK(cudaEventRecord(ready, compute));
    BURST_CUDA_CHECK(cudaStreamWaitEvent(stream, ready, 0));
    BURST_CUDA_CHECK(cudaEventDestroy(ready));  // safe: destruction waits for nothing, the wait is enqueued
  }

  // Every queued send and receive inside one NCCL group, on the transfer stream (caller holds mutex).
  void issue_queued() const {
    BURST_NCCL(ncclGroupStart(), rank);
    for (const NcclOp& op : queued) {
      if (op.send)
        BURST_NCCL(ncclSend(op.sbuf, op.bytes, ncclUint8, op.peer, comm, stream), rank);
      else
        BURST_NCCL(ncclRecv(op.rbuf, op.bytes, ncclUint8, op.peer, comm, stream), rank);
    }
    BURST_NCCL(ncclGroupEnd(), rank);
  }

  void flush() {
    std::lock_guard<std::mutex> lock(mutex);
    if (queued.empty()) return;
    BURST_CHECK(!aborted, "nccl communicator used after abort");
    BURST_CUDA_CHECK(cudaSetDevice(device));
    auto batch = std::make_shared<NcclBatch>();
    BURST_CUDA_CHECK(cudaEventCreateWithFlags(&batch->done, cudaEventDisableTiming));
    if (compute) wait_for_compute();
    issue_queued();
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

  // Waits for everything on the transfer stream; past the deadline, aborts and throws Timeout.
  void wait_stream(const char* what, std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      const cudaError_t err = cudaStreamQuery(stream);
      if (err == cudaSuccess) return;
      if (err != cudaErrorNotReady) BURST_CUDA_CHECK(err);
      check_async();
      if (std::chrono::steady_clock::now() >= until) {
        abort_comm();
        throw Timeout("nccl rank " + std::to_string(rank) + ": " + what + " did not complete within " +
                          std::to_string(deadline.count()) + " ms",
                      __FILE__, __LINE__);
      }
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
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

// ncclCommInitRank with `id` (collective), then the transfer stream at the greatest priority.
void init_rank(NcclState& s, const ncclUniqueId& id) {
  BURST_NCCL(ncclCommInitRank(&s.comm, s.size, id, s.rank), s.rank);
  int least = 0, greatest = 0;
  BURST_CUDA_CHECK(cudaDeviceGetStreamPriorityRange(&least, &greatest));
  BURST_CUDA_CHECK(cudaStreamCreateWithPriority(&s.stream, cudaStreamNonBlocking, greatest));
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
  init_rank(s, id);
}

NcclCommunicator::NcclCommunicator(const void* unique_id, std::size_t id_bytes, int rank, int size,
                                   int device)
    : state_(std::make_shared<NcclState>()) {
  BURST_REQUIRE(unique_id != nullptr, "nccl communicator: unique id is NULL");
  BURST_REQUIRE(id_bytes == sizeof(ncclUniqueId), "nccl communicator: id_bytes " + std::to_string(id_bytes) +
                                                      " is not NCCL_UNIQUE_ID_BYTES (" +
                                                      std::to_string(sizeof(ncclUniqueId)) + ")");
  BURST_REQUIRE(size >= 1, "nccl communicator: size " + std::to_string(size) + " must be >= 1");
  BURST_REQUIRE(rank >= 0 && rank < size, "nccl communicator: rank " + std::to_string(rank) +
                                              " is outside 0.." + std::to_string(size - 1));
  BURST_REQUIRE(device >= 0,
                "nccl communicator: device " + std::to_string(device) + " is not a CUDA device (>= 0)");
  NcclState& s = *state_;
  s.device = device, s.rank = rank, s.size = size;
  BURST_CUDA_CHECK(cudaSetDevice(device));
  ncclUniqueId id{};
  std::memcpy(&id, unique_id, sizeof(id));
  init_rank(s, id);
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
  if (s.scratch) cudaFree(s.scratch);
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

namespace {

// Host collectives without a host communicator: the bytes go through the scratch buffer, after
// every transfer already queued (flush), on the transfer stream.
void device_allreduce(NcclState& s, double* values, int count, ncclRedOp_t op,
                      std::chrono::milliseconds deadline) {
  if (count <= 0) return;
  s.flush();
  const std::size_t bytes = static_cast<std::size_t>(count) * sizeof(double);
  void* d = s.scratch_of(bytes);
  BURST_CUDA_CHECK(cudaMemcpyAsync(d, values, bytes, cudaMemcpyHostToDevice, s.stream));
  BURST_NCCL(ncclAllReduce(d, d, static_cast<std::size_t>(count), ncclDouble, op, s.comm, s.stream), s.rank);
  BURST_CUDA_CHECK(cudaMemcpyAsync(values, d, bytes, cudaMemcpyDeviceToHost, s.stream));
  s.wait_stream("allreduce", deadline);
}

void device_broadcast(NcclState& s, void* buf, std::size_t bytes, int root,
                      std::chrono::milliseconds deadline) {
  BURST_REQUIRE(root >= 0 && root < s.size, "nccl broadcast: root " + std::to_string(root) +
                                                " is outside 0.." + std::to_string(s.size - 1));
  if (bytes == 0) return;
  s.flush();
  void* d = s.scratch_of(bytes);
  if (s.rank == root) BURST_CUDA_CHECK(cudaMemcpyAsync(d, buf, bytes, cudaMemcpyHostToDevice, s.stream));
  BURST_NCCL(ncclBroadcast(d, d, bytes, ncclUint8, root, s.comm, s.stream), s.rank);
  BURST_CUDA_CHECK(cudaMemcpyAsync(buf, d, bytes, cudaMemcpyDeviceToHost, s.stream));
  s.wait_stream("broadcast", deadline);
}

// Two all-gathers: every rank's length, then every string padded to the longest.
std::vector<std::string> device_gather(NcclState& s, std::string_view mine, int root,
                                       std::chrono::milliseconds deadline) {
  BURST_REQUIRE(root >= 0 && root < s.size,
                "nccl gather: root " + std::to_string(root) + " is outside 0.." + std::to_string(s.size - 1));
  s.flush();
  const auto world = static_cast<std::size_t>(s.size);
  std::vector<std::uint64_t> lengths(world, 0);
  lengths[static_cast<std::size_t>(s.rank)] = mine.size();
  auto* d = static_cast<std::uint64_t*>(s.scratch_of((world + 1) * sizeof(std::uint64_t)));
  BURST_CUDA_CHECK(cudaMemcpyAsync(d, &lengths[static_cast<std::size_t>(s.rank)], sizeof(std::uint64_t),
                                   cudaMemcpyHostToDevice, s.stream));
  BURST_NCCL(ncclAllGather(d, d + 1, 1, ncclUint64, s.comm, s.stream), s.rank);
  BURST_CUDA_CHECK(cudaMemcpyAsync(lengths.data(), d + 1, world * sizeof(std::uint64_t),
                                   cudaMemcpyDeviceToHost, s.stream));
  s.wait_stream("gather (lengths)", deadline);
  std::size_t longest = 0;
  for (const std::uint64_t n : lengths) longest = std::max<std::size_t>(longest, n);
  std::vector<char> all(world * longest, '\0');
  if (longest > 0) {
    auto* p = static_cast<char*>(s.scratch_of((world + 1) * longest));
    std::vector<char> padded(longest, '\0');
    std::memcpy(padded.data(), mine.data(), mine.size());
    BURST_CUDA_CHECK(cudaMemcpyAsync(p, padded.data(), longest, cudaMemcpyHostToDevice, s.stream));
    BURST_NCCL(ncclAllGather(p, p + longest, longest, ncclUint8, s.comm, s.stream), s.rank);
    BURST_CUDA_CHECK(cudaMemcpyAsync(all.data(), p + longest, all.size(), cudaMemcpyDeviceToHost, s.stream));
    s.wait_stream("gather", deadline);
  }
  std::vector<std::string> out;
  if (s.rank != root) return out;
  for (std::size_t r = 0; r < world; ++r) out.emplace_back(all.data() + r * longest, lengths[r]);
  return out;
}

}  // namespace

void NcclCommunicator::barrier() {
  if (state_->host) return state_->host->barrier();
  double token = 0.0;
  device_allreduce(*state_, &token, 1, ncclSum, deadline_);
}
void NcclCommunicator::allreduce_max(double* values, int count) {
  if (state_->host) return state_->host->allreduce_max(values, count);
  device_allreduce(*state_, values, count, ncclMax, deadline_);
}
void NcclCommunicator::allreduce_sum(double* values, int count) {
  if (state_->host) return state_->host->allreduce_sum(values, count);
  device_allreduce(*state_, values, count, ncclSum, deadline_);
}
void NcclCommunicator::broadcast(void* buf, std::size_t bytes, int root) {
  if (state_->host) return state_->host->broadcast(buf, bytes, root);
  device_broadcast(*state_, buf, bytes, root, deadline_);
}
std::vector<std::string> NcclCommunicator::gather(std::string_view mine, int root) {
  if (state_->host) return state_->host->gather(mine, root);
  return device_gather(*state_, mine, root, deadline_);
}

void NcclCommunicator::abort(std::string_view reason) {
  state_->abort_comm();
  if (state_->host) state_->host->abort(reason);
}

std::string nccl_version() {
  int v = 0;
  if (ncclGetVersion(&v) != ncclSuccess) return "unknown";
  // NCCL >= 2.9 encodes major * 10000 + minor * 100 + patch.
  return std::to_string(v / 10000) + "." + std::to_string(v % 10000 / 100) + "." + std::to_string(v % 100);
}

static_assert(sizeof(ncclUniqueId) == NCCL_UNIQUE_ID_BYTES, "ncclUniqueId is NCCL_UNIQUE_ID_BYTES bytes");

std::size_t nccl_unique_id_bytes() {
  return sizeof(ncclUniqueId);
}

}  // namespace burst::comm
