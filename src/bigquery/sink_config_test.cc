#include "bigquery/sink_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

namespace ferry::bigquery {
namespace {

using ::testing::HasSubstr;

std::map<std::string, std::string> Base() {
  return {{"project", "p"},
          {"defaultDataset", "serverlog"},
          {"ferry.bigquery.rest.endpoint", "http://127.0.0.1:9050"},
          {"ferry.bigquery.storage.endpoint", "127.0.0.1:9060"}};
}

// The message for `key`, or "" when the key has no error.
std::string ErrorFor(const std::vector<ConfigError>& errors, const std::string& key) {
  for (const ConfigError& e : errors) {
    if (e.key == key) return e.message;
  }
  return "";
}

TEST(SinkConfigTest, MinimalEmulatorConfigIsValidWithKcbqDefaults) {
  EXPECT_THAT(ValidateBigQuerySinkConfig(Base()), ::testing::IsEmpty());
  auto settings = ParseBigQuerySinkSettings(Base());
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->project, "p");
  EXPECT_EQ(settings->default_dataset, "serverlog");
  EXPECT_TRUE(settings->auto_create_tables);
  EXPECT_FALSE(settings->sanitize_topics);
  EXPECT_FALSE(settings->sanitize_field_names);
  EXPECT_FALSE(settings->all_fields_nullable);
  EXPECT_EQ(settings->partitioning, TimePartitioningType::kDay);
  EXPECT_EQ(settings->retries, 0);
  EXPECT_EQ(settings->retry_wait, absl::Seconds(1));
  EXPECT_EQ(settings->max_in_flight, 10);
  EXPECT_EQ(settings->max_request_bytes, kDefaultMaxRequestBytes);
  EXPECT_LT(settings->max_request_bytes, kAppendRowsLimitBytes);
  EXPECT_FALSE(settings->partition_expiration_ms.has_value());
}

TEST(SinkConfigTest, DefaultsInTheTableMatchKcbq) {
  const ConfigDef& def = BigQuerySinkConfigDef();
  auto def_of = [&](const char* key) { return def.Find(key)->default_value.value_or("<none>"); };
  EXPECT_EQ(def_of("autoCreateTables"), "true");
  EXPECT_EQ(def_of("sanitizeTopics"), "false");
  EXPECT_EQ(def_of("keySource"), "FILE");
  EXPECT_EQ(def_of("timePartitioningType"), "DAY");
  EXPECT_EQ(def_of("bigQueryPartitionDecorator"), "true");
  EXPECT_EQ(def_of("bigQueryRetry"), "0");
  EXPECT_EQ(def_of("bigQueryRetryWait"), "1000");
  EXPECT_EQ(def_of("queueSize"), "-1");
  EXPECT_EQ(def_of("threadPoolSize"), "10");
  EXPECT_EQ(def_of("commitInterval"), "60");
  EXPECT_EQ(def_of("project"), "<none>");
  EXPECT_EQ(def_of("defaultDataset"), "<none>");
  EXPECT_EQ(def_of("ferry.bigquery.rest.endpoint"), "https://bigquery.googleapis.com");
  EXPECT_EQ(def_of("ferry.bigquery.storage.endpoint"), "bigquerystorage.googleapis.com:443");
  EXPECT_EQ(def_of("ferry.bigquery.write.mode"), "exactly_once");
  EXPECT_FALSE(def.Find("keyfile")->doc.empty());
  EXPECT_EQ(def.Find("keyfile")->type, ConfigType::kPassword);
}

TEST(SinkConfigTest, RequiredKeysAreReported) {
  auto props = Base();
  props.erase("project");
  props.erase("defaultDataset");
  auto errors = ValidateBigQuerySinkConfig(props);
  EXPECT_NE(ErrorFor(errors, "project"), "");
  EXPECT_NE(ErrorFor(errors, "defaultDataset"), "");
}

// Aiven's README sample names the dataset "kcbq-example", which BigQuery
// refuses; ferry says so with BigQuery's words before it starts.
TEST(SinkConfigTest, DefaultDatasetMustBeABigQueryDatasetId) {
  auto props = Base();
  props["defaultDataset"] = "kcbq-example";
  EXPECT_EQ(ErrorFor(ValidateBigQuerySinkConfig(props), "defaultDataset"),
            "Invalid dataset ID \"kcbq-example\". Dataset IDs must be alphanumeric (plus "
            "underscores) and must be at most 1024 characters long.");
  for (const char* ok : {"serverlog", "Serverlog_2", "_x", "1"}) {
    props["defaultDataset"] = ok;
    EXPECT_EQ(ErrorFor(ValidateBigQuerySinkConfig(props), "defaultDataset"), "") << ok;
  }
  props["defaultDataset"] = std::string(1025, 'a');
  EXPECT_NE(ErrorFor(ValidateBigQuerySinkConfig(props), "defaultDataset"), "");
}

TEST(SinkConfigTest, UnbuiltBehaviourIsRefusedByName) {
  auto props = Base();
  props["upsertEnabled"] = "true";
  props["deleteEnabled"] = "true";
  props["bigQueryMessageTimePartitioning"] = "true";
  props["enableBatchLoad"] = "t1";
  auto errors = ValidateBigQuerySinkConfig(props);
  for (const char* key :
       {"upsertEnabled", "deleteEnabled", "bigQueryMessageTimePartitioning", "enableBatchLoad"}) {
    EXPECT_THAT(ErrorFor(errors, key), HasSubstr("is not supported yet by ferry")) << key;
  }
  EXPECT_FALSE(ParseBigQuerySinkSettings(props).ok());
}

// kcbq 2.x keys of features ferry does not have are accepted where kcbq
// would not use them either, and refused, by name, where it would.
TEST(SinkConfigTest, Kcbq2KeysOfAbsentFeaturesAreAcceptedInertOrRefused) {
  auto props = Base();
  props["gcsBucketName"] = "bucket";
  props["gcsFolderName"] = "folder";
  props["autoCreateBucket"] = "false";
  props["batchLoadIntervalSec"] = "300";
  props["avroDataCacheSize"] = "50";
  props["intermediateTableSuffix"] = "tmp2";
  props["mergeIntervalMs"] = "-1";
  props["mergeRecordsThreshold"] = "1000";
  props["schemaRetriever"] = "com.wepay.kafka.connect.bigquery.retrieve.IdentitySchemaRetriever";
  props["max.retries"] = "10";
  props["convertDoubleSpecialValues"] = "false";
  EXPECT_THAT(ValidateBigQuerySinkConfig(props), ::testing::IsEmpty());

  props["schemaRetriever"] = "com.example.RegistryRetriever";
  props["max.retries"] = "0";
  props["convertDoubleSpecialValues"] = "true";
  props["mergeIntervalMs"] = "0";
  props["mergeRecordsThreshold"] = "-5";
  auto errors = ValidateBigQuerySinkConfig(props);
  EXPECT_THAT(ErrorFor(errors, "schemaRetriever"), HasSubstr("IdentitySchemaRetriever"));
  EXPECT_EQ(ErrorFor(errors, "max.retries"),
            "Invalid value 0 for configuration max.retries: Value must be at least 1");
  EXPECT_EQ(ErrorFor(errors, "convertDoubleSpecialValues"),
            "convertDoubleSpecialValues=true is not supported yet by ferry");
  EXPECT_THAT(ErrorFor(errors, "mergeIntervalMs"), HasSubstr("Cannot be zero"));
  EXPECT_THAT(ErrorFor(errors, "mergeRecordsThreshold"), HasSubstr("Cannot be less than -1"));
}

TEST(SinkConfigTest, Kcbq1KeysAreRefusedNamingTheirReplacement) {
  auto props = Base();
  props["datasets"] = ".*=serverlog";
  props["autoUpdateSchemas"] = "true";
  props["topicsToTables"] = "serverlog.(.*)=$1";
  props["includeKafkaData"] = "true";
  auto errors = ValidateBigQuerySinkConfig(props);
  EXPECT_THAT(ErrorFor(errors, "datasets"), HasSubstr("use defaultDataset"));
  EXPECT_THAT(ErrorFor(errors, "autoUpdateSchemas"),
              HasSubstr("allowNewBigQueryFields (new columns) and "
                        "allowBigQueryRequiredFieldRelaxation"));
  EXPECT_THAT(ErrorFor(errors, "topicsToTables"), HasSubstr("RegexRouter"));
  EXPECT_THAT(ErrorFor(errors, "includeKafkaData"), HasSubstr("kafkaDataFieldName"));
  EXPECT_EQ(errors.size(), 4u);
}

TEST(SinkConfigTest, InsertAllAndSchemaUpdatesAreSettings) {
  auto props = Base();
  props["useStorageWriteApi"] = "false";
  props["allowNewBigQueryFields"] = "true";
  props["allowBigQueryRequiredFieldRelaxation"] = "true";
  props["allowSchemaUnionization"] = "true";
  auto settings = ParseBigQuerySinkSettings(props);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->write_mode, WriteMode::kInsertAll);
  EXPECT_TRUE(settings->allow_new_fields);
  EXPECT_TRUE(settings->allow_relaxation);
  EXPECT_TRUE(settings->allow_unionization);
  // A write mode is about the Storage Write API: both together are a contradiction.
  props["ferry.bigquery.write.mode"] = "exactly_once";
  EXPECT_THAT(ErrorFor(ValidateBigQuerySinkConfig(props), "ferry.bigquery.write.mode"),
              HasSubstr("useStorageWriteApi=false"));
}

