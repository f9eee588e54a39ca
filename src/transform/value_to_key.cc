// org.apache.kafka.connect.transforms.ValueToKey (Kafka 3.9): the key becomes
// a Struct (or, schemaless, a Map) of the listed value fields. `fields`,
// KIP-1040's `replace.null.with.default`. Kafka 3.9 has no nested paths here
// (KIP-821's ValueToKey part was never merged), so neither does ferry.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "transform/internal.h"

namespace ferry::transform_internal {
namespace {

constexpr char kPurpose[] = "copying fields from value to key";

const ConfigDef& ValueToKeyDef() {
  static const ConfigDef* const def = [] {
    auto* d = new ConfigDef();
    ConfigKey fields;
    fields.name = "fields";
    fields.type = ConfigType::kList;
    fields.importance = Importance::kHigh;
    fields.doc = "Field names on the record value to extract as the record key.";
    fields.valid_values = "non-empty list";
    d->Define(std::move(fields));
    AppendReplaceNullWithDefaultConfig(d);
    d->Check(NonEmptyListCheck("fields"));
    return d;
  }();
  return *def;
}

struct Settings {
  std::vector<std::string> fields;
  bool replace_null_with_default = true;
};

class ValueToKey final : public ConfiguredTransformation<Settings> {
 public:
  const ConfigDef& config_def() const override { return ValueToKeyDef(); }

  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord& record) override {
    if (record.value_schema == nullptr) return ApplySchemaless(record);
    return ApplyWithSchema(record);
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, Settings* out) const override {
    return LoadConfig(config_def(), props, [&](const ParsedConfig& c, std::vector<ConfigError>*) {
      out->fields = c.GetList("fields");
      out->replace_null_with_default = c.GetBool(kReplaceNullWithDefault);
    });
  }

 private:
  absl::StatusOr<std::optional<SinkRecord>> ApplySchemaless(const SinkRecord& record) {
    if (absl::Status s = RequireMap(record.value, kPurpose); !s.ok()) return s;
    Map key;
    for (const std::string& field : settings_.fields) {
      const Value* v = record.value.MapEntry(field);
      MapPut(&key, field, v ? *v : Value());
    }
    return record.NewRecord(record.topic, record.partition, nullptr, Value(std::move(key)),
                            record.value_schema, record.value, record.timestamp_ms);
  }

  absl::StatusOr<std::optional<SinkRecord>> ApplyWithSchema(const SinkRecord& record) {
    if (absl::Status s = RequireStruct(record.value, kPurpose); !s.ok()) return s;
    const Struct& value = record.value.as_struct();
    SchemaPtr key_schema = cache_.Get(value.schema);
    if (key_schema == nullptr) {
      SchemaBuilder builder = SchemaBuilder::Struct();
      std::vector<std::string> seen;
      for (const std::string& field : settings_.fields) {
        const Field* from = value.schema->FindField(field);
        if (from == nullptr) {
          return absl::InvalidArgumentError(absl::StrCat("Field does not exist: ", field));
        }
        if (std::find(seen.begin(), seen.end(), field) != seen.end()) {
          return absl::InvalidArgumentError(
              absl::StrCat("Cannot create field because of field name duplication ", field));
        }
        seen.push_back(field);
        builder.AddField(field, from->schema);
      }
      key_schema = builder.Build();
      cache_.Put(value.schema, key_schema);
    }
    std::vector<Value> key_values;
    key_values.reserve(key_schema->fields().size());
    for (const Field& key_field : key_schema->fields()) {
      const Field& from = *value.schema->FindField(key_field.name);
      Value v = value.values[from.index];
      if (v.is_null() && settings_.replace_null_with_default && from.schema->default_value()) {
        v = *from.schema->default_value();
      }
      // Struct.put validates.
      if (std::string problem = NullForRequiredField(key_field, v); !problem.empty()) {
        return absl::InvalidArgumentError(problem);
      }
      key_values.push_back(std::move(v));
    }
    return record.NewRecord(record.topic, record.partition, key_schema,
                            Value(Struct{key_schema, std::move(key_values)}), record.value_schema,
                            record.value, record.timestamp_ms);
  }

  SchemaCache cache_;
};

}  // namespace

std::unique_ptr<Transformation> NewValueToKey() { return std::make_unique<ValueToKey>(); }

}  // namespace ferry::transform_internal
