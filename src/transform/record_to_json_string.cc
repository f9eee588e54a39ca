// com.github.cedelsb.kafka.connect.smt.Record2JsonStringConverter$Key / $Value
// (kafka-connect-transform-tojsonstring): replaces the key or value Struct by
// a Struct "jsonStringSchema" (version 1) with one required STRING field
// holding the Struct as JSON text. The original converts the Struct to a BSON
// document (its AvroJsonSchemafulRecordConverter) and writes it with
// mongo-java-driver's JsonWriter; ferry writes the same text directly:
//
// - Field rules of the converter: INT8/16/32 are BSON int32, INT64 int64,
//   FLOAT32/64 double (a FLOAT32 widened as Java's (double) float), BYTES
//   binary (subtype 0), Date/Time/Timestamp datetime (epoch millis), Decimal
//   decimal128, STRUCT a document, ARRAY an array, MAP a document. Struct.get
//   gives a field's default for null. A null primitive or logical value of a
//   required schema fails ("error: schema not optional but data was null");
//   an optional one takes the schema default, else null. Null structs, arrays
//   and maps are null. Array elements and map values take the optionality and
//   default of the array / map schema (as the original passes it), not of
//   their own schema. Map keys must be strings, a map of maps fails, and
//   entries come in java.util.HashMap's iteration order of their keys (the
//   Map Connect's converters build) rather than their order in the record.
// - JsonWriter (StrictCharacterStreamJsonWriter) text: `{"a": 1, "b": [1, 2]}`,
//   strings escaped as bson does (", \, \b \f \n \r \t, and \uXXXX for the
//   UTF-16 code units of json_escape_table.inc), per json.writer.output.mode
//   (RELAXED by default; EXTENDED, SHELL, STRICT, case-sensitive; anything
//   else is RELAXED, as the original's switch) the converters of bson's
//   JsonWriterSettings for that mode.
// - json.writer.handle.logical.types=true: datetimes as a number (LONG) or a
//   string (STRING, java.time formatting in transform/java_time_format.h),
//   decimals as a bare number, binaries as {"base64": "..."}.
//
// ferry differences, documented in README.md: post.processing.to.xml=true
// (underscore-java's JSON to XML) is refused; doubles print as
// JavaDoubleToString (the shortest digits that round-trip), which is Java 19+'s
// Double.toString, where Java 17's differs for a few values (it prints
// 2.82879384806159E17 as 2.82879384806159008E17); SHELL dates before
// 1582-10-15 (Java's Julian calendar) fail the record instead of printing.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "convert/java_numbers.h"
#include "transform/date_format.h"
#include "transform/internal.h"
#include "transform/java_time_format.h"

