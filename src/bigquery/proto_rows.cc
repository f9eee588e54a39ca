#include "bigquery/proto_rows.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bigquery/schema_mapping.h"

namespace ferry::bigquery {

using google::protobuf::DescriptorProto;
using google::protobuf::FieldDescriptorProto;
using google::protobuf::io::CodedOutputStream;
using google::protobuf::io::StringOutputStream;

namespace {

// Debian's abseil has its own string_view; bridge std::string_view into it.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z, BigQuery's TIMESTAMP range.
constexpr int64_t kMinTimestampMicros = -62135596800000000;
constexpr int64_t kMaxTimestampMicros = 253402300799999999;
constexpr int64_t kMinTimestampMillis = kMinTimestampMicros / 1000;
constexpr int64_t kMaxTimestampMillis = kMaxTimestampMicros / 1000;
// 0001-01-01 and 9999-12-31 as days since the epoch, BigQuery's DATE range.
constexpr int64_t kMinDateDays = -719162;
constexpr int64_t kMaxDateDays = 2932896;
constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;

constexpr uint32_t kVarint = 0;
constexpr uint32_t kFixed64 = 1;
constexpr uint32_t kLengthDelimited = 2;

bool IsProtoIdentifier(std::string_view name) {
  if (name.empty()) return false;
  if (!(absl::ascii_isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

FieldDescriptorProto::Type ProtoType(FieldType type) {
  switch (type) {
    case FieldType::kBytes:
      return FieldDescriptorProto::TYPE_BYTES;
    case FieldType::kInteger:
    case FieldType::kTimestamp:
      return FieldDescriptorProto::TYPE_INT64;
    case FieldType::kDate:
      return FieldDescriptorProto::TYPE_INT32;
    case FieldType::kFloat:
      return FieldDescriptorProto::TYPE_DOUBLE;
    case FieldType::kBoolean:
      return FieldDescriptorProto::TYPE_BOOL;
    case FieldType::kRecord:
      return FieldDescriptorProto::TYPE_MESSAGE;
    default:
      return FieldDescriptorProto::TYPE_STRING;
  }
}

absl::Status AddFields(const std::vector<TableFieldSchema>& fields, DescriptorProto* message,
                       DescriptorProto* root, int* next_type, const std::string& path) {
  for (size_t i = 0; i < fields.size(); ++i) {
    const TableFieldSchema& column = fields[i];
    std::string column_path = path.empty() ? column.name : absl::StrCat(path, ".", column.name);
    if (!IsProtoIdentifier(column.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("column '", column_path,
                       "' is not a valid proto field name; flexible column names are not "
                       "supported yet by ferry"));
    }
    FieldDescriptorProto* field = message->add_field();
    field->set_name(column.name);
    field->set_number(static_cast<int>(i) + 1);
    field->set_type(ProtoType(column.type));
    field->set_label(column.mode == FieldMode::kRepeated ? FieldDescriptorProto::LABEL_REPEATED
                                                         : FieldDescriptorProto::LABEL_OPTIONAL);
    if (column.type == FieldType::kRecord) {
      if (column.fields.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("RECORD column '", column_path, "' has no fields"));
      }
      // Nested types all live in the root so that one relative name resolves
      // from any scope; the "ferry__" prefix keeps them apart from column names.
      std::string type_name = absl::StrCat("ferry__record_", (*next_type)++);
      field->set_type_name(type_name);
      DescriptorProto* nested = root->add_nested_type();
      nested->set_name(type_name);
      if (auto s = AddFields(column.fields, nested, root, next_type, column_path); !s.ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

// BigQuery wants four-digit years: absl's %Y and FormatCivilTime write year 1
// as "1", which no BigQuery DATE/DATETIME/TIMESTAMP text accepts.
std::string DateText(const absl::CivilDay& day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

// "YYYY-MM-DD<separator>HH:MM:SS.ffffff" in UTC, exact to the microsecond.
std::string DateTimeText(int64_t micros, char separator) {
  int64_t seconds = micros / 1000000;
  int64_t fraction = micros % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    --seconds;
  }
  const absl::CivilSecond t =
      absl::ToCivilSecond(absl::FromUnixSeconds(seconds), absl::UTCTimeZone());
  return absl::StrFormat("%s%c%02d:%02d:%02d.%06d", DateText(absl::CivilDay(t)), separator,
                         t.hour(), t.minute(), t.second(), fraction);
}

std::string FormatTimestamp(int64_t micros) { return DateTimeText(micros, 'T') + "Z"; }

std::string FormatDate(int64_t days) { return DateText(absl::CivilDay(1970, 1, 1) + days); }

std::string FormatTimeOfDay(int64_t micros) {
  int64_t seconds = micros / 1000000;
  return absl::StrFormat("%02d:%02d:%02d.%06d", seconds / 3600, (seconds / 60) % 60, seconds % 60,
                         micros % 1000000);
}

// Parses RFC 3339 / BigQuery's canonical timestamp text; no zone means UTC.
std::optional<int64_t> ParseTimestampText(std::string_view text) {
  std::string s(absl::StripAsciiWhitespace(AV(text)));
  if (s.empty()) return std::nullopt;
  if (s.back() == 'Z' || s.back() == 'z') {
    s.pop_back();
    s += "+00:00";
  } else if (absl::EndsWith(s, " UTC")) {
    s.resize(s.size() - 4);
    s += "+00:00";
  }
  static constexpr const char* kFormats[] = {
      "%Y-%m-%d%ET%H:%M:%E*S%Ez",
      "%Y-%m-%d %H:%M:%E*S%Ez",
      "%Y-%m-%d%ET%H:%M:%E*S",
      "%Y-%m-%d %H:%M:%E*S",
  };
  for (const char* format : kFormats) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime(format, s, absl::UTCTimeZone(), &t, &err)) {
      if (t < absl::FromUnixMicros(kMinTimestampMicros) ||
          t > absl::FromUnixMicros(kMaxTimestampMicros)) {
        return kMaxTimestampMicros + 1;  // out of range; reported by the caller.
      }
      return absl::ToUnixMicros(t);
    }
  }
  return std::nullopt;
}

std::optional<int64_t> ParseDateText(std::string_view text) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(absl::StripAsciiWhitespace(AV(text)), &day)) return std::nullopt;
  return day - absl::CivilDay(1970, 1, 1);
}

// Reads 1..max_digits decimal digits from the front of `s`.
bool TakeDigits(std::string_view* s, size_t min_digits, size_t max_digits, int64_t* out) {
  size_t n = 0;
  int64_t v = 0;
  while (n < s->size() && n < max_digits &&
         absl::ascii_isdigit(static_cast<unsigned char>((*s)[n]))) {
    v = v * 10 + ((*s)[n] - '0');
    ++n;
  }
  if (n < min_digits) return false;
  s->remove_prefix(n);
  *out = v;
  return true;
}

// Parses BigQuery's TIME text, [H]H:[M]M:[S]S[.F] with at most 6 fractional
// digits, into microseconds of the day; returns an error message otherwise.
std::string ParseTimeText(std::string_view text, int64_t* micros) {
  absl::string_view stripped = absl::StripAsciiWhitespace(AV(text));
  std::string_view s(stripped.data(), stripped.size());
  int64_t h = 0, m = 0, sec = 0;
  if (!TakeDigits(&s, 1, 2, &h) || s.empty() || s[0] != ':') return "is not a time (HH:MM:SS)";
  s.remove_prefix(1);
  if (!TakeDigits(&s, 1, 2, &m) || s.empty() || s[0] != ':') return "is not a time (HH:MM:SS)";
  s.remove_prefix(1);
  if (!TakeDigits(&s, 1, 2, &sec)) return "is not a time (HH:MM:SS)";
  int64_t fraction = 0;
  if (!s.empty() && s[0] == '.') {
    s.remove_prefix(1);
    std::string_view digits = s;
    if (!TakeDigits(&s, 1, 64, &fraction) || !s.empty()) return "is not a time (HH:MM:SS)";
    const size_t n = digits.size();
    if (n > 6) return "has more than microsecond precision (6 fractional digits)";
    for (size_t i = n; i < 6; ++i) fraction *= 10;
  }
  if (!s.empty()) return "is not a time (HH:MM:SS)";
  if (h > 23 || m > 59 || sec > 59) return "is out of range 00:00:00..23:59:59.999999";
  *micros = ((h * 60 + m) * 60 + sec) * 1000000 + fraction;
  return "";
}

// Parses BigQuery's DATETIME text, YYYY-[M]M-[D]D[( |T)[H]H:[M]M:[S]S[.F]], and
// renders it canonically; returns an error message otherwise.
std::string ParseDatetimeText(std::string_view text, std::string* canonical) {
  absl::string_view stripped = absl::StripAsciiWhitespace(AV(text));
  std::string_view s(stripped.data(), stripped.size());
  size_t split = s.find_first_of(" Tt");
  std::string_view date_part = s.substr(0, split);
  int64_t y = 0, mo = 0, d = 0;
  std::string_view ds = date_part;
  if (!TakeDigits(&ds, 4, 4, &y) || ds.empty() || ds[0] != '-') return "is not a datetime";
  ds.remove_prefix(1);
  if (!TakeDigits(&ds, 1, 2, &mo) || ds.empty() || ds[0] != '-') return "is not a datetime";
  ds.remove_prefix(1);
  if (!TakeDigits(&ds, 1, 2, &d) || !ds.empty()) return "is not a datetime";
  absl::CivilDay day(y, mo, d);
  if (day.year() != y || day.month() != mo || day.day() != d || y < 1) {
    return "is not a valid date in 0001-01-01..9999-12-31";
  }
  int64_t micros = 0;
  if (split != std::string_view::npos) {
    std::string problem = ParseTimeText(s.substr(split + 1), &micros);
    if (!problem.empty()) return problem;
  }
  *canonical = absl::StrCat(DateText(day), " ", FormatTimeOfDay(micros));
  return "";
}

// An integer in `unit` as microseconds (since the epoch, or of the day);
// false when it does not fit int64. Nanoseconds are floored to microseconds,
// BigQuery's precision.
bool ToMicros(int64_t v, TimeUnit unit, int64_t* micros) {
  switch (unit) {
    case TimeUnit::kDays:
      return !__builtin_mul_overflow(v, kMicrosPerDay, micros);
    case TimeUnit::kSeconds:
      return !__builtin_mul_overflow(v, int64_t{1000000}, micros);
    case TimeUnit::kMillis:
      return !__builtin_mul_overflow(v, int64_t{1000}, micros);
    case TimeUnit::kMicros:
      *micros = v;
      return true;
    case TimeUnit::kNanos:
      *micros = v / 1000 - ((v % 1000 < 0) ? 1 : 0);
      return true;
  }
  return false;
}

// For an epoch integer out of range in its declared unit: what it would be
// in the other units that make it a plausible timestamp (1900..2200), so the
// message shows the likely mis-declared unit.
std::string OtherUnitReadings(int64_t v, TimeUnit declared) {
  const absl::Time lo = absl::FromCivil(absl::CivilSecond(1900, 1, 1), absl::UTCTimeZone());
  const absl::Time hi = absl::FromCivil(absl::CivilSecond(2200, 1, 1), absl::UTCTimeZone());
  std::string out;
  for (TimeUnit unit :
       {TimeUnit::kSeconds, TimeUnit::kMillis, TimeUnit::kMicros, TimeUnit::kNanos}) {
    int64_t micros = 0;
    if (unit == declared || !ToMicros(v, unit, &micros)) continue;
    absl::Time t = absl::FromUnixMicros(micros);
    if (t < lo || t >= hi) continue;
    absl::StrAppend(&out, out.empty() ? "; as " : ", as ", AV(TimeUnitName(unit)), " it would be ",
                    FormatTimestamp(micros));
  }
  return out;
}

// Where an integer's unit comes from, for messages.
std::string UnitSource(const Schema* schema) {
  if (schema != nullptr && !schema->name().empty()) return schema->name();
  return "Connect's convention for integers";
}

// Checks decimal text ([+-]digits[.digits]) against a precision and returns
// it normalised, or an error message.
std::string CheckDecimalText(std::string_view text, int max_integer_digits, int max_fraction_digits,
                             std::string* normalized) {
  absl::string_view stripped = absl::StripAsciiWhitespace(AV(text));
  std::string_view s(stripped.data(), stripped.size());
  std::string sign;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    if (s[0] == '-') sign = "-";
    s.remove_prefix(1);
  }
  size_t dot = s.find('.');
  std::string_view integer = s.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  if (integer.empty() && fraction.empty()) return "is not a decimal number";
  for (std::string_view part : {integer, fraction}) {
    for (char c : part) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return "is not a decimal number";
    }
  }
  while (!integer.empty() && integer[0] == '0') integer.remove_prefix(1);
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  if (max_integer_digits == 38 && integer.size() == 39) {
    // BIGNUMERIC's range ends inside the 39th digit: +-5.7896...E+38.
    constexpr std::string_view kMaxInteger = "578960446186580977117854925043439539266";
    const std::string_view max_fraction = sign.empty() ? "34992332820282019728792003956564819967"
                                                       : "34992332820282019728792003956564819968";
    std::string padded(fraction);
    padded.resize(38, '0');
    if (integer > kMaxInteger || (integer == kMaxInteger && padded > max_fraction)) {
      return "is outside BIGNUMERIC's range "
             "(+-5.7896044618658097711785492504343953926634992332820282019728792003956564819967E+"
             "38)";
    }
  } else if (static_cast<int>(integer.size()) > max_integer_digits) {
    return absl::StrCat("has more than ", max_integer_digits, " integer digits");
  }
  if (static_cast<int>(fraction.size()) > max_fraction_digits) {
    return absl::StrCat("has more than ", max_fraction_digits,
                        " fractional digits (ferry does not round)");
  }
  *normalized = absl::StrCat(sign, integer.empty() ? "0" : AV(integer), fraction.empty() ? "" : ".",
                             AV(fraction));
  if (*normalized == "-0") *normalized = "0";
  return "";
}

absl::StatusOr<nlohmann::json> ToJson(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kNull:
      return nlohmann::json(nullptr);
    case Value::Kind::kBool:
      return nlohmann::json(value.as_bool());
    case Value::Kind::kInt:
      return nlohmann::json(value.as_int());
    case Value::Kind::kFloat:
      if (!std::isfinite(value.as_float())) {
        return absl::InvalidArgumentError("NaN and infinite floats have no JSON form");
      }
      return nlohmann::json(value.as_float());
    case Value::Kind::kString:
      if (!IsValidUtf8(value.as_string())) {
        return absl::InvalidArgumentError("string is not valid UTF-8");
      }
      return nlohmann::json(value.as_string());
    case Value::Kind::kBytes:
      return nlohmann::json(absl::Base64Escape(value.as_bytes().data));
    case Value::Kind::kTimestamp:
      return nlohmann::json(FormatTimestamp(value.as_timestamp().micros));
    case Value::Kind::kDate:
      return nlohmann::json(FormatDate(value.as_date().days));
    case Value::Kind::kTime:
      return nlohmann::json(FormatTimeOfDay(value.as_time().micros));
    case Value::Kind::kDecimal:
      // As a string: a JSON number would pass through a double.
      return nlohmann::json(value.as_decimal().ToString());
    case Value::Kind::kArray: {
      nlohmann::json out = nlohmann::json::array();
      for (const Value& v : value.as_array()) {
        auto j = ToJson(v);
        if (!j.ok()) return j.status();
        out.push_back(*std::move(j));
      }
      return out;
    }
    case Value::Kind::kMap: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [k, v] : value.as_map()) {
        if (k.kind() != Value::Kind::kString) {
          return absl::InvalidArgumentError("a map with non-string keys has no JSON form");
        }
        if (!IsValidUtf8(k.as_string())) {
          return absl::InvalidArgumentError("map key is not valid UTF-8");
        }
        auto j = ToJson(v);
        if (!j.ok()) return j.status();
        out[k.as_string()] = *std::move(j);
      }
      return out;
    }
    case Value::Kind::kStruct: {
      const Struct& s = value.as_struct();
      nlohmann::json out = nlohmann::json::object();
      for (size_t i = 0; i < s.values.size() && i < s.schema->fields().size(); ++i) {
        auto j = ToJson(s.values[i]);
        if (!j.ok()) return j.status();
        out[s.schema->fields()[i].name] = *std::move(j);
      }
      return out;
    }
  }
  return absl::InternalError("unknown value kind");
}

