#include "convert/values.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "convert/absl_compat.h"
#include "convert/java_numbers.h"
#include "convert/rfc3339.h"

namespace ferry {
namespace {

constexpr int64_t kMicrosPerDay = 86'400'000'000;
constexpr int64_t kMillisPerDay = 86'400'000;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

std::string FormatMillisOfDay(int64_t millis_of_day) {
  const int64_t ms = millis_of_day;
  return absl::StrFormat("%02d:%02d:%02d.%03d", ms / 3'600'000, (ms / 60'000) % 60,
                         (ms / 1000) % 60, ms % 1000);
}

std::string FormatDate(int64_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  return absl::StrFormat("%04d-%02d-%02d", y, m, d);
}

// Values.dateFormatFor: Connect holds Timestamp, Date and Time alike as a
// java.util.Date and picks the pattern from the instant, not from the schema:
// before one day past the epoch → "HH:mm:ss.SSS'Z'", a whole day → "yyyy-MM-dd",
// anything else → "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" (in UTC, ferry's zone). For
// instants before the epoch Connect prints only the time of day, losing the
// date; ferry keeps the date (whole days as a date, others as a timestamp).
std::string FormatInstant(int64_t millis) {
  const int64_t days = FloorDiv(millis, kMillisPerDay);
  const int64_t millis_of_day = millis - days * kMillisPerDay;
  if (millis >= 0 && millis < kMillisPerDay) return absl::StrCat(FormatMillisOfDay(millis), "Z");
  if (millis_of_day == 0) return FormatDate(days);
  return absl::StrCat(FormatDate(days), "T", FormatMillisOfDay(millis_of_day), "Z");
}

void Append(const SchemaPtr& schema, const Value& value, bool embedded, std::string* out);

void AppendFloat(const SchemaPtr& schema, double x, std::string* out) {
  // A value without a schema is a Double in Java (schemaless JSON numbers;
  // parsed FLOAT32 elements are kept as the double they denote).
  const bool as_float = schema && schema->type() == Type::kFloat32;
  out->append(as_float ? JavaFloatToString(static_cast<float>(x)) : JavaDoubleToString(x));
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
      AppendFloat(schema, value.as_float(), out);
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
      if (embedded) {
        absl::StrAppend(out, "\"", absl::Base64Escape(value.as_bytes().data), "\"");
      } else {
        out->append(absl::Base64Escape(value.as_bytes().data));
      }
      return;
    case Value::Kind::kTimestamp:
      out->append(FormatInstant(FloorDiv(value.as_timestamp().micros, 1000)));
      return;
    case Value::Kind::kDate:
      out->append(FormatInstant(int64_t{value.as_date().days} * kMillisPerDay));
      return;
    case Value::Kind::kTime:
      out->append(FormatInstant(FloorDiv(value.as_time().micros, 1000)));
      return;
    case Value::Kind::kDecimal:
      out->append(BigDecimalToString(FromDecimal(value.as_decimal())));
      return;
    case Value::Kind::kArray: {
      SchemaPtr elem = schema ? schema->value_schema() : nullptr;
      out->push_back('[');
      bool first = true;
      for (const Value& e : value.as_array()) {
        if (!first) out->push_back(',');
        first = false;
        Append(elem, e, /*embedded=*/true, out);
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
        Append(ks, k, /*embedded=*/true, out);
        out->push_back(':');
        Append(vs, v, /*embedded=*/true, out);
      }
      out->push_back('}');
      return;
    }
    case Value::Kind::kStruct: {
      // Values.append: {"name":value,...} with every field, nulls included.
      const Struct& s = value.as_struct();
      out->push_back('{');
      bool first = true;
      for (const Field& f : s.schema->fields()) {
        if (!first) out->push_back(',');
        first = false;
        Append(Schema::String(), Value(f.name), /*embedded=*/true, out);
        out->push_back(':');
        Append(f.schema, s.values[f.index], /*embedded=*/true, out);
      }
      out->push_back('}');
      return;
    }
  }
}

// ---- Reading: Values.parseString ------------------------------------------

bool IsBlank(std::string_view s) { return JavaTrim(s).empty(); }

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

// ValueParser.parseAsTemporal: escaped colons ("14\:34") count as colons; the
// length picks the pattern. ferry reads only exact, valid dates and times
// (SimpleDateFormat is lenient: it rolls "2023-02-30" over to March and
// accepts a valid prefix such as "2019-08-2x").
std::optional<SchemaAndValue> ParseAsTemporal(std::string_view raw) {
  const std::string token = absl::StrReplaceAll(internal::ToAbsl(raw), {{"\\:", ":"}});
  if (token.size() == 13 && token[12] == 'Z') {
    int64_t micros;
    if (ParseTimeOfDay(std::string_view(token).substr(0, 12), &micros)) {
      return SchemaAndValue{Schema::Time(), Value(TimeOfDay{micros})};
    }
  } else if (token.size() == 24 && token[10] == 'T' && token[23] == 'Z') {
    int64_t days, micros;
    if (ParseDate(std::string_view(token).substr(0, 10), &days) &&
        ParseTimeOfDay(std::string_view(token).substr(11, 12), &micros)) {
      return SchemaAndValue{Schema::Timestamp(), Value(Timestamp{days * kMicrosPerDay + micros})};
    }
  } else if (token.size() == 10) {
    int64_t days;
    if (ParseDate(token, &days)) {
      return SchemaAndValue{Schema::Date(), Value(Date{static_cast<int32_t>(days)})};
    }
  }
  return std::nullopt;
}

// ValueParser.parseAsNumber on Java's BigDecimal syntax,
// [+-] (digits [. digits*] | . digits) [eE [+-] digits]:
//  - an integral value within [Long.MIN_VALUE, Long.MAX_VALUE] → the smallest
//    of INT8..INT64 ("1.0" and "1e3" included);
//  - otherwise, with a scale other than 0, FLOAT32 if finite as a float, else
//    FLOAT64 if finite as a double;
//  - otherwise Decimal with the number's own scale (ferry: up to 38 digits).
std::optional<SchemaAndValue> ParseAsNumber(std::string_view token) {
  std::optional<JavaBigDecimal> number = JavaParseBigDecimal(token);
  if (!number) return std::nullopt;
  const bool negative = number->negative;
  const int64_t scale = number->scale;  // BigDecimal.scale()
  const std::string& digits = number->digits;

  // The significant digits: |value| = significand × 10^-scale.
  size_t lead = 0;
  while (lead < digits.size() && digits[lead] == '0') ++lead;
  const std::string_view significand = std::string_view(digits).substr(lead);
  if (significand.empty()) return SchemaAndValue{Schema::Int8(), Value(0)};
  size_t trailing = 0;
  while (significand[significand.size() - 1 - trailing] == '0') ++trailing;
  const std::string_view stripped = significand.substr(0, significand.size() - trailing);
  // 10^adjusted <= |value| < 10^(adjusted+1)
  const int64_t adjusted = static_cast<int64_t>(significand.size()) - 1 - scale;
  const bool bigger_than_1e19 = adjusted > 19 || (adjusted == 19 && stripped != "1");
  if (!bigger_than_1e19 && adjusted >= 0 && scale - static_cast<int64_t>(trailing) <= 0) {
    // A whole number of at most 20 digits.
    std::string integer(stripped);
    integer.append(static_cast<size_t>(trailing - scale), '0');
    int64_t v;
    if (absl::SimpleAtoi(absl::StrCat(negative ? "-" : "", integer), &v)) {
      if (v >= INT8_MIN && v <= INT8_MAX) return SchemaAndValue{Schema::Int8(), Value(v)};
      if (v >= INT16_MIN && v <= INT16_MAX) return SchemaAndValue{Schema::Int16(), Value(v)};
      if (v >= INT32_MIN && v <= INT32_MAX) return SchemaAndValue{Schema::Int32(), Value(v)};
      return SchemaAndValue{Schema::Int64(), Value(v)};
    }
  }
  if (scale != 0) {
    // Correctly rounded, with overflow to infinity and underflow to (signed)
    // zero or a subnormal, as BigDecimal.floatValue/doubleValue. The text has
    // no decimal point, so the C locale does not matter.
    const std::string normalized =
        absl::StrCat(negative ? "-" : "", std::string(significand), "e", -scale);
    const float f = std::strtof(normalized.c_str(), nullptr);
    if (std::isfinite(f)) return SchemaAndValue{Schema::Float32(), Value(static_cast<double>(f))};
    const double d = std::strtod(normalized.c_str(), nullptr);
    if (std::isfinite(d)) return SchemaAndValue{Schema::Float64(), Value(d)};
  }
  std::optional<Decimal> dec =
      Decimal::FromString(absl::StrCat(negative ? "-" : "", std::string(significand)));
  if (!dec) return std::nullopt;
  dec->scale = static_cast<int32_t>(scale);
  return SchemaAndValue{Schema::Decimal(dec->scale), Value(std::move(*dec))};
}

// Values.Parser: splits the text into tokens at the unescaped delimiters
// : , { } [ ] " (each delimiter is a token of its own) and can rewind.
// Positions are byte offsets; every delimiter is ASCII, so UTF-8 text splits
// as Java's UTF-16 does.
class Tokenizer {
 public:
  explicit Tokenizer(std::string_view original) : original_(original) {}

