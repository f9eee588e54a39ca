// Avro through a Schema Registry end to end, against the embedded Kafka, a
// local Schema Registry and the BigQuery emulator: records written by an
// independent encoder (python3-avro) in Confluent's wire format land with the
// BigQuery column types of their Avro types; a new schema version with an
// optional field evolves the table (allowNewBigQueryFields); a registry that
// cannot be reached stops the task without dead-lettering good records, and
// the records load once it is back.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bigquery/rest_client.h"
#include "convert/testing/python_avro.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "schemaregistry/test_registry.h"
#include "tests/component_env.h"

namespace ferry::testing {
namespace {

using Props = std::map<std::string, std::string>;
using bigquery::FieldMode;
using bigquery::FieldType;
using schemaregistry::testing::TestRegistry;

constexpr char kTopic[] = "avro.users";
constexpr char kDlq[] = "avro-dlq";

constexpr char kSchemaV1[] = R"({"type":"record","name":"User","namespace":"com.example","fields":[
  {"name":"id","type":"long"},
  {"name":"name","type":"string"},
  {"name":"score","type":"double"},
  {"name":"active","type":"boolean"},
  {"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},
  {"name":"huge","type":{"type":"bytes","logicalType":"decimal","precision":40,"scale":12}},
  {"name":"day","type":{"type":"int","logicalType":"date"}},
  {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
  {"name":"tod","type":{"type":"int","logicalType":"time-millis"}},
  {"name":"tags","type":{"type":"array","items":"string"}},
  {"name":"attrs","type":{"type":"map","values":"long"}},
  {"name":"address","type":{"type":"record","name":"Address","fields":[
    {"name":"city","type":"string"},{"name":"zip","type":["null","string"],"default":null}]}},
  {"name":"nick","type":["null","string"],"default":null},
  {"name":"suit","type":{"type":"enum","name":"Suit","symbols":["SPADES","HEARTS"]}},
  {"name":"blob","type":"bytes"}]})";

std::string SchemaV2() {
  std::string v2 = kSchemaV1;
  const std::string last = R"({"name":"blob","type":"bytes"}]})";
  v2.replace(
      v2.find(last), last.size(),
      R"({"name":"blob","type":"bytes"},{"name":"email","type":["null","string"],"default":null}]})");
  return v2;
}

std::string Datum(int id, bool v2) {
  return absl::StrCat(
      R"({"id":)", id, R"(,"name":"user-)", id, R"(","score":)", id, R"(.5,"active":)",
      id % 2 == 0 ? "true" : "false", R"(,"amount":{"$decimal":")", id, R"(.25"},)",
      R"("huge":{"$decimal":"1234567890123456789012345678.000000000001"},)",
      R"("day":{"$date":"2024-02-29"},"at":{"$timestamp_millis":1709210096789},)",
      R"("tod":{"$time_millis":"13:14:15.123"},"tags":["a","b"],"attrs":{"k":)", id, "},",
      R"("address":{"city":"Oslo","zip":null},"nick":)", id % 2 == 0 ? R"("n")" : "null",
      R"(,"suit":"HEARTS","blob":{"$bytes":"00ff"})",
      v2 ? absl::StrCat(R"(,"email":"u)", id, R"(@example.com")") : std::string(), "}");
}

class AvroPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(access(PythonAvro::kPython, X_OK), 0)
        << PythonAvro::kPython << " is needed (Debian's python3-avro)";
    auto env = ComponentEnv::Start({.topics = {std::string(kTopic) + ":1"}});
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(*env);
    auto registry = TestRegistry::Start();
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(*registry);
    dir_ = std::filesystem::path(::testing::TempDir()) /
           absl::StrCat("avro_pipeline_", getpid(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    python_ = std::make_unique<PythonAvro>(FERRY_AVRO_ENCODER, registry_->url(), dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::string> Encode(const std::string& schema, const std::vector<std::string>& data) {
    std::string values = "[";
    for (const std::string& d : data) absl::StrAppend(&values, values.size() > 1 ? "," : "", d);
    values += "]";
    absl::StatusOr<std::vector<std::string>> bytes =
        python_->Encode(std::string(kTopic) + "-value", schema, values);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    return bytes.ok() ? *bytes : std::vector<std::string>();
  }

  void Produce(const std::vector<std::string>& values, int first_key) {
    auto producer = kafka::Producer::Create({{"bootstrap.servers", env_->bootstrap()}});
    ASSERT_TRUE(producer.ok()) << producer.status();
    for (size_t i = 0; i < values.size(); ++i) {
      kafka::ProducerRecord r;
      r.topic = kTopic;
      r.partition = 0;
      r.key = absl::StrCat("k-", first_key + i);
      r.value = values[i];
      ASSERT_TRUE((*producer)->Send(r).ok());
    }
    ASSERT_TRUE((*producer)->Flush(30000).ok());
  }

  Props Connector() const {
    return {
        {"name", "avro-sink"},
        {"connector.class", "com.wepay.kafka.connect.bigquery.BigQuerySinkConnector"},
        {"tasks.max", "1"},
        {"topics", kTopic},
        {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
        {"value.converter", "io.confluent.connect.avro.AvroConverter"},
        {"value.converter.schema.registry.url", registry_->url()},
        {"project", "ferry-local"},
        {"defaultDataset", "d"},
        {"topic2TableMap", absl::StrCat(kTopic, ":users")},
        {"autoCreateTables", "true"},
        {"allowNewBigQueryFields", "true"},
        {"ferry.bigquery.rest.endpoint", env_->bigquery().rest_endpoint()},
        {"ferry.bigquery.storage.endpoint", env_->bigquery().grpc_endpoint()},
    };
  }

  Props Worker() const {
    Props w = env_->WorkerProps();
    w["offset.flush.interval.ms"] = "200";
    return w;
  }

  void RunUntilDrained(const Props& connector, int64_t expected_written) {
    runtime::WorkerOptions wo;
    wo.stop_when_drained = true;
    auto worker = WorkerThread::Start(Worker(), {connector}, wo);
    ASSERT_TRUE(worker.ok()) << worker.status();
    absl::Status s = (*worker)->Wait();
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_EQ((*worker)->Written(), expected_written);
  }

  absl::StatusOr<bigquery::Table> Table() {
    auto rest = env_->Rest();
    if (!rest.ok()) return rest.status();
    return (*rest)->GetTable({"ferry-local", "d", "users"});
  }

  int64_t Committed() {
    auto offsets = kafka::CommittedOffsets(env_->bootstrap(), "connect-avro-sink", kTopic, 1);
    return offsets.ok() && offsets->count(0) ? offsets->at(0) : -2;
  }

  std::unique_ptr<ComponentEnv> env_;
  std::unique_ptr<TestRegistry> registry_;
  std::filesystem::path dir_;
  std::unique_ptr<PythonAvro> python_;
};

std::vector<std::string> Columns(const bigquery::Table& t) {
  std::vector<std::string> out;
  for (const bigquery::TableFieldSchema& f : t.schema.fields) out.push_back(Describe(f));
  return out;
}

TEST_F(AvroPipelineTest, RecordsLandWithTheirColumnTypesAndANewOptionalFieldEvolvesTheTable) {
  std::vector<std::string> v1 =
      Encode(kSchemaV1, {Datum(1, false), Datum(2, false), Datum(3, false)});
  ASSERT_EQ(v1.size(), 3u);
  Produce(v1, 1);
  RunUntilDrained(Connector(), 3);

  absl::StatusOr<bigquery::Table> table = Table();
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_THAT(
      Columns(*table),
      ::testing::ElementsAre(
          "id INTEGER REQUIRED", "name STRING REQUIRED", "score FLOAT REQUIRED",
          "active BOOLEAN REQUIRED", "amount NUMERIC REQUIRED", "huge BIGNUMERIC REQUIRED",
          "day DATE REQUIRED", "at TIMESTAMP REQUIRED", "tod TIME REQUIRED", "tags STRING REPEATED",
          "attrs RECORD REPEATED {key STRING REQUIRED, value INTEGER REQUIRED}",
          "address RECORD REQUIRED {city STRING REQUIRED, zip STRING NULLABLE}",
          "nick STRING NULLABLE", "suit STRING REQUIRED", "blob BYTES REQUIRED"));

  auto rows = env_->ReadTable("d", "users");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  std::map<std::string, nlohmann::json> by_id;
  for (const nlohmann::json& row : *rows) by_id[row["id"].get<std::string>()] = row;
  ASSERT_EQ(by_id.count("2"), 1u);
  const nlohmann::json& r = by_id["2"];
  EXPECT_EQ(r["name"], "user-2");
  EXPECT_EQ(std::stod(r["score"].get<std::string>()), 2.5);
  EXPECT_EQ(r["active"], "true");
  EXPECT_EQ(r["amount"], "2.25");
  EXPECT_EQ(r["huge"], "1234567890123456789012345678.000000000001");
  EXPECT_EQ(r["day"], "2024-02-29");
  EXPECT_EQ(r["at"], "1709210096789000");
  EXPECT_THAT(r["tod"].get<std::string>(), ::testing::StartsWith("13:14:15.123"));
  EXPECT_EQ(r["tags"], nlohmann::json::parse(R"(["a","b"])"));
  EXPECT_EQ(r["attrs"], nlohmann::json::parse(R"([{"key":"k","value":"2"}])"));
  EXPECT_EQ(r["address"], nlohmann::json::parse(R"({"city":"Oslo","zip":null})"));
  EXPECT_EQ(r["nick"], "n");
  EXPECT_EQ(by_id["1"]["nick"], nullptr);
  EXPECT_EQ(r["suit"], "HEARTS");
  EXPECT_EQ(r["blob"], "AP8=");

  // Version 2 of the subject adds an optional field: the table gets the
  // column and the new records fill it.
  std::vector<std::string> v2 = Encode(SchemaV2(), {Datum(4, true), Datum(5, true)});
  ASSERT_EQ(v2.size(), 2u);
  EXPECT_EQ(v2[0].substr(0, 5), std::string("\0\0\0\0\x02", 5));  // schema id 2.
  Produce(v2, 4);
  RunUntilDrained(Connector(), 2);
  table = Table();
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ(table->schema.fields.size(), 16u);
  EXPECT_EQ(Describe(table->schema.fields.back()), "email STRING NULLABLE");
  rows = env_->ReadTable("d", "users");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 5u);
  std::map<std::string, nlohmann::json> emails;
  for (const nlohmann::json& row : *rows) emails[row["id"].get<std::string>()] = row["email"];
  EXPECT_EQ(emails["1"], nullptr);
  EXPECT_EQ(emails["3"], nullptr);
  EXPECT_EQ(emails["4"], "u4@example.com");
  EXPECT_EQ(emails["5"], "u5@example.com");
}

TEST_F(AvroPipelineTest, AnUnreachableRegistryStopsTheTaskWithoutDeadLetteringAndItResumes) {
  std::vector<std::string> bytes = Encode(kSchemaV1, {Datum(1, false), Datum(2, false)});
  ASSERT_EQ(bytes.size(), 2u);
  Produce(bytes, 1);
  const int port = registry_->port();
  registry_->Stop();

  Props connector = Connector();
  connector["value.converter.max.retries"] = "0";
  connector["errors.tolerance"] = "all";
  connector["errors.deadletterqueue.topic.name"] = kDlq;
  connector["ferry.task.restart.backoff.initial.ms"] = "200";
  connector["ferry.task.restart.backoff.max.ms"] = "500";
  auto worker = WorkerThread::Start(Worker(), {connector}, {});
  ASSERT_TRUE(worker.ok()) << worker.status();
  auto task = [&] {
    auto status = (*worker)->worker().Status();
    return status.empty() || status[0].tasks.empty() ? runtime::TaskStatus() : status[0].tasks[0];
  };
  ASSERT_TRUE((*worker)->WaitUntil([&] { return task().restarts >= 2; }, absl::Seconds(60)))
      << task().trace;
  runtime::TaskStatus failing = task();
  EXPECT_THAT(failing.trace, ::testing::HasSubstr("Network connection error while deserializing "
                                                  "data for topic avro.users"));
  ASSERT_FALSE(failing.recent_errors.empty());
  EXPECT_EQ(failing.recent_errors.back().stage, "VALUE_CONVERTER");
  EXPECT_EQ(failing.recent_errors.back().offset, 0);
  EXPECT_EQ(failing.records_skipped, 0);
  EXPECT_EQ(failing.records_dead_lettered, 0);
  EXPECT_EQ((*worker)->Written(), 0);
  EXPECT_LE(Committed(), 0);

  // The registry comes back, with the same schema under the same id: the
  // restarted task loads both records.
  auto back = TestRegistry::Start({.port = port});
  ASSERT_TRUE(back.ok()) << back.status();
  schemaregistry::RegisteredSchema schema;
  schema.schema = nlohmann::json::parse(kSchemaV1).dump();
  ASSERT_EQ(*(*back)->Register(std::string(kTopic) + "-value", schema), 1);
  EXPECT_TRUE((*worker)->WaitUntil([&] { return Committed() == 2; }, absl::Seconds(60)))
      << "committed " << Committed() << ": " << task().trace;
  (*worker)->Stop();
  ASSERT_TRUE((*worker)->Wait().ok());
  auto rows = env_->ReadTable("d", "users");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->size(), 2u);
  if (kafka::PartitionCount(env_->bootstrap(), kDlq).ok()) {
    auto dlq = env_->ReadTopic(kDlq);
    ASSERT_TRUE(dlq.ok()) << dlq.status();
    EXPECT_TRUE(dlq->empty());
  }
}

}  // namespace
}  // namespace ferry::testing
