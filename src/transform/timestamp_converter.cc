// org.apache.kafka.connect.transforms.TimestampConverter$Key / $Value.
//
// Kafka converts through java.util.Date (milliseconds). ferry converts
// through microseconds since the epoch, its Timestamp's own unit, so
// `unix.precision=microseconds` round-trips exactly; every conversion Kafka
// can express gives Kafka's result except that sub-millisecond digits are
// kept instead of truncated.

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "transform/date_format.h"
#include "transform/internal.h"

namespace ferry::transform_internal {
namespace {

constexpr char kPurpose[] = "converting timestamp formats";

enum class Kind { kString, kUnix, kDate, kTime, kTimestamp };
enum class Precision { kSeconds, kMillis, kMicros, kNanos };

const ConfigDef& TimestampConverterDef() {
  static const ConfigDef* const def = [] {
    auto* d = new ConfigDef();
    d->Define("field", ConfigType::kString, "", Importance::kHigh,
              "The field containing the timestamp, or empty if the entire value is a timestamp");
    ConfigKey target;
    target.name = "target.type";
    target.type = ConfigType::kString;
    target.importance = Importance::kHigh;
    target.doc = "The desired timestamp representation: string, unix, Date, Time, or Timestamp";
    target.validator = validators::OneOf({"string", "unix", "Date", "Time", "Timestamp"}, false);
    target.valid_values = "[string, unix, Date, Time, Timestamp]";
    d->Define(std::move(target));
    d->Define("format", ConfigType::kString, "", Importance::kMedium,
              "A SimpleDateFormat-compatible format for the timestamp. Used to generate the "
              "output when type=string or used to parse the input if the input is a string.");
    ConfigKey precision;
    precision.name = "unix.precision";
    precision.type = ConfigType::kString;
    precision.default_value = "milliseconds";
    precision.importance = Importance::kLow;
    precision.doc =
        "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or "
        "nanoseconds. Used to generate the output when type=unix or used to parse the input if "
        "the input is a Long.";
    precision.validator =
        validators::OneOf({"nanoseconds", "microseconds", "milliseconds", "seconds"}, false);
    precision.valid_values = "[nanoseconds, microseconds, milliseconds, seconds]";
    d->Define(std::move(precision));
    AppendReplaceNullWithDefaultConfig(d);
    return d;
  }();
  return *def;
}

struct Settings {
  std::string field;
  Kind type = Kind::kTimestamp;
  std::optional<DateFormat> format;
  Precision precision = Precision::kMillis;
  bool replace_null_with_default = true;
};

Kind KindFromName(const std::string& name) {
  if (name == "string") return Kind::kString;
  if (name == "unix") return Kind::kUnix;
  if (name == "Date") return Kind::kDate;
  if (name == "Time") return Kind::kTime;
  return Kind::kTimestamp;
}

SchemaPtr TypeSchema(Kind kind, bool optional) {
  switch (kind) {
    case Kind::kString:
      return Schema::String(optional);
    case Kind::kUnix:
      return Schema::Int64(optional);
    case Kind::kDate:
      return Schema::Date(optional);
    case Kind::kTime:
      return Schema::Time(optional);
    case Kind::kTimestamp:
      return Schema::Timestamp(optional);
  }
  return nullptr;
}

int64_t SaturatingMul(int64_t v, int64_t factor) {
  if (v > std::numeric_limits<int64_t>::max() / factor) return std::numeric_limits<int64_t>::max();
  if (v < std::numeric_limits<int64_t>::min() / factor) return std::numeric_limits<int64_t>::min();
  return v * factor;
}

std::string ClassOf(const Value& v) { return absl::StrCat("class ", JavaClassName(v)); }

class TimestampConverter final : public ConfiguredTransformation<Settings> {
 public:
  explicit TimestampConverter(Target target) : target_(target) {}

