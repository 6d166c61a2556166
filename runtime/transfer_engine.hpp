// A rank's communication worker: transfers are posted and progressed on a thread of their own, so
// compute and data movement really overlap (on the local backend the copy itself runs there; on MPI
// the worker keeps testing requests so the library progresses).
//
// A transfer is an Event of the backend interface (runtime/backend.hpp): the compute queue waits for
// a receive with ComputeBackend::wait(handle), and a send is posted only once the compute event
// it was given (the point after which its buffer holds the data) is complete.
//
// Sharp edges: a buffer handed to send()/recv() must stay alive and untouched until wait() on its
// handle returns. After a timeout the communicator is aborted; the engine refuses further work.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "burst/communicator.hpp"
#include "runtime/backend.hpp"

namespace burst::runtime {

class TransferEngine;

struct Transfer final : Event {
  TransferEngine* engine = nullptr;
  bool is_send = false;
  const void* send_buf = nullptr;
  void* recv_buf = nullptr;
  std::size_t bytes = 0;
  int peer = 0;
  int tag = 0;
  EventPtr ready;                    // sends: posted once this is complete
  std::unique_ptr<Request> request;  // set by the worker
  bool done = false;                 // guarded by the engine's mutex
  std::exception_ptr error;

  bool query() override;
  void host_wait(const std::string& what) override;
};
using TransferHandle = std::shared_ptr<Transfer>;

class TransferEngine {
 public:
  explicit TransferEngine(Communicator& comm);
  ~TransferEngine();
  TransferEngine(const TransferEngine&) = delete;
  TransferEngine& operator=(const TransferEngine&) = delete;

  // `ready`: the compute event after which `buf` holds what is sent (nullptr: now).
  TransferHandle send(const void* buf, std::size_t bytes, int peer, int tag, EventPtr ready = nullptr);
  TransferHandle recv(void* buf, std::size_t bytes, int peer, int tag);

  // Blocks until the transfer is complete; throws burst::Timeout naming this rank, the peer and
  // `what` after the communicator's deadline (and aborts the communicator first).
  void wait(const TransferHandle& handle, const std::string& what);
  // Waits for every handle and clears the list.
  void wait_all(std::vector<TransferHandle>& handles, const std::string& what);

  Communicator& comm() { return comm_; }

 private:
  friend struct Transfer;
  void wait_for(Transfer& t, const std::string& what);
  void run();
  TransferHandle post(std::shared_ptr<Transfer> t);

  Communicator& comm_;
  std::mutex mutex_;
  std::condition_variable work_cv_;  // wakes the worker
  std::condition_variable done_cv_;  // wakes waiters
  std::deque<TransferHandle> queue_;
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace burst::runtime
