// The database schema: Nsight Systems export tables (same names, columns and meanings as the
// "SQLite schema reference" of `nsys export --type sqlite`, for what burst-tune records) plus
// burst tables. See docs/trace-schema.md.
#pragma once

#include <string_view>

namespace burst::db {

// Stored in META_DATA_EXPORT as name 'BURST_SCHEMA_VERSION'. Bump when tables change; a database
// of a newer version is refused with a clear error.
inline constexpr int schema_version = 1;

// CREATE TABLE/INDEX statements and the ENUM_* rows, run once in a new database.
std::string_view schema_sql();

// Tables added to a file by the commands that need them, with CREATE TABLE IF NOT EXISTS (so older
// files gain them; run before every use): `tune` jobs and results (docs/tuning-records.md) and
// `calibrate`'s rates per fingerprint (docs/cost-model.md).
std::string_view tune_tables_sql();
std::string_view calibrations_table_sql();

// nsys event types (ENUM_NSYS_EVENT_TYPE) that we write.
inline constexpr int event_type_nvtx_category = 33;
inline constexpr int event_type_nvtx_push_pop = 59;
inline constexpr int event_type_nvtx_domain_create = 75;
inline constexpr int burst_nvtx_domain_id = 1;

}  // namespace burst::db