  const ConfigDef& config_def() const override { return TimestampConverterDef(); }

  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord& record) override {
    const SchemaPtr& schema = OperatingSchema(record, target_);
    const Value& value = OperatingValue(record, target_);
    if (schema == nullptr) return ApplySchemaless(record, value);
    return ApplyWithSchema(record, schema, value);
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, Settings* out) const override {
    return LoadConfig(config_def(), props, [&](const ParsedConfig& c, std::vector<ConfigError>* e) {
      out->field = c.GetString("field");
      out->type = KindFromName(c.GetString("target.type"));
      const std::string& pattern = c.GetString("format");
      const std::string& precision = c.GetString("unix.precision");
      out->precision = precision == "seconds"        ? Precision::kSeconds
                       : precision == "microseconds" ? Precision::kMicros
                       : precision == "nanoseconds"  ? Precision::kNanos
                                                     : Precision::kMillis;
      out->replace_null_with_default = c.GetBool(kReplaceNullWithDefault);
      bool blank = absl::StripAsciiWhitespace(pattern).empty();
      if (out->type == Kind::kString && blank) {
        e->push_back({"format",
                      "TimestampConverter requires format option to be specified when using "
                      "string timestamps"});
      }
      if (!blank) {
        absl::StatusOr<DateFormat> format = DateFormat::Compile(pattern);
        if (!format.ok()) {
          e->push_back({"format", absl::StrCat("TimestampConverter requires a "
                                               "SimpleDateFormat-compatible pattern for string "
                                               "timestamps: ",
                                               pattern, " (", format.status().message(), ")")});
        } else {
          out->format = *std::move(format);
        }
      }
    });
  }

 private:
  // Source value -> micros since the epoch.
  absl::StatusOr<int64_t> ToRaw(Kind kind, const Value& v) const {
    switch (kind) {
      case Kind::kString: {
        if (v.kind() != Value::Kind::kString) {
          return absl::InvalidArgumentError(
              absl::StrCat("Expected string timestamp to be a String, but found ", ClassOf(v)));
        }
        if (!settings_.format) {
          return absl::InvalidArgumentError(
              "TimestampConverter requires format option to be specified when using string "
              "timestamps");
        }
        absl::StatusOr<int64_t> parsed = settings_.format->Parse(v.as_string());
        if (!parsed.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat("Could not parse timestamp: value (", v.as_string(),
                           ") does not match pattern (", settings_.format->pattern(), ")"));
        }
        return *parsed;
      }
      case Kind::kUnix: {
        if (v.kind() != Value::Kind::kInt) {
          return absl::InvalidArgumentError(
              absl::StrCat("Expected Unix timestamp to be a Long, but found ", ClassOf(v)));
        }
        int64_t n = v.as_int();
        switch (settings_.precision) {
          case Precision::kSeconds:
            return SaturatingMul(n, kMicrosPerSecond);
          case Precision::kMillis:
            return SaturatingMul(n, kMicrosPerMilli);
          case Precision::kMicros:
            return n;
          case Precision::kNanos:
            return n / 1000;  // Truncates, as TimeUnit does.
        }
        return n;
      }
      case Kind::kDate:
        if (v.kind() != Value::Kind::kDate) {
          return absl::InvalidArgumentError(
              absl::StrCat("Expected Date to be a java.util.Date, but found ", ClassOf(v)));
        }
        return int64_t{v.as_date().days} * kMicrosPerDay;
      case Kind::kTime:
        if (v.kind() != Value::Kind::kTime) {
          return absl::InvalidArgumentError(
              absl::StrCat("Expected Time to be a java.util.Date, but found ", ClassOf(v)));
        }
        return v.as_time().micros;
      case Kind::kTimestamp:
        if (v.kind() != Value::Kind::kTimestamp) {
          return absl::InvalidArgumentError(
              absl::StrCat("Expected Timestamp to be a java.util.Date, but found ", ClassOf(v)));
        }
        return v.as_timestamp().micros;
    }
    return absl::InternalError("unknown timestamp kind");
  }

  Value ToType(int64_t micros) const {
    switch (settings_.type) {
      case Kind::kString:
        return Value(settings_.format->Format(micros));
      case Kind::kUnix:
        switch (settings_.precision) {
          case Precision::kSeconds:
            return Value(micros / kMicrosPerSecond);
          case Precision::kMillis:
            return Value(micros / kMicrosPerMilli);
          case Precision::kMicros:
            return Value(micros);
          case Precision::kNanos:
            return Value(SaturatingMul(micros, 1000));
        }
        return Value(micros);
      case Kind::kDate:
        return Value(Date{static_cast<int32_t>(FloorDiv(micros, kMicrosPerDay))});
      case Kind::kTime:
        return Value(TimeOfDay{FloorMod(micros, kMicrosPerDay)});
      case Kind::kTimestamp:
        return Value(Timestamp{micros});
    }
    return Value();
  }

  // The source format from the schema (timestampTypeFromSchema).
  static absl::StatusOr<Kind> KindFromSchema(const Schema& schema) {
    if (schema.IsLogical(logical::kTimestamp)) return Kind::kTimestamp;
    if (schema.IsLogical(logical::kDate)) return Kind::kDate;
    if (schema.IsLogical(logical::kTime)) return Kind::kTime;
    if (schema.type() == Type::kString) return Kind::kString;
    if (schema.type() == Type::kInt64) return Kind::kUnix;
    return absl::InvalidArgumentError(absl::StrCat(
        "Schema ", schema.DebugString(), " does not correspond to a known timestamp type format"));
  }

