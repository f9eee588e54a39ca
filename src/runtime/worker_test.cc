#include "runtime/worker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/strings/match.h"
#include "runtime/discard_writer.h"

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
  props["consumer.override.group.id"] = "other";  // accepted, as in Connect.
  props["value.converter"] = "com.example.NoSuchConverter";
  auto errors = ErrorsByKey(props);
  EXPECT_EQ(errors.size(), 5u);
  EXPECT_EQ(errors["tasks.mx"], "Unknown configuration \"tasks.mx\" (did you mean \"tasks.max\"?)");
  EXPECT_THAT(errors["producer.override.no.such.property"],
              ::testing::HasSubstr("neither Java's producer client nor librdkafka"));
  EXPECT_THAT(errors["consumer.override.no.such.property"],
              ::testing::HasSubstr("neither Java's consumer client nor librdkafka"));
  EXPECT_THAT(errors["consumer.override.max.poll.records"], ::testing::HasSubstr("many"));
  EXPECT_EQ(errors.count("consumer.override.group.id"), 0u);
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

TEST(ValidateConnectorConfigTest, KeysNothingDefinesAreIgnorableEverythingElseBlocks) {
  auto props = Serverlog();
  props["autoUpdateSchemas"] = "true";  // kcbq 1.x, as kcbq 2.x's own quickstart has it.
  props["bufferSize"] = "100000";       // playground configs for 2.x.
  props["tasks.mx"] = "2";              // a typo.
  props["transforms"] = "a";
  props["transforms.a.type"] = "org.apache.kafka.connect.transforms.InsertField$Value";
  props["transforms.a.topic.field"] = "topic";
  props["transforms.a.topic.feild"] = "topic";  // a key the transform lacks.
  props["transforms.b.type"] = "x";             // an alias not listed.
  props["tasks.max"] = "0";                     // a bad value: blocks.
  std::map<std::string, bool> ignorable;
  for (const ConfigError& e : ValidateConnectorConfig(props)) ignorable[e.key] = e.ignorable;
  EXPECT_EQ(ignorable, (std::map<std::string, bool>{{"autoUpdateSchemas", true},
                                                    {"bufferSize", true},
                                                    {"tasks.mx", true},
                                                    {"transforms.a.topic.feild", true},
                                                    {"transforms.b.type", true},
                                                    {"tasks.max", false}}));
}

TEST(ValidateConnectorConfigTest, ConverterSettingsAreCheckedAgainstTheConverter) {
  auto props = Serverlog();
  props["value.converter"] = "org.apache.kafka.connect.json.JsonConverter";
  props["value.converter.schemas.enabled"] = "false";
  props["value.converter.decimal.format"] = "NUMERIC";
  props["key.converter.schemas.enable"] = "false";     // StringConverter has no such key.
  props["header.converter.schemas.enable"] = "false";  // the connector names no header converter.
  std::map<std::string, ConfigError> errors;
  for (const ConfigError& e : ValidateConnectorConfig(props)) errors[e.key] = e;
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors["value.converter.schemas.enabled"].message,
            "Unknown configuration \"value.converter.schemas.enabled\" for "
            "org.apache.kafka.connect.json.JsonConverter (did you mean "
            "\"value.converter.schemas.enable\"?)");
  EXPECT_THAT(errors["key.converter.schemas.enable"].message,
              ::testing::StartsWith("Unknown configuration \"key.converter.schemas.enable\" for "
                                    "org.apache.kafka.connect.storage.StringConverter"));
  EXPECT_EQ(errors["header.converter.schemas.enable"].message,
            "has no effect: this connector does not set header.converter, so the worker's "
            "converter and its own header.converter.* settings apply");
  for (const auto& [key, e] : errors) EXPECT_TRUE(e.ignorable) << key;
}

