// Database::write_trace: NVTX_EVENTS (plus the domain/category rows nsys writes), CUPTI_ACTIVITY_*,
// MPI_RANKS, trial_ranks, and trial_trace rows that link the trial to the rowid range of each table.
#include <cxxabi.h>
#include <fmt/format.h>

#include <cstdlib>
#include <memory>

#include "burst/error.hpp"
#include "db/database.hpp"
#include "db/schema.hpp"

namespace burst::db {
namespace {

std::string demangle(const std::string& name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status),
                                             std::free);
  return status == 0 && out ? std::string(out.get()) : name;
}

// "void ns::kernel<64, 128>(Params)" -> "kernel" (nsys shortName: no scope, template or parameters).
std::string short_name(const std::string& demangled) {
  std::string s = demangled;
  int depth = 0;
  std::size_t cut = s.size();
  for (std::size_t i = 0; i < s.size(); ++i) {  // drop the parameter list: first '(' at depth 0
    if (s[i] == '<') ++depth;
    if (s[i] == '>') --depth;
    if (s[i] == '(' && depth == 0) {
      cut = i;
      break;
    }
  }
  s.resize(cut);
  std::string out;
  depth = 0;
  for (char c : s) {  // drop template arguments
    if (c == '<')
      ++depth;
    else if (c == '>')
      --depth;
    else if (depth == 0)
      out += c;
  }
  if (auto p = out.rfind("::"); p != std::string::npos) out = out.substr(p + 2);
  if (auto p = out.rfind(' '); p != std::string::npos) out = out.substr(p + 1);
  return out.empty() ? demangled : out;
}

// Records rowids of one table written by this transaction.
struct RowRange {
  std::int64_t first = -1, last = -1;
  void add(sqlite3* db) {
    const auto id = sqlite3_last_insert_rowid(db);
    if (first < 0) first = id;
    last = id;
  }
};

}  // namespace

