// Selecting a trial's rows: each table through its [first_rowid, last_rowid] from trial_trace.
#include "db/trace_reader.hpp"

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "burst/error.hpp"
#include "db/schema.hpp"

namespace burst::db {
namespace {

bool row_range(const Database& db, std::int64_t trial, const char* table, std::int64_t& first,
               std::int64_t& last) {
  auto s = db.prepare("SELECT first_rowid, last_rowid FROM trial_trace WHERE trial_id=? AND table_name=?");
  s.bind(1, trial).bind(2, std::string_view(table));
  if (!s.step()) return false;
  first = s.int64(0);
  last = s.int64(1);
  return true;
}

void load_ranges(const Database& db, TrialTrace& out) {
  std::int64_t first = 0, last = 0;
  if (!row_range(db, out.trial_id, "NVTX_EVENTS", first, last)) return;
  auto s = db.prepare(
      "SELECT n.start, n.end, n.globalTid, s.value, n.uint64Value, n.jsonText FROM NVTX_EVENTS n "
      "JOIN StringIds s ON n.textId = s.id WHERE n.rowid BETWEEN ? AND ? AND n.eventType = ? AND n.domainId "
      "= ?");
  s.bind(1, first)
      .bind(2, last)
      .bind(3, std::int64_t{event_type_nvtx_push_pop})
      .bind(4, std::int64_t{burst_nvtx_domain_id});
  while (s.step()) {
    TraceRange r;
    r.start_ns = s.int64(0);
    r.end_ns = s.int64(1);
    r.global_tid = s.int64(2);
    r.rank = rank_of_global_tid(r.global_tid);
    if (!trace::phase_from_name(s.text(3), r.phase)) continue;  // not one of ours
    r.payload.bytes = s.is_null(4) ? 0 : static_cast<std::uint64_t>(s.int64(4));
    if (!s.is_null(5)) {
      const auto json = s.text(5);
      std::sscanf(json.c_str(), R"({"peer":%d,"step":%d,"chunk":%d})", &r.payload.peer, &r.payload.step,
                  &r.payload.chunk);
    }
    out.ranges.push_back(r);
  }
  std::sort(out.ranges.begin(), out.ranges.end(), [](const TraceRange& a, const TraceRange& b) {
    if (a.rank != b.rank) return a.rank < b.rank;
    if (a.global_tid != b.global_tid) return a.global_tid < b.global_tid;
    if (a.start_ns != b.start_ns) return a.start_ns < b.start_ns;
    return a.end_ns > b.end_ns;  // parents before children
  });
}

void load_device(const Database& db, TrialTrace& out) {
  struct Source {
    const char* table;
    const char* kind;
    const char* sql;
  };
  static const Source sources[] = {
      {"CUPTI_ACTIVITY_KIND_KERNEL", "kernel",
       "SELECT k.globalPid, s.value, k.deviceId, k.streamId, k.start, k.end, 0, k.correlationId "
       "FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s ON k.shortName = s.id WHERE k.rowid BETWEEN ? AND "
       "?"},
      {"CUPTI_ACTIVITY_KIND_MEMCPY", "memcpy",
       "SELECT m.globalPid, 'memcpy ' || e.label, m.deviceId, m.streamId, m.start, m.end, m.bytes, "
       "m.correlationId "
       "FROM CUPTI_ACTIVITY_KIND_MEMCPY m LEFT JOIN ENUM_CUDA_MEMCPY_OPER e ON m.copyKind = e.id "
       "WHERE m.rowid BETWEEN ? AND ?"},
      {"CUPTI_ACTIVITY_KIND_MEMSET", "memset",
       "SELECT globalPid, 'memset', deviceId, streamId, start, end, bytes, correlationId "
       "FROM CUPTI_ACTIVITY_KIND_MEMSET WHERE rowid BETWEEN ? AND ?"},
      {"CUPTI_ACTIVITY_KIND_SYNCHRONIZATION", "sync",
       "SELECT y.globalPid, e.label, y.deviceId, y.streamId, y.start, y.end, 0, y.correlationId "
       "FROM CUPTI_ACTIVITY_KIND_SYNCHRONIZATION y LEFT JOIN ENUM_CUPTI_SYNC_TYPE e ON y.syncType = e.id "
       "WHERE y.rowid BETWEEN ? AND ?"}};
  for (const auto& src : sources) {
    std::int64_t first = 0, last = 0;
    if (!row_range(db, out.trial_id, src.table, first, last)) continue;
    auto s = db.prepare(src.sql);
    s.bind(1, first).bind(2, last);
    while (s.step()) {
      DeviceActivity a;
      a.rank = rank_of_global_tid(s.int64(0));
      a.kind = src.kind;
      a.name = s.text(1);
      a.device_id = s.int64(2);
      a.stream_id = s.int64(3);
      a.start_ns = s.int64(4);
      a.end_ns = s.int64(5);
      a.bytes = s.int64(6);
      a.correlation_id = s.int64(7);
      out.device.push_back(std::move(a));
    }
  }
  std::sort(out.device.begin(), out.device.end(), [](const DeviceActivity& a, const DeviceActivity& b) {
    return std::tie(a.rank, a.device_id, a.stream_id, a.start_ns) <
           std::tie(b.rank, b.device_id, b.stream_id, b.start_ns);
  });
}

}  // namespace

TrialTrace load_trial_trace(const Database& db, std::int64_t trial_id) {
  TrialTrace out;
  out.trial_id = trial_id;
  {
    auto s = db.prepare("SELECT status FROM trials WHERE id=?");
    s.bind(1, trial_id);
    BURST_REQUIRE(s.step(), "database " + db.path() + " has no trial " + std::to_string(trial_id));
    out.status = s.text(0);
  }
  auto s =
      db.prepare("SELECT rank, globalPid, os_pid, hostname FROM trial_ranks WHERE trial_id=? ORDER BY rank");
  s.bind(1, trial_id);
  while (s.step()) {
    RankInfo r{static_cast<int>(s.int64(0)), s.int64(1), s.int64(2), s.text(3)};
    out.ranks[r.rank] = r;
  }
  load_ranges(db, out);
  load_device(db, out);
  return out;
}

std::vector<std::int64_t> list_trials(const Database& db) {
  std::vector<std::int64_t> ids;
  auto s = db.prepare("SELECT id FROM trials ORDER BY id");
  while (s.step()) ids.push_back(s.int64(0));
  return ids;
}

}  // namespace burst::db
