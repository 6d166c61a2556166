// The `local` communicator: ranks are threads of one process sharing a LocalWorld.
//
// Use run_local() (comm/launch.hpp) to run a function on N ranks; make_local_world() hands out
// the N communicators when the caller wants to manage its own threads.
//
// Sharp edges:
//  - Every communicator of a world must be driven by its own thread; a rank blocked in a
//    collective or a wait cannot make progress for another rank.
//  - isend/irecv may be called from several threads of one rank (a comm thread and a compute
//    thread); collectives must not be.
//  - After abort() (or a timeout) every call on every rank of the world throws comm::Aborted.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "burst/communicator.hpp"
#include "comm/local_world.hpp"

namespace burst::comm {

class LocalCommunicator final : public Communicator {
 public:
  LocalCommunicator(std::shared_ptr<LocalWorld> world, int rank);

  int rank() const override { return rank_; }
  int size() const override { return world_->size(); }
  std::string_view backend() const override { return "local"; }

  std::unique_ptr<Request> isend(const void* buf, std::size_t bytes, int peer, int tag) override;
  std::unique_ptr<Request> irecv(void* buf, std::size_t bytes, int peer, int tag) override;

  void barrier() override;
  void allreduce_max(double* values, int count) override;
  void allreduce_sum(double* values, int count) override;
  void broadcast(void* buf, std::size_t bytes, int root) override;
  std::vector<std::string> gather(std::string_view mine, int root) override;

  void abort(std::string_view reason) override;

  LocalWorld& world() { return *world_; }

 private:
  void check_peer(int peer, int tag, const char* call) const;
  std::vector<double> reduced(const double* values, int count, std::string_view what);

  std::shared_ptr<LocalWorld> world_;
  int rank_;
};

// The `size` communicators of one fresh local world, rank r at index r, each with `deadline`.
std::vector<std::unique_ptr<Communicator>> make_local_world(
    int size, std::chrono::milliseconds deadline = default_comm_deadline());

}  // namespace burst::comm
