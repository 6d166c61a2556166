// A view of some ranks of a parent communicator as a communicator of their own: group rank i is the
// parent's rank ranks[i], and the group's tags 0..tag_span-3 are the parent's tag_base + tag. The
// runtime's hybrid context-parallel method runs the ring across groups through one of these
// (runtime/cp_methods.cpp); any code that needs a subgroup can use it over any backend.
//
// Point-to-point calls go straight to the parent. Collectives are built from point-to-point
// messages through group rank 0, on the group's two highest tags (tag_span-2 and tag_span-1), so
// they never meet the parent's own collectives; allreduce sums in group-rank order, so every rank
// gets the same result.
//
// Sharp edges:
//  - The parent must outlive the view, and the caller's rank must be one of `ranks`.
//  - Two views whose (rank pair, tag) can coincide must not be in flight at the same time: give
//    overlapping views disjoint tag ranges.
//  - abort() aborts the parent, so every rank of the parent's world.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "burst/communicator.hpp"

namespace burst::comm {

class SubCommunicator final : public Communicator {
 public:
  // Throws InvalidArgument when `ranks` is empty, repeats a rank, names one outside the parent, lacks
  // the parent's own rank, or the tag range [tag_base, tag_base + tag_span) leaves 0..32767 or
  // holds fewer than 3 tags.
  SubCommunicator(Communicator& parent, std::vector<int> ranks, int tag_base = 0, int tag_span = 32768);

  int rank() const override { return rank_; }
  int size() const override { return static_cast<int>(ranks_.size()); }
  std::string_view backend() const override { return parent_.backend(); }
  // The parent's rank of group rank `r`.
  int parent_rank(int r) const { return ranks_.at(static_cast<std::size_t>(r)); }

  std::unique_ptr<Request> isend(const void* buf, std::size_t bytes, int peer, int tag) override;
  std::unique_ptr<Request> irecv(void* buf, std::size_t bytes, int peer, int tag) override;

  void barrier() override;
  void allreduce_max(double* values, int count) override;
  void allreduce_sum(double* values, int count) override;
  void broadcast(void* buf, std::size_t bytes, int root) override;
  std::vector<std::string> gather(std::string_view mine, int root) override;

  void abort(std::string_view reason) override { parent_.abort(reason); }

 private:
  int parent_tag(int peer, int tag, const char* call) const;
  // Every rank's string, in group-rank order, on every rank.
  std::vector<std::string> all_strings(std::string_view mine, std::string_view what);
  void send_string(std::string_view s, int peer, int tag, std::string_view what);
  std::string recv_string(int peer, int tag, std::string_view what);
  void reduce(double* values, int count, bool max, std::string_view what);

  Communicator& parent_;
  std::vector<int> ranks_;
  int rank_ = 0;
  int tag_base_ = 0, tag_span_ = 32768;
};

}  // namespace burst::comm
