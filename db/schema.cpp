// Schema SQL (version db::schema_version). nsys tables first, then the enums they reference, then
// burst tables and indexes. Column names and meanings follow the nsys SQLite schema reference.
// Then the tables `tune` and `calibrate` add to a file when they need them (IF NOT EXISTS).
#include "db/schema.hpp"

namespace burst::db {

std::string_view schema_sql() {
  static constexpr std::string_view sql = R"sql(
CREATE TABLE StringIds (id INTEGER NOT NULL PRIMARY KEY, value TEXT NOT NULL);
CREATE UNIQUE INDEX burst_StringIds_value ON StringIds(value);
CREATE TABLE META_DATA_EXPORT (name TEXT NOT NULL, value TEXT);
CREATE TABLE TARGET_INFO_SESSION_START_TIME (utcEpochNs INTEGER, utcTime TEXT, localTime TEXT);
CREATE TABLE TARGET_INFO_GPU (
  vmId INTEGER NOT NULL, id INTEGER NOT NULL, name TEXT, busLocation TEXT, isDiscrete INTEGER,
  l2CacheSize INTEGER, totalMemory INTEGER, memoryBandwidth INTEGER, clockRate INTEGER, smCount INTEGER,
  pwGpuId INTEGER, uuid TEXT, luid INTEGER, chipName TEXT, cuDevice INTEGER, ctxId INTEGER,
  computeMajor INTEGER, computeMinor INTEGER, maxThreadsPerBlock INTEGER, threadsPerWarp INTEGER,
  maxShmemPerBlock INTEGER, maxRegistersPerBlock INTEGER, maxShmemPerBlockOptin INTEGER);
CREATE TABLE ENUM_NSYS_EVENT_TYPE (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, label TEXT);
CREATE TABLE ENUM_NSYS_EVENT_CLASS (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, label TEXT);
CREATE TABLE ENUM_CUDA_MEMCPY_OPER (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, label TEXT);
CREATE TABLE ENUM_CUDA_MEM_KIND (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, label TEXT);
CREATE TABLE ENUM_CUDA_KERNEL_LAUNCH_TYPE (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, label TEXT);
CREATE TABLE ENUM_CUDA_FUNC_CACHE_CONFIG (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, label TEXT);
CREATE TABLE ENUM_CUPTI_SYNC_TYPE (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, label TEXT);
CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL (
  start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER NOT NULL, contextId INTEGER NOT NULL,
  greenContextId INTEGER, streamId INTEGER NOT NULL, correlationId INTEGER, globalPid INTEGER,
  demangledName INTEGER NOT NULL REFERENCES StringIds(id), shortName INTEGER NOT NULL REFERENCES StringIds(id),
  mangledName INTEGER REFERENCES StringIds(id), launchType INTEGER REFERENCES ENUM_CUDA_KERNEL_LAUNCH_TYPE(id),
  cacheConfig INTEGER REFERENCES ENUM_CUDA_FUNC_CACHE_CONFIG(id), registersPerThread INTEGER NOT NULL,
  gridX INTEGER NOT NULL, gridY INTEGER NOT NULL, gridZ INTEGER NOT NULL,
  blockX INTEGER NOT NULL, blockY INTEGER NOT NULL, blockZ INTEGER NOT NULL,
  staticSharedMemory INTEGER NOT NULL, dynamicSharedMemory INTEGER NOT NULL,
  localMemoryPerThread INTEGER NOT NULL, localMemoryTotal INTEGER NOT NULL, gridId INTEGER NOT NULL,
  sharedMemoryExecuted INTEGER, graphNodeId INTEGER, sharedMemoryLimitConfig INTEGER);
CREATE TABLE CUPTI_ACTIVITY_KIND_MEMCPY (
  start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER NOT NULL, contextId INTEGER NOT NULL,
  greenContextId INTEGER, streamId INTEGER NOT NULL, correlationId INTEGER, globalPid INTEGER,
  bytes INTEGER NOT NULL, copyKind INTEGER NOT NULL REFERENCES ENUM_CUDA_MEMCPY_OPER(id), deprecatedSrcId INTEGER,
  srcKind INTEGER REFERENCES ENUM_CUDA_MEM_KIND(id), dstKind INTEGER REFERENCES ENUM_CUDA_MEM_KIND(id),
  srcDeviceId INTEGER, srcContextId INTEGER, dstDeviceId INTEGER, dstContextId INTEGER,
  migrationCause INTEGER, graphNodeId INTEGER, virtualAddress INTEGER);
CREATE TABLE CUPTI_ACTIVITY_KIND_MEMSET (
  start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER NOT NULL, contextId INTEGER NOT NULL,
  greenContextId INTEGER, streamId INTEGER NOT NULL, correlationId INTEGER, globalPid INTEGER,
  value INTEGER NOT NULL, bytes INTEGER NOT NULL, graphNodeId INTEGER,
  memKind INTEGER REFERENCES ENUM_CUDA_MEM_KIND(id));
CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME (
  start INTEGER NOT NULL, end INTEGER NOT NULL, eventClass INTEGER NOT NULL REFERENCES ENUM_NSYS_EVENT_CLASS(id),
  globalTid INTEGER, correlationId INTEGER, nameId INTEGER NOT NULL REFERENCES StringIds(id),
  returnValue INTEGER NOT NULL, callchainId INTEGER);
CREATE TABLE CUPTI_ACTIVITY_KIND_SYNCHRONIZATION (
  start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER NOT NULL, contextId INTEGER NOT NULL,
  greenContextId INTEGER, streamId INTEGER NOT NULL, correlationId INTEGER, globalPid INTEGER,
  syncType INTEGER NOT NULL REFERENCES ENUM_CUPTI_SYNC_TYPE(id), eventId INTEGER NOT NULL);
CREATE TABLE NVTX_EVENTS (
  start INTEGER NOT NULL, end INTEGER, eventType INTEGER NOT NULL REFERENCES ENUM_NSYS_EVENT_TYPE(id),
  rangeId INTEGER, category INTEGER, color INTEGER, text TEXT, globalTid INTEGER, endGlobalTid INTEGER,
  textId INTEGER REFERENCES StringIds(id), domainId INTEGER, uint64Value INTEGER, int64Value INTEGER,
  doubleValue REAL, uint32Value INTEGER, int32Value INTEGER, floatValue REAL,
  jsonTextId INTEGER REFERENCES StringIds(id), jsonText TEXT, binaryData BLOB);
CREATE TABLE MPI_RANKS (globalTid INTEGER, rank INTEGER NOT NULL);

INSERT INTO ENUM_NSYS_EVENT_TYPE VALUES
  (33, 'NvtxCategory', 'NVTX Category'), (34, 'NvtxMark', 'NVTX Mark'), (59, 'NvtxPushPopRange', 'NVTX PushPop Range'),
  (60, 'NvtxStartEndRange', 'NVTX StartEnd Range'), (75, 'NvtxDomainCreate', 'NVTX Domain Create');
INSERT INTO ENUM_NSYS_EVENT_CLASS VALUES (0, 'TRACE_PROCESS_EVENT_CUDA_RUNTIME', 'CUDA Runtime API'),
  (1, 'TRACE_PROCESS_EVENT_CUDA_DRIVER', 'CUDA Driver API');
INSERT INTO ENUM_CUDA_MEMCPY_OPER VALUES (0, 'CUDA_MEMCPY_OPER_UNKNOWN', 'Unknown'),
  (1, 'CUDA_MEMCPY_OPER_HTOD', 'Host-to-Device'), (2, 'CUDA_MEMCPY_OPER_DTOH', 'Device-to-Host'),
  (3, 'CUDA_MEMCPY_OPER_HTOA', 'Host-to-Array'), (4, 'CUDA_MEMCPY_OPER_ATOH', 'Array-to-Host'),
  (5, 'CUDA_MEMCPY_OPER_ATOA', 'Array-to-Array'), (6, 'CUDA_MEMCPY_OPER_ATOD', 'Array-to-Device'),
  (7, 'CUDA_MEMCPY_OPER_DTOA', 'Device-to-Array'), (8, 'CUDA_MEMCPY_OPER_DTOD', 'Device-to-Device'),
  (9, 'CUDA_MEMCPY_OPER_HTOH', 'Host-to-Host'), (10, 'CUDA_MEMCPY_OPER_PTOP', 'Peer-to-Peer');
INSERT INTO ENUM_CUDA_MEM_KIND VALUES (0, 'CUDA_MEMOPR_MEMORY_KIND_UNKNOWN', 'Unknown'),
  (1, 'CUDA_MEMOPR_MEMORY_KIND_PAGEABLE', 'Pageable'), (2, 'CUDA_MEMOPR_MEMORY_KIND_PINNED', 'Pinned'),
  (3, 'CUDA_MEMOPR_MEMORY_KIND_DEVICE', 'Device'), (4, 'CUDA_MEMOPR_MEMORY_KIND_ARRAY', 'Array'),
  (5, 'CUDA_MEMOPR_MEMORY_KIND_MANAGED', 'Managed'), (6, 'CUDA_MEMOPR_MEMORY_KIND_DEVICE_STATIC', 'Device Static'),
  (7, 'CUDA_MEMOPR_MEMORY_KIND_MANAGED_STATIC', 'Managed Static');
INSERT INTO ENUM_CUDA_KERNEL_LAUNCH_TYPE VALUES (0, 'CUDA_KERNEL_LAUNCH_TYPE_REGULAR', 'Regular'),
  (1, 'CUDA_KERNEL_LAUNCH_TYPE_COOPERATIVE_SINGLE', 'Cooperative single'),
  (2, 'CUDA_KERNEL_LAUNCH_TYPE_COOPERATIVE_MULTI', 'Cooperative multi');
INSERT INTO ENUM_CUDA_FUNC_CACHE_CONFIG VALUES (0, 'CUDA_FUNC_CACHE_PREFER_NONE', 'No preference'),
  (1, 'CUDA_FUNC_CACHE_PREFER_SHARED', 'Prefer shared'), (2, 'CUDA_FUNC_CACHE_PREFER_L1', 'Prefer L1'),
  (3, 'CUDA_FUNC_CACHE_PREFER_EQUAL', 'Prefer equal');
INSERT INTO ENUM_CUPTI_SYNC_TYPE VALUES (0, 'CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_UNKNOWN', 'Unknown'),
  (1, 'CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_EVENT_SYNCHRONIZE', 'Event sync'),
  (2, 'CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_WAIT_EVENT', 'Stream wait event'),
  (3, 'CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_SYNCHRONIZE', 'Stream sync'),
  (4, 'CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_CONTEXT_SYNCHRONIZE', 'Context sync');

CREATE TABLE sessions (id INTEGER PRIMARY KEY, command TEXT NOT NULL, fingerprint TEXT,
  start_utc_ns INTEGER NOT NULL, start_monotonic_ns INTEGER NOT NULL, hostname TEXT);
CREATE TABLE trials (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),
  config TEXT NOT NULL, status TEXT NOT NULL, failure_reason TEXT, stats TEXT,
  start_utc_ns INTEGER NOT NULL, end_utc_ns INTEGER);
CREATE INDEX burst_trials_session ON trials(session_id);
CREATE TABLE samples (trial_id INTEGER NOT NULL REFERENCES trials(id), rank INTEGER NOT NULL,
  idx INTEGER NOT NULL, seconds REAL NOT NULL);
CREATE INDEX burst_samples_trial ON samples(trial_id, rank);
CREATE TABLE trial_ranks (trial_id INTEGER NOT NULL REFERENCES trials(id), rank INTEGER NOT NULL,
  globalPid INTEGER NOT NULL, os_pid INTEGER, hostname TEXT, PRIMARY KEY (trial_id, rank));
CREATE TABLE trial_trace (trial_id INTEGER NOT NULL REFERENCES trials(id), table_name TEXT NOT NULL,
  first_rowid INTEGER NOT NULL, last_rowid INTEGER NOT NULL, PRIMARY KEY (trial_id, table_name));
)sql";
  return sql;
}

std::string_view tune_tables_sql() {
  static constexpr std::string_view sql = R"sql(
CREATE TABLE IF NOT EXISTS tune_jobs (id INTEGER PRIMARY KEY, job_key TEXT NOT NULL,
  first_session_id INTEGER NOT NULL, last_session_id INTEGER NOT NULL, status TEXT NOT NULL,
  options TEXT NOT NULL, results TEXT);
CREATE INDEX IF NOT EXISTS burst_tune_jobs_key ON tune_jobs(job_key);
CREATE TABLE IF NOT EXISTS tune_results (job_id INTEGER NOT NULL REFERENCES tune_jobs(id),
  workload TEXT NOT NULL, default_trial_id INTEGER, winner_trial_id INTEGER, summary TEXT NOT NULL);
)sql";
  return sql;
}

std::string_view calibrations_table_sql() {
  static constexpr std::string_view sql =
      "CREATE TABLE IF NOT EXISTS calibrations(id INTEGER PRIMARY KEY, fingerprint_id TEXT NOT NULL, "
      "created_utc TEXT, rates TEXT NOT NULL)";
  return sql;
}

}  // namespace burst::db
