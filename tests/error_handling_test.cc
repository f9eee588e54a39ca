// Kafka Connect's error semantics end to end, against the embedded Kafka and
// the BigQuery emulator: a bad record at each stage (KEY_CONVERTER,
// VALUE_CONVERTER, HEADER_CONVERTER, TRANSFORMATION, TASK_PUT) goes to the
// dead-letter queue with Connect's context headers under errors.tolerance=all,
// the records around it load and the offset is committed past it; under
// errors.tolerance=none the task stops and the offset stays at the bad record.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bigquery/rest_client.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "tests/component_env.h"

namespace ferry::testing {
namespace {

using Props = std::map<std::string, std::string>;
using HeaderList = std::vector<std::pair<std::string, std::optional<std::string>>>;

constexpr char kTopic[] = "events";
constexpr char kDlq[] = "events-dlq";
constexpr int64_t kTimestamp = 1764000000000;

std::optional<std::string> HeaderOf(const RawRecord& r, const std::string& key) {
  for (const auto& [k, v] : r.headers) {
    if (k == key) return v;
  }
  return std::nullopt;
}

class ErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = ComponentEnv::Start({.topics = {std::string(kTopic) + ":1"}});
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(*env);
    auto rest = env_->Rest();
    ASSERT_TRUE(rest.ok()) << rest.status();
    rest_ = std::move(*rest);
    // A table with a fixed schema: schemaless JSON records go into it.
    ASSERT_TRUE(env_->CreateTable("d", "events",
                                  {Column("id", bigquery::FieldType::kInteger,
                                          bigquery::FieldMode::kRequired),
                                   Column("name", bigquery::FieldType::kString),
                                   Column("n", bigquery::FieldType::kInteger)})
                    .ok());
  }