void Database::write_trace(std::int64_t trial_id, const std::vector<trace::RankTrace>& ranks,
                           const std::vector<trace::CuptiRecords>& cupti) {
  BURST_REQUIRE(cupti.empty() || cupti.size() == ranks.size(),
                "write_trace: CUPTI records must be given per rank (or not at all)");
  Transaction tx(*this);
  std::vector<std::int64_t> phase_ids(trace::phase_count);
  for (int p = 0; p < trace::phase_count; ++p) {
    phase_ids[static_cast<std::size_t>(p)] = intern(trace::phase_name(static_cast<trace::Phase>(p)));
  }
  Statement nvtx(
      db_,
      "INSERT INTO NVTX_EVENTS(start, end, eventType, category, text, globalTid, textId, domainId, "
      "uint64Value, jsonText) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  Statement mpi(db_, "INSERT INTO MPI_RANKS(globalTid, rank) VALUES (?, ?)");
  Statement tr(db_,
               "INSERT INTO trial_ranks(trial_id, rank, globalPid, os_pid, hostname) VALUES (?, ?, ?, ?, ?)");
  RowRange nvtx_rows, mpi_rows, kernel_rows, memcpy_rows, memset_rows, runtime_rows, sync_rows;
  std::string json;
  for (const auto& rank : ranks) {
    const auto gpid = global_pid(rank.rank);
    const std::int64_t t0 = rank.events.empty() ? trace::now_ns() : rank.events.front().start_ns;
    // What nsys writes when a domain is created and its categories are named.
    nvtx.bind(1, t0).bind(3, std::int64_t{event_type_nvtx_domain_create}).bind(5, std::string_view("burst"));
    nvtx.bind(6, gpid).bind(8, std::int64_t{burst_nvtx_domain_id}).run();
    nvtx_rows.add(db_);
    for (auto c : {trace::Category::pass, trace::Category::compute, trace::Category::communication,
                   trace::Category::memory}) {
      nvtx.bind(1, t0).bind(3, std::int64_t{event_type_nvtx_category}).bind(4, static_cast<std::int64_t>(c));
      nvtx.bind(5, trace::category_name(c)).bind(6, gpid).bind(8, std::int64_t{burst_nvtx_domain_id}).run();
      nvtx_rows.add(db_);
    }
    for (const auto& e : rank.events) {
      nvtx.bind(1, e.start_ns).bind(2, e.end_ns).bind(3, std::int64_t{event_type_nvtx_push_pop});
      nvtx.bind(4, static_cast<std::int64_t>(trace::phase_category(e.phase)));
      nvtx.bind(6, global_tid(rank.rank, e.tid)).bind(7, phase_ids[static_cast<std::size_t>(e.phase)]);
      nvtx.bind(8, std::int64_t{burst_nvtx_domain_id});
      if (e.payload.bytes > 0) nvtx.bind(9, static_cast<std::int64_t>(e.payload.bytes));
      if (e.payload.peer >= 0 || e.payload.step >= 0 || e.payload.chunk >= 0) {
        json.clear();
        fmt::format_to(std::back_inserter(json), R"({{"peer":{},"step":{},"chunk":{}}})", e.payload.peer,
                       e.payload.step, e.payload.chunk);
        nvtx.bind(10, json);
      }
      nvtx.run();
      nvtx_rows.add(db_);
    }
    mpi.bind(1, gpid).bind(2, std::int64_t{rank.rank}).run();
    mpi_rows.add(db_);
    tr.bind(1, trial_id).bind(2, std::int64_t{rank.rank}).bind(3, gpid).bind(4, std::int64_t{rank.os_pid});
    tr.bind(5, rank.hostname).run();
  }

  if (!cupti.empty()) {
    Statement k(
        db_,
        "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL(start, end, deviceId, contextId, streamId, correlationId, "
        "globalPid, demangledName, shortName, mangledName, launchType, cacheConfig, registersPerThread, "
        "gridX, gridY, gridZ, blockX, blockY, blockZ, staticSharedMemory, dynamicSharedMemory, "
        "localMemoryPerThread, localMemoryTotal, gridId) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,0,0)");
    Statement m(
        db_,
        "INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY(start, end, deviceId, contextId, streamId, correlationId, "
        "globalPid, bytes, copyKind, srcKind, dstKind) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    Statement ms(
        db_,
        "INSERT INTO CUPTI_ACTIVITY_KIND_MEMSET(start, end, deviceId, contextId, streamId, correlationId, "
        "globalPid, value, bytes, memKind) VALUES (?,?,?,?,?,?,?,?,?,?)");
    Statement rt(
        db_,
        "INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME(start, end, eventClass, globalTid, correlationId, nameId, "
        "returnValue) VALUES (?,?,0,?,?,?,?)");
    Statement sy(db_,
                 "INSERT INTO CUPTI_ACTIVITY_KIND_SYNCHRONIZATION(start, end, deviceId, contextId, streamId, "
                 "correlationId, globalPid, syncType, eventId) VALUES (?,?,?,?,?,?,?,?,?)");
    using I = std::int64_t;
    for (std::size_t r = 0; r < ranks.size(); ++r) {
      const auto gpid = global_pid(ranks[r].rank);
      const auto& c = cupti[r];
      for (const auto& x : c.kernels) {
        const auto dem = demangle(x.name);
        k.bind(1, I{x.start_ns}).bind(2, I{x.end_ns}).bind(3, I{x.device_id}).bind(4, I{x.context_id});
        k.bind(5, I{x.stream_id}).bind(6, I{x.correlation_id}).bind(7, gpid).bind(8, intern(dem));
        k.bind(9, intern(short_name(dem))).bind(10, intern(x.name)).bind(11, I{x.launch_type});
        k.bind(12, I{x.cache_config}).bind(13, I{x.registers_per_thread}).bind(14, I{x.grid_x});
        k.bind(15, I{x.grid_y}).bind(16, I{x.grid_z}).bind(17, I{x.block_x}).bind(18, I{x.block_y});
        k.bind(19, I{x.block_z}).bind(20, I{x.static_shared}).bind(21, I{x.dynamic_shared}).run();
        kernel_rows.add(db_);
      }
      for (const auto& x : c.memcpys) {
        m.bind(1, I{x.start_ns}).bind(2, I{x.end_ns}).bind(3, I{x.device_id}).bind(4, I{x.context_id});
        m.bind(5, I{x.stream_id}).bind(6, I{x.correlation_id}).bind(7, gpid).bind(8, static_cast<I>(x.bytes));
        m.bind(9, I{x.copy_kind}).bind(10, I{x.src_kind}).bind(11, I{x.dst_kind}).run();
        memcpy_rows.add(db_);
      }
      for (const auto& x : c.memsets) {
        ms.bind(1, I{x.start_ns}).bind(2, I{x.end_ns}).bind(3, I{x.device_id}).bind(4, I{x.context_id});
        ms.bind(5, I{x.stream_id}).bind(6, I{x.correlation_id}).bind(7, gpid).bind(8, I{x.value});
        ms.bind(9, static_cast<I>(x.bytes)).bind(10, I{x.mem_kind}).run();
        memset_rows.add(db_);
      }
      for (const auto& x : c.runtime) {
        rt.bind(1, I{x.start_ns}).bind(2, I{x.end_ns}).bind(3, global_tid(ranks[r].rank, x.tid));
        rt.bind(4, I{x.correlation_id}).bind(5, intern(x.name)).bind(6, I{x.return_value}).run();
        runtime_rows.add(db_);
      }
      for (const auto& x : c.syncs) {
        sy.bind(1, I{x.start_ns}).bind(2, I{x.end_ns}).bind(3, I{x.device_id}).bind(4, I{x.context_id});
        sy.bind(5, I{x.stream_id}).bind(6, I{x.correlation_id}).bind(7, gpid).bind(8, I{x.sync_type});
        sy.bind(9, I{x.event_id}).run();
        sync_rows.add(db_);
      }
    }
  }

  Statement link(
      db_, "INSERT INTO trial_trace(trial_id, table_name, first_rowid, last_rowid) VALUES (?, ?, ?, ?)");
  const std::pair<const char*, const RowRange*> tables[] = {
      {"NVTX_EVENTS", &nvtx_rows},
      {"MPI_RANKS", &mpi_rows},
      {"CUPTI_ACTIVITY_KIND_KERNEL", &kernel_rows},
      {"CUPTI_ACTIVITY_KIND_MEMCPY", &memcpy_rows},
      {"CUPTI_ACTIVITY_KIND_MEMSET", &memset_rows},
      {"CUPTI_ACTIVITY_KIND_RUNTIME", &runtime_rows},
      {"CUPTI_ACTIVITY_KIND_SYNCHRONIZATION", &sync_rows}};
  for (const auto& [name, range] : tables) {
    if (range->first < 0) continue;
    link.bind(1, trial_id).bind(2, std::string_view(name)).bind(3, range->first).bind(4, range->last).run();
  }
  tx.commit();
}

}  // namespace burst::db