TEST(SinkConfigTest, BatchModeIsAWriteModeOfTheStorageWriteApi) {
  auto props = Base();
  props["enableBatchMode"] = "true";
  props["commitInterval"] = "15";
  auto settings = ParseBigQuerySinkSettings(props);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->write_mode, WriteMode::kBatch);
  EXPECT_EQ(settings->commit_interval, absl::Seconds(15));
  props["ferry.bigquery.write.mode"] = "exactly_once";
  EXPECT_EQ(ParseBigQuerySinkSettings(props)->write_mode, WriteMode::kBatch);
  // kcbq's range is [15, 14400] seconds.
  props["commitInterval"] = "14";
  EXPECT_NE(ErrorFor(ValidateBigQuerySinkConfig(props), "commitInterval"), "");
  props["commitInterval"] = "60";
  // Contradictions name both keys.
  props["ferry.bigquery.write.mode"] = "default_stream";
  EXPECT_THAT(ErrorFor(ValidateBigQuerySinkConfig(props), "enableBatchMode"),
              HasSubstr("default_stream"));
  props.erase("ferry.bigquery.write.mode");
  props["useStorageWriteApi"] = "false";
  EXPECT_THAT(ErrorFor(ValidateBigQuerySinkConfig(props), "enableBatchMode"),
              HasSubstr("useStorageWriteApi=false"));
}