namespace ferry::transform_internal {
namespace {

constexpr char kFieldName[] = "json.string.field.name";
constexpr char kOutputMode[] = "json.writer.output.mode";
constexpr char kToXml[] = "post.processing.to.xml";
constexpr char kHandleLogical[] = "json.writer.handle.logical.types";
constexpr char kDatetimeAs[] = "json.writer.datetime.logical.types.as";
constexpr char kPattern[] = "json.writer.datetime.pattern";
constexpr char kZoneId[] = "json.writer.datetime.zoneid";
constexpr char kPurpose[] = "Converting record with Schema into a simple JSON String";

const ConfigDef& Record2JsonStringDef() {
  static const ConfigDef* const def = [] {
    auto* d = new ConfigDef();
    d->Define(kFieldName, ConfigType::kString, "jsonstring", Importance::kHigh,
              "Field name for output JSON String field");
    d->Define(kOutputMode, ConfigType::kString, "RELAXED", Importance::kMedium,
              "Output mode of JSON Writer (RELAXED,EXTENDED,SHELL or STRICT) (ferry: doubles print "
              "as Java 19+'s Double.toString, which differs from Java 17's for a few values)");
    d->Define(kToXml, ConfigType::kBoolean, "false", Importance::kLow,
              "Transform the generated JSON into a schemaless XML String (ferry: true is "
              "refused, ferry has no JSON to XML conversion)");
    d->Define(kHandleLogical, ConfigType::kBoolean, "false", Importance::kLow,
              "Write logical types (dates, times, timestamps, decimal, bytes) without their "
              "$<type> embedding");
    d->Define(kDatetimeAs, ConfigType::kString, "LONG", Importance::kLow,
              "Write the logical type field (of time, date or timestamp) either as a STRING or a "
              "LONG (epoc) value, only applicable if json.writer.handle.logical.types=true");
    d->Define(kPattern, ConfigType::kString, "", Importance::kLow,
              "The pattern (either a predefined constant or pattern letters) to use to format "
              "the date/time or timestamp as string (ferry: the ISO constants, RFC_1123_DATE_TIME "
              "and the letters u y M d H h m s S n a E z Z X x VV; others are refused)");
    d->Define(
        kZoneId, ConfigType::kString, "UTC", Importance::kLow,
        "The zone id to use to format the date/time or timestamp as string, only "
        "applicable if json.writer.datetime.logical.types.as=STRING (ferry: region rules come "
        "from this machine's tz database; IDs it lacks, such as SystemV/*, are refused)");
    return d;
  }();
  return *def;
}

enum class Mode { kRelaxed, kExtended, kShell, kStrict };

struct Settings {
  std::string field_name;
  Mode mode = Mode::kRelaxed;
  bool handle_logical = false;
  bool datetime_as_string = false;
  std::optional<JavaDateTimeFormatter> formatter;  // datetime_as_string only.
  SchemaPtr output_schema;
};

// The UTF-16 code units StrictCharacterStreamJsonWriter writes as \uXXXX.
struct Range {
  uint16_t first;
  uint16_t last;
};
constexpr Range kEscaped[] = {
#include "transform/json_escape_table.inc"
};

bool Escaped(uint32_t unit) {
  size_t lo = 0, hi = std::size(kEscaped);
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (unit > kEscaped[mid].last) {
      lo = mid + 1;
    } else if (unit < kEscaped[mid].first) {
      hi = mid;
    } else {
      return true;
    }
  }
  return false;
}

// Decodes UTF-8 as Java's decoder would build the String (malformed bytes
// become U+FFFD) and calls `unit` for each UTF-16 code unit with the code
// point's UTF-8 bytes.
template <typename F>
void ForEachUtf16(std::string_view s, F unit) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp = 0xFFFD;
    size_t len = 1;
    if (c < 0x80) {
      cp = c;
    } else {
      size_t need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
      if (need > 0 && i + need <= s.size()) {
        uint32_t v = c & (0x7F >> need);
        bool ok = true;
        for (size_t k = 1; k < need; ++k) {
          unsigned char cc = static_cast<unsigned char>(s[i + k]);
          if ((cc & 0xC0) != 0x80) {
            ok = false;
            break;
          }
          v = (v << 6) | (cc & 0x3F);
        }
        static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
        if (ok && v >= kMin[need] && v <= 0x10FFFF && (v < 0xD800 || v > 0xDFFF)) {
          cp = v;
          len = need;
        }
      }
    }
    std::string_view bytes =
        cp == 0xFFFD && len == 1 && c >= 0x80 ? "\xEF\xBF\xBD" : s.substr(i, len);
    if (cp >= 0x10000) {
      unit(0xD800 + ((cp - 0x10000) >> 10), bytes, true);
      unit(0xDC00 + ((cp - 0x10000) & 0x3FF), bytes, false);
    } else {
      unit(cp, bytes, true);
    }
    i += len;
  }
}