// Minimal big-endian two's complement, as Java's BigInteger.toByteArray():
// no redundant leading 0x00 or 0xFF byte; zero is one 0x00 byte.
std::string MinimalTwosComplement(std::string_view bytes) {
  size_t i = 0;
  while (i + 1 < bytes.size()) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    const bool next_negative = (static_cast<unsigned char>(bytes[i + 1]) & 0x80) != 0;
    if ((b == 0x00 && !next_negative) || (b == 0xFF && next_negative)) {
      ++i;
    } else {
      break;
    }
  }
  std::string out(bytes.substr(i));
  if (out.empty()) out.assign(1, '\0');
  return out;
}

// Debezium's VariableScaleDecimal (STRUCT scale INT32, value BYTES) as a
// Decimal; nullopt for any other value.
std::optional<Decimal> VariableScaleDecimalOf(const Value& value) {
  if (value.kind() != Value::Kind::kStruct) return std::nullopt;
  const Struct& s = value.as_struct();
  if (s.schema == nullptr || s.schema->name() != debezium::kVariableScaleDecimal) {
    return std::nullopt;
  }
  const Value* scale = value.StructField("scale");
  const Value* unscaled = value.StructField("value");
  if (scale == nullptr || scale->kind() != Value::Kind::kInt || unscaled == nullptr ||
      unscaled->kind() != Value::Kind::kBytes) {
    return std::nullopt;
  }
  return Decimal{unscaled->as_bytes().data, static_cast<int32_t>(scale->as_int())};
}

