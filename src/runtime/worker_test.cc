#include "runtime/worker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ferry::runtime {
namespace {

using ::testing::IsEmpty;

std::map<std::string, std::string> Serverlog() {
  return {{"name", "serverlog"},
          {"connector.class", "com.wepay.kafka.connect.bigquery.BigQuerySinkConnector"},
          {"tasks.max", "3"},
          {"topics", "serverlog.member"},
          {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
          {"value.converter", "io.ferry.converters.CloudEventsConverter"},
          {"project", "ferry-local"},
          {"defaultDataset", "serverlog"},
          {"topic2TableMap", "serverlog.member:serverlog_kafka"},
          {"timestampPartitionFieldName", "ce_time"},
          {"clusteringPartitionFieldNames", "ce_type,ce_subject"},
          {"kafkaDataFieldName", "kafka"},
          {"ferry.bigquery.rest.endpoint", "http://127.0.0.1:9050"},
          {"ferry.bigquery.storage.endpoint", "127.0.0.1:9060"}};
}

std::map<std::string, std::string> ErrorsByKey(const std::map<std::string, std::string>& props) {
  std::map<std::string, std::string> out;
  for (const ConfigError& e : ValidateConnectorConfig(props)) out[e.key] = e.message;
  return out;
}

TEST(ValidateConnectorConfigTest, TheServerlogExampleIsValid) {
  EXPECT_THAT(ValidateConnectorConfig(Serverlog()), IsEmpty());
}

TEST(ValidateConnectorConfigTest, ReportsEveryProblemByKey) {
  auto props = Serverlog();
  props["tasks.mx"] = "2";
  props["producer.override.no.such.property"] = "1";  // the dead-letter queue's producer.
  props["consumer.override.no.such.property"] = "1";
  props["consumer.override.max.poll.records"] = "many";
  props["consumer.override.group.id"] = "other";
  props["value.converter"] = "com.example.NoSuchConverter";
  auto errors = ErrorsByKey(props);
  EXPECT_EQ(errors.size(), 6u);
  EXPECT_EQ(errors["tasks.mx"], "Unknown configuration \"tasks.mx\" (did you mean \"tasks.max\"?)");
  EXPECT_THAT(errors["producer.override.no.such.property"],
              ::testing::HasSubstr("No such configuration property"));
  EXPECT_THAT(errors["consumer.override.no.such.property"],
              ::testing::HasSubstr("No such configuration property"));
  EXPECT_THAT(errors["consumer.override.max.poll.records"], ::testing::HasSubstr("many"));
  EXPECT_THAT(errors["consumer.override.group.id"], ::testing::HasSubstr("connect-<name>"));
  EXPECT_THAT(errors["value.converter"], ::testing::HasSubstr("NoSuchConverter"));
}

TEST(ValidateConnectorConfigTest, Kcbq1KeysAreAnsweredOnceWithTheirReplacement) {
  auto props = Serverlog();
  props["autoUpdateSchemas"] = "true";
  props["autoUpdateSchema"] = "true";  // a typo of nothing current: unknown.
  auto errors = ErrorsByKey(props);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_THAT(errors["autoUpdateSchemas"], ::testing::StartsWith("removed in kcbq 2.0: use "));
  EXPECT_THAT(errors["autoUpdateSchema"], ::testing::StartsWith("Unknown configuration"));
}

TEST(ValidateConnectorConfigTest, AcceptsLibrdkafkaAndJavaConsumerOverrides) {
  auto props = Serverlog();
  props["consumer.override.max.poll.records"] = "1000";
  props["consumer.override.fetch.max.bytes"] = "10485760";
  props["consumer.override.auto.offset.reset"] = "latest";
  EXPECT_THAT(ValidateConnectorConfig(props), IsEmpty());
}

}  // namespace
}  // namespace ferry::runtime