  std::string_view original() const { return original_; }
  size_t position() const { return pos_; }
  size_t Mark() const { return pos_ - (next_ ? next_->size() : 0); }
  void RewindTo(size_t position) {
    pos_ = position;
    next_.reset();
  }
  bool HasNext() const { return next_.has_value() || pos_ < original_.size(); }

  std::string_view Next() {
    if (next_) {
      std::string_view t = *next_;
      next_.reset();
      return t;
    }
    return Consume();
  }

  // The text of the next n tokens, or nullopt (nothing consumed) if fewer remain.
  std::optional<std::string_view> Next(int n) {
    const size_t start = Mark();
    for (int i = 0; i < n; ++i) {
      if (!HasNext()) {
        RewindTo(start);
        return std::nullopt;
      }
      Next();
    }
    return original_.substr(start, pos_ - start);
  }

  // Consumes the next token if, trimmed, it is `expected`. Blank tokens in
  // front of it are skipped, and stay skipped even when it is not.
  bool CanConsume(std::string_view expected) {
    if (!next_) {
      if (!HasNext()) return false;
      next_ = Consume();
    }
    while (IsBlank(*next_) && pos_ < original_.size()) next_ = Consume();
    if (JavaTrim(*next_) != expected) return false;
    next_.reset();
    return true;
  }

