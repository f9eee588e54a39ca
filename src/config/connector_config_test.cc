#include "config/connector_config.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

using Props = std::map<std::string, std::string>;

Props MinimalSink() {
  return {{"name", "bq-sink"},
          {"connector.class", "com.wepay.kafka.connect.bigquery.BigQuerySinkConnector"},
          {"topics", "serverlog"}};
}

TEST(SinkConnectorConfigDefTest, DefaultsAsConnect) {
  absl::StatusOr<ParsedConfig> c = SinkConnectorConfigDef().Parse(MinimalSink());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->GetString("name"), "bq-sink");
  EXPECT_EQ(c->GetInt("tasks.max"), 1);
  EXPECT_THAT(c->GetList("topics"), ElementsAre("serverlog"));
  EXPECT_EQ(c->GetString("topics.regex"), "");
  EXPECT_FALSE(c->Has("key.converter"));
  EXPECT_FALSE(c->Has("value.converter"));
  EXPECT_FALSE(c->Has("header.converter"));
  EXPECT_EQ(c->GetString("config.action.reload"), "restart");
  EXPECT_THAT(c->GetList("transforms"), IsEmpty());
  EXPECT_THAT(c->GetList("predicates"), IsEmpty());
  EXPECT_EQ(c->GetLong("errors.retry.timeout"), 0);
  EXPECT_EQ(c->GetLong("errors.retry.delay.max.ms"), 60000);
  EXPECT_EQ(c->GetString("errors.tolerance"), "none");
  EXPECT_FALSE(c->GetBool("errors.log.enable"));
  EXPECT_FALSE(c->GetBool("errors.log.include.messages"));
  EXPECT_EQ(c->GetString("errors.deadletterqueue.topic.name"), "");
  EXPECT_EQ(c->GetInt("errors.deadletterqueue.topic.replication.factor"), 3);
  EXPECT_FALSE(c->GetBool("errors.deadletterqueue.context.headers.enable"));
}

TEST(SinkConnectorConfigDefTest, FullConfig) {
  Props props = MinimalSink();
  props["tasks.max"] = "4";
  props["key.converter"] = "org.apache.kafka.connect.storage.StringConverter";
  props["transforms"] = "route, flatten";
  props["errors.tolerance"] = "all";
  props["errors.deadletterqueue.topic.name"] = "serverlog-dlq";
  props["errors.deadletterqueue.context.headers.enable"] = "true";
  props["errors.retry.timeout"] = "-1";
  props["transforms.route.type"] = "org.apache.kafka.connect.transforms.RegexRouter";
  absl::StatusOr<ParsedConfig> c = SinkConnectorConfigDef().Parse(props);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->GetInt("tasks.max"), 4);
  EXPECT_TRUE(c->Has("key.converter"));
  EXPECT_THAT(c->GetList("transforms"), ElementsAre("route", "flatten"));
  EXPECT_EQ(c->GetLong("errors.retry.timeout"), -1);
  EXPECT_THAT(c->OriginalsWithPrefix("transforms.route."),
              ElementsAre(Pair("type", "org.apache.kafka.connect.transforms.RegexRouter")));
}

TEST(SinkConnectorConfigDefTest, TopicsAndTopicsRegexBothSet) {
  Props props = MinimalSink();
  props["topics.regex"] = "serverlog.*";
  const std::string message =
      "topics and topics.regex are mutually exclusive options, but both "
      "are set.";
  EXPECT_THAT(SinkConnectorConfigDef().Validate(props),
              ElementsAre(ConfigError{"topics", message}, ConfigError{"topics.regex", message}));
}

TEST(SinkConnectorConfigDefTest, NeitherTopicsNorRegex) {
  Props props = MinimalSink();
  props.erase("topics");
  const std::string message = "Must configure one of topics or topics.regex";
  EXPECT_THAT(SinkConnectorConfigDef().Validate(props),
              ElementsAre(ConfigError{"topics", message}, ConfigError{"topics.regex", message}));
  // Blank values count as unset, as in Connect.
  props["topics"] = " ";
  props["topics.regex"] = "";
  EXPECT_THAT(SinkConnectorConfigDef().Validate(props),
              ElementsAre(ConfigError{"topics", message}, ConfigError{"topics.regex", message}));
}

TEST(SinkConnectorConfigDefTest, TopicsRegexAlone) {
  Props props = MinimalSink();
  props.erase("topics");
  props["topics.regex"] = "serverlog\\..*";
  EXPECT_THAT(SinkConnectorConfigDef().Validate(props), IsEmpty());
}

