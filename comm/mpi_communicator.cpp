// The `mpi` communicator (see mpi_communicator.hpp for its sharp edges).
#include "comm/mpi_communicator.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "burst/error.hpp"

namespace burst::comm {
namespace {

// Largest piece of one MPI message (counts are int).
constexpr std::size_t max_part = std::size_t{1} << 30;

int world_rank_or_minus_one() {
  int initialized = 0;
  int finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  int rank = -1;
  if (initialized && !finalized) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

bool mpi_usable() {
  int initialized = 0;
  int finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized && !finalized;
}

void finalize_mpi() {
  if (mpi_usable()) MPI_Finalize();
}

void ensure_mpi() {
  static std::once_flag once;
  std::call_once(once, [] {
    int initialized = 0;
    int finalized = 0;
    BURST_MPI_CHECK(MPI_Initialized(&initialized));
    BURST_MPI_CHECK(MPI_Finalized(&finalized));
    if (finalized) BURST_THROW(Error, "MPI was already finalised; cannot build the MPI world");
    int provided = MPI_THREAD_SINGLE;
    if (initialized) {
      BURST_MPI_CHECK(MPI_Query_thread(&provided));  // the host application owns MPI
    } else {
      BURST_MPI_CHECK(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided));
      std::atexit(finalize_mpi);
    }
    if (provided < MPI_THREAD_MULTIPLE) {
      BURST_THROW(Error, "MPI grants thread level " + std::to_string(provided) +
                             " but libburst needs MPI_THREAD_MULTIPLE (" +
                             std::to_string(MPI_THREAD_MULTIPLE) + ")");
    }
  });
}

// Polls with a short spin of yields, then sleeps growing to 1 ms.
class Backoff {
 public:
  void pause() {
    if (spins_ < 64) {
      ++spins_;
      std::this_thread::yield();
      return;
    }
    std::this_thread::sleep_for(sleep_);
    sleep_ = std::min(sleep_ * 2, std::chrono::microseconds(1000));
  }

 private:
  int spins_ = 0;
  std::chrono::microseconds sleep_{20};
};

class MpiRequest final : public Request {
 public:
  MpiRequest(bool receive, int peer, std::size_t bytes) : receive_(receive), peer_(peer), bytes_(bytes) {}
  ~MpiRequest() override {
    if (!mpi_usable()) return;
    for (MPI_Request& r : parts_) {
      if (r == MPI_REQUEST_NULL) continue;
      if (receive_) {
        MPI_Cancel(&r);
        MPI_Wait(&r, MPI_STATUS_IGNORE);
      } else {
        MPI_Request_free(&r);
      }
    }
  }
  MpiRequest(const MpiRequest&) = delete;
  MpiRequest& operator=(const MpiRequest&) = delete;

  void add_part(MPI_Request request, int count) {
    parts_.push_back(request);
    counts_.push_back(count);
  }

  bool test() override {
    if (done_) return true;
    int flag = 0;
    std::vector<MPI_Status> statuses(parts_.size());
    const int rc = MPI_Testall(static_cast<int>(parts_.size()), parts_.data(), &flag, statuses.data());
    if (rc == MPI_ERR_IN_STATUS) {
      for (const MPI_Status& s : statuses) {
        if (s.MPI_ERROR != MPI_SUCCESS && s.MPI_ERROR != MPI_ERR_PENDING) {
          mpi_check(s.MPI_ERROR, receive_ ? "MPI_Testall (receive)" : "MPI_Testall (send)", __FILE__,
                    __LINE__);
        }
      }
    }
    mpi_check(rc, "MPI_Testall", __FILE__, __LINE__);
    if (!flag) return false;
    done_ = true;
    if (receive_) {
      for (std::size_t i = 0; i < statuses.size(); ++i) {
        int count = 0;
        mpi_check(MPI_Get_count(&statuses[i], MPI_BYTE, &count), "MPI_Get_count", __FILE__, __LINE__);
        if (count != counts_[i]) {
          throw Error("rank " + std::to_string(world_rank_or_minus_one()) + ": message from rank " +
                          std::to_string(peer_) + " has " + std::to_string(count) + " bytes in part " +
                          std::to_string(i) + ", the receive expects " + std::to_string(counts_[i]),
                      __FILE__, __LINE__, "MPI_Irecv");
        }
      }
    }
    return true;
  }

