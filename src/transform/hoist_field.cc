// org.apache.kafka.connect.transforms.HoistField$Key / $Value: wraps the key or
// value in a one-field Struct (with a schema) or Map (schemaless).

#include "absl/strings/str_cat.h"
#include "transform/internal.h"

namespace ferry::transform_internal {
namespace {

const ConfigDef& HoistFieldDef() {
  static const ConfigDef* const def = [] {
    auto* d = new ConfigDef();
    d->Define("field", ConfigType::kString, std::nullopt, Importance::kMedium,
              "Field name for the single field that will be created in the resulting Struct or "
              "Map.");
    return d;
  }();
  return *def;
}

struct Settings {
  std::string field;
};

class HoistField final : public ConfiguredTransformation<Settings> {
 public:
  explicit HoistField(Target target) : target_(target) {}

  const ConfigDef& config_def() const override { return HoistFieldDef(); }

  // No tombstone special case, as in Kafka: a null value is hoisted too.
  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord& record) override {
    const SchemaPtr& schema = OperatingSchema(record, target_);
    const Value& value = OperatingValue(record, target_);
    if (schema == nullptr) {
      Map hoisted;
      hoisted.emplace_back(Value(settings_.field), value);
      return WithOperating(record, target_, nullptr, Value(std::move(hoisted)));
    }
    SchemaPtr updated = cache_.Get(schema);
    if (updated == nullptr) {
      updated = SchemaBuilder::Struct().AddField(settings_.field, schema).Build();
      cache_.Put(schema, updated);
    }
    // Struct.put: a required field cannot take null (defaults do not help).
    if (value.is_null() && !schema->optional()) {
      return absl::InvalidArgumentError(
          absl::StrCat("Invalid value: null used for required field: \"", settings_.field,
                       "\", schema type: ", std::string(TypeName(schema->type()))));
    }
    Value hoisted = Value(Struct{updated, {value}});
    return WithOperating(record, target_, std::move(updated), std::move(hoisted));
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, Settings* out) const override {
    return LoadConfig(config_def(), props, [&](const ParsedConfig& c, std::vector<ConfigError>*) {
      out->field = c.GetString("field");
    });
  }

 private:
  const Target target_;
  SchemaCache cache_;
};

}  // namespace

std::unique_ptr<Transformation> NewHoistField(Target target) {
  return std::make_unique<HoistField>(target);
}

}  // namespace ferry::transform_internal
