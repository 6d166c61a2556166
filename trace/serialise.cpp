// Byte format of a RankTrace (what a rank sends to rank 0, tuner/trace_gather.cpp), little-endian:
//   magic "BTRC" u32 version(=1) i32 rank u32 os_pid i64 realtime_offset u32 hostname_len bytes
//   u64 event_count, then per event: i64 start i64 end u32 tid i32 rank i32 depth u8 phase
//   i32 peer i32 step u64 bytes i32 chunk
#include <cstring>

#include "burst/error.hpp"
#include "trace/host_tracer.hpp"

namespace burst::trace {
namespace {

constexpr char magic[4] = {'B', 'T', 'R', 'C'};
constexpr std::uint32_t format_version = 1;

template <class T>
void put(std::string& out, T value) {
  char raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof(T));  // hosts we support are little-endian
  out.append(raw, sizeof(T));
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  template <class T>
  T get() {
    need(sizeof(T));
    T value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }
  std::string_view take(std::size_t n) {
    need(n);
    auto s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::size_t left() const { return bytes_.size() - pos_; }

 private:
  void need(std::size_t n) const {
    BURST_REQUIRE(n <= left(), "trace bytes are truncated (need " + std::to_string(n) + " more at offset " +
                                   std::to_string(pos_) + " of " + std::to_string(bytes_.size()) + ")");
  }
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

constexpr std::size_t event_bytes = 8 + 8 + 4 + 4 + 4 + 1 + 4 + 4 + 8 + 4;

}  // namespace

std::string serialise(const RankTrace& trace) {
  std::string out;
  out.reserve(64 + trace.hostname.size() + trace.events.size() * event_bytes);
  out.append(magic, 4);
  put<std::uint32_t>(out, format_version);
  put<std::int32_t>(out, trace.rank);
  put<std::uint32_t>(out, trace.os_pid);
  put<std::int64_t>(out, trace.realtime_offset_ns);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(trace.hostname.size()));
  out.append(trace.hostname);
  put<std::uint64_t>(out, trace.events.size());
  for (const auto& e : trace.events) {
    put<std::int64_t>(out, e.start_ns);
    put<std::int64_t>(out, e.end_ns);
    put<std::uint32_t>(out, e.tid);
    put<std::int32_t>(out, e.rank);
    put<std::int32_t>(out, e.depth);
    put<std::uint8_t>(out, static_cast<std::uint8_t>(e.phase));
    put<std::int32_t>(out, e.payload.peer);
    put<std::int32_t>(out, e.payload.step);
    put<std::uint64_t>(out, e.payload.bytes);
    put<std::int32_t>(out, e.payload.chunk);
  }
  return out;
}

RankTrace deserialise(std::string_view bytes) {
  Reader r(bytes);
  BURST_REQUIRE(r.take(4) == std::string_view(magic, 4), "trace bytes do not start with BTRC");
  const auto version = r.get<std::uint32_t>();
  BURST_REQUIRE(version == format_version, "trace bytes have format version " + std::to_string(version) +
                                               ", this build reads " + std::to_string(format_version));
  RankTrace t;
  t.rank = r.get<std::int32_t>();
  t.os_pid = r.get<std::uint32_t>();
  t.realtime_offset_ns = r.get<std::int64_t>();
  t.hostname = std::string(r.take(r.get<std::uint32_t>()));
  const auto count = r.get<std::uint64_t>();
  BURST_REQUIRE(count <= r.left() / event_bytes,
                "trace bytes are truncated (event count " + std::to_string(count) + ")");
  t.events.resize(count);
  for (auto& e : t.events) {
    e.start_ns = r.get<std::int64_t>();
    e.end_ns = r.get<std::int64_t>();
    e.tid = r.get<std::uint32_t>();
    e.rank = r.get<std::int32_t>();
    e.depth = r.get<std::int32_t>();
    const auto phase = r.get<std::uint8_t>();
    BURST_REQUIRE(phase < phase_count, "trace bytes hold unknown phase " + std::to_string(phase));
    e.phase = static_cast<Phase>(phase);
    e.payload.peer = r.get<std::int32_t>();
    e.payload.step = r.get<std::int32_t>();
    e.payload.bytes = r.get<std::uint64_t>();
    e.payload.chunk = r.get<std::int32_t>();
  }
  BURST_REQUIRE(r.left() == 0, "trace bytes have " + std::to_string(r.left()) + " trailing bytes");
  return t;
}

}  // namespace burst::trace
