#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

// BigQuery scalar values as the emulator stores and renders them. Stored forms
// (the JSON inside a stored row, see README.md) are canonical so rendering is a
// pure function of the stored value:
//   TIMESTAMP -> int64 microseconds since the epoch (UTC)
//   DATE      -> "YYYY-MM-DD"
//   DATETIME  -> "YYYY-MM-DDTHH:MM:SS[.ffffff]"
//   TIME      -> "HH:MM:SS[.ffffff]"
//   NUMERIC / BIGNUMERIC -> canonical decimal string ("-12.5", "0")
// Errors are InvalidArgument with a message that does not name the field; the
// caller appends " on field <path>." as BigQuery does.
namespace ferry::emulator::values {

// BigQuery's TIMESTAMP range: 0001-01-01 00:00:00 to 9999-12-31 23:59:59.999999 UTC.
inline constexpr int64_t kMinTimestampMicros = -62135596800000000;
inline constexpr int64_t kMaxTimestampMicros = 253402300799999999;
// BigQuery's DATE range in days since 1970-01-01.
inline constexpr int64_t kMinDateDays = -719162;  // 0001-01-01
inline constexpr int64_t kMaxDateDays = 2932896;  // 9999-12-31

int64_t DaysFromCivil(int64_t year, int month, int day);
void CivilFromDays(int64_t days, int64_t& year, int& month, int& day);

absl::StatusOr<int64_t> CheckTimestampMicros(int64_t micros);
// Accepts "YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]][Z| UTC|(+|-)HH[:MM]]"; no zone means UTC.
absl::StatusOr<int64_t> ParseTimestamp(std::string_view text);
// "2021-01-02T03:04:05.123456Z" (fraction only when non-zero); for messages and tests.
std::string FormatTimestampIso(int64_t micros);

absl::StatusOr<std::string> DateFromDays(int64_t days);
absl::StatusOr<std::string> ParseDate(std::string_view text);
absl::StatusOr<std::string> ParseDatetime(std::string_view text);
absl::StatusOr<std::string> ParseTime(std::string_view text);

// Canonical decimal within NUMERIC (precision 38, scale 9) or BIGNUMERIC
// (precision 76, scale 38) bounds; more fractional digits than the scale are
// rejected rather than rounded.
absl::StatusOr<std::string> ParseNumeric(std::string_view text, bool big);
absl::StatusOr<std::string> NumericFromDouble(double value, bool big);

bool IsValidUtf8(std::string_view text);

// Java's Double.toString, which BigQuery's REST API uses to render FLOAT and
// (as seconds) TIMESTAMP cells: "1.0", "3.14", "1.6094592E9", "NaN", "Infinity".
std::string JavaDoubleString(double value);

}  // namespace ferry::emulator::values