  Props Connector(const std::string& tolerance) const {
    return {
        {"name", "events-sink"},
        {"connector.class", "com.wepay.kafka.connect.bigquery.BigQuerySinkConnector"},
        {"tasks.max", "1"},
        {"topics", kTopic},
        {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
        {"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
        {"value.converter.schemas.enable", "false"},
        {"header.converter", "org.apache.kafka.connect.storage.StringConverter"},
        {"project", "ferry-local"},
        {"defaultDataset", "d"},
        {"autoCreateTables", "false"},
        {"errors.tolerance", tolerance},
        {"errors.log.enable", "true"},
        {"errors.deadletterqueue.topic.name", kDlq},
        {"errors.deadletterqueue.context.headers.enable", "true"},
        {"ferry.bigquery.rest.endpoint", env_->bigquery().rest_endpoint()},
        {"ferry.bigquery.storage.endpoint", env_->bigquery().grpc_endpoint()},
    };
  }

  Props Worker() const {
    Props w = env_->WorkerProps();
    w["offset.flush.interval.ms"] = "200";
    return w;
  }

  // Produces records 0..count-1 (key "k-i", value {"id":i,"name":"x","n":i}),
  // with `bad` replacing the one at `bad_at`.
  void Produce(int count, const std::map<int, kafka::ProducerRecord>& bad, bool json_keys = false) {
    auto producer = kafka::Producer::Create({{"bootstrap.servers", env_->bootstrap()}});
    ASSERT_TRUE(producer.ok()) << producer.status();
    for (int i = 0; i < count; ++i) {
      kafka::ProducerRecord r;
      if (auto it = bad.find(i); it != bad.end()) {
        r = it->second;
      } else {
        r.key = json_keys ? absl::StrCat("\"k-", i, "\"") : absl::StrCat("k-", i);
        r.value = absl::StrCat(R"({"id":)", i, R"(,"name":"x","n":)", i, "}");
      }
      r.topic = kTopic;
      r.partition = 0;
      r.timestamp_ms = kTimestamp + i;
      ASSERT_TRUE((*producer)->Send(r).ok());
    }
    ASSERT_TRUE((*producer)->Flush(30000).ok());
  }

  std::set<int64_t> Ids() {
    auto column = env_->ReadColumn("d", "events", "id");
    EXPECT_TRUE(column.ok()) << column.status();
    std::set<int64_t> ids;
    if (column.ok()) {
      for (const std::string& v : *column) ids.insert(std::stoll(v));
    }
    return ids;
  }

  int64_t Committed() {
    auto offsets = kafka::CommittedOffsets(env_->bootstrap(), "connect-events-sink", kTopic, 1);
    return offsets.ok() ? offsets->at(0) : -2;
  }

  std::unique_ptr<ComponentEnv> env_;
  std::unique_ptr<bigquery::RestClient> rest_;
};

// One bad record per stage, and what Connect names for it.
struct StageCase {
  std::string name;
  std::string stage;
  std::string executing_class;
  std::string exception_class;
  std::function<void(Props&)> configure;
  kafka::ProducerRecord bad;  // replaces record 5.
  bool json_keys = false;
};

kafka::ProducerRecord Record(std::optional<std::string> key, std::optional<std::string> value,
                             HeaderList headers = {}) {
  kafka::ProducerRecord r;
  r.key = std::move(key);
  r.value = std::move(value);
  r.headers = std::move(headers);
  return r;
}

const std::string kGood5 = R"({"id":5,"name":"x","n":5})";

std::vector<StageCase> StageCases() {
  return {
      {"KeyConverter", "KEY_CONVERTER", "org.apache.kafka.connect.json.JsonConverter",
       "org.apache.kafka.connect.errors.DataException",
       [](Props& p) {
         p["key.converter"] = "org.apache.kafka.connect.json.JsonConverter";
         p["key.converter.schemas.enable"] = "false";
       },
       Record(std::string("{bad key"), kGood5, {{"h", std::string("1")}}), /*json_keys=*/true},
      {"ValueConverter", "VALUE_CONVERTER", "org.apache.kafka.connect.json.JsonConverter",
       "org.apache.kafka.connect.errors.DataException", [](Props&) {},
       Record(std::string("k-5"), std::string(R"({"id":5,"name":)"), {{"h", std::nullopt}})},
      {"HeaderConverter", "HEADER_CONVERTER", "org.apache.kafka.connect.json.JsonConverter",
       "org.apache.kafka.connect.errors.DataException",
       [](Props& p) {
         p["header.converter"] = "org.apache.kafka.connect.json.JsonConverter";
         p["header.converter.schemas.enable"] = "false";
       },
       Record(std::string("k-5"), kGood5, {{"trace", std::string("{not json")}})},
      {"Transformation", "TRANSFORMATION",
       "org.apache.kafka.connect.transforms.TimestampConverter$Value",
       "org.apache.kafka.connect.errors.DataException",
       [](Props& p) {
         p["transforms"] = "ts";
         p["transforms.ts.type"] = "org.apache.kafka.connect.transforms.TimestampConverter$Value";
         p["transforms.ts.field"] = "name";
         p["transforms.ts.target.type"] = "string";
         p["transforms.ts.format"] = "yyyy-MM-dd";
         p["transforms.ts.predicate"] = "bad";
         p["predicates"] = "bad";
         p["predicates.bad.type"] = "org.apache.kafka.connect.transforms.predicates.HasHeaderKey";
         p["predicates.bad.name"] = "bad";
       },
       Record(std::string("k-5"), kGood5, {{"bad", std::string("1")}})},
      {"TaskPut", "TASK_PUT", "com.wepay.kafka.connect.bigquery.BigQuerySinkTask",
       "com.wepay.kafka.connect.bigquery.exception.BigQueryConnectException", [](Props&) {},
       Record(std::string("k-5"), std::string(R"({"id":5,"name":"x","n":"not a number"})"),
              {{"h", std::string("2")}})},
  };
}

class StageTest : public ErrorsTest, public ::testing::WithParamInterface<StageCase> {};

TEST_P(StageTest, ToleratedGoesToTheDeadLetterQueueWithContextHeaders) {
  const StageCase& c = GetParam();
  Produce(10, {{5, c.bad}}, c.json_keys);
  Props connector = Connector("all");
  c.configure(connector);
  auto worker = WorkerThread::Start(Worker(), {connector}, {});
  ASSERT_TRUE(worker.ok()) << worker.status();
  // The good records load, and the offset moves past the bad one.
  EXPECT_TRUE((*worker)->WaitUntil([&] { return Committed() == 10; }, absl::Seconds(60)))
      << "committed " << Committed();
  (*worker)->Stop();
  ASSERT_TRUE((*worker)->Wait().ok());
  std::set<int64_t> expected = {0, 1, 2, 3, 4, 6, 7, 8, 9};
  EXPECT_EQ(Ids(), expected);
  auto status = (*worker)->worker().Status();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].tasks[0].records_skipped, 1);
  EXPECT_EQ(status[0].tasks[0].records_dead_lettered, 1);
  ASSERT_FALSE(status[0].tasks[0].recent_errors.empty());
  EXPECT_EQ(status[0].tasks[0].recent_errors.back().stage, c.stage);
  EXPECT_EQ(status[0].tasks[0].recent_errors.back().offset, 5);

