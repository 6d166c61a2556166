// A rank's communication worker: transfers are posted and progressed on a thread of their own, so
// compute and data movement really overlap (on the local backend the copy itself runs there; on MPI
// the worker keeps testing requests so the library progresses).
//
// Sharp edges: a buffer handed to send()/recv() must stay alive and untouched until wait() on its
// handle returns. After a timeout the communicator is aborted; the engine refuses further work.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "burst/communicator.hpp"

namespace burst::runtime {

struct Transfer;
using TransferHandle = std::shared_ptr<Transfer>;

class TransferEngine {
 public:
  explicit TransferEngine(Communicator& comm);
  ~TransferEngine();
  TransferEngine(const TransferEngine&) = delete;
  TransferEngine& operator=(const TransferEngine&) = delete;

  TransferHandle send(const void* buf, std::size_t bytes, int peer, int tag);
  TransferHandle recv(void* buf, std::size_t bytes, int peer, int tag);

  // Blocks until the transfer is complete; throws burst::Timeout naming this rank, the peer and
  // `what` after the communicator's deadline (and aborts the communicator first).
  void wait(const TransferHandle& handle, const std::string& what);
  // Waits for every handle and clears the list.
  void wait_all(std::vector<TransferHandle>& handles, const std::string& what);

  Communicator& comm() { return comm_; }

 private:
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