std::map<std::string, std::string> StandaloneWorker() {
  return {{"bootstrap.servers", "127.0.0.1:9092"},
          {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
          {"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
          {"value.converter.schemas.enable", "false"},
          {"offset.storage.file.filename", "/tmp/connect.offsets"}};
}

TEST(ValidateWorkerConfigTest, KafkasStandaloneFileIsValid) {
  EXPECT_THAT(ValidateWorkerConfig(StandaloneWorker()), IsEmpty());
}

TEST(ValidateWorkerConfigTest, AMisspeltBootstrapKeyIsNamedNotReplacedByLocalhost) {
  auto props = StandaloneWorker();
  props.erase("bootstrap.servers");
  props["bootstrap.server"] = "kafka:9092";
  std::map<std::string, ConfigError> errors;
  for (const ConfigError& e : ValidateWorkerConfig(props)) errors[e.key] = e;
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors["bootstrap.servers"].message,
            "Missing required configuration \"bootstrap.servers\" which has no default value.");
  EXPECT_FALSE(errors["bootstrap.servers"].ignorable);
  EXPECT_EQ(errors["bootstrap.server"].message,
            "Unknown configuration \"bootstrap.server\" (did you mean \"bootstrap.servers\"?)");
  EXPECT_TRUE(errors["bootstrap.server"].ignorable);

  absl::StatusOr<std::unique_ptr<Worker>> w = Worker::Create(props, {}, {});
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(std::string(w.status().message()),
              ::testing::HasSubstr("bootstrap.servers: Missing required configuration"));
}

TEST(ValidateWorkerConfigTest, DistributedKeysInAStandaloneWorkerWarn) {
  auto props = StandaloneWorker();
  props["group.id"] = "connect-cluster";
  props["config.storage.topic"] = "connect-configs";
  props["offset.storage.topic"] = "connect-offsets";
  props["status.storage.topic"] = "connect-status";
  props["value.converter.schemas.enabled"] = "false";
  std::map<std::string, ConfigError> errors;
  for (const ConfigError& e : ValidateWorkerConfig(props)) errors[e.key] = e;
  ASSERT_EQ(errors.size(), 5u);
  for (const char* key :
       {"group.id", "config.storage.topic", "offset.storage.topic", "status.storage.topic"}) {
    EXPECT_THAT(errors[key].message,
                ::testing::StartsWith("ignored: applies to distributed workers only (ferry "
                                      "distributed)"))
        << key;
    EXPECT_TRUE(errors[key].ignorable) << key;
  }
  EXPECT_THAT(errors["value.converter.schemas.enabled"].message,
              ::testing::HasSubstr("did you mean \"value.converter.schemas.enable\"?"));
}

TEST(WorkerTest, RunsConfigsWithIgnoredKeysAndShowsThemInItsStatus) {
  auto worker_props = StandaloneWorker();
  worker_props["group.id"] = "connect-cluster";
  auto props = Serverlog();
  props["autoUpdateSchemas"] = "true";
  props["tableWriteWait"] = "1000";
  absl::StatusOr<std::unique_ptr<Worker>> w =
      Worker::Create(worker_props, {ConfigFile{"serverlog", props}}, {});
  ASSERT_TRUE(w.ok()) << w.status();
  const std::vector<Worker::ConnectorStatus> status = (*w)->Status();
  ASSERT_EQ(status.size(), 1u);
  std::map<std::string, std::string> warnings;
  for (const ConfigError& e : status[0].warnings) warnings[e.key] = e.message;
  EXPECT_THAT(
      warnings,
      ::testing::ElementsAre(
          ::testing::Pair("autoUpdateSchemas", ::testing::StartsWith("removed in kcbq 2.0: use ")),
          ::testing::Pair("tableWriteWait",
                          ::testing::StartsWith("removed from kcbq before 2.0"))));
  ASSERT_EQ((*w)->worker_warnings().size(), 1u);
  EXPECT_EQ((*w)->worker_warnings()[0].key, "group.id");

  // A value ferry cannot honour still refuses to start, with the reason.
  props["upsertEnabled"] = "true";
  w = Worker::Create(worker_props, {ConfigFile{"serverlog", props}}, {});
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(std::string(w.status().message()),
              ::testing::HasSubstr("upsertEnabled: upsertEnabled=true is not supported yet"));
}

// A worker on the discard writer, for tests that need no BigQuery.
WorkerOptions DiscardOptions() {
  WorkerOptions o;
  o.writer_factory = [](const std::map<std::string, std::string>&, int) {
    return absl::StatusOr<std::unique_ptr<SinkWriter>>(std::make_unique<DiscardWriter>());
  };
  return o;
}

// The restart limit a connector's tasks get: kcbq's enableRetries /
// max.retries when the config sets them and not ferry's own key.
int RestartLimitOf(const std::map<std::string, std::string>& extra) {
  auto worker_props = StandaloneWorker();
  worker_props["bootstrap.servers"] = "127.0.0.1:1";  // nothing listens: the task never writes.
  auto props = Serverlog();
  props["tasks.max"] = "1";
  for (const auto& [k, v] : extra) props[k] = v;
  WorkerOptions options = DiscardOptions();
  std::mutex mu;
  std::condition_variable cv;
  std::optional<int> limit;
  options.customize_task = [&](TaskOptions& o) {
    std::lock_guard<std::mutex> lock(mu);
    limit = o.restart.max_attempts;
    cv.notify_all();
  };
  absl::StatusOr<std::unique_ptr<Worker>> w =
      Worker::Create(worker_props, {ConfigFile{"serverlog", props}}, options);
  EXPECT_TRUE(w.ok()) << w.status();
  if (!w.ok()) return -2;
  std::thread runner([&] { EXPECT_TRUE((*w)->Run().ok()); });
  {
    std::unique_lock<std::mutex> lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return limit.has_value(); }));
  }
  (*w)->Stop();
  runner.join();
  return limit.value_or(-2);
}

