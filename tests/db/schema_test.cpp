// Golden schema: every table and its columns (names, declared types, order) as created by this
// build. A change here is a schema change: bump db::schema_version and update docs/trace-schema.md.
#include "db/schema.hpp"

#include <map>

#include "db_fixtures.hpp"

namespace {

const std::map<std::string, std::string> golden = {
    {"CUPTI_ACTIVITY_KIND_KERNEL",
     "start INTEGER,end INTEGER,deviceId INTEGER,contextId INTEGER,greenContextId INTEGER,streamId INTEGER,"
     "correlationId INTEGER,globalPid INTEGER,demangledName INTEGER,shortName INTEGER,mangledName INTEGER,"
     "launchType INTEGER,cacheConfig INTEGER,registersPerThread INTEGER,gridX INTEGER,gridY INTEGER,gridZ "
     "INTEGER,"
     "blockX INTEGER,blockY INTEGER,blockZ INTEGER,staticSharedMemory INTEGER,dynamicSharedMemory INTEGER,"
     "localMemoryPerThread INTEGER,localMemoryTotal INTEGER,gridId INTEGER,sharedMemoryExecuted INTEGER,"
     "graphNodeId INTEGER,sharedMemoryLimitConfig INTEGER"},
    {"CUPTI_ACTIVITY_KIND_MEMCPY",
     "start INTEGER,end INTEGER,deviceId INTEGER,contextId INTEGER,greenContextId INTEGER,streamId INTEGER,"
     "correlationId INTEGER,globalPid INTEGER,bytes INTEGER,copyKind INTEGER,deprecatedSrcId INTEGER,"
     "srcKind INTEGER,dstKind INTEGER,srcDeviceId INTEGER,srcContextId INTEGER,dstDeviceId INTEGER,"
     "dstContextId INTEGER,migrationCause INTEGER,graphNodeId INTEGER,virtualAddress INTEGER"},
    {"CUPTI_ACTIVITY_KIND_MEMSET",
     "start INTEGER,end INTEGER,deviceId INTEGER,contextId INTEGER,greenContextId INTEGER,streamId INTEGER,"
     "correlationId INTEGER,globalPid INTEGER,value INTEGER,bytes INTEGER,graphNodeId INTEGER,memKind "
     "INTEGER"},
    {"CUPTI_ACTIVITY_KIND_RUNTIME",
     "start INTEGER,end INTEGER,eventClass INTEGER,globalTid INTEGER,correlationId INTEGER,nameId INTEGER,"
     "returnValue INTEGER,callchainId INTEGER"},
    {"CUPTI_ACTIVITY_KIND_SYNCHRONIZATION",
     "start INTEGER,end INTEGER,deviceId INTEGER,contextId INTEGER,greenContextId INTEGER,streamId INTEGER,"
     "correlationId INTEGER,globalPid INTEGER,syncType INTEGER,eventId INTEGER"},
    {"ENUM_CUDA_FUNC_CACHE_CONFIG", "id INTEGER,name TEXT,label TEXT"},
    {"ENUM_CUDA_KERNEL_LAUNCH_TYPE", "id INTEGER,name TEXT,label TEXT"},
    {"ENUM_CUDA_MEMCPY_OPER", "id INTEGER,name TEXT,label TEXT"},
    {"ENUM_CUDA_MEM_KIND", "id INTEGER,name TEXT,label TEXT"},
    {"ENUM_CUPTI_SYNC_TYPE", "id INTEGER,name TEXT,label TEXT"},
    {"ENUM_NSYS_EVENT_CLASS", "id INTEGER,name TEXT,label TEXT"},
    {"ENUM_NSYS_EVENT_TYPE", "id INTEGER,name TEXT,label TEXT"},
    {"META_DATA_EXPORT", "name TEXT,value TEXT"},
    {"MPI_RANKS", "globalTid INTEGER,rank INTEGER"},
    {"NVTX_EVENTS",
     "start INTEGER,end INTEGER,eventType INTEGER,rangeId INTEGER,category INTEGER,color INTEGER,text TEXT,"
     "globalTid INTEGER,endGlobalTid INTEGER,textId INTEGER,domainId INTEGER,uint64Value INTEGER,"
     "int64Value INTEGER,doubleValue REAL,uint32Value INTEGER,int32Value INTEGER,floatValue REAL,"
     "jsonTextId INTEGER,jsonText TEXT,binaryData BLOB"},
    {"StringIds", "id INTEGER,value TEXT"},
    {"TARGET_INFO_GPU",
     "vmId INTEGER,id INTEGER,name TEXT,busLocation TEXT,isDiscrete INTEGER,l2CacheSize INTEGER,"
     "totalMemory INTEGER,memoryBandwidth INTEGER,clockRate INTEGER,smCount INTEGER,pwGpuId INTEGER,uuid "
     "TEXT,"
     "luid INTEGER,chipName TEXT,cuDevice INTEGER,ctxId INTEGER,computeMajor INTEGER,computeMinor INTEGER,"
     "maxThreadsPerBlock INTEGER,threadsPerWarp INTEGER,maxShmemPerBlock INTEGER,maxRegistersPerBlock "
     "INTEGER,"
     "maxShmemPerBlockOptin INTEGER"},
    {"TARGET_INFO_SESSION_START_TIME", "utcEpochNs INTEGER,utcTime TEXT,localTime TEXT"},
    {"samples", "trial_id INTEGER,rank INTEGER,idx INTEGER,seconds REAL"},
    {"sessions",
     "id INTEGER,command TEXT,fingerprint TEXT,start_utc_ns INTEGER,start_monotonic_ns INTEGER,hostname "
     "TEXT"},
    {"trial_ranks", "trial_id INTEGER,rank INTEGER,globalPid INTEGER,os_pid INTEGER,hostname TEXT"},
    {"trial_trace", "trial_id INTEGER,table_name TEXT,first_rowid INTEGER,last_rowid INTEGER"},
    {"trials",
     "id INTEGER,session_id INTEGER,config TEXT,status TEXT,failure_reason TEXT,stats TEXT,start_utc_ns "
     "INTEGER,"
     "end_utc_ns INTEGER"},
};

}  // namespace

