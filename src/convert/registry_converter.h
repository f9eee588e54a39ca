// What the Schema Registry converters (AvroConverter, ProtobufConverter,
// JsonSchemaConverter) share: the head of their key table and the part of
// Configure that reads the registry client's keys.
#ifndef FERRY_CONVERT_REGISTRY_CONVERTER_H_
#define FERRY_CONVERT_REGISTRY_CONVERTER_H_

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "config/config_def.h"
#include "schemaregistry/client.h"

namespace ferry::registry_converter {

// A key table holding converter.type, the registry client's keys
// (schemaregistry::ConfigKeys()) and schemas.cache.config (default 1000) in
// `group`; the converter adds its own keys.
ConfigDef* NewDefinition(const std::string& group);

// Defines a boolean key in `group`.
void DefineFlag(ConfigDef& def, const std::string& group, std::string name, bool default_value,
                Importance importance, std::string doc);

struct Configured {
  ParsedConfig parsed;
  std::unique_ptr<schemaregistry::SchemaRegistryClient> registry;
  size_t cache_size = 1;  // schemas.cache.config, at least 1 as Confluent's.
};

// Parses props with `def` (converter.type set from is_key) and creates the
// registry client; InvalidArgument listing every problem.
absl::StatusOr<Configured> Configure(const ConfigDef& def,
                                     const std::map<std::string, std::string>& props, bool is_key);

// The subject name strategy for the record key or value.
schemaregistry::SubjectNameStrategy Strategy(const schemaregistry::SchemaRegistryClient& registry,
                                             bool is_key);

// Confluent's texts for one format's registry failures.
struct FailureTexts {
  const char* serializing;                   // "serializing Avro data"
  const char* access_serializing;            // "Failed to serialize Avro data from topic "
  const char* access_deserializing;          // "Failed to access Avro data from topic "
  const char* access_separator;              // ": " (JSON Schema's: " : ")
  const char* invalid_serializing;           // "Failed to serialize Avro data from topic "
  const char* invalid_deserializing;         // "Failed to deserialize data for topic "
  const char* invalid_deserializing_suffix;  // " to Avro" (after the topic)
  const char* schema_noun;  // "Avro schema " (the writer's "Error registering …")
};

// A record that cannot be converted: InvalidArgument with Confluent's text
// ("Failed to deserialize data for topic t to Avro: cause").
absl::Status RecordError(const FailureTexts& texts, bool serializing, std::string_view topic,
                         const std::string& cause);

// Schema references nest at most this deep (a cycle would not end).
inline constexpr int kMaxReferenceDepth = 32;

inline const char* KeyOrValue(bool is_key) { return is_key ? "key" : "value"; }

// A registry failure while handling a record of `topic`, `what` saying what
// was asked: not the record's fault when no registry answered (Unavailable)
// or the credentials were refused (the code kept); otherwise (the id, subject
// or version does not exist, the schema is invalid) the record cannot be
// converted: InvalidArgument, record-fatal.
absl::Status RegistryFailure(const FailureTexts& texts, const absl::Status& s,
                             std::string_view topic, bool serializing, const std::string& what);

// The schema a writer uses for `registered` in `subject`, as Confluent's
// serializers choose it: auto.register.schemas registers it,
// use.latest.version takes the subject's latest version (`latest`),
// otherwise it is looked up. Failures as RegistryFailure's.
struct WriterSchema {
  int id = 0;
  std::optional<schemaregistry::RegisteredSchema> latest;
};
absl::StatusOr<WriterSchema> ResolveWriterSchema(
    schemaregistry::SchemaRegistryClient& registry, const FailureTexts& texts,
    std::string_view topic, const std::string& subject,
    const schemaregistry::RegisteredSchema& registered);

}  // namespace ferry::registry_converter

#endif  // FERRY_CONVERT_REGISTRY_CONVERTER_H_
