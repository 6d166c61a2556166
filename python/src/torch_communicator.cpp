#include "python/src/torch_communicator.hpp"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <exception>
#include <thread>
#include <utility>

#include "burst/error.hpp"
#include "burst/log.hpp"

namespace burst::python {

// One posted Work, watched by its own thread (see the header: gloo's p2p Work cannot be polled).
// The observer gets a raw pointer; the destructor joins it, so the Completion outlives the thread.
struct Completion {
  Completion(c10::intrusive_ptr<c10d::Work> w, int p, std::size_t b, std::string text)
      : work(std::move(w)), peer(p), bytes(b), what(std::move(text)) {
    observer = std::thread([this] { observe(); });
  }
  ~Completion() {
    abort_work();
    observer.join();
  }
  Completion(const Completion&) = delete;
  Completion& operator=(const Completion&) = delete;

  void observe() {
    std::string failure;
    try {
      if (!work->wait()) failure = "aborted";
    } catch (const c10::Error& e) {
      failure = e.what_without_backtrace();
    } catch (const std::exception& e) {
      failure = e.what();
    }
    {
      std::lock_guard lock(mutex);
      done = true;
      error = std::move(failure);
    }
    cv.notify_all();
  }

  // Wakes the observer of a pending Work (gloo send/recv implement Work::abort; a Work that does
  // not leaves the observer to the group's own timeout).
  void abort_work() noexcept {
    {
      std::lock_guard lock(mutex);
      if (done) return;
    }
    try {
      work->abort();
    } catch (...) {  // not every Work type can abort (see above)
    }
  }

  bool is_done() {
    std::lock_guard lock(mutex);
    return done;
  }
  bool wait_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex);
    return cv.wait_until(lock, deadline, [&] { return done; });
  }
  // burst::Error naming the transfer when the observer saw a failure (call once done).
  void throw_if_failed(int rank) {
    std::lock_guard lock(mutex);
    if (done && !error.empty())
      throw Error("rank " + std::to_string(rank) + ": torch.distributed " + what + " failed: " + error,
                  __FILE__, __LINE__, "c10d::Work::wait");
  }

  c10::intrusive_ptr<c10d::Work> work;
  int peer;
  std::size_t bytes;
  std::string what;  // "send to rank 1 (tag 3)"
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;     // guarded by mutex
  std::string error;     // guarded by mutex; empty on success
  std::thread observer;  // last: started once every other member exists
};

namespace {

// A raw buffer as a 1-D uint8 tensor that does not own it.
at::Tensor blob(void* data, std::size_t bytes) {
  return at::from_blob(data, {static_cast<std::int64_t>(bytes)}, at::TensorOptions().dtype(at::kByte));
}

class TorchRequest final : public Request {
 public:
  TorchRequest(std::shared_ptr<Completion> c, int rank) : c_(std::move(c)), rank_(rank) {}
  bool test() override {
    if (!c_->is_done()) return false;
    c_->throw_if_failed(rank_);
    return true;
  }
  bool wait_until(std::chrono::steady_clock::time_point deadline) override {
    if (!c_->wait_until(deadline)) return false;
    c_->throw_if_failed(rank_);
    return true;
  }
  int peer() const override { return c_->peer; }
  std::size_t bytes() const override { return c_->bytes; }

 private:
  std::shared_ptr<Completion> c_;
  int rank_;
};

// A zero-byte transfer: both sides skip the group alike, so the tag order stays matched.
class EmptyRequest final : public Request {
 public:
  explicit EmptyRequest(int peer) : peer_(peer) {}
  bool test() override { return true; }
  bool wait_until(std::chrono::steady_clock::time_point) override { return true; }
  int peer() const override { return peer_; }
  std::size_t bytes() const override { return 0; }

 private:
  int peer_;
};

std::string torch_message(const std::exception& e) {
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
  return e.what();
}

}  // namespace

