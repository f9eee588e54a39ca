// org.apache.kafka.connect.transforms.Cast$Key / $Value (Kafka 3.8/3.9).

#include <map>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "convert/java_numbers.h"
#include "transform/date_format.h"
#include "transform/internal.h"

namespace ferry::transform_internal {
namespace {

constexpr char kPurpose[] = "cast types";
constexpr char kSpec[] = "spec";
// EnumSet.toString of Kafka's SUPPORTED_CAST_INPUT_TYPES / _OUTPUT_TYPES.
constexpr char kSupportedInput[] =
    "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]";
constexpr char kSupportedOutput[] =
    "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]";
constexpr int64_t kMillisPerDay = 86400000;

const ConfigDef& CastDef() {
  static const ConfigDef* const def = [] {
    auto* d = new ConfigDef();
    ConfigKey spec;
    spec.name = kSpec;
    spec.type = ConfigType::kList;
    spec.importance = Importance::kHigh;
    spec.doc =
        "List of fields and the type to cast them to of the form field1:type,field2:type to cast "
        "fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, "
        "int16, int32, int64, float32, float64, boolean, and string. Note that binary fields can "
        "only be cast to string.";
    spec.valid_values = "list of colon-delimited pairs, e.g. foo:bar,abc:xyz";
    d->Define(std::move(spec));
    AppendReplaceNullWithDefaultConfig(d);
    return d;
  }();
  return *def;
}

bool SupportedInput(Type t) { return t != Type::kArray && t != Type::kMap && t != Type::kStruct; }
bool SupportedOutput(Type t) { return SupportedInput(t) && t != Type::kBytes; }

struct Settings {
  // Field name → target type, in the order of the spec; a later duplicate
  // wins (Kafka's HashMap.put).
  std::vector<std::pair<std::string, Type>> casts;
  std::optional<Type> whole_value;
  bool replace_null_with_default = true;
};

void PutCast(Settings* s, std::string field, Type type) {
  for (auto& [name, t] : s->casts) {
    if (name == field) {
      t = type;
      return;
    }
  }
  s->casts.emplace_back(std::move(field), type);
}

// Cast.parseFieldTypes, with Kafka's messages; the first problem only, as
// Kafka throws on it.
std::string ParseSpec(const std::vector<std::string>& mappings, Settings* out) {
  if (mappings.empty()) return "Must specify at least one field to cast.";
  bool whole = false;
  for (const std::string& mapping : mappings) {
    std::vector<std::string> parts = JavaSplit(mapping, ':');
    if (parts.size() > 2) {
      // Kafka reports this under ReplaceField's key name, with the list.
      return InvalidValue("renames", absl::StrCat("[", absl::StrJoin(mappings, ", "), "]"),
                          absl::StrCat("Invalid rename mapping: ", mapping));
    }
    if (parts.size() == 1) {
      std::string name = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(parts[0]));
      std::optional<Type> type = TypeFromName(name);
      if (!type)
        return absl::StrCat("No enum constant org.apache.kafka.connect.data.Schema.Type.", name);
      if (!SupportedOutput(*type)) {
        return absl::StrCat("Cast transformation does not support casting to ",
                            std::string(TypeName(*type)), "; supported types are ",
                            kSupportedOutput);
      }
      out->whole_value = *type;
      whole = true;
    } else if (parts.size() == 2) {
      std::string type_name(absl::StripAsciiWhitespace(parts[1]));
      std::optional<Type> type = TypeFromName(type_name);
      if (!type) return absl::StrCat("Invalid type found in casting spec: ", type_name);
      if (!SupportedOutput(*type)) {
        return absl::StrCat("Cast transformation does not support casting to ",
                            std::string(TypeName(*type)), "; supported types are ",
                            kSupportedOutput);
      }
      PutCast(out, std::string(absl::StripAsciiWhitespace(parts[0])), *type);
    }
    // ":" splits into nothing in Java: Kafka skips it.
  }
  if (whole && mappings.size() > 1) {
    return "Cast transformations that specify a type to cast the entire value to may ony "
           "specify a single cast in their spec";
  }
  return "";
}

// The value as the Java object Cast.castValueToType works on.
struct JavaValue {
  enum class Kind { kIntegral, kFloat32, kFloat64, kBigDecimal, kBoolean, kString, kBytes, kDate };
  Kind kind = Kind::kIntegral;
  int64_t i = 0;  // kIntegral; kDate: epoch millis.
  double d = 0;   // kFloat32 / kFloat64.
  JavaBigDecimal big;
  bool b = false;
  std::string s;  // kString, kBytes.
};

std::string ClassOf(const Value& v) { return absl::StrCat("class ", JavaClassName(v)); }

const DateFormat& Format(const char* pattern) {
  static const auto* const formats = new std::map<std::string, DateFormat>{
      {"HH:mm:ss.SSS'Z'", *DateFormat::Compile("HH:mm:ss.SSS'Z'")},
      {"yyyy-MM-dd", *DateFormat::Compile("yyyy-MM-dd")},
      {"yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", *DateFormat::Compile("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")},
  };
  return formats->at(pattern);
}

// Values.dateFormatFor(date).format(date), in UTC.
std::string FormatDate(int64_t millis) {
  const char* pattern = millis < kMillisPerDay        ? "HH:mm:ss.SSS'Z'"
                        : millis % kMillisPerDay == 0 ? "yyyy-MM-dd"
                                                      : "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
  return Format(pattern).Format(millis * kMicrosPerMilli);
}

absl::Status OutOfRange(const std::string& text) {
  return absl::InvalidArgumentError(
      absl::StrCat("Value (", text, ") was out of range for requested data type"));
}

absl::Status Unexpected(const Value& original) {
  return absl::InvalidArgumentError(
      absl::StrCat("Unexpected type in Cast transformation: ", ClassOf(original)));
}

absl::StatusOr<Value> ToIntegral(const JavaValue& j, const Value& original, Type type) {
  switch (j.kind) {
    case JavaValue::Kind::kIntegral:
      return Value(JavaNarrow(j.i, type));
    case JavaValue::Kind::kFloat32:
    case JavaValue::Kind::kFloat64:
      // Java narrows float/double to int (or long), then to byte/short.
      return Value(type == Type::kInt64 ? JavaDoubleToLong(j.d)
                                        : JavaNarrow(JavaDoubleToInt(j.d), type));
    case JavaValue::Kind::kBigDecimal:
      return Value(JavaNarrow(BigDecimalLongValue(j.big), type));
    case JavaValue::Kind::kBoolean:
      return Value(int64_t{j.b ? 1 : 0});
    case JavaValue::Kind::kString: {
      int64_t min = std::numeric_limits<int64_t>::min(), max = std::numeric_limits<int64_t>::max();
      if (type == Type::kInt8) min = INT8_MIN, max = INT8_MAX;
      if (type == Type::kInt16) min = INT16_MIN, max = INT16_MAX;
      if (type == Type::kInt32) min = INT32_MIN, max = INT32_MAX;
      std::optional<int64_t> v = JavaParseIntegral(j.s, min, max);
      if (!v) return OutOfRange(j.s);
      return Value(*v);
    }
    default:
      return Unexpected(original);
  }
}

absl::StatusOr<Value> ToFloating(const JavaValue& j, const Value& original, Type type) {
  const bool f32 = type == Type::kFloat32;
  auto result = [&](double d) {
    return Value(f32 ? static_cast<double>(static_cast<float>(d)) : d);
  };
  switch (j.kind) {
    case JavaValue::Kind::kIntegral:
      return f32 ? Value(static_cast<double>(static_cast<float>(j.i)))
                 : Value(static_cast<double>(j.i));
    case JavaValue::Kind::kFloat32:
    case JavaValue::Kind::kFloat64:
      return result(j.d);
    case JavaValue::Kind::kBigDecimal:
      return f32 ? Value(static_cast<double>(BigDecimalFloatValue(j.big)))
                 : Value(BigDecimalDoubleValue(j.big));
    case JavaValue::Kind::kBoolean:
      return Value(j.b ? 1.0 : 0.0);
    case JavaValue::Kind::kString: {
      if (f32) {
        std::optional<float> v = JavaParseFloat(j.s);
        if (!v) return OutOfRange(j.s);
        return Value(static_cast<double>(*v));
      }
      std::optional<double> v = JavaParseDouble(j.s);
      if (!v) return OutOfRange(j.s);
      return Value(*v);
    }
    default:
      return Unexpected(original);
  }
}

absl::StatusOr<Value> ToBoolean(const JavaValue& j, const Value& original) {
  switch (j.kind) {
    case JavaValue::Kind::kIntegral:
      return Value(j.i != 0);
    case JavaValue::Kind::kFloat32:
    case JavaValue::Kind::kFloat64:
      return Value(JavaDoubleToLong(j.d) != 0);  // Number.longValue() != 0
    case JavaValue::Kind::kBigDecimal:
      return Value(BigDecimalLongValue(j.big) != 0);
    case JavaValue::Kind::kBoolean:
      return Value(j.b);
    case JavaValue::Kind::kString:
      return Value(absl::EqualsIgnoreCase(j.s, "true"));  // Boolean.parseBoolean
    default:
      return Unexpected(original);
  }
}

Value ToJavaString(const JavaValue& j) {
  switch (j.kind) {
    case JavaValue::Kind::kIntegral:
      return Value(absl::StrCat(j.i));
    case JavaValue::Kind::kFloat32:
      return Value(JavaFloatToString(static_cast<float>(j.d)));
    case JavaValue::Kind::kFloat64:
      return Value(JavaDoubleToString(j.d));
    case JavaValue::Kind::kBigDecimal:
      return Value(BigDecimalToString(j.big));
    case JavaValue::Kind::kBoolean:
      return Value(j.b ? "true" : "false");
    case JavaValue::Kind::kString:
      return Value(j.s);
    case JavaValue::Kind::kBytes:
      return Value(absl::Base64Escape(j.s));
    case JavaValue::Kind::kDate:
      return Value(FormatDate(j.i));
  }
  return Value();
}

// ConnectSchema.schemaType(value.getClass()) for a schemaless value; nullopt
// for classes Connect's data API does not know (java.util.Date, BigDecimal).
std::optional<Type> SchemalessType(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kBool:
      return Type::kBoolean;
    case Value::Kind::kInt:
      return Type::kInt64;
    case Value::Kind::kFloat:
      return Type::kFloat64;
    case Value::Kind::kString:
      return Type::kString;
    case Value::Kind::kBytes:
      return Type::kBytes;
    case Value::Kind::kArray:
      return Type::kArray;
    case Value::Kind::kMap:
      return Type::kMap;
    case Value::Kind::kStruct:
      return Type::kStruct;
    default:
      return std::nullopt;
  }
}