TEST(SinkConfigTest, SupportedValuesOfRefusableKeysAreAccepted) {
  auto props = Base();
  props["useStorageWriteApi"] = "true";
  props["enableBatchMode"] = "false";
  props["upsertEnabled"] = "false";
  props["allowNewBigQueryFields"] = "false";
  props["keySource"] = "JSON";
  props["ferry.bigquery.write.mode"] = "default_stream";
  EXPECT_THAT(ValidateBigQuerySinkConfig(props), ::testing::IsEmpty());
}

TEST(SinkConfigTest, WriteModeDefaultsToExactlyOnce) {
  auto props = Base();
  auto settings = ParseBigQuerySinkSettings(props);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->write_mode, WriteMode::kExactlyOnce);
  props["ferry.bigquery.write.mode"] = "committed";
  EXPECT_EQ(ParseBigQuerySinkSettings(props)->write_mode, WriteMode::kExactlyOnce);
  props["ferry.bigquery.write.mode"] = "default_stream";
  EXPECT_EQ(ParseBigQuerySinkSettings(props)->write_mode, WriteMode::kDefaultStream);
  props["ferry.bigquery.write.mode"] = "twice";
  EXPECT_NE(ErrorFor(ValidateBigQuerySinkConfig(props), "ferry.bigquery.write.mode"), "");
}