// The double nearest to a decimal (Java's BigDecimal.doubleValue()).
double DecimalToDouble(const Decimal& d) {
  const std::string text = d.ToString();
  return std::strtod(text.c_str(), nullptr);
}

std::string KafkaKeyText(const SinkRecord& record, bool* is_null) {
  *is_null = false;
  if (record.key.kind() == Value::Kind::kString) return record.key.as_string();
  if (record.raw && record.raw->key) {
    const std::string& raw = *record.raw->key;
    return IsValidUtf8(raw) ? raw : absl::Base64Escape(raw);
  }
  if (record.key.is_null()) {
    *is_null = true;
    return "";
  }
  auto json = ValueToJsonText(record.key);
  if (json.ok()) return *json;
  *is_null = true;
  return "";
}

}  // namespace

struct RowEncoder::Plan {
  const std::vector<TableFieldSchema>* fields = nullptr;
  absl::flat_hash_map<std::string, int> by_name;
  absl::flat_hash_map<std::string, int> by_lower_name;
  std::vector<std::unique_ptr<Plan>> children;  // one per field; null unless RECORD.

  static std::unique_ptr<Plan> Build(const std::vector<TableFieldSchema>& fields) {
    auto plan = std::make_unique<Plan>();
    plan->fields = &fields;
    plan->children.resize(fields.size());
    for (size_t i = 0; i < fields.size(); ++i) {
      plan->by_name.emplace(fields[i].name, static_cast<int>(i));
      plan->by_lower_name.emplace(absl::AsciiStrToLower(fields[i].name), static_cast<int>(i));
      if (fields[i].type == FieldType::kRecord) plan->children[i] = Build(fields[i].fields);
    }
    return plan;
  }

