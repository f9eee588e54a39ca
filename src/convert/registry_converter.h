// What the Schema Registry converters (AvroConverter, ProtobufConverter,
// JsonSchemaConverter) share: the head of their key table and the part of
// Configure that reads the registry client's keys.
#ifndef FERRY_CONVERT_REGISTRY_CONVERTER_H_
#define FERRY_CONVERT_REGISTRY_CONVERTER_H_

#include <cstddef>
#include <map>
#include <memory>
#include <string>

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

}  // namespace ferry::registry_converter

#endif  // FERRY_CONVERT_REGISTRY_CONVERTER_H_
