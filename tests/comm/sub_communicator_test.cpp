// comm::SubCommunicator over the `local` communicator: two interleaved groups of a world of 4
// (parent ranks {3, 1} and {0, 2}), both in flight at once, each with its own point-to-point messages
// and collectives; the construction refusals.
#include "comm/sub_communicator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "burst/error.hpp"
#include "comm/launch.hpp"

namespace burst::comm {
namespace {

using namespace std::chrono_literals;

// Group of parent rank r: odd ranks in the order {3, 1}, even ones {0, 2}.
std::vector<int> group_of(int r) {
  return r % 2 == 1 ? std::vector<int>{3, 1} : std::vector<int>{0, 2};
}

TEST(SubCommunicator, MapsRanksAndTagsOntoTheParent) {
  run_local(
      4,
      [](Communicator& world) {
        const std::vector<int> ranks = group_of(world.rank());
        SubCommunicator group(world, ranks, 100, 50);
        ASSERT_EQ(group.size(), 2);
        EXPECT_EQ(group.parent_rank(group.rank()), world.rank());
        EXPECT_EQ(group.backend(), "local");
        // Group rank 0 sends its parent rank to group rank 1 on group tag 7: parent tag 107.
        int got = -1;
        const int mine = world.rank();
        std::vector<std::unique_ptr<Request>> requests;
        if (group.rank() == 0) {
          requests.push_back(group.isend(&mine, sizeof mine, 1, 7));
        } else {
          requests.push_back(world.irecv(&got, sizeof got, ranks[0], 107));
        }
        group.wait_all(requests, "group message");
        if (group.rank() == 1) {
          EXPECT_EQ(got, ranks[0]);
        }
        EXPECT_THROW(group.isend(&mine, sizeof mine, 1, 50), Error) << "tag outside the group's span";
        EXPECT_THROW(group.isend(&mine, sizeof mine, 2, 0), Error) << "peer outside the group";
      },
      10s);
}

TEST(SubCommunicator, CollectivesStayInsideTheGroup) {
  run_local(
      4,
      [](Communicator& world) {
        const std::vector<int> ranks = group_of(world.rank());
        SubCommunicator group(world, ranks);
        double values[2] = {static_cast<double>(world.rank()), 1.0};
        group.allreduce_sum(values, 2);
        EXPECT_EQ(values[0], ranks[0] + ranks[1]);
        EXPECT_EQ(values[1], 2.0);
        double top = world.rank();
        group.allreduce_max(&top, 1);
        EXPECT_EQ(top, std::max(ranks[0], ranks[1]));
        for (int root = 0; root < 2; ++root) {
          int data = group.rank() == root ? 1000 + ranks[static_cast<std::size_t>(root)] : -1;
          group.broadcast(&data, sizeof data, root);
          EXPECT_EQ(data, 1000 + ranks[static_cast<std::size_t>(root)]);
          const auto all = group.gather(std::string(static_cast<std::size_t>(world.rank()), 'x'), root);
          if (group.rank() == root) {
            ASSERT_EQ(all.size(), 2u);
            EXPECT_EQ(all[0].size(), static_cast<std::size_t>(ranks[0]));
            EXPECT_EQ(all[1].size(), static_cast<std::size_t>(ranks[1]));
          } else {
            EXPECT_TRUE(all.empty());
          }
        }
        group.barrier();
        world.barrier();  // the parent's own collectives are untouched
      },
      10s);
}

TEST(SubCommunicator, RefusesGroupsThatDoNotFitTheParent) {
  run_local(
      2,
      [](Communicator& world) {
        EXPECT_THROW(SubCommunicator(world, {}), InvalidArgument);
        EXPECT_THROW(SubCommunicator(world, {0, 1, 1}), InvalidArgument);
        EXPECT_THROW(SubCommunicator(world, {0, 1, 2}), InvalidArgument);
        EXPECT_THROW(SubCommunicator(world, {1 - world.rank()}), InvalidArgument);
        EXPECT_THROW(SubCommunicator(world, {0, 1}, 32767, 2), InvalidArgument);
        EXPECT_NO_THROW(SubCommunicator(world, {1, 0}, 32765, 3));
      },
      10s);
}

}  // namespace
}  // namespace burst::comm