// Cast.castValueToType.
absl::StatusOr<Value> CastValue(const Schema* schema, const Value& value, Type target) {
  if (value.is_null()) return Value();
  std::optional<Type> inferred =
      schema ? std::optional<Type>(schema->type()) : SchemalessType(value);
  if (!inferred) {
    return absl::InvalidArgumentError(
        absl::StrCat("Cast transformation was passed a value of type ", ClassOf(value),
                     " which is not supported by Connect's data API"));
  }
  if (!SupportedInput(*inferred)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Cast transformation does not support casting from ",
                     std::string(TypeName(*inferred)), "; supported types are ", kSupportedInput));
  }
  JavaValue j;
  switch (value.kind()) {
    case Value::Kind::kInt:
      j.kind = JavaValue::Kind::kIntegral;
      j.i = value.as_int();
      break;
    case Value::Kind::kFloat:
      j.kind = schema && schema->type() == Type::kFloat32 ? JavaValue::Kind::kFloat32
                                                          : JavaValue::Kind::kFloat64;
      j.d = value.as_float();
      break;
    case Value::Kind::kDecimal: {
      j.kind = JavaValue::Kind::kBigDecimal;
      j.big = FromDecimal(value.as_decimal());
      break;
    }
    case Value::Kind::kBool:
      j.kind = JavaValue::Kind::kBoolean;
      j.b = value.as_bool();
      break;
    case Value::Kind::kString:
      j.kind = JavaValue::Kind::kString;
      j.s = value.as_string();
      break;
    case Value::Kind::kBytes:
      j.kind = JavaValue::Kind::kBytes;
      j.s = value.as_bytes().data;
      break;
    case Value::Kind::kTimestamp:
    case Value::Kind::kDate:
    case Value::Kind::kTime: {
      int64_t millis = value.kind() == Value::Kind::kTimestamp
                           ? FloorDiv(value.as_timestamp().micros, kMicrosPerMilli)
                       : value.kind() == Value::Kind::kDate
                           ? int64_t{value.as_date().days} * kMillisPerDay
                           : FloorDiv(value.as_time().micros, kMicrosPerMilli);
      if (target == Type::kString) {
        j.kind = JavaValue::Kind::kDate;
        j.i = millis;
        break;
      }
      // encodeLogicalType: Date.fromLogical (days), Time.fromLogical (millis
      // of the day), Timestamp.fromLogical (epoch millis).
      j.kind = JavaValue::Kind::kIntegral;
      if (value.kind() == Value::Kind::kDate) {
        j.i = value.as_date().days;
      } else if (value.kind() == Value::Kind::kTime) {
        if (millis < 0 || millis > kMillisPerDay) {
          return absl::InvalidArgumentError(
              "Kafka Connect Time type should not have any date fields set to non-zero values.");
        }
        j.i = millis;
      } else {
        j.i = millis;
      }
      break;
    }
    default:
      return Unexpected(value);
  }
  switch (target) {
    case Type::kInt8:
    case Type::kInt16:
    case Type::kInt32:
    case Type::kInt64:
      return ToIntegral(j, value, target);
    case Type::kFloat32:
    case Type::kFloat64:
      return ToFloating(j, value, target);
    case Type::kBoolean:
      return ToBoolean(j, value);
    case Type::kString:
      return ToJavaString(j);
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          std::string(TypeName(target)), " is not supported in the Cast transformation."));
  }
}

