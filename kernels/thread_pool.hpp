// A process-wide pool of worker threads for the CPU kernels.
//
//   parallel_for(count, max_threads, fn): calls fn(i) once for every i in [0, count), using the
//   calling thread plus at most max_threads - 1 pool workers, and returns when all calls are done.
//
// Safe to call from several threads at once (ranks of the `local` communicator are threads of one
// process): each call is its own job with its own counter; workers take jobs in arrival order and
// the caller always works on its own job, so a call never waits for another call's items.
// Workers are created lazily (no thread creation per call once the pool is big enough) and joined
// at process exit. An exception thrown by fn is rethrown in the caller (the first one; the
// remaining items are skipped). Nested calls from inside fn run inline on the calling thread.
#pragma once

#include <cstdint>
#include <functional>

namespace burst::kernels {

void parallel_for(std::int64_t count, int max_threads, const std::function<void(std::int64_t)>& fn);

// Number of workers the pool holds now (for tests and diagnostics).
int thread_pool_size() noexcept;

}  // namespace burst::kernels
