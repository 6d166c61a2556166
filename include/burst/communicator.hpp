// The Communicator: ranks, asynchronous byte transfers with deadlines, and the few host
// collectives the runtime and the tuner need. Backends live in comm/: `local` (ranks are threads
// of one process), `mpi` (one process per rank, OpenMPI) and, in CUDA builds, `nccl`.
//
// Sharp edges:
//  - isend/irecv buffers must stay alive and untouched until the request completes.
//  - Messages between one (source, destination) pair with the same tag arrive in order.
//  - wait() throws burst::Timeout naming this rank, the peer and the `what` text (for instance
//    "forward step 3") once the deadline passes; a communicator that timed out is aborted and
//    every later call on it throws.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace burst {

// The deadline every communicator starts with (docs/comm.md, "Deadlines"), in this order:
//  1. set_default_comm_deadline (burst-tune's --timeout-ms),
//  2. the environment variable BURST_COMM_TIMEOUT_MS (whole milliseconds, >= 1),
//  3. 120 s.
// Throws burst::InvalidArgument naming the variable when it is set but not a positive integer.
std::chrono::milliseconds default_comm_deadline();
// Sets (d > 0) or clears (d == 0) the process-wide override of default_comm_deadline.
void set_default_comm_deadline(std::chrono::milliseconds d);

class Request {
 public:
  virtual ~Request() = default;
  // True once the transfer is complete (never blocks).
  virtual bool test() = 0;
  // Blocks until complete or until `deadline`; returns false on deadline.
  virtual bool wait_until(std::chrono::steady_clock::time_point deadline) = 0;
  virtual int peer() const = 0;
  virtual std::size_t bytes() const = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  // "local", "mpi", "nccl".
  virtual std::string_view backend() const = 0;

  // Asynchronous point-to-point. Tags are 0..32767.
  virtual std::unique_ptr<Request> isend(const void* buf, std::size_t bytes, int peer, int tag) = 0;
  virtual std::unique_ptr<Request> irecv(void* buf, std::size_t bytes, int peer, int tag) = 0;

  // Waits for a request with this communicator's deadline; throws burst::Timeout naming
  // rank, peer and `what` after the deadline and aborts the communicator.
  void wait(Request& request, std::string_view what);
  void wait_all(std::vector<std::unique_ptr<Request>>& requests, std::string_view what);

  // Collectives (every rank must call them, in the same order).
  virtual void barrier() = 0;
  virtual void allreduce_max(double* values, int count) = 0;
  virtual void allreduce_sum(double* values, int count) = 0;
  virtual void broadcast(void* buf, std::size_t bytes, int root) = 0;
  // Gathers variable-sized byte strings to `root`; other ranks get an empty vector.
  virtual std::vector<std::string> gather(std::string_view mine, int root) = 0;

  // Aborts every rank (local: wakes all waiters with an error; mpi: MPI_Abort).
  virtual void abort(std::string_view reason) = 0;

  std::chrono::milliseconds deadline() const { return deadline_; }
  void set_deadline(std::chrono::milliseconds d) { deadline_ = d; }

 protected:
  std::chrono::milliseconds deadline_{default_comm_deadline()};
};

}  // namespace burst
