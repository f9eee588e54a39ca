// org.apache.kafka.connect.transforms.MaskField$Key / $Value (Kafka 3.8/3.9).

#include <set>

#include "absl/strings/str_cat.h"
#include "convert/java_numbers.h"
#include "transform/internal.h"

namespace ferry::transform_internal {
namespace {

constexpr char kPurpose[] = "mask fields";
constexpr char kFields[] = "fields";
constexpr char kReplacement[] = "replacement";

const ConfigDef& MaskFieldDef() {
  static const ConfigDef* const def = [] {
    auto* d = new ConfigDef();
    ConfigKey fields;
    fields.name = kFields;
    fields.type = ConfigType::kList;
    fields.importance = Importance::kHigh;
    fields.doc = "Names of fields to mask.";
    fields.valid_values = "non-empty list";
    d->Define(std::move(fields));
    ConfigKey replacement;
    replacement.name = kReplacement;
    replacement.type = ConfigType::kString;
    replacement.default_value = "";  // Kafka's null default.
    replacement.importance = Importance::kLow;
    replacement.doc =
        "Custom value replacement, that will be applied to all 'fields' values (numeric or "
        "non-empty string values only).";
    replacement.validator = NonEmptyStringValidator();
    replacement.valid_values = "non-empty string";
    d->Define(std::move(replacement));
    AppendReplaceNullWithDefaultConfig(d);
    return d;
  }();
  return *def;
}

struct Settings {
  std::vector<std::string> fields;  // distinct, in configured order.
  std::optional<std::string> replacement;
  bool replace_null_with_default = true;
};

// The Java class MaskField looks its mask up by. With a schema it follows
// from the schema (Struct.put only takes that class); schemaless values are
// what Connect's converters give (Long, Double, ...).
enum class JavaClass {
  kBoolean,
  kByte,
  kShort,
  kInteger,
  kLong,
  kFloat,
  kDouble,
  kBigDecimal,
  kDate,
  kString,
  kBytes,
  kList,
  kMap,
  kStruct,
};

JavaClass ClassOf(const Schema* schema, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kBool:
      return JavaClass::kBoolean;
    case Value::Kind::kInt:
      if (schema != nullptr) {
        if (schema->type() == Type::kInt8) return JavaClass::kByte;
        if (schema->type() == Type::kInt16) return JavaClass::kShort;
        if (schema->type() == Type::kInt32) return JavaClass::kInteger;
      }
      return JavaClass::kLong;
    case Value::Kind::kFloat:
      return schema != nullptr && schema->type() == Type::kFloat32 ? JavaClass::kFloat
                                                                   : JavaClass::kDouble;
    case Value::Kind::kDecimal:
      return JavaClass::kBigDecimal;
    case Value::Kind::kTimestamp:
    case Value::Kind::kDate:
    case Value::Kind::kTime:
      return JavaClass::kDate;
    case Value::Kind::kString:
      return JavaClass::kString;
    case Value::Kind::kBytes:
      return JavaClass::kBytes;
    case Value::Kind::kArray:
      return JavaClass::kList;
    case Value::Kind::kMap:
      return JavaClass::kMap;
    default:
      return JavaClass::kStruct;
  }
}

std::string ClassName(JavaClass c, const Value& v) {
  switch (c) {
    case JavaClass::kBoolean:
      return "class java.lang.Boolean";
    case JavaClass::kByte:
      return "class java.lang.Byte";
    case JavaClass::kShort:
      return "class java.lang.Short";
    case JavaClass::kInteger:
      return "class java.lang.Integer";
    case JavaClass::kFloat:
      return "class java.lang.Float";
    default:
      return absl::StrCat("class ", JavaClassName(v));
  }
}

// MaskField.maskWithNullValue.
absl::StatusOr<Value> NullMask(JavaClass c, const Value& v) {
  switch (c) {
    case JavaClass::kBoolean:
      return Value(false);
    case JavaClass::kByte:
    case JavaClass::kShort:
    case JavaClass::kInteger:
    case JavaClass::kLong:
      return Value(int64_t{0});
    case JavaClass::kFloat:
    case JavaClass::kDouble:
      return Value(0.0);
    case JavaClass::kBigDecimal:
      return Value(Decimal{std::string(1, '\0'), 0});  // BigDecimal.ZERO
    case JavaClass::kDate:  // new Date(0), in the value's own logical kind.
      if (v.kind() == Value::Kind::kDate) return Value(Date{0});
      if (v.kind() == Value::Kind::kTime) return Value(TimeOfDay{0});
      return Value(Timestamp{0});
    case JavaClass::kString:
      return Value("");
    case JavaClass::kList:
      return Value(Array{});
    case JavaClass::kMap:
      return Value(Map{});
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("Cannot mask value of type: ", ClassName(c, v)));
  }
}

