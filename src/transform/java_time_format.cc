#include "transform/java_time_format.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "transform/date_format.h"

namespace ferry {
namespace {

struct ZoneNames {
  const char* id;
  const char* standard;
  const char* daylight;
};
constexpr ZoneNames kZones[] = {
#include "transform/java_zones.inc"
};

const ZoneNames* FindZone(std::string_view id) {
  for (const ZoneNames& z : kZones) {
    if (id == z.id) return &z;
  }
  return nullptr;
}

absl::Status ZoneError(std::string message) {
  return absl::InvalidArgumentError(std::move(message));
}

// ZoneOffset.getId(): "Z", "+01:00", "-03:00:15".
std::string OffsetId(int total) {
  if (total == 0) return "Z";
  int abs = std::abs(total);
  std::string out = total < 0 ? "-" : "+";
  auto two = [&](int v) { absl::StrAppend(&out, v < 10 ? "0" : "", v); };
  two(abs / 3600);
  out.push_back(':');
  two(abs / 60 % 60);
  if (abs % 60 != 0) {
    out.push_back(':');
    two(abs % 60);
  }
  return out;
}

// ZoneOffset.of(offsetId), with Java's messages.
absl::StatusOr<int> ParseOffset(std::string text) {
  if (text == "Z") return 0;
  const std::string original = text;
  auto invalid = [&](std::string_view why) {
    return ZoneError(absl::StrCat("Invalid ID for ZoneOffset, ", std::string(why), ": ", original));
  };
  if (text.size() == 2) text = std::string{text[0], '0', text[1]};
  auto number = [&](size_t pos, bool after_colon, int* out) -> absl::Status {
    if (after_colon && text[pos - 1] != ':') return invalid("colon not found when expected");
    char a = text[pos], b = text[pos + 1];
    if (a < '0' || a > '9' || b < '0' || b > '9') return invalid("non numeric characters found");
    *out = (a - '0') * 10 + (b - '0');
    return absl::OkStatus();
  };
  int hours = 0, minutes = 0, seconds = 0;
  absl::Status s;
  switch (text.size()) {
    case 3:
      s = number(1, false, &hours);
      break;
    case 5:
      s = number(1, false, &hours);
      if (s.ok()) s = number(3, false, &minutes);
      break;
    case 6:
      s = number(1, false, &hours);
      if (s.ok()) s = number(4, true, &minutes);
      break;
    case 7:
      s = number(1, false, &hours);
      if (s.ok()) s = number(3, false, &minutes);
      if (s.ok()) s = number(5, false, &seconds);
      break;
    case 9:
      s = number(1, false, &hours);
      if (s.ok()) s = number(4, true, &minutes);
      if (s.ok()) s = number(7, true, &seconds);
      break;
    default:
      return invalid("invalid format");
  }
  if (!s.ok()) return s;
  if (text[0] != '+' && text[0] != '-') return invalid("plus/minus not found when expected");
  if (text[0] == '-') {
    hours = -hours;
    minutes = -minutes;
    seconds = -seconds;
  }
  // ZoneOffset.validate.
  if (hours < -18 || hours > 18) {
    return ZoneError(absl::StrCat("Zone offset hours not in valid range: value ", hours,
                                  " is not in the range -18 to 18"));
  }
  if (minutes < -59 || minutes > 59) {
    return ZoneError(absl::StrCat("Zone offset minutes not in valid range: value ", minutes,
                                  " is not in the range -59 to 59"));
  }
  if (seconds < -59 || seconds > 59) {
    return ZoneError(absl::StrCat("Zone offset seconds not in valid range: value ", seconds,
                                  " is not in the range -59 to 59"));
  }
  if (std::abs(hours) == 18 && (minutes | seconds) != 0) {
    return ZoneError("Zone offset not in valid range: -18:00 to +18:00");
  }
  return hours * 3600 + minutes * 60 + seconds;
}

bool ValidRegionName(std::string_view id) {
  // ZoneRegion.checkName: [A-Za-z][A-Za-z0-9~/._+-]+
  if (id.size() < 2 || !absl::ascii_isalpha(static_cast<unsigned char>(id[0]))) return false;
  for (char c : id.substr(1)) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("~/._+-").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<JavaZoneId> JavaZoneId::Of(std::string_view id_view) {
  std::string id(id_view);
  JavaZoneId z;
  if (id.size() <= 1 || id[0] == '+' || id[0] == '-') {
    absl::StatusOr<int> offset = ParseOffset(id);
    if (!offset.ok()) return offset.status();
    z.kind_ = Kind::kOffset;
    z.fixed_offset_ = *offset;
    z.id_ = OffsetId(*offset);
    return z;
  }
  size_t prefix = 0;
  if (id.rfind("UTC", 0) == 0 || id.rfind("GMT", 0) == 0) {
    prefix = 3;
  } else if (id.rfind("UT", 0) == 0) {
    prefix = 2;
  }
  if (prefix > 0 && (id.size() == prefix || id[prefix] == '+' || id[prefix] == '-')) {
    int offset = 0;
    if (id.size() > prefix) {
      absl::StatusOr<int> parsed = ParseOffset(id.substr(prefix));
      if (!parsed.ok()) return ZoneError(absl::StrCat("Invalid ID for offset-based ZoneId: ", id));
      offset = *parsed;
    }
    z.kind_ = Kind::kFixedRegion;
    z.fixed_offset_ = offset;
    z.id_ =
        offset == 0 ? id.substr(0, prefix) : absl::StrCat(id.substr(0, prefix), OffsetId(offset));
    if (const ZoneNames* names = FindZone(z.id_)) {
      z.standard_name_ = names->standard;
      z.daylight_name_ = names->daylight;
    }
    return z;
  }
  if (!ValidRegionName(id)) {
    return ZoneError(absl::StrCat("Invalid ID for region-based ZoneId, invalid format: ", id));
  }
  const ZoneNames* names = FindZone(id);
  if (names == nullptr) return ZoneError(absl::StrCat("Unknown time-zone ID: ", id));
  z.kind_ = Kind::kRegion;
  z.id_ = id;
  z.standard_name_ = names->standard;
  z.daylight_name_ = names->daylight;
  if (!absl::LoadTimeZone(id, &z.tz_)) {
    return ZoneError(absl::StrCat("ferry cannot load the rules of time-zone ID ", id,
                                  " from this machine's tz database"));
  }
  return z;
}

int JavaZoneId::OffsetSeconds(int64_t epoch_seconds) const {
  if (kind_ != Kind::kRegion) return fixed_offset_;
  return tz_.At(absl::FromUnixSeconds(epoch_seconds)).offset;
}

std::string JavaZoneId::ShortName(int64_t epoch_seconds) const {
  if (kind_ == Kind::kOffset) return id_;
  if (kind_ == Kind::kFixedRegion) return standard_name_.empty() ? id_ : standard_name_;
  absl::TimeZone::CivilInfo info = tz_.At(absl::FromUnixSeconds(epoch_seconds));
  // The tz database's abbreviation picks Java's name where it is one of them
  // (Europe/Dublin's negative DST makes is_dst disagree with Java); otherwise
  // whether the instant is in daylight time.
  std::string abbr = info.zone_abbr;
  if (abbr == standard_name_ || abbr == daylight_name_) return abbr;
  return info.is_dst ? daylight_name_ : standard_name_;
}

namespace {

enum class FieldId {
  kYear,
  kYearOfEra,
  kMonth,
  kDay,
  kHourOfDay,
  kClockHourOfAmPm,
  kMinute,
  kSecond,
  kNano,
  kDayOfYear,
  kWeekBasedYear,
  kWeekOfWeekBasedYear,
  kDayOfWeek,
  kAmPm,
};

std::string_view FieldName(FieldId f) {
  switch (f) {
    case FieldId::kYear:
      return "Year";
    case FieldId::kYearOfEra:
      return "YearOfEra";
    case FieldId::kMonth:
      return "MonthOfYear";
    case FieldId::kDay:
      return "DayOfMonth";
    case FieldId::kHourOfDay:
      return "HourOfDay";
    case FieldId::kClockHourOfAmPm:
      return "ClockHourOfAmPm";
    case FieldId::kMinute:
      return "MinuteOfHour";
    case FieldId::kSecond:
      return "SecondOfMinute";
    case FieldId::kNano:
      return "NanoOfSecond";
    case FieldId::kDayOfYear:
      return "DayOfYear";
    case FieldId::kWeekBasedYear:
      return "WeekBasedYear";
    case FieldId::kWeekOfWeekBasedYear:
      return "WeekOfWeekBasedYear";
    case FieldId::kDayOfWeek:
      return "DayOfWeek";
    case FieldId::kAmPm:
      return "AmPmOfDay";
  }
  return "";
}

enum class SignStyle { kNormal, kNotNegative, kExceedsPad };

// The fields of an instant in a zone (ISO chronology, proleptic Gregorian).
struct Fields {
  int64_t epoch_seconds = 0;
  int offset = 0;
  int64_t year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int64_t nano = 0;
  int day_of_year = 0;
  int day_of_week = 0;  // 1 = Monday.
  int64_t week_based_year = 0;
  int week = 0;

  int64_t Get(FieldId f) const {
    switch (f) {
      case FieldId::kYear:
        return year;
      case FieldId::kYearOfEra:
        return year >= 1 ? year : 1 - year;
      case FieldId::kMonth:
        return month;
      case FieldId::kDay:
        return day;
      case FieldId::kHourOfDay:
        return hour;
      case FieldId::kClockHourOfAmPm:
        return hour % 12 == 0 ? 12 : hour % 12;
      case FieldId::kMinute:
        return minute;
      case FieldId::kSecond:
        return second;
      case FieldId::kNano:
        return nano;
      case FieldId::kDayOfYear:
        return day_of_year;
      case FieldId::kWeekBasedYear:
        return week_based_year;
      case FieldId::kWeekOfWeekBasedYear:
        return week;
      case FieldId::kDayOfWeek:
        return day_of_week;
      case FieldId::kAmPm:
        return hour >= 12 ? 1 : 0;
    }
    return 0;
  }
};

int DayOfYear(int64_t days, int64_t year) {
  return static_cast<int>(days - DaysFromCivil(year, 1, 1)) + 1;
}

Fields ComputeFields(int64_t epoch_millis, int offset) {
  Fields f;
  f.epoch_seconds = FloorDiv(epoch_millis, 1000);
  f.nano = FloorMod(epoch_millis, 1000) * 1000000;
  f.offset = offset;
  int64_t local = f.epoch_seconds + offset;
  int64_t days = FloorDiv(local, 86400);
  int64_t secs = FloorMod(local, 86400);
  CivilDate d = CivilFromDays(days);
  f.year = d.year;
  f.month = d.month;
  f.day = d.day;
  f.hour = static_cast<int>(secs / 3600);
  f.minute = static_cast<int>(secs / 60 % 60);
  f.second = static_cast<int>(secs % 60);
  f.day_of_year = DayOfYear(days, d.year);
  f.day_of_week = static_cast<int>(FloorMod(days + 3, 7)) + 1;
  // ISO weeks: the week belongs to the year of its Thursday.
  int64_t thursday = days - (f.day_of_week - 1) + 3;
  CivilDate t = CivilFromDays(thursday);
  f.week_based_year = t.year;
  f.week = (DayOfYear(thursday, t.year) - 1) / 7 + 1;
  return f;
}

constexpr std::string_view kMonthsFull[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
constexpr std::string_view kDaysFull[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                          "Friday", "Saturday", "Sunday"};

// DateTimeFormatterBuilder.OffsetIdPrinterParser.PATTERNS.
constexpr std::string_view kOffsetPatterns[] = {
    "+HH",       "+HHmm",    "+HH:mm",    "+HHMM",    "+HH:MM", "+HHMMss", "+HH:MM:ss", "+HHMMSS",
    "+HH:MM:SS", "+HHmmss",  "+HH:mm:ss", "+H",       "+Hmm",   "+H:mm",   "+HMM",      "+H:MM",
    "+HMMss",    "+H:MM:ss", "+HMMSS",    "+H:MM:SS", "+Hmmss", "+H:mm:ss"};

}  // namespace

struct JavaDateTimeFormatter::Element {
  enum class Kind {
    kLiteral,
    kNumber,
    kReducedYear,  // yy / uu: two digits of the year.
    kFraction,     // S..S: `min_width` digits of the second, truncated.
    kIsoFraction,  // ISO_LOCAL_TIME: '.' and 1-9 digits, none when zero.
    kText,
    kOffset,
    kZoneShortName,
    kZoneId,
    kRegionIdInBrackets,  // ISO_ZONED_DATE_TIME's optional "[Europe/Zurich]".
    kInstant,             // ISO_INSTANT.
  };
  Kind kind = Kind::kLiteral;
  std::string text;  // literal; the offset's no-offset text.
  FieldId field = FieldId::kYear;
  int min_width = 1;
  int max_width = 19;
  SignStyle sign = SignStyle::kNormal;
  int style = 0;  // text: 0 short, 1 full, 2 narrow.
  int offset_pattern = 0;
};

namespace {

using Element = JavaDateTimeFormatter::Element;

Element Lit(std::string text) {
  Element e;
  e.kind = Element::Kind::kLiteral;
  e.text = std::move(text);
  return e;
}
Element Num(FieldId f, int min, int max, SignStyle sign) {
  Element e;
  e.kind = Element::Kind::kNumber;
  e.field = f;
  e.min_width = min;
  e.max_width = max;
  e.sign = sign;
  return e;
}
Element Fixed(FieldId f, int width) { return Num(f, width, width, SignStyle::kNotNegative); }
Element Text(FieldId f, int style) {
  Element e;
  e.kind = Element::Kind::kText;
  e.field = f;
  e.style = style;
  return e;
}
Element Offset(std::string_view pattern, std::string no_offset) {
  Element e;
  e.kind = Element::Kind::kOffset;
  e.text = std::move(no_offset);
  for (size_t i = 0; i < std::size(kOffsetPatterns); ++i) {
    if (kOffsetPatterns[i] == pattern) e.offset_pattern = static_cast<int>(i);
  }
  return e;
}
Element Simple(Element::Kind kind) {
  Element e;
  e.kind = kind;
  return e;
}

void Append(std::vector<Element>* out, std::vector<Element> more) {
  for (Element& e : more) out->push_back(std::move(e));
}

std::vector<Element> LocalDate() {
  return {Num(FieldId::kYear, 4, 10, SignStyle::kExceedsPad), Lit("-"), Fixed(FieldId::kMonth, 2),
          Lit("-"), Fixed(FieldId::kDay, 2)};
}
std::vector<Element> LocalTime() {
  return {Fixed(FieldId::kHourOfDay, 2), Lit(":"),
          Fixed(FieldId::kMinute, 2),    Lit(":"),
          Fixed(FieldId::kSecond, 2),    Simple(Element::Kind::kIsoFraction)};
}
Element OffsetIdElement() { return Offset("+HH:MM:ss", "Z"); }

// The predefined DateTimeFormatter constants JsonDateTimeAsStringConverter
// names; empty when `name` is none of them.
std::vector<Element> Predefined(const std::string& name) {
  std::vector<Element> out;
  auto local_date_time = [&] {
    Append(&out, LocalDate());
    out.push_back(Lit("T"));
    Append(&out, LocalTime());
  };
  if (name == "ISO_LOCAL_DATE") {
    Append(&out, LocalDate());
  } else if (name == "ISO_OFFSET_DATE" || name == "ISO_DATE") {
    Append(&out, LocalDate());
    out.push_back(OffsetIdElement());
  } else if (name == "ISO_LOCAL_TIME") {
    Append(&out, LocalTime());
  } else if (name == "ISO_OFFSET_TIME" || name == "ISO_TIME") {
    Append(&out, LocalTime());
    out.push_back(OffsetIdElement());
  } else if (name == "ISO_LOCAL_DATE_TIME") {
    local_date_time();
  } else if (name == "ISO_OFFSET_DATE_TIME") {
    local_date_time();
    out.push_back(OffsetIdElement());
  } else if (name == "ISO_ZONED_DATE_TIME" || name == "ISO_DATE_TIME") {
    local_date_time();
    out.push_back(OffsetIdElement());
    out.push_back(Simple(Element::Kind::kRegionIdInBrackets));
  } else if (name == "ISO_INSTANT") {
    out.push_back(Simple(Element::Kind::kInstant));
  } else if (name == "BASIC_ISO_DATE") {
    out = {Fixed(FieldId::kYear, 4), Fixed(FieldId::kMonth, 2), Fixed(FieldId::kDay, 2),
           Offset("+HHMMss", "Z")};
  } else if (name == "ISO_ORDINAL_DATE") {
    out = {Num(FieldId::kYear, 4, 10, SignStyle::kExceedsPad), Lit("-"),
           Fixed(FieldId::kDayOfYear, 3), OffsetIdElement()};
  } else if (name == "ISO_WEEK_DATE") {
    out = {Num(FieldId::kWeekBasedYear, 4, 10, SignStyle::kExceedsPad),
           Lit("-W"),
           Fixed(FieldId::kWeekOfWeekBasedYear, 2),
           Lit("-"),
           Fixed(FieldId::kDayOfWeek, 1),
           OffsetIdElement()};
  } else if (name == "RFC_1123_DATE_TIME") {
    out = {Text(FieldId::kDayOfWeek, 0),
           Lit(", "),
           Num(FieldId::kDay, 1, 2, SignStyle::kNotNegative),
           Lit(" "),
           Text(FieldId::kMonth, 0),
           Lit(" "),
           Fixed(FieldId::kYear, 4),
           Lit(" "),
           Fixed(FieldId::kHourOfDay, 2),
           Lit(":"),
           Fixed(FieldId::kMinute, 2),
           Lit(":"),
           Fixed(FieldId::kSecond, 2),
           Lit(" "),
           Offset("+HHMM", "GMT")};
  }
  return out;
}

absl::Status PatternError(std::string message) {
  return absl::InvalidArgumentError(std::move(message));
}

absl::Status Unsupported(char letter, std::string_view what) {
  return PatternError(absl::StrCat(
      "ferry does not implement the DateTimeFormatter pattern letter '", std::string(1, letter),
      "' (", std::string(what), "); use the letters u y M d H h m s S n a E z Z X x VV"));
}

absl::Status TooMany(char letter) {
  return PatternError(absl::StrCat("Too many pattern letters: ", std::string(1, letter)));
}

absl::Status CheckMinWidth(int count) {
  if (count < 1 || count > 19) {
    return PatternError(
        absl::StrCat("The minimum width must be from 1 to 19 inclusive but was ", count));
  }
  return absl::OkStatus();
}

// DateTimeFormatterBuilder.parsePattern / parseField, for the letters ferry
// implements.
absl::Status ParseLetter(char cur, int count, std::vector<Element>* out) {
  switch (cur) {
    case 'u':
    case 'y': {
      FieldId f = cur == 'u' ? FieldId::kYear : FieldId::kYearOfEra;
      if (count == 2) {
        Element e = Fixed(f, 2);
        e.kind = Element::Kind::kReducedYear;
        out->push_back(e);
      } else {
        absl::Status s = CheckMinWidth(count);
        if (!s.ok()) return s;
        out->push_back(Num(f, count, 19, count < 4 ? SignStyle::kNormal : SignStyle::kExceedsPad));
      }
      return absl::OkStatus();
    }
    case 'M':
      if (count == 1) {
        out->push_back(Num(FieldId::kMonth, 1, 19, SignStyle::kNormal));
      } else if (count == 2) {
        out->push_back(Fixed(FieldId::kMonth, 2));
      } else if (count <= 5) {
        out->push_back(Text(FieldId::kMonth, count == 3 ? 0 : count == 4 ? 1 : 2));
      } else {
        return TooMany(cur);
      }
      return absl::OkStatus();
    case 'd':
    case 'h':
    case 'H':
    case 'm':
    case 's': {
      FieldId f = cur == 'd'   ? FieldId::kDay
                  : cur == 'h' ? FieldId::kClockHourOfAmPm
                  : cur == 'H' ? FieldId::kHourOfDay
                  : cur == 'm' ? FieldId::kMinute
                               : FieldId::kSecond;
      if (count == 1) {
        out->push_back(Num(f, 1, 19, SignStyle::kNormal));
      } else if (count == 2) {
        out->push_back(Fixed(f, 2));
      } else {
        return TooMany(cur);
      }
      return absl::OkStatus();
    }
    case 'S': {
      if (count > 9) {
        return PatternError(
            absl::StrCat("Minimum width must be from 0 to 9 inclusive but was ", count));
      }
      Element e;
      e.kind = Element::Kind::kFraction;
      e.min_width = count;
      out->push_back(e);
      return absl::OkStatus();
    }
    case 'n': {
      absl::Status s = CheckMinWidth(count);
      if (!s.ok()) return s;
      out->push_back(Num(FieldId::kNano, count, 19, SignStyle::kNotNegative));
      return absl::OkStatus();
    }
    case 'a':
      if (count != 1) return TooMany(cur);
      out->push_back(Text(FieldId::kAmPm, 0));
      return absl::OkStatus();
    case 'E':
      if (count > 5) return TooMany(cur);
      out->push_back(Text(FieldId::kDayOfWeek, count <= 3 ? 0 : count == 4 ? 1 : 2));
      return absl::OkStatus();
    case 'z':
      if (count > 4) return TooMany(cur);
      if (count == 4) return Unsupported(cur, "zzzz, full zone names, needs CLDR's names");
      out->push_back(Simple(Element::Kind::kZoneShortName));
      return absl::OkStatus();
    case 'V':
      if (count != 2) return PatternError("Pattern letter count must be 2: V");
      out->push_back(Simple(Element::Kind::kZoneId));
      return absl::OkStatus();
    case 'Z':
      if (count < 4) {
        out->push_back(Offset("+HHMM", "+0000"));
      } else if (count == 4) {
        return Unsupported(cur, "ZZZZ, the localized offset");
      } else if (count == 5) {
        out->push_back(Offset("+HH:MM:ss", "Z"));
      } else {
        return TooMany(cur);
      }
      return absl::OkStatus();
    case 'X':
    case 'x': {
      if (count > 5) return TooMany(cur);
      std::string_view pattern = kOffsetPatterns[count + (count == 1 ? 0 : 1)];
      std::string zero = cur == 'X'       ? "Z"
                         : count == 1     ? "+00"
                         : count % 2 == 0 ? "+0000"
                                          : "+00:00";
      out->push_back(Offset(pattern, zero));
      return absl::OkStatus();
    }
    case 'G':
      return Unsupported(cur, "era");
    case 'D':
      return Unsupported(cur, "day of year");
    case 'L':
      return Unsupported(cur, "standalone month");
    case 'Q':
    case 'q':
      return Unsupported(cur, "quarter");
    case 'Y':
      return Unsupported(cur, "localized week-based year");
    case 'w':
    case 'W':
      return Unsupported(cur, "localized week");
    case 'e':
    case 'c':
      return Unsupported(cur, "localized day of week");
    case 'F':
      return Unsupported(cur, "aligned week of month");
    case 'K':
    case 'k':
      return Unsupported(cur, "hour-of-am-pm and clock-hour-of-day");
    case 'A':
    case 'N':
      return Unsupported(cur, "milli/nano of day");
    case 'g':
      return Unsupported(cur, "modified Julian day");
    case 'B':
      return Unsupported(cur, "day periods");
    case 'O':
      return Unsupported(cur, "localized offset");
    case 'v':
      return Unsupported(cur, "generic zone names");
    case 'p':
      return Unsupported(cur, "padding");
    default:
      return PatternError(absl::StrCat("Unknown pattern letter: ", std::string(1, cur)));
  }
}

absl::StatusOr<std::vector<Element>> ParsePattern(std::string_view pattern) {
  std::vector<Element> out;
  int optional_depth = 0;
  for (size_t pos = 0; pos < pattern.size(); ++pos) {
    char cur = pattern[pos];
    if (absl::ascii_isalpha(static_cast<unsigned char>(cur))) {
      size_t start = pos;
      while (pos + 1 < pattern.size() && pattern[pos + 1] == cur) ++pos;
      absl::Status s = ParseLetter(cur, static_cast<int>(pos - start + 1), &out);
      if (!s.ok()) return s;
    } else if (cur == '\'') {
      size_t start = pos++;
      for (; pos < pattern.size(); ++pos) {
        if (pattern[pos] == '\'') {
          if (pos + 1 < pattern.size() && pattern[pos + 1] == '\'') {
            ++pos;
          } else {
            break;
          }
        }
      }
      if (pos >= pattern.size()) {
        return PatternError(
            absl::StrCat("Pattern ends with an incomplete string literal: ", std::string(pattern)));
      }
      std::string text(pattern.substr(start + 1, pos - start - 1));
      if (text.empty()) {
        out.push_back(Lit("'"));
      } else {
        std::string unquoted;
        for (size_t i = 0; i < text.size(); ++i) {
          unquoted.push_back(text[i]);
          if (text[i] == '\'' && i + 1 < text.size() && text[i + 1] == '\'') ++i;
        }
        out.push_back(Lit(unquoted));
      }
    } else if (cur == '[') {
      ++optional_depth;  // Every field is available: optional sections print.
    } else if (cur == ']') {
      if (optional_depth == 0) {
        return PatternError("Pattern invalid as it contains ] without previous [");
      }
      --optional_depth;
    } else if (cur == '{' || cur == '}' || cur == '#') {
      return PatternError(
          absl::StrCat("Pattern includes reserved character: '", std::string(1, cur), "'"));
    } else {
      out.push_back(Lit(std::string(1, cur)));
    }
  }
  return out;
}

std::string Pad(int64_t v, int width) {
  std::string s = absl::StrCat(v);
  if (static_cast<int>(s.size()) < width) s.insert(0, width - s.size(), '0');
  return s;
}

// NumberPrinterParser.format.
absl::Status FormatNumber(const Element& e, int64_t value, std::string* out) {
  std::string digits = absl::StrCat(value < 0 ? -value : value);
  if (static_cast<int>(digits.size()) > e.max_width) {
    return absl::InvalidArgumentError(
        absl::StrCat("Field ", std::string(FieldName(e.field)), " cannot be printed as the value ",
                     value, " exceeds the maximum print width of ", e.max_width));
  }
  if (value >= 0) {
    if (e.sign == SignStyle::kExceedsPad && e.min_width < 19 &&
        static_cast<int>(digits.size()) > e.min_width) {
      out->push_back('+');
    }
  } else {
    if (e.sign == SignStyle::kNotNegative) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Field ", std::string(FieldName(e.field)), " cannot be printed as the value ", value,
          " cannot be negative according to the SignStyle"));
    }
    out->push_back('-');
  }
  if (static_cast<int>(digits.size()) < e.min_width) out->append(e.min_width - digits.size(), '0');
  out->append(digits);
  return absl::OkStatus();
}

// OffsetIdPrinterParser.format.
void FormatOffset(const Element& e, int total, std::string* out) {
  if (total == 0) {
    out->append(e.text);
    return;
  }
  const int type = e.offset_pattern % 11;
  const bool padded_hour = e.offset_pattern < 11;
  const bool colon = kOffsetPatterns[e.offset_pattern].find(':') != std::string_view::npos;
  int abs_hours = std::abs((total / 3600) % 100);
  int abs_minutes = std::abs((total / 60) % 60);
  int abs_seconds = std::abs(total % 60);
  size_t start = out->size();
  int output = abs_hours;
  out->push_back(total < 0 ? '-' : '+');
  if (padded_hour || abs_hours >= 10) {
    out->append(Pad(abs_hours, 2));
  } else {
    out->push_back(static_cast<char>('0' + abs_hours));
  }
  if ((type >= 3 && type <= 8) || (type >= 9 && abs_seconds > 0) ||
      (type >= 1 && abs_minutes > 0)) {
    if (colon) out->push_back(':');
    out->append(Pad(abs_minutes, 2));
    output += abs_minutes;
    if (type == 7 || type == 8 || (type >= 5 && abs_seconds > 0)) {
      if (colon) out->push_back(':');
      out->append(Pad(abs_seconds, 2));
      output += abs_seconds;
    }
  }
  if (output == 0) {
    out->resize(start);
    out->append(e.text);
  }
}

// InstantPrinterParser with fractionalDigits -2 (ISO_INSTANT): UTC, seconds
// always, the fraction in groups of three digits.
absl::Status FormatInstant(int64_t epoch_millis, std::string* out) {
  Fields f = ComputeFields(epoch_millis, 0);
  if (f.year < -9999) {
    return absl::InvalidArgumentError(
        absl::StrCat("ferry does not format ISO_INSTANT years before -9999 (year ", f.year, ")"));
  }
  if (f.year > 9999) {
    absl::StrAppend(out, "+", f.year);
  } else if (f.year < 0) {
    absl::StrAppend(out, "-", Pad(-f.year, 4));
  } else {
    out->append(Pad(f.year, 4));
  }
  absl::StrAppend(out, "-", Pad(f.month, 2), "-", Pad(f.day, 2), "T", Pad(f.hour, 2), ":",
                  Pad(f.minute, 2), ":", Pad(f.second, 2));
  if (f.nano > 0) absl::StrAppend(out, ".", Pad(f.nano / 1000000, 3));
  out->push_back('Z');
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<JavaDateTimeFormatter> JavaDateTimeFormatter::Create(std::string_view pattern,
                                                                    JavaZoneId zone) {
  std::vector<Element> elements;
  if (pattern.empty()) {
    elements = Predefined("ISO_INSTANT");
  } else {
    elements = Predefined(absl::AsciiStrToUpper(std::string(pattern)));
    if (elements.empty()) {
      absl::StatusOr<std::vector<Element>> parsed = ParsePattern(pattern);
      if (!parsed.ok()) return parsed.status();
      elements = std::move(*parsed);
    }
  }
  return JavaDateTimeFormatter(std::make_shared<const std::vector<Element>>(std::move(elements)),
                               std::move(zone));
}

absl::StatusOr<std::string> JavaDateTimeFormatter::Format(int64_t epoch_millis) const {
  const int64_t epoch_seconds = FloorDiv(epoch_millis, 1000);
  const Fields f = ComputeFields(epoch_millis, zone_.OffsetSeconds(epoch_seconds));
  std::string out;
  for (const Element& e : *elements_) {
    switch (e.kind) {
      case Element::Kind::kLiteral:
        out.append(e.text);
        break;
      case Element::Kind::kNumber: {
        absl::Status s = FormatNumber(e, f.Get(e.field), &out);
        if (!s.ok()) return s;
        break;
      }
      case Element::Kind::kReducedYear:
        out.append(Pad(std::abs(f.Get(e.field)) % 100, 2));
        break;
      case Element::Kind::kFraction:
        out.append(Pad(f.nano, 9).substr(0, e.min_width));
        break;
      case Element::Kind::kIsoFraction:
        if (f.nano != 0) {
          std::string digits = Pad(f.nano, 9);
          while (digits.back() == '0') digits.pop_back();
          absl::StrAppend(&out, ".", digits);
        }
        break;
      case Element::Kind::kText: {
        int64_t v = f.Get(e.field);
        std::string_view full = e.field == FieldId::kMonth       ? kMonthsFull[v - 1]
                                : e.field == FieldId::kDayOfWeek ? kDaysFull[v - 1]
                                : v == 0                         ? "AM"
                                                                 : "PM";
        if (e.field == FieldId::kAmPm || e.style == 1) {
          out.append(full);
        } else {
          out.append(full.substr(0, e.style == 2 ? 1 : 3));
        }
        break;
      }
      case Element::Kind::kOffset:
        FormatOffset(e, f.offset, &out);
        break;
      case Element::Kind::kZoneShortName:
        out.append(zone_.ShortName(epoch_seconds));
        break;
      case Element::Kind::kZoneId:
        out.append(zone_.id());
        break;
      case Element::Kind::kRegionIdInBrackets:
        if (!zone_.is_offset()) absl::StrAppend(&out, "[", zone_.id(), "]");
        break;
      case Element::Kind::kInstant: {
        absl::Status s = FormatInstant(epoch_millis, &out);
        if (!s.ok()) return s;
        break;
      }
    }
  }
  return out;
}

}  // namespace ferry