TorchCommunicator::TorchCommunicator(c10::intrusive_ptr<c10d::ProcessGroup> group)
    : group_(std::move(group)),
      rank_(group_->getRank()),
      size_(group_->getSize()),
      group_backend_(group_->getBackendName()) {
  // libburst's CPU backend hands host buffers to the group; NCCL moves only CUDA tensors.
  BURST_REQUIRE(group_backend_ != "nccl",
                "burst.attention: the process group's backend is nccl, which moves only CUDA tensors; "
                "libburst's CPU backend needs a group that moves CPU tensors: use "
                "torch.distributed.new_group(backend=\"gloo\")");
}

TorchCommunicator::~TorchCommunicator() = default;

void TorchCommunicator::check_peer(int peer, int tag, const char* call) const {
  if (peer < 0 || peer >= size_ || tag < 0 || tag > 32767) {
    throw Error("rank " + std::to_string(rank_) + ": " + call + ": peer " + std::to_string(peer) + " / tag " +
                    std::to_string(tag) + " out of range (world " + std::to_string(size_) +
                    ", tags 0..32767)",
                __FILE__, __LINE__, call);
  }
}

template <typename Post>
std::shared_ptr<Completion> TorchCommunicator::post(Post&& post_work, int peer, std::size_t bytes,
                                                    std::string what) {
  c10::intrusive_ptr<c10d::Work> work;
  {
    std::lock_guard lock(post_mutex_);
    {
      std::lock_guard state(state_mutex_);
      if (!aborted_.empty())
        throw Error("rank " + std::to_string(rank_) + ": torch.distributed " + what +
                        " on an aborted communicator (" + aborted_ + ")",
                    __FILE__, __LINE__);
    }
    try {
      work = post_work();
    } catch (const std::exception& e) {
      throw Error("rank " + std::to_string(rank_) + ": torch.distributed " + what + ": " + torch_message(e),
                  __FILE__, __LINE__, "c10d::ProcessGroup");
    }
  }
  auto c = std::make_shared<Completion>(std::move(work), peer, bytes, std::move(what));
  bool aborted = false;
  {
    std::lock_guard state(state_mutex_);
    std::erase_if(outstanding_, [](const std::weak_ptr<Completion>& w) { return w.expired(); });
    outstanding_.push_back(c);
    aborted = !aborted_.empty();
  }
  if (aborted) c->abort_work();  // abort() ran between posting and registering
  return c;
}

void TorchCommunicator::finish(const std::shared_ptr<Completion>& c) {
  if (!c->wait_until(std::chrono::steady_clock::now() + deadline_)) {
    const std::string message = "rank " + std::to_string(rank_) + ": torch.distributed " + c->what +
                                " did not complete within " + std::to_string(deadline_.count()) + " ms";
    abort(message);
    throw Timeout(message, __FILE__, __LINE__, "c10d::Work::wait");
  }
  c->throw_if_failed(rank_);
}

std::unique_ptr<Request> TorchCommunicator::isend(const void* buf, std::size_t bytes, int peer, int tag) {
  check_peer(peer, tag, "isend");
  if (bytes == 0) return std::make_unique<EmptyRequest>(peer);
  auto c = post(
      [&] {
        // send only reads the tensor; from_blob takes a mutable pointer.
        std::vector<at::Tensor> tensors{blob(const_cast<void*>(buf), bytes)};
        return group_->send(tensors, peer, tag_base + tag);
      },
      peer, bytes, "send to rank " + std::to_string(peer) + " (tag " + std::to_string(tag) + ")");
  return std::make_unique<TorchRequest>(std::move(c), rank_);
}

std::unique_ptr<Request> TorchCommunicator::irecv(void* buf, std::size_t bytes, int peer, int tag) {
  check_peer(peer, tag, "irecv");
  if (bytes == 0) return std::make_unique<EmptyRequest>(peer);
  auto c = post(
      [&] {
        std::vector<at::Tensor> tensors{blob(buf, bytes)};
        return group_->recv(tensors, peer, tag_base + tag);
      },
      peer, bytes, "receive from rank " + std::to_string(peer) + " (tag " + std::to_string(tag) + ")");
  return std::make_unique<TorchRequest>(std::move(c), rank_);
}

