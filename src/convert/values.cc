#include "convert/values.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "convert/absl_compat.h"
#include "convert/rfc3339.h"

namespace ferry {
namespace {

constexpr int64_t kMicrosPerDay = 86'400'000'000;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Java's Double.toString / Float.toString layout: plain notation for
// 1e-3 <= |x| < 1e7, else "d.dddE[-]n"; always at least one fraction digit.
template <typename T>
std::string JavaFloatString(T x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x == 0) return std::signbit(x) ? "-0.0" : "0.0";
  char buf[64];
  const T mag = std::fabs(x);
  if (mag >= T(1e-3) && mag < T(1e7)) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x, std::chars_format::fixed);
    std::string s(buf, end);
    if (s.find('.') == std::string::npos) s += ".0";
    return s;
  }
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x, std::chars_format::scientific);
  std::string s(buf, end);  // e.g. "1.2345e+10", "1e-05"
  size_t e = s.find('e');
  std::string mantissa = s.substr(0, e);
  if (mantissa.find('.') == std::string::npos) mantissa += ".0";
  int exponent = 0;
  absl::SimpleAtoi(s.substr(e + 1), &exponent);
  return absl::StrCat(mantissa, "E", exponent);
}

std::string FormatMillisOfDay(int64_t micros_of_day) {
  const int64_t ms = micros_of_day / 1000;
  return absl::StrFormat("%02d:%02d:%02d.%03d", ms / 3'600'000, (ms / 60'000) % 60,
                         (ms / 1000) % 60, ms % 1000);
}

std::string FormatDate(int64_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  return absl::StrFormat("%04d-%02d-%02d", y, m, d);
}

void Append(const SchemaPtr& schema, const Value& value, bool embedded, std::string* out);

void AppendEmbedded(const SchemaPtr& schema, const Value& v, std::string* out) {
  if (v.is_null()) {
    out->append("null");
    return;
  }
  Append(schema, v, /*embedded=*/true, out);
}

void Append(const SchemaPtr& schema, const Value& value, bool embedded, std::string* out) {
  switch (value.kind()) {
    case Value::Kind::kNull:
      out->append("null");
      return;
    case Value::Kind::kBool:
      out->append(value.as_bool() ? "true" : "false");
      return;
    case Value::Kind::kInt:
      absl::StrAppend(out, value.as_int());
      return;
    case Value::Kind::kFloat:
      if (schema && schema->type() == Type::kFloat32) {
        out->append(JavaFloatString(static_cast<float>(value.as_float())));
      } else {
        out->append(JavaFloatString(value.as_float()));
      }
      return;
    case Value::Kind::kString:
      if (embedded) {
        std::string escaped =
            absl::StrReplaceAll(value.as_string(), {{"\\", "\\\\"}, {"\"", "\\\""}});
        absl::StrAppend(out, "\"", escaped, "\"");
      } else {
        out->append(value.as_string());
      }
      return;
    case Value::Kind::kBytes:
      out->append(absl::Base64Escape(value.as_bytes().data));
      return;
    case Value::Kind::kTimestamp: {
      const int64_t micros = value.as_timestamp().micros;
      const int64_t days = FloorDiv(micros, kMicrosPerDay);
      absl::StrAppend(out, FormatDate(days), "T", FormatMillisOfDay(micros - days * kMicrosPerDay),
                      "Z");
      return;
    }
    case Value::Kind::kDate:
      out->append(FormatDate(value.as_date().days));
      return;
    case Value::Kind::kTime:
      absl::StrAppend(out, FormatMillisOfDay(value.as_time().micros), "Z");
      return;
    case Value::Kind::kDecimal:
      out->append(value.as_decimal().ToString());
      return;
    case Value::Kind::kArray: {
      SchemaPtr elem = schema ? schema->value_schema() : nullptr;
      out->push_back('[');
      bool first = true;
      for (const Value& e : value.as_array()) {
        if (!first) out->push_back(',');
        first = false;
        AppendEmbedded(elem, e, out);
      }
      out->push_back(']');
      return;
    }
    case Value::Kind::kMap: {
      SchemaPtr ks = schema ? schema->key_schema() : nullptr;
      SchemaPtr vs = schema ? schema->value_schema() : nullptr;
      out->push_back('{');
      bool first = true;
      for (const auto& [k, v] : value.as_map()) {
        if (!first) out->push_back(',');
        first = false;
        AppendEmbedded(ks, k, out);
        out->push_back(':');
        AppendEmbedded(vs, v, out);
      }
      out->push_back('}');
      return;
    }
    case Value::Kind::kStruct: {
      // Struct.toString: "Struct{name=value,...}", null fields left out.
      const Struct& s = value.as_struct();
      out->append("Struct{");
      bool first = true;
      for (const Field& f : s.schema->fields()) {
        const Value& v = s.values[f.index];
        if (v.is_null()) continue;
        if (!first) out->push_back(',');
        first = false;
        absl::StrAppend(out, f.name, "=");
        Append(f.schema, v, /*embedded=*/false, out);
      }
      out->push_back('}');
      return;
    }
  }
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// "HH:mm:ss.SSS" → micros of day.
bool ParseTimeOfDay(std::string_view s, int64_t* micros) {
  if (s.size() != 12 || s[2] != ':' || s[5] != ':' || s[8] != '.') return false;
  int h, m, sec, ms;
  if (!AllDigits(s.substr(0, 2)) || !AllDigits(s.substr(3, 2)) || !AllDigits(s.substr(6, 2)) ||
      !AllDigits(s.substr(9, 3))) {
    return false;
  }
  absl::SimpleAtoi(internal::ToAbsl(s.substr(0, 2)), &h);
  absl::SimpleAtoi(internal::ToAbsl(s.substr(3, 2)), &m);
  absl::SimpleAtoi(internal::ToAbsl(s.substr(6, 2)), &sec);
  absl::SimpleAtoi(internal::ToAbsl(s.substr(9, 3)), &ms);
  if (h > 23 || m > 59 || sec > 59) return false;
  *micros = ((h * 3600LL + m * 60 + sec) * 1000 + ms) * 1000;
  return true;
}

bool ParseDate(std::string_view s, int64_t* days) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!AllDigits(s.substr(0, 4)) || !AllDigits(s.substr(5, 2)) || !AllDigits(s.substr(8, 2))) {
    return false;
  }
  int y, m, d;
  absl::SimpleAtoi(internal::ToAbsl(s.substr(0, 4)), &y);
  absl::SimpleAtoi(internal::ToAbsl(s.substr(5, 2)), &m);
  absl::SimpleAtoi(internal::ToAbsl(s.substr(8, 2)), &d);
  if (m < 1 || m > 12 || d < 1) return false;
  // Reuse the RFC 3339 calendar check.
  if (!ParseRfc3339Micros(absl::StrCat(std::string(s), "T00:00:00Z")).ok()) return false;
  *days = DaysFromCivil(y, m, d);
  return true;
}

