#include "convert/registry_converter.h"

#include <algorithm>
#include <utility>

#include "convert/converter.h"

namespace ferry::registry_converter {

ConfigDef* NewDefinition(const std::string& group) {
  auto* def = new ConfigDef();
  def->Define(ConverterTypeConfigKey());
  for (ConfigKey& key : schemaregistry::ConfigKeys()) def->Define(std::move(key));
  def->Define({.name = "schemas.cache.config",
               .type = ConfigType::kInt,
               .default_value = "1000",
               .importance = Importance::kLow,
               .doc = "Size of the converted schemas cache (ferry: values below 1 count as 1, as "
                      "Confluent's)",
               .group = group});
  return def;
}

void DefineFlag(ConfigDef& def, const std::string& group, std::string name, bool default_value,
                Importance importance, std::string doc) {
  def.Define({.name = std::move(name),
              .type = ConfigType::kBoolean,
              .default_value = default_value ? "true" : "false",
              .importance = importance,
              .doc = std::move(doc),
              .group = group});
}

absl::StatusOr<Configured> Configure(const ConfigDef& def,
                                     const std::map<std::string, std::string>& props, bool is_key) {
  absl::StatusOr<ParsedConfig> parsed =
      def.Parse(WithConverterType(props, is_key ? "key" : "value"));
  if (!parsed.ok()) return parsed.status();
  absl::StatusOr<schemaregistry::ClientConfig> client =
      schemaregistry::ClientConfigFromParsed(*parsed);
  if (!client.ok()) return client.status();
  absl::StatusOr<std::unique_ptr<schemaregistry::SchemaRegistryClient>> registry =
      schemaregistry::SchemaRegistryClient::Create(std::move(*client));
  if (!registry.ok()) return absl::InvalidArgumentError(registry.status().message());
  Configured out;
  out.cache_size = static_cast<size_t>(std::max(1, parsed->GetInt("schemas.cache.config")));
  out.parsed = std::move(*parsed);
  out.registry = std::move(*registry);
  return out;
}

schemaregistry::SubjectNameStrategy Strategy(const schemaregistry::SchemaRegistryClient& registry,
                                             bool is_key) {
  return is_key ? registry.config().key_subject_name_strategy
                : registry.config().value_subject_name_strategy;
}

}  // namespace ferry::registry_converter
