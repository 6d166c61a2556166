// nlohmann::json converters for burst::Fingerprint, for files that embed a fingerprint (profiles).
// Internal to libburst: the public API speaks canonical JSON text (Fingerprint::to_json).
//
//   nlohmann::json j = fingerprint;            // to_json
//   auto fp = j.get<burst::Fingerprint>();      // from_json: throws burst::InvalidArgument
#pragma once

#include <nlohmann/json.hpp>

#include "burst/fingerprint.hpp"

namespace burst {

// Every field, keys as in docs/detect.md ("backend", "cpu_model", ...).
void to_json(nlohmann::json& j, const Fingerprint& fp);

// Requires every field with its type (and known backend / link class values); unknown keys are
// ignored. Throws burst::InvalidArgument naming the field, e.g.
// "fingerprint: field 'sm_count' must be an integer".
void from_json(const nlohmann::json& j, Fingerprint& fp);

}  // namespace burst
