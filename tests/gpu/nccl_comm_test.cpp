// The `nccl` communicator. The one GPU of the GPU machine allows a world of one rank only (NCCL
// refuses two ranks on a device), so GpuNccl checks a send to itself through a full NCCL group;
// wider worlds run under mpirun on a multi-GPU machine. The host-only test reads NCCL's version.
#include <gtest/gtest.h>

#include <cstdint>
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

}  // namespace
}  // namespace burst::test
