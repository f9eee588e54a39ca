// HeaderToField$Key / $Value, mirroring jcustenborder's
// com.github.jcustenborder.kafka.connect.transform.common.HeaderToField
// (kafka-connect-transform-common, the Confluent Hub SMT that defines
// `header.mappings`). Each mapping is `<header>:<type>[:<field>]`; the field
// defaults to the header name; `<type>` is a Connect type name, matched case-
// insensitively: BOOLEAN, INT8..INT64, FLOAT32, FLOAT64, STRING, or a logical
// type written as INT64(Timestamp), INT32(Date), INT32(Time),
// BYTES(Decimal[scale=N]) (short or fully qualified names). Every inserted
// field is optional; a missing header gives null. The header value is
// converted as Connect's Values.convertTo* does.
//
// ferry extensions, documented in README.md: a fourth part is a default used
// when the header is absent (`ce_type:STRING:type:unknown`), and schemaless
// (Map) keys/values are supported too (the original throws for them).

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "convert/java_numbers.h"
#include "convert/values.h"
#include "transform/date_format.h"
#include "transform/internal.h"

namespace ferry::transform_internal {
namespace {

constexpr char kPurpose[] = "header to field";

std::string Strip(const std::string& s) { return std::string(absl::StripAsciiWhitespace(s)); }

enum class Conv {
  kBool,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFloat32,
  kFloat64,
  kString,
  kTimestamp,
  kDate,
  kTime,
  kDecimal
};

struct Mapping {
  std::string header;
  std::string field;
  Conv conv = Conv::kString;
  SchemaPtr schema;
  int scale = 0;
  std::optional<Value> default_value;
};

absl::StatusOr<Mapping> LookupType(const std::string& text) {
  std::string upper = absl::AsciiStrToUpper(text);
  struct Simple {
    std::string_view name;
    Conv conv;
    SchemaPtr (*schema)(bool);
  };
  static const Simple kSimple[] = {
      {"BOOLEAN", Conv::kBool, &Schema::Boolean},
      {"INT8", Conv::kInt8, &Schema::Int8},
      {"INT16", Conv::kInt16, &Schema::Int16},
      {"INT32", Conv::kInt32, &Schema::Int32},
      {"INT64", Conv::kInt64, &Schema::Int64},
      {"FLOAT32", Conv::kFloat32, &Schema::Float32},
      {"FLOAT64", Conv::kFloat64, &Schema::Float64},
      {"STRING", Conv::kString, &Schema::String},
      {"INT64(TIMESTAMP)", Conv::kTimestamp, &Schema::Timestamp},
      {"INT64(ORG.APACHE.KAFKA.CONNECT.DATA.TIMESTAMP)", Conv::kTimestamp, &Schema::Timestamp},
      {"INT32(DATE)", Conv::kDate, &Schema::Date},
      {"INT32(ORG.APACHE.KAFKA.CONNECT.DATA.DATE)", Conv::kDate, &Schema::Date},
      {"INT32(TIME)", Conv::kTime, &Schema::Time},
      {"INT32(ORG.APACHE.KAFKA.CONNECT.DATA.TIME)", Conv::kTime, &Schema::Time},
  };
  Mapping m;
  for (const Simple& s : kSimple) {
    if (upper == s.name) {
      m.conv = s.conv;
      m.schema = s.schema(true);
      return m;
    }
  }
  for (std::string_view prefix :
       {"BYTES(DECIMAL[SCALE=", "BYTES(ORG.APACHE.KAFKA.CONNECT.DATA.DECIMAL[SCALE="}) {
    if (absl::StartsWith(upper, std::string(prefix)) && absl::EndsWith(upper, "])")) {
      std::string digits = upper.substr(prefix.size(), upper.size() - prefix.size() - 2);
      int scale = 0;
      // The original registers scales 0..49.
      if (absl::SimpleAtoi(digits, &scale) && scale >= 0 && scale < 50) {
        m.conv = Conv::kDecimal;
        m.scale = scale;
        m.schema = Schema::Decimal(scale, true);
        return m;
      }
    }
  }
  if (upper == "BYTES") return absl::InvalidArgumentError("BYTES is not supported");
  return absl::InvalidArgumentError(absl::StrCat("Could not find schema for ", text));
}

std::string ConvName(const Mapping& m) { return m.schema->DebugString(); }

absl::Status Unconvertible(const Value& v, const Mapping& m) {
  return absl::InvalidArgumentError(absl::StrCat("Unable to convert ", v.DebugString(), " (",
                                                 JavaClassName(v), ") to ", ConvName(m)));
}

// Connect's Values.convertToString rendering of non-string values (a
// FLOAT32 header, e.g. SimpleHeaderConverter's "1.0", as Float.toString).
std::string AsString(const Value& v, const Schema* schema) {
  switch (v.kind()) {
    case Value::Kind::kString:
      return v.as_string();
    case Value::Kind::kBool:
      return v.as_bool() ? "true" : "false";
    case Value::Kind::kInt:
      return absl::StrCat(v.as_int());
    case Value::Kind::kFloat:
      if (schema != nullptr && schema->type() == Type::kFloat32) {
        return JavaFloatToString(static_cast<float>(v.as_float()));
      }
      return JavaDoubleToString(v.as_float());
    case Value::Kind::kBytes:
      return absl::Base64Escape(v.as_bytes().data);
    case Value::Kind::kTimestamp:
      return FormatIsoMillis(v.as_timestamp().micros);
    case Value::Kind::kDate: {
      CivilDate d = CivilFromDays(v.as_date().days);
      return absl::StrCat(d.year, "-", d.month < 10 ? "0" : "", d.month, "-", d.day < 10 ? "0" : "",
                          d.day);
    }
    case Value::Kind::kTime: {
      std::string iso = FormatIsoMillis(v.as_time().micros);
      return iso.substr(iso.find('T') + 1);  // "HH:mm:ss.SSSZ" as Values formats a Time.
    }
    case Value::Kind::kDecimal:
      return v.as_decimal().ToString();
    case Value::Kind::kArray:
    case Value::Kind::kMap:
    case Value::Kind::kStruct:
      // SimpleHeaderConverter reads "[…]" / "{…}" headers as ARRAY / MAP.
      return ValueToString(nullptr, v);
    default:
      return v.DebugString();
  }
}

// Number view of a value for the numeric targets; nullopt if it has none.
std::optional<double> AsDouble(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kInt:
      return static_cast<double>(v.as_int());
    case Value::Kind::kFloat:
      return v.as_float();
    case Value::Kind::kBool:
      return v.as_bool() ? 1.0 : 0.0;
    case Value::Kind::kString: {
      double d = 0;
      if (absl::SimpleAtod(Strip(v.as_string()), &d)) return d;
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

std::optional<int64_t> AsLong(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kInt:
      return v.as_int();
    case Value::Kind::kBool:
      return v.as_bool() ? 1 : 0;
    case Value::Kind::kTimestamp:
      return FloorDiv(v.as_timestamp().micros, kMicrosPerMilli);
    case Value::Kind::kDate:
      return v.as_date().days;
    case Value::Kind::kTime:
      return v.as_time().micros / kMicrosPerMilli;
    case Value::Kind::kString: {
      int64_t i = 0;
      if (absl::SimpleAtoi(Strip(v.as_string()), &i)) return i;
      break;
    }
    default:
      break;
  }
  std::optional<double> d = AsDouble(v);
  if (!d || std::isnan(*d) || *d >= 9.2233720368547758e18 || *d < -9.2233720368547758e18) {
    return std::nullopt;
  }
  return static_cast<int64_t>(*d);  // Truncates toward zero, as Java's longValue.
}

absl::StatusOr<Decimal> Rescale(std::string text, int scale) {
  size_t point = text.find('.');
  int have = point == std::string::npos ? 0 : static_cast<int>(text.size() - point - 1);
  if (have < scale) {
    if (point == std::string::npos) text += '.';
    text.append(static_cast<size_t>(scale - have), '0');
  } else if (have > scale) {
    std::string dropped = text.substr(text.size() - static_cast<size_t>(have - scale));
    if (dropped.find_first_not_of('0') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("BigDecimal has mismatching scale value for given Decimal schema: ", text));
    }
    text.resize(text.size() - static_cast<size_t>(have - scale));
    if (scale == 0) text.pop_back();  // The '.'.
  }
  std::optional<Decimal> d = Decimal::FromString(text);
  if (!d) return absl::InvalidArgumentError(absl::StrCat("not a decimal: ", text));
  return *d;
}

absl::StatusOr<Value> ConvertValue(const Value& v, const Mapping& m,
                                   const Schema* schema = nullptr) {
  if (v.is_null()) return Value();
  switch (m.conv) {
    case Conv::kString:
      return Value(AsString(v, schema));
    case Conv::kBool:
      if (v.kind() == Value::Kind::kBool) return v;
      if (v.kind() == Value::Kind::kString) {
        std::string s = Strip(v.as_string());
        if (absl::AsciiStrToLower(s) == "true") return Value(true);
        if (absl::AsciiStrToLower(s) == "false") return Value(false);
      }
      if (v.kind() == Value::Kind::kInt) return Value(v.as_int() != 0);
      return Unconvertible(v, m);
    case Conv::kInt8:
    case Conv::kInt16:
    case Conv::kInt32:
    case Conv::kInt64: {
      std::optional<int64_t> n = AsLong(v);
      if (!n) return Unconvertible(v, m);
      // Java's narrowing casts wrap.
      if (m.conv == Conv::kInt8) return Value(static_cast<int64_t>(static_cast<int8_t>(*n)));
      if (m.conv == Conv::kInt16) return Value(static_cast<int64_t>(static_cast<int16_t>(*n)));
      if (m.conv == Conv::kInt32) return Value(static_cast<int64_t>(static_cast<int32_t>(*n)));
      return Value(*n);
    }
    case Conv::kFloat32:
    case Conv::kFloat64: {
      std::optional<double> d = AsDouble(v);
      if (!d) return Unconvertible(v, m);
      return Value(m.conv == Conv::kFloat32 ? static_cast<double>(static_cast<float>(*d)) : *d);
    }
    case Conv::kTimestamp:
      switch (v.kind()) {
        case Value::Kind::kTimestamp:
          return v;
        case Value::Kind::kDate:
          return Value(Timestamp{int64_t{v.as_date().days} * kMicrosPerDay});
        case Value::Kind::kInt:
          return Value(Timestamp{v.as_int() * kMicrosPerMilli});
        case Value::Kind::kString: {
          absl::StatusOr<int64_t> micros = ParseLenientRfc3339Micros(Strip(v.as_string()));
          if (micros.ok()) return Value(Timestamp{*micros});
          int64_t ms = 0;
          if (absl::SimpleAtoi(v.as_string(), &ms)) return Value(Timestamp{ms * kMicrosPerMilli});
          return Unconvertible(v, m);
        }
        default:
          return Unconvertible(v, m);
      }
    case Conv::kDate:
      switch (v.kind()) {
        case Value::Kind::kDate:
          return v;
        case Value::Kind::kTimestamp:
          return Value(
              Date{static_cast<int32_t>(FloorDiv(v.as_timestamp().micros, kMicrosPerDay))});
        case Value::Kind::kInt:
          return Value(Date{static_cast<int32_t>(v.as_int())});
        case Value::Kind::kString: {
          std::string s = Strip(v.as_string());
          static const DateFormat* const kDay = new DateFormat(*DateFormat::Compile("yyyy-MM-dd"));
          absl::StatusOr<int64_t> micros = ParseLenientRfc3339Micros(s);
          if (!micros.ok() && s.size() == 10) micros = kDay->Parse(s);
          if (!micros.ok()) return Unconvertible(v, m);
          return Value(Date{static_cast<int32_t>(FloorDiv(*micros, kMicrosPerDay))});
        }
        default:
          return Unconvertible(v, m);
      }
    case Conv::kTime:
      switch (v.kind()) {
        case Value::Kind::kTime:
          return v;
        case Value::Kind::kTimestamp:
          return Value(TimeOfDay{FloorMod(v.as_timestamp().micros, kMicrosPerDay)});
        case Value::Kind::kInt:
          return Value(TimeOfDay{FloorMod(v.as_int() * kMicrosPerMilli, kMicrosPerDay)});
        case Value::Kind::kString: {
          std::string s = Strip(v.as_string());
          absl::StatusOr<int64_t> micros = ParseLenientRfc3339Micros(s);
          if (!micros.ok()) micros = ParseLenientRfc3339Micros(absl::StrCat("1970-01-01T", s));
          if (!micros.ok()) return Unconvertible(v, m);
          return Value(TimeOfDay{FloorMod(*micros, kMicrosPerDay)});
        }
        default:
          return Unconvertible(v, m);
      }
    case Conv::kDecimal: {
      std::string text;
      switch (v.kind()) {
        case Value::Kind::kDecimal:
          text = v.as_decimal().ToString();
          break;
        case Value::Kind::kInt:
          text = absl::StrCat(v.as_int());
          break;
        case Value::Kind::kFloat:
          text = absl::StrCat(v.as_float());
          break;
        case Value::Kind::kString:
          text = std::string(Strip(v.as_string()));
          break;
        default:
          return Unconvertible(v, m);
      }
      absl::StatusOr<Decimal> d = Rescale(std::move(text), m.scale);
      if (!d.ok()) return Unconvertible(v, m);
      return Value(*std::move(d));
    }
  }
  return Unconvertible(v, m);
}

absl::StatusOr<Mapping> ParseMapping(std::string_view raw) {
  std::vector<std::string> parts = JavaSplit(raw, ':');
  if (parts.size() < 2) {
    return absl::InvalidArgumentError(
        "input must be in <header>:<schema>[:<field>[:<default>]] format.");
  }
  absl::StatusOr<Mapping> m = LookupType(Strip(parts[1]));
  if (!m.ok()) return m.status();
  m->header = std::string(Strip(parts[0]));
  m->field = parts.size() >= 3 ? parts[2] : m->header;
  if (parts.size() >= 4) {
    std::string text = absl::StrJoin(parts.begin() + 3, parts.end(), ":");
    absl::StatusOr<Value> v = ConvertValue(Value(text), *m);
    if (!v.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("default value: ", std::string(v.status().message())));
    }
    m->default_value = *std::move(v);
  }
  return m;
}

const ConfigDef& HeaderToFieldDef() {
  static const ConfigDef* const def = [] {
    auto* d = new ConfigDef();
    d->Define("header.mappings", ConfigType::kList, std::nullopt, Importance::kHigh,
              "The mapping of the header to the field in the message: "
              "<header>:<type>[:<field>[:<default>]], comma separated.");
    return d;
  }();
  return *def;
}

struct Settings {
  std::vector<Mapping> mappings;
};

class HeaderToField final : public ConfiguredTransformation<Settings> {
 public:
  explicit HeaderToField(Target target) : target_(target) {}

