// BurstAttention under document and sliding-window masks, on every layout (per_document included),
// against the float64 reference of the whole sequence: each rank checks the rows it holds (found by
// the layout's positions with the documents) and the bytes it sent against the formulas (which
// count the ring steps the mask leaves). Shared by the thread tests and the MPI tests.
#pragma once

#include <string>
#include <vector>

#include "burst/attention.hpp"
#include "burst/communicator.hpp"

namespace burst::test {

struct MaskCase {
  std::int64_t seq = 128, heads = 4, kv_heads = 2, head_dim = 32;
  bool causal = true;
  std::vector<std::int64_t> doc_bounds;  // empty: one document
  std::int64_t window_left = -1, window_right = -1;
  Schedule schedule;
  std::string name() const;
  burst::AttentionShape shape() const;
};

struct MaskErrors {
  double o = 0, lse = 0, dq = 0, dk = 0, dv = 0;  // max relative error vs float64
  double allowed = 0;                             // fp32 throughout: one bound for every tensor
  std::uint64_t bytes_fwd = 0, bytes_bwd = 0, expected_fwd = 0, expected_bwd = 0;
  bool finite = true;  // no NaN or infinity in o, dq, dk, dv
};

MaskErrors run_mask_case(Communicator& comm, const MaskCase& c);

// GoogleTest expectations on one rank's errors: finite, within the allowed error, bytes equal to
// the formulas; `where` names the rank and the case in every failure.
void expect_mask_case_ok(const MaskErrors& e, const std::string& where);

// run_mask_case on `world` ranks that are threads of this process, each rank's errors checked;
// `label` is put before the case's name in failures.
void check_mask_case_on_threads(const MaskCase& c, int world, const std::string& label = "");

}  // namespace burst::test