  // Read back by a real consumer: the original record, byte for byte, and
  // Connect's headers after the original ones.
  auto dlq = env_->ReadTopic(kDlq);
  ASSERT_TRUE(dlq.ok()) << dlq.status();
  ASSERT_EQ(dlq->size(), 1u);
  const RawRecord& r = (*dlq)[0];
  EXPECT_EQ(r.key, c.bad.key);
  EXPECT_EQ(r.value, c.bad.value);
  EXPECT_EQ(r.timestamp_ms, kTimestamp + 5);
  ASSERT_EQ(r.headers.size(), c.bad.headers.size() + 10 + (c.stage == "TASK_PUT" ? 2 : 0));
  for (size_t i = 0; i < c.bad.headers.size(); ++i) EXPECT_EQ(r.headers[i], c.bad.headers[i]);
  const size_t k = c.bad.headers.size();
  auto expect_header = [&](size_t i, const std::string& key, const std::string& value) {
    EXPECT_EQ(r.headers[k + i].first, key);
    EXPECT_EQ(r.headers[k + i].second, value) << key;
  };
  expect_header(0, "__connect.errors.topic", kTopic);
  expect_header(1, "__connect.errors.partition", "0");
  expect_header(2, "__connect.errors.offset", "5");
  expect_header(3, "__connect.errors.connector.name", "events-sink");
  expect_header(4, "__connect.errors.task.id", "0");
  expect_header(5, "__connect.errors.stage", c.stage);
  expect_header(6, "__connect.errors.class.name", c.executing_class);
  expect_header(7, "__connect.errors.exception.class.name", c.exception_class);
  EXPECT_EQ(r.headers[k + 8].first, "__connect.errors.exception.message");
  EXPECT_FALSE(r.headers[k + 8].second.value_or("").empty());
  EXPECT_EQ(r.headers[k + 9].first, "__connect.errors.exception.stacktrace");
  EXPECT_TRUE(absl::StartsWith(r.headers[k + 9].second.value_or(""), c.exception_class + ": "));
  if (c.stage == "TASK_PUT") {
    EXPECT_EQ(r.headers[k + 10].first, "__ferry.errors.bigquery.reason");
    EXPECT_FALSE(r.headers[k + 10].second.value_or("").empty());
    expect_header(11, "__ferry.errors.bigquery.location", "n");
  }
}

TEST_P(StageTest, NotToleratedStopsTheTaskAtTheRecord) {
  const StageCase& c = GetParam();
  Produce(10, {{5, c.bad}}, c.json_keys);
  Props connector = Connector("none");
  c.configure(connector);
  auto worker = WorkerThread::Start(Worker(), {connector}, {});
  ASSERT_TRUE(worker.ok()) << worker.status();
  // A record that stops the task would stop it again: no restart.
  absl::Status result = (*worker)->Wait();
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(absl::StrContains(result.message(), c.stage)) << result;
  EXPECT_TRUE(absl::StrContains(result.message(), "offset 5")) << result;
  EXPECT_EQ(Committed(), 5);
  // Records after the bad one may be written (the batch went together), but
  // none before it is missing.
  std::set<int64_t> ids = Ids();
  for (int64_t i = 0; i < 5; ++i) EXPECT_TRUE(ids.count(i)) << i;
  auto status = (*worker)->worker().Status();
  EXPECT_EQ(status[0].tasks[0].state, runtime::TaskState::kFailed);
  EXPECT_EQ(status[0].tasks[0].restarts, 0);
  EXPECT_EQ(status[0].tasks[0].recent_errors.back().stage, c.stage);
  auto dlq = kafka::PartitionCount(env_->bootstrap(), kDlq);
  if (dlq.ok()) {
    auto records = env_->ReadTopic(kDlq);
    ASSERT_TRUE(records.ok());
    EXPECT_TRUE(records->empty());
  }
}