TEST(SinkConnectorConfigDefTest, DlqTopicMayNotBeConsumed) {
  Props props = MinimalSink();
  props["topics"] = "a, serverlog-dlq";
  props["errors.deadletterqueue.topic.name"] = "serverlog-dlq";
  EXPECT_THAT(SinkConnectorConfigDef().Validate(props),
              ElementsAre(ConfigError{"errors.deadletterqueue.topic.name",
                                      "The DLQ topic 'serverlog-dlq' may not be included in the "
                                      "list of topics ('topics=a,serverlog-dlq') consumed by the "
                                      "connector"}));
  props.erase("topics");
  props["topics.regex"] = "serverlog.*";
  EXPECT_THAT(SinkConnectorConfigDef().Validate(props),
              ElementsAre(ConfigError{"errors.deadletterqueue.topic.name",
                                      "The DLQ topic 'serverlog-dlq' may not be included in the "
                                      "regex matching the topics ('topics.regex=serverlog.*') "
                                      "consumed by the connector"}));
  props["topics.regex"] = "serverlog";
  EXPECT_THAT(SinkConnectorConfigDef().Validate(props), IsEmpty());
}

TEST(SinkConnectorConfigDefTest, NameRequiredAndNonEmpty) {
  Props props = MinimalSink();
  props.erase("name");
  EXPECT_THAT(SinkConnectorConfigDef().Validate(props),
              ElementsAre(ConfigError{"name",
                                      "Missing required configuration \"name\" which has "
                                      "no default value."}));
  props["name"] = "  ";
  EXPECT_THAT(SinkConnectorConfigDef().Validate(props),
              ElementsAre(ConfigError{"name",
                                      "Invalid value    for configuration name: String "
                                      "may not be empty"}));
}

TEST(SinkConnectorConfigDefTest, CollectsEveryProblemAtOnce) {
  Props props = {{"tasks.max", "0"},
                 {"errors.tolerance", "ALL"},
                 {"errors.log.enable", "yes"},
                 {"transforms", "a,b,a"}};
  std::vector<ConfigError> errors = SinkConnectorConfigDef().Validate(props);
  EXPECT_THAT(
      errors,
      ElementsAre(
          ConfigError{"name",
                      "Missing required configuration \"name\" which has no default "
                      "value."},
          ConfigError{"connector.class",
                      "Missing required configuration \"connector.class\" "
                      "which has no default value."},
          ConfigError{"tasks.max",
                      "Invalid value 0 for configuration tasks.max: Value must be at least 1"},
          ConfigError{"transforms",
                      "Invalid value a,b,a for configuration transforms: Duplicate "
                      "alias provided."},
          ConfigError{"errors.tolerance",
                      "Invalid value ALL for configuration errors.tolerance: "
                      "String must be one of: none, all"},
          ConfigError{"errors.log.enable",
                      "Invalid value yes for configuration "
                      "errors.log.enable: Expected value to be either true "
                      "or false"},
          ConfigError{"topics", "Must configure one of topics or topics.regex"},
          ConfigError{"topics.regex", "Must configure one of topics or topics.regex"}));
}

TEST(SinkConnectorConfigDefTest, TasksMaxTypeError) {
  Props props = MinimalSink();
  props["tasks.max"] = "abc";
  EXPECT_THAT(SinkConnectorConfigDef().Validate(props),
              ElementsAre(ConfigError{"tasks.max",
                                      "Invalid value abc for configuration "
                                      "tasks.max: Not a number of type INT"}));
}

TEST(SinkConnectorConfigDefTest, ConnectorDefExtendsTheCommonKeys) {
  ConfigDef bq;
  bq.Merge(SinkConnectorConfigDef());
  bq.Define("project", ConfigType::kString, std::nullopt, Importance::kHigh, "GCP project.");
  Props props = MinimalSink();
  props.erase("topics");
  std::vector<ConfigError> errors = bq.Validate(props);
  EXPECT_THAT(errors, Contains(Field(&ConfigError::key, "project")));
  EXPECT_THAT(errors, Contains(Field(&ConfigError::key, "topics.regex")));
}

TEST(SinkConnectorConfigDefTest, MarkdownListsEveryKey) {
  std::string md = SinkConnectorConfigDef().ToMarkdown();
  for (const ConfigKey& key : SinkConnectorConfigDef().keys()) {
    EXPECT_THAT(md, HasSubstr("| `" + key.name + "` |")) << key.name;
  }
  EXPECT_THAT(md, HasSubstr("### Error Handling"));
}