TEST(SinkConfigTest, CredentialsAndGoogleEndpointsAreAccepted) {
  auto props = Base();
  props["keySource"] = "APPLICATION_DEFAULT";
  EXPECT_THAT(ValidateBigQuerySinkConfig(props), ::testing::IsEmpty());

  auto google = Base();
  google.erase("ferry.bigquery.rest.endpoint");
  google.erase("ferry.bigquery.storage.endpoint");
  google["keyfile"] = "/etc/key.json";
  google["ferry.bigquery.token.endpoint"] = "http://127.0.0.1:1/token";
  EXPECT_THAT(ValidateBigQuerySinkConfig(google), ::testing::IsEmpty());
  auto settings = ParseBigQuerySinkSettings(google);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->keyfile, "/etc/key.json");
  EXPECT_EQ(settings->key_source, "FILE");
  EXPECT_EQ(settings->token_endpoint, "http://127.0.0.1:1/token");
}

TEST(SinkConfigTest, BadValuesAreAllReportedAtOnce) {
  auto props = Base();
  props["timePartitioningType"] = "WEEK";
  props["clusteringPartitionFieldNames"] = "a,b,c,d,e";
  props["partitionExpirationMs"] = "0";
  props["bigQueryRetry"] = "-1";
  props["threadPoolSize"] = "0";
  props["commitInterval"] = "10";
  props["keySource"] = "KEYRING";
  props["kafkaDataFieldName"] = "";
  props["ferry.bigquery.max.request.bytes"] = "20000000";
  props["topic2TableMap"] = "a:b:c";
  auto errors = ValidateBigQuerySinkConfig(props);
  for (const char* key :
       {"timePartitioningType", "clusteringPartitionFieldNames", "partitionExpirationMs",
        "bigQueryRetry", "threadPoolSize", "commitInterval", "keySource", "kafkaDataFieldName",
        "ferry.bigquery.max.request.bytes", "topic2TableMap"}) {
    EXPECT_NE(ErrorFor(errors, key), "") << key;
  }
  EXPECT_THAT(ErrorFor(errors, "clusteringPartitionFieldNames"), HasSubstr("up to four"));
}

TEST(SinkConfigTest, PartitionFieldWithoutPartitioningIsRefused) {
  auto props = Base();
  props["timePartitioningType"] = "NONE";
  props["timestampPartitionFieldName"] = "ce_time";
  EXPECT_NE(ErrorFor(ValidateBigQuerySinkConfig(props), "timestampPartitionFieldName"), "");
}

TEST(SinkConfigTest, Topic2TableMapFollowsKcbqRules) {
  auto map = ParseTopic2TableMap("serverlog.member:serverlog_kafka, other : other_table");
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_EQ(map->at("serverlog.member"), "serverlog_kafka");
  EXPECT_EQ(map->at("other"), "other_table");
  EXPECT_TRUE(ParseTopic2TableMap("").ok());
  EXPECT_THAT(std::string(ParseTopic2TableMap("a:x,a:y").status().message()),
              HasSubstr("topic name a is duplicated"));
  // n:1 since kcbq 2.5.3 ("Support n:1 to topic2TableMap").
  auto many_to_one = ParseTopic2TableMap("a:x,b:x");
  ASSERT_TRUE(many_to_one.ok()) << many_to_one.status();
  EXPECT_EQ(many_to_one->at("a"), "x");
  EXPECT_EQ(many_to_one->at("b"), "x");
  EXPECT_FALSE(ParseTopic2TableMap("a:").ok());
  EXPECT_FALSE(ParseTopic2TableMap("a").ok());
}

