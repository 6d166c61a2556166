// Diagnostics from libburst: one line each, to stderr by default, prefixed "burst: warning: ".
// A training job can redirect them (set_log_sink) or silence them (set_log_level). Header-only so
// that every folder may use it without depending on another.
#pragma once

#include <atomic>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace burst {

enum class LogLevel : int { error = 0, warning = 1, info = 2, debug = 3 };

using LogSink = std::function<void(LogLevel, std::string_view)>;

namespace detail {
struct LogState {
  std::atomic<int> level{static_cast<int>(LogLevel::warning)};
  std::mutex mutex;
  LogSink sink;
};
inline LogState& log_state() {
  static LogState state;
  return state;
}
}  // namespace detail

inline void set_log_level(LogLevel level) {
  detail::log_state().level = static_cast<int>(level);
}
inline LogLevel log_level() {
  return static_cast<LogLevel>(detail::log_state().level.load());
}
inline void set_log_sink(LogSink sink) {
  auto& s = detail::log_state();
  std::lock_guard lock(s.mutex);
  s.sink = std::move(sink);
}
inline bool log_enabled(LogLevel level) {
  return static_cast<int>(level) <= detail::log_state().level.load();
}

inline void log(LogLevel level, std::string_view message) {
  auto& s = detail::log_state();
  if (static_cast<int>(level) > s.level.load()) return;
  std::lock_guard lock(s.mutex);
  if (s.sink) {
    s.sink(level, message);
    return;
  }
  static constexpr const char* prefix[] = {"error", "warning", "info", "debug"};
  std::fprintf(stderr, "burst: %s: %.*s\n", prefix[static_cast<int>(level)], static_cast<int>(message.size()),
               message.data());
}

inline void log_warning(std::string_view message) {
  log(LogLevel::warning, message);
}
inline void log_info(std::string_view message) {
  log(LogLevel::info, message);
}
inline void log_debug(std::string_view message) {
  log(LogLevel::debug, message);
}

}  // namespace burst
