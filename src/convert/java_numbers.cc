#include "convert/java_numbers.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "absl/numeric/int128.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace ferry {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return absl::ascii_isxdigit(static_cast<unsigned char>(c)); }

// Checks Java's floating literal grammar; returns the text strtod should read
// (suffix dropped), or nullopt. Sets *special for NaN / Infinity.
std::optional<std::string> JavaFloatingText(std::string_view in, std::optional<double>* special) {
  std::string_view s = JavaTrim(in);
  if (s.empty()) return std::nullopt;
  bool negative = false;
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "NaN") {
    *special = std::numeric_limits<double>::quiet_NaN();
    return std::string();
  }
  if (body == "Infinity") {
    *special = negative ? -std::numeric_limits<double>::infinity()
                        : std::numeric_limits<double>::infinity();
    return std::string();
  }
  size_t i = 0;
  auto digits = [&](bool (*is)(char)) {
    size_t start = i;
    while (i < body.size() && is(body[i])) ++i;
    return i - start;
  };
  bool hex = body.size() > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X');
  if (hex) {
    i = 2;
    size_t n = digits(IsHexDigit);
    if (i < body.size() && body[i] == '.') {
      ++i;
      n += digits(IsHexDigit);
    }
    if (n == 0 || i >= body.size() || (body[i] != 'p' && body[i] != 'P')) return std::nullopt;
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    if (digits(IsDigit) == 0) return std::nullopt;
  } else {
    size_t n = digits(IsDigit);
    if (i < body.size() && body[i] == '.') {
      ++i;
      n += digits(IsDigit);
    }
    if (n == 0) return std::nullopt;
    if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
      ++i;
      if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
      if (digits(IsDigit) == 0) return std::nullopt;
    }
  }
  size_t end = i;
  if (i < body.size() && (body[i] == 'f' || body[i] == 'F' || body[i] == 'd' || body[i] == 'D')) {
    ++i;
  }
  if (i != body.size()) return std::nullopt;
  return absl::StrCat(negative ? "-" : "", std::string(body.substr(0, end)));
}

// Java's layout of shortest digits: plain for 1e-3 <= |v| < 1e7, else
// d.dddE[-]n.
std::string LayoutJavaFloating(bool negative, std::string digits, int exponent) {
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = negative ? "-" : "";
  if (exponent >= -3 && exponent < 7) {
    if (exponent >= 0) {
      std::string integer = digits.substr(0, std::min<size_t>(digits.size(), exponent + 1));
      integer.append(exponent + 1 - integer.size(), '0');
      std::string fraction =
          digits.size() > static_cast<size_t>(exponent + 1) ? digits.substr(exponent + 1) : "0";
      return absl::StrCat(out, integer, ".", fraction);
    }
    return absl::StrCat(out, "0.", std::string(-exponent - 1, '0'), digits);
  }
  std::string fraction = digits.size() > 1 ? digits.substr(1) : "0";
  return absl::StrCat(out, digits.substr(0, 1), ".", fraction, "E", exponent);
}

template <typename F>
std::string JavaFloatingToString(F v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v < 0 ? "-Infinity" : "Infinity";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view text(buf, result.ptr - buf);  // "-1.2345e+07"
  bool negative = text[0] == '-';
  if (negative) text.remove_prefix(1);
  size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exponent = std::atoi(std::string(text.substr(e + 1)).c_str());
  return LayoutJavaFloating(negative, std::move(digits), exponent);
}

}  // namespace

std::string_view JavaTrim(std::string_view s) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
  while (!s.empty() && static_cast<unsigned char>(s.back()) <= ' ') s.remove_suffix(1);
  return s;
}

int64_t JavaNarrow(int64_t v, Type type) {
  switch (type) {
    case Type::kInt8:
      return static_cast<int8_t>(v);
    case Type::kInt16:
      return static_cast<int16_t>(v);
    case Type::kInt32:
      return static_cast<int32_t>(v);
    default:
      return v;
  }
}

std::optional<int64_t> JavaParseIntegral(std::string_view s, int64_t min, int64_t max) {
  if (s.empty()) return std::nullopt;
  size_t pos = 0;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    pos = 1;
  }
  if (pos == s.size()) return std::nullopt;
  absl::int128 value = 0;
  for (; pos < s.size(); ++pos) {
    if (!IsDigit(s[pos])) return std::nullopt;
    value = value * 10 + (s[pos] - '0');
    if (value > absl::int128(max) + 1) return std::nullopt;
  }
  if (negative) value = -value;
  if (value < min || value > max) return std::nullopt;
  return static_cast<int64_t>(value);
}

std::optional<double> JavaParseDouble(std::string_view text) {
  std::optional<double> special;
  std::optional<std::string> cleaned = JavaFloatingText(text, &special);
  if (!cleaned) return std::nullopt;
  if (special) return *special;
  return std::strtod(cleaned->c_str(), nullptr);
}

std::optional<float> JavaParseFloat(std::string_view text) {
  std::optional<double> special;
  std::optional<std::string> cleaned = JavaFloatingText(text, &special);
  if (!cleaned) return std::nullopt;
  if (special) return static_cast<float>(*special);
  return std::strtof(cleaned->c_str(), nullptr);
}

int32_t JavaDoubleToInt(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 2147483647.0) return std::numeric_limits<int32_t>::max();
  if (d <= -2147483648.0) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(d);
}

