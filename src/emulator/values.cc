#include "emulator/values.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ferry::emulator::values {
namespace {

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

// A forward-only reader over the text being parsed.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  bool Consume(char c) {
    if (peek() != c || done()) return false;
    ++pos_;
    return true;
  }
  bool ConsumeString(std::string_view s) {
    if (text_.substr(pos_, s.size()) != s) return false;
    pos_ += s.size();
    return true;
  }
  // Exactly `n` digits.
  std::optional<int> Digits(int n) {
    if (pos_ + n > text_.size()) return std::nullopt;
    int v = 0;
    for (int i = 0; i < n; ++i) {
      const char c = text_[pos_ + i];
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    pos_ += n;
    return v;
  }
  // 1..9 fraction digits, returned as microseconds (digits past the sixth dropped).
  std::optional<int> FractionMicros() {
    int micros = 0;
    int count = 0;
    while (!done() && peek() >= '0' && peek() <= '9') {
      if (count < 6) micros = micros * 10 + (peek() - '0');
      ++count;
      ++pos_;
    }
    if (count == 0 || count > 9) return std::nullopt;
    for (int i = count; i < 6; ++i) micros *= 10;
    return micros;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

struct Civil {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, micros = 0;
};

// "YYYY-MM-DD"; BigQuery also accepts one-digit months and days, which is not
// emulated.
bool ParseDatePart(Cursor& c, Civil& out) {
  auto y = c.Digits(4);
  if (!y || !c.Consume('-')) return false;
  auto m = c.Digits(2);
  if (!m || !c.Consume('-')) return false;
  auto d = c.Digits(2);
  if (!d) return false;
  if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > DaysInMonth(*y, *m)) return false;
  out.year = *y;
  out.month = *m;
  out.day = *d;
  return true;
}

// "HH:MM[:SS[.ffffff]]"
bool ParseTimePart(Cursor& c, Civil& out) {
  auto h = c.Digits(2);
  if (!h || !c.Consume(':')) return false;
  auto mi = c.Digits(2);
  if (!mi || *h > 23 || *mi > 59) return false;
  out.hour = *h;
  out.minute = *mi;
  if (c.Consume(':')) {
    auto s = c.Digits(2);
    if (!s || *s > 59) return false;
    out.second = *s;
    if (c.Consume('.')) {
      auto f = c.FractionMicros();
      if (!f) return false;
      out.micros = *f;
    }
  }
  return true;
}

std::string FormatClock(const Civil& t) {
  std::string s = absl::StrFormat("%02d:%02d:%02d", t.hour, t.minute, t.second);
  if (t.micros != 0) absl::StrAppendFormat(&s, ".%06d", t.micros);
  return s;
}

std::string FormatDate(int64_t y, int m, int d) {
  return absl::StrFormat("%04d-%02d-%02d", y, m, d);
}

}  // namespace

int64_t DaysFromCivil(int64_t y, int month, int day) {
  const auto m = static_cast<unsigned>(month);
  const auto d = static_cast<unsigned>(day);
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& year, int& month, int& day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2);
}

absl::StatusOr<int64_t> CheckTimestampMicros(int64_t micros) {
  if (micros < kMinTimestampMicros || micros > kMaxTimestampMicros) {
    return Invalid(absl::StrCat("Timestamp field value is out of range: ", micros));
  }
  return micros;
}

absl::StatusOr<int64_t> ParseTimestamp(std::string_view text) {
  auto bad = [&] {
    return Invalid(
        absl::StrCat("Could not parse '", std::string(text),
                     "' as a timestamp. Required format is YYYY-MM-DD HH:MM[:SS[.SSSSSS]]"));
  };
  Cursor c(text);
  Civil t;
  if (!ParseDatePart(c, t)) return bad();
  int64_t offset_minutes = 0;
  if (!c.done()) {
    if (!c.Consume('T') && !c.Consume(' ') && !c.Consume('t')) return bad();
    if (!ParseTimePart(c, t)) return bad();
    const bool utc =
        c.Consume('Z') || c.Consume('z') || c.ConsumeString(" UTC") || c.ConsumeString("UTC");
    if (!utc && (c.peek() == '+' || c.peek() == '-')) {
      const int sign = c.peek() == '-' ? -1 : 1;
      c.Consume(c.peek());
      auto h = c.Digits(2);
      if (!h || *h > 14) return bad();
      int m = 0;
      if (c.Consume(':') || (!c.done())) {
        auto mm = c.Digits(2);
        if (!mm || *mm > 59) return bad();
        m = *mm;
      }
      offset_minutes = sign * (*h * 60 + m);
    }
    if (!c.done()) return bad();
  }
  const int64_t days = DaysFromCivil(t.year, t.month, t.day);
  const int64_t seconds =
      days * 86400 + t.hour * 3600 + t.minute * 60 + t.second - offset_minutes * 60;
  const int64_t micros = seconds * 1000000 + t.micros;
  return CheckTimestampMicros(micros);
}

std::string FormatTimestampIso(int64_t micros) {
  int64_t days = micros / 86400000000;
  int64_t rem = micros % 86400000000;
  if (rem < 0) {
    rem += 86400000000;
    --days;
  }
  int64_t y;
  int m, d;
  CivilFromDays(days, y, m, d);
  Civil t;
  t.hour = static_cast<int>(rem / 3600000000);
  t.minute = static_cast<int>(rem / 60000000 % 60);
  t.second = static_cast<int>(rem / 1000000 % 60);
  t.micros = static_cast<int>(rem % 1000000);
  return absl::StrCat(FormatDate(y, m, d), "T", FormatClock(t), "Z");
}

