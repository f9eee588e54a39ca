#include "transform/date_format.h"

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

constexpr std::array<std::string_view, 12> kLongMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<std::string_view, 12> kShortMonths = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 7> kShortDays = {"Sun", "Mon", "Tue", "Wed",
                                                        "Thu", "Fri", "Sat"};

// Every letter java.text.SimpleDateFormat defines, and the ones ferry handles.
constexpr std::string_view kJavaLetters = "GyMdkHmsSEDFwWahKzZYuXL";
constexpr std::string_view kSupportedLetters = "yMdkHmsSEahKzZX";

bool IEq(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(absl::string_view(a.data(), a.size()),
                                absl::string_view(b.data(), b.size()));
}

bool IsNumericLetter(char c) {
  return c == 'y' || c == 'd' || c == 'k' || c == 'H' || c == 'm' || c == 's' || c == 'S' ||
         c == 'K' || c == 'h';
}

std::string Pad(int64_t value, int width) {
  bool negative = value < 0;
  std::string digits = absl::StrCat(negative ? -value : value);
  if (static_cast<int>(digits.size()) < width) {
    digits.insert(0, static_cast<size_t>(width) - digits.size(), '0');
  }
  return negative ? "-" + digits : digits;
}

// Case-insensitive prefix match of the longest candidate; returns its index.
std::optional<int> MatchName(std::string_view text, size_t* pos,
                             std::initializer_list<const std::string_view*> lists, size_t n) {
  for (const std::string_view* list : lists) {
    int best = -1;
    size_t best_len = 0;
    for (size_t i = 0; i < n; ++i) {
      std::string_view name = list[i];
      if (text.size() - *pos >= name.size() && name.size() > best_len &&
          IEq(text.substr(*pos, name.size()), name)) {
        best = static_cast<int>(i);
        best_len = name.size();
      }
    }
    if (best >= 0) {
      *pos += best_len;
      return best;
    }
  }
  return std::nullopt;
}

// Reads a decimal number: exactly `width` digits when width > 0, else all
// digits present. Java's number parsing also takes a leading '-'.
std::optional<int64_t> ReadNumber(std::string_view text, size_t* pos, int width,
                                  size_t* digits_read) {
  size_t p = *pos;
  bool negative = false;
  if (p < text.size() && text[p] == '-') {
    negative = true;
    ++p;
  }
  size_t start = p;
  int64_t value = 0;
  while (p < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[p])) &&
         (width <= 0 || static_cast<int>(p - start) < width)) {
    value = value * 10 + (text[p] - '0');
    ++p;
    // Calendar fields are Java ints; longer numbers do not parse.
    if (value > 0x7fffffff) return std::nullopt;
  }
  if (p == start) return std::nullopt;
  *digits_read = p - start;
  *pos = p;
  return negative ? -value : value;
}

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

int CurrentYear() {
  auto now = std::chrono::system_clock::now();
  int64_t secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return static_cast<int>(CivilFromDays(FloorDiv(secs, 86400)).year);
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
    if (kSupportedLetters.find(c) == std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("Pattern letter '", std::string(1, c),
                       "' is not supported by ferry (supported: y M d H k K h a m s S E z Z X)"));
    }
    int count = 1;
    while (i + 1 < pattern.size() && pattern[i + 1] == c) {
      ++count;
      ++i;
    }
    if (c == 'X' && count > 3) {
      return absl::InvalidArgumentError(absl::StrCat("invalid ISO 8601 format: length=", count));
    }
    f.tokens_.push_back(Token{c, count, ""});
  }
  if (in_quote) return absl::InvalidArgumentError("Unterminated quote");
  return f;
}

