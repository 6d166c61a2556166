// The `nccl` communicator (CUDA builds with NCCL): one rank per GPU, device buffers moved with
// ncclSend/ncclRecv. Host collectives (barrier, allreduce, broadcast, gather) and the exchange of
// NCCL's unique id go through a host communicator: `mpi` when processes were launched by
// mpirun/srun (the id travels by MPI broadcast), `local` for threads of one process. Or, from a
// unique id the caller made and distributed itself (its job's launcher, torch.distributed's store),
// without a host communicator: the host collectives then run over NCCL too, staged through a small
// device buffer on the transfer stream, and wait with the communicator's deadline.
//
// How transfers run: isend/irecv only queue. The first test()/wait() of any pending request (or
// flush()) issues every queued operation inside one ncclGroupStart/ncclGroupEnd on the
// communicator's high-priority stream and records one event for the batch, so a ring step's send
// and receive never deadlock each other. A request completes when its batch's event has.
//
// Never hang (docs/architecture.md 6): waits poll the batch event and ncclCommGetAsyncError; an asynchronous
// NCCL error throws burst::Error at once; a missed deadline makes Communicator::wait() call abort(),
// which calls ncclCommAbort (so the peers' NCCL kernels stop too) and the host communicator's abort.
//
// Sharp edges:
//  - NCCL has no tags: messages between one pair of ranks match in posting order, whatever the tag
//    (tags are still range-checked). Post sends and receives in the same order on both sides.
//  - Buffers are device pointers on this rank's device, alive and untouched until completion.
//  - With set_compute_stream(), a batch waits for the work enqueued on that stream before it runs.
//  - NCCL refuses two ranks on one GPU: use the `peer` communicator for that (docs/cuda.md).
//  - ncclCommInitRank blocks until every rank has joined; a rank that never starts is caught before
//    that, by the deadline of the host communicator's broadcast of the unique id.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "burst/communicator.hpp"

namespace burst::comm {

struct NcclBatch;
struct NcclState;

class NcclCommunicator final : public Communicator {
 public:
  // Collective over `host`: every rank calls it with its own device. Rank 0 makes the unique id and
  // broadcasts it through `host`; then ncclCommInitRank.
  NcclCommunicator(std::unique_ptr<Communicator> host, int device);
  // Collective over the `size` ranks that pass the same `unique_id` (an ncclUniqueId, `id_bytes` ==
  // nccl_unique_id_bytes()), each its own `rank` and device; ncclCommInitRank, no host.
  NcclCommunicator(const void* unique_id, std::size_t id_bytes, int rank, int size, int device);
  ~NcclCommunicator() override;
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  int rank() const override;
  int size() const override;
  std::string_view backend() const override { return "nccl"; }
  int device() const;
  void* stream() const;  // cudaStream_t of the transfers
  void set_compute_stream(void* stream);

  std::unique_ptr<Request> isend(const void* buf, std::size_t bytes, int peer, int tag) override;
  std::unique_ptr<Request> irecv(void* buf, std::size_t bytes, int peer, int tag) override;
  // Issues every queued transfer as one NCCL group (tests and waits do it themselves).
  void flush();

  void barrier() override;
  void allreduce_max(double* values, int count) override;
  void allreduce_sum(double* values, int count) override;
  void broadcast(void* buf, std::size_t bytes, int root) override;
  std::vector<std::string> gather(std::string_view mine, int root) override;
  void abort(std::string_view reason) override;

 private:
  std::shared_ptr<NcclState> state_;
};

// "2.28.9": the NCCL library's version (works without a GPU).
std::string nccl_version();
// NCCL_UNIQUE_ID_BYTES: the size of an ncclUniqueId.
std::size_t nccl_unique_id_bytes();

}  // namespace burst::comm