  bool wait_until(std::chrono::steady_clock::time_point deadline) override {
    Backoff backoff;
    for (;;) {
      if (test()) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      backoff.pause();
    }
  }

  int peer() const override { return peer_; }
  std::size_t bytes() const override { return bytes_; }

 private:
  bool receive_;
  int peer_;
  std::size_t bytes_;
  bool done_ = false;
  std::vector<MPI_Request> parts_;
  std::vector<int> counts_;
};

// Calls post(pointer, count) for each <= 1 GiB piece of a buffer (once for an empty one).
template <typename Post>
void for_each_part(std::size_t bytes, Post&& post) {
  std::size_t offset = 0;
  do {
    const std::size_t n = std::min(max_part, bytes - offset);
    post(offset, static_cast<int>(n));
    offset += n;
  } while (offset < bytes);
}

}  // namespace

void mpi_check(int rc, const char* call, const char* file, int line) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  if (MPI_Error_string(rc, text, &length) != MPI_SUCCESS) std::snprintf(text, sizeof text, "error %d", rc);
  std::string name(call);
  name = name.substr(0, name.find('('));
  throw Error("rank " + std::to_string(world_rank_or_minus_one()) + ": " + name + " failed: " + text, file,
              line, call);
}

MpiCommunicator::MpiCommunicator() : MpiCommunicator(MPI_COMM_WORLD) {}

MpiCommunicator::MpiCommunicator(MPI_Comm parent) {
  ensure_mpi();
  if (parent == MPI_COMM_NULL)
    BURST_THROW(InvalidArgument, "MPI communicator: MPI_COMM_NULL is not a communicator");
  BURST_MPI_CHECK(MPI_Comm_dup(parent, &comm_));
  BURST_MPI_CHECK(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN));
  BURST_MPI_CHECK(MPI_Comm_rank(comm_, &rank_));
  BURST_MPI_CHECK(MPI_Comm_size(comm_, &size_));
}

MpiCommunicator::~MpiCommunicator() {
  if (comm_ != MPI_COMM_NULL && mpi_usable()) MPI_Comm_free(&comm_);
}

void MpiCommunicator::check_peer(int peer, int tag, const char* call) const {
  if (peer < 0 || peer >= size_ || tag < 0 || tag > 32767) {
    throw Error("rank " + std::to_string(rank_) + ": " + call + ": peer " + std::to_string(peer) + " / tag " +
                    std::to_string(tag) + " out of range (world " + std::to_string(size_) +
                    ", tags 0..32767)",
                __FILE__, __LINE__, call);
  }
}

std::unique_ptr<Request> MpiCommunicator::isend(const void* buf, std::size_t bytes, int peer, int tag) {
  check_peer(peer, tag, "isend");
  auto request = std::make_unique<MpiRequest>(false, peer, bytes);
  const auto* base = static_cast<const char*>(buf);
  for_each_part(bytes, [&](std::size_t offset, int count) {
    MPI_Request r = MPI_REQUEST_NULL;
    BURST_MPI_CHECK(MPI_Isend(base + offset, count, MPI_BYTE, peer, tag, comm_, &r));
    request->add_part(r, count);
  });
  return request;
}

std::unique_ptr<Request> MpiCommunicator::irecv(void* buf, std::size_t bytes, int peer, int tag) {
  check_peer(peer, tag, "irecv");
  auto request = std::make_unique<MpiRequest>(true, peer, bytes);
  auto* base = static_cast<char*>(buf);
  for_each_part(bytes, [&](std::size_t offset, int count) {
    MPI_Request r = MPI_REQUEST_NULL;
    BURST_MPI_CHECK(MPI_Irecv(base + offset, count, MPI_BYTE, peer, tag, comm_, &r));
    request->add_part(r, count);
  });
  return request;
}

