#include "convert/json_schema_converter.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "convert/absl_compat.h"
#include "convert/registry_converter.h"

namespace ferry {
namespace {

using internal::Cat;
using schemaregistry::RegisteredSchema;

std::string S(std::string_view s) { return std::string(s); }

// Confluent's texts for this format (registry_converter::RegistryFailure).
constexpr registry_converter::FailureTexts kFailureTexts{
    .serializing = "serializing Json data",
    .access_serializing = "Failed to access JSON Schema data from topic ",
    .access_deserializing = "Failed to access JSON Schema data from topic ",
    .access_separator = " : ",
    .invalid_serializing =
        "Converting Kafka Connect data to byte[] failed due to serialization error of topic ",
    .invalid_deserializing =
        "Converting byte[] to Kafka Connect data failed due to serialization error of topic ",
    .invalid_deserializing_suffix = "",
    .schema_noun = "JSON schema: "};

absl::Status RegistryFailure(const absl::Status& s, std::string_view topic, bool serializing,
                             const std::string& what) {
  return registry_converter::RegistryFailure(kFailureTexts, s, topic, serializing, what);
}

absl::Status DeserializeError(std::string_view topic, absl::string_view cause) {
  return registry_converter::RecordError(kFailureTexts, false, topic, std::string(cause));
}

absl::Status SerializeError(std::string_view topic, absl::string_view cause) {
  return registry_converter::RecordError(kFailureTexts, true, topic, std::string(cause));
}

}  // namespace

JsonSchemaConverter::JsonSchemaConverter() = default;
JsonSchemaConverter::~JsonSchemaConverter() = default;

const ConfigDef& JsonSchemaConverter::Definition() {
  static const ConfigDef* def = [] {
    const std::string group = "JSON Schema";
    ConfigDef* d = registry_converter::NewDefinition(group);
    auto flag = [&](std::string name, bool value, Importance importance, std::string doc) {
      registry_converter::DefineFlag(*d, group, std::move(name), value, importance, std::move(doc));
    };
    flag("use.optional.for.nonrequired", false, Importance::kMedium,
         "Whether to set non-required properties to be optional. (ferry: when false, as with "
         "Confluent's, a property a record leaves out is null in its required Connect field: "
         "a REQUIRED BigQuery column rejects the row, a NULLABLE one takes null; an explicit "
         "null is refused)");
    flag("object.additional.properties", true, Importance::kMedium,
         "Whether to allow additional properties for object schemas (when writing JSON Schemas "
         "from Connect schemas; false writes additionalProperties: false)");
    flag("ignore.modern.dialects", false, Importance::kLow,
         "Whether to ignore modern dialects of JSON Schema after draft 7, in which case draft 7 "
         "will be used. (ferry: accepted; ferry reads the keywords it maps the same in every "
         "draft)");
    d->Define({.name = "decimal.format",
               .type = ConfigType::kString,
               .default_value = "BASE64",
               .importance = Importance::kLow,
               .doc = "Controls which format this converter will serialize decimals in. This "
                      "value is case insensitive and can be either 'BASE64' (default) or "
                      "'NUMERIC' (decimals are read in either form)",
               .validator = validators::OneOf({"BASE64", "NUMERIC"}, /*case_insensitive=*/true),
               .group = group,
               .valid_values = "(case insensitive) [BASE64, NUMERIC]"});
    flag("flatten.singleton.unions", true, Importance::kLow, "Whether to flatten singleton unions");
    flag("generalized.sum.type.support", false, Importance::kMedium,
         "Toggle for enabling/disabling generalized sum type support: interoperability of "
         "enum/union with other schema formats");
    flag("ignore.default.for.nullables", false, Importance::kMedium,
         "Whether to ignore the default for nullable fields when the value is null");
    flag("json.fail.invalid.schema", false, Importance::kMedium,
         "Whether to fail deserialization if the payload does not match the schema (ferry: "
         "validates type, enum, const, properties, required, additionalProperties, items, the "
         "size and numeric bounds, multipleOf, pattern, allOf/anyOf/oneOf/not and $ref; "
         "format is not checked)");
    flag("json.fail.unknown.properties", true, Importance::kLow,
         "Whether to fail deserialization if unknown JSON properties are encountered (ferry: "
         "no effect: it concerns Java classes, and values here are not Java objects)");
    return d;
  }();
  return *def;
}

absl::Status JsonSchemaConverter::Configure(const std::map<std::string, std::string>& props,
                                            bool is_key) {
  absl::StatusOr<registry_converter::Configured> configured =
      registry_converter::Configure(Definition(), props, is_key);
  if (!configured.ok()) return configured.status();
  const ParsedConfig* parsed = &configured->parsed;
  registry_ = std::move(configured->registry);
  cache_size_ = configured->cache_size;
  is_key_ = is_key;
  options_.use_optional_for_nonrequired = parsed->GetBool("use.optional.for.nonrequired");
  options_.object_additional_properties = parsed->GetBool("object.additional.properties");
  std::string format = parsed->GetString("decimal.format");
  std::transform(format.begin(), format.end(), format.begin(), ::toupper);
  options_.decimal_numeric = format == "NUMERIC";
  options_.flatten_singleton_unions = parsed->GetBool("flatten.singleton.unions");
  options_.generalized_sum_type_support = parsed->GetBool("generalized.sum.type.support");
  options_.ignore_default_for_nullables = parsed->GetBool("ignore.default.for.nullables");
  validate_ = parsed->GetBool("json.fail.invalid.schema");
  readers_.clear();
  reader_order_.clear();
  references_.clear();
  writers_.clear();
  configured_ = true;
  return absl::OkStatus();
}

schemaregistry::SubjectNameStrategy JsonSchemaConverter::strategy() const {
  return registry_converter::Strategy(*registry_, is_key_);
}

absl::Status JsonSchemaConverter::CollectReferences(
    const std::vector<schemaregistry::SchemaReference>& refs,
    std::vector<internal::JsonSchemaDocuments::Reference>* out, int depth) {
  if (depth > registry_converter::kMaxReferenceDepth) {
    return absl::InvalidArgumentError("schema references nest too deep (a cycle?)");
  }
  for (const schemaregistry::SchemaReference& r : refs) {
    bool seen = false;
    for (const auto& existing : *out) seen = seen || existing.name == r.name;
    if (seen) continue;
    auto key = std::pair{r.subject, r.version};
    auto it = references_.find(key);
    if (it == references_.end()) {
      absl::StatusOr<schemaregistry::SubjectVersion> ref =
          registry_->GetSchemaBySubjectVersion(r.subject, r.version);
      if (!ref.ok()) {
        return absl::Status(ref.status().code(),
                            Cat("reference ", r.name, " (subject ", r.subject, ", version ",
                                r.version, "): ", std::string(ref.status().message())));
      }
      if (ref->schema.schema_type != schemaregistry::kJson) {
        return absl::InvalidArgumentError(Cat("reference ", r.name, " (subject ", r.subject,
                                              ") is ", ref->schema.schema_type, ", not JSON"));
      }
      it = references_.emplace(key, ref->schema).first;
    }
    out->push_back({r.name, it->second.schema});
    if (absl::Status s = CollectReferences(it->second.references, out, depth + 1); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<internal::JsonSchemaDocuments>> JsonSchemaConverter::Documents(
    const RegisteredSchema& schema) {
  if (schema.schema_type != schemaregistry::kJson) {
    return absl::InvalidArgumentError(
        Cat("the schema is ", schema.schema_type,
            ", not JSON; JsonSchemaConverter reads JSON Schema only"));
  }
  std::vector<internal::JsonSchemaDocuments::Reference> refs;
  if (absl::Status s = CollectReferences(schema.references, &refs, 0); !s.ok()) return s;
  return internal::JsonSchemaDocuments::Create(schema.schema, refs);
}

absl::StatusOr<JsonSchemaConverter::Reader*> JsonSchemaConverter::ReaderFor(std::string_view topic,
                                                                            int id) {
  const auto key = std::pair{id, S(topic)};
  if (auto it = readers_.find(key); it != readers_.end()) return it->second.get();
  const std::string role = registry_converter::KeyOrValue(is_key_);
  const std::string what = Cat("Error retrieving JSON ", role, " schema for id ", id);
  absl::StatusOr<RegisteredSchema> registered = registry_->GetSchemaById(id);
  if (!registered.ok()) return RegistryFailure(registered.status(), topic, false, what);
  absl::StatusOr<std::unique_ptr<internal::JsonSchemaDocuments>> docs = Documents(*registered);
  if (!docs.ok()) {
    if (docs.status().code() != absl::StatusCode::kInvalidArgument) {
      return RegistryFailure(docs.status(), topic, false, what);
    }
    return DeserializeError(topic, Cat("Error parsing JSON ", role, " schema for id ", id, ": ",
                                       std::string(docs.status().message())));
  }
  absl::StatusOr<std::string> subject =
      schemaregistry::SubjectName(strategy(), topic, is_key_, (*docs)->Title());
  if (!subject.ok()) return DeserializeError(topic, subject.status().message());
  absl::StatusOr<schemaregistry::SubjectVersion> version = registry_->Lookup(*subject, *registered);
  if (!version.ok()) {
    return RegistryFailure(version.status(), topic, false,
                           Cat("Error retrieving JSON ", role, " schema version for id ", id));
  }
  absl::StatusOr<SchemaPtr> connect = (*docs)->ToConnectSchema(version->version, options_);
  if (!connect.ok()) {
    return DeserializeError(topic, Cat("Error converting JSON ", role, " schema for id ", id, ": ",
                                       std::string(connect.status().message())));
  }
  auto reader = std::make_unique<Reader>();
  reader->docs = std::move(*docs);
  reader->connect = *connect;
  while (readers_.size() >= cache_size_ && !reader_order_.empty()) {
    readers_.erase(reader_order_.front());
    reader_order_.pop_front();
  }
  reader_order_.push_back(key);
  Reader* out = reader.get();
  readers_[key] = std::move(reader);
  return out;
}

absl::StatusOr<SchemaAndValue> JsonSchemaConverter::ToConnectData(
    std::string_view topic, const Headers& headers, const std::optional<std::string>& bytes) {
  if (!configured_) return absl::FailedPreconditionError("JsonSchemaConverter is not configured");
  if (!bytes) return SchemaAndValue{nullptr, Value()};
  absl::StatusOr<schemaregistry::WireMessage> wire = schemaregistry::ParseWireFormat(*bytes);
  if (!wire.ok()) return DeserializeError(topic, wire.status().message());
  absl::StatusOr<Reader*> reader = ReaderFor(topic, wire->schema_id);
  if (!reader.ok()) return reader.status();
  Reader& r = **reader;
  const std::string context =
      Cat("Error deserializing JSON message for id ", wire->schema_id, ": ");
  absl::StatusOr<internal::JsonValue> json = internal::ParseJsonValue(wire->payload);
  if (!json.ok()) return DeserializeError(topic, context + std::string(json.status().message()));
  if (validate_) {
    if (absl::Status s = r.docs->Validate(*json); !s.ok()) {
      return DeserializeError(
          topic,
          Cat(context, "JSON does not match schema of type JSON: ", std::string(s.message())));
    }
  }
  // A JSON null is a null value (JsonSchemaConverter returns SchemaAndValue.NULL).
  if (json->kind == internal::JsonValue::Kind::kNull) return SchemaAndValue{nullptr, Value()};
  absl::StatusOr<Value> value = internal::JsonToConnectValue(r.connect, &*json, options_);
  if (!value.ok()) return DeserializeError(topic, context + std::string(value.status().message()));
  return SchemaAndValue{r.connect, std::move(*value)};
}

absl::StatusOr<JsonSchemaConverter::Writer*> JsonSchemaConverter::WriterFor(
    std::string_view topic, const SchemaPtr& schema) {
  absl::StatusOr<std::string> subject =
      schemaregistry::SubjectName(strategy(), topic, is_key_, schema->name());
  if (!subject.ok()) return SerializeError(topic, subject.status().message());
  for (const auto& w : writers_) {
    if ((w->connect == schema || w->connect->Equals(*schema)) && w->subject == *subject) {
      return w.get();
    }
  }
  absl::StatusOr<std::string> text = internal::ConnectToJsonSchema(*schema, options_);
  if (!text.ok()) return SerializeError(topic, text.status().message());
  auto writer = std::make_unique<Writer>();
  writer->connect = schema;
  writer->subject = *subject;
  RegisteredSchema registered;
  registered.schema_type = std::string(schemaregistry::kJson);
  registered.schema = *text;
  absl::StatusOr<registry_converter::WriterSchema> chosen = registry_converter::ResolveWriterSchema(
      *registry_, kFailureTexts, topic, *subject, registered);
  if (!chosen.ok()) return chosen.status();
  writer->id = chosen->id;
  const RegisteredSchema& target = chosen->latest ? *chosen->latest : registered;
  absl::StatusOr<std::unique_ptr<internal::JsonSchemaDocuments>> docs = Documents(target);
  if (!docs.ok()) return SerializeError(topic, docs.status().message());
  writer->docs = std::move(*docs);
  if (writers_.size() >= cache_size_) writers_.erase(writers_.begin());
  writers_.push_back(std::move(writer));
  return writers_.back().get();
}

absl::StatusOr<std::optional<std::string>> JsonSchemaConverter::FromConnectData(
    std::string_view topic, const SchemaPtr& schema, const Value& value) {
  if (!configured_) return absl::FailedPreconditionError("JsonSchemaConverter is not configured");
  if (value.is_null() && (!schema || !schema->default_value())) {
    return std::optional<std::string>();
  }
  if (!schema) {
    return SerializeError(topic,
                          "a schemaless value cannot be written: ferry's JsonSchemaConverter "
                          "writes values with a Connect schema only");
  }
  if (std::string problem = ValidateValue(*schema, value); !problem.empty()) {
    return SerializeError(topic, problem);
  }
  absl::StatusOr<Writer*> writer = WriterFor(topic, schema);
  if (!writer.ok()) return writer.status();
  Writer& w = **writer;
  absl::StatusOr<std::string> json = internal::ConnectToJsonText(*schema, value, options_);
  if (!json.ok()) return SerializeError(topic, json.status().message());
  if (validate_) {
    absl::StatusOr<internal::JsonValue> parsed = internal::ParseJsonValue(*json);
    if (!parsed.ok()) return SerializeError(topic, parsed.status().message());
    if (absl::Status s = w.docs->Validate(*parsed); !s.ok()) {
      return SerializeError(
          topic, Cat("JSON does not match schema of type JSON: ", std::string(s.message())));
    }
  }
  return std::optional<std::string>(schemaregistry::WriteWireFormat(w.id, *json));
}

}  // namespace ferry