TEST(DbSchema, TablesAndColumnsMatchGolden) {
  burst::test::TempDir dir;
  burst::db::Database db(dir.file("t.sqlite"), true);
  std::map<std::string, std::string> actual;
  auto tables = db.prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name");
  while (tables.step()) {
    const auto name = tables.text(0);
    auto cols = db.prepare("SELECT name, type FROM pragma_table_info(?) ORDER BY cid");
    cols.bind(1, name);
    std::string text;
    while (cols.step()) {
      if (!text.empty()) text += ',';
      text += cols.text(0);
      text += ' ';
      text += cols.text(1);
    }
    actual[name] = text;
  }
  for (const auto& [name, columns] : golden) {
    ASSERT_TRUE(actual.count(name)) << "missing table " << name;
    EXPECT_EQ(actual[name], columns) << "table " << name;
  }
  for (const auto& [name, columns] : actual)
    EXPECT_TRUE(golden.count(name)) << "table not in golden: " << name;
}

TEST(DbSchema, VersionWalAndIndexes) {
  burst::test::TempDir dir;
  burst::db::Database db(dir.file("t.sqlite"), true);
  EXPECT_EQ(db.schema_version_of_file(), burst::db::schema_version);
  auto mode = db.prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.step());
  EXPECT_EQ(mode.text(0), "wal");
  auto v = db.prepare("SELECT value FROM META_DATA_EXPORT WHERE name='BURST_SCHEMA_VERSION'");
  ASSERT_TRUE(v.step());
  EXPECT_EQ(v.text(0), std::to_string(burst::db::schema_version));
  for (const char* index : {"burst_trials_session", "burst_samples_trial", "burst_StringIds_value"}) {
    auto s = db.prepare("SELECT 1 FROM sqlite_master WHERE type='index' AND name=?");
    s.bind(1, std::string_view(index));
    EXPECT_TRUE(s.step()) << index;
  }
  auto e = db.prepare("SELECT name FROM ENUM_NSYS_EVENT_TYPE WHERE id=59");
  ASSERT_TRUE(e.step());
  EXPECT_EQ(e.text(0), "NvtxPushPopRange");
}

TEST(DbSchema, ReopenKeepsData) {
  burst::test::TempDir dir;
  const auto path = dir.file("t.sqlite");
  std::int64_t trial = 0;
  {
    burst::db::Database db(path, true);
    trial = db.begin_trial(db.begin_session("tune", "{}"), R"({"tile_q":64})");
  }
  burst::db::Database db(path, false);
  auto s = db.prepare("SELECT config, status FROM trials WHERE id=?");
  s.bind(1, trial);
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), R"({"tile_q":64})");
  EXPECT_EQ(s.text(1), "running");
}
