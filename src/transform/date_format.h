#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ferry {

inline constexpr int64_t kMicrosPerMilli = 1000;
inline constexpr int64_t kMicrosPerSecond = 1000 * 1000;
inline constexpr int64_t kMicrosPerDay = int64_t{86400} * kMicrosPerSecond;

// Days since 1970-01-01 of a proleptic Gregorian date; month and day may be
// out of range (they roll over, as a lenient java.util.Calendar does).
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day);
struct CivilDate {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};
CivilDate CivilFromDays(int64_t days);

int64_t FloorDiv(int64_t a, int64_t b);
int64_t FloorMod(int64_t a, int64_t b);

// The subset of java.text.SimpleDateFormat that Kafka Connect users put in
// TimestampConverter's `format`, always in UTC (as Kafka's transform sets it).
//
// Pattern letters: y M d H k K h a m s S E z Z X, quoted text ('T', '' for a
// quote) and any non-letter literal. Other letters Java accepts (G Y L w W D F
// u) are rejected at Compile so a pattern never silently means something else.
//
// Parsing follows Java's lenient default: numeric fields take as many digits as
// are present (exactly `count` digits when the next field abuts), out-of-range
// values roll over, whitespace before a field is skipped, trailing text is
// ignored, and a two-digit year (`yy`) lands within 80 years before / 20 after
// now. `S` is milliseconds as a number, as in Java ("SSSSSS" of "123456" adds
// 123.456 seconds). Dates are proleptic Gregorian (Java switches to Julian
// before 1582-10-15).
//
// Immutable once compiled; safe to share between threads.
class DateFormat {
 public:
  // Error messages follow Java's IllegalArgumentException texts
  // ("Illegal pattern character 'q'", "Unterminated quote").
  static absl::StatusOr<DateFormat> Compile(std::string_view pattern);

  // Formats micros since the epoch (UTC). Sub-millisecond digits are dropped,
  // as java.util.Date has none.
  std::string Format(int64_t epoch_micros) const;
  // Returns micros since the epoch; InvalidArgument when the text does not
  // match.
  absl::StatusOr<int64_t> Parse(std::string_view text) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct Token {
    char letter = 0;  // 0 = literal
    int count = 0;
    std::string literal;
  };
  DateFormat() = default;
  std::string pattern_;
  std::vector<Token> tokens_;
};

// RFC 3339 / ISO 8601 timestamps as CloudEvents' `time` and Connect's
// Values.parseString write them: "2024-05-01T12:34:56Z",
// "2024-05-01T12:34:56.123456+02:00", 'T' or ' ' between date and time,
// fraction up to 9 digits (kept to the microsecond, truncated).
absl::StatusOr<int64_t> ParseLenientRfc3339Micros(std::string_view text);
// "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" as Connect's Values formats a Timestamp.
std::string FormatIsoMillis(int64_t epoch_micros);

}  // namespace ferry
