// The `mpi` communicator: one process per rank, a duplicate of MPI_COMM_WORLD.
//
// MPI is initialised once with MPI_THREAD_MULTIPLE (an error when the library grants less) and
// finalised at exit, unless the host application initialised it first (then finalising it is the
// host's job). Only comm/ sources include this header (it needs mpi.h).
//
// Sharp edges:
//  - Messages larger than 1 GiB travel as several MPI messages with the same tag; sender and
//    receiver must use the same byte count (a mismatch is reported as an error, not truncated).
//  - Collectives are non-blocking MPI calls polled against the deadline: a rank that never
//    joins makes the others call abort() (MPI_Abort) instead of hanging.
//  - gather() moves at most 2 GiB in total (MPI_Gatherv counts are int).
//  - abort() prints one line and calls MPI_Abort: it ends every process of the job.
//  - Destroying an incomplete receive cancels it; destroying an incomplete send frees the
//    request and lets the send finish in the background (keep its buffer alive).
#pragma once

// The C API only: OpenMPI's deprecated C++ bindings do not compile warning-free.
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "burst/communicator.hpp"

namespace burst::comm {

// Throws burst::Error naming `call` and MPI_Error_string(rc) when rc != MPI_SUCCESS.
void mpi_check(int rc, const char* call, const char* file, int line);

#define BURST_MPI_CHECK(call) ::burst::comm::mpi_check((call), #call, __FILE__, __LINE__)

class MpiCommunicator final : public Communicator {
 public:
  // Initialises MPI on first use and duplicates MPI_COMM_WORLD.
  MpiCommunicator();
  // Duplicates `parent` (a subgroup of the caller's, say); the caller keeps and frees its own. MPI
  // must grant MPI_THREAD_MULTIPLE (initialised here when the caller has not).
  explicit MpiCommunicator(MPI_Comm parent);
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string_view backend() const override { return "mpi"; }

  std::unique_ptr<Request> isend(const void* buf, std::size_t bytes, int peer, int tag) override;
  std::unique_ptr<Request> irecv(void* buf, std::size_t bytes, int peer, int tag) override;

  void barrier() override;
  void allreduce_max(double* values, int count) override;
  void allreduce_sum(double* values, int count) override;
  void broadcast(void* buf, std::size_t bytes, int root) override;
  std::vector<std::string> gather(std::string_view mine, int root) override;

  [[noreturn]] void abort(std::string_view reason) override;

 private:
  void check_peer(int peer, int tag, const char* call) const;
  // Polls a non-blocking collective until done; aborts the job when the deadline passes.
  void finish_collective(MPI_Request& request, std::string_view what);

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
};

// comm::abort_mpi_job (comm/launch.hpp): MPI_Abort of MPI_COMM_WORLD when MPI is running with more
// than one process; false otherwise.
bool abort_running_mpi_job(std::string_view line, int exit_code);

}  // namespace burst::comm