  // The source format from the value alone (inferTimestampType). Unlike Java,
  // ferry's schemaless values keep Date and Time apart from Timestamp.
  static absl::StatusOr<Kind> InferKind(const Value& v) {
    switch (v.kind()) {
      case Value::Kind::kTimestamp:
        return Kind::kTimestamp;
      case Value::Kind::kDate:
        return Kind::kDate;
      case Value::Kind::kTime:
        return Kind::kTime;
      case Value::Kind::kInt:
        return Kind::kUnix;
      case Value::Kind::kString:
        return Kind::kString;
      default:
        return absl::InvalidArgumentError(absl::StrCat("TimestampConverter does not support ",
                                                       ClassOf(v), " objects as timestamps"));
    }
  }

  absl::StatusOr<Value> Convert(const Value& v, std::optional<Kind> kind) const {
    if (v.is_null()) return Value();
    if (!kind) {
      absl::StatusOr<Kind> inferred = InferKind(v);
      if (!inferred.ok()) return inferred.status();
      kind = *inferred;
    }
    absl::StatusOr<int64_t> raw = ToRaw(*kind, v);
    if (!raw.ok()) return raw.status();
    return ToType(*raw);
  }

  absl::StatusOr<std::optional<SinkRecord>> ApplySchemaless(const SinkRecord& record,
                                                            const Value& value) {
    if (value.is_null() || settings_.field.empty()) {
      absl::StatusOr<Value> converted = Convert(value, std::nullopt);
      if (!converted.ok()) return converted.status();
      return WithOperating(record, target_, nullptr, *std::move(converted));
    }
    if (absl::Status s = RequireMap(value, kPurpose); !s.ok()) return s;
    Map updated = value.as_map();
    const Value* current = value.MapEntry(settings_.field);
    absl::StatusOr<Value> converted = Convert(current ? *current : Value(), std::nullopt);
    if (!converted.ok()) return converted.status();
    // Kafka puts the key even when it was absent (as null).
    MapPut(&updated, settings_.field, *std::move(converted));
    return WithOperating(record, target_, nullptr, Value(std::move(updated)));
  }

  absl::StatusOr<std::optional<SinkRecord>> ApplyWithSchema(const SinkRecord& record,
                                                            const SchemaPtr& schema,
                                                            const Value& value) {
    if (settings_.field.empty()) {
      absl::StatusOr<Kind> kind = KindFromSchema(*schema);
      if (!kind.ok()) return kind.status();
      absl::StatusOr<Value> converted = Convert(value, *kind);
      if (!converted.ok()) return converted.status();
      return WithOperating(record, target_, TypeSchema(settings_.type, schema->optional()),
                           *std::move(converted));
    }
    if (!value.is_null()) {
      if (absl::Status s = RequireStruct(value, kPurpose); !s.ok()) return s;
    }
    SchemaPtr updated = cache_.Get(schema);
    if (updated == nullptr) {
      SchemaBuilder builder = CopySchemaBasics(*schema);
      for (const Field& f : schema->fields()) {
        builder.AddField(f.name, f.name == settings_.field
                                     ? TypeSchema(settings_.type, f.schema->optional())
                                     : f.schema);
      }
      if (schema->optional()) builder.Optional();
      updated = builder.Build();
      cache_.Put(schema, updated);
    }
    if (value.is_null()) return WithOperating(record, target_, updated, Value());
    const Struct& input = value.as_struct();
    std::vector<Value> values;
    values.reserve(input.values.size());
    for (const Field& f : input.schema->fields()) {
      Value v = input.values[f.index];
      if (v.is_null() && settings_.replace_null_with_default && f.schema->default_value()) {
        v = *f.schema->default_value();
      }
      if (f.name == settings_.field) {
        absl::StatusOr<Kind> kind = KindFromSchema(*f.schema);
        if (!kind.ok()) return kind.status();
        absl::StatusOr<Value> converted = Convert(v, *kind);
        if (!converted.ok()) return converted.status();
        v = *std::move(converted);
      }
      values.push_back(std::move(v));
    }
    return WithOperating(record, target_, updated, Value(Struct{updated, std::move(values)}));
  }

  const Target target_;
  SchemaCache cache_;
};

}  // namespace

std::unique_ptr<Transformation> NewTimestampConverter(Target target) {
  return std::make_unique<TimestampConverter>(target);
}

}  // namespace ferry::transform_internal