TEST(WorkerTest, KcbqRetryKeysSetTheTasksRestartLimit) {
  EXPECT_EQ(RestartLimitOf({}), -1);  // ferry's default: no limit.
  EXPECT_EQ(RestartLimitOf({{"max.retries", "3"}}), 3);
  EXPECT_EQ(RestartLimitOf({{"enableRetries", "true"}}), 10);  // kcbq's default max.retries.
  EXPECT_EQ(RestartLimitOf({{"enableRetries", "false"}, {"max.retries", "3"}}), -1);
  EXPECT_EQ(RestartLimitOf({{"enableRetries", "false"}, {"ferry.task.restart.max.attempts", "5"}}),
            5);  // ferry's key, when set, decides.
}

TEST(WorkerTest, AConsumerThatCannotBeBuiltFailsTheTaskAtOnceWithTheReason) {
  auto props = Serverlog();
  props["tasks.max"] = "1";
  // Each setting is valid alone; librdkafka refuses them when the consumer
  // is created (the CA file does not exist). A restart cannot fix that.
  props["consumer.override.security.protocol"] = "ssl";
  props["consumer.override.ssl.ca.location"] = "/nonexistent/ca.pem";
  absl::StatusOr<std::unique_ptr<Worker>> w =
      Worker::Create(StandaloneWorker(), {ConfigFile{"serverlog", props}}, DiscardOptions());
  ASSERT_TRUE(w.ok()) << w.status();
  const auto start = std::chrono::steady_clock::now();
  absl::Status s = (*w)->Run();  // returns once the task failed for good.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("ssl.ca.location"));
  const TaskStatus task = (*w)->Status()[0].tasks[0];
  EXPECT_EQ(task.state, TaskState::kFailed);
  EXPECT_EQ(task.restarts, 0);
  EXPECT_THAT(task.trace, ::testing::HasSubstr("the task's consumer cannot be created"));
  EXPECT_THAT(task.trace, ::testing::HasSubstr("ssl.ca.location"));
  ASSERT_FALSE(task.recent_errors.empty());
  EXPECT_EQ(task.recent_errors.back().stage, "KAFKA_CONSUME");
}

