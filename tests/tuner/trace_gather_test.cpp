// Gather of RankTraces through a two-rank in-process communicator (rank 0 receives both ranks,
// clocks aligned through the realtime offsets). Moved from tests/trace with tuner::gather_events;
// the suite keeps its name.
#include "tuner/trace_gather.hpp"

#include <gtest/gtest.h>

#include <barrier>
#include <thread>

#include "burst/communicator.hpp"
#include "support/sample_trace.hpp"
#include "trace/host_tracer.hpp"

namespace bt = burst::trace;

namespace {

using burst::test::sample_trace;

// Gather-only communicator: rank threads hand their bytes to a shared slot.
struct Shared {
  std::vector<std::string> slots;
  std::barrier<> sync{2};
};
class GatherComm final : public burst::Communicator {
 public:
  GatherComm(Shared& s, int rank) : s_(s), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return 2; }
  std::string_view backend() const override { return "test"; }
  std::unique_ptr<burst::Request> isend(const void*, std::size_t, int, int) override { return nullptr; }
  std::unique_ptr<burst::Request> irecv(void*, std::size_t, int, int) override { return nullptr; }
  void barrier() override { s_.sync.arrive_and_wait(); }
  void allreduce_max(double*, int) override {}
  void allreduce_sum(double*, int) override {}
  void broadcast(void*, std::size_t, int) override {}
  std::vector<std::string> gather(std::string_view mine, int root) override {
    s_.slots[static_cast<std::size_t>(rank_)] = std::string(mine);
    s_.sync.arrive_and_wait();
    return rank_ == root ? s_.slots : std::vector<std::string>{};
  }
  void abort(std::string_view) override {}

 private:
  Shared& s_;
  int rank_;
};

}  // namespace

TEST(TraceSerialise, GatherAlignsClocksOnRoot) {
  Shared shared;
  shared.slots.resize(2);
  std::vector<bt::RankTrace> at_root, at_one;
  auto t0 = sample_trace(0, 5);
  auto t1 = sample_trace(1, 7);  // its realtime offset is 1000 ns larger than rank 0's
  std::thread r1([&] {
    GatherComm c(shared, 1);
    at_one = burst::tuner::gather_events(c, t1);
  });
  GatherComm c0(shared, 0);
  at_root = burst::tuner::gather_events(c0, t0);
  r1.join();
  EXPECT_TRUE(at_one.empty());
  ASSERT_EQ(at_root.size(), 2u);
  ASSERT_EQ(at_root[1].events.size(), 7u);
  EXPECT_EQ(at_root[0].events[2].start_ns, t0.events[2].start_ns);
  EXPECT_EQ(at_root[1].events[2].start_ns, t1.events[2].start_ns + 1000);
  EXPECT_EQ(at_root[1].events[2].end_ns, t1.events[2].end_ns + 1000);
  EXPECT_EQ(at_root[1].hostname, "node1");
}