int64_t JavaDoubleToLong(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
  if (d <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}

std::string JavaDoubleToString(double d) { return JavaFloatingToString(d); }
std::string JavaFloatToString(float f) { return JavaFloatingToString(f); }

std::optional<JavaBigDecimal> JavaParseBigDecimal(std::string_view s) {
  JavaBigDecimal out;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    out.negative = s[i] == '-';
    ++i;
  }
  std::string digits;
  int64_t fraction_digits = 0;
  bool seen_point = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (IsDigit(c)) {
      digits.push_back(c);
      if (seen_point) ++fraction_digits;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (digits.empty()) return std::nullopt;
  int64_t exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    std::optional<int64_t> e = JavaParseIntegral(s.substr(i), std::numeric_limits<int32_t>::min(),
                                                 std::numeric_limits<int32_t>::max());
    if (!e) return std::nullopt;
    exponent = *e;
    i = s.size();
  }
  if (i != s.size()) return std::nullopt;
  size_t first = digits.find_first_not_of('0');
  out.digits = first == std::string::npos ? "0" : digits.substr(first);
  out.scale = fraction_digits - exponent;
  if (out.scale > std::numeric_limits<int32_t>::max() ||
      out.scale < std::numeric_limits<int32_t>::min()) {
    return std::nullopt;  // Java: "Scale out of range."
  }
  return out;
}

std::optional<JavaBigDecimal> JavaSetScaleExact(const JavaBigDecimal& d, int64_t scale) {
  JavaBigDecimal out = d;
  out.scale = scale;
  if (d.digits == "0") return out;
  if (scale >= d.scale) {
    const int64_t zeros = scale - d.scale;
    if (static_cast<int64_t>(d.digits.size()) + zeros > 39) return std::nullopt;
    out.digits.append(static_cast<size_t>(zeros), '0');
    return out;
  }
  const int64_t drop = d.scale - scale;
  if (drop >= static_cast<int64_t>(d.digits.size())) return std::nullopt;  // not zero.
  const size_t keep = d.digits.size() - static_cast<size_t>(drop);
  if (d.digits.find_first_not_of('0', keep) != std::string::npos) return std::nullopt;
  out.digits.resize(keep);
  return out;
}

JavaBigDecimal FromDecimal(const Decimal& d) {
  std::string text = d.ToString();  // plain: "-12.345", "1200" for scale -2.
  JavaBigDecimal out;
  if (!text.empty() && text[0] == '-') {
    out.negative = true;
    text.erase(0, 1);
  }
  std::string digits;
  for (char c : text) {
    if (IsDigit(c)) digits.push_back(c);
  }
  if (d.scale < 0 && digits.size() > static_cast<size_t>(-d.scale)) {
    digits.resize(digits.size() - static_cast<size_t>(-d.scale));
  }
  size_t first = digits.find_first_not_of('0');
  out.digits = first == std::string::npos ? "0" : digits.substr(first);
  out.scale = d.scale;
  return out;
}

std::optional<Decimal> ToDecimal(const JavaBigDecimal& d) {
  if (d.digits.size() > 38) return std::nullopt;
  std::string text = absl::StrCat(d.negative ? "-" : "", d.digits);
  std::optional<Decimal> out = Decimal::FromString(text);
  if (!out) return std::nullopt;
  out->scale = static_cast<int32_t>(d.scale);
  return out;
}

int64_t BigDecimalLongValue(const JavaBigDecimal& d) {
  // The integer part, modulo 2^64: enough for Java's low-order bits.
  uint64_t v = 0;
  if (d.scale <= 0) {
    for (char c : d.digits) v = v * 10 + static_cast<uint64_t>(c - '0');
    // 10^64 is a multiple of 2^64: further zeros change nothing.
    for (int64_t k = 0; k < std::min<int64_t>(-d.scale, 64); ++k) v *= 10;
  } else if (static_cast<int64_t>(d.digits.size()) > d.scale) {
    for (size_t i = 0; i < d.digits.size() - static_cast<size_t>(d.scale); ++i) {
      v = v * 10 + static_cast<uint64_t>(d.digits[i] - '0');
    }
  }
  if (d.negative) v = ~v + 1;
  return static_cast<int64_t>(v);
}

double BigDecimalDoubleValue(const JavaBigDecimal& d) {
  std::string text = absl::StrCat(d.negative ? "-" : "", d.digits, "e", -d.scale);
  return std::strtod(text.c_str(), nullptr);
}

float BigDecimalFloatValue(const JavaBigDecimal& d) {
  std::string text = absl::StrCat(d.negative ? "-" : "", d.digits, "e", -d.scale);
  return std::strtof(text.c_str(), nullptr);
}

std::string BigDecimalToString(const JavaBigDecimal& d) {
  const std::string& coeff = d.digits;
  const std::string sign = d.negative && coeff != "0" ? "-" : "";
  const int64_t len = static_cast<int64_t>(coeff.size());
  const int64_t adjusted = -d.scale + (len - 1);
  if (d.scale == 0) return sign + coeff;
  if (d.scale > 0 && adjusted >= -6) {
    if (len > d.scale) {
      return absl::StrCat(sign, coeff.substr(0, len - d.scale), ".", coeff.substr(len - d.scale));
    }
    return absl::StrCat(sign, "0.", std::string(d.scale - len, '0'), coeff);
  }
  std::string out = sign + coeff.substr(0, 1);
  if (len > 1) absl::StrAppend(&out, ".", coeff.substr(1));
  if (adjusted != 0) absl::StrAppend(&out, "E", adjusted > 0 ? "+" : "", adjusted);
  return out;
}

}  // namespace ferry