 private:
  std::string_view Consume() {
    bool escaped = false;
    const size_t start = pos_;
    for (; pos_ < original_.size(); ++pos_) {
      const char c = original_[pos_];
      switch (c) {
        case '\\':
          escaped = !escaped;
          break;
        case ':':
        case ',':
        case '{':
        case '}':
        case '[':
        case ']':
        case '"':
          if (!escaped) {
            if (start < pos_) return original_.substr(start, pos_ - start);
            ++pos_;
            return original_.substr(start, 1);
          }
          escaped = false;
          break;
        default:
          escaped = false;
          break;
      }
    }
    return original_.substr(start, pos_ - start);
  }

  std::string_view original_;
  size_t pos_ = 0;
  std::optional<std::string_view> next_;
};

// Values.SchemaMerger: the common schema of the elements seen so far, or none
// once two are incompatible. Integers widen to larger integers and floats.
class SchemaMerger {
 public:
  void Merge(const std::optional<SchemaAndValue>& latest) {
    if (!latest || !latest->schema || !compatible_) return;
    common_ = common_ ? MergeSchemas(common_, latest->schema) : latest->schema;
    compatible_ = common_ != nullptr;
  }
  const SchemaPtr& common() const { return common_; }

 private:
  static int NumericRank(Type t) {
    switch (t) {
      case Type::kInt8:
        return 1;
      case Type::kInt16:
        return 2;
      case Type::kInt32:
        return 3;
      case Type::kInt64:
        return 4;
      case Type::kFloat32:
        return 5;
      case Type::kFloat64:
        return 6;
      default:
        return 0;
    }
  }