  int Find(const std::string& name) const {
    if (auto it = by_name.find(name); it != by_name.end()) return it->second;
    if (auto it = by_lower_name.find(absl::AsciiStrToLower(name)); it != by_lower_name.end()) {
      return it->second;
    }
    return -1;
  }
};

namespace {

using Plan = RowEncoder::Plan;

struct Entry {
  std::string_view name;
  const Value* value;
  bool sanitize;         // map entries of kcbq's key/value layout are never renamed.
  const Schema* schema;  // the value's Connect schema when known (units of integers).
};

std::string Join(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : absl::StrCat(path, ".", AV(name));
}

const Schema* ElementSchema(const Schema* schema) {
  if (schema == nullptr || (schema->type() != Type::kArray && schema->type() != Type::kMap)) {
    return nullptr;
  }
  return schema->value_schema().get();
}

// Encodes one message (the row, or a RECORD) into `out`. Stateless apart from
// the options; every failure fills `error` and returns false.
class MessageWriter {
 public:
  explicit MessageWriter(const RowEncoderOptions& options) : options_(options) {}

  bool WriteMessage(const Plan& plan, const std::vector<Entry>& entries, const std::string& path,
                    std::string* out, RowError* error) const {
    const std::vector<TableFieldSchema>& fields = *plan.fields;
    std::vector<const Entry*> columns(fields.size(), nullptr);
    for (const Entry& entry : entries) {
      std::string name = entry.sanitize && options_.sanitize_field_names ? SanitizeName(entry.name)
                                                                         : std::string(entry.name);
      int index = plan.Find(name);
      if (index < 0) {
        if (entry.value == nullptr || entry.value->is_null()) continue;
        if (options_.ignore_unknown_fields) continue;  // ignoreUnknownFields: dropped.
        *error = {Join(path, name),
                  absl::StrCat("the table has no column '", Join(path, name), "' for this field")};
        return false;
      }
      if (columns[index] != nullptr) {
        *error = {
            Join(path, name),
            absl::StrCat("field '", Join(path, name), "' and another field both map to column '",
                         Join(path, fields[index].name), "' (names are case-insensitive)")};
        return false;
      }
      columns[index] = &entry;
    }
    StringOutputStream stream(out);
    CodedOutputStream coded(&stream);
    for (size_t i = 0; i < fields.size(); ++i) {
      const Value* value = columns[i] ? columns[i]->value : nullptr;
      const Schema* schema = columns[i] ? columns[i]->schema : nullptr;
      if (!WriteColumn(fields[i], plan.children[i].get(), static_cast<uint32_t>(i + 1), value,
                       schema, Join(path, fields[i].name), &coded, error)) {
        return false;
      }
    }
    return true;
  }

