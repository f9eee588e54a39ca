#include "transform/date_format.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <optional>

#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ferry {
namespace {

// en_US symbols (Java 17's CLDR data, as SimpleDateFormat uses them).
constexpr std::array<std::string_view, 12> kLongMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<std::string_view, 12> kShortMonths = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
// Indexed by java.util.Calendar's DAY_OF_WEEK - 1 (Sunday first).
constexpr std::array<std::string_view, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 7> kShortDays = {"Sun", "Mon", "Tue", "Wed",
                                                        "Thu", "Fri", "Sat"};
// Indexed by Calendar.ERA (0 = BC) and Calendar.AM_PM.
constexpr std::array<std::string_view, 2> kShortEras = {"BC", "AD"};
constexpr std::array<std::string_view, 2> kLongEras = {"Before Christ", "Anno Domini"};
constexpr std::array<std::string_view, 2> kAmPmNames = {"AM", "PM"};

// Every letter java.text.SimpleDateFormat defines (DateFormatSymbols.patternChars).
constexpr std::string_view kJavaLetters = "GyMdkHmsSEDFwWahKzZYuXL";

// java.util.GregorianCalendar's week rules for Locale.US.
constexpr int kFirstDayOfWeek = 1;  // Calendar.SUNDAY
constexpr int kMinimalDaysInFirstWeek = 1;

// java.text.DecimalFormat pads at most this many digits (DOUBLE_INTEGER_DIGITS).
constexpr int kMaxPadDigits = 309;

bool IEq(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(absl::string_view(a.data(), a.size()),
                                absl::string_view(b.data(), b.size()));
}

// Java int and long arithmetic wraps; the calendar code below reproduces it
// where SimpleDateFormat's lenient parse can overflow.
int32_t Wrap32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }
int64_t Wrap64(absl::int128 v) { return static_cast<int64_t>(absl::Int128Low64(v)); }

// Java's shouldObeyCount: the fields parsed as plain numbers.
bool IsNumericField(char letter, int count) {
  switch (letter) {
    case 'M':
    case 'L':
      return count <= 2;
    case 'y':
    case 'Y':
    case 'd':
    case 'k':
    case 'H':
    case 'm':
    case 's':
    case 'S':
    case 'D':
    case 'F':
    case 'w':
    case 'W':
    case 'K':
    case 'h':
    case 'u':
      return true;
    default:
      return false;
  }
}

// SimpleDateFormat.zeroPaddingNumber: at least `width` digits after the sign.
std::string Pad(int64_t value, int width) {
  bool negative = value < 0;
  std::string digits = absl::StrCat(negative ? -value : value);
  width = std::min(width, kMaxPadDigits);
  if (static_cast<int>(digits.size()) < width) {
    digits.insert(0, static_cast<size_t>(width) - digits.size(), '0');
  }
  return negative ? "-" + digits : digits;
}

// "yy": the last two digits, keeping the sign (DecimalFormat with at most two
// integer digits formats -4 as "-04").
std::string PadTwoDigits(int64_t value) {
  return value < 0 ? "-" + Pad(-value % 100, 2) : Pad(value % 100, 2);
}

// Calendar.DAY_OF_WEEK (1 = Sunday ... 7 = Saturday) of a day since the epoch.
int CalendarDayOfWeek(int64_t days) {
  return static_cast<int>(FloorMod(days + 4, 7)) + 1;  // 1970-01-01 was a Thursday.
}

// BaseCalendar.getDayOfWeekDateOnOrBefore: the last day on or before `days`
// falling on Calendar day-of-week `dow`, which may be out of 1..7 (it is taken
// modulo 7, so 0 is Saturday and 8 Sunday, as a lenient Calendar does).
int64_t DayOfWeekOnOrBefore(int64_t days, int32_t dow) {
  return days - FloorMod(days + 4 - Wrap32(int64_t{dow} - 1), 7);
}

// The first day of week 1 of the period (year or month) starting on `day1`.
int64_t FirstWeekStart(int64_t day1) {
  int64_t start = DayOfWeekOnOrBefore(day1 + 6, kFirstDayOfWeek);
  if (start - day1 >= kMinimalDaysInFirstWeek) start -= 7;
  return start;
}

// GregorianCalendar.getWeekNumber: the week of `day` in the period that starts
// on `day1`.
int64_t WeekNumber(int64_t day1, int64_t day) {
  return FloorDiv(day - FirstWeekStart(day1), 7) + 1;
}

bool IsLeapYear(int64_t year) {
  return FloorMod(year, 4) == 0 && (FloorMod(year, 100) != 0 || FloorMod(year, 400) == 0);
}

int MonthLength(int month /* 0..11 */, int64_t year) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 1 && IsLeapYear(year) ? 29 : kDays[month];
}

// The calendar fields SimpleDateFormat formats, computed as
// GregorianCalendar.computeFields does (proleptic Gregorian, UTC).
struct CalendarFields {
  int64_t year;  // astronomical: 0 is 1 BC
  int month;     // 1..12
  int day;
  int day_of_year;
  int day_of_week;  // Calendar numbering, 1 = Sunday
  int64_t week_of_year;
  int64_t week_of_month;
  int64_t week_year;  // astronomical, as GregorianCalendar.getWeekYear
  int hour, minute, second, millis;
};

