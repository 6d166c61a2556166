// The `local` communicator and run_local().
#include "comm/local_communicator.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <thread>

#include "comm/launch.hpp"

namespace burst::comm {
namespace {

class LocalRequest final : public Request {
 public:
  LocalRequest(std::shared_ptr<LocalWorld> world, std::shared_ptr<LocalRecv> recv, int rank, int peer,
               std::size_t bytes)
      : world_(std::move(world)), recv_(std::move(recv)), rank_(rank), peer_(peer), bytes_(bytes) {}
  ~LocalRequest() override {
    if (recv_) world_->cancel(*recv_);
  }
  LocalRequest(const LocalRequest&) = delete;
  LocalRequest& operator=(const LocalRequest&) = delete;

  bool test() override { return world_->test(rank_, recv_.get()); }
  bool wait_until(std::chrono::steady_clock::time_point deadline) override {
    return world_->wait_until(rank_, recv_.get(), deadline);
  }
  int peer() const override { return peer_; }
  std::size_t bytes() const override { return bytes_; }

 private:
  std::shared_ptr<LocalWorld> world_;
  std::shared_ptr<LocalRecv> recv_;  // null: complete (every send, and receives met by a buffer)
  int rank_;
  int peer_;
  std::size_t bytes_;
};

std::string pack(const double* values, int count) {
  return std::string(reinterpret_cast<const char*>(values), static_cast<std::size_t>(count) * sizeof(double));
}

}  // namespace

LocalCommunicator::LocalCommunicator(std::shared_ptr<LocalWorld> world, int rank)
    : world_(std::move(world)), rank_(rank) {
  BURST_CHECK(world_ && rank_ >= 0 && rank_ < world_->size(), "local rank out of range");
}

void LocalCommunicator::check_peer(int peer, int tag, const char* call) const {
  if (peer < 0 || peer >= size() || tag < 0 || tag > 32767) {
    throw Error("rank " + std::to_string(rank_) + ": " + call + ": peer " + std::to_string(peer) + " / tag " +
                    std::to_string(tag) + " out of range (world " + std::to_string(size()) +
                    ", tags 0..32767)",
                __FILE__, __LINE__, call);
  }
}

std::unique_ptr<Request> LocalCommunicator::isend(const void* buf, std::size_t bytes, int peer, int tag) {
  check_peer(peer, tag, "isend");
  world_->send(rank_, peer, tag, buf, bytes);
  return std::make_unique<LocalRequest>(world_, nullptr, rank_, peer, bytes);
}

std::unique_ptr<Request> LocalCommunicator::irecv(void* buf, std::size_t bytes, int peer, int tag) {
  check_peer(peer, tag, "irecv");
  auto recv = world_->post_recv(peer, rank_, tag, buf, bytes);
  return std::make_unique<LocalRequest>(world_, std::move(recv), rank_, peer, bytes);
}

void LocalCommunicator::barrier() {
  world_->exchange(rank_, {}, deadline_, "barrier");
}

std::vector<double> LocalCommunicator::reduced(const double* values, int count, std::string_view what) {
  BURST_CHECK(count >= 0, "negative count");
  auto all = world_->exchange(rank_, pack(values, count), deadline_, what);
  const std::size_t n = static_cast<std::size_t>(count);
  for (std::size_t r = 0; r < all.size(); ++r) {
    if (all[r].size() != n * sizeof(double)) {
      throw Error("rank " + std::to_string(rank_) + ": " + std::string(what) + ": rank " + std::to_string(r) +
                      " passed " + std::to_string(all[r].size() / sizeof(double)) + " values, this rank " +
                      std::to_string(count),
                  __FILE__, __LINE__);
    }
  }
  // Every rank folds the contributions in rank order, so all get bitwise-identical results.
  std::vector<double> result(n);
  std::memcpy(result.data(), all[0].data(), n * sizeof(double));
  for (std::size_t r = 1; r < all.size(); ++r) {
    std::vector<double> v(n);
    std::memcpy(v.data(), all[r].data(), n * sizeof(double));
    for (std::size_t i = 0; i < n; ++i) {
      result[i] = what == "allreduce_max" ? std::max(result[i], v[i]) : result[i] + v[i];
    }
  }
  return result;
}

void LocalCommunicator::allreduce_max(double* values, int count) {
  auto result = reduced(values, count, "allreduce_max");
  std::copy(result.begin(), result.end(), values);
}

void LocalCommunicator::allreduce_sum(double* values, int count) {
  auto result = reduced(values, count, "allreduce_sum");
  std::copy(result.begin(), result.end(), values);
}

void LocalCommunicator::broadcast(void* buf, std::size_t bytes, int root) {
  check_peer(root, 0, "broadcast");
  std::string mine;
  if (rank_ == root) mine.assign(static_cast<const char*>(buf), bytes);
  auto all = world_->exchange(rank_, std::move(mine), deadline_, "broadcast");
  const std::string& data = all[static_cast<std::size_t>(root)];
  if (data.size() != bytes) {
    throw Error("rank " + std::to_string(rank_) + ": broadcast of " + std::to_string(bytes) +
                    " bytes but root " + std::to_string(root) + " sent " + std::to_string(data.size()),
                __FILE__, __LINE__);
  }
  if (rank_ != root && bytes != 0) std::memcpy(buf, data.data(), bytes);
}

std::vector<std::string> LocalCommunicator::gather(std::string_view mine, int root) {
  check_peer(root, 0, "gather");
  auto all = world_->exchange(rank_, std::string(mine), deadline_, "gather");
  if (rank_ != root) return {};
  return all;
}

void LocalCommunicator::abort(std::string_view reason) {
  world_->abort(rank_, reason);
}

std::vector<std::unique_ptr<Communicator>> make_local_world(int size, std::chrono::milliseconds deadline) {
  BURST_REQUIRE(size >= 1, "local world size must be at least 1, got " + std::to_string(size));
  auto world = std::make_shared<LocalWorld>(size);
  std::vector<std::unique_ptr<Communicator>> comms;
  for (int r = 0; r < size; ++r) {
    comms.push_back(std::make_unique<LocalCommunicator>(world, r));
    comms.back()->set_deadline(deadline);
  }
  return comms;
}

void run_local(int world_size, const std::function<void(Communicator&)>& fn,
               std::chrono::milliseconds deadline) {
  auto comms = make_local_world(world_size, deadline);
  LocalWorld& world = static_cast<LocalCommunicator&>(*comms[0]).world();
  const auto n = static_cast<std::size_t>(world_size);
  std::vector<std::exception_ptr> errors(n);
  std::vector<char> secondary(n, 0);  // the error is an Aborted caused by another rank
  std::atomic<int> first_primary{-1};

  auto body = [&](std::size_t r) {
    try {
      fn(*comms[r]);
    } catch (const Aborted&) {
      errors[r] = std::current_exception();
      secondary[r] = 1;
    } catch (const std::exception& e) {
      errors[r] = std::current_exception();
      int none = -1;
      first_primary.compare_exchange_strong(none, static_cast<int>(r));
      world.abort(static_cast<int>(r), "rank " + std::to_string(r) + " failed: " + e.what());
    } catch (...) {
      errors[r] = std::current_exception();
      int none = -1;
      first_primary.compare_exchange_strong(none, static_cast<int>(r));
      world.abort(static_cast<int>(r), "rank " + std::to_string(r) + " failed");
    }
  };

  std::vector<std::thread> threads;
  try {
    for (std::size_t r = 0; r < n; ++r) threads.emplace_back(body, r);
  } catch (...) {
    world.abort(-1, "could not start the rank threads");
    for (auto& t : threads) t.join();
    throw;
  }
  for (auto& t : threads) t.join();

  // The rank that aborted the world holds the original error (a timeout, or the exception that
  // made run_local abort); then the first other primary error; then anything.
  const int culprit = world.aborted_by();
  if (culprit >= 0 && errors[static_cast<std::size_t>(culprit)] &&
      !secondary[static_cast<std::size_t>(culprit)]) {
    std::rethrow_exception(errors[static_cast<std::size_t>(culprit)]);
  }
  if (first_primary >= 0) std::rethrow_exception(errors[static_cast<std::size_t>(first_primary)]);
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace burst::comm
