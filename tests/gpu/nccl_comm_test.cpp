// The `nccl` communicator. The one GPU of the GPU machine allows a world of one rank only (NCCL
// refuses two ranks on a device), so GpuNccl checks a send to itself through a full NCCL group;
// wider worlds run under mpirun on a multi-GPU machine. The host-only tests read NCCL's version and
// the refusals of a communicator made from a unique id.
#include <gtest/gtest.h>
#include <nccl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "comm/local_communicator.hpp"
#include "comm/nccl_communicator.hpp"
#include "gpu_fixture.hpp"

namespace burst::test {
namespace {

TEST(NcclComm, VersionIsReadableWithoutGpu) {
  const std::string v = comm::nccl_version();
  EXPECT_EQ(v.rfind("2.", 0), 0u) << v;
}

TEST(GpuNccl, SendToSelfInOneGroup) {
  BURST_SKIP_WITHOUT_GPU();
  auto hosts = comm::make_local_world(1, std::chrono::seconds(20));
  comm::NcclCommunicator nccl(std::move(hosts[0]), 0);
  EXPECT_EQ(nccl.rank(), 0);
  EXPECT_EQ(nccl.size(), 1);
  EXPECT_EQ(nccl.backend(), "nccl");
  constexpr std::size_t count = 1 << 18;
  std::vector<std::uint32_t> data(count);
  for (std::size_t i = 0; i < count; ++i) data[i] = static_cast<std::uint32_t>(i * 2654435761u);
  DeviceBuffer src = DeviceBuffer::from(data), dst(count * 4);
  auto rq = nccl.irecv(dst.get(), count * 4, 0, 1);
  auto sq = nccl.isend(src.get(), count * 4, 0, 1);
  nccl.wait(*rq, "nccl self step");
  nccl.wait(*sq, "nccl self step");
  EXPECT_EQ(dst.to_host<std::uint32_t>(count), data);
  EXPECT_THROW(nccl.isend(src.get(), 4, 1, 0), Error);  // no rank 1
}

// From a caller's unique id: the arguments are checked before any device is touched.
TEST(NcclComm, UniqueIdArgumentsRefusedWithoutGpu) {
  std::vector<char> id(comm::nccl_unique_id_bytes(), 0);
  EXPECT_EQ(comm::nccl_unique_id_bytes(), 128u);
  auto message_of = [&](std::size_t bytes, int rank, int size, int device) {
    try {
      comm::NcclCommunicator c(id.data(), bytes, rank, size, device);
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message_of(127, 0, 1, 0).find("id_bytes 127 is not NCCL_UNIQUE_ID_BYTES (128)"),
            std::string::npos);
  EXPECT_NE(message_of(128, 2, 2, 0).find("rank 2 is outside 0..1"), std::string::npos);
  EXPECT_NE(message_of(128, 0, 0, 0).find("size 0 must be >= 1"), std::string::npos);
  EXPECT_NE(message_of(128, 0, 1, -1).find("device -1"), std::string::npos);
  EXPECT_THROW(comm::NcclCommunicator(nullptr, 128, 0, 1, 0), InvalidArgument);
}

// No host communicator: barrier, allreduce, broadcast and gather run over NCCL itself (world 1 on
// the one GPU), and transfers work as with a host.
TEST(GpuNccl, FromUniqueIdWithoutHost) {
  BURST_SKIP_WITHOUT_GPU();
  ncclUniqueId id{};
  ASSERT_EQ(ncclGetUniqueId(&id), ncclSuccess);
  comm::NcclCommunicator nccl(&id, sizeof(id), 0, 1, 0);
  EXPECT_EQ(nccl.rank(), 0);
  EXPECT_EQ(nccl.size(), 1);
  nccl.barrier();
  std::vector<double> v{1.5, -2.25, 1e300};
  nccl.allreduce_sum(v.data(), 3);
  EXPECT_EQ(v, (std::vector<double>{1.5, -2.25, 1e300}));
  nccl.allreduce_max(v.data(), 3);
  EXPECT_EQ(v, (std::vector<double>{1.5, -2.25, 1e300}));
  std::vector<std::uint8_t> bytes{1, 2, 3, 250};
  nccl.broadcast(bytes.data(), bytes.size(), 0);
  EXPECT_EQ(bytes, (std::vector<std::uint8_t>{1, 2, 3, 250}));
  EXPECT_THROW(nccl.broadcast(bytes.data(), bytes.size(), 1), InvalidArgument);
  const std::vector<std::string> g = nccl.gather("rank zero's text", 0);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0], "rank zero's text");
  EXPECT_EQ(nccl.gather("", 0), std::vector<std::string>{""});
  std::vector<std::uint32_t> data(4096);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint32_t>(i * 2654435761u);
  DeviceBuffer src = DeviceBuffer::from(data), dst(data.size() * 4);
  auto rq = nccl.irecv(dst.get(), data.size() * 4, 0, 1);
  auto sq = nccl.isend(src.get(), data.size() * 4, 0, 1);
  nccl.wait(*rq, "nccl self step");
  nccl.wait(*sq, "nccl self step");
  EXPECT_EQ(dst.to_host<std::uint32_t>(data.size()), data);
}

}  // namespace
}  // namespace burst::test
