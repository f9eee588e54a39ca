// org.apache.kafka.connect.transforms.SetSchemaMetadata$Key / $Value: sets the
// name and/or version of a Struct key or value schema. Everything else of the
// schema is kept; a Struct value is rebuilt on the new schema (Kafka's
// updateSchemaIn), any other value is kept as is.
//
// Kafka 3.8/3.9 copy the schema with `new ConnectSchema(..., schema.fields(),
// ...)`, and Schema.fields() throws on every type but STRUCT, so a primitive,
// logical (Decimal, Timestamp, ...), ARRAY or MAP schema fails every record,
// null values included; only a schemaless tombstone passes. ferry does the
// same.

#include "absl/strings/str_cat.h"
#include "transform/internal.h"

namespace ferry::transform_internal {
namespace {

const ConfigDef& SetSchemaMetadataDef() {
  static const ConfigDef* const def = [] {
    auto* d = new ConfigDef();
    // "" is ConfigDef's null default: optional and unset.
    d->Define("schema.name", ConfigType::kString, "", Importance::kHigh, "Schema name to set.");
    d->Define("schema.version", ConfigType::kInt, "", Importance::kHigh, "Schema version to set.");
    AppendReplaceNullWithDefaultConfig(d);
    return d;
  }();
  return *def;
}

struct Settings {
  std::optional<std::string> name;
  std::optional<int> version;
  bool replace_null_with_default = true;
};

class SetSchemaMetadata final : public ConfiguredTransformation<Settings> {
 public:
  explicit SetSchemaMetadata(Target target) : target_(target) {}

  const ConfigDef& config_def() const override { return SetSchemaMetadataDef(); }

  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord& record) override {
    const SchemaPtr& schema = OperatingSchema(record, target_);
    const Value& value = OperatingValue(record, target_);
    if (schema == nullptr && value.is_null()) return record;
    if (schema == nullptr) {
      return absl::InvalidArgumentError("Schema required for [updating schema metadata]");
    }
    if (schema->type() != Type::kStruct) {
      // ConnectSchema.fields() / SchemaBuilder.fields().
      return absl::InvalidArgumentError("Cannot list fields on non-struct type");
    }
    SchemaPtr updated = cache_.Get(schema);
    if (updated == nullptr) {
      SchemaBuilder builder = SchemaBuilder::From(*schema);
      if (settings_.name) builder.Name(*settings_.name);
      if (settings_.version) builder.Version(*settings_.version);
      updated = builder.Build();
      cache_.Put(schema, updated);
    }
    absl::StatusOr<Value> rebuilt = UpdateSchemaIn(value, updated);
    if (!rebuilt.ok()) return rebuilt.status();
    return WithOperating(record, target_, std::move(updated), *std::move(rebuilt));
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, Settings* out) const override {
    return LoadConfig(config_def(), props, [&](const ParsedConfig& c, std::vector<ConfigError>* e) {
      if (c.Has("schema.name")) out->name = c.GetString("schema.name");
      if (c.Has("schema.version")) out->version = c.GetInt("schema.version");
      out->replace_null_with_default = c.GetBool(kReplaceNullWithDefault);
      if (!out->name && !out->version) {
        e->push_back({"", "Neither schema name nor version configured"});
      }
    });
  }

 private:
  // A Struct is copied field by field onto the new schema (by position, as
  // Struct.get(Field)); Struct.get substitutes a field's default for null
  // unless replace.null.with.default=false. Other values keep no schema.
  absl::StatusOr<Value> UpdateSchemaIn(const Value& value, const SchemaPtr& updated) const {
    if (value.kind() != Value::Kind::kStruct) return value;
    const Struct& orig = value.as_struct();
    std::vector<Value> values;
    values.reserve(updated->fields().size());
    for (const Field& f : updated->fields()) {
      Value v = static_cast<size_t>(f.index) < orig.values.size() ? orig.values[f.index] : Value();
      if (v.is_null() && settings_.replace_null_with_default && f.schema->default_value()) {
        v = *f.schema->default_value();
      }
      // Struct.put: a required field cannot take null.
      if (v.is_null() && !f.schema->optional()) {
        return absl::InvalidArgumentError(
            absl::StrCat("Invalid value: null used for required field: \"", f.name,
                         "\", schema type: ", std::string(TypeName(f.schema->type()))));
      }
      values.push_back(std::move(v));
    }
    return Value(Struct{updated, std::move(values)});
  }

  const Target target_;
  SchemaCache cache_;
};

}  // namespace

std::unique_ptr<Transformation> NewSetSchemaMetadata(Target target) {
  return std::make_unique<SetSchemaMetadata>(target);
}

}  // namespace ferry::transform_internal