CalendarFields ComputeFields(int64_t epoch_micros) {
  CalendarFields f;
  int64_t days = FloorDiv(epoch_micros, kMicrosPerDay);
  int64_t tod_millis = FloorMod(epoch_micros, kMicrosPerDay) / kMicrosPerMilli;
  CivilDate date = CivilFromDays(days);
  f.year = date.year;
  f.month = date.month;
  f.day = date.day;
  int64_t jan1 = DaysFromCivil(date.year, 1, 1);
  f.day_of_year = static_cast<int>(days - jan1 + 1);
  f.day_of_week = CalendarDayOfWeek(days);
  f.week_of_month = WeekNumber(days - date.day + 1, days);
  f.week_of_year = WeekNumber(jan1, days);
  if (f.week_of_year == 0) {
    // The last week of the previous year (only with minimal days > 1).
    f.week_of_year = WeekNumber(DaysFromCivil(date.year - 1, 1, 1), jan1 - 1);
  } else if (f.week_of_year >= 52) {
    // Late-December days in the week that holds next January 1 are week 1.
    int64_t next_jan1 = DaysFromCivil(date.year + 1, 1, 1);
    int64_t next_start = DayOfWeekOnOrBefore(next_jan1 + 6, kFirstDayOfWeek);
    if (next_start - next_jan1 >= kMinimalDaysInFirstWeek && days >= next_start - 7) {
      f.week_of_year = 1;
    }
  }
  f.week_year = f.year;
  if (f.month == 1 && f.week_of_year >= 52) {
    --f.week_year;
  } else if (f.month != 1 && f.week_of_year == 1) {
    ++f.week_year;
  }
  f.hour = static_cast<int>(tod_millis / 3600000);
  f.minute = static_cast<int>(tod_millis / 60000 % 60);
  f.second = static_cast<int>(tod_millis / 1000 % 60);
  f.millis = static_cast<int>(tod_millis % 1000);
  return f;
}

// ---------------------------------------------------------------------------
// Parsing: SimpleDateFormat.subParse stores values into a CalendarBuilder;
// CalendarBuilder.establish and GregorianCalendar.computeTime resolve them.

// The java.util.Calendar fields a SimpleDateFormat parse can set, plus
// CalendarBuilder's WEEK_YEAR.
enum Field {
  kEra,
  kYear,
  kMonth,  // 0-based, as Calendar.MONTH
  kWeekOfYear,
  kWeekOfMonth,
  kDayOfMonth,
  kDayOfYear,
  kDayOfWeek,  // Calendar numbering; `u` stores raw values outside 1..7
  kDayOfWeekInMonth,
  kAmPm,
  kHour,
  kHourOfDay,
  kMinute,
  kSecond,
  kMillisecond,
  kZoneOffset,  // milliseconds
  kDstOffset,
  kWeekYear,
  kFieldCount
};

constexpr uint32_t Bit(Field f) { return uint32_t{1} << f; }

// CalendarBuilder: field values with pseudo time stamps (0 = unset; a field
// parsed later has a larger stamp, which is what Calendar's field resolution
// looks at).
struct Fields {
  std::array<int32_t, kFieldCount> value{};
  std::array<int, kFieldCount> stamp{};
  int next_stamp = 1;

  void Set(Field f, int32_t v) {
    value[f] = v;
    stamp[f] = next_stamp++;
  }
  bool IsSet(Field f) const { return stamp[f] != 0; }
  // An unset field reads as 0, as Calendar.internalGet after clear().
  int32_t Get(Field f) const { return value[f]; }
};

int AggregateStamp(int a, int b) { return a == 0 || b == 0 ? 0 : std::max(a, b); }

