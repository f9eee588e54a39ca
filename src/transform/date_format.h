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

// java.text.SimpleDateFormat as Kafka Connect's TimestampConverter and
// TimestampRouter use it: Java 17, en_US symbols, always in UTC (as Kafka's
// transforms set it), lenient (Java's default).
//
// Every SimpleDateFormat pattern letter is supported, for Format and Parse:
//   G era (AD/BC)            y year (of era)        Y week year
//   M L month (1, 01, Jan, January; standalone L is the same in English)
//   w week in year           W week in month        D day in year
//   d day in month           F day-of-week in month (1 = days 1-7)
//   E day name (Wed, Wednesday)                     u day number (1 = Monday)
//   a AM/PM   H 0-23   k 1-24   K 0-11   h 1-12   m minute   s second
//   S millisecond            z UTC / Coordinated Universal Time
//   Z +0000                  X Z (Java prints "Z" for offset zero at any width)
// plus quoted text ('T', '' for a quote) and any non-letter literal. Weeks use
// java.util.GregorianCalendar's Locale.US rules: they start on Sunday and week
// 1 is the week containing January 1, so 2024-12-29 is week 1 of week year
// 2025. Other ASCII letters fail with Java's "Illegal pattern character 'q'".
//
// Parsing follows Java's lenient SimpleDateFormat: numeric fields take as many
// digits as are present, or exactly `count` characters when the next field is
// numeric too ("yyyyMMdd"); a leading '-' and an exponent ("1E1") are accepted
// as java.text.DecimalFormat does; out-of-range values roll over ("2023-02-30"
// is March 2); spaces and tabs before numeric and zone fields are skipped, not
// before text fields; trailing text is ignored; a two-digit year (`y`/`yy`,
// `Y`/`YY`) lands within 80 years before / 20 after now. Names (G, MMM, L, E,
// a) match case-insensitively in short or long form. `S` is milliseconds as a
// number ("SSSSSS" of "123456" adds 123.456 seconds). Conflicting fields
// resolve as java.util.Calendar does (the most recently parsed complete
// combination wins, e.g. "yyyy-MM-dd-DDD" uses the day of year); a parsed
// week year (`Y`, unless a later `y`) gives the date from the week fields only
// (w, default 1; E or u, default Sunday) -- so "YYYY-MM-dd" parses to the
// Sunday starting week 1, exactly Java's well-known surprise.
// Zones on parse: `X` takes "Z" or "+hh" / "+hhmm" / "+hh:mm" for X / XX / XXX;
// `Z` and `z` (the same code in Java) take RFC 822 "+hhmm", "GMT", "GMT+h:mm"
// / "GMT+hh:mm", and the UTC/GMT names "UTC", "Coordinated Universal Time",
// "Greenwich Mean Time". A parsed offset adjusts the instant.
//
// Where ferry differs from Java, it fails instead of producing a different
// date: other zone names ("PST", "CET": Java looks them up in its time-zone
// database) and numbers that do not fit a Java int (Java wraps or saturates
// them), NaN and infinity symbols and non-ASCII digits are "Unparseable date"
// errors, as are week or day arithmetic results Java would overflow. Dates are
// proleptic Gregorian (Java switches to Julian before 1582-10-15, so ancient
// and BC dates differ by the Julian offset).
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
    // Java's shouldObeyCount: the next token is a numeric field, so a numeric
    // field here reads exactly `count` characters.
    bool obey_count = false;
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
