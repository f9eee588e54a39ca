// org.apache.kafka.connect.transforms.Flatten$Key / $Value.
//
// Nested structs (with a schema) or maps (schemaless) become one level of
// fields named by joining the path with `delimiter`. Arrays are kept whole
// (KAFKA-12305); MAP fields under a schema are not supported, as in Kafka. A
// flattened field is optional when any of its ancestors is, and takes its
// default from its own schema or else from the nearest ancestor's struct
// default.

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "transform/internal.h"

namespace ferry::transform_internal {
namespace {

constexpr char kPurpose[] = "flattening";

const ConfigDef& FlattenDef() {
  static const ConfigDef* const def = [] {
    auto* d = new ConfigDef();
    d->Define("delimiter", ConfigType::kString, ".", Importance::kMedium,
              "Delimiter to insert between field names from the input record when generating "
              "field names for the output record");
    return d;
  }();
  return *def;
}

struct Settings {
  std::string delimiter = ".";
};

// Types Flatten copies as one field (Kafka's primitive cases plus ARRAY).
bool IsLeaf(Type type) { return IsPrimitive(type) || type == Type::kArray; }

// What java.lang.Object.getClass().toString() prints for the class Connect
// would hold, for Kafka's "value of type class ..." messages.
std::string JavaClassToString(const Value& value) {
  return absl::StrCat("class ", JavaClassName(value));
}

// The ClassCastException (JDK 11+ wording) Kafka's schemaless Flatten throws
// when a map key is not a String: it reads every map as Map<String, Object>,
// and the compiler's cast of the key fails.
std::string KeyCastError(const Value& key) {
  const std::string cls = JavaClassName(key);
  // Connect's own classes come from the worker's class path; the JDK's from
  // java.base.
  const std::string where =
      key.kind() == Value::Kind::kStruct
          ? absl::StrCat(cls,
                         " is in unnamed module of loader 'app'; java.lang.String is in "
                         "module java.base of loader 'bootstrap'")
          : absl::StrCat(cls,
                         " and java.lang.String are in module java.base of loader 'bootstrap'");
  return absl::StrCat("class ", cls, " cannot be cast to class java.lang.String (", where, ")");
}

// Puts under a null key (a null key at the root of a schemaless map stays
// null, as Kafka's fieldName("", null) returns it unchanged).
void MapPutNullKey(Map* map, Value value) {
  for (auto& [k, v] : *map) {
    if (k.is_null()) {
      v = std::move(value);
      return;
    }
  }
  map->emplace_back(Value(), std::move(value));
}

class Flatten final : public ConfiguredTransformation<Settings> {
 public:
  explicit Flatten(Target target) : target_(target) {}

  const ConfigDef& config_def() const override { return FlattenDef(); }

  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord& record) override {
    const Value& value = OperatingValue(record, target_);
    // Tombstones pass through untouched, schema and all.
    if (value.is_null()) return record;
    if (OperatingSchema(record, target_) == nullptr) return ApplySchemaless(record, value);
    return ApplyWithSchema(record, value);
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, Settings* out) const override {
    return LoadConfig(config_def(), props, [&](const ParsedConfig& c, std::vector<ConfigError>*) {
      out->delimiter = c.GetString("delimiter");
    });
  }

 private:
  std::string FieldName(const std::string& prefix, const std::string& name) const {
    return prefix.empty() ? name : absl::StrCat(prefix, settings_.delimiter, name);
  }

  absl::StatusOr<std::optional<SinkRecord>> ApplySchemaless(const SinkRecord& record,
                                                            const Value& value) {
    if (absl::Status s = RequireMap(value, kPurpose); !s.ok()) return s;
    Map flattened;
    if (absl::Status s = FlattenMap(value.as_map(), "", &flattened); !s.ok()) return s;
    return WithOperating(record, target_, nullptr, Value(std::move(flattened)));
  }