// java.util.Calendar.selectFields: which fields determine the date and the
// time of day. Transcribed from Java 17 so conflicting fields resolve alike.
uint32_t SelectFields(const Fields& f) {
  const auto& stamp = f.stamp;
  uint32_t mask = Bit(kYear);
  if (f.IsSet(kEra)) mask |= Bit(kEra);
  int dow_stamp = stamp[kDayOfWeek];
  int month_stamp = stamp[kMonth];
  int dom_stamp = stamp[kDayOfMonth];
  int wom_stamp = AggregateStamp(stamp[kWeekOfMonth], dow_stamp);
  int dowim_stamp = AggregateStamp(stamp[kDayOfWeekInMonth], dow_stamp);
  int doy_stamp = stamp[kDayOfYear];
  int woy_stamp = AggregateStamp(stamp[kWeekOfYear], dow_stamp);
  int best = std::max({dom_stamp, wom_stamp, dowim_stamp, doy_stamp, woy_stamp});
  if (best == 0) {
    // No complete combination: a week field alone, or DAY_OF_WEEK alone
    // (treated as DAY_OF_WEEK_IN_MONTH), or MONTH alone / nothing (as
    // DAY_OF_MONTH).
    wom_stamp = stamp[kWeekOfMonth];
    dowim_stamp = std::max(stamp[kDayOfWeekInMonth], dow_stamp);
    woy_stamp = stamp[kWeekOfYear];
    best = std::max({wom_stamp, dowim_stamp, woy_stamp});
    if (best == 0) best = dom_stamp = month_stamp;
  }
  if (best == dom_stamp || (best == wom_stamp && stamp[kWeekOfMonth] >= stamp[kWeekOfYear]) ||
      (best == dowim_stamp && stamp[kDayOfWeekInMonth] >= stamp[kWeekOfYear])) {
    mask |= Bit(kMonth);
    if (best == dom_stamp) {
      mask |= Bit(kDayOfMonth);
    } else {
      if (dow_stamp != 0) mask |= Bit(kDayOfWeek);
      if (wom_stamp == dowim_stamp) {
        mask |= stamp[kWeekOfMonth] >= stamp[kDayOfWeekInMonth] ? Bit(kWeekOfMonth)
                                                                : Bit(kDayOfWeekInMonth);
      } else if (best == wom_stamp) {
        mask |= Bit(kWeekOfMonth);
      } else if (stamp[kDayOfWeekInMonth] != 0) {
        mask |= Bit(kDayOfWeekInMonth);
      }
    }
  } else if (best == doy_stamp) {
    mask |= Bit(kDayOfYear);
  } else {
    if (dow_stamp != 0) mask |= Bit(kDayOfWeek);
    mask |= Bit(kWeekOfYear);
  }

  // The time of day: HOUR_OF_DAY, or HOUR with AM_PM, whichever is newer.
  int hour_of_day_stamp = stamp[kHourOfDay];
  int hour_stamp = AggregateStamp(stamp[kHour], stamp[kAmPm]);
  best = std::max(hour_stamp, hour_of_day_stamp);
  if (best == 0) best = std::max(stamp[kHour], stamp[kAmPm]);
  if (best != 0) {
    if (best == hour_of_day_stamp) {
      mask |= Bit(kHourOfDay);
    } else {
      mask |= Bit(kHour);
      if (stamp[kAmPm] != 0) mask |= Bit(kAmPm);
    }
  }
  return mask;
}

// GregorianCalendar.getFixedDate (Gregorian branch): days since the epoch of
// the date the selected fields name, with Java's int arithmetic.
int64_t FixedDate(int32_t year, uint32_t mask, const Fields& f) {
  int32_t month = 0;
  if (mask & Bit(kMonth)) {
    month = f.Get(kMonth);
    year = Wrap32(int64_t{year} + FloorDiv(month, 12));
    month = static_cast<int32_t>(FloorMod(month, 12));
  }
  int64_t fixed = DaysFromCivil(year, month + 1, 1);
  if (mask & Bit(kMonth)) {
    if (mask & Bit(kDayOfMonth)) {
      if (f.IsSet(kDayOfMonth)) fixed += int64_t{f.Get(kDayOfMonth)} - 1;
    } else if (mask & Bit(kWeekOfMonth)) {
      int64_t start = FirstWeekStart(fixed);
      if (mask & Bit(kDayOfWeek)) start = DayOfWeekOnOrBefore(start + 6, f.Get(kDayOfWeek));
      fixed = start + Wrap32(7 * int64_t{Wrap32(int64_t{f.Get(kWeekOfMonth)} - 1)});
    } else {
      int32_t dow = (mask & Bit(kDayOfWeek)) ? f.Get(kDayOfWeek) : kFirstDayOfWeek;
      int32_t dowim = (mask & Bit(kDayOfWeekInMonth)) ? f.Get(kDayOfWeekInMonth) : 1;
      if (dowim >= 0) {
        fixed = DayOfWeekOnOrBefore(fixed + Wrap32(7 * int64_t{dowim}) - 1, dow);
      } else {
        // Counting back from the end of the month (-1 = the last one).
        int32_t last = Wrap32(MonthLength(month, year) +
                              int64_t{Wrap32(7 * int64_t{Wrap32(int64_t{dowim} + 1)})});
        fixed = DayOfWeekOnOrBefore(fixed + last - 1, dow);
      }
    }
  } else if (mask & Bit(kDayOfYear)) {
    fixed += int64_t{f.Get(kDayOfYear)} - 1;
  } else {
    int64_t start = FirstWeekStart(fixed);
    if (mask & Bit(kDayOfWeek)) {
      int32_t dow = f.Get(kDayOfWeek);
      if (dow != kFirstDayOfWeek) start = DayOfWeekOnOrBefore(start + 6, dow);
    }
    fixed = start + 7 * (int64_t{f.Get(kWeekOfYear)} - 1);
  }
  return fixed;
}