  // On the base types only, as Connect: a Date (INT32) and an INT8 merge to
  // the Date schema, a Date and a Timestamp (INT64) to the Timestamp schema.
  static SchemaPtr MergeSchemas(const SchemaPtr& previous, const SchemaPtr& latest) {
    if (previous->type() != latest->type()) {
      const int p = NumericRank(previous->type()), l = NumericRank(latest->type());
      if (p == 0 || l == 0) return nullptr;
      return p > l ? previous : latest;
    }
    if (previous->optional() == latest->optional()) {
      return previous->optional() ? previous : latest;
    }
    return previous->Equals(*latest) ? previous : nullptr;
  }

  SchemaPtr common_;
  bool compatible_ = true;
};

absl::Status DataError(std::string_view message) {
  return absl::InvalidArgumentError(std::string(message));
}

// Values.convertTo(schema, null, value) for what the parser can produce, as
// alignListEntriesWithSchema / alignMapKeysAndValuesWithSchema apply it.
absl::StatusOr<Value> AlignWithSchema(const Schema& schema, const Value& v) {
  if (v.is_null()) {
    if (schema.optional()) return Value();
    return DataError("Unable to convert a null value to a schema that requires a value");
  }
  const Value::Kind k = v.kind();
  if (schema.IsLogical(logical::kTimestamp)) {
    if (k == Value::Kind::kTimestamp) return v;
    if (k == Value::Kind::kDate) return Value(Timestamp{int64_t{v.as_date().days} * kMicrosPerDay});
    if (k == Value::Kind::kTime) return Value(Timestamp{v.as_time().micros});
    if (k == Value::Kind::kInt) return Value(Timestamp{v.as_int() * 1000});
  } else if (schema.IsLogical(logical::kDate)) {
    if (k == Value::Kind::kDate) return v;
    if (k == Value::Kind::kInt) return Value(Date{static_cast<int32_t>(v.as_int())});
  } else if (schema.IsLogical(logical::kTime)) {
    if (k == Value::Kind::kTime) return v;
    if (k == Value::Kind::kInt) {
      const int64_t millis = static_cast<int32_t>(v.as_int());
      if (millis < 0 || millis > kMillisPerDay) {
        return DataError(
            "Time values must use number of milliseconds greater than 0 and less than 86400000");
      }
      return Value(TimeOfDay{millis * 1000});
    }
  } else if (schema.IsLogical(logical::kDecimal)) {
    if (k == Value::Kind::kDecimal) return v;
  } else {
    switch (schema.type()) {
      case Type::kInt8:
      case Type::kInt16:
      case Type::kInt32:
      case Type::kInt64:
        if (k == Value::Kind::kInt) return Value(JavaNarrow(v.as_int(), schema.type()));
        break;
      case Type::kFloat32:
        if (k == Value::Kind::kFloat) return v;
        if (k == Value::Kind::kInt) {
          return Value(static_cast<double>(static_cast<float>(static_cast<double>(v.as_int()))));
        }
        break;
      case Type::kFloat64:
        if (k == Value::Kind::kFloat) return v;
        if (k == Value::Kind::kInt) return Value(static_cast<double>(v.as_int()));
        break;
      case Type::kBoolean:
        if (k == Value::Kind::kBool) return v;
        break;
      case Type::kString:
        if (k == Value::Kind::kString) return v;
        break;
      case Type::kArray:
        if (k == Value::Kind::kArray) return v;
        break;
      case Type::kMap:
        if (k == Value::Kind::kMap) return v;
        break;
      default:
        break;
    }
  }
  // Connect keeps a Date and a Time under one another's schema as the same
  // java.util.Date; ferry's typed values cannot, so such a literal stays text.
  return DataError(absl::StrCat("Unable to convert ", v.DebugString(), " to ",
                                std::string(TypeName(schema.type()))));
}

const Value& KeyOf(const Value& key) { return key; }
const Value& KeyOf(const SchemaAndValue& key) { return key.value; }

// Entries put as LinkedHashMap.put does: a repeated key keeps its first
// position and takes the latest value. Keys are found through a hash of their
// text (then compared), so a header of 100,000 entries stays linear.
template <typename K, typename V>
class LinkedMap {
 public:
  void Put(K key, V value) {
    std::vector<size_t>& slots = index_[KeyOf(key).DebugString()];
    for (size_t i : slots) {
      if (KeyOf(entries_[i].first) == KeyOf(key)) {
        entries_[i].second = std::move(value);
        return;
      }
    }
    slots.push_back(entries_.size());
    entries_.emplace_back(std::move(key), std::move(value));
  }
  const std::vector<std::pair<K, V>>& entries() const { return entries_; }
  std::vector<std::pair<K, V>> Take() && { return std::move(entries_); }