TEST(SinkConfigTest, SettingsCarryEveryAcceptedKey) {
  auto props = Base();
  props["topic2TableMap"] = "t:tab";
  props["sanitizeTopics"] = "true";
  props["sanitizeFieldNames"] = "true";
  props["autoCreateTables"] = "false";
  props["allBQFieldsNullable"] = "true";
  props["timestampPartitionFieldName"] = "ce_time";
  props["timePartitioningType"] = "HOUR";
  props["clusteringPartitionFieldNames"] = "ce_type,ce_subject";
  props["partitionExpirationMs"] = "86400000";
  props["kafkaKeyFieldName"] = "kafka_key";
  props["kafkaDataFieldName"] = "kafka";
  props["bigQueryRetry"] = "3";
  props["bigQueryRetryWait"] = "250";
  props["threadPoolSize"] = "4";
  props["ferry.bigquery.max.request.bytes"] = "2000000";
  auto s = ParseBigQuerySinkSettings(props);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->topic_to_table.at("t"), "tab");
  EXPECT_TRUE(s->sanitize_topics);
  EXPECT_TRUE(s->sanitize_field_names);
  EXPECT_FALSE(s->auto_create_tables);
  EXPECT_TRUE(s->all_fields_nullable);
  EXPECT_EQ(s->timestamp_partition_field, "ce_time");
  EXPECT_EQ(s->partitioning, TimePartitioningType::kHour);
  EXPECT_EQ(s->clustering_fields, (std::vector<std::string>{"ce_type", "ce_subject"}));
  EXPECT_EQ(s->partition_expiration_ms, 86400000);
  EXPECT_EQ(s->kafka_key_field, "kafka_key");
  EXPECT_EQ(s->kafka_data_field, "kafka");
  EXPECT_EQ(s->retries, 3);
  EXPECT_EQ(s->retry_wait, absl::Milliseconds(250));
  EXPECT_EQ(s->max_in_flight, 4);
  EXPECT_EQ(s->max_request_bytes, 2000000);
}

TEST(SinkConfigTest, GoogleEndpointsAreRecognised) {
  EXPECT_TRUE(IsGoogleEndpoint("https://bigquery.googleapis.com"));
  EXPECT_TRUE(IsGoogleEndpoint("bigquerystorage.googleapis.com:443"));
  EXPECT_FALSE(IsGoogleEndpoint("http://127.0.0.1:9050"));
  EXPECT_FALSE(IsGoogleEndpoint("notgoogleapis.com:443"));
}

}  // namespace
}  // namespace ferry::bigquery

