#include "convert/avro_converter.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "convert/absl_compat.h"
#include "convert/registry_converter.h"

namespace ferry {
namespace {

using internal::AvroSchema;
using internal::Cat;
using schemaregistry::RegisteredSchema;

std::string S(std::string_view s) { return std::string(s); }

// Confluent's texts for this format (registry_converter::RegistryFailure).
constexpr registry_converter::FailureTexts kFailureTexts{
    .serializing = "serializing Avro data",
    .access_serializing = "Failed to serialize Avro data from topic ",
    .access_deserializing = "Failed to access Avro data from topic ",
    .access_separator = ": ",
    .invalid_serializing = "Failed to serialize Avro data from topic ",
    .invalid_deserializing = "Failed to deserialize data for topic ",
    .invalid_deserializing_suffix = " to Avro",
    .schema_noun = "Avro schema "};

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

struct LibavroClass {
  avro_schema_t schema = nullptr;
  avro_value_iface_t* iface = nullptr;
};

// libavro's schema and generic class for a tree (ToLibavroJson).
absl::StatusOr<LibavroClass> MakeLibavroClass(const AvroSchema& schema) {
  const std::string json = schema.ToLibavroJson();
  LibavroClass out;
  if (avro_schema_from_json_length(json.data(), json.size(), &out.schema) != 0) {
    return absl::InvalidArgumentError(Cat("libavro refuses the schema: ", avro_strerror()));
  }
  out.iface = avro_generic_class_from_schema(out.schema);
  if (out.iface == nullptr) {
    avro_schema_decref(out.schema);
    return absl::InvalidArgumentError(Cat("libavro: ", avro_strerror()));
  }
  return out;
}

}  // namespace

AvroConverter::Reader::~Reader() {
  if (has_datum) avro_value_decref(&datum);
  if (iface != nullptr) avro_value_iface_decref(iface);
  if (libavro != nullptr) avro_schema_decref(libavro);
}

AvroConverter::Writer::~Writer() {
  if (iface != nullptr) avro_value_iface_decref(iface);
  if (libavro != nullptr) avro_schema_decref(libavro);
}

AvroConverter::~AvroConverter() = default;

const ConfigDef& AvroConverter::Definition() {
  static const ConfigDef* def = [] {
    const std::string group = "Avro";
    ConfigDef* d = registry_converter::NewDefinition(group);
    d->Define({.name = "enhanced.avro.schema.support",
               .type = ConfigType::kBoolean,
               .default_value = "false",
               .importance = Importance::kMedium,
               .doc = "Enable enhanced schema support to preserve package information and Enums "
                      "(union member names are full names; Connect STRINGs with "
                      "io.confluent.connect.avro.Enum parameters are written as Avro enums)",
               .group = group});
    d->Define({.name = "connect.meta.data",
               .type = ConfigType::kBoolean,
               .default_value = "true",
               .importance = Importance::kLow,
               .doc = "Allow the Connect converter to add its metadata to the output schema "
                      "(connect.name, connect.doc, connect.version, connect.parameters, "
                      "connect.default; record, field and enum docs as parameters)",
               .group = group});
    d->Define({.name = "scrub.invalid.names",
               .type = ConfigType::kBoolean,
               .default_value = "false",
               .importance = Importance::kLow,
               .doc = "Whether to scrub invalid names by replacing invalid characters with valid "
                      "characters (when writing Avro schemas from Connect schemas)",
               .group = group});
    d->Define({.name = "flatten.singleton.unions",
               .type = ConfigType::kBoolean,
               .default_value = "true",
               .importance = Importance::kLow,
               .doc = "Whether to flatten singleton unions",
               .group = group});
    d->Define({.name = "allow.optional.map.keys",
               .type = ConfigType::kBoolean,
               .default_value = "false",
               .importance = Importance::kLow,
               .doc = "Allow optional string map key when converting from Connect Schema to Avro "
                      "Schema.",
               .group = group});
    d->Define({.name = "avro.use.logical.type.converters",
               .type = ConfigType::kBoolean,
               .default_value = "false",
               .importance = Importance::kLow,
               .doc = "If true, use logical type converter in generic record (ferry: accepted; "
                      "values are the same either way, libavro has no logical type classes)",
               .group = group});
    return d;
  }();
  return *def;
}

absl::Status AvroConverter::Configure(const std::map<std::string, std::string>& props,
                                      bool is_key) {
  absl::StatusOr<registry_converter::Configured> configured =
      registry_converter::Configure(Definition(), props, is_key);
  if (!configured.ok()) return configured.status();
  const ParsedConfig* parsed = &configured->parsed;
  registry_ = std::move(configured->registry);
  cache_size_ = configured->cache_size;
  is_key_ = is_key;
  options_.connect_meta_data = parsed->GetBool("connect.meta.data");
  options_.enhanced_schema_support = parsed->GetBool("enhanced.avro.schema.support");
  options_.scrub_invalid_names = parsed->GetBool("scrub.invalid.names");
  options_.flatten_singleton_unions = parsed->GetBool("flatten.singleton.unions");
  options_.allow_optional_map_keys = parsed->GetBool("allow.optional.map.keys");
  readers_.clear();
  reader_order_.clear();
  writers_.clear();
  configured_ = true;
  return absl::OkStatus();
}

schemaregistry::SubjectNameStrategy AvroConverter::strategy() const {
  return registry_converter::Strategy(*registry_, is_key_);
}

absl::StatusOr<std::shared_ptr<const AvroSchema>> AvroConverter::ParseRegistered(
    const RegisteredSchema& schema, int depth) {
  if (schema.schema_type != schemaregistry::kAvro) {
    return absl::InvalidArgumentError(
        Cat("the schema is ", schema.schema_type, ", not AVRO; AvroConverter reads Avro only"));
  }
  if (depth > registry_converter::kMaxReferenceDepth) {
    return absl::InvalidArgumentError("schema references nest too deep (a cycle?)");
  }
  std::vector<std::shared_ptr<const AvroSchema>> refs;
  for (const schemaregistry::SchemaReference& r : schema.references) {
    auto key = std::pair{r.subject, r.version};
    if (auto it = references_.find(key); it != references_.end()) {
      refs.push_back(it->second);
      continue;
    }
    absl::StatusOr<schemaregistry::SubjectVersion> ref =
        registry_->GetSchemaBySubjectVersion(r.subject, r.version);
    if (!ref.ok()) {
      return absl::Status(ref.status().code(),
                          Cat("reference ", r.name, " (subject ", r.subject, ", version ",
                              r.version, "): ", std::string(ref.status().message())));
    }
    absl::StatusOr<std::shared_ptr<const AvroSchema>> parsed =
        ParseRegistered(ref->schema, depth + 1);
    if (!parsed.ok()) return parsed.status();
    references_[key] = *parsed;
    refs.push_back(*parsed);
  }
  return AvroSchema::Parse(schema.schema, std::move(refs));
}

absl::StatusOr<AvroConverter::Reader*> AvroConverter::ReaderFor(std::string_view topic, int id) {
  const auto key = std::pair{id, S(topic)};
  if (auto it = readers_.find(key); it != readers_.end()) return it->second.get();
  const std::string role = registry_converter::KeyOrValue(is_key_);
  absl::StatusOr<RegisteredSchema> registered = registry_->GetSchemaById(id);
  if (!registered.ok()) {
    return RegistryFailure(registered.status(), topic, false,
                           Cat("Error retrieving Avro ", role, " schema for id ", id));
  }
  absl::StatusOr<std::shared_ptr<const AvroSchema>> avro = ParseRegistered(*registered, 0);
  if (!avro.ok()) {
    if (avro.status().code() != absl::StatusCode::kInvalidArgument) {
      return RegistryFailure(avro.status(), topic, false,
                             Cat("Error retrieving Avro ", role, " schema for id ", id));
    }
    return DeserializeError(topic, Cat("Error parsing Avro ", role, " schema for id ", id, ": ",
                                       std::string(avro.status().message())));
  }
  if ((*avro)->HasItemsWithoutBytes()) {
    return DeserializeError(
        topic, Cat("Error parsing Avro ", role, " schema for id ", id,
                   ": libavro cannot read arrays and maps of items without bytes (null, empty "
                   "records)"));
  }
  // Confluent's deserializer gives the Connect schema the writer schema's
  // version in the subject its strategy names.
  absl::StatusOr<std::string> subject = schemaregistry::SubjectName(
      strategy(), topic, is_key_, internal::AvroSchemaName((*avro)->root()));
  if (!subject.ok()) return DeserializeError(topic, subject.status().message());
  absl::StatusOr<schemaregistry::SubjectVersion> version = registry_->Lookup(*subject, *registered);
  if (!version.ok()) {
    return RegistryFailure(version.status(), topic, false,
                           Cat("Error retrieving Avro ", role, " schema version for id ", id));
  }
  auto reader = std::make_unique<Reader>();
  reader->avro = *avro;
  absl::StatusOr<SchemaPtr> connect =
      internal::AvroToConnectSchema(reader->avro->root(), version->version, options_);
  if (!connect.ok()) return DeserializeError(topic, connect.status().message());
  reader->connect = *connect;
  absl::StatusOr<LibavroClass> cls = MakeLibavroClass(*reader->avro);
  if (!cls.ok()) return DeserializeError(topic, cls.status().message());
  reader->libavro = cls->schema;
  reader->iface = cls->iface;
  if (avro_generic_value_new(reader->iface, &reader->datum) != 0) {
    return absl::InternalError(Cat("libavro: ", avro_strerror()));
  }
  reader->has_datum = true;
  while (readers_.size() >= cache_size_ && !reader_order_.empty()) {
    readers_.erase(reader_order_.front());
    reader_order_.pop_front();
  }
  reader_order_.push_back(key);
  Reader* out = reader.get();
  readers_[key] = std::move(reader);
  return out;
}

absl::StatusOr<SchemaAndValue> AvroConverter::ToConnectData(
    std::string_view topic, const Headers& headers, const std::optional<std::string>& bytes) {
  if (!configured_) return absl::FailedPreconditionError("AvroConverter is not configured");
  if (!bytes) return SchemaAndValue{nullptr, Value()};
  absl::StatusOr<schemaregistry::WireMessage> wire = schemaregistry::ParseWireFormat(*bytes);
  if (!wire.ok()) return DeserializeError(topic, wire.status().message());
  absl::StatusOr<Reader*> reader = ReaderFor(topic, wire->schema_id);
  if (!reader.ok()) return reader.status();
  Reader& r = **reader;
  const std::string context =
      Cat("Error deserializing Avro message for id ", wire->schema_id, ": ");
  absl::StatusOr<size_t> checked = r.avro->CheckPayload(wire->payload);
  if (!checked.ok())
    return DeserializeError(topic, context + std::string(checked.status().message()));
  avro_value_reset(&r.datum);
  avro_reader_t in =
      avro_reader_memory(wire->payload.data(), static_cast<int64_t>(wire->payload.size()));
  const int rc = avro_value_read(in, &r.datum);
  avro_reader_free(in);
  if (rc != 0) return DeserializeError(topic, Cat(context, "libavro: ", avro_strerror()));
  absl::StatusOr<Value> value =
      internal::AvroToConnectValue(r.avro->root(), r.connect, &r.datum, options_);
  if (!value.ok()) return DeserializeError(topic, context + std::string(value.status().message()));
  return SchemaAndValue{r.connect, std::move(*value)};
}

absl::StatusOr<AvroConverter::Writer*> AvroConverter::WriterFor(std::string_view topic,
                                                                const SchemaPtr& schema) {
  for (const auto& w : writers_) {
    if ((w->connect == schema || w->connect->Equals(*schema))) {
      absl::StatusOr<std::string> subject = schemaregistry::SubjectName(
          strategy(), topic, is_key_, internal::AvroSchemaName(w->avro->root()));
      if (subject.ok() && *subject == w->subject) return w.get();
    }
  }
  auto writer = std::make_unique<Writer>();
  writer->connect = schema;
  absl::StatusOr<std::shared_ptr<const AvroSchema>> avro =
      internal::ConnectToAvroSchema(*schema, options_);
  if (!avro.ok()) return SerializeError(topic, avro.status().message());
  absl::StatusOr<std::string> subject = schemaregistry::SubjectName(
      strategy(), topic, is_key_, internal::AvroSchemaName((*avro)->root()));
  if (!subject.ok()) return SerializeError(topic, subject.status().message());
  writer->subject = *subject;
  RegisteredSchema registered;
  registered.schema = (*avro)->ToJson();
  absl::StatusOr<registry_converter::WriterSchema> chosen = registry_converter::ResolveWriterSchema(
      *registry_, kFailureTexts, topic, *subject, registered);
  if (!chosen.ok()) return chosen.status();
  writer->id = chosen->id;
  writer->avro = *avro;
  if (chosen->latest) {
    absl::StatusOr<std::shared_ptr<const AvroSchema>> target = ParseRegistered(*chosen->latest, 0);
    if (!target.ok()) return SerializeError(topic, target.status().message());
    writer->avro = *target;
  }
  absl::StatusOr<LibavroClass> cls = MakeLibavroClass(*writer->avro);
  if (!cls.ok()) return SerializeError(topic, cls.status().message());
  writer->libavro = cls->schema;
  writer->iface = cls->iface;
  if (writers_.size() >= cache_size_) writers_.erase(writers_.begin());
  writers_.push_back(std::move(writer));
  return writers_.back().get();
}

absl::StatusOr<std::optional<std::string>> AvroConverter::FromConnectData(std::string_view topic,
                                                                          const SchemaPtr& schema,
                                                                          const Value& value) {
  if (!configured_) return absl::FailedPreconditionError("AvroConverter is not configured");
  if (value.is_null()) {
    if (schema && !schema->optional()) {
      return SerializeError(topic, "Found null value for non-optional schema");
    }
    return std::optional<std::string>();
  }
  if (!schema) {
    return SerializeError(topic,
                          "a schemaless value cannot be written: ferry's AvroConverter writes "
                          "values with a Connect schema only");
  }
  absl::StatusOr<Writer*> writer = WriterFor(topic, schema);
  if (!writer.ok()) return writer.status();
  Writer& w = **writer;
  avro_value_t datum;
  if (avro_generic_value_new(w.iface, &datum) != 0) {
    return absl::InternalError(Cat("libavro: ", avro_strerror()));
  }
  absl::Status filled =
      internal::ConnectToAvroValue(*schema, value, w.avro->root(), &datum, options_);
  if (!filled.ok()) {
    avro_value_decref(&datum);
    return SerializeError(topic, filled.message());
  }
  size_t size = 0;
  std::string payload;
  int rc = avro_value_sizeof(&datum, &size);
  if (rc == 0) {
    payload.resize(size);
    avro_writer_t out = avro_writer_memory(payload.data(), static_cast<int64_t>(size));
    rc = avro_value_write(out, &datum);
    avro_writer_free(out);
  }
  avro_value_decref(&datum);
  if (rc != 0) return SerializeError(topic, Cat("libavro: ", avro_strerror()));
  return std::optional<std::string>(schemaregistry::WriteWireFormat(w.id, payload));
}

}  // namespace ferry