TEST(WorkerTest, AnUnreachableBrokerIsReportedWithinSecondsNamingTheAddress) {
  auto worker_props = StandaloneWorker();
  worker_props["bootstrap.servers"] = "127.0.0.1:1";  // nothing listens on port 1.
  auto props = Serverlog();
  props["tasks.max"] = "1";
  absl::StatusOr<std::unique_ptr<Worker>> w =
      Worker::Create(worker_props, {ConfigFile{"serverlog", props}}, DiscardOptions());
  ASSERT_TRUE(w.ok()) << w.status();
  std::thread runner([&] { EXPECT_TRUE((*w)->Run().ok()); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  TaskStatus task;
  bool reported = false;
  while (!reported && std::chrono::steady_clock::now() < deadline) {
    auto status = (*w)->Status();
    if (!status.empty() && !status[0].tasks.empty()) {
      task = status[0].tasks[0];
      for (const TaskError& e : task.recent_errors) {
        reported = reported || absl::StrContains(e.message, "127.0.0.1:1");
      }
    }
    if (!reported) std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling status.
  }
  (*w)->Stop();
  runner.join();
  EXPECT_TRUE(reported) << "no error naming 127.0.0.1:1 within 10 s";
  EXPECT_GE(task.kafka_client_errors, 1);
  EXPECT_EQ(task.state, TaskState::kRunning);  // it keeps trying, as Connect does.
}

// The restart-loop cases of a Connect config: refused at start, naming the
// key, rather than a task that fails and restarts without a reason.
TEST(WorkerTest, ABadJaasConfigIsRefusedAtStartNamingTheKey) {
  auto worker_props = StandaloneWorker();
  worker_props["consumer.security.protocol"] = "SASL_SSL";
  worker_props["consumer.sasl.mechanism"] = "PLAIN";
  auto props = Serverlog();
  // No password: PlainLoginModule needs both.
  props["consumer.override.sasl.jaas.config"] =
      "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\";";
  absl::StatusOr<std::unique_ptr<Worker>> w =
      Worker::Create(worker_props, {ConfigFile{"serverlog", props}}, DiscardOptions());
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(w.status().message()),
              ::testing::HasSubstr("consumer.override.sasl.jaas.config"));
  std::map<std::string, std::string> errors;
  for (const ConfigError& e : ValidateConnectorConfig(props, worker_props)) {
    errors[e.key] = e.message;
  }
  ASSERT_EQ(errors.count("consumer.override.sasl.jaas.config"), 1u);
  EXPECT_THAT(errors["consumer.override.sasl.jaas.config"], ::testing::HasSubstr("password"));
}

TEST(WorkerTest, JavaClientKeysAreTranslatedForTheTasksConsumer) {
  auto worker_props = StandaloneWorker();
  // Java's names, as a Connect worker carries them.
  worker_props["consumer.partition.assignment.strategy"] =
      "org.apache.kafka.clients.consumer.RoundRobinAssignor";
  worker_props["consumer.fetch.max.wait.ms"] = "100";
  worker_props["consumer.key.deserializer"] =
      "org.apache.kafka.common.serialization.ByteArrayDeserializer";
  auto props = Serverlog();
  props["consumer.override.max.poll.records"] = "250";
  props["consumer.override.receive.buffer.bytes"] = "65536";
  const ClientSettings client =
      ClientSettingsOf(worker_props, props, "consumer", kafka::ClientRole::kConsumer);
  EXPECT_EQ(client.translation.librdkafka.at("partition.assignment.strategy"), "roundrobin");
  EXPECT_EQ(client.translation.librdkafka.at("fetch.wait.max.ms"), "100");
  EXPECT_EQ(client.translation.librdkafka.at("socket.receive.buffer.bytes"), "65536");
  EXPECT_EQ(client.translation.librdkafka.count("key.deserializer"), 0u);
  EXPECT_EQ(client.translation.ferry.at("max.poll.records"), "250");
  ASSERT_EQ(client.problems.size(), 1u);
  EXPECT_EQ(client.problems[0].key, "consumer.key.deserializer");
  EXPECT_TRUE(client.problems[0].ignorable);
  // Such a worker starts; the Java-only key is a warning of the worker.
  absl::StatusOr<std::unique_ptr<Worker>> w =
      Worker::Create(worker_props, {ConfigFile{"serverlog", props}}, DiscardOptions());
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_EQ((*w)->worker_warnings().size(), 1u);
  EXPECT_EQ((*w)->worker_warnings()[0].key, "consumer.key.deserializer");
}

}  // namespace
}  // namespace ferry::runtime
