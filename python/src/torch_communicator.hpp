// burst::Communicator over a torch.distributed process group (c10d::ProcessGroup): the ranks of a
// PyTorch job, one process each, talk through the job's own group (gloo on CPU tensors), so the
// binding adds no transport of its own. Raw buffers travel as uint8 tensors made with from_blob.
//
// Completion: torch 1.13's gloo send/recv Work becomes complete only inside Work::wait()
// (isCompleted() stays false until someone waits), and a wait with a timeout that expires signals
// an error on the whole gloo context. So each request is observed by a thread of its own that calls
// wait() without a timeout; test() and wait_until() read what it saw, and the deadline is ours.
//
// Threads: libburst posts isend/irecv from a rank's transfer thread while collectives come from
// the caller's thread. ProcessGroupGloo hands out collective tags from an unguarded counter and
// is meant to be called "in the same order across processes", so every call into the group is
// posted under one mutex; waits happen outside it.
//
// Sharp edges:
//  - Point-to-point tags are libburst's 0..32767 plus tag_base, so a job's own send/recv on the
//    same group with small tags cannot be matched with the ring's messages.
//  - abort() cannot stop the other processes (c10d has no abort in torch 1.13): it aborts this
//    rank's outstanding transfers and makes every later call throw; the other ranks time out on
//    their own deadline. A job should end after a burst::Timeout.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <vector>

#include "burst/communicator.hpp"

namespace burst::python {

struct Completion;  // one posted Work and what its observer saw

class TorchCommunicator final : public Communicator {
 public:
  static constexpr int tag_base = 0x42550000;  // "BU" in the high half; gloo takes any uint32 tag

  explicit TorchCommunicator(c10::intrusive_ptr<c10d::ProcessGroup> group);
  ~TorchCommunicator() override;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string_view backend() const override { return "torch"; }
  const std::string& group_backend() const { return group_backend_; }  // "gloo", "mpi", ...

  std::unique_ptr<Request> isend(const void* buf, std::size_t bytes, int peer, int tag) override;
  std::unique_ptr<Request> irecv(void* buf, std::size_t bytes, int peer, int tag) override;

  void barrier() override;
  void allreduce_max(double* values, int count) override;
  void allreduce_sum(double* values, int count) override;
  void broadcast(void* buf, std::size_t bytes, int root) override;
  std::vector<std::string> gather(std::string_view mine, int root) override;

  void abort(std::string_view reason) override;

 private:
  template <typename Post>
  std::shared_ptr<Completion> post(Post&& post_work, int peer, std::size_t bytes, std::string what);
  // Waits for a collective until the deadline; throws burst::Timeout (after abort()) or burst::Error.
  void finish(const std::shared_ptr<Completion>& c);
  void check_peer(int peer, int tag, const char* call) const;
  void allreduce(double* values, int count, bool max);

  c10::intrusive_ptr<c10d::ProcessGroup> group_;
  int rank_;
  int size_;
  std::string group_backend_;
  std::mutex post_mutex_;  // every call into group_ (see "Threads" above)
  std::mutex state_mutex_;
  std::string aborted_;  // the reason, once aborted
  std::vector<std::weak_ptr<Completion>> outstanding_;
};

}  // namespace burst::python