  bool EntriesOf(const Value& value, const Schema* schema, const std::string& path,
                 std::vector<Entry>* entries, RowError* error) const {
    if (value.kind() == Value::Kind::kStruct) {
      const Struct& s = value.as_struct();
      const auto& schema_fields = s.schema->fields();
      entries->reserve(entries->size() + schema_fields.size());
      for (size_t i = 0; i < schema_fields.size() && i < s.values.size(); ++i) {
        entries->push_back(
            {schema_fields[i].name, &s.values[i], true, schema_fields[i].schema.get()});
      }
      return true;
    }
    if (value.kind() == Value::Kind::kMap) {
      const Map& m = value.as_map();
      const Schema* values_schema = ElementSchema(schema);
      entries->reserve(entries->size() + m.size());
      for (const auto& [k, v] : m) {
        if (k.kind() != Value::Kind::kString) {
          *error = {path, absl::StrCat("a map written as a RECORD needs string keys, got ",
                                       AV(ValueKindName(k.kind())))};
          return false;
        }
        entries->push_back({k.as_string(), &v, true, values_schema});
      }
      return true;
    }
    *error = {path, absl::StrCat(path.empty() ? std::string("the record value")
                                              : absl::StrCat("column '", path, "'"),
                                 " needs a struct or a map with string keys, got ",
                                 AV(ValueKindName(value.kind())))};
    return false;
  }

 private:
  static void Tag(uint32_t number, uint32_t wire_type, CodedOutputStream* out) {
    out->WriteTag((number << 3) | wire_type);
  }

  static void WriteBytes(uint32_t number, std::string_view bytes, CodedOutputStream* out) {
    Tag(number, kLengthDelimited, out);
    out->WriteVarint32(static_cast<uint32_t>(bytes.size()));
    out->WriteRaw(bytes.data(), static_cast<int>(bytes.size()));
  }

  static bool Fail(RowError* error, const std::string& path, std::string message) {
    *error = {path, absl::StrCat("column '", path, "': ", message)};
    return false;
  }

  bool WriteColumn(const TableFieldSchema& field, const Plan* child, uint32_t number,
                   const Value* value, const Schema* schema, const std::string& path,
                   CodedOutputStream* out, RowError* error) const {
    if (value == nullptr || value->is_null()) {
      if (field.mode == FieldMode::kRequired) {
        return Fail(error, path, "REQUIRED column is missing or null");
      }
      return true;  // NULLABLE: absent; REPEATED: empty.
    }
    if (field.mode != FieldMode::kRepeated) {
      return WriteSingle(field, child, number, *value, schema, path, out, error);
    }
    if (value->kind() == Value::Kind::kArray) {
      const Array& items = value->as_array();
      const Schema* item_schema = ElementSchema(schema);
      for (size_t i = 0; i < items.size(); ++i) {
        std::string item_path = absl::StrCat(path, "[", i, "]");
        if (items[i].is_null()) {
          return Fail(error, item_path, "BigQuery arrays cannot hold NULL elements");
        }
        if (items[i].kind() == Value::Kind::kArray) {
          return Fail(error, item_path,
                      "BigQuery arrays cannot hold arrays (no ARRAY of ARRAY); store the list "
                      "in a JSON column instead");
        }
        if (!WriteSingle(field, child, number, items[i], item_schema, item_path, out, error)) {
          return false;
        }
      }
      return true;
    }
    if (value->kind() == Value::Kind::kMap && field.type == FieldType::kRecord) {
      // kcbq's layout of a MAP: REPEATED RECORD(key, value).
      const Map& m = value->as_map();
      const Schema* key_schema =
          schema && schema->type() == Type::kMap ? schema->key_schema().get() : nullptr;
      const Schema* value_schema = ElementSchema(schema);
      size_t i = 0;
      for (const auto& [k, v] : m) {
        std::vector<Entry> entries = {{"key", &k, false, key_schema},
                                      {"value", &v, false, value_schema}};
        std::string item_path = absl::StrCat(path, "[", i++, "]");
        if (!WriteRecord(*child, entries, number, item_path, out, error)) return false;
      }
      return true;
    }
    return Fail(
        error, path,
        absl::StrCat("REPEATED column needs an array, got ", AV(ValueKindName(value->kind()))));
  }

  bool WriteRecord(const Plan& plan, const std::vector<Entry>& entries, uint32_t number,
                   const std::string& path, CodedOutputStream* out, RowError* error) const {
    std::string nested;
    if (!WriteMessage(plan, entries, path, &nested, error)) return false;
    WriteBytes(number, nested, out);
    return true;
  }