// Calendar.getTime after CalendarBuilder.establish: epoch milliseconds,
// wrapped to a Java long as Java's computation is.
int64_t ResolveMillis(const Fields& f) {
  uint32_t mask = SelectFields(f);

  int64_t tod = 0;
  if (mask & Bit(kHourOfDay)) {
    tod = f.Get(kHourOfDay);
  } else {
    tod = f.Get(kHour);
    if (mask & Bit(kAmPm)) tod += 12 * int64_t{f.Get(kAmPm)};  // AM_PM defaults to AM.
  }
  tod = ((tod * 60 + f.Get(kMinute)) * 60 + f.Get(kSecond)) * 1000 + f.Get(kMillisecond);
  // Parsed zone fields override the formatter's zone (UTC: both offsets 0).
  int64_t offset = int64_t{f.Get(kZoneOffset)} + f.Get(kDstOffset);
  auto millis_of = [&](int64_t days) {
    return Wrap64(absl::int128(days) * 86400000 + tod - offset);
  };

  int32_t year = f.IsSet(kYear) ? f.Get(kYear) : 1970;
  if (f.IsSet(kEra) && f.Get(kEra) == 0) year = Wrap32(1 - int64_t{year});  // BC
  int64_t millis = millis_of(FixedDate(year, mask, f));

  // CalendarBuilder.establish: a week year parsed after any `y` replaces the
  // date with GregorianCalendar.setWeekDate(weekYear, WEEK_OF_YEAR or 1,
  // DAY_OF_WEEK or the first day of the week). Other date fields only decide
  // the era (setWeekDate keeps the era of the date they give, normally AD);
  // the time of day and zone still apply.
  if (f.IsSet(kWeekYear) && f.stamp[kWeekYear] > f.stamp[kYear]) {
    bool bc = CivilFromDays(FloorDiv(millis, 86400000)).year <= 0;
    int32_t week_year = f.Get(kWeekYear);
    if (bc) week_year = Wrap32(1 - int64_t{week_year});
    int32_t week = f.IsSet(kWeekOfYear) ? f.Get(kWeekOfYear) : 1;
    int32_t dow = f.IsSet(kDayOfWeek) ? f.Get(kDayOfWeek) : kFirstDayOfWeek;
    if (dow < 1 || dow > 7) {
      // Only `u` stores such values, as ISO numbers: roll them into the
      // week number, then convert to Calendar numbering.
      if (dow >= 8) {
        --dow;
        week = Wrap32(int64_t{week} + dow / 7);
        dow = dow % 7 + 1;
      } else {
        int64_t back = (7 - int64_t{dow}) / 7;
        dow = static_cast<int32_t>(dow + 7 * back);
        week = Wrap32(week - back);
      }
      dow = dow == 7 ? 1 : dow + 1;
    }
    int32_t days = dow - kFirstDayOfWeek;
    if (days < 0) days += 7;
    days = Wrap32(int64_t{days} + Wrap32(7 * int64_t{Wrap32(int64_t{week} - 1)}));
    millis = millis_of(FirstWeekStart(DaysFromCivil(week_year, 1, 1)) + days);
  }
  return millis;
}

// A number as SimpleDateFormat's java.text.DecimalFormat parses it (integer
// only, no grouping; reading no further than `end`), then Number.intValue():
// an optional '-', ASCII digits and an optional exponent ("1E1" is 10,
// "15E-1" is 1). Values that fit a Java long wrap to an int, others (fractions,
// huge values) go through a double and saturate; "NaN" is 0 and "∞" the
// largest int, all as in Java 17. nullopt when there is no number.
std::optional<int32_t> ReadJavaInt(std::string_view text, size_t* pos, size_t end) {
  auto at = [&](size_t i, std::string_view s) {
    return i <= end && end - i >= s.size() && text.substr(i, s.size()) == s;
  };
  auto digit = [&](size_t i) {
    return i < end && absl::ascii_isdigit(static_cast<unsigned char>(text[i]));
  };
  size_t p = *pos;
  if (at(p, "NaN")) {
    *pos = p + 3;
    return 0;
  }
  bool negative = at(p, "-");
  if (negative) ++p;
  if (at(p, "\xE2\x88\x9E")) {  // U+221E INFINITY, in UTF-8
    *pos = p + 3;
    return negative ? INT32_MIN : INT32_MAX;
  }
  if (!digit(p)) return std::nullopt;
  // DigitList: the digits after leading zeros, and where the decimal point
  // goes (a Java int).
  std::string digits;
  for (; digit(p); ++p) {
    if (text[p] != '0' || !digits.empty()) digits.push_back(text[p]);
  }
  int32_t decimal_at = static_cast<int32_t>(digits.size());
  if (at(p, "E")) {
    // The exponent counts only if it fits a long; it is then cast to int.
    size_t q = p + 1;
    bool negative_exponent = at(q, "-");
    if (negative_exponent) ++q;
    if (digit(q)) {
      absl::uint128 magnitude = 0;
      bool fits = true;
      for (; digit(q); ++q) {
        magnitude = magnitude * 10 + static_cast<uint64_t>(text[q] - '0');
        if (magnitude > (absl::uint128(1) << 63)) fits = false;
      }
      if (magnitude == (absl::uint128(1) << 63) && !negative_exponent) fits = false;
      if (fits) {
        uint64_t low = absl::Uint128Low64(magnitude);
        int32_t exponent =
            static_cast<int32_t>(static_cast<uint32_t>(negative_exponent ? 0 - low : low));
        decimal_at = Wrap32(int64_t{decimal_at} + exponent);
        p = q;
      }
    }
  }
  *pos = p;
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  if (digits.empty()) return 0;
  int64_t count = static_cast<int64_t>(digits.size());
  // DigitList.fitsIntoLong: an integer of at most 19 digits within a long.
  if (decimal_at >= count && decimal_at <= 19) {
    std::string whole = digits + std::string(static_cast<size_t>(decimal_at - count), '0');
    constexpr std::string_view kLongMinDigits = "9223372036854775808";
    if (whole.size() < 19 || whole < kLongMinDigits || (whole == kLongMinDigits && negative)) {
      uint64_t magnitude = 0;
      for (char c : whole) magnitude = magnitude * 10 + static_cast<uint64_t>(c - '0');
      return static_cast<int32_t>(static_cast<uint32_t>(negative ? 0 - magnitude : magnitude));
    }
  }
  // DigitList.getDouble, then Java's saturating double-to-int cast.
  double d = std::strtod(absl::StrCat(".", digits, "E", decimal_at).c_str(), nullptr);
  if (negative) d = -d;
  if (d >= 2147483647.0) return INT32_MAX;
  if (d <= -2147483648.0) return INT32_MIN;
  return static_cast<int32_t>(d);
}