 private:
  std::vector<std::pair<K, V>> entries_;
  absl::flat_hash_map<std::string, std::vector<size_t>> index_;
};

// A parsed element kept where no common schema holds it: Connect keeps the
// Java object (a Float stays a Float). ferry's values carry no float/double
// distinction, so a FLOAT32 becomes the double its text denotes ("1.1", not
// 1.100000023841858) and prints back as written.
Value Unschematized(const SchemaAndValue& sv) {
  if (sv.schema && sv.schema->type() == Type::kFloat32 && sv.value.kind() == Value::Kind::kFloat) {
    double d = 0;
    if (absl::SimpleAtod(JavaFloatToString(static_cast<float>(sv.value.as_float())), &d)) {
      return Value(d);
    }
  }
  return sv.value;
}

// Nesting deeper than this makes a literal text (Connect parses until the
// JVM's stack overflows, then keeps the header as BYTES).
constexpr int kMaxLiteralDepth = 512;

// Values.ValueParser. A parse result of nullopt is Java's null (the literal
// `null`); an error status is Connect's DataException, which makes the
// enclosing "[…]" / "{…}" literal fall back to text.
class LiteralParser {
 public:
  explicit LiteralParser(std::string_view text) : tok_(text) {}

  absl::StatusOr<std::optional<SchemaAndValue>> Parse(bool embedded) {
    if (!tok_.HasNext()) return std::nullopt;
    if (embedded && tok_.CanConsume("\"")) return ParseQuotedString();
    if (CanParseSingleTokenLiteral(embedded, "null")) return std::nullopt;
    if (CanParseSingleTokenLiteral(embedded, "true")) {
      return SchemaAndValue{Schema::Boolean(), Value(true)};
    }
    if (CanParseSingleTokenLiteral(embedded, "false")) {
      return SchemaAndValue{Schema::Boolean(), Value(false)};
    }
    const size_t start = tok_.Mark();
    std::optional<absl::StatusOr<SchemaAndValue>> compound;
    if (depth_ >= kMaxLiteralDepth && (tok_.CanConsume("[") || tok_.CanConsume("{"))) {
      compound = DataError("Literal nested too deeply");
    } else if (tok_.CanConsume("[")) {
      ++depth_;
      compound = ParseArray();
      --depth_;
    } else if (tok_.CanConsume("{")) {
      ++depth_;
      compound = ParseMap();
      --depth_;
    }
    if (compound) {
      // ferry: at the top level the literal must end the text (Connect drops
      // whatever follows "]" or "}").
      if (compound->ok() && (embedded || RestIsBlank())) return **std::move(compound);
      tok_.RewindTo(start);
    }
    const std::string_view token = tok_.Next();
    if (IsBlank(token)) {
      // ferry: at the top level, the whole text (Connect returns just the
      // leading whitespace of " {,}").
      return SchemaAndValue{Schema::String(), Value(embedded ? token : tok_.original())};
    }
    return ParseNextToken(embedded, JavaTrim(token));
  }