  // An integer for a TIMESTAMP/DATETIME column, in the unit its schema declares.
  bool EpochIntegerToMicros(const TableFieldSchema& field, int64_t v, const Schema* schema,
                            const std::string& path, int64_t* micros, RowError* error) const {
    const TimeUnit unit = *IntegerTimeUnit(schema, field.type);
    if (!ToMicros(v, unit, micros) || *micros < kMinTimestampMicros ||
        *micros > kMaxTimestampMicros) {
      return Fail(
          error, path,
          absl::StrCat(AV(FieldTypeName(field.type)), " out of range 0001-01-01..9999-12-31: ", v,
                       " read as epoch ", AV(TimeUnitName(unit)), " (", UnitSource(schema), ")",
                       OtherUnitReadings(v, unit),
                       ". Declare the unit with a logical type (Connect's Timestamp, "
                       "Debezium's MicroTimestamp/NanoTimestamp) or convert the field "
                       "with the TimestampConverter SMT"));
    }
    return true;
  }

  bool WriteSingle(const TableFieldSchema& field, const Plan* child, uint32_t number,
                   const Value& value, const Schema* schema, const std::string& path,
                   CodedOutputStream* out, RowError* error) const {
    const Value::Kind kind = value.kind();
    auto wrong = [&](std::string_view expected) {
      if (kind == Value::Kind::kArray) {
        return Fail(
            error, path,
            absl::StrCat(AV(FieldTypeName(field.type)), " column is not REPEATED and needs ",
                         AV(expected), ", got an array"));
      }
      return Fail(error, path,
                  absl::StrCat(AV(FieldTypeName(field.type)), " column needs ", AV(expected),
                               ", got ", AV(ValueKindName(kind))));
    };
    switch (field.type) {
      case FieldType::kString:
      case FieldType::kGeography:
        if (kind != Value::Kind::kString) return wrong("a string");
        if (!IsValidUtf8(value.as_string())) return Fail(error, path, "string is not valid UTF-8");
        WriteBytes(number, value.as_string(), out);
        return true;
      case FieldType::kJson: {
        if (kind == Value::Kind::kString) {
          const std::string& text = value.as_string();
          if (!IsValidUtf8(text)) return Fail(error, path, "JSON text is not valid UTF-8");
          if (!nlohmann::json::accept(text)) return Fail(error, path, "invalid JSON text");
          WriteBytes(number, text, out);
          return true;
        }
        auto json = ValueToJsonText(value);
        if (!json.ok()) return Fail(error, path, std::string(json.status().message()));
        WriteBytes(number, *json, out);
        return true;
      }
      case FieldType::kBytes:
        if (kind != Value::Kind::kBytes) return wrong("bytes");
        WriteBytes(number, value.as_bytes().data, out);
        return true;
      case FieldType::kInteger: {
        int64_t v = 0;
        if (kind == Value::Kind::kInt) {
          v = value.as_int();
        } else if (kind == Value::Kind::kFloat) {
          // Exact only: 3.0 is 3; 3.5 or 1e30 is not an INTEGER.
          const double d = value.as_float();
          if (!(std::isfinite(d) && std::trunc(d) == d && d >= -9223372036854775808.0 &&
                d < 9223372036854775808.0)) {
            return Fail(error, path,
                        absl::StrCat("INTEGER column needs an integer, got ", d,
                                     " (not a whole number in INT64's range)"));
          }
          v = static_cast<int64_t>(d);
        } else {
          return wrong("an integer");
        }
        Tag(number, kVarint, out);
        out->WriteVarint64(static_cast<uint64_t>(v));
        return true;
      }
      case FieldType::kFloat: {
        double d = 0;
        std::optional<Decimal> variable_scale = VariableScaleDecimalOf(value);
        if (kind == Value::Kind::kFloat) {
          d = value.as_float();
        } else if (kind == Value::Kind::kInt) {
          d = static_cast<double>(value.as_int());
        } else if (kind == Value::Kind::kDecimal || variable_scale) {
          // Unset, decimalHandlingMode takes the table's word: kcbq's
          // tables hold decimals as FLOAT columns, and kcbq writes doubles.
          const bool allowed =
              variable_scale ? options_.variable_scale_decimal_handling == DecimalHandling::kFloat
                             : !options_.decimal_handling ||
                                   *options_.decimal_handling == DecimalHandling::kFloat;
          if (!allowed) {
            const char* key =
                variable_scale ? "variableScaleDecimalHandlingMode" : "decimalHandlingMode";
            return Fail(error, path,
                        absl::StrCat("FLOAT column needs a number, got a decimal; as a double it "
                                     "would lose precision, which ",
                                     key, "=FLOAT allows",
                                     variable_scale ? "" : " (as does leaving it unset)",
                                     " (tables kcbq created hold decimals as FLOAT columns)"));
          }
          d = DecimalToDouble(variable_scale ? *variable_scale : value.as_decimal());
        } else {
          return wrong("a number");
        }
        uint64_t bits = 0;
        std::memcpy(&bits, &d, sizeof bits);
        Tag(number, kFixed64, out);
        out->WriteLittleEndian64(bits);
        return true;
      }
      case FieldType::kBoolean:
        if (kind != Value::Kind::kBool) return wrong("a boolean");
        Tag(number, kVarint, out);
        out->WriteVarint32(value.as_bool() ? 1 : 0);
        return true;
      case FieldType::kTimestamp: {
        int64_t micros = 0;
        if (kind == Value::Kind::kTimestamp) {
          micros = value.as_timestamp().micros;
        } else if (kind == Value::Kind::kInt) {
          if (!EpochIntegerToMicros(field, value.as_int(), schema, path, &micros, error)) {
            return false;
          }
        } else if (kind == Value::Kind::kString) {
          if (!IsValidUtf8(value.as_string()))
            return Fail(error, path, "string is not valid UTF-8");
          auto parsed = ParseTimestampText(value.as_string());
          if (!parsed) {
            return Fail(
                error, path,
                absl::StrCat("cannot parse '", value.as_string(), "' as an RFC 3339 timestamp"));
          }
          micros = *parsed;
        } else {
          return wrong("a timestamp, an epoch integer, or RFC 3339 text");
        }
        if (micros < kMinTimestampMicros || micros > kMaxTimestampMicros) {
          return Fail(error, path, "TIMESTAMP out of range 0001-01-01..9999-12-31");
        }
        Tag(number, kVarint, out);
        out->WriteVarint64(static_cast<uint64_t>(micros));
        return true;
      }
      case FieldType::kDate: {
        int64_t days = 0;
        if (kind == Value::Kind::kDate) {
          days = value.as_date().days;
        } else if (kind == Value::Kind::kInt) {
          days = value.as_int();  // Connect's and Debezium's Date: days since the epoch.
        } else if (kind == Value::Kind::kString) {
          auto parsed = ParseDateText(value.as_string());
          if (!parsed) {
            return Fail(error, path,
                        absl::StrCat("cannot parse '", value.as_string(), "' as YYYY-MM-DD"));
          }
          days = *parsed;
        } else {
          return wrong("a date, days since the epoch, or YYYY-MM-DD text");
        }
        if (days < kMinDateDays || days > kMaxDateDays) {
          return Fail(error, path,
                      absl::StrCat("DATE out of range 0001-01-01..9999-12-31: ", days,
                                   " days since 1970-01-01"));
        }
        Tag(number, kVarint, out);
        out->WriteVarint32SignExtended(static_cast<int32_t>(days));
        return true;
      }
      case FieldType::kTime: {
        int64_t micros = 0;
        if (kind == Value::Kind::kTime) {
          micros = value.as_time().micros;
        } else if (kind == Value::Kind::kInt) {
          const TimeUnit unit = *IntegerTimeUnit(schema, field.type);
          if (!ToMicros(value.as_int(), unit, &micros) || micros < 0 || micros >= kMicrosPerDay) {
            return Fail(error, path,
                        absl::StrCat("TIME out of range 00:00:00..23:59:59.999999: ",
                                     value.as_int(), " read as ", AV(TimeUnitName(unit)),
                                     " of the day (", UnitSource(schema), ")"));
          }
        } else if (kind == Value::Kind::kString) {
          if (!IsValidUtf8(value.as_string()))
            return Fail(error, path, "string is not valid UTF-8");
          std::string problem = ParseTimeText(value.as_string(), &micros);
          if (!problem.empty()) {
            return Fail(error, path, absl::StrCat("TIME text '", value.as_string(), "' ", problem));
          }
        } else {
          return wrong("a time, an integer of the day, or HH:MM:SS text");
        }
        if (micros < 0 || micros >= kMicrosPerDay) {
          return Fail(error, path, "TIME out of range 00:00:00..23:59:59.999999");
        }
        WriteBytes(number, FormatTimeOfDay(micros), out);
        return true;
      }
      case FieldType::kDatetime: {
        std::string text;
        if (kind == Value::Kind::kTimestamp || kind == Value::Kind::kInt) {
          int64_t micros = 0;
          if (kind == Value::Kind::kTimestamp) {
            micros = value.as_timestamp().micros;
          } else if (!EpochIntegerToMicros(field, value.as_int(), schema, path, &micros, error)) {
            return false;
          }
          if (micros < kMinTimestampMicros || micros > kMaxTimestampMicros) {
            return Fail(error, path, "DATETIME out of range 0001-01-01..9999-12-31");
          }
          text = DateTimeText(micros, ' ');
        } else if (kind == Value::Kind::kString) {
          if (!IsValidUtf8(value.as_string()))
            return Fail(error, path, "string is not valid UTF-8");
          std::string problem = ParseDatetimeText(value.as_string(), &text);
          if (!problem.empty()) {
            return Fail(error, path,
                        absl::StrCat("DATETIME text '", value.as_string(), "' ", problem));
          }
        } else {
          return wrong("a timestamp or datetime text");
        }
        WriteBytes(number, text, out);
        return true;
      }
      case FieldType::kNumeric:
      case FieldType::kBignumeric: {
        std::string text;
        if (kind == Value::Kind::kDecimal) {
          text = value.as_decimal().ToString();
        } else if (std::optional<Decimal> variable_scale = VariableScaleDecimalOf(value)) {
          text = variable_scale->ToString();
        } else if (kind == Value::Kind::kInt) {
          text = absl::StrCat(value.as_int());
        } else if (kind == Value::Kind::kString) {
          text = value.as_string();
        } else {
          return wrong("a decimal, an integer, or decimal text");
        }
        const bool big = field.type == FieldType::kBignumeric;
        std::string normalized;
        std::string problem = CheckDecimalText(text, big ? 38 : 29, big ? 38 : 9, &normalized);
        if (!problem.empty()) {
          return Fail(error, path,
                      absl::StrCat(AV(FieldTypeName(field.type)), " value '", text, "' ", problem));
        }
        WriteBytes(number, normalized, out);
        return true;
      }
      case FieldType::kRecord: {
        std::vector<Entry> entries;
        if (kind == Value::Kind::kDecimal) {
          // decimalHandlingMode=RECORD's layout: RECORD(scale, value).
          const Decimal& d = value.as_decimal();
          const Value scale(static_cast<int64_t>(d.scale));
          const Value unscaled(Bytes{MinimalTwosComplement(d.unscaled)});
          entries = {{"scale", &scale, false, nullptr}, {"value", &unscaled, false, nullptr}};
          return WriteRecord(*child, entries, number, path, out, error);
        }
        if (!EntriesOf(value, schema, path, &entries, error)) return false;
        return WriteRecord(*child, entries, number, path, out, error);
      }
    }
    return Fail(error, path, "unsupported column type");
  }