// Case-insensitive match of the longest of `names` at text[pos]; returns its
// index (SimpleDateFormat.matchString).
template <size_t N>
void MatchLongest(std::string_view text, size_t pos, const std::array<std::string_view, N>& names,
                  int* best, size_t* best_len) {
  for (size_t i = 0; i < N; ++i) {
    std::string_view name = names[i];
    if (name.size() > *best_len && text.size() - pos >= name.size() &&
        IEq(text.substr(pos, name.size()), name)) {
      *best = static_cast<int>(i);
      *best_len = name.size();
    }
  }
}

template <size_t N>
std::optional<int> MatchName(std::string_view text, size_t* pos,
                             const std::array<std::string_view, N>& short_names,
                             const std::array<std::string_view, N>& long_names) {
  int best = -1;
  size_t best_len = 0;
  MatchLongest(text, *pos, long_names, &best, &best_len);
  MatchLongest(text, *pos, short_names, &best, &best_len);
  if (best < 0) return std::nullopt;
  *pos += best_len;
  return best;
}

// SimpleDateFormat.subParseNumericZone: "hh[[:]mm]" after the sign, as
// `count` (0 for Z/z and GMT+, else the number of X letters) and `colon` say.
bool ReadNumericZone(std::string_view text, size_t* pos, int sign, int count, bool colon,
                     Fields* f) {
  size_t i = *pos;
  auto digit = [&](size_t k) {
    return k < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[k]));
  };
  if (!digit(i)) return false;
  int hours = text[i++] - '0';
  if (i >= text.size()) return false;
  if (digit(i)) {
    hours = hours * 10 + (text[i++] - '0');
  } else if (count > 0 || !colon) {
    return false;  // RFC 822 and ISO offsets have two hour digits.
  }
  if (hours > 23) return false;
  int minutes = 0;
  if (count != 1) {
    if (colon) {
      if (i >= text.size() || text[i] != ':') return false;
      ++i;
    }
    if (!digit(i) || !digit(i + 1)) return false;
    minutes = (text[i] - '0') * 10 + (text[i + 1] - '0');
    i += 2;
    if (minutes > 59) return false;
  }
  f->Set(kZoneOffset, int64_t{sign} * (hours * 60 + minutes) * 60000);
  f->Set(kDstOffset, 0);
  *pos = i;
  return true;
}

// Time-zone names SimpleDateFormat.subParseZoneString finds for zones at
// offset zero whose standard and daylight names are the same (so Java sets no
// offset field). Other names need Java's time-zone database; ferry rejects
// them. The long forms are tried first, as Java does.
constexpr std::array<std::string_view, 4> kUtcZoneNames = {"Coordinated Universal Time", "UTC",
                                                           "Greenwich Mean Time", "GMT"};

// The `z` / `Z` branch of SimpleDateFormat.subParse. `start` is where the
// field began, `p` past any skipped whitespace.
bool ReadZone(std::string_view text, size_t start, size_t* pos, Fields* f) {
  size_t p = *pos;
  char c = text[p];
  int sign = c == '+' ? 1 : c == '-' ? -1 : 0;
  if (sign != 0) {
    *pos = p + 1;
    return ReadNumericZone(text, pos, sign, 0, false, f);
  }
  if ((c == 'G' || c == 'g') && text.size() - start >= 3 && IEq(text.substr(start, 3), "GMT")) {
    // Java compares "GMT" at the field's start, before skipped whitespace.
    p = start + 3;
    if (p < text.size()) sign = text[p] == '+' ? 1 : text[p] == '-' ? -1 : 0;
    if (sign == 0) {
      f->Set(kZoneOffset, 0);
      f->Set(kDstOffset, 0);
      *pos = p;
      return true;
    }
    *pos = p + 1;
    return ReadNumericZone(text, pos, sign, 0, true, f);
  }
  for (std::string_view name : kUtcZoneNames) {
    if (text.size() - p >= name.size() && IEq(text.substr(p, name.size()), name)) {
      *pos = p + name.size();
      return true;
    }
  }
  return false;
}

