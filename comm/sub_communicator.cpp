// comm::SubCommunicator: some ranks of a parent as a communicator of their own.
#include "comm/sub_communicator.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "burst/error.hpp"

namespace burst::comm {
namespace {

std::string text(int v) {
  return std::to_string(v);
}

std::string pack_doubles(const double* values, int count) {
  return std::string(reinterpret_cast<const char*>(values), static_cast<std::size_t>(count) * sizeof(double));
}

}  // namespace

SubCommunicator::SubCommunicator(Communicator& parent, std::vector<int> ranks, int tag_base, int tag_span)
    : parent_(parent), ranks_(std::move(ranks)), tag_base_(tag_base), tag_span_(tag_span) {
  if (ranks_.empty()) throw InvalidArgument("sub-communicator: expected at least one rank");
  if (tag_base < 0 || tag_span < 3 || tag_base > 32768 - tag_span)
    throw InvalidArgument("sub-communicator tags " + text(tag_base) + " + [0, " + text(tag_span) +
                          "): expected at least 3 tags inside 0..32767");
  std::vector<int> sorted = ranks_;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    throw InvalidArgument("sub-communicator: a rank is listed twice");
  if (sorted.front() < 0 || sorted.back() >= parent.size())
    throw InvalidArgument("sub-communicator: rank " +
                          text(sorted.front() < 0 ? sorted.front() : sorted.back()) +
                          " is outside the parent's world of " + text(parent.size()));
  const auto me = std::find(ranks_.begin(), ranks_.end(), parent.rank());
  if (me == ranks_.end())
    throw InvalidArgument("sub-communicator: parent rank " + text(parent.rank()) +
                          " is not one of its ranks");
  rank_ = static_cast<int>(me - ranks_.begin());
  set_deadline(parent.deadline());
}

int SubCommunicator::parent_tag(int peer, int tag, const char* call) const {
  if (peer < 0 || peer >= size() || tag < 0 || tag >= tag_span_)
    throw Error("group rank " + text(rank_) + ": " + call + ": peer " + text(peer) + " / tag " + text(tag) +
                    " out of range (group of " + text(size()) + ", tags 0.." + text(tag_span_ - 1) + ")",
                __FILE__, __LINE__, call);
  return tag_base_ + tag;
}

std::unique_ptr<Request> SubCommunicator::isend(const void* buf, std::size_t bytes, int peer, int tag) {
  const int t = parent_tag(peer, tag, "isend");
  return parent_.isend(buf, bytes, parent_rank(peer), t);
}

std::unique_ptr<Request> SubCommunicator::irecv(void* buf, std::size_t bytes, int peer, int tag) {
  const int t = parent_tag(peer, tag, "irecv");
  return parent_.irecv(buf, bytes, parent_rank(peer), t);
}

// A string travels as its 8-byte length, then (when not empty) its bytes, on one tag: messages of
// one (pair, tag) arrive in order.
void SubCommunicator::send_string(std::string_view s, int peer, int tag, std::string_view what) {
  const std::uint64_t len = s.size();
  std::vector<std::unique_ptr<Request>> requests;
  requests.push_back(isend(&len, sizeof len, peer, tag));
  if (len > 0) requests.push_back(isend(s.data(), s.size(), peer, tag));
  wait_all(requests, what);
}

std::string SubCommunicator::recv_string(int peer, int tag, std::string_view what) {
  std::uint64_t len = 0;
  auto request = irecv(&len, sizeof len, peer, tag);
  wait(*request, what);
  std::string s(len, '\0');
  if (len > 0) {
    request = irecv(s.data(), s.size(), peer, tag);
    wait(*request, what);
  }
  return s;
}

std::vector<std::string> SubCommunicator::all_strings(std::string_view mine, std::string_view what) {
  const int to_root = tag_span_ - 2, from_root = tag_span_ - 1;
  std::vector<std::string> all;
  if (rank_ != 0) {
    send_string(mine, 0, to_root, what);
    const std::string packed = recv_string(0, from_root, what);
    std::size_t at = 0;
    while (at < packed.size()) {
      std::uint64_t len = 0;
      std::memcpy(&len, packed.data() + at, sizeof len);
      at += sizeof len;
      all.push_back(packed.substr(at, len));
      at += len;
    }
    return all;
  }
  all.emplace_back(mine);
  for (int r = 1; r < size(); ++r) all.push_back(recv_string(r, to_root, what));
  std::string packed;
  for (const auto& s : all) {
    const std::uint64_t len = s.size();
    packed.append(reinterpret_cast<const char*>(&len), sizeof len).append(s);
  }
  for (int r = 1; r < size(); ++r) send_string(packed, r, from_root, what);
  return all;
}

void SubCommunicator::barrier() {
  all_strings({}, "sub-communicator barrier");
}

void SubCommunicator::reduce(double* values, int count, bool max, std::string_view what) {
  BURST_CHECK(count >= 0, "negative count");
  const auto all = all_strings(pack_doubles(values, count), what);
  const auto n = static_cast<std::size_t>(count);
  std::vector<double> acc(n), v(n);
  for (std::size_t r = 0; r < all.size(); ++r) {
    BURST_CHECK(all[r].size() == n * sizeof(double), "allreduce: ranks disagree on the value count");
    std::memcpy(v.data(), all[r].data(), n * sizeof(double));
    for (std::size_t i = 0; i < n; ++i)
      acc[i] = r == 0 ? v[i] : (max ? std::max(acc[i], v[i]) : acc[i] + v[i]);
  }
  std::copy(acc.begin(), acc.end(), values);
}

void SubCommunicator::allreduce_max(double* values, int count) {
  reduce(values, count, true, "sub-communicator allreduce_max");
}

void SubCommunicator::allreduce_sum(double* values, int count) {
  reduce(values, count, false, "sub-communicator allreduce_sum");
}

void SubCommunicator::broadcast(void* buf, std::size_t bytes, int root) {
  BURST_CHECK(root >= 0 && root < size(), "broadcast root out of range");
  const int tag = tag_span_ - 1;
  std::vector<std::unique_ptr<Request>> requests;
  if (rank_ == root) {
    for (int r = 0; r < size(); ++r)
      if (r != root) requests.push_back(isend(buf, bytes, r, tag));
  } else {
    requests.push_back(irecv(buf, bytes, root, tag));
  }
  wait_all(requests, "sub-communicator broadcast");
}

std::vector<std::string> SubCommunicator::gather(std::string_view mine, int root) {
  BURST_CHECK(root >= 0 && root < size(), "gather root out of range");
  const int tag = tag_span_ - 2;
  if (rank_ != root) {
    send_string(mine, root, tag, "sub-communicator gather");
    return {};
  }
  std::vector<std::string> all;
  for (int r = 0; r < size(); ++r)
    all.push_back(r == root ? std::string(mine) : recv_string(r, tag, "sub-communicator gather"));
  return all;
}

}  // namespace burst::comm
