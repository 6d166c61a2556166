// A world of one rank for burst.attention(group=None) when torch.distributed is not initialised: the
// whole sequence lives in this process, so the ring has no peer. libburst's own single-rank world
// (comm/local_communicator.hpp) is not part of its public API, and the binding uses only that API.
//
// Sharp edges: messages to itself are copied at isend (eager) and matched by tag in send order;
// nothing in the runtime sends at world 1 (it starts no transfer engine), so this path is only for
// completeness of the interface.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "burst/communicator.hpp"

namespace burst::python {

class SelfCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  // "local": one process, ranks as threads of it (here one), so profiles tuned with
  // `burst-tune --world 1` apply (launch "threads", docs/profiles.md).
  std::string_view backend() const override { return "local"; }

  std::unique_ptr<Request> isend(const void* buf, std::size_t bytes, int peer, int tag) override;
  std::unique_ptr<Request> irecv(void* buf, std::size_t bytes, int peer, int tag) override;

  void barrier() override {}
  void allreduce_max(double*, int) override {}
  void allreduce_sum(double*, int) override {}
  void broadcast(void*, std::size_t, int root) override;
  std::vector<std::string> gather(std::string_view mine, int root) override;
  void abort(std::string_view reason) override;

 private:
  void check(int peer, int tag, const char* call) const;

  std::mutex mutex_;
  std::map<int, std::deque<std::vector<std::byte>>> sent_;  // by tag, in send order
  std::string aborted_;                                     // the reason, once aborted
};

}  // namespace burst::python