 private:
  bool RestIsBlank() const { return IsBlank(tok_.original().substr(tok_.Mark())); }

  bool CanParseSingleTokenLiteral(bool embedded, std::string_view literal) {
    const size_t start = tok_.Mark();
    if (tok_.CanConsume(literal) && (embedded || !tok_.HasNext())) return true;
    tok_.RewindTo(start);
    return false;
  }

  absl::StatusOr<std::optional<SchemaAndValue>> ParseNextToken(bool embedded,
                                                               std::string_view token) {
    const char first = token[0];
    const bool digit = first >= '0' && first <= '9';
    std::optional<SchemaAndValue> result;
    if (digit) result = ParseMultipleTokensAsTemporal(token);
    if (!result && (digit || first == '+' || first == '-')) result = ParseAsNumber(token);
    // ferry: at the top level a number or date must be the whole text; Connect
    // reads "10:30" as 10 and "1,2" as 1 (KAFKA-20892).
    if (result && (embedded || RestIsBlank())) return result;
    if (embedded) return DataError("Failed to parse embedded value");
    return SchemaAndValue{Schema::String(), Value(tok_.original())};
  }

  // Times and timestamps span five tokens, as an unescaped colon is a
  // delimiter: "2019-08-23T14" ":" "34" ":" "54.346Z".
  std::optional<SchemaAndValue> ParseMultipleTokensAsTemporal(std::string_view token) {
    const size_t position = tok_.Mark();
    if (std::optional<std::string_view> rest = tok_.Next(4)) {
      if (auto t = ParseAsTemporal(absl::StrCat(std::string(token), std::string(*rest)))) {
        return t;
      }
    }
    tok_.RewindTo(position);
    return ParseAsTemporal(token);
  }

  // The raw text up to the closing quote (escapes are kept, as Connect keeps
  // them); a date or time in quotes still reads as one.
  SchemaAndValue ParseQuotedString() {
    std::string content;
    while (tok_.HasNext()) {
      if (tok_.CanConsume("\"")) break;
      content.append(tok_.Next());
    }
    if (auto t = ParseAsTemporal(content)) return *std::move(t);
    return SchemaAndValue{Schema::String(), Value(std::move(content))};
  }

  absl::StatusOr<SchemaAndValue> ParseArray() {
    std::vector<SchemaAndValue> parsed;  // a null element has neither.
    SchemaMerger elements;
    while (tok_.HasNext()) {
      if (tok_.CanConsume("]")) {
        Array result;
        result.reserve(parsed.size());
        if (!elements.common()) {
          // Every element null, none, or no common schema: Connect's
          // SchemaBuilder.arrayOfNull(), an ARRAY without a value schema.
          for (const SchemaAndValue& e : parsed) result.push_back(Unschematized(e));
          return SchemaAndValue{SchemaBuilder::Array(nullptr).Build(), Value(std::move(result))};
        }
        for (const SchemaAndValue& e : parsed) {
          absl::StatusOr<Value> aligned = AlignWithSchema(*elements.common(), e.value);
          if (!aligned.ok()) return aligned.status();
          result.push_back(*std::move(aligned));
        }
        return SchemaAndValue{SchemaBuilder::Array(elements.common()).Build(),
                              Value(std::move(result))};
      }
      if (tok_.CanConsume(",")) return DataError("Unable to parse an empty array element");
      absl::StatusOr<std::optional<SchemaAndValue>> element = Parse(/*embedded=*/true);
      if (!element.ok()) return element.status();
      elements.Merge(*element);
      parsed.push_back(*element ? **std::move(element) : SchemaAndValue{});
      const size_t current = tok_.Mark();
      if (tok_.CanConsume("]")) {
        tok_.RewindTo(current);
      } else if (!tok_.CanConsume(",")) {
        return DataError("Array elements missing ',' delimiter");
      }
    }
    return DataError("Array is missing terminating ']'");
  }

