#include "convert/registry_converter.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
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

absl::Status RegistryFailure(const FailureTexts& texts, const absl::Status& s,
                             std::string_view topic, bool serializing, const std::string& what) {
  const std::string cause = absl::StrCat(what, ": ", std::string(s.message()));
  const std::string t(topic);
  switch (s.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return absl::UnavailableError(
          absl::StrCat("Network connection error while ",
                       serializing ? std::string(texts.serializing) : "deserializing data",
                       " for topic ", t, ": ", cause));
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kInternal:
      return absl::Status(s.code(), absl::StrCat(serializing ? texts.access_serializing
                                                             : texts.access_deserializing,
                                                 t, texts.access_separator, cause));
    default:
      return RecordError(texts, serializing, topic, cause);
  }
}

absl::Status RecordError(const FailureTexts& texts, bool serializing, std::string_view topic,
                         const std::string& cause) {
  const std::string t(topic);
  return absl::InvalidArgumentError(
      serializing ? absl::StrCat(texts.invalid_serializing, t, ": ", cause)
                  : absl::StrCat(texts.invalid_deserializing, t, texts.invalid_deserializing_suffix,
                                 ": ", cause));
}

absl::StatusOr<WriterSchema> ResolveWriterSchema(
    schemaregistry::SchemaRegistryClient& registry, const FailureTexts& texts,
    std::string_view topic, const std::string& subject,
    const schemaregistry::RegisteredSchema& registered) {
  const schemaregistry::ClientConfig& config = registry.config();
  WriterSchema out;
  if (config.auto_register_schemas) {
    absl::StatusOr<int> id = registry.Register(subject, registered);
    if (!id.ok()) {
      return RegistryFailure(
          texts, id.status(), topic, true,
          absl::StrCat("Error registering ", texts.schema_noun, registered.schema));
    }
    out.id = *id;
  } else if (config.use_latest_version) {
    absl::StatusOr<schemaregistry::SubjectVersion> latest = registry.LatestVersion(subject);
    if (!latest.ok()) {
      return RegistryFailure(texts, latest.status(), topic, true,
                             absl::StrCat("Error retrieving latest version of ", subject));
    }
    out.id = latest->schema.id;
    out.latest = latest->schema;
  } else {
    absl::StatusOr<schemaregistry::SubjectVersion> found = registry.Lookup(subject, registered);
    if (!found.ok()) {
      return RegistryFailure(
          texts, found.status(), topic, true,
          absl::StrCat("Error retrieving ", texts.schema_noun, registered.schema));
    }
    out.id = found->schema.id;
  }
  return out;
}

}  // namespace ferry::registry_converter
