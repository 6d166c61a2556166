// Shared state of one `local` world: the ranks are threads of this process and every transfer is
// a memcpy between their buffers.
//
// Mailboxes are keyed by (source, destination, tag). Each holds either buffered messages (sent
// before a matching receive was posted) or posted receives (waiting for a send), never both:
//
//   isend:  a receive is posted -> copy straight into it (one memcpy), complete it
//           none is posted      -> buffer a copy (the sender may reuse its buffer at once)
//   irecv:  a message is buffered -> copy it out now, the request is complete at birth
//           none is buffered      -> post the receive; the matching isend fills it
//
// So an isend is always complete when it returns (eager protocol) and only receives wait. Each
// rank has a condition variable; a receive is completed under the world mutex and wakes its
// rank's waiters, abort() wakes everybody.
//
// Collectives use one "exchange" step: every rank deposits a byte string in a slot, the last one
// to arrive bumps a generation counter, and everyone reads all slots. Slots are double-buffered
// by generation parity, which is safe because nobody can start collective g+2 before every rank
// has arrived at g+1 and therefore finished reading g.
//
// Sharp edges:
//  - Sizes must match exactly: a receive of N bytes takes exactly one send of N bytes.
//  - Collectives must be called by one thread per rank, in the same order on every rank.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "burst/error.hpp"

namespace burst::comm {

// Thrown by every call on a world that was aborted (by a timeout, a failing rank or abort()).
// A secondary error: run_local prefers the error that caused the abort.
class Aborted : public Error {
 public:
  using Error::Error;
};

// One posted receive, shared by its Request and (while posted) the world's mailbox.
struct LocalRecv {
  enum class Phase { posted, copying, done };
  void* buf = nullptr;
  std::size_t bytes = 0;
  int src = 0;
  int dst = 0;
  int tag = 0;
  Phase phase = Phase::posted;
  std::string error;  // set when the matching send had another size
};

class LocalWorld {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit LocalWorld(int size);

  int size() const { return size_; }

  // Copies `bytes` out of `buf` (into a posted receive or a buffered message) before returning.
  void send(int src, int dst, int tag, const void* buf, std::size_t bytes);
  // Returns nullptr when a buffered message completed the receive at once.
  std::shared_ptr<LocalRecv> post_recv(int src, int dst, int tag, void* buf, std::size_t bytes);

  // `recv` may be null (already complete). Both throw Aborted once the world is aborted and
  // burst::Error when the matching send had another size.
  bool test(int rank, const LocalRecv* recv);
  bool wait_until(int rank, const LocalRecv* recv, time_point deadline);
  // Withdraws a posted receive (or waits for an in-flight copy into it) so its buffer may die.
  void cancel(LocalRecv& recv) noexcept;

  // Every rank contributes `mine`; returns all contributions in rank order. On timeout the world
  // is aborted and burst::Timeout names the ranks that did not arrive.
  std::vector<std::string> exchange(int rank, std::string mine, std::chrono::milliseconds timeout,
                                    std::string_view what);

  // Marks the world aborted (the first reason wins) and wakes every waiter.
  void abort(int rank, std::string_view reason);
  // The rank whose abort() came first, or -1.
  int aborted_by() const;

 private:
  struct Mailbox {
    std::deque<std::vector<std::byte>> messages;
    std::deque<std::shared_ptr<LocalRecv>> receives;
  };

  std::uint64_t key(int src, int dst, int tag) const;
  void throw_if_aborted(int rank) const;  // mu_ held
  void check_recv(const LocalRecv& recv) const;

  int size_;
  mutable std::mutex mu_;
  std::vector<std::condition_variable> rank_cv_;  // one per rank, waited on with mu_
  std::unordered_map<std::uint64_t, Mailbox> boxes_;

  bool aborted_ = false;
  int aborted_by_ = -1;
  std::string abort_reason_;

  std::uint64_t generation_ = 0;            // completed collectives
  int arrived_ = 0;                         // ranks arrived at collective `generation_`
  std::vector<std::uint64_t> contributed_;  // per rank: 1 + the last generation it joined
  std::vector<std::string> slots_[2];       // contributions, by generation parity
};

}  // namespace burst::comm