// SimpleDateFormat's default century: two-digit years land in the 100 years
// from 80 years before now (Calendar.add(YEAR, -80), in UTC).
struct DefaultCentury {
  int32_t start_year;
  int64_t start_millis;
};

DefaultCentury CurrentDefaultCentury() {
  auto now = std::chrono::system_clock::now();
  int64_t millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  int64_t days = FloorDiv(millis, 86400000);
  CivilDate today = CivilFromDays(days);
  int32_t year = static_cast<int32_t>(today.year - 80);
  int day = std::min(today.day, MonthLength(today.month - 1, year));
  return DefaultCentury{
      year, DaysFromCivil(year, today.month, day) * 86400000 + FloorMod(millis, 86400000)};
}

}  // namespace

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }

int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year += FloorDiv(month - 1, 12);
  month = FloorMod(month - 1, 12) + 1;
  // Howard Hinnant's days_from_civil.
  int64_t y = month <= 2 ? year - 1 : year;
  int64_t era = FloorDiv(y, 400);
  int64_t yoe = y - era * 400;
  int64_t mp = (month + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468 + (day - 1);
}

CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  int64_t era = FloorDiv(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return CivilDate{m <= 2 ? y + 1 : y, m, d};
}

absl::StatusOr<DateFormat> DateFormat::Compile(std::string_view pattern) {
  DateFormat f;
  f.pattern_ = std::string(pattern);
  auto add_literal = [&](char c) {
    if (f.tokens_.empty() || f.tokens_.back().letter != 0) f.tokens_.push_back(Token{});
    f.tokens_.back().literal.push_back(c);
  };
  bool in_quote = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\'') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
        add_literal('\'');
        ++i;
      } else {
        in_quote = !in_quote;
      }
      continue;
    }
    if (in_quote || !absl::ascii_isalpha(static_cast<unsigned char>(c))) {
      add_literal(c);
      continue;
    }
    if (kJavaLetters.find(c) == std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("Illegal pattern character '", std::string(1, c), "'"));
    }
    int count = 1;
    while (i + 1 < pattern.size() && pattern[i + 1] == c) {
      ++count;
      ++i;
    }
    if (c == 'X' && count > 3) {
      return absl::InvalidArgumentError(absl::StrCat("invalid ISO 8601 format: length=", count));
    }
    f.tokens_.push_back(Token{c, count, "", false});
  }
  if (in_quote) return absl::InvalidArgumentError("Unterminated quote");
  for (size_t i = 0; i + 1 < f.tokens_.size(); ++i) {
    const Token& next = f.tokens_[i + 1];
    f.tokens_[i].obey_count = next.letter != 0 && IsNumericField(next.letter, next.count);
  }
  return f;
}

std::string DateFormat::Format(int64_t epoch_micros) const {
  CalendarFields c = ComputeFields(epoch_micros);
  int64_t year_of_era = c.year >= 1 ? c.year : 1 - c.year;
  std::string out;
  for (const Token& t : tokens_) {
    switch (t.letter) {
      case 0:
        out += t.literal;
        break;
      case 'G':
        out += kShortEras[c.year >= 1 ? 1 : 0];  // Java prints "AD" for GGGG too.
        break;
      case 'y':
        out += t.count == 2 ? PadTwoDigits(year_of_era) : Pad(year_of_era, t.count);
        break;
      case 'Y':
        out += t.count == 2 ? PadTwoDigits(c.week_year) : Pad(c.week_year, t.count);
        break;
      case 'M':
      case 'L':
        if (t.count >= 4) {
          out += kLongMonths[c.month - 1];
        } else if (t.count == 3) {
          out += kShortMonths[c.month - 1];
        } else {
          out += Pad(c.month, t.count);
        }
        break;
      case 'w':
        out += Pad(c.week_of_year, t.count);
        break;
      case 'W':
        out += Pad(c.week_of_month, t.count);
        break;
      case 'D':
        out += Pad(c.day_of_year, t.count);
        break;
      case 'd':
        out += Pad(c.day, t.count);
        break;
      case 'F':
        out += Pad((c.day - 1) / 7 + 1, t.count);
        break;
      case 'E':
        out += t.count >= 4 ? kLongDays[c.day_of_week - 1] : kShortDays[c.day_of_week - 1];
        break;
      case 'u':
        out += Pad(c.day_of_week == 1 ? 7 : c.day_of_week - 1, t.count);
        break;
      case 'a':
        out += kAmPmNames[c.hour >= 12 ? 1 : 0];
        break;
      case 'H':
        out += Pad(c.hour, t.count);
        break;
      case 'k':
        out += Pad(c.hour == 0 ? 24 : c.hour, t.count);
        break;
      case 'K':
        out += Pad(c.hour % 12, t.count);
        break;
      case 'h':
        out += Pad(c.hour % 12 == 0 ? 12 : c.hour % 12, t.count);
        break;
      case 'm':
        out += Pad(c.minute, t.count);
        break;
      case 's':
        out += Pad(c.second, t.count);
        break;
      case 'S':
        out += Pad(c.millis, t.count);
        break;
      case 'z':
        out += t.count >= 4 ? "Coordinated Universal Time" : "UTC";
        break;
      case 'Z':
        out += "+0000";
        break;
      case 'X':
        out += "Z";
        break;
    }
  }
  return out;
}