// StrictCharacterStreamJsonWriter.writeStringHelper.
void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  // A supplementary character's surrogates are both escaped (the table has
  // every surrogate), so its UTF-8 bytes are never written as they are.
  ForEachUtf16(s, [&](uint32_t unit, std::string_view bytes, bool first) {
    switch (unit) {
      case '"':
        out->append("\\\"");
        return;
      case '\\':
        out->append("\\\\");
        return;
      case '\b':
        out->append("\\b");
        return;
      case '\f':
        out->append("\\f");
        return;
      case '\n':
        out->append("\\n");
        return;
      case '\r':
        out->append("\\r");
        return;
      case '\t':
        out->append("\\t");
        return;
      default:
        break;
    }
    if (Escaped(unit)) {
      static constexpr char kHex[] = "0123456789abcdef";
      out->append("\\u");
      for (int shift = 12; shift >= 0; shift -= 4) out->push_back(kHex[(unit >> shift) & 0xF]);
    } else if (first) {
      out->append(bytes);
    }
  });
  out->push_back('"');
}

// java.lang.String.hashCode over the UTF-16 code units.
int32_t JavaStringHash(std::string_view s) {
  uint32_t h = 0;
  ForEachUtf16(s, [&](uint32_t unit, std::string_view, bool) { h = 31 * h + unit; });
  return static_cast<int32_t>(h);
}

// The order java.util.HashMap (filled by put, default capacity and load
// factor) iterates these distinct keys in: by bucket, then insertion order.
std::vector<size_t> HashMapOrder(const std::vector<std::string>& keys) {
  size_t capacity = 16;
  while (keys.size() > capacity * 3 / 4) capacity *= 2;
  std::vector<std::pair<size_t, size_t>> order;  // bucket, index
  for (size_t i = 0; i < keys.size(); ++i) {
    uint32_t h = static_cast<uint32_t>(JavaStringHash(keys[i]));
    h ^= h >> 16;
    order.emplace_back(h & (capacity - 1), i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<size_t> out;
  for (const auto& [bucket, index] : order) out.push_back(index);
  return out;
}

int64_t FloorDivMillis(int64_t micros) { return FloorDiv(micros, kMicrosPerMilli); }

// The epoch millis a Connect Date / Time / Timestamp value (java.util.Date)
// holds.
std::optional<int64_t> DateTimeMillis(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kTimestamp:
      return FloorDivMillis(v.as_timestamp().micros);
    case Value::Kind::kDate:
      return int64_t{v.as_date().days} * 86400000;
    case Value::Kind::kTime:
      return FloorDivMillis(v.as_time().micros);
    default:
      return std::nullopt;
  }
}

// org.bson.types.Decimal128(BigDecimal).toString(): plain notation when the
// exponent is <= 0 and the adjusted exponent >= -6, else scientific ("1E+3").
absl::StatusOr<std::string> Decimal128String(const Decimal& d) {
  JavaBigDecimal b = FromDecimal(d);
  std::string digits = b.digits;
  int64_t scale = b.scale;
  // new Decimal128(BigDecimal): at most 34 digits without losing a non-zero
  // one, exponent within [-6176, 6111].
  if (digits.size() > 34) {
    size_t extra = digits.size() - 34;
    if (digits.find_first_not_of('0', 34) != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Conversion to Decimal128 would require inexact rounding of ", BigDecimalToString(b)));
    }
    digits.resize(34);
    scale -= static_cast<int64_t>(extra);
  }
  int64_t exponent = -scale;
  if (exponent < -6176 || exponent > 6111) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Exponent is out of range for Decimal128 encoding of ", BigDecimalToString(b)));
  }
  std::string out = b.negative ? "-" : "";
  int64_t adjusted = exponent + static_cast<int64_t>(digits.size()) - 1;
  if (exponent <= 0 && adjusted >= -6) {
    if (exponent == 0) {
      out += digits;
    } else {
      int64_t pad = -exponent - static_cast<int64_t>(digits.size());
      if (pad >= 0) {
        out += "0.";
        out.append(pad, '0');
        out += digits;
      } else {
        out += digits.substr(0, -pad);
        out += ".";
        out += digits.substr(-pad);
      }
    }
  } else {
    out.push_back(digits[0]);
    if (digits.size() > 1) absl::StrAppend(&out, ".", digits.substr(1));
    absl::StrAppend(&out, "E", adjusted > 0 ? "+" : "", adjusted);
  }
  return out;
}