  absl::Status FlattenMap(const Map& map, const std::string& prefix, Map* out) const {
    for (const auto& [key, value] : map) {
      // Kafka's fieldName(prefix, key): a null key stays null at the root and
      // reads "null" below it (Java's string concatenation).
      const bool null_root = key.is_null() && prefix.empty();
      std::string name;
      if (key.kind() == Value::Kind::kString) {
        name = FieldName(prefix, key.as_string());
      } else if (key.is_null()) {
        name = FieldName(prefix, "null");
      } else {
        return absl::InvalidArgumentError(KeyCastError(key));
      }
      switch (value.kind()) {
        case Value::Kind::kNull:
        case Value::Kind::kBool:
        case Value::Kind::kInt:
        case Value::Kind::kFloat:
        case Value::Kind::kString:
        case Value::Kind::kBytes:
        case Value::Kind::kArray:
          if (null_root) {
            MapPutNullKey(out, value);
          } else {
            MapPut(out, name, value);
          }
          break;
        case Value::Kind::kMap:
          if (null_root) {
            // Kafka recurses with a null prefix and fails with a
            // NullPointerException; ferry says why.
            return absl::InvalidArgumentError(
                "Flatten transformation cannot flatten a map held under a null key");
          }
          if (absl::Status s = FlattenMap(value.as_map(), name, out); !s.ok()) return s;
          break;
        case Value::Kind::kStruct:
          return absl::InvalidArgumentError(
              absl::StrCat("Flatten transformation does not support ", JavaClassToString(value),
                           " for record without schemas (for field ", name, ")."));
        case Value::Kind::kTimestamp:
        case Value::Kind::kDate:
        case Value::Kind::kTime:
        case Value::Kind::kDecimal:
          // java.util.Date and BigDecimal have no schema type of their own.
          return absl::InvalidArgumentError(absl::StrCat(
              "Flatten transformation was passed a value of type ", JavaClassToString(value),
              " which is not supported by Connect's data API"));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<SinkRecord>> ApplyWithSchema(const SinkRecord& record,
                                                            const Value& value) {
    if (absl::Status s = RequireStruct(value, kPurpose); !s.ok()) return s;
    const Struct& input = value.as_struct();
    SchemaPtr schema = cache_.Get(input.schema);
    if (schema == nullptr) {
      SchemaBuilder builder = CopySchemaBasics(*input.schema);
      std::vector<std::string> names;
      const Value* default_value = input.schema->default_value().get();
      if (absl::Status s = BuildSchema(*input.schema, "", input.schema->optional(), default_value,
                                       &builder, &names);
          !s.ok()) {
        return s;
      }
      schema = builder.Build();
      cache_.Put(input.schema, schema);
    }
    StructBuilder out(schema);
    if (absl::Status s = BuildValue(&input, "", *schema, &out); !s.ok()) return s;
    return WithOperating(record, target_, schema, out.Build());
  }

  // Kafka's buildUpdatedSchema: `optional` is true when an ancestor is
  // optional; `parent_default` is the ancestor's struct default, if any.
  absl::Status BuildSchema(const Schema& schema, const std::string& prefix, bool optional,
                           const Value* parent_default, SchemaBuilder* builder,
                           std::vector<std::string>* names) const {
    for (const Field& field : schema.fields()) {
      const std::string name = FieldName(prefix, field.name);
      const bool field_optional = optional || field.schema->optional();
      const Value* field_default = field.schema->default_value().get();
      if (field_default == nullptr && parent_default != nullptr &&
          parent_default->kind() == Value::Kind::kStruct) {
        const Struct& s = parent_default->as_struct();
        if (static_cast<size_t>(field.index) < s.values.size() &&
            !s.values[field.index].is_null()) {
          field_default = &s.values[field.index];
        }
      }
      const Type type = field.schema->type();
      if (IsLeaf(type)) {
        if (std::find(names->begin(), names->end(), name) != names->end()) {
          return absl::InvalidArgumentError(
              absl::StrCat("Cannot create field because of field name duplication ", name));
        }
        names->push_back(name);
        builder->AddField(name, ConvertFieldSchema(*field.schema, field_optional, field_default));
      } else if (type == Type::kStruct) {
        if (absl::Status s =
                BuildSchema(*field.schema, name, field_optional, field_default, builder, names);
            !s.ok()) {
          return s;
        }
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("Flatten transformation does not support ", std::string(TypeName(type)),
                         " for record with schemas (for field ", name, ")."));
      }
    }
    return absl::OkStatus();
  }

  // SchemaUtil.copySchemaBasics (name, version, doc, parameters; arrays keep
  // their element schema), then the inherited optionality and default.
  static SchemaPtr ConvertFieldSchema(const Schema& orig, bool optional, const Value* def) {
    SchemaBuilder builder = orig.type() == Type::kArray ? SchemaBuilder::Array(orig.value_schema())
                                                        : SchemaBuilder(orig.type());
    builder.Name(orig.name()).Version(orig.version()).Doc(orig.doc());
    builder.Parameters(orig.parameters());
    if (optional) builder.Optional();
    if (def != nullptr) builder.Default(*def);
    return builder.Build();
  }

  // Kafka's buildWithSchema. A null nested struct contributes nothing (its
  // flattened fields stay null); Struct.get supplies schema defaults.
  absl::Status BuildValue(const Struct* input, const std::string& prefix, const Schema& out_schema,
                          StructBuilder* out) const {
    if (input == nullptr) return absl::OkStatus();
    for (const Field& field : input->schema->fields()) {
      const std::string name = FieldName(prefix, field.name);
      Value v = static_cast<size_t>(field.index) < input->values.size() ? input->values[field.index]
                                                                        : Value();
      if (v.is_null() && field.schema->default_value()) v = *field.schema->default_value();
      const Type type = field.schema->type();
      if (IsLeaf(type)) {
        const Field* target = out_schema.FindField(name);
        // Struct.put: a required field cannot take null.
        if (v.is_null() && target != nullptr && !target->schema->optional()) {
          return absl::InvalidArgumentError(
              absl::StrCat("Invalid value: null used for required field: \"", name,
                           "\", schema type: ", std::string(TypeName(type))));
        }
        out->Put(name, std::move(v));
      } else if (type == Type::kStruct) {
        const Struct* nested = v.kind() == Value::Kind::kStruct ? &v.as_struct() : nullptr;
        if (absl::Status s = BuildValue(nested, name, out_schema, out); !s.ok()) return s;
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("Flatten transformation does not support ", std::string(TypeName(type)),
                         " for record with schemas (for field ", name, ")."));
      }
    }
    return absl::OkStatus();
  }

  const Target target_;
  SchemaCache cache_;
};

}  // namespace

std::unique_ptr<Transformation> NewFlatten(Target target) {
  return std::make_unique<Flatten>(target);
}

}  // namespace ferry::transform_internal
