// The backend-independent part of Communicator: waits with a deadline that abort on timeout.
#include "burst/communicator.hpp"

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <string>

#include "burst/error.hpp"

namespace burst {
namespace {

std::atomic<std::int64_t> g_deadline_override_ms{0};

// BURST_COMM_TIMEOUT_MS, or nullopt when unset or empty.
std::optional<std::chrono::milliseconds> deadline_from_environment() {
  const char* text = std::getenv("BURST_COMM_TIMEOUT_MS");
  if (text == nullptr || *text == '\0') return std::nullopt;
  const std::string_view s(text);
  std::int64_t ms = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), ms);
  if (ec != std::errc() || end != s.data() + s.size() || ms < 1)
    throw InvalidArgument("BURST_COMM_TIMEOUT_MS=" + std::string(s) +
                          ": expected a whole number of milliseconds >= 1 (the deadline of every "
                          "communication wait)");
  return std::chrono::milliseconds(ms);
}

[[noreturn]] void time_out(Communicator& comm, const Request& request, std::string_view what) {
  std::string message = "rank " + std::to_string(comm.rank()) + ": no answer from rank " +
                        std::to_string(request.peer()) + " within " +
                        std::to_string(comm.deadline().count()) + " ms (" + std::string(what) + ")";
  comm.abort(message);  // local: wakes every rank; mpi: MPI_Abort does not return
  throw Timeout(std::move(message), __FILE__, __LINE__, "Communicator::wait");
}

}  // namespace

std::chrono::milliseconds default_comm_deadline() {
  const std::int64_t override_ms = g_deadline_override_ms.load();
  if (override_ms > 0) return std::chrono::milliseconds(override_ms);
  if (auto env = deadline_from_environment()) return *env;
  return std::chrono::seconds(120);
}

void set_default_comm_deadline(std::chrono::milliseconds d) {
  g_deadline_override_ms.store(d.count() > 0 ? d.count() : 0);
}

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