  const ConfigDef& config_def() const override { return HeaderToFieldDef(); }

  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord& record) override {
    const Value& value = OperatingValue(record, target_);
    if (value.is_null()) return record;
    std::vector<Value> converted;
    converted.reserve(settings_.mappings.size());
    for (const Mapping& m : settings_.mappings) {
      const Header* h = record.headers.LastWithName(m.header);
      if (h == nullptr || h->value.is_null()) {
        converted.push_back(h == nullptr && m.default_value ? *m.default_value : Value());
        continue;
      }
      absl::StatusOr<Value> v = ConvertValue(h->value, m, h->schema.get());
      if (!v.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("header \"", m.header, "\": ", std::string(v.status().message())));
      }
      converted.push_back(*std::move(v));
    }
    if (OperatingSchema(record, target_) == nullptr) {
      if (absl::Status s = RequireMap(value, kPurpose); !s.ok()) return s;
      Map updated = value.as_map();
      for (size_t i = 0; i < converted.size(); ++i) {
        MapPut(&updated, settings_.mappings[i].field, std::move(converted[i]));
      }
      return WithOperating(record, target_, nullptr, Value(std::move(updated)));
    }
    if (absl::Status s = RequireStruct(value, kPurpose); !s.ok()) return s;
    const Struct& input = value.as_struct();
    SchemaPtr schema = cache_.Get(input.schema);
    if (schema == nullptr) {
      SchemaBuilder builder = SchemaBuilder::From(*input.schema);
      for (const Mapping& m : settings_.mappings) {
        if (input.schema->FindField(m.field) != nullptr) {
          return absl::InvalidArgumentError(
              absl::StrCat("Cannot create field because of field name duplication ", m.field));
        }
        builder.AddField(m.field, m.schema);
      }
      schema = builder.Build();
      cache_.Put(input.schema, schema);
    }
    std::vector<Value> values = input.values;
    values.resize(schema->fields().size());
    for (size_t i = 0; i < converted.size(); ++i) {
      values[schema->FindField(settings_.mappings[i].field)->index] = std::move(converted[i]);
    }
    return WithOperating(record, target_, schema, Value(Struct{schema, std::move(values)}));
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, Settings* out) const override {
    return LoadConfig(config_def(), props, [&](const ParsedConfig& c, std::vector<ConfigError>* e) {
      std::vector<std::string> fields;
      for (const std::string& raw : c.GetList("header.mappings")) {
        absl::StatusOr<Mapping> m = ParseMapping(raw);
        if (!m.ok()) {
          e->push_back({"header.mappings",
                        InvalidValue("header.mappings", raw, std::string(m.status().message()))});
          continue;
        }
        if (std::find(fields.begin(), fields.end(), m->field) != fields.end()) {
          e->push_back({"header.mappings",
                        InvalidValue("header.mappings", raw,
                                     absl::StrCat("field ", m->field, " is mapped twice"))});
          continue;
        }
        fields.push_back(m->field);
        out->mappings.push_back(*std::move(m));
      }
    });
  }

 private:
  const Target target_;
  SchemaCache cache_;
};

}  // namespace

std::unique_ptr<Transformation> NewHeaderToField(Target target) {
  return std::make_unique<HeaderToField>(target);
}

}  // namespace ferry::transform_internal