namespace ferry::bigquery {
namespace {

TEST(SinkConfigTest, ForkKeysHaveTheForksDefaults) {
  const ConfigDef& def = BigQuerySinkConfigDef();
  auto def_of = [&](const char* key) {
    const ConfigKey* k = def.Find(key);
    EXPECT_NE(k, nullptr) << key;
    return k == nullptr ? std::string("<undefined>") : k->default_value.value_or("<none>");
  };
  EXPECT_EQ(def_of("enableRetries"), "true");
  EXPECT_EQ(def_of("max.retries"), "10");
  EXPECT_EQ(def_of("convertDebeziumTimestampToInteger"), "false");
  EXPECT_EQ(def_of("decimalHandlingMode"), "");  // unset: ferry's NUMERIC/BIGNUMERIC (doc).
  EXPECT_EQ(def_of("variableScaleDecimalHandlingMode"), "RECORD");
  EXPECT_EQ(def_of("convertDebeziumVariableScaleDecimal"), "false");
  EXPECT_EQ(def_of("ignoreUnknownFields"), "false");
  EXPECT_EQ(def_of("trackPutAttempts"), "false");
  EXPECT_EQ(def_of("preserveKafkaTopicPartitionOffset"), "false");
  EXPECT_EQ(def_of("useCredentialsProjectId"), "false");
  EXPECT_EQ(def_of("mediateConcurrentSchemaUpdates"), "false");
  EXPECT_EQ(def_of("concurrentSchemaUpdateMaxRetries"), "3");
  EXPECT_EQ(def_of("concurrentSchemaUpdateRetryWaitMs"), "10000");
  EXPECT_THAT(def.Find("decimalHandlingMode")->doc,
              HasSubstr("existing FLOAT column as the nearest double"));

  auto settings = ParseBigQuerySinkSettings(Base());
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_FALSE(settings->decimal_handling.has_value());
  EXPECT_EQ(settings->variable_scale_decimal_handling, DecimalHandling::kRecord);
  EXPECT_FALSE(settings->debezium_timestamp_as_integer);
  EXPECT_FALSE(settings->ignore_unknown_fields);
  EXPECT_FALSE(settings->track_put_attempts);
  EXPECT_FALSE(settings->original_coordinates);
  EXPECT_FALSE(settings->mediate_concurrent_updates);
  EXPECT_EQ(settings->concurrent_update_retries, 3);
  EXPECT_EQ(settings->concurrent_update_wait, absl::Seconds(10));
}

TEST(SinkConfigTest, ForkKeysParse) {
  auto props = Base();
  props["convertDebeziumTimestampToInteger"] = "true";
  props["decimalHandlingMode"] = "float";  // case-insensitive, as Aiven's.
  props["variableScaleDecimalHandlingMode"] = "BigNumeric";
  props["ignoreUnknownFields"] = "true";
  props["trackPutAttempts"] = "true";
  props["kafkaDataFieldName"] = "kafka";
  props["preserveKafkaTopicPartitionOffset"] = "true";
  props["useCredentialsProjectId"] = "true";
  props["mediateConcurrentSchemaUpdates"] = "true";
  props["concurrentSchemaUpdateMaxRetries"] = "5";
  props["concurrentSchemaUpdateRetryWaitMs"] = "0";
  EXPECT_THAT(ValidateBigQuerySinkConfig(props), ::testing::IsEmpty());
  auto settings = ParseBigQuerySinkSettings(props);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_TRUE(settings->debezium_timestamp_as_integer);
  EXPECT_EQ(settings->decimal_handling, DecimalHandling::kFloat);
  EXPECT_EQ(settings->variable_scale_decimal_handling, DecimalHandling::kBignumeric);
  EXPECT_TRUE(settings->ignore_unknown_fields);
  EXPECT_TRUE(settings->track_put_attempts);
  EXPECT_TRUE(settings->original_coordinates);
  EXPECT_TRUE(settings->use_credentials_project_id);
  EXPECT_TRUE(settings->mediate_concurrent_updates);
  EXPECT_EQ(settings->concurrent_update_retries, 5);
  EXPECT_EQ(settings->concurrent_update_wait, absl::ZeroDuration());

  auto bad = Base();
  bad["decimalHandlingMode"] = "DOUBLE";
  bad["variableScaleDecimalHandlingMode"] = "";
  bad["concurrentSchemaUpdateMaxRetries"] = "0";
  bad["concurrentSchemaUpdateRetryWaitMs"] = "300001";
  auto errors = ValidateBigQuerySinkConfig(bad);
  EXPECT_THAT(ErrorFor(errors, "decimalHandlingMode"),
              HasSubstr("RECORD, FLOAT, NUMERIC, BIGNUMERIC"));
  EXPECT_THAT(ErrorFor(errors, "variableScaleDecimalHandlingMode"),
              HasSubstr("RECORD, FLOAT, NUMERIC, BIGNUMERIC"));
  EXPECT_THAT(ErrorFor(errors, "concurrentSchemaUpdateMaxRetries"), HasSubstr("at least 1"));
  EXPECT_THAT(ErrorFor(errors, "concurrentSchemaUpdateRetryWaitMs"), HasSubstr("300000"));
}

TEST(SinkConfigTest, TrackPutAttemptsNeedsTheKafkaDataField) {
  auto props = Base();
  props["trackPutAttempts"] = "true";
  auto errors = ValidateBigQuerySinkConfig(props);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].ignorable);  // a warning: the config runs.
  EXPECT_THAT(errors[0].message, HasSubstr("kafkaDataFieldName is not set"));
  auto settings = ParseBigQuerySinkSettings(props);
  ASSERT_TRUE(settings.ok());
  EXPECT_FALSE(settings->track_put_attempts);
}