std::string DateFormat::Format(int64_t epoch_micros) const {
  int64_t days = FloorDiv(epoch_micros, kMicrosPerDay);
  int64_t tod_millis = FloorMod(epoch_micros, kMicrosPerDay) / kMicrosPerMilli;
  CivilDate date = CivilFromDays(days);
  int hour = static_cast<int>(tod_millis / 3600000);
  int minute = static_cast<int>(tod_millis / 60000 % 60);
  int second = static_cast<int>(tod_millis / 1000 % 60);
  int millis = static_cast<int>(tod_millis % 1000);
  int weekday = static_cast<int>(FloorMod(days + 4, 7));  // 1970-01-01 was a Thursday.
  std::string out;
  for (const Token& t : tokens_) {
    switch (t.letter) {
      case 0:
        out += t.literal;
        break;
      case 'y':
        out += t.count == 2 ? Pad(FloorMod(date.year, 100), 2) : Pad(date.year, t.count);
        break;
      case 'M':
        if (t.count >= 4) {
          out += kLongMonths[date.month - 1];
        } else if (t.count == 3) {
          out += kShortMonths[date.month - 1];
        } else {
          out += Pad(date.month, t.count);
        }
        break;
      case 'd':
        out += Pad(date.day, t.count);
        break;
      case 'H':
        out += Pad(hour, t.count);
        break;
      case 'k':
        out += Pad(hour == 0 ? 24 : hour, t.count);
        break;
      case 'K':
        out += Pad(hour % 12, t.count);
        break;
      case 'h':
        out += Pad(hour % 12 == 0 ? 12 : hour % 12, t.count);
        break;
      case 'a':
        out += hour < 12 ? "AM" : "PM";
        break;
      case 'm':
        out += Pad(minute, t.count);
        break;
      case 's':
        out += Pad(second, t.count);
        break;
      case 'S':
        out += Pad(millis, t.count);
        break;
      case 'E':
        out += t.count >= 4 ? kLongDays[weekday] : kShortDays[weekday];
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
  int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0;
  int64_t offset = 0;
  std::optional<int64_t> hour12;
  bool pm = false;
  size_t pos = 0;
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const Token& t = tokens_[i];
    if (t.letter == 0) {
      if (text.substr(pos, t.literal.size()) != t.literal) return fail();
      pos += t.literal.size();
      continue;
    }
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
    if (pos >= text.size()) return fail();
    // Java parses a field with exactly `count` digits when another field
    // follows without a literal in between ("yyyyMMdd").
    bool obey_count = i + 1 < tokens_.size() && tokens_[i + 1].letter != 0;
    if (IsNumericLetter(t.letter) || (t.letter == 'M' && t.count <= 2)) {
      size_t digits = 0;
      size_t start = pos;
      std::optional<int64_t> v = ReadNumber(text, &pos, obey_count ? t.count : 0, &digits);
      if (!v) return fail();
      switch (t.letter) {
        case 'y':
          year = *v;
          if (t.count <= 2 && digits == 2 && pos - start == 2) {
            // Java's default century: 80 years before to 20 years after now.
            int start_year = CurrentYear() - 80;
            int64_t century = (start_year / 100) * 100;
            year = century + *v;
            if (year < start_year) year += 100;
          }
          break;
        case 'M':
          month = *v;
          break;
        case 'd':
          day = *v;
          break;
        case 'H':
          hour = *v;
          break;
        case 'k':
          hour = *v == 24 ? 0 : *v;
          break;
        case 'K':
          hour12 = *v;
          break;
        case 'h':
          hour12 = *v == 12 ? 0 : *v;
          break;
        case 'm':
          minute = *v;
          break;
        case 's':
          second = *v;
          break;
        case 'S':
          millis = *v;
          break;
      }
      continue;
    }
    switch (t.letter) {
      case 'M': {
        std::optional<int> m =
            MatchName(text, &pos, {kLongMonths.data(), kShortMonths.data()}, kLongMonths.size());
        if (!m) return fail();
        month = *m + 1;
        break;
      }
      case 'E':
        if (!MatchName(text, &pos, {kLongDays.data(), kShortDays.data()}, kLongDays.size())) {
          return fail();
        }
        break;
      case 'a': {
        if (text.size() - pos < 2) return fail();
        std::string_view ap = text.substr(pos, 2);
        if (IEq(ap, "AM")) {
          pm = false;
        } else if (IEq(ap, "PM")) {
          pm = true;
        } else {
          return fail();
        }
        pos += 2;
        break;
      }
      case 'z':
      case 'Z':
      case 'X': {
        std::optional<int64_t> z = ReadZoneMicros(text, &pos);
        if (!z) return fail();
        offset = *z;
        break;
      }
    }
  }
  if (hour12) hour = *hour12 + (pm ? 12 : 0);
  absl::int128 micros =
      static_cast<absl::int128>(DaysFromCivil(year, month, day)) * kMicrosPerDay +
      (static_cast<absl::int128>(hour) * 3600 + minute * 60 + second) * kMicrosPerSecond +
      static_cast<absl::int128>(millis) * kMicrosPerMilli - offset;
  if (micros > absl::int128(INT64_MAX) || micros < absl::int128(INT64_MIN)) return fail();
  return static_cast<int64_t>(micros);
}

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
