// The config corpus (examples/configs): realistic connector configs as users
// run them on Kafka Connect, which must validate unchanged, and invalid ones
// whose every problem is answered, by key, with exactly these messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <string>

#include "config/config_providers.h"
#include "config/properties.h"
#include "runtime/worker.h"

namespace ferry::runtime {
namespace {

using Messages = std::map<std::string, std::string>;

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".properties") out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every problem of a config file, by key, as `ferry validate` finds them
// (config providers resolved with the defaults: env, file, dir).
Messages Validate(const std::string& path) {
  Messages out;
  auto file = LoadConfigFile(path);
  EXPECT_TRUE(file.ok()) << file.status();
  if (!file.ok()) return out;
  std::vector<ConfigError> errors;
  const ConfigProviders providers = *ConfigProviders::FromWorkerConfig({});
  ResolvedConfig resolved = providers.ResolveAll(file->props, &errors);
  for (ConfigError& e : ValidateConnectorConfig(resolved.props)) errors.push_back(std::move(e));
  for (const ConfigError& e : errors) out[e.key] = e.message;
  return out;
}

TEST(ConfigCorpusTest, EveryValidConfigValidatesUnchanged) {
  ASSERT_EQ(setenv("FERRY_CORPUS_SLACK_WEBHOOK", "https://hooks.slack.com/services/T0/B0/x", 1), 0);
  const std::vector<std::string> files = Files(FERRY_EXAMPLES_DIR "/configs/valid");
  EXPECT_GE(files.size(), 12u);
  for (const std::string& f : files) EXPECT_THAT(Validate(f), ::testing::IsEmpty()) << f;
}

TEST(ConfigCorpusTest, EveryInvalidConfigGetsExactlyItsMessages) {
  const std::map<std::string, Messages> expected = {
      {"01-kcbq1-keys.properties",
       {{"datasets",
         "removed in kcbq 2.0: use defaultDataset (a topic named <dataset>:<table>, e.g. made with "
         "RegexRouter, goes to that dataset; topic2TableMap names tables)"},
        {"autoUpdateSchemas",
         "removed in kcbq 2.0: use allowNewBigQueryFields (new columns) and "
         "allowBigQueryRequiredFieldRelaxation (REQUIRED to NULLABLE)"}}},
      {"02-typos.properties",
       {{"allowNewBigqueryFields",
         "Unknown configuration \"allowNewBigqueryFields\" (did you mean "
         "\"allowNewBigQueryFields\"?)"},
        {"errors.tolerence",
         "Unknown configuration \"errors.tolerence\" (did you mean \"errors.tolerance\"?)"},
        {"tasks.mx", "Unknown configuration \"tasks.mx\" (did you mean \"tasks.max\"?)"}}},
      {"03-topics-and-regex.properties",
       {{"topics", "topics and topics.regex are mutually exclusive options, but both are set."},
        {"topics.regex",
         "topics and topics.regex are mutually exclusive options, but both are set."}}},
      {"04-dlq-is-a-topic.properties",
       {{"errors.deadletterqueue.topic.name",
         "The DLQ topic 'events-dlq' may not be included in the list of topics "
         "('topics=events,events-dlq') consumed by the connector"}}},
      {"05-bad-transforms.properties",
       {{"transforms.a.type",
         "Missing required configuration \"transforms.a.type\" which has no default value."},
        {"transforms.b.type",
         "Invalid value org.apache.kafka.connect.transforms.Unwrap for configuration "
         "transforms.b.type: Class org.apache.kafka.connect.transforms.Unwrap could not be found."},
        {"transforms.c.field.syntax.version",
         "Unknown configuration 'transforms.c.field.syntax.version' for "
         "org.apache.kafka.connect.transforms.Cast$Value (its keys: spec, "
         "replace.null.with.default)"}}},
      {"06-unsupported-features.properties",
       {{"enableBatchLoad", "enableBatchLoad (GCS batch loading) is not supported yet by ferry"},
        {"upsertEnabled", "upsertEnabled=true is not supported yet by ferry"},
        {"deleteEnabled", "deleteEnabled=true is not supported yet by ferry"}}},
      {"07-unavailable-converter.properties",
       {{"value.converter",
         "Converter class io.apicurio.registry.utils.converter.AvroConverter is not available "
         "in ferry; available: org.apache.kafka.connect.json.JsonConverter, "
         "org.apache.kafka.connect.storage.StringConverter, "
         "org.apache.kafka.connect.converters.ByteArrayConverter, "
         "io.ferry.converters.CloudEventsConverter, io.confluent.connect.avro.AvroConverter, "
         "io.confluent.connect.protobuf.ProtobufConverter, "
         "io.confluent.connect.json.JsonSchemaConverter"}}},
      {"08-bad-values.properties",
       {{"tasks.max", "Invalid value 0 for configuration tasks.max: Value must be at least 1"},
        {"errors.tolerance",
         "Invalid value some for configuration errors.tolerance: String must be one of: none, all"},
        {"timePartitioningType",
         "Invalid value WEEK for configuration timePartitioningType: String must be one of: HOUR, "
         "DAY, MONTH, YEAR, NONE"},
        {"clusteringPartitionFieldNames",
         "Invalid value a,b,c,d,e for configuration clusteringPartitionFieldNames: You may only "
         "specify up to four clustering field names."},
        {"commitInterval",
         "Invalid value 5 for configuration commitInterval: Value must be at least 15"}}}};
  const std::vector<std::string> files = Files(FERRY_EXAMPLES_DIR "/configs/invalid");
  EXPECT_GE(files.size(), 8u);
  EXPECT_EQ(files.size(), expected.size());
  for (const std::string& f : files) {
    const std::string name = std::filesystem::path(f).filename().string();
    auto it = expected.find(name);
    ASSERT_NE(it, expected.end()) << name << " has no expected messages";
    EXPECT_EQ(Validate(f), it->second) << name;
  }
}

}  // namespace
}  // namespace ferry::runtime
