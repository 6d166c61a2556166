// The C ABI: status codes and last-error strings instead of exceptions, and a real ring run.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "burst/burst.h"

extern "C" int burst_c_header_check(void);

namespace {

struct Job {
  burst_shape shape{};
  burst_schedule schedule{};
  std::vector<std::uint64_t> bytes = std::vector<std::uint64_t>(4, 0);
  std::vector<int> finite = std::vector<int>(4, 1);  // per rank: ranks are threads writing at once
};

burst_status rank_fn(burst_comm* comm, void* user) {
  auto* job = static_cast<Job*>(user);
  burst_op* op = nullptr;
  burst_status st = burst_op_create(comm, &job->shape, &job->schedule, &op);
  if (st != BURST_OK) return st;
  const std::size_t n = static_cast<std::size_t>(job->shape.seq / burst_comm_size(comm));
  const std::size_t elems = n * static_cast<std::size_t>(job->shape.heads * job->shape.head_dim);
  std::vector<float> q(elems), k(elems), v(elems), o(elems), dout(elems), dq(elems), dk(elems), dv(elems);
  std::vector<float> lse(n * static_cast<std::size_t>(job->shape.heads));
  for (std::size_t i = 0; i < elems; ++i) {
    q[i] = std::sin(0.1f * static_cast<float>(i));
    k[i] = std::cos(0.07f * static_cast<float>(i));
    v[i] = std::sin(0.05f * static_cast<float>(i) + 1.0f);
    dout[i] = 0.5f;
  }
  st = burst_op_forward(op, q.data(), k.data(), v.data(), o.data(), lse.data());
  if (st == BURST_OK) {
    job->bytes[static_cast<std::size_t>(burst_comm_rank(comm))] = burst_op_last_bytes_sent(op);
    st = burst_op_backward(op, q.data(), k.data(), v.data(), o.data(), lse.data(), dout.data(), dq.data(),
                           dk.data(), dv.data());
  }
  bool finite = true;
  for (float x : dq) finite = finite && std::isfinite(x);
  job->finite[static_cast<std::size_t>(burst_comm_rank(comm))] = finite ? 1 : 0;
  burst_op_destroy(op);
  return st;
}

TEST(CApi, RunsARingOnLocalRanks) {
  EXPECT_EQ(burst_c_header_check(), 0);
  Job job;
  job.shape = burst_shape{1, 64, 2, 0, 32, 0, 1, 0.0f};
  burst_schedule_default(&job.schedule);
  job.schedule.layout = 1;  // zigzag
  job.schedule.threads = 1;
  ASSERT_EQ(burst_run_local(4, rank_fn, &job), BURST_OK) << burst_last_error();
  for (std::uint64_t b : job.bytes) EXPECT_EQ(b, 3u * 2 * 16 * 2 * 32 * 4);  // (G-1) 2 B n Hkv d b
  for (int f : job.finite) EXPECT_TRUE(f);
}

TEST(CApi, BadInputIsAStatusAndAMessage) {
  Job job;
  job.shape = burst_shape{1, 66, 2, 0, 32, 0, 0, 0.0f};  // 66 does not divide by 4
  burst_schedule_default(&job.schedule);
  EXPECT_EQ(burst_run_local(4, rank_fn, &job), BURST_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(burst_last_error()).find("divisible by the world size 4"), std::string::npos)
      << burst_last_error();
  job.shape = burst_shape{1, 64, 2, 0, 32, 7, 0, 0.0f};  // no dtype 7
  EXPECT_EQ(burst_run_local(1, rank_fn, &job), BURST_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(burst_last_error()).find("dtype 7"), std::string::npos) << burst_last_error();
  EXPECT_EQ(burst_op_forward(nullptr, nullptr, nullptr, nullptr, nullptr, nullptr),
            BURST_ERROR_INVALID_ARGUMENT);
  EXPECT_STRNE(burst_version(), "");
}

// The C ABI reads the parameter table: it lists every parameter and sets one by name, refusing
// what the table does not allow with the parameter named.
TEST(CApi, SchedulesAreSetByTheParameterTable) {
  ASSERT_EQ(burst_param_count(), 13);
  EXPECT_STREQ(burst_param_name(0), "kernel.tile_q");
  EXPECT_STREQ(burst_param_allowed(0), "16..256, multiple of 16");
  EXPECT_EQ(burst_param_name(13), nullptr);
  burst_schedule s;
  burst_schedule_default(&s);
  ASSERT_EQ(burst_schedule_set(&s, "ring.overlap", "chunk_pipeline"), BURST_OK) << burst_last_error();
  ASSERT_EQ(burst_schedule_set(&s, "ring.chunks", "4"), BURST_OK) << burst_last_error();
  EXPECT_EQ(s.overlap, 2);
  EXPECT_EQ(s.chunks, 4);
  EXPECT_EQ(burst_schedule_set(&s, "kernel.tile_q", "24"), BURST_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(burst_last_error()).find("kernel.tile_q=24"), std::string::npos)
      << burst_last_error();
  EXPECT_EQ(s.tile_q, 64) << "a refused value changed the schedule";
}

}  // namespace