class JsonBuilder {
 public:
  explicit JsonBuilder(const Settings& settings) : s_(settings) {}

  absl::Status Document(const Schema& schema, const Value& value, std::string* out) const {
    if (schema.type() != Type::kStruct) {
      return absl::InvalidArgumentError("Cannot list fields on non-struct type");
    }
    if (value.kind() != Value::Kind::kStruct) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected a Struct, found ", JavaClassName(value)));
    }
    const Struct& st = value.as_struct();
    out->push_back('{');
    bool first = true;
    for (const Field& f : schema.fields()) {
      if (!first) out->append(", ");
      first = false;
      AppendJsonString(f.name, out);
      out->append(": ");
      // Struct.get(field): the field's default when the value is null.
      Value v = f.index < static_cast<int>(st.values.size()) ? st.values[f.index] : Value();
      if (v.is_null() && f.schema->default_value() != nullptr) v = *f.schema->default_value();
      absl::Status status = FieldValue(*f.schema, v, out);
      if (!status.ok()) {
        if (IsLogical(*f.schema)) return status;  // not wrapped, as the original.
        return absl::InvalidArgumentError(
            absl::StrCat("error while processing field ", f.name, ": ", status.message()));
      }
    }
    out->push_back('}');
    return absl::OkStatus();
  }

 private:
  static bool IsLogical(const Schema& s) {
    return s.name() == logical::kDate || s.name() == logical::kTime ||
           s.name() == logical::kTimestamp || s.name() == logical::kDecimal;
  }

  absl::Status FieldValue(const Schema& schema, const Value& v, std::string* out) const {
    if (IsLogical(schema) || IsPrimitive(schema.type())) return Converted(schema, schema, v, out);
    switch (schema.type()) {
      case Type::kStruct:
        if (v.is_null()) {
          out->append("null");
          return absl::OkStatus();
        }
        return Document(schema, v, out);
      case Type::kArray:
        return ArrayValue(schema, v, out);
      case Type::kMap:
        return MapValue(schema, v, out);
      default:
        return absl::InvalidArgumentError(absl::StrCat("unexpected / unsupported schema type ",
                                                       std::string(TypeName(schema.type()))));
    }
  }

  absl::Status ArrayValue(const Schema& schema, const Value& v, std::string* out) const {
    if (v.is_null()) {
      out->append("null");
      return absl::OkStatus();
    }
    if (v.kind() != Value::Kind::kArray) return Mismatch(schema, v);
    const Schema& element = *schema.value_schema();
    out->push_back('[');
    bool first = true;
    for (const Value& e : v.as_array()) {
      if (!first) out->append(", ");
      first = false;
      absl::Status s = Element(schema, element, e, out);
      if (!s.ok()) return s;
    }
    out->push_back(']');
    return absl::OkStatus();
  }

  // An array element or map value: primitives (and logical types) convert
  // with the container's optionality, arrays recurse, anything else must be
  // a Struct.
  absl::Status Element(const Schema& container, const Schema& element, const Value& e,
                       std::string* out) const {
    if (IsPrimitive(element.type())) return Converted(element, container, e, out);
    if (element.type() == Type::kArray) return ArrayValue(element, e, out);
    if (e.is_null()) {
      return absl::InvalidArgumentError("null element where a Struct was expected");
    }
    return Document(element, e, out);
  }

  absl::Status MapValue(const Schema& schema, const Value& v, std::string* out) const {
    if (v.is_null()) {
      out->append("null");
      return absl::OkStatus();
    }
    if (v.kind() != Value::Kind::kMap) return Mismatch(schema, v);
    // A java.util.HashMap of String keys: a repeated key keeps its first
    // place and its last value.
    std::vector<std::string> keys;
    std::vector<const Value*> values;
    for (const auto& [k, val] : v.as_map()) {
      if (k.kind() != Value::Kind::kString) {
        return absl::InvalidArgumentError(
            absl::StrCat(JavaClassName(k), " cannot be cast to class java.lang.String"));
      }
      auto it = std::find(keys.begin(), keys.end(), k.as_string());
      if (it != keys.end()) {
        values[it - keys.begin()] = &val;
      } else {
        keys.push_back(k.as_string());
        values.push_back(&val);
      }
    }
    const Schema& value_schema = *schema.value_schema();
    out->push_back('{');
    bool first = true;
    for (size_t i : HashMapOrder(keys)) {
      if (!first) out->append(", ");
      first = false;
      AppendJsonString(keys[i], out);
      out->append(": ");
      absl::Status s = Element(schema, value_schema, *values[i], out);
      if (!s.ok()) return s;
    }
    out->push_back('}');
    return absl::OkStatus();
  }

  static absl::Status Mismatch(const Schema& schema, const Value& v) {
    return absl::InvalidArgumentError(absl::StrCat(JavaClassName(v), " is not a valid value for ",
                                                   std::string(TypeName(schema.type()))));
  }

  // SinkFieldConverter.toBson(data, fieldSchema): `schema` picks the
  // converter, `optionality` (the field, array or map schema) decides what
  // null means.
  absl::Status Converted(const Schema& schema, const Schema& optionality, const Value& v,
                         std::string* out) const {
    if (v.is_null()) {
      if (!optionality.optional()) {
        return absl::InvalidArgumentError("error: schema not optional but data was null");
      }
      if (optionality.default_value() != nullptr && !optionality.default_value()->is_null()) {
        return Bson(schema, *optionality.default_value(), out);
      }
      out->append("null");
      return absl::OkStatus();
    }
    return Bson(schema, v, out);
  }

  absl::Status Bson(const Schema& schema, const Value& v, std::string* out) const {
    if (schema.name() == logical::kDate || schema.name() == logical::kTime ||
        schema.name() == logical::kTimestamp) {
      std::optional<int64_t> ms = DateTimeMillis(v);
      if (!ms) return Mismatch(schema, v);
      return DateTime(*ms, out);
    }
    if (schema.name() == logical::kDecimal) {
      if (v.kind() != Value::Kind::kDecimal) {
        return absl::InvalidArgumentError(
            absl::StrCat("error: decimal conversion not possible when data is of type ",
                         JavaClassName(v), " and format is DECIMAL128"));
      }
      absl::StatusOr<std::string> text = Decimal128String(v.as_decimal());
      if (!text.ok()) return text.status();
      if (s_.handle_logical) {
        out->append(*text);  // JsonDecimalConverter: writeNumber.
      } else if (s_.mode == Mode::kShell) {
        absl::StrAppend(out, "NumberDecimal(\"", *text, "\")");
      } else {
        absl::StrAppend(out, "{\"$numberDecimal\": \"", *text, "\"}");
      }
      return absl::OkStatus();
    }
    switch (schema.type()) {
      case Type::kBoolean:
        if (v.kind() != Value::Kind::kBool) return Mismatch(schema, v);
        out->append(v.as_bool() ? "true" : "false");
        return absl::OkStatus();
      case Type::kInt8:
      case Type::kInt16:
      case Type::kInt32:
        if (v.kind() != Value::Kind::kInt) return Mismatch(schema, v);
        Int32(JavaNarrow(v.as_int(), schema.type()), out);
        return absl::OkStatus();
      case Type::kInt64:
        if (v.kind() != Value::Kind::kInt) return Mismatch(schema, v);
        Int64(v.as_int(), out);
        return absl::OkStatus();
      case Type::kFloat32:
      case Type::kFloat64: {
        if (v.kind() != Value::Kind::kFloat && v.kind() != Value::Kind::kInt) {
          return Mismatch(schema, v);
        }
        double d = v.kind() == Value::Kind::kFloat ? v.as_float() : static_cast<double>(v.as_int());
        if (schema.type() == Type::kFloat32) d = static_cast<double>(static_cast<float>(d));
        Double(d, out);
        return absl::OkStatus();
      }
      case Type::kString:
        if (v.kind() != Value::Kind::kString) return Mismatch(schema, v);
        AppendJsonString(v.as_string(), out);
        return absl::OkStatus();
      case Type::kBytes:
        if (v.kind() != Value::Kind::kBytes) {
          return absl::InvalidArgumentError(
              absl::StrCat("error: bytes field conversion failed to due unexpected object type ",
                           JavaClassName(v)));
        }
        Binary(v.as_bytes().data, out);
        return absl::OkStatus();
      default:
        return Mismatch(schema, v);
    }
  }

  void Int32(int64_t v, std::string* out) const {
    if (s_.mode == Mode::kExtended) {
      absl::StrAppend(out, "{\"$numberInt\": \"", v, "\"}");
    } else {
      absl::StrAppend(out, v);
    }
  }

  void Int64(int64_t v, std::string* out) const {
    switch (s_.mode) {
      case Mode::kRelaxed:
        absl::StrAppend(out, v);
        return;
      case Mode::kExtended:
      case Mode::kStrict:
        absl::StrAppend(out, "{\"$numberLong\": \"", v, "\"}");
        return;
      case Mode::kShell:
        if (v >= INT32_MIN && v <= INT32_MAX) {
          absl::StrAppend(out, "NumberLong(", v, ")");
        } else {
          absl::StrAppend(out, "NumberLong(\"", v, "\")");
        }
        return;
    }
  }

  void Double(double d, std::string* out) const {
    std::string text = JavaDoubleToString(d);
    bool extended = s_.mode == Mode::kExtended || (s_.mode == Mode::kRelaxed && !std::isfinite(d));
    if (extended) {
      absl::StrAppend(out, "{\"$numberDouble\": \"", text, "\"}");
    } else {
      out->append(text);  // STRICT and SHELL write NaN / Infinity bare.
    }
  }

  void Binary(const std::string& data, std::string* out) const {
    std::string b64 = absl::Base64Escape(data);
    if (s_.handle_logical) {
      absl::StrAppend(out, "{\"base64\": \"", b64, "\"}");  // JsonBinaryConverter.
      return;
    }
    switch (s_.mode) {
      case Mode::kRelaxed:
      case Mode::kExtended:
        absl::StrAppend(out, "{\"$binary\": {\"base64\": \"", b64, "\", \"subType\": \"00\"}}");
        return;
      case Mode::kStrict:
        absl::StrAppend(out, "{\"$binary\": \"", b64, "\", \"$type\": \"00\"}");
        return;
      case Mode::kShell:
        absl::StrAppend(out, "new BinData(0, \"", b64, "\")");
        return;
    }
  }

  absl::Status DateTime(int64_t ms, std::string* out) const {
    if (s_.handle_logical) {
      if (!s_.datetime_as_string) {
        absl::StrAppend(out, ms);  // JsonDateTimeAsLongConverter.
        return absl::OkStatus();
      }
      absl::StatusOr<std::string> text = s_.formatter->Format(ms);
      if (!text.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("Fail to convert offset ", ms,
                                                       " to JSON date: ", text.status().message()));
      }
      AppendJsonString(*text, out);
      return absl::OkStatus();
    }
    switch (s_.mode) {
      case Mode::kRelaxed:
        if (ms >= 0 && ms <= 253402300799999) {
          // bson's DateTimeFormatter.format: ISO_OFFSET_DATE_TIME in UTC.
          static const JavaDateTimeFormatter* const kIso = [] {
            return new JavaDateTimeFormatter(
                *JavaDateTimeFormatter::Create("ISO_OFFSET_DATE_TIME", *JavaZoneId::Of("Z")));
          }();
          absl::StrAppend(out, "{\"$date\": \"", *kIso->Format(ms), "\"}");
        } else {
          absl::StrAppend(out, "{\"$date\": {\"$numberLong\": \"", ms, "\"}}");
        }
        return absl::OkStatus();
      case Mode::kExtended:
        absl::StrAppend(out, "{\"$date\": {\"$numberLong\": \"", ms, "\"}}");
        return absl::OkStatus();
      case Mode::kStrict:
        absl::StrAppend(out, "{\"$date\": ", ms, "}");
        return absl::OkStatus();
      case Mode::kShell:
        if (ms >= -59014396800000 && ms <= 253399536000000) {
          if (ms < -12219292800000) {
            return absl::InvalidArgumentError(absl::StrCat(
                "ferry cannot write the SHELL date ", ms,
                " (before 1582-10-15, where Java's SimpleDateFormat uses the Julian calendar)"));
          }
          static const DateFormat* const kShellFormat =
              new DateFormat(*DateFormat::Compile("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"));
          absl::StrAppend(out, "ISODate(\"", kShellFormat->Format(ms * kMicrosPerMilli), "\")");
        } else {
          absl::StrAppend(out, "new Date(", ms, ")");
        }
        return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  const Settings& s_;
};