INSTANTIATE_TEST_SUITE_P(Stages, StageTest, ::testing::ValuesIn(StageCases()),
                         [](const auto& info) { return info.param.name; });

TEST_F(ErrorsTest, BigQueryRejectionsAmongAThousandGoToTheDeadLetterQueue) {
  std::map<int, kafka::ProducerRecord> bad = {
      {17, Record(std::string("k-17"), std::string(R"({"id":17,"name":"x","n":"abc"})"))},
      {500, Record(std::string("k-500"), std::string(R"({"name":"no id","n":500})"))},
      {901, Record(std::string("k-901"), std::string(R"({"id":901,"name":"x","n":1e30})"))},
  };
  Produce(1000, bad);
  Props connector = Connector("all");
  auto worker = WorkerThread::Start(Worker(), {connector}, {});
  ASSERT_TRUE(worker.ok()) << worker.status();
  EXPECT_TRUE((*worker)->WaitUntil([&] { return Committed() == 1000; }, absl::Seconds(60)));
  (*worker)->Stop();
  ASSERT_TRUE((*worker)->Wait().ok());
  std::set<int64_t> ids = Ids();
  EXPECT_EQ(ids.size(), 997u);
  EXPECT_FALSE(ids.count(17) || ids.count(500) || ids.count(901));
  auto dlq = env_->ReadTopic(kDlq);
  ASSERT_TRUE(dlq.ok()) << dlq.status();
  ASSERT_EQ(dlq->size(), 3u);
  std::set<std::string> offsets, locations;
  for (const RawRecord& r : *dlq) {
    EXPECT_EQ(HeaderOf(r, "__connect.errors.stage"), "TASK_PUT");
    offsets.insert(HeaderOf(r, "__connect.errors.offset").value_or(""));
    locations.insert(HeaderOf(r, "__ferry.errors.bigquery.location").value_or(""));
    EXPECT_FALSE(HeaderOf(r, "__ferry.errors.bigquery.reason").value_or("").empty());
  }
  EXPECT_EQ(offsets, (std::set<std::string>{"17", "500", "901"}));
  EXPECT_EQ(locations, (std::set<std::string>{"n", "id"}));
  auto status = (*worker)->worker().Status();
  EXPECT_EQ(status[0].tasks[0].bigquery_rejections, 3);
  EXPECT_EQ(status[0].tasks[0].records_dead_lettered, 3);
}

TEST_F(ErrorsTest, FailedRecordsAlsoGoToTheBigQueryErrorTable) {
  Produce(10, {{5, Record(std::string("k-5"), std::string(R"({"id":5,"n":"NaN"})"),
                          {{"h", std::string("x")}})},
               {7, Record(std::string("k-7"), std::string("{not json"))}});
  Props connector = Connector("all");
  connector["ferry.errors.bigquery.table.enable"] = "true";
  auto worker = WorkerThread::Start(Worker(), {connector}, {});
  ASSERT_TRUE(worker.ok()) << worker.status();
  EXPECT_TRUE((*worker)->WaitUntil([&] { return Committed() == 10; }, absl::Seconds(60)));
  (*worker)->Stop();
  ASSERT_TRUE((*worker)->Wait().ok());
  // Beside the DLQ, one row per failed record, for SQL.
  auto rows = env_->ReadTable("d", "events_errors");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  std::map<std::string, nlohmann::json> by_offset;
  for (const nlohmann::json& row : *rows) by_offset[row["offset"].get<std::string>()] = row;
  ASSERT_TRUE(by_offset.count("5") && by_offset.count("7"));
  EXPECT_EQ(by_offset["5"]["stage"], "TASK_PUT");
  EXPECT_EQ(by_offset["5"]["bigquery_location"], "n");
  EXPECT_EQ(by_offset["5"]["topic"], kTopic);
  EXPECT_EQ(by_offset["5"]["connector"], "events-sink");
  EXPECT_EQ(by_offset["7"]["stage"], "VALUE_CONVERTER");
  EXPECT_EQ(by_offset["7"]["exception_class"], "org.apache.kafka.connect.errors.DataException");
  EXPECT_EQ(Ids(), (std::set<int64_t>{0, 1, 2, 3, 4, 6, 8, 9}));
  auto dlq = env_->ReadTopic(kDlq);
  ASSERT_TRUE(dlq.ok());
  EXPECT_EQ(dlq->size(), 2u);
}

}  // namespace
}  // namespace ferry::testing