// MaskField.maskWithCustomReplacement: the replacement converted to the
// value's class as Values.convertToX / new BigDecimal(String) do.
absl::StatusOr<Value> ReplacementMask(JavaClass c, const Value& v, const std::string& replacement) {
  const absl::Status not_a_number = absl::InvalidArgumentError(
      absl::StrCat("Unable to convert ", replacement, " (class java.lang.String) to number"));
  switch (c) {
    case JavaClass::kString:
      return Value(replacement);
    case JavaClass::kByte:
    case JavaClass::kShort:
    case JavaClass::kInteger:
    case JavaClass::kLong: {
      // Values.asLong: new BigDecimal(text).longValue(), then narrowed.
      std::optional<JavaBigDecimal> big = JavaParseBigDecimal(replacement);
      if (!big) return not_a_number;
      int64_t l = BigDecimalLongValue(*big);
      if (c == JavaClass::kByte) return Value(int64_t{static_cast<int8_t>(l)});
      if (c == JavaClass::kShort) return Value(int64_t{static_cast<int16_t>(l)});
      if (c == JavaClass::kInteger) return Value(int64_t{static_cast<int32_t>(l)});
      return Value(l);
    }
    case JavaClass::kFloat:
    case JavaClass::kDouble: {
      // Values.asDouble: new BigDecimal(text).doubleValue(); float narrows it.
      std::optional<JavaBigDecimal> big = JavaParseBigDecimal(replacement);
      if (!big) return not_a_number;
      double d = BigDecimalDoubleValue(*big);
      return Value(c == JavaClass::kFloat ? static_cast<double>(static_cast<float>(d)) : d);
    }
    case JavaClass::kBigDecimal: {
      std::optional<JavaBigDecimal> big = JavaParseBigDecimal(replacement);
      if (!big) return not_a_number;
      std::optional<Decimal> d = ToDecimal(*big);
      if (!d) {
        return absl::InvalidArgumentError(
            absl::StrCat("Unable to convert ", replacement, " to a decimal of at most 38 digits"));
      }
      return Value(*std::move(d));
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("Cannot mask value of type ", ClassName(c, v), " with custom replacement."));
  }
}

class MaskField final : public ConfiguredTransformation<Settings> {
 public:
  explicit MaskField(Target target) : target_(target) {}

  const ConfigDef& config_def() const override { return MaskFieldDef(); }

  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord& record) override {
    const Value& value = OperatingValue(record, target_);
    // No tombstone shortcut: Kafka 3.8/3.9 (and later) go straight to
    // requireMap / requireStruct, so a null key or value fails with
    // "... found: null" (skip tombstones with a RecordIsTombstone predicate).
    if (OperatingSchema(record, target_) == nullptr) return ApplySchemaless(record, value);
    return ApplyWithSchema(record, value);
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, Settings* out) const override {
    return LoadConfig(config_def(), props, [&](const ParsedConfig& c, std::vector<ConfigError>* e) {
      const std::vector<std::string>& fields = c.GetList(kFields);
      if (fields.empty()) {
        // NonEmptyListValidator prints the parsed (empty) list.
        e->push_back({kFields, InvalidValue(kFields, "[]", "Empty list")});
      }
      std::set<std::string> seen;
      for (const std::string& f : fields) {
        if (seen.insert(f).second) out->fields.push_back(f);
      }
      if (c.Has(kReplacement)) out->replacement = c.GetString(kReplacement);
      out->replace_null_with_default = c.GetBool(kReplaceNullWithDefault);
    });
  }

 private:
  // MaskField.masked: null stays null.
  absl::StatusOr<Value> Masked(const Schema* schema, const Value& v) const {
    if (v.is_null()) return Value();
    JavaClass c = ClassOf(schema, v);
    return settings_.replacement ? ReplacementMask(c, v, *settings_.replacement) : NullMask(c, v);
  }

  absl::StatusOr<std::optional<SinkRecord>> ApplySchemaless(const SinkRecord& record,
                                                            const Value& value) {
    if (absl::Status s = RequireMap(value, kPurpose); !s.ok()) return s;
    Map updated = value.as_map();
    for (const std::string& name : settings_.fields) {
      const Value* field = LookupMapField(value, name);
      // An absent field is put as null, as Kafka's HashMap.put does.
      absl::StatusOr<Value> masked = Masked(nullptr, field ? *field : Value());
      if (!masked.ok()) return masked.status();
      MapPut(&updated, name, *std::move(masked));
    }
    return WithOperating(record, target_, nullptr, Value(std::move(updated)));
  }

  absl::StatusOr<std::optional<SinkRecord>> ApplyWithSchema(const SinkRecord& record,
                                                            const Value& value) {
    if (absl::Status s = RequireStruct(value, kPurpose); !s.ok()) return s;
    const Struct& input = value.as_struct();
    std::vector<bool> masked_fields(input.schema->fields().size(), false);
    for (const std::string& name : settings_.fields) {
      if (const Field* f = LookupStructField(*input.schema, name)) {
        masked_fields[f->index] = true;
      }
    }
    std::vector<Value> values;
    values.reserve(input.values.size());
    for (const Field& field : input.schema->fields()) {
      Value v = input.values[field.index];
      // Struct.get fills in the default; getWithoutDefault does not.
      if (v.is_null() && settings_.replace_null_with_default && field.schema->default_value()) {
        v = *field.schema->default_value();
      }
      if (masked_fields[field.index]) {
        absl::StatusOr<Value> masked = Masked(field.schema.get(), v);
        if (!masked.ok()) return masked.status();
        v = *std::move(masked);
      }
      if (v.is_null() && !field.schema->optional()) {
        // Struct.put's validation.
        return absl::InvalidArgumentError(
            absl::StrCat("Invalid value: null used for required field: \"", field.name,
                         "\", schema type: ", std::string(TypeName(field.schema->type()))));
      }
      values.push_back(std::move(v));
    }
    // The record keeps its schema.
    return WithOperating(record, target_, OperatingSchema(record, target_),
                         Value(Struct{input.schema, std::move(values)}));
  }

  const Target target_;
};

}  // namespace

std::unique_ptr<Transformation> NewMaskField(Target target) {
  return std::make_unique<MaskField>(target);
}

}  // namespace ferry::transform_internal
