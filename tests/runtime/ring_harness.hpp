// Runs BurstAttention forward + backward on global float64-reference inputs and checks every output
// against the float64 reference under the tolerance model of tests/support/reference.hpp. Shared by
// the thread-world tests and the MPI tests.
#pragma once

#include <string>

#include "burst/attention.hpp"
#include "burst/communicator.hpp"

namespace burst::test {

struct RingCase {
  std::int64_t seq = 96, heads = 4, kv_heads = 4, head_dim = 64, batch = 1;
  DType dtype = DType::f32;
  bool causal = false;
  Schedule schedule;
  std::string name() const;
};

struct RingErrors {
  double o = 0, lse = 0, dq = 0, dk = 0, dv = 0;  // max relative error vs float64
  double allowed_o = 0, allowed_lse = 0, allowed_dq = 0, allowed_dk = 0, allowed_dv = 0;
  std::uint64_t bytes_fwd = 0, bytes_bwd = 0;  // measured on this rank
  std::uint64_t expected_fwd = 0, expected_bwd = 0;
};

// Every rank of `comm` calls this with the same case; each checks its own shards.
RingErrors run_ring_case(Communicator& comm, const RingCase& c);

}  // namespace burst::test