  const RowEncoderOptions& options_;
};

}  // namespace

absl::StatusOr<DescriptorProto> BuildRowDescriptor(const TableSchema& schema) {
  DescriptorProto root;
  root.set_name("ferry__row");
  int next_type = 1;
  if (auto s = AddFields(schema.fields, &root, &root, &next_type, ""); !s.ok()) return s;
  return root;
}

RowEncoder::RowEncoder(TableSchema schema, RowEncoderOptions options, DescriptorProto descriptor)
    : schema_(std::move(schema)),
      options_(std::move(options)),
      descriptor_(std::move(descriptor)),
      plan_(Plan::Build(schema_.fields)) {
  if (!options_.kafka_data_field.empty()) {
    kafka_data_column_ =
        schema_.FindField(options_.sanitize_field_names ? SanitizeName(options_.kafka_data_field)
                                                        : options_.kafka_data_field);
  }
}

RowEncoder::~RowEncoder() = default;

absl::StatusOr<std::unique_ptr<RowEncoder>> RowEncoder::Create(TableSchema schema,
                                                               RowEncoderOptions options) {
  auto descriptor = BuildRowDescriptor(schema);
  if (!descriptor.ok()) return descriptor.status();
  for (const std::string* name : {&options.kafka_key_field, &options.kafka_data_field}) {
    if (name->empty() || options.ignore_unknown_fields) continue;
    std::string column = options.sanitize_field_names ? SanitizeName(*name) : *name;
    if (schema.FindField(column) == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the table has no column '", column, "' (",
          name == &options.kafka_key_field ? "kafkaKeyFieldName" : "kafkaDataFieldName",
          "); add it to the table or unset the key"));
    }
  }
  return std::unique_ptr<RowEncoder>(
      new RowEncoder(std::move(schema), std::move(options), *std::move(descriptor)));
}

