// Checks and conversions shared by every command's flags, so each refusal reads the same way
// ("--iters: expected an integer >= 1, got -1") and every size flag takes the same suffixes.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace burst::cli {

// The finite number `text` spells, all of it ("0.5", "1e-3"); nullopt for "", "abc", "1e", "nan".
std::optional<double> parse_real(const std::string& text);

// A whole number >= min ("expected an integer >= 1, got 0").
CLI::Validator at_least(std::int64_t min);
// A whole number in [min, max] ("expected an integer 1..1024, got 2000").
CLI::Validator in_range(std::int64_t min, std::int64_t max);
// A real number in [min, max] ("expected a number 0..1, got 1.5").
CLI::Validator in_real_range(double min, double max);

// A size: digits with an optional K (x 1024) or M (x 1048576) suffix, either case, as tune's --seq
// has always read it (tuner::parse_seq_length). A transform: "32K" becomes "32768" before the
// option converts it, so it composes with at_least / in_range. docs/run.md lists the size flags.
CLI::Validator size_suffix();

}  // namespace burst::cli