absl::StatusOr<std::string> DateFromDays(int64_t days) {
  if (days < kMinDateDays || days > kMaxDateDays) {
    return Invalid(absl::StrCat("Date field value is out of range: ", days));
  }
  int64_t y;
  int m, d;
  CivilFromDays(days, y, m, d);
  return FormatDate(y, m, d);
}

absl::StatusOr<std::string> ParseDate(std::string_view text) {
  Cursor c(text);
  Civil t;
  if (!ParseDatePart(c, t) || !c.done()) {
    return Invalid(absl::StrCat("Could not parse '", std::string(text), "' as a date"));
  }
  return FormatDate(t.year, t.month, t.day);
}

absl::StatusOr<std::string> ParseDatetime(std::string_view text) {
  Cursor c(text);
  Civil t;
  bool ok = ParseDatePart(c, t);
  if (ok && !c.done()) {
    ok = (c.Consume('T') || c.Consume(' ')) && ParseTimePart(c, t) && c.done();
  }
  if (!ok) return Invalid(absl::StrCat("Could not parse '", std::string(text), "' as a datetime"));
  return absl::StrCat(FormatDate(t.year, t.month, t.day), "T", FormatClock(t));
}

absl::StatusOr<std::string> ParseTime(std::string_view text) {
  Cursor c(text);
  Civil t;
  if (!ParseTimePart(c, t) || !c.done()) {
    return Invalid(absl::StrCat("Could not parse '", std::string(text), "' as a time"));
  }
  return FormatClock(t);
}

absl::StatusOr<std::string> ParseNumeric(std::string_view text, bool big) {
  const int max_int_digits = big ? 38 : 29;
  const int max_scale = big ? 38 : 9;
  const char* type = big ? "BIGNUMERIC" : "NUMERIC";
  auto bad = [&] { return Invalid(absl::StrCat("Invalid ", type, " value: ", std::string(text))); };
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  std::string digits;  // all mantissa digits.
  int64_t point = -1;  // digits before the decimal point.
  bool any = false;
  for (; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch >= '0' && ch <= '9') {
      digits.push_back(ch);
      any = true;
    } else if (ch == '.' && point < 0) {
      point = static_cast<int64_t>(digits.size());
    } else {
      break;
    }
  }
  if (!any) return bad();
  if (point < 0) point = static_cast<int64_t>(digits.size());
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    int64_t exp = 0;
    const char* begin = text.data() + i;
    if (i < text.size() && text[i] == '+') ++begin;
    auto [ptr, ec] = std::from_chars(begin, text.data() + text.size(), exp);
    if (ec != std::errc() || ptr != text.data() + text.size() || exp > 200 || exp < -200) {
      return bad();
    }
    point += exp;
    i = text.size();
  }
  if (i != text.size()) return bad();
  // Pad so that 0 <= point <= digits.size().
  if (point < 0) {
    digits.insert(0, static_cast<size_t>(-point), '0');
    point = 0;
  }
  if (point > static_cast<int64_t>(digits.size())) {
    digits.append(static_cast<size_t>(point - static_cast<int64_t>(digits.size())), '0');
  }
  std::string int_part = digits.substr(0, static_cast<size_t>(point));
  std::string frac_part = digits.substr(static_cast<size_t>(point));
  int_part.erase(0, int_part.find_first_not_of('0') == std::string::npos
                        ? int_part.size()
                        : int_part.find_first_not_of('0'));
  while (!frac_part.empty() && frac_part.back() == '0') frac_part.pop_back();
  if (static_cast<int>(int_part.size()) > max_int_digits) {
    return Invalid(absl::StrCat(type, " value is out of range: ", std::string(text)));
  }
  if (static_cast<int>(frac_part.size()) > max_scale) {
    return Invalid(absl::StrCat(type, " value has more than ", max_scale,
                                " fractional digits: ", std::string(text)));
  }
  if (int_part.empty()) int_part = "0";
  const bool zero = int_part == "0" && frac_part.empty();
  std::string out = negative && !zero ? "-" : "";
  out += int_part;
  if (!frac_part.empty()) absl::StrAppend(&out, ".", frac_part);
  return out;
}

absl::StatusOr<std::string> NumericFromDouble(double value, bool big) {
  if (!std::isfinite(value)) {
    return Invalid(absl::StrCat("Invalid ", big ? "BIGNUMERIC" : "NUMERIC",
                                " value: ", JavaDoubleString(value)));
  }
  // Rounds to the type's scale, as BigQuery does when it casts FLOAT64 to NUMERIC.
  char buf[512];
  std::snprintf(buf, sizeof(buf), big ? "%.38f" : "%.9f", value);
  return ParseNumeric(buf, big);
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int extra;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

std::string JavaDoubleString(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string s(buf, result.ptr);
  std::string sign;
  if (s[0] == '-') {
    sign = "-";
    s.erase(0, 1);
  }
  const size_t e = s.find('e');
  const int exp = std::stoi(s.substr(e + 1));
  std::string digits = s.substr(0, e);
  if (digits.size() > 1) digits.erase(1, 1);  // drop the '.'
  if (exp >= -3 && exp < 7) {
    std::string int_part, frac_part;
    if (exp >= 0) {
      const auto n = static_cast<size_t>(exp + 1);
      if (digits.size() < n) digits.append(n - digits.size(), '0');
      int_part = digits.substr(0, n);
      frac_part = digits.substr(n);
    } else {
      int_part = "0";
      frac_part = std::string(static_cast<size_t>(-exp - 1), '0') + digits;
    }
    if (frac_part.empty()) frac_part = "0";
    return absl::StrCat(sign, int_part, ".", frac_part);
  }
  const std::string mantissa =
      absl::StrCat(digits.substr(0, 1), ".", digits.size() > 1 ? digits.substr(1) : "0");
  return absl::StrCat(sign, mantissa, "E", exp);
}

}  // namespace ferry::emulator::values