TEST(WorkerConfigDefTest, DefaultsAndRequiredConverters) {
  absl::StatusOr<ParsedConfig> c = WorkerConfigDef().Parse(
      {{"bootstrap.servers", "broker-1:9092, broker-2:9092"},
       {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
       {"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
       {"value.converter.schemas.enable", "false"},
       {"offset.storage.file.filename", "/tmp/connect.offsets"},
       {"plugin.path", "/usr/share/java,/opt/connectors"}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(c->GetList("bootstrap.servers"), ElementsAre("broker-1:9092", "broker-2:9092"));
  EXPECT_EQ(c->GetString("header.converter"),
            "org.apache.kafka.connect.storage.SimpleHeaderConverter");
  EXPECT_EQ(c->GetLong("offset.flush.interval.ms"), 60000);
  EXPECT_EQ(c->GetLong("task.shutdown.graceful.timeout.ms"), 5000);
  EXPECT_FALSE(c->Has("rest.port"));
  EXPECT_FALSE(c->Has("listeners"));
  EXPECT_THAT(c->GetList("plugin.path"), ElementsAre("/usr/share/java", "/opt/connectors"));
  EXPECT_THAT(c->OriginalsWithPrefix("value.converter."),
              ElementsAre(Pair("schemas.enable", "false")));

  std::vector<ConfigError> errors = WorkerConfigDef().Validate({{"rest.port", "70000"}});
  EXPECT_THAT(errors, ElementsAre(ConfigError{"bootstrap.servers",
                                              "Missing required configuration "
                                              "\"bootstrap.servers\" which has no default "
                                              "value."},
                                  ConfigError{"key.converter",
                                              "Missing required configuration "
                                              "\"key.converter\" which has no default "
                                              "value."},
                                  ConfigError{"value.converter",
                                              "Missing required configuration "
                                              "\"value.converter\" which has no "
                                              "default value."},
                                  ConfigError{"rest.port",
                                              "Invalid value 70000 for configuration "
                                              "rest.port: Value must be no more than "
                                              "65535"}));
}

TEST(ClosestKeyTest, FindsTypos) {
  std::vector<std::string> known = {"tasks.max",       "topics",           "topics.regex",
                                    "value.converter", "errors.tolerance", "name"};
  EXPECT_EQ(ClosestKey("tasks.mx", known), "tasks.max");
  EXPECT_EQ(ClosestKey("taks.max", known), "tasks.max");  // transposition.
  EXPECT_EQ(ClosestKey("topic", known), "topics");
  EXPECT_EQ(ClosestKey("Value.Convertor", known), "value.converter");
  EXPECT_EQ(ClosestKey("topics.regx", known), "topics.regex");
  EXPECT_EQ(ClosestKey("error.tolerence", known), "errors.tolerance");
  EXPECT_EQ(ClosestKey("nmae", known), "name");
}

TEST(ClosestKeyTest, NothingCloseGivesEmpty) {
  std::vector<std::string> known = {"tasks.max", "topics", "name"};
  EXPECT_EQ(ClosestKey("bigquery.project", known), "");
  EXPECT_EQ(ClosestKey("xyz", known), "");
  EXPECT_EQ(ClosestKey("anything", {}), "");
}

TEST(WithPrefixTest, StripsThePrefix) {
  Props props = {{"consumer.override.max.poll.records", "10"},
                 {"consumer.override.", "bare"},
                 {"consumer.overrides", "no"},
                 {"consumer.max", "no"},
                 {"transforms", "a"},
                 {"transforms.a.type", "T"},
                 {"zzz", "no"}};
  EXPECT_THAT(WithPrefix(props, "consumer.override."), ElementsAre(Pair("max.poll.records", "10")));
  EXPECT_THAT(WithPrefix(props, "transforms.a."), ElementsAre(Pair("type", "T")));
  EXPECT_THAT(WithPrefix(props, "nope."), IsEmpty());
  EXPECT_EQ(WithPrefix(props, "").size(), props.size());
}

TEST(UnknownKeyErrorsTest, ReportsUnknownKeysWithHints) {
  Props props = MinimalSink();
  props["tasks.mx"] = "2";
  props["transforms.a.type"] = "T";
  props["consumer.override.max.poll.records"] = "5";
  props["totally.unknown.key"] = "x";
  std::vector<ConfigError> errors = UnknownKeyErrors(
      props, {&SinkConnectorConfigDef()}, {"transforms.", "predicates.", "consumer.override."});
  EXPECT_THAT(errors, ElementsAre(ConfigError{"tasks.mx",
                                              "Unknown configuration \"tasks.mx\" "
                                              "(did you mean \"tasks.max\"?)",
                                              /*ignorable=*/true},
                                  ConfigError{"totally.unknown.key",
                                              "Unknown configuration \"totally.unknown.key\"",
                                              /*ignorable=*/true}));
}

}  // namespace
}  // namespace ferry