absl::StatusOr<int64_t> DateFormat::Parse(std::string_view text) const {
  auto fail = [&]() {
    return absl::InvalidArgumentError(
        absl::StrCat("Unparseable date: \"", std::string(text), "\""));
  };
  Fields f;
  bool ambiguous_year = false;
  std::optional<DefaultCentury> century;
  size_t pos = 0;
  for (const Token& t : tokens_) {
    if (t.letter == 0) {
      if (text.substr(pos, t.literal.size()) != t.literal) return fail();
      pos += t.literal.size();
      continue;
    }
    const size_t start = pos;
    size_t p = pos;
    while (p < text.size() && (text[p] == ' ' || text[p] == '\t')) ++p;
    if (p >= text.size()) return fail();

    if (IsNumericField(t.letter, t.count)) {
      size_t end = text.size();
      if (t.obey_count) {
        // Exactly `count` characters, counted (as Java does) from before
        // any skipped whitespace.
        end = start + static_cast<size_t>(t.count);
        if (end > text.size()) return fail();
      }
      const size_t number_start = p;
      std::optional<int32_t> v = ReadJavaInt(text, &p, end);
      if (!v) return fail();
      int32_t value = *v;
      switch (t.letter) {
        case 'y':
        case 'Y':
          if (t.count <= 2 && p - number_start == 2 &&
              absl::ascii_isdigit(static_cast<unsigned char>(text[number_start])) &&
              absl::ascii_isdigit(static_cast<unsigned char>(text[number_start + 1]))) {
            if (!century) century = CurrentDefaultCentury();
            int32_t ambiguous = century->start_year % 100;
            ambiguous_year = value == ambiguous;
            value += century->start_year / 100 * 100 + (value < ambiguous ? 100 : 0);
          }
          f.Set(t.letter == 'y' ? kYear : kWeekYear, value);
          break;
        case 'M':
        case 'L':
          f.Set(kMonth, Wrap32(int64_t{value} - 1));
          break;
        case 'd':
          f.Set(kDayOfMonth, value);
          break;
        case 'H':
          f.Set(kHourOfDay, value);
          break;
        case 'k':
          f.Set(kHourOfDay, value == 24 ? 0 : value);
          break;
        case 'K':
          f.Set(kHour, value);
          break;
        case 'h':
          f.Set(kHour, value == 12 ? 0 : value);
          break;
        case 'm':
          f.Set(kMinute, value);
          break;
        case 's':
          f.Set(kSecond, value);
          break;
        case 'S':
          f.Set(kMillisecond, value);
          break;
        case 'D':
          f.Set(kDayOfYear, value);
          break;
        case 'F':
          f.Set(kDayOfWeekInMonth, value);
          break;
        case 'w':
          f.Set(kWeekOfYear, value);
          break;
        case 'W':
          f.Set(kWeekOfMonth, value);
          break;
        case 'u':
          // ISO numbering (1 = Monday) to Calendar's (1 = Sunday); values
          // outside 1..7 are kept as they are, as CalendarBuilder does.
          f.Set(kDayOfWeek, value < 1 || value > 7 ? value : value == 7 ? 1 : value + 1);
          break;
      }
      pos = p;
      continue;
    }

    // Names are matched where the field starts: Java skips whitespace only
    // before numbers and zones.
    size_t q = start;
    std::optional<int> index;
    switch (t.letter) {
      case 'G':
        if (!(index = MatchName(text, &q, kShortEras, kLongEras))) return fail();
        f.Set(kEra, *index);
        break;
      case 'M':
      case 'L':
        if (!(index = MatchName(text, &q, kShortMonths, kLongMonths))) return fail();
        f.Set(kMonth, *index);
        break;
      case 'E':
        if (!(index = MatchName(text, &q, kShortDays, kLongDays))) return fail();
        f.Set(kDayOfWeek, *index + 1);
        break;
      case 'a':
        if (!(index = MatchName(text, &q, kAmPmNames, kAmPmNames))) return fail();
        f.Set(kAmPm, *index);
        break;
      case 'z':
      case 'Z':
        q = p;
        if (!ReadZone(text, start, &q, &f)) return fail();
        break;
      case 'X': {
        if (text[p] == 'Z') {
          f.Set(kZoneOffset, 0);
          f.Set(kDstOffset, 0);
          q = p + 1;
          break;
        }
        int sign = text[p] == '+' ? 1 : text[p] == '-' ? -1 : 0;
        q = p + 1;
        if (sign == 0 || !ReadNumericZone(text, &q, sign, t.count, t.count == 3, &f)) {
          return fail();
        }
        break;
      }
    }
    pos = q;
  }

  int64_t millis = ResolveMillis(f);
  if (ambiguous_year && millis < century->start_millis) {
    // The two-digit year equal to the default century's start year is the
    // later century when the date would fall before the century start.
    f.value[kYear] = Wrap32(int64_t{f.value[kYear]} + 100);
    f.value[kWeekYear] = Wrap32(int64_t{f.value[kWeekYear]} + 100);
    millis = ResolveMillis(f);
  }
  // ferry's instants are int64 microseconds (about 292,000 years either way).
  if (millis > INT64_MAX / kMicrosPerMilli || millis < INT64_MIN / kMicrosPerMilli) return fail();
  return millis * kMicrosPerMilli;
}

