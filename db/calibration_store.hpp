// The calibrations table (db/schema.cpp, created when missing): the cost model's machine rates per
// fingerprint id, as the JSON text tuner::MachineRates::to_json writes. The latest row of a
// fingerprint wins. tuner::store_calibration / load_calibration turn the text into rates.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "db/database.hpp"

namespace burst::db {

// Appends a row (created_utc: now) for `fingerprint_id`.
void insert_calibration(Database& db, std::string_view fingerprint_id, std::string_view rates_json);

// The rates text of the latest row for `fingerprint_id`, if any.
std::optional<std::string> latest_calibration(Database& db, std::string_view fingerprint_id);

}  // namespace burst::db