void MpiCommunicator::finish_collective(MPI_Request& request, std::string_view what) {
  const auto deadline = std::chrono::steady_clock::now() + deadline_;
  Backoff backoff;
  for (;;) {
    int flag = 0;
    BURST_MPI_CHECK(MPI_Test(&request, &flag, MPI_STATUS_IGNORE));
    if (flag) return;
    if (std::chrono::steady_clock::now() >= deadline) {
      abort("rank " + std::to_string(rank_) + ": " + std::string(what) + " did not complete within " +
            std::to_string(deadline_.count()) + " ms (a rank did not join)");
    }
    backoff.pause();
  }
}

void MpiCommunicator::barrier() {
  MPI_Request r = MPI_REQUEST_NULL;
  BURST_MPI_CHECK(MPI_Ibarrier(comm_, &r));
  finish_collective(r, "barrier");
}

void MpiCommunicator::allreduce_max(double* values, int count) {
  MPI_Request r = MPI_REQUEST_NULL;
  BURST_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, MPI_MAX, comm_, &r));
  finish_collective(r, "allreduce_max");
}

void MpiCommunicator::allreduce_sum(double* values, int count) {
  MPI_Request r = MPI_REQUEST_NULL;
  BURST_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, MPI_SUM, comm_, &r));
  finish_collective(r, "allreduce_sum");
}

void MpiCommunicator::broadcast(void* buf, std::size_t bytes, int root) {
  check_peer(root, 0, "broadcast");
  auto* base = static_cast<char*>(buf);
  for_each_part(bytes, [&](std::size_t offset, int count) {
    MPI_Request r = MPI_REQUEST_NULL;
    BURST_MPI_CHECK(MPI_Ibcast(base + offset, count, MPI_BYTE, root, comm_, &r));
    finish_collective(r, "broadcast");
  });
}

std::vector<std::string> MpiCommunicator::gather(std::string_view mine, int root) {
  check_peer(root, 0, "gather");
  BURST_REQUIRE(mine.size() <= static_cast<std::size_t>(INT_MAX),
                "rank " + std::to_string(rank_) + ": gather of more than 2 GiB per rank");
  int my_count = static_cast<int>(mine.size());
  std::vector<int> counts(rank_ == root ? static_cast<std::size_t>(size_) : 0);
  MPI_Request r = MPI_REQUEST_NULL;
  BURST_MPI_CHECK(MPI_Igather(&my_count, 1, MPI_INT, counts.data(), 1, MPI_INT, root, comm_, &r));
  finish_collective(r, "gather (sizes)");

  std::vector<int> displs(counts.size());
  long long total = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (total + counts[i] > INT_MAX) abort("gather: more than 2 GiB in total at the root");
    displs[i] = static_cast<int>(total);
    total += counts[i];
  }
  std::string all(static_cast<std::size_t>(total), '\0');
  BURST_MPI_CHECK(MPI_Igatherv(mine.data(), my_count, MPI_BYTE, all.data(), counts.data(), displs.data(),
                               MPI_BYTE, root, comm_, &r));
  finish_collective(r, "gather");
  if (rank_ != root) return {};
  std::vector<std::string> result;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    result.push_back(all.substr(static_cast<std::size_t>(displs[i]), static_cast<std::size_t>(counts[i])));
  }
  return result;
}

void MpiCommunicator::abort(std::string_view reason) {
  std::fprintf(stderr, "burst: rank %d: aborting: %.*s\n", rank_, static_cast<int>(reason.size()),
               reason.data());
  std::fflush(stderr);
  MPI_Abort(comm_ != MPI_COMM_NULL ? comm_ : MPI_COMM_WORLD, 1);
  std::abort();
}

}  // namespace burst::comm

namespace burst::comm {

bool abort_running_mpi_job(std::string_view line, int exit_code) {
  if (!mpi_usable()) return false;
  int size = 1;
  if (MPI_Comm_size(MPI_COMM_WORLD, &size) != MPI_SUCCESS || size < 2) return false;
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::abort();
}

}  // namespace burst::comm