void TorchCommunicator::barrier() {
  c10d::BarrierOptions opts;
  opts.timeout = deadline_;
  finish(post([&] { return group_->barrier(opts); }, -1, 0, "barrier"));
}

void TorchCommunicator::allreduce(double* values, int count, bool max) {
  BURST_CHECK(count >= 0, "negative count");
  if (count == 0) return;
  c10d::AllreduceOptions opts;
  opts.reduceOp = max ? c10d::ReduceOp::MAX : c10d::ReduceOp::SUM;
  opts.timeout = deadline_;
  std::vector<at::Tensor> tensors{at::from_blob(values, {count}, at::TensorOptions().dtype(at::kDouble))};
  finish(post([&] { return group_->allreduce(tensors, opts); }, -1,
              static_cast<std::size_t>(count) * sizeof(double), max ? "allreduce_max" : "allreduce_sum"));
}

void TorchCommunicator::allreduce_max(double* values, int count) {
  allreduce(values, count, true);
}

void TorchCommunicator::allreduce_sum(double* values, int count) {
  allreduce(values, count, false);
}

void TorchCommunicator::broadcast(void* buf, std::size_t bytes, int root) {
  check_peer(root, 0, "broadcast");
  if (bytes == 0) return;
  c10d::BroadcastOptions opts;
  opts.rootRank = root;
  opts.timeout = deadline_;
  std::vector<at::Tensor> tensors{blob(buf, bytes)};
  finish(post([&] { return group_->broadcast(tensors, opts); }, root, bytes, "broadcast"));
}

// c10d's gather takes equal-sized tensors: every rank sends one slot of the longest string's size
// plus an 8-byte length header.
std::vector<std::string> TorchCommunicator::gather(std::string_view mine, int root) {
  check_peer(root, 0, "gather");
  double longest = static_cast<double>(mine.size());
  allreduce_max(&longest, 1);
  const std::size_t slot = sizeof(std::uint64_t) + static_cast<std::size_t>(longest);
  std::vector<std::uint8_t> send(slot, 0);
  const std::uint64_t length = mine.size();
  std::memcpy(send.data(), &length, sizeof(length));
  if (!mine.empty()) std::memcpy(send.data() + sizeof(length), mine.data(), mine.size());
  std::vector<std::uint8_t> received(rank_ == root ? slot * static_cast<std::size_t>(size_) : 0);

  std::vector<at::Tensor> inputs{blob(send.data(), slot)};
  std::vector<std::vector<at::Tensor>> outputs;
  if (rank_ == root) {
    outputs.emplace_back();
    for (int r = 0; r < size_; ++r)
      outputs.back().push_back(blob(received.data() + static_cast<std::size_t>(r) * slot, slot));
  }
  c10d::GatherOptions opts;
  opts.rootRank = root;
  opts.timeout = deadline_;
  finish(post([&] { return group_->gather(outputs, inputs, opts); }, root, slot, "gather"));
  if (rank_ != root) return {};

  std::vector<std::string> all;
  for (int r = 0; r < size_; ++r) {
    const std::uint8_t* p = received.data() + static_cast<std::size_t>(r) * slot;
    std::uint64_t n = 0;
    std::memcpy(&n, p, sizeof(n));
    BURST_CHECK(n <= slot - sizeof(n),
                "gather: rank " + std::to_string(r) + " sent a length beyond its slot");
    all.emplace_back(reinterpret_cast<const char*>(p + sizeof(n)), static_cast<std::size_t>(n));
  }
  return all;
}

void TorchCommunicator::abort(std::string_view reason) {
  std::vector<std::shared_ptr<Completion>> live;
  {
    std::lock_guard state(state_mutex_);
    if (!aborted_.empty()) return;
    aborted_ = reason.empty() ? std::string("aborted") : std::string(reason);
    for (const auto& w : outstanding_)
      if (auto c = w.lock()) live.push_back(std::move(c));
  }
  log(LogLevel::error,
      "rank " + std::to_string(rank_) + " aborts its torch.distributed transfers: " + std::string(reason));
  for (const auto& c : live) c->abort_work();
}

}  // namespace burst::python
