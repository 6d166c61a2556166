#include "runtime/transfer_engine.hpp"

#include <chrono>
#include <exception>

#include "burst/error.hpp"

namespace burst::runtime {

bool Transfer::query() {
  std::lock_guard lock(engine->mutex_);
  return done;
}

void Transfer::host_wait(const std::string& what) {
  engine->wait_for(*this, what);
}

TransferEngine::TransferEngine(Communicator& comm) : comm_(comm) {
  worker_ = std::thread([this] { run(); });
}

TransferEngine::~TransferEngine() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  work_cv_.notify_all();
  worker_.join();
}

TransferHandle TransferEngine::post(std::shared_ptr<Transfer> t) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(t);
  }
  work_cv_.notify_one();
  return t;
}

TransferHandle TransferEngine::send(const void* buf, std::size_t bytes, int peer, int tag, EventPtr ready) {
  auto t = std::make_shared<Transfer>();
  t->engine = this;
  t->ready = std::move(ready);
  t->is_send = true;
  t->send_buf = buf;
  t->bytes = bytes;
  t->peer = peer;
  t->tag = tag;
  return post(std::move(t));
}

TransferHandle TransferEngine::recv(void* buf, std::size_t bytes, int peer, int tag) {
  auto t = std::make_shared<Transfer>();
  t->engine = this;
  t->recv_buf = buf;
  t->bytes = bytes;
  t->peer = peer;
  t->tag = tag;
  return post(std::move(t));
}

void TransferEngine::run() {
  std::vector<TransferHandle> active;
  std::deque<TransferHandle> held;  // sends whose compute event is not complete yet, in order
  std::unique_lock lock(mutex_);
  for (;;) {
    if (active.empty() && held.empty()) work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    for (auto& t : queue_) held.push_back(std::move(t));
    queue_.clear();
    lock.unlock();
    // Post in arrival order (same-pair, same-tag messages stay ordered); a send waits for its event,
    // and everything after it waits too, so the order is kept.
    while (!held.empty() && (!held.front()->ready || held.front()->ready->query())) {
      TransferHandle t = std::move(held.front());
      held.pop_front();
      try {
        t->request = t->is_send ? comm_.isend(t->send_buf, t->bytes, t->peer, t->tag)
                                : comm_.irecv(t->recv_buf, t->bytes, t->peer, t->tag);
      } catch (...) {
        t->error = std::current_exception();
      }
      active.push_back(std::move(t));
    }
    bool progressed = false;
    std::vector<TransferHandle> finished;
    for (auto it = active.begin(); it != active.end();) {
      bool complete = true;
      if (!(*it)->error) {
        try {
          complete = (*it)->request->test();
        } catch (...) {
          (*it)->error = std::current_exception();
        }
      }
      if (complete) {
        finished.push_back(std::move(*it));
        it = active.erase(it);
        progressed = true;
      } else {
        ++it;
      }
    }
    lock.lock();
    for (auto& t : finished) t->done = true;
    if (!finished.empty()) done_cv_.notify_all();
    if (!progressed && (!active.empty() || !held.empty()) && queue_.empty()) {
      // Nothing moved: give the peers a moment without spinning a core.
      work_cv_.wait_for(lock, std::chrono::microseconds(50));
    }
  }
}

void TransferEngine::wait(const TransferHandle& handle, const std::string& what) {
  wait_for(*handle, what);
}

void TransferEngine::wait_for(Transfer& t, const std::string& what) {
  const auto deadline = std::chrono::steady_clock::now() + comm_.deadline();
  std::unique_lock lock(mutex_);
  if (!done_cv_.wait_until(lock, deadline, [&] { return t.done; })) {
    lock.unlock();
    const std::string message = "rank " + std::to_string(comm_.rank()) + ": no answer from rank " +
                                std::to_string(t.peer) + " within " +
                                std::to_string(comm_.deadline().count()) + " ms (" + what + ", " +
                                (t.is_send ? "send" : "receive") + ")";
    comm_.abort(message);
    throw Timeout(message, __FILE__, __LINE__);
  }
  if (t.error) std::rethrow_exception(t.error);
}

void TransferEngine::wait_all(std::vector<TransferHandle>& handles, const std::string& what) {
  for (const auto& h : handles) wait(h, what);
  handles.clear();
}

}  // namespace burst::runtime