namespace {

// Zone offsets: "Z", "+hh", "+hhmm", "+hh:mm", "GMT", "UTC", "GMT+h[h][:mm]".
std::optional<int64_t> ReadZoneMicros(std::string_view text, size_t* pos) {
  size_t p = *pos;
  if (p >= text.size()) return std::nullopt;
  if (text[p] == 'Z' || text[p] == 'z') {
    *pos = p + 1;
    return 0;
  }
  bool named = false;
  if (text.size() - p >= 3 && (IEq(text.substr(p, 3), "GMT") || IEq(text.substr(p, 3), "UTC"))) {
    p += 3;
    named = true;
    if (p >= text.size() || (text[p] != '+' && text[p] != '-')) {
      *pos = p;
      return 0;
    }
  }
  if (text[p] != '+' && text[p] != '-') return std::nullopt;
  int sign = text[p] == '-' ? -1 : 1;
  ++p;
  auto digit = [&](size_t i) {
    return i < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i]));
  };
  if (!digit(p)) return std::nullopt;
  int hours = text[p] - '0';
  ++p;
  if (digit(p)) {
    hours = hours * 10 + (text[p] - '0');
    ++p;
  } else if (!named) {
    return std::nullopt;  // ISO/RFC 822 offsets have two hour digits.
  }
  int minutes = 0;
  size_t q = p;
  if (q < text.size() && text[q] == ':') ++q;
  if (digit(q) && digit(q + 1)) {
    minutes = (text[q] - '0') * 10 + (text[q + 1] - '0');
    p = q + 2;
  }
  if (hours > 23 || minutes > 59) return std::nullopt;
  *pos = p;
  return sign * (int64_t{hours} * 3600 + minutes * 60) * kMicrosPerSecond;
}

}  // namespace

absl::StatusOr<int64_t> ParseLenientRfc3339Micros(std::string_view s) {
  auto fail = [&]() {
    return absl::InvalidArgumentError(
        absl::StrCat("not an RFC 3339 timestamp: \"", std::string(s), "\""));
  };
  size_t p = 0;
  auto num = [&](int width, int64_t* out) {
    if (s.size() - p < static_cast<size_t>(width)) return false;
    int64_t v = 0;
    for (int i = 0; i < width; ++i) {
      char c = s[p + i];
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
      v = v * 10 + (c - '0');
    }
    p += width;
    *out = v;
    return true;
  };
  auto lit = [&](std::string_view chars) {
    if (p < s.size() && chars.find(s[p]) != std::string_view::npos) {
      ++p;
      return true;
    }
    return false;
  };
  int64_t year, month, day, hour, minute, second = 0, frac_micros = 0;
  if (!num(4, &year) || !lit("-") || !num(2, &month) || !lit("-") || !num(2, &day)) return fail();
  if (!lit("Tt ") || !num(2, &hour) || !lit(":") || !num(2, &minute)) return fail();
  if (lit(":")) {
    if (!num(2, &second)) return fail();
    if (lit(".,")) {
      int digits = 0;
      while (p < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[p]))) {
        if (digits < 6) frac_micros = frac_micros * 10 + (s[p] - '0');
        ++digits;
        ++p;
      }
      if (digits == 0) return fail();
      for (int i = digits; i < 6; ++i) frac_micros *= 10;
    }
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return fail();
  }
  int64_t offset = 0;
  if (p < s.size()) {
    std::optional<int64_t> z = ReadZoneMicros(s, &p);
    if (!z) return fail();
    offset = *z;
  }
  if (p != s.size()) return fail();
  return DaysFromCivil(year, month, day) * kMicrosPerDay +
         ((hour * 60 + minute) * 60 + second) * kMicrosPerSecond + frac_micros - offset;
}

std::string FormatIsoMillis(int64_t epoch_micros) {
  static const DateFormat* const kFormat =
      new DateFormat(*DateFormat::Compile("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"));
  return kFormat->Format(epoch_micros);
}

}  // namespace ferry
