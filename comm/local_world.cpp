// The shared state of a `local` world (see local_world.hpp for the protocol).
#include "comm/local_world.hpp"

#include <algorithm>
#include <cstring>

namespace burst::comm {
namespace {

// Messages up to this size are copied into the mailbox under the world mutex; larger ones are
// copied outside it (and the match is retried) so one big send does not stall every rank.
constexpr std::size_t copy_under_lock_limit = 64 * 1024;

std::string size_mismatch(int src, int dst, int tag, std::size_t sent, std::size_t posted) {
  return "rank " + std::to_string(dst) + ": message from rank " + std::to_string(src) + " tag " +
         std::to_string(tag) + " has " + std::to_string(sent) + " bytes but the receive expects " +
         std::to_string(posted);
}

}  // namespace

LocalWorld::LocalWorld(int size)
    : size_(size), rank_cv_(static_cast<std::size_t>(size)), contributed_(static_cast<std::size_t>(size), 0) {
  slots_[0].resize(static_cast<std::size_t>(size));
  slots_[1].resize(static_cast<std::size_t>(size));
}

std::uint64_t LocalWorld::key(int src, int dst, int tag) const {
  const auto pair =
      static_cast<std::uint64_t>(src) * static_cast<std::uint64_t>(size_) + static_cast<std::uint64_t>(dst);
  return (pair << 16) | static_cast<std::uint64_t>(tag);
}

void LocalWorld::throw_if_aborted(int rank) const {
  if (aborted_) {
    throw Aborted("rank " + std::to_string(rank) + ": aborted: " + abort_reason_, __FILE__, __LINE__);
  }
}

void LocalWorld::check_recv(const LocalRecv& recv) const {
  if (!recv.error.empty()) throw Error(recv.error, __FILE__, __LINE__);
}

void LocalWorld::send(int src, int dst, int tag, const void* buf, std::size_t bytes) {
  const auto* first = static_cast<const std::byte*>(buf);
  std::vector<std::byte> copy;
  bool have_copy = false;
  for (;;) {
    std::unique_lock lock(mu_);
    throw_if_aborted(src);
    Mailbox& box = boxes_[key(src, dst, tag)];
    if (!box.receives.empty()) {
      std::shared_ptr<LocalRecv> recv = std::move(box.receives.front());
      box.receives.pop_front();
      if (recv->bytes != bytes) {
        recv->error = size_mismatch(src, dst, tag, bytes, recv->bytes);
        recv->phase = LocalRecv::Phase::done;
        rank_cv_[static_cast<std::size_t>(dst)].notify_all();
        throw Error("rank " + std::to_string(src) + ": send failed: " + recv->error, __FILE__, __LINE__);
      }
      recv->phase = LocalRecv::Phase::copying;  // nobody else touches recv->buf now
      lock.unlock();
      if (bytes != 0) std::memcpy(recv->buf, buf, bytes);
      lock.lock();
      recv->phase = LocalRecv::Phase::done;
      rank_cv_[static_cast<std::size_t>(dst)].notify_all();
      return;
    }
    if (have_copy || bytes <= copy_under_lock_limit) {
      if (!have_copy) copy.assign(first, first + bytes);
      box.messages.push_back(std::move(copy));
      return;
    }
    lock.unlock();
    copy.assign(first, first + bytes);  // then retry: a receive may have been posted meanwhile
    have_copy = true;
  }
}

std::shared_ptr<LocalRecv> LocalWorld::post_recv(int src, int dst, int tag, void* buf, std::size_t bytes) {
  std::unique_lock lock(mu_);
  throw_if_aborted(dst);
  Mailbox& box = boxes_[key(src, dst, tag)];
  if (!box.messages.empty()) {
    std::vector<std::byte> message = std::move(box.messages.front());
    box.messages.pop_front();
    lock.unlock();
    if (message.size() != bytes) {
      throw Error(size_mismatch(src, dst, tag, message.size(), bytes), __FILE__, __LINE__);
    }
    if (bytes != 0) std::memcpy(buf, message.data(), bytes);
    return nullptr;
  }
  auto recv = std::make_shared<LocalRecv>();
  recv->buf = buf;
  recv->bytes = bytes;
  recv->src = src;
  recv->dst = dst;
  recv->tag = tag;
  box.receives.push_back(recv);
  return recv;
}

bool LocalWorld::test(int rank, const LocalRecv* recv) {
  std::lock_guard lock(mu_);
  throw_if_aborted(rank);
  if (recv == nullptr) return true;
  if (recv->phase != LocalRecv::Phase::done) return false;
  check_recv(*recv);
  return true;
}

bool LocalWorld::wait_until(int rank, const LocalRecv* recv, time_point deadline) {
  std::unique_lock lock(mu_);
  if (recv != nullptr) {
    rank_cv_[static_cast<std::size_t>(recv->dst)].wait_until(
        lock, deadline, [&] { return aborted_ || recv->phase == LocalRecv::Phase::done; });
  }
  throw_if_aborted(rank);
  if (recv == nullptr) return true;
  if (recv->phase != LocalRecv::Phase::done) return false;
  check_recv(*recv);
  return true;
}

void LocalWorld::cancel(LocalRecv& recv) noexcept {
  std::unique_lock lock(mu_);
  if (recv.phase == LocalRecv::Phase::posted) {
    auto it = boxes_.find(key(recv.src, recv.dst, recv.tag));
    if (it != boxes_.end()) {
      auto& receives = it->second.receives;
      auto pos =
          std::find_if(receives.begin(), receives.end(), [&](const auto& r) { return r.get() == &recv; });
      if (pos != receives.end()) receives.erase(pos);
    }
    recv.phase = LocalRecv::Phase::done;
    return;
  }
  // A sender is copying into the buffer outside the lock: let it finish first.
  rank_cv_[static_cast<std::size_t>(recv.dst)].wait(lock,
                                                    [&] { return recv.phase == LocalRecv::Phase::done; });
}

std::vector<std::string> LocalWorld::exchange(int rank, std::string mine, std::chrono::milliseconds timeout,
                                              std::string_view what) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mu_);
  throw_if_aborted(rank);
  const std::uint64_t gen = generation_;
  auto& slots = slots_[gen % 2];
  slots[static_cast<std::size_t>(rank)] = std::move(mine);
  contributed_[static_cast<std::size_t>(rank)] = gen + 1;
  if (++arrived_ == size_) {
    arrived_ = 0;
    ++generation_;
    for (auto& cv : rank_cv_) cv.notify_all();
  } else {
    const bool done = rank_cv_[static_cast<std::size_t>(rank)].wait_until(
        lock, deadline, [&] { return aborted_ || generation_ != gen; });
    throw_if_aborted(rank);
    if (!done) {
      std::string missing;
      for (int r = 0; r < size_; ++r) {
        if (contributed_[static_cast<std::size_t>(r)] != gen + 1) {
          missing += (missing.empty() ? "" : ", ") + std::to_string(r);
        }
      }
      const std::string message = "rank " + std::to_string(rank) + ": no answer from rank(s) " + missing +
                                  " within " + std::to_string(timeout.count()) + " ms (" + std::string(what) +
                                  ")";
      lock.unlock();
      abort(rank, message);
      throw Timeout(message, __FILE__, __LINE__);
    }
  }
  return slots;  // stable until collective gen + 2, which cannot start before we return
}

void LocalWorld::abort(int rank, std::string_view reason) {
  std::lock_guard lock(mu_);
  if (aborted_) return;
  aborted_ = true;
  aborted_by_ = rank;
  abort_reason_ = std::string(reason);
  for (auto& cv : rank_cv_) cv.notify_all();
}

int LocalWorld::aborted_by() const {
  std::lock_guard lock(mu_);
  return aborted_by_;
}

}  // namespace burst::comm
