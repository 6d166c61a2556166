#include "python/src/self_communicator.hpp"

#include <cstring>

#include "burst/error.hpp"

namespace burst::python {
namespace {

class DoneRequest final : public Request {
 public:
  explicit DoneRequest(std::size_t bytes) : bytes_(bytes) {}
  bool test() override { return true; }
  bool wait_until(std::chrono::steady_clock::time_point) override { return true; }
  int peer() const override { return 0; }
  std::size_t bytes() const override { return bytes_; }

 private:
  std::size_t bytes_;
};

}  // namespace

void SelfCommunicator::check(int peer, int tag, const char* call) const {
  if (!aborted_.empty())
    throw Error("rank 0: " + std::string(call) + " on an aborted communicator (" + aborted_ + ")", __FILE__,
                __LINE__, call);
  if (peer != 0 || tag < 0 || tag > 32767)
    throw Error("rank 0: " + std::string(call) + ": peer " + std::to_string(peer) + " / tag " +
                    std::to_string(tag) + " out of range (world 1, tags 0..32767)",
                __FILE__, __LINE__, call);
}

std::unique_ptr<Request> SelfCommunicator::isend(const void* buf, std::size_t bytes, int peer, int tag) {
  std::lock_guard lock(mutex_);
  check(peer, tag, "isend");
  const auto* first = static_cast<const std::byte*>(buf);
  sent_[tag].emplace_back(first, first + bytes);
  return std::make_unique<DoneRequest>(bytes);
}

// The matching isend must come first: with one rank there is nobody else who could send later
// while this call waits, so an unmatched receive is a bug of the caller, reported at once.
std::unique_ptr<Request> SelfCommunicator::irecv(void* buf, std::size_t bytes, int peer, int tag) {
  std::lock_guard lock(mutex_);
  check(peer, tag, "irecv");
  auto it = sent_.find(tag);
  if (it == sent_.end() || it->second.empty())
    throw Error("rank 0: irecv of tag " + std::to_string(tag) + " from itself before the matching isend",
                __FILE__, __LINE__, "irecv");
  std::vector<std::byte> message = std::move(it->second.front());
  it->second.pop_front();
  if (message.size() != bytes)
    throw Error("rank 0: irecv of " + std::to_string(bytes) + " bytes matched an isend of " +
                    std::to_string(message.size()) + " (tag " + std::to_string(tag) + ")",
                __FILE__, __LINE__, "irecv");
  if (bytes != 0) std::memcpy(buf, message.data(), bytes);
  return std::make_unique<DoneRequest>(bytes);
}

void SelfCommunicator::broadcast(void*, std::size_t, int root) {
  std::lock_guard lock(mutex_);
  check(root, 0, "broadcast");
}

std::vector<std::string> SelfCommunicator::gather(std::string_view mine, int root) {
  {
    std::lock_guard lock(mutex_);
    check(root, 0, "gather");
  }
  return {std::string(mine)};
}

void SelfCommunicator::abort(std::string_view reason) {
  std::lock_guard lock(mutex_);
  if (aborted_.empty()) aborted_ = reason.empty() ? "aborted" : std::string(reason);
}

}  // namespace burst::python