class Record2JsonString final : public ConfiguredTransformation<Settings> {
 public:
  explicit Record2JsonString(Target target) : target_(target) {}

  const ConfigDef& config_def() const override { return Record2JsonStringDef(); }

  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord& record) override {
    const Value& value = OperatingValue(record, target_);
    const SchemaPtr& schema = OperatingSchema(record, target_);
    // Tombstones (of the operating part) and schemaless parts pass unchanged.
    if (value.is_null() || schema == nullptr) return record;
    absl::Status s = RequireStruct(value, kPurpose);
    if (!s.ok()) return s;
    std::string json;
    s = JsonBuilder(settings_).Document(*schema, value, &json);
    if (!s.ok()) return s;
    Value out = Value(Struct{settings_.output_schema, {Value(std::move(json))}});
    return WithOperating(record, target_, settings_.output_schema, std::move(out));
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, Settings* out) const override {
    return LoadConfig(config_def(), props, [&](const ParsedConfig& c, std::vector<ConfigError>* e) {
      out->field_name = c.GetString(kFieldName);
      out->output_schema = SchemaBuilder::Struct()
                               .Name("jsonStringSchema")
                               .Version(1)
                               .AddField(out->field_name, Schema::String())
                               .Build();
      const std::string mode = c.GetString(kOutputMode);
      out->mode = mode == "SHELL"      ? Mode::kShell
                  : mode == "EXTENDED" ? Mode::kExtended
                  : mode == "STRICT"   ? Mode::kStrict
                                       : Mode::kRelaxed;
      if (c.GetBool(kToXml)) {
        e->push_back(
            {kToXml, InvalidValue(kToXml, "true",
                                  "ferry cannot convert the JSON to XML (the original "
                                  "uses underscore-java's U.jsonToXml); set it to false")});
      }
      out->handle_logical = c.GetBool(kHandleLogical);
      if (!out->handle_logical) return;
      // As the original, the datetime keys are read only with
      // json.writer.handle.logical.types=true.
      const std::string as = c.GetString(kDatetimeAs);
      if (absl::EqualsIgnoreCase(as, "STRING")) {
        out->datetime_as_string = true;
        absl::StatusOr<JavaZoneId> zone = JavaZoneId::Of(c.GetString(kZoneId));
        if (!zone.ok()) {
          e->push_back(
              {kZoneId, InvalidValue(kZoneId, c.GetString(kZoneId), zone.status().message())});
          return;
        }
        absl::StatusOr<JavaDateTimeFormatter> f =
            JavaDateTimeFormatter::Create(c.GetString(kPattern), *zone);
        if (!f.ok()) {
          e->push_back(
              {kPattern, InvalidValue(kPattern, c.GetString(kPattern), f.status().message())});
          return;
        }
        out->formatter = std::move(*f);
      } else if (!absl::EqualsIgnoreCase(as, "LONG")) {
        e->push_back({kDatetimeAs, absl::StrCat("Wrong value for configuration setting: ",
                                                kDatetimeAs, "=", as)});
      }
    });
  }

 private:
  const Target target_;
};

}  // namespace

std::unique_ptr<Transformation> NewRecord2JsonString(Target target) {
  return std::make_unique<Record2JsonString>(target);
}

}  // namespace ferry::transform_internal