class Cast final : public ConfiguredTransformation<Settings> {
 public:
  explicit Cast(Target target) : target_(target) {}

  const ConfigDef& config_def() const override { return CastDef(); }

  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord& record) override {
    const Value& value = OperatingValue(record, target_);
    if (value.is_null()) return record;
    if (OperatingSchema(record, target_) == nullptr) return ApplySchemaless(record, value);
    return ApplyWithSchema(record, value);
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, Settings* out) const override {
    return LoadConfig(config_def(), props, [&](const ParsedConfig& c, std::vector<ConfigError>* e) {
      std::string problem = ParseSpec(c.GetList(kSpec), out);
      if (!problem.empty()) e->push_back({kSpec, std::move(problem)});
      out->replace_null_with_default = c.GetBool(kReplaceNullWithDefault);
    });
  }

 private:
  absl::StatusOr<std::optional<SinkRecord>> ApplySchemaless(const SinkRecord& record,
                                                            const Value& value) {
    if (settings_.whole_value) {
      absl::StatusOr<Value> cast = CastValue(nullptr, value, *settings_.whole_value);
      if (!cast.ok()) return cast.status();
      return WithOperating(record, target_, nullptr, *std::move(cast));
    }
    if (absl::Status s = RequireMap(value, kPurpose); !s.ok()) return s;
    Map updated = value.as_map();
    for (const auto& [name, type] : settings_.casts) {
      const Value* field = LookupMapField(value, name);
      // An absent field is put back as null, as Kafka's HashMap.put does.
      absl::StatusOr<Value> cast = CastValue(nullptr, field ? *field : Value(), type);
      if (!cast.ok()) return cast.status();
      MapPut(&updated, name, *std::move(cast));
    }
    return WithOperating(record, target_, nullptr, Value(std::move(updated)));
  }

  absl::StatusOr<std::optional<SinkRecord>> ApplyWithSchema(const SinkRecord& record,
                                                            const Value& value) {
    const SchemaPtr& schema = OperatingSchema(record, target_);
    absl::StatusOr<SchemaPtr> updated = GetOrBuildSchema(schema);
    if (!updated.ok()) return updated.status();
    if (settings_.whole_value) {
      absl::StatusOr<Value> cast = CastValue(schema.get(), value, *settings_.whole_value);
      if (!cast.ok()) return cast.status();
      return WithOperating(record, target_, *updated, *std::move(cast));
    }
    if (absl::Status s = RequireStruct(value, kPurpose); !s.ok()) return s;
    const Struct& input = value.as_struct();
    const std::vector<std::optional<Type>> targets = TargetsFor(*input.schema);
    std::vector<Value> values((*updated)->fields().size());
    for (const Field& field : input.schema->fields()) {
      Value original = input.values[field.index];
      // Struct.get fills in the default; getWithoutDefault does not.
      if (original.is_null() && settings_.replace_null_with_default &&
          field.schema->default_value()) {
        original = *field.schema->default_value();
      }
      Value result = original;
      if (const std::optional<Type>& type = targets[field.index]) {
        absl::StatusOr<Value> cast = CastValue(field.schema.get(), original, *type);
        if (!cast.ok()) return cast.status();
        result = *std::move(cast);
      }
      const Field* out = (*updated)->FindField(field.name);
      if (out == nullptr) continue;  // Struct schemas that differ from the record's.
      if (result.is_null() && !out->schema->optional()) {
        // Struct.put's validation.
        return absl::InvalidArgumentError(
            absl::StrCat("Invalid value: null used for required field: \"", field.name,
                         "\", schema type: ", std::string(TypeName(out->schema->type()))));
      }
      values[out->index] = std::move(result);
    }
    return WithOperating(record, target_, *updated, Value(Struct{*updated, std::move(values)}));
  }

  // The target type of each field of a struct schema (by field index), from
  // the spec's names resolved through the KIP-821 seam.
  std::vector<std::optional<Type>> TargetsFor(const Schema& struct_schema) const {
    std::vector<std::optional<Type>> targets(struct_schema.fields().size());
    for (const auto& [name, type] : settings_.casts) {
      if (const Field* f = LookupStructField(struct_schema, name)) {
        targets[f->index] = type;
      }
    }
    return targets;
  }

  // Cast.getOrBuildSchema.
  absl::StatusOr<SchemaPtr> GetOrBuildSchema(const SchemaPtr& schema) {
    if (SchemaPtr cached = cache_.Get(schema)) return cached;
    std::optional<SchemaBuilder> builder;
    if (settings_.whole_value) {
      // SchemaUtil.copySchemaBasics onto the target type: the name, version,
      // doc and parameters of the original schema are kept.
      builder.emplace(*settings_.whole_value);
      builder->Name(schema->name()).Version(schema->version()).Doc(schema->doc());
      builder->Parameters(schema->parameters());
    } else {
      if (schema->type() != Type::kStruct) {
        return absl::InvalidArgumentError("Cannot list fields on non-struct type");
      }
      builder.emplace(CopySchemaBasics(*schema));
      const std::vector<std::optional<Type>> targets = TargetsFor(*schema);
      for (const Field& field : schema->fields()) {
        const std::optional<Type>& type = targets[field.index];
        if (!type) {
          builder->AddField(field.name, field.schema);
          continue;
        }
        SchemaBuilder field_builder(*type);
        if (field.schema->optional()) field_builder.Optional();
        if (field.schema->default_value()) {
          absl::StatusOr<Value> d =
              CastValue(field.schema.get(), *field.schema->default_value(), *type);
          if (!d.ok()) return d.status();
          field_builder.Default(*std::move(d));
        }
        builder->AddField(field.name, field_builder.Build());
      }
    }
    if (schema->optional()) builder->Optional();
    if (schema->default_value()) {
      // For a struct this fails, as in Kafka: STRUCT is no cast input type.
      absl::StatusOr<Value> d =
          CastValue(schema.get(), *schema->default_value(),
                    settings_.whole_value ? *settings_.whole_value : Type::kStruct);
      if (!d.ok()) return d.status();
      builder->Default(*std::move(d));
    }
    SchemaPtr built = builder->Build();
    cache_.Put(schema, built);
    return built;
  }

  const Target target_;
  SchemaCache cache_;
};

}  // namespace

std::unique_ptr<Transformation> NewCast(Target target) { return std::make_unique<Cast>(target); }

}  // namespace ferry::transform_internal
