// org.apache.kafka.connect.transforms.HeaderFrom$Key / $Value (Kafka 3.9):
// copies or moves fields of the key/value into headers. `fields`, `headers`,
// `operation` (move|copy), KIP-1040's `replace.null.with.default`. Kafka 3.9
// has no nested paths here, so neither does ferry.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "transform/internal.h"

namespace ferry::transform_internal {
namespace {

const ConfigDef& HeaderFromDef() {
  static const ConfigDef* const def = [] {
    auto* d = new ConfigDef();
    auto list = [&](const char* name, const char* doc) {
      ConfigKey key;
      key.name = name;
      key.type = ConfigType::kList;
      key.importance = Importance::kHigh;
      key.doc = doc;
      key.valid_values = "non-empty list";
      d->Define(std::move(key));
      d->Check(NonEmptyListCheck(name));
    };
    list("fields", "Field names in the record whose values are to be copied or moved to headers.");
    list("headers",
         "Header names, in the same order as the field names listed in the fields configuration "
         "property.");
    ConfigKey operation;
    operation.name = "operation";
    operation.type = ConfigType::kString;
    operation.importance = Importance::kHigh;
    operation.doc =
        "Either <code>move</code> if the fields are to be moved to the headers (removed from the "
        "key/value), or <code>copy</code> if the fields are to be copied to the headers "
        "(retained in the key/value).";
    operation.validator = validators::OneOf({"move", "copy"}, /*case_insensitive=*/false);
    operation.valid_values = "[move, copy]";
    d->Define(std::move(operation));
    AppendReplaceNullWithDefaultConfig(d);
    return d;
  }();
  return *def;
}

struct Settings {
  std::vector<std::string> fields;
  std::vector<std::string> headers;
  bool move = false;
  bool replace_null_with_default = true;
};

// ConnectSchema.toString.
std::string SchemaText(const Schema& schema) {
  std::string type(TypeName(schema.type()));
  if (schema.name().empty()) return absl::StrCat("Schema{", type, "}");
  return absl::StrCat("Schema{", schema.name(), ":", type, "}");
}

class HeaderFrom final : public ConfiguredTransformation<Settings> {
 public:
  explicit HeaderFrom(Target target) : target_(target) {}

  const ConfigDef& config_def() const override { return HeaderFromDef(); }

  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord& record) override {
    const SchemaPtr& schema = OperatingSchema(record, target_);
    const Value& value = OperatingValue(record, target_);
    if (schema == nullptr) return ApplySchemaless(record, value);
    return ApplyWithSchema(record, value, schema);
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, Settings* out) const override {
    return LoadConfig(config_def(), props,
                      [&](const ParsedConfig& c, std::vector<ConfigError>* errors) {
                        out->fields = c.GetList("fields");
                        out->headers = c.GetList("headers");
                        if (out->fields.size() != out->headers.size()) {
                          errors->push_back({"",
                                             "'fields' config must have the same number of "
                                             "elements as 'headers' config."});
                        }
                        out->move = c.GetString("operation") == "move";
                        out->replace_null_with_default = c.GetBool(kReplaceNullWithDefault);
                      });
  }

 private:
  std::string Purpose() const { return settings_.move ? "header move" : "header copy"; }

  bool Moved(const std::string& name) const {
    return std::find(settings_.fields.begin(), settings_.fields.end(), name) !=
           settings_.fields.end();
  }

  // Struct.get / getWithoutDefault, as replace.null.with.default says.
  Value FieldValue(const Struct& s, const Field& field) const {
    const Value& v = s.values[field.index];
    if (v.is_null() && settings_.replace_null_with_default && field.schema->default_value()) {
      return *field.schema->default_value();
    }
    return v;
  }

  absl::StatusOr<std::optional<SinkRecord>> ApplySchemaless(const SinkRecord& record,
                                                            const Value& value) {
    if (absl::Status s = RequireMap(value, Purpose()); !s.ok()) return s;
    Map updated = value.as_map();
    Headers headers = record.headers;
    for (size_t i = 0; i < settings_.fields.size(); ++i) {
      const std::string& name = settings_.fields[i];
      const Value* field_value = value.MapEntry(name);
      if (settings_.move) {
        std::erase_if(updated, [&](const std::pair<Value, Value>& e) {
          return e.first.kind() == Value::Kind::kString && e.first.as_string() == name;
        });
      }
      headers.Add(settings_.headers[i], nullptr, field_value ? *field_value : Value());
    }
    SinkRecord out = WithOperating(record, target_, nullptr, Value(std::move(updated)));
    out.headers = std::move(headers);
    return out;
  }

  absl::StatusOr<std::optional<SinkRecord>> ApplyWithSchema(const SinkRecord& record,
                                                            const Value& value,
                                                            const SchemaPtr& schema) {
    if (absl::Status s = RequireStruct(value, Purpose()); !s.ok()) return s;
    const Struct& input = value.as_struct();
    SchemaPtr updated_schema = schema;
    Value updated_value = value;
    if (settings_.move) {
      updated_schema = MoveSchema(schema);
      std::vector<Value> values;
      values.reserve(updated_schema->fields().size());
      for (const Field& field : updated_schema->fields()) {
        const Field* from = input.schema->FindField(field.name);
        if (from == nullptr) {
          return absl::InvalidArgumentError(absl::StrCat(field.name, " is not a valid field name"));
        }
        Value v = FieldValue(input, *from);
        if (std::string problem = NullForRequiredField(field, v); !problem.empty()) {
          return absl::InvalidArgumentError(problem);
        }
        values.push_back(std::move(v));
      }
      updated_value = Value(Struct{updated_schema, std::move(values)});
    }
    Headers headers = record.headers;
    for (size_t i = 0; i < settings_.fields.size(); ++i) {
      const std::string& name = settings_.fields[i];
      const Field* from_value = input.schema->FindField(name);
      const Field* from_schema = schema->FindField(name);
      if (from_schema == nullptr) {
        // Kafka fails here with a NullPointerException.
        return absl::InvalidArgumentError(absl::StrCat("Field does not exist: ", name));
      }
      Value v = from_value ? FieldValue(input, *from_value) : Value();
      const SchemaPtr& header_schema = from_schema->schema;
      if (v.is_null() && !header_schema->optional()) {
        // ConnectHeaders.checkSchemaMatches.
        return absl::InvalidArgumentError(absl::StrCat(
            "A null value requires an optional schema but was ", SchemaText(*header_schema)));
      }
      headers.Add(settings_.headers[i], header_schema, std::move(v));
    }
    SinkRecord out = WithOperating(record, target_, updated_schema, std::move(updated_value));
    out.headers = std::move(headers);
    return out;
  }

  SchemaPtr MoveSchema(const SchemaPtr& schema) {
    SchemaPtr cached = cache_.Get(schema);
    if (cached != nullptr) return cached;
    SchemaBuilder builder = CopySchemaBasics(*schema);
    for (const Field& field : schema->fields()) {
      if (!Moved(field.name)) builder.AddField(field.name, field.schema);
    }
    SchemaPtr built = builder.Build();
    cache_.Put(schema, built);
    return built;
  }

  const Target target_;
  SchemaCache cache_;
};

}  // namespace

std::unique_ptr<Transformation> NewHeaderFrom(Target target) {
  return std::make_unique<HeaderFrom>(target);
}

}  // namespace ferry::transform_internal
