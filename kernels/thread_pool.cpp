// The kernels' worker pool (see thread_pool.hpp).
#include "kernels/thread_pool.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace burst::kernels {
namespace {

thread_local bool inside_parallel_for = false;

struct Job {
  const std::function<void(std::int64_t)>* fn = nullptr;
  std::int64_t count = 0;
  std::atomic<std::int64_t> next{0};
  std::atomic<std::int64_t> finished{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;  // written once, by whoever sets `failed` first
  std::mutex mutex;
  std::condition_variable done;

  // Takes items until none are left; returns when this thread can take no more.
  void work() {
    const bool was_inside = inside_parallel_for;
    inside_parallel_for = true;
    for (;;) {
      const std::int64_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= count) break;
      if (!failed.load(std::memory_order_relaxed)) {
        try {
          (*fn)(i);
        } catch (...) {
          bool expected = false;
          if (failed.compare_exchange_strong(expected, true)) error = std::current_exception();
        }
      }
      if (finished.fetch_add(1, std::memory_order_acq_rel) + 1 == count) {
        std::lock_guard lock(mutex);
        done.notify_all();
      }
    }
    inside_parallel_for = was_inside;
  }
};

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }

  // Offers `tickets` helpers to the job, growing the pool to at least that many workers.
  void submit(const std::shared_ptr<Job>& job, int tickets) {
    {
      std::lock_guard lock(mutex_);
      for (int t = 0; t < tickets; ++t) queue_.push_back(job);
      // Enough workers for every waiting ticket (concurrent callers add up), within the cap.
      const auto want = std::min<std::size_t>(queue_.size(), max_workers);
      while (workers_.size() < want) workers_.emplace_back([this] { run(); });
    }
    if (tickets == 1)
      wake_.notify_one();
    else
      wake_.notify_all();
  }

  int size() {
    std::lock_guard lock(mutex_);
    return static_cast<int>(workers_.size());
  }

  static constexpr int max_workers = 256;

 private:
  void run() {
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job->work();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::vector<std::thread> workers_;
  bool stopping_ = false;
};

Pool& pool() {
  static Pool instance;
  return instance;
}

}  // namespace

void parallel_for(std::int64_t count, int max_threads, const std::function<void(std::int64_t)>& fn) {
  if (count <= 0) return;
  const std::int64_t helpers = std::min<std::int64_t>(std::max(max_threads, 1), count) - 1;
  if (helpers <= 0 || inside_parallel_for) {
    for (std::int64_t i = 0; i < count; ++i) fn(i);
    return;
  }
  auto job = std::make_shared<Job>();
  job->fn = &fn;
  job->count = count;
  pool().submit(job, static_cast<int>(std::min<std::int64_t>(helpers, Pool::max_workers)));
  job->work();
  {
    std::unique_lock lock(job->mutex);
    job->done.wait(lock, [&] { return job->finished.load(std::memory_order_acquire) == count; });
  }
  if (job->failed.load()) std::rethrow_exception(job->error);
}

int thread_pool_size() noexcept {
  try {
    return pool().size();
  } catch (...) {
    return 0;
  }
}

}  // namespace burst::kernels
