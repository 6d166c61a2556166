// The backend-independent part of Communicator: waits with a deadline that abort on timeout.
#include "burst/communicator.hpp"

#include <string>

#include "burst/error.hpp"

namespace burst {
namespace {

[[noreturn]] void time_out(Communicator& comm, const Request& request, std::string_view what) {
  std::string message = "rank " + std::to_string(comm.rank()) + ": no answer from rank " +
                        std::to_string(request.peer()) + " within " +
                        std::to_string(comm.deadline().count()) + " ms (" + std::string(what) + ")";
  comm.abort(message);  // local: wakes every rank; mpi: MPI_Abort does not return
  throw Timeout(std::move(message), __FILE__, __LINE__, "Communicator::wait");
}

}  // namespace

void Communicator::wait(Request& request, std::string_view what) {
  const auto deadline = std::chrono::steady_clock::now() + deadline_;
  if (!request.wait_until(deadline)) time_out(*this, request, what);
}

void Communicator::wait_all(std::vector<std::unique_ptr<Request>>& requests, std::string_view what) {
  // One deadline for the whole set: the set is one step of the schedule.
  const auto deadline = std::chrono::steady_clock::now() + deadline_;
  for (auto& request : requests) {
    if (request && !request->wait_until(deadline)) time_out(*this, *request, what);
  }
}

}  // namespace burst