std::optional<RowError> RowEncoder::Encode(const SinkRecord& record, std::string* row,
                                           std::string_view put_attempt_id) const {
  MessageWriter writer(options_);
  RowError error;
  std::vector<Entry> entries;
  if (record.value.is_null()) {
    return RowError{"",
                    "the record value is null (a tombstone); deleteEnabled is not supported "
                    "yet by ferry, so it cannot be written"};
  }
  if (!writer.EntriesOf(record.value, record.value_schema.get(), "", &entries, &error)) {
    return error;
  }

  Value kafka_data;
  if (kafka_data_column_ != nullptr) {
    // Only the sub-fields the table has: ferry's layout (timestamp, key) or
    // kcbq's (insertTime), so tables created by either take the rows.
    const TableFieldSchema& column = *kafka_data_column_;
    Map data;
    auto put = [&](const char* name, Value v) {
      if (column.FindField(name) != nullptr) data.emplace_back(Value(name), std::move(v));
    };
    // preserveKafkaTopicPartitionOffset: where the record was read, not
    // where transforms (RegexRouter, ...) moved it.
    const RawRecord* original = options_.original_coordinates ? record.raw.get() : nullptr;
    put("topic", Value(original != nullptr ? original->topic : record.topic));
    put("partition",
        Value(static_cast<int64_t>(original != nullptr ? original->partition : record.partition)));
    put("offset", Value(original != nullptr ? original->offset : record.offset));
    put("timestamp",
        record.timestamp_ms >= 0 ? Value(Timestamp{record.timestamp_ms * 1000}) : Value());
    if (column.FindField("key") != nullptr) {
      bool key_is_null = false;
      std::string key = KafkaKeyText(record, &key_is_null);
      put("key", key_is_null ? Value() : Value(std::move(key)));
    }
    put("insertTime", Value(Timestamp{absl::ToUnixMicros(absl::Now())}));
    if (options_.track_put_attempts) {
      if (column.FindField(kPutAttemptIdField) != nullptr) {
        put(kPutAttemptIdField,
            put_attempt_id.empty() ? Value() : Value(std::string(put_attempt_id)));
      } else if (!options_.ignore_unknown_fields) {
        const std::string path = absl::StrCat(column.name, ".", kPutAttemptIdField);
        return RowError{path, absl::StrCat("the table has no column '", path,
                                           "' for this field (trackPutAttempts)")};
      }
    }
    kafka_data = Value(std::move(data));
    entries.push_back({options_.kafka_data_field, &kafka_data, true, nullptr});
  }
  if (!options_.kafka_key_field.empty()) {
    entries.push_back({options_.kafka_key_field, &record.key, true, record.key_schema.get()});
  }
  row->clear();
  if (!writer.WriteMessage(*plan_, entries, "", row, &error)) return error;
  return std::nullopt;
}

absl::StatusOr<std::string> ValueToJsonText(const Value& value) {
  auto json = ToJson(value);
  if (!json.ok()) return json.status();
  try {
    return json->dump();
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(e.what());
  }
}

bool IsValidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace ferry::bigquery