std::optional<SchemaAndValue> ParseTemporal(std::string_view token) {
  if (token.size() == 24 && token[10] == 'T' && token[23] == 'Z') {
    int64_t days, micros;
    if (ParseDate(token.substr(0, 10), &days) && ParseTimeOfDay(token.substr(11, 12), &micros)) {
      return SchemaAndValue{Schema::Timestamp(), Value(Timestamp{days * kMicrosPerDay + micros})};
    }
  } else if (token.size() == 13 && token[12] == 'Z') {
    int64_t micros;
    if (ParseTimeOfDay(token.substr(0, 12), &micros)) {
      return SchemaAndValue{Schema::Time(), Value(TimeOfDay{micros})};
    }
  } else if (token.size() == 10) {
    int64_t days;
    if (ParseDate(token, &days)) {
      return SchemaAndValue{Schema::Date(), Value(Date{static_cast<int32_t>(days)})};
    }
  }
  return std::nullopt;
}

// Java BigDecimal syntax: [+-] (digits [. digits*] | . digits) [eE [+-] digits].
std::optional<SchemaAndValue> ParseNumber(std::string_view token) {
  size_t i = 0;
  bool negative = false;
  if (token[i] == '+' || token[i] == '-') negative = token[i++] == '-';
  std::string digits;
  int frac = 0;
  bool point = false;
  for (; i < token.size(); ++i) {
    char c = token[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
      if (point) ++frac;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (digits.empty()) return std::nullopt;
  int64_t exponent = 0;
  if (i < token.size() && (token[i] == 'e' || token[i] == 'E')) {
    std::string_view exp = token.substr(i + 1);
    if (!exp.empty() && exp[0] == '+') exp.remove_prefix(1);
    if (exp.empty() || (exp[0] == '-' ? !AllDigits(exp.substr(1)) : !AllDigits(exp)) ||
        !absl::SimpleAtoi(internal::ToAbsl(exp), &exponent) || exponent > 10000 ||
        exponent < -10000) {
      return std::nullopt;
    }
    i = token.size();
  }
  if (i != token.size()) return std::nullopt;
  const int64_t scale = frac - exponent;  // BigDecimal.scale()

  // Integral value: digits × 10^-scale with no non-zero fraction.
  std::string integer;
  bool integral = true;
  if (scale <= 0) {
    if (digits.size() - scale <= 40)
      integer = digits + std::string(static_cast<size_t>(-scale), '0');
    else
      integral = false;
  } else {
    const size_t cut = static_cast<size_t>(scale) >= digits.size() ? 0 : digits.size() - scale;
    for (size_t k = cut; k < digits.size(); ++k) integral &= digits[k] == '0';
    integer = cut == 0 ? "0" : digits.substr(0, cut);
  }
  if (integral) {
    int64_t v;
    if (absl::SimpleAtoi(absl::StrCat(negative ? "-" : "", integer), &v)) {
      if (v >= INT8_MIN && v <= INT8_MAX) return SchemaAndValue{Schema::Int8(), Value(v)};
      if (v >= INT16_MIN && v <= INT16_MAX) return SchemaAndValue{Schema::Int16(), Value(v)};
      if (v >= INT32_MIN && v <= INT32_MAX) return SchemaAndValue{Schema::Int32(), Value(v)};
      return SchemaAndValue{Schema::Int64(), Value(v)};
    }
  }
  const std::string text(token);
  if (scale != 0) {
    float f;
    if (absl::SimpleAtof(text, &f) && std::isfinite(f)) {
      return SchemaAndValue{Schema::Float32(), Value(static_cast<double>(f))};
    }
    double d;
    if (absl::SimpleAtod(text, &d) && std::isfinite(d)) {
      return SchemaAndValue{Schema::Float64(), Value(d)};
    }
  }
  std::optional<Decimal> dec = Decimal::FromString(text);
  if (!dec) return std::nullopt;
  return SchemaAndValue{Schema::Decimal(dec->scale), Value(std::move(*dec))};
}

}  // namespace

std::string ValueToString(const SchemaPtr& schema, const Value& value) {
  std::string out;
  Append(schema, value, /*embedded=*/false, &out);
  return out;
}

SchemaAndValue ParseValueString(std::string_view text) {
  if (text.empty()) return SchemaAndValue{Schema::String(), Value(std::string())};
  std::string_view token = internal::FromAbsl(absl::StripAsciiWhitespace(internal::ToAbsl(text)));
  if (token == "null") return SchemaAndValue{};
  if (token == "true") return SchemaAndValue{Schema::Boolean(), Value(true)};
  if (token == "false") return SchemaAndValue{Schema::Boolean(), Value(false)};
  if (!token.empty()) {
    const char c = token[0];
    const bool digit = c >= '0' && c <= '9';
    if (digit) {
      if (auto t = ParseTemporal(token)) return *std::move(t);
    }
    if (digit || c == '+' || c == '-') {
      if (auto n = ParseNumber(token)) return *std::move(n);
    }
  }
  return SchemaAndValue{Schema::String(), Value(std::string(text))};
}

}  // namespace ferry