// Aiven's getVariableScaleDecimalHandlingMode.
TEST(SinkConfigTest, DeprecatedConvertDebeziumVariableScaleDecimal) {
  auto props = Base();
  props["convertDebeziumVariableScaleDecimal"] = "true";
  auto errors = ValidateBigQuerySinkConfig(props);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].ignorable);
  EXPECT_THAT(errors[0].message, HasSubstr("deprecated"));
  EXPECT_THAT(errors[0].message, HasSubstr("variableScaleDecimalHandlingMode=NUMERIC"));
  EXPECT_EQ(ParseBigQuerySinkSettings(props)->variable_scale_decimal_handling,
            DecimalHandling::kNumeric);
  // At its default, even when written out, the old key still counts...
  props["variableScaleDecimalHandlingMode"] = "RECORD";
  EXPECT_EQ(ParseBigQuerySinkSettings(props)->variable_scale_decimal_handling,
            DecimalHandling::kNumeric);
  // ... and otherwise the new key decides.
  props["variableScaleDecimalHandlingMode"] = "FLOAT";
  EXPECT_EQ(ParseBigQuerySinkSettings(props)->variable_scale_decimal_handling,
            DecimalHandling::kFloat);
  EXPECT_THAT(ValidateBigQuerySinkConfig(props)[0].message, HasSubstr("has no effect"));
  props["convertDebeziumVariableScaleDecimal"] = "false";
  EXPECT_THAT(ValidateBigQuerySinkConfig(props), ::testing::IsEmpty());
}

TEST(SinkConfigTest, EnableRetriesAndMaxRetriesLimitTheTasksRestarts) {
  auto props = Base();
  EXPECT_EQ(KcbqRestartLimit(props), std::nullopt);  // neither: ferry's own key decides.
  props["max.retries"] = "4";
  EXPECT_THAT(ValidateBigQuerySinkConfig(props), ::testing::IsEmpty());  // any value >= 1.
  EXPECT_EQ(KcbqRestartLimit(props), 4);                                 // enableRetries=true.
  props["enableRetries"] = "false";
  EXPECT_EQ(KcbqRestartLimit(props), -1);  // retried for ever.
  props.erase("max.retries");
  EXPECT_EQ(KcbqRestartLimit(props), -1);
  props["enableRetries"] = "TRUE";
  EXPECT_EQ(KcbqRestartLimit(props), 10);  // kcbq's default max.retries.

  // ferry.task.restart.max.attempts, when set, decides; the kcbq keys warn.
  props["max.retries"] = "4";
  props["ferry.task.restart.max.attempts"] = "2";
  EXPECT_EQ(KcbqRestartLimit(props), std::nullopt);
  std::map<std::string, bool> warned;
  for (const ConfigError& e : ValidateBigQuerySinkConfig(props)) {
    EXPECT_THAT(e.message, HasSubstr("ferry.task.restart.max.attempts is set"));
    warned[e.key] = e.ignorable;
  }
  EXPECT_EQ(warned, (std::map<std::string, bool>{{"enableRetries", true}, {"max.retries", true}}));
}

}  // namespace
}  // namespace ferry::bigquery