  absl::StatusOr<SchemaAndValue> ParseMap() {
    LinkedMap<SchemaAndValue, SchemaAndValue> entries;
    SchemaMerger keys, values;
    while (tok_.HasNext()) {
      if (tok_.CanConsume("}")) return FinishMap(keys.common(), values.common(), entries.entries());
      if (tok_.CanConsume(","))
        return DataError("Unable to parse a map entry with no key or value");
      absl::StatusOr<std::optional<SchemaAndValue>> key = Parse(/*embedded=*/true);
      if (!key.ok()) return key.status();
      if (!*key || (*key)->value.is_null()) return DataError("Map entry may not have a null key");
      if (!tok_.CanConsume(":")) return DataError("Map entry is missing ':'");
      absl::StatusOr<std::optional<SchemaAndValue>> value = Parse(/*embedded=*/true);
      if (!value.ok()) return value.status();
      keys.Merge(*key);
      values.Merge(*value);
      entries.Put(**std::move(key), *value ? **std::move(value) : SchemaAndValue{});
      // The comma between entries is optional, as in Connect.
      tok_.CanConsume(",");
    }
    return DataError("Map is missing terminating '}'");
  }

  // MAP(key, value) when both have a common schema, MAP(key, no value schema)
  // (SchemaBuilder.mapWithNullValues) when only the keys do, else a MAP
  // without key and value schemas (SchemaBuilder.mapOfNull).
  static absl::StatusOr<SchemaAndValue> FinishMap(
      const SchemaPtr& key_schema, const SchemaPtr& value_schema,
      const std::vector<std::pair<SchemaAndValue, SchemaAndValue>>& entries) {
    LinkedMap<Value, Value> map;
    for (const auto& [k, v] : entries) {
      if (!key_schema) {
        map.Put(Unschematized(k), Unschematized(v));
        continue;
      }
      absl::StatusOr<Value> key = AlignWithSchema(*key_schema, k.value);
      if (!key.ok()) return key.status();
      if (!value_schema) {
        map.Put(*std::move(key), Unschematized(v));
        continue;
      }
      absl::StatusOr<Value> value = AlignWithSchema(*value_schema, v.value);
      if (!value.ok()) return value.status();
      map.Put(*std::move(key), *std::move(value));
    }
    return SchemaAndValue{key_schema ? SchemaBuilder::Map(key_schema, value_schema).Build()
                                     : SchemaBuilder::Map(nullptr, nullptr).Build(),
                          Value(std::move(map).Take())};
  }

  Tokenizer tok_;
  int depth_ = 0;  // of the arrays and maps being parsed.
};

}  // namespace

std::string ValueToString(const SchemaPtr& schema, const Value& value) {
  std::string out;
  Append(schema, value, /*embedded=*/false, &out);
  return out;
}

std::string StructToJavaString(const Struct& s) {
  std::string out = "Struct{";
  bool first = true;
  for (const Field& f : s.schema->fields()) {
    const Value& v = s.values[f.index];
    if (v.is_null()) continue;
    if (!first) out.push_back(',');
    first = false;
    absl::StrAppend(&out, f.name, "=",
                    v.kind() == Value::Kind::kStruct ? StructToJavaString(v.as_struct())
                                                     : ValueToString(f.schema, v));
  }
  out.push_back('}');
  return out;
}

SchemaAndValue ParseValueString(std::string_view text) {
  if (text.empty()) return SchemaAndValue{Schema::String(), Value(std::string())};
  LiteralParser parser(text);
  absl::StatusOr<std::optional<SchemaAndValue>> parsed = parser.Parse(/*embedded=*/false);
  // At the top level every failure has already become a STRING.
  if (!parsed.ok()) return SchemaAndValue{Schema::String(), Value(text)};
  if (!*parsed) return SchemaAndValue{};
  return **std::move(parsed);
}

}  // namespace ferry
