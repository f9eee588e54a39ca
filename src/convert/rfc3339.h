#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ferry {

// Parses an RFC 3339 date-time ("2024-05-01T12:34:56.789Z",
// "2024-05-01T21:34:56+09:00") into microseconds since the Unix epoch, UTC.
// Accepted: 'T'/'t' separator, 'Z'/'z' or a ±HH:MM offset, 1 to 9 fractional
// digits (truncated to microseconds), leap-year calendar checks, and a leap
// second written as :60 (held as the last microsecond of the preceding second,
// since BigQuery has no leap seconds). The UTC result must lie in BigQuery's
// TIMESTAMP range, 0001-01-01 to 9999-12-31. On failure: InvalidArgument whose
// message says what is wrong (the caller adds which attribute it was).
absl::StatusOr<int64_t> ParseRfc3339Micros(std::string_view text);

// Formats microseconds since the epoch as RFC 3339 in UTC with a 'Z' suffix;
// the fraction has 0, 3 or 6 digits, as few as represent the value exactly.
std::string FormatRfc3339Micros(int64_t micros);

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day);

}  // namespace ferry
