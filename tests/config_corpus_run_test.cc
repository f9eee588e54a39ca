// The config corpus (examples/configs/valid) run for real: each connector
// config, as users write it for Kafka Connect, runs unchanged against the
// embedded Kafka and the BigQuery emulator on records shaped for it. The test
// adds only the emulator's endpoints (ferry.bigquery.*.endpoint) and creates
// the datasets and tables a user would have created beforehand. Each run
// ends when every record in the connector's topics has been handled; then the
// worker stops gracefully and the consumer group must be committed at the end
// of every partition (nothing is left behind), and the tables and dead-letter
// queues must hold exactly what the config says they should.
//
// Also `ferry validate --format json` on the whole corpus, through the binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "alert/clock.h"
#include "alert/testing/webhook_receiver.h"
#include "config/config_providers.h"
#include "config/properties.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "tests/component_env.h"

namespace ferry::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAreArray;
using Props = std::map<std::string, std::string>;
using HeaderList = std::vector<std::pair<std::string, std::optional<std::string>>>;
using nlohmann::json;
namespace bq = ferry::bigquery;
using FT = bq::FieldType;
using FM = bq::FieldMode;

constexpr char kProject[] = "my-project";  // as the corpus configs say.
constexpr int64_t kDay24 = 1795478400000;  // 2026-11-24T00:00:00Z, in ms.
constexpr int64_t kDay25 = 1795564800000;  // 2026-11-25T00:00:00Z.

kafka::ProducerRecord Rec(const std::string& topic, std::optional<std::string> value,
                          std::optional<std::string> key = std::nullopt, HeaderList headers = {},
                          int64_t timestamp_ms = kDay24 + 3600000) {
  kafka::ProducerRecord r;
  r.topic = topic;
  r.partition = -1;
  r.key = std::move(key);
  r.value = std::move(value);
  r.headers = std::move(headers);
  r.timestamp_ms = timestamp_ms;
  return r;
}

std::optional<std::string> HeaderOf(const RawRecord& r, const std::string& key) {
  for (const auto& [k, v] : r.headers) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::vector<std::string> ColumnNames(const bq::Table& t) {
  std::vector<std::string> out;
  for (const auto& f : t.schema.fields) out.push_back(f.name);
  return out;
}

class CorpusRunTest : public ::testing::Test {
 protected:
  // The embedded Kafka with these topics ("name:partitions") and the emulator.
  void Start(std::vector<std::string> topics) {
    topics_ = topics;
    auto env = ComponentEnv::Start({.topics = std::move(topics), .project = kProject});
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(*env);
  }

  // A corpus config with its ${provider:…} variables resolved, as `ferry
  // standalone` does, pointed at the emulator.
  Props Load(const std::string& name) {
    auto file = LoadConfigFile(absl::StrCat(FERRY_EXAMPLES_DIR, "/configs/valid/", name));
    EXPECT_TRUE(file.ok()) << file.status();
    if (!file.ok()) return {};
    auto providers = ConfigProviders::FromWorkerConfig({});
    auto resolved = providers->Resolve(file->props);
    EXPECT_TRUE(resolved.ok()) << resolved.status();
    if (!resolved.ok()) return {};
    Props props = resolved->props;
    props["ferry.bigquery.rest.endpoint"] = env_->bigquery().rest_endpoint();
    props["ferry.bigquery.storage.endpoint"] = env_->bigquery().grpc_endpoint();
    return props;
  }

  void Send(const std::vector<kafka::ProducerRecord>& records) {
    auto producer = kafka::Producer::Create({{"bootstrap.servers", env_->bootstrap()}});
    ASSERT_TRUE(producer.ok()) << producer.status();
    for (const auto& r : records) ASSERT_TRUE((*producer)->Send(r).ok());
    ASSERT_TRUE((*producer)->Flush(30000).ok());
    ASSERT_EQ((*producer)->failed(), 0);
  }

  // The end offset of every partition of the topics the test created.
  std::map<TopicPartition, int64_t> Ends() {
    std::map<TopicPartition, int64_t> ends;
    for (const std::string& spec : topics_) {
      const std::string topic = spec.substr(0, spec.find(':'));
      const int partitions = std::stoi(spec.substr(spec.find(':') + 1));
      auto marks = kafka::Watermarks(env_->bootstrap(), topic, partitions);
      EXPECT_TRUE(marks.ok()) << marks.status();
      if (!marks.ok()) continue;
      for (const auto& [p, lh] : *marks) ends[TopicPartition{topic, p}] = lh.second;
    }
    return ends;
  }

  // Runs the connector until it has handled every record now in `topics`,
  // calls before_stop, stops the worker gracefully, and checks that the
  // connector's group is committed at the end of each of those partitions.
  // Partitions of other topics must have no committed offset.
  void Run(const Props& connector, const std::set<std::string>& topics,
           const std::function<void(WorkerThread&)>& before_stop = {}) {
    std::map<TopicPartition, int64_t> ends = Ends();
    auto worker = WorkerThread::Start(env_->WorkerProps(), {connector}, {});
    ASSERT_TRUE(worker.ok()) << worker.status();
    auto handled = [&] {
      std::map<TopicPartition, int64_t> position;
      for (const auto& c : (*worker)->worker().Status()) {
        for (const auto& t : c.tasks) {
          if (t.state == runtime::TaskState::kFailed) return true;  // reported below.
          for (const auto& [tp, p] : t.progress) position[tp] = std::max(position[tp], p.first);
        }
      }
      for (const auto& [tp, end] : ends) {
        if (topics.contains(tp.topic) && end > 0 && position[tp] < end) return false;
      }
      return true;
    };
    // Generous: with the crash tests beside it on two cores, a group of two
    // tasks has taken close to a minute to form.
    ASSERT_TRUE((*worker)->WaitUntil(handled, absl::Seconds(300)));
    for (const auto& c : (*worker)->worker().Status()) {
      for (const auto& t : c.tasks) {
        ASSERT_NE(t.state, runtime::TaskState::kFailed) << t.trace;
      }
    }
    if (before_stop) before_stop(**worker);
    (*worker)->Stop();
    ASSERT_TRUE((*worker)->Wait().ok());
    const std::string group = "connect-" + connector.at("name");
    std::map<std::string, int> partitions;
    for (const auto& [tp, end] : ends)
      partitions[tp.topic] = std::max(partitions[tp.topic], tp.partition + 1);
    for (const auto& [topic, n] : partitions) {
      auto committed = kafka::CommittedOffsets(env_->bootstrap(), group, topic, n);
      ASSERT_TRUE(committed.ok()) << committed.status();
      for (const auto& [p, offset] : *committed) {
        const int64_t end = ends[TopicPartition{topic, p}];
        if (!topics.contains(topic)) {
          EXPECT_LT(offset, 0) << topic << "-" << p << " is not the connector's";
        } else if (end > 0) {
          EXPECT_EQ(offset, end) << topic << "-" << p;
        }
      }
    }
  }

  // Every row of a table, ordered by one of its columns (compared as text,
  // or as numbers when both are).
  std::vector<json> Rows(const std::string& dataset, const std::string& table,
                         const std::string& order_by) {
    auto rows = env_->ReadTable(dataset, table);
    EXPECT_TRUE(rows.ok()) << rows.status();
    if (!rows.ok()) return {};
    auto key = [&](const json& row) {
      const json& v = row[order_by];
      const std::string s = v.is_string() ? v.get<std::string>() : v.dump();
      char* end = nullptr;
      const double d = std::strtod(s.c_str(), &end);
      return std::make_pair(end && *end == '\0' ? d : 0.0, s);
    };
    std::sort(rows->begin(), rows->end(),
              [&](const json& a, const json& b) { return key(a) < key(b); });
    return *rows;
  }

  std::vector<std::string> Values(const std::vector<json>& rows, const std::string& column) {
    std::vector<std::string> out;
    for (const json& row : rows) {
      const json& v = row[column];
      out.push_back(v.is_null() ? "NULL" : v.is_string() ? v.get<std::string>() : v.dump());
    }
    return out;
  }

  bq::Table Table(const std::string& dataset, const std::string& table) {
    auto rest = env_->Rest();
    EXPECT_TRUE(rest.ok());
    auto t = (*rest)->GetTable({kProject, dataset, table});
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? *t : bq::Table{};
  }

  std::vector<std::string> topics_;
  std::unique_ptr<ComponentEnv> env_;
};

// The CloudEvents serverlog: binary and structured events into an
// auto-created table, partitioned by ce_time and clustered, with Kafka
// coordinates in a record column; three tasks share six partitions.
TEST_F(CorpusRunTest, ServerlogCloudEvents) {
  Start({"serverlog.member:6"});
  ASSERT_TRUE(env_->CreateDataset("serverlog").ok());
  Props c = Load("01-serverlog-cloudevents.properties");
  auto produced = env_->Produce({.topic = "serverlog.member", .count = 300});
  ASSERT_TRUE(produced.ok()) << produced.status();
  Run(c, {"serverlog.member"});
  std::vector<json> rows = Rows("serverlog", "serverlog_kafka", "ce_id");
  ASSERT_EQ(rows.size(), 300u);
  std::set<std::string> ids;
  std::set<std::pair<std::string, std::string>> positions;
  for (const json& row : rows) {
    ids.insert(row["ce_id"].get<std::string>());
    EXPECT_EQ(row["ce_specversion"], "1.0");
    EXPECT_EQ(row["kafka"]["topic"], "serverlog.member");
    positions.insert(
        {row["kafka"]["partition"].get<std::string>(), row["kafka"]["offset"].get<std::string>()});
  }
  EXPECT_EQ(ids.size(), 300u);
  EXPECT_EQ(positions.size(), 300u);
  const bq::Table t = Table("serverlog", "serverlog_kafka");
  ASSERT_TRUE(t.time_partitioning.has_value());
  EXPECT_EQ(t.time_partitioning->type, "DAY");
  EXPECT_EQ(t.time_partitioning->field, "ce_time");
  EXPECT_THAT(t.clustering_fields, ElementsAre("ce_type", "ce_subject"));
}

// Schemaless JSON from two topics into tables named by sanitized topic
// names; a new field adds a column, a missing REQUIRED one relaxes it.
TEST_F(CorpusRunTest, JsonSchemalessWithSchemaUpdates) {
  Start({"events.clicks:2", "events.views:2"});
  for (const char* table : {"events_clicks", "events_views"}) {
    ASSERT_TRUE(env_->CreateTable("events", table,
                                  {Column("id", FT::kInteger, FM::kRequired),
                                   Column("page", FT::kString, FM::kRequired)})
                    .ok());
  }
  std::vector<kafka::ProducerRecord> records;
  for (int i = 0; i < 20; ++i) {
    json v = {{"id", i}, {"page", absl::StrCat("/p/", i)}};
    if (i >= 10) v["referrer"] = "https://example.com/";
    records.push_back(Rec("events.clicks", v.dump(), absl::StrCat("u-", i)));
  }
  for (int i = 0; i < 10; ++i) {
    records.push_back(Rec("events.views", json{{"id", i}}.dump(), absl::StrCat("u-", i)));
  }
  Send(records);
  Run(Load("02-json-schemaless.properties"), {"events.clicks", "events.views"});

  std::vector<json> clicks = Rows("events", "events_clicks", "id");
  ASSERT_EQ(clicks.size(), 20u);
  EXPECT_EQ(clicks[3]["page"], "/p/3");
  EXPECT_TRUE(clicks[3]["referrer"].is_null());
  EXPECT_EQ(clicks[15]["referrer"], "https://example.com/");
  const bq::Table ct = Table("events", "events_clicks");
  EXPECT_THAT(ColumnNames(ct), ElementsAre("id", "page", "referrer"));
  EXPECT_EQ(ct.schema.fields[2].mode, FM::kNullable);

  std::vector<json> views = Rows("events", "events_views", "id");
  ASSERT_EQ(views.size(), 10u);
  EXPECT_TRUE(views[0]["page"].is_null());
  EXPECT_EQ(Table("events", "events_views").schema.fields[1].mode, FM::kNullable);
}

// JsonConverter envelopes (key and value), NUMERIC decimals, a Timestamp
// and an array, into an auto-created hourly-partitioned table with the
// Kafka key and coordinates as columns.
TEST_F(CorpusRunTest, JsonEnvelopeWithLogicalTypes) {
  Start({"orders:1"});
  ASSERT_TRUE(env_->CreateDataset("sales").ok());
  const json schema = {{"type", "struct"},
                       {"name", "shop.Order"},
                       {"optional", false},
                       {"fields",
                        {{{"field", "order_id"}, {"type", "int64"}, {"optional", false}},
                         {{"field", "amount"},
                          {"type", "bytes"},
                          {"optional", false},
                          {"name", "org.apache.kafka.connect.data.Decimal"},
                          {"version", 1},
                          {"parameters", {{"scale", "2"}, {"connect.decimal.precision", "10"}}}},
                         {{"field", "placed_at"},
                          {"type", "int64"},
                          {"optional", false},
                          {"name", "org.apache.kafka.connect.data.Timestamp"},
                          {"version", 1}},
                         {{"field", "rate"},
                          {"type", "bytes"},
                          {"optional", false},
                          {"name", "org.apache.kafka.connect.data.Decimal"},
                          {"version", 1},
                          {"parameters", {{"scale", "9"}}}},
                         {{"field", "note"}, {"type", "string"}, {"optional", true}},
                         {{"field", "items"},
                          {"type", "array"},
                          {"optional", false},
                          {"items", {{"type", "string"}, {"optional", false}}}}}}};
  std::vector<kafka::ProducerRecord> records;
  for (int i = 0; i < 5; ++i) {
    json payload = {{"order_id", 1000 + i},
                    {"amount", json::parse(absl::StrCat(i * 10 + 1, ".25"))},
                    {"placed_at", kDay24 + i * 60000},
                    {"rate", "@rate"},  // replaced below by its exact text.
                    {"note", i == 2 ? json("gift") : json(nullptr)},
                    {"items", {"sku-1", absl::StrCat("sku-", 2 + i)}}};
    json key = {{"schema", {{"type", "string"}, {"optional", false}}},
                {"payload", absl::StrCat("order-", 1000 + i)}};
    // The rate as written: 17 significant digits, more than a double holds.
    const std::string value =
        absl::StrReplaceAll(json{{"schema", schema}, {"payload", payload}}.dump(),
                            {{"\"@rate\"", absl::StrCat("1234567", i, ".123456789")}});
    records.push_back(Rec("orders", value, key.dump()));
  }
  Send(records);
  Run(Load("03-json-envelope.properties"), {"orders"});

  std::vector<json> rows = Rows("sales", "orders", "order_id");
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_THAT(Values(rows, "amount"), ElementsAre("1.25", "11.25", "21.25", "31.25", "41.25"));
  EXPECT_THAT(Values(rows, "rate"),
              ElementsAre("12345670.123456789", "12345671.123456789", "12345672.123456789",
                          "12345673.123456789", "12345674.123456789"));
  EXPECT_THAT(Values(rows, "note"), ElementsAre("NULL", "NULL", "gift", "NULL", "NULL"));
  EXPECT_THAT(Values(rows, "kafka_key"),
              ElementsAre("order-1000", "order-1001", "order-1002", "order-1003", "order-1004"));
  EXPECT_EQ(rows[1]["placed_at"], std::to_string((kDay24 + 60000) * 1000));
  EXPECT_EQ(rows[1]["items"], json({"sku-1", "sku-3"}));
  EXPECT_EQ(rows[4]["kafka_data"]["topic"], "orders");
  EXPECT_EQ(rows[4]["kafka_data"]["offset"], "4");
  const bq::Table t = Table("sales", "orders");
  EXPECT_THAT(ColumnNames(t), ElementsAre("order_id", "amount", "placed_at", "rate", "note",
                                          "items", "kafka_data", "kafka_key"));
  EXPECT_EQ(t.schema.fields[3].type, FT::kNumeric);
  EXPECT_EQ(t.schema.fields[1].type, FT::kNumeric);
  EXPECT_EQ(t.schema.fields[2].type, FT::kTimestamp);
  EXPECT_EQ(t.schema.fields[5].mode, FM::kRepeated);
  ASSERT_TRUE(t.time_partitioning.has_value());
  EXPECT_EQ(t.time_partitioning->type, "HOUR");
  EXPECT_EQ(t.time_partitioning->expiration_ms, 2592000000);
}

// Debezium change events: the topics are found by regex, `after` is
// extracted from the envelope and RegexRouter names the table; a column
// added upstream is added to the table; deletes and tombstones are skipped.
// A topic outside the regex is never read.
TEST_F(CorpusRunTest, DebeziumTopicsByRegex) {
  Start({"dbserver1.inventory.customers:1", "dbserver1.inventory.orders:1",
         "dbserver1.other.audit:1"});
  ASSERT_TRUE(env_->CreateTable("inventory", "customers",
                                {Column("id", FT::kInteger, FM::kRequired),
                                 Column("first_name", FT::kString), Column("email", FT::kString)})
                  .ok());
  ASSERT_TRUE(
      env_->CreateTable("inventory", "orders",
                        {Column("id", FT::kInteger, FM::kRequired),
                         Column("customer_id", FT::kInteger), Column("quantity", FT::kInteger)})
          .ok());
  // A Debezium envelope (schemas.enable=true, the JsonConverter default).
  auto envelope = [](const std::string& table, const json& row_fields, const json& before,
                     const json& after, const std::string& op) {
    const std::string prefix = "dbserver1.inventory." + table;
    json row = {{"type", "struct"},
                {"fields", row_fields},
                {"optional", true},
                {"name", prefix + ".Value"}};
    json source = {{"type", "struct"},
                   {"fields",
                    {{{"type", "string"}, {"optional", false}, {"field", "connector"}},
                     {{"type", "string"}, {"optional", false}, {"field", "db"}},
                     {{"type", "string"}, {"optional", true}, {"field", "table"}}}},
                   {"optional", false},
                   {"name", "io.debezium.connector.mysql.Source"},
                   {"field", "source"}};
    json before_field = row;
    before_field["field"] = "before";
    json after_field = row;
    after_field["field"] = "after";
    json schema = {{"type", "struct"},
                   {"fields",
                    {before_field,
                     after_field,
                     source,
                     {{"type", "string"}, {"optional", false}, {"field", "op"}},
                     {{"type", "int64"}, {"optional", true}, {"field", "ts_ms"}}}},
                   {"optional", false},
                   {"name", prefix + ".Envelope"}};
    json payload = {{"before", before},
                    {"after", after},
                    {"source", {{"connector", "mysql"}, {"db", "inventory"}, {"table", table}}},
                    {"op", op},
                    {"ts_ms", kDay24}};
    return json{{"schema", schema}, {"payload", payload}}.dump();
  };
  auto key = [](int id) {
    return json{{"schema",
                 {{"type", "struct"},
                  {"fields", {{{"type", "int32"}, {"optional", false}, {"field", "id"}}}},
                  {"optional", false}}},
                {"payload", {{"id", id}}}}
        .dump();
  };
  const json customer = {{{"type", "int32"}, {"optional", false}, {"field", "id"}},
                         {{"type", "string"}, {"optional", false}, {"field", "first_name"}},
                         {{"type", "string"}, {"optional", false}, {"field", "email"}}};
  json customer_v2 = customer;
  customer_v2.push_back({{"type", "string"}, {"optional", true}, {"field", "phone"}});
  const json order = {{{"type", "int32"}, {"optional", false}, {"field", "id"}},
                      {{"type", "int32"}, {"optional", false}, {"field", "customer_id"}},
                      {{"type", "int32"}, {"optional", false}, {"field", "quantity"}}};
  const char* kCustomers = "dbserver1.inventory.customers";
  const char* kOrders = "dbserver1.inventory.orders";
  Send({
      Rec(kCustomers,
          envelope("customers", customer, nullptr,
                   {{"id", 1001}, {"first_name", "Sally"}, {"email", "sally@example.com"}}, "r"),
          key(1001)),
      Rec(kCustomers,
          envelope("customers", customer, nullptr,
                   {{"id", 1002}, {"first_name", "George"}, {"email", "gbailey@example.com"}}, "c"),
          key(1002)),
      Rec(kCustomers,
          envelope("customers", customer_v2,
                   {{"id", 1001},
                    {"first_name", "Sally"},
                    {"email", "sally@example.com"},
                    {"phone", nullptr}},
                   {{"id", 1001},
                    {"first_name", "Sally"},
                    {"email", "sally@example.org"},
                    {"phone", "+31 20 555 0100"}},
                   "u"),
          key(1001)),
      Rec(kOrders,
          envelope("orders", order, nullptr,
                   {{"id", 10001}, {"customer_id", 1001}, {"quantity", 1}}, "c"),
          key(10001)),
      Rec(kOrders,
          envelope("orders", order, nullptr,
                   {{"id", 10002}, {"customer_id", 1002}, {"quantity", 2}}, "c"),
          key(10002)),
      // A delete, and the tombstone Debezium writes after it: both are null
      // values once `after` is extracted, skipped as the BigQuery connector
      // skips them (deleteEnabled=false).
      Rec(kOrders,
          envelope("orders", order, {{"id", 10002}, {"customer_id", 1002}, {"quantity", 2}},
                   nullptr, "d"),
          key(10002)),
      Rec(kOrders, std::nullopt, key(10002)),
      // Not matched by topics.regex: never consumed, so never committed.
      Rec("dbserver1.other.audit", R"({"schema":{"type":"string"},"payload":"x"})"),
  });
  Run(Load("04-debezium-topics.properties"), {kCustomers, kOrders}, [](WorkerThread& w) {
    int64_t filtered = 0;
    for (const auto& c : w.worker().Status()) {
      for (const auto& t : c.tasks) filtered += t.records_filtered;
    }
    EXPECT_EQ(filtered, 2);
  });

  std::vector<json> customers = Rows("inventory", "customers", "email");
  ASSERT_EQ(customers.size(), 3u);
  EXPECT_THAT(Values(customers, "email"),
              ElementsAre("gbailey@example.com", "sally@example.com", "sally@example.org"));
  EXPECT_THAT(Values(customers, "phone"), ElementsAre("NULL", "NULL", "+31 20 555 0100"));
  EXPECT_THAT(ColumnNames(Table("inventory", "customers")),
              ElementsAre("id", "first_name", "email", "phone"));
  std::vector<json> orders = Rows("inventory", "orders", "id");
  EXPECT_THAT(Values(orders, "quantity"), ElementsAre("1", "2"));
  EXPECT_THAT(Values(orders, "customer_id"), ElementsAre("1001", "1002"));
}

// RegexRouter then TimestampRouter: one table per source and UTC day of the
// record timestamp.
TEST_F(CorpusRunTest, RegexThenTimestampRouting) {
  Start({"logs.web:1", "logs.api:1", "logs.batch:1"});
  for (const char* table :
       {"web_log_20261124", "web_log_20261125", "api_log_20261124", "batch_log_20261125"}) {
    ASSERT_TRUE(
        env_->CreateTable("logs", table, {Column("level", FT::kString), Column("msg", FT::kString)})
            .ok());
  }
  auto log = [](const std::string& topic, const std::string& msg, int64_t ts) {
    return Rec(topic, json{{"level", "INFO"}, {"msg", msg}}.dump(), std::nullopt, {}, ts);
  };
  Send({log("logs.web", "w1", kDay24), log("logs.web", "w2", kDay24 + 86399999),
        log("logs.web", "w3", kDay25), log("logs.api", "a1", kDay24 + 1),
        log("logs.api", "a2", kDay24 + 2), log("logs.batch", "b1", kDay25 + 5)});
  Run(Load("05-regex-routing.properties"), {"logs.web", "logs.api", "logs.batch"});

  EXPECT_THAT(Values(Rows("logs", "web_log_20261124", "msg"), "msg"), ElementsAre("w1", "w2"));
  EXPECT_THAT(Values(Rows("logs", "web_log_20261125", "msg"), "msg"), ElementsAre("w3"));
  EXPECT_THAT(Values(Rows("logs", "api_log_20261124", "msg"), "msg"), ElementsAre("a1", "a2"));
  EXPECT_THAT(Values(Rows("logs", "batch_log_20261125", "msg"), "msg"), ElementsAre("b1"));
}

// Records with a `test` header are filtered out (their offsets still
// commit); a traceparent header becomes a column.
TEST_F(CorpusRunTest, HeaderFilterAndHeaderColumn) {
  Start({"events:1"});
  ASSERT_TRUE(env_->CreateTable("events", "events", {Column("id", FT::kInteger)}).ok());
  const std::string trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  std::vector<kafka::ProducerRecord> records;
  for (int i = 0; i < 10; ++i) {
    HeaderList headers;
    if (i == 3 || i == 6) headers.push_back({"test", std::string("true")});
    if (i == 1 || i == 3) headers.push_back({"traceparent", trace});
    if (i == 2) headers.push_back({"traceparent", std::string("1234")});
    records.push_back(Rec("events", json{{"id", i}}.dump(), std::nullopt, headers));
  }
  Send(records);
  Run(Load("06-header-filter.properties"), {"events"});

  std::vector<json> rows = Rows("events", "events", "id");
  EXPECT_THAT(Values(rows, "id"), ElementsAre("0", "1", "2", "4", "5", "7", "8", "9"));
  EXPECT_THAT(Values(rows, "trace_parent"),
              ElementsAre("NULL", trace, "1234", "NULL", "NULL", "NULL", "NULL", "NULL"));
}

// errors.tolerance=all with a dead-letter queue, context headers and the
// BigQuery error table: bad records at the converter and at BigQuery go to
// both, the rest loads; two tasks, and the DLQ producer compresses with zstd.
TEST_F(CorpusRunTest, DeadLetterQueueAndErrorTable) {
  Start({"events:2"});
  ASSERT_TRUE(
      env_->CreateTable("events", "events",
                        {Column("id", FT::kInteger, FM::kRequired), Column("name", FT::kString)})
          .ok());
  std::vector<kafka::ProducerRecord> records;
  for (int i = 0; i < 20; ++i) {
    records.push_back(Rec("events", json{{"id", i}, {"name", "ok"}}.dump(), absl::StrCat("k", i)));
  }
  records.push_back(Rec("events", std::string(R"({"id": 20, "name": )"), std::string("bad-json")));
  records.push_back(
      Rec("events", json{{"id", "twenty-one"}, {"name", "x"}}.dump(), std::string("bad-type")));
  Send(records);
  Run(Load("07-dlq-settings.properties"), {"events"});

  std::vector<json> rows = Rows("events", "events", "id");
  ASSERT_EQ(rows.size(), 20u);
  EXPECT_EQ(rows.back()["id"], "19");
  auto dlq = env_->ReadTopic("events-dlq");
  ASSERT_TRUE(dlq.ok()) << dlq.status();
  std::map<std::string, std::string> stage_by_key;
  for (const RawRecord& r : *dlq) {
    stage_by_key[r.key.value_or("")] = HeaderOf(r, "__connect.errors.stage").value_or("");
    EXPECT_EQ(HeaderOf(r, "__connect.errors.topic"), "events");
    EXPECT_TRUE(HeaderOf(r, "__connect.errors.exception.message").has_value());
  }
  EXPECT_EQ(stage_by_key, (std::map<std::string, std::string>{{"bad-json", "VALUE_CONVERTER"},
                                                              {"bad-type", "TASK_PUT"}}));
  std::vector<json> errors = Rows("events", "events_errors", "stage");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_THAT(Values(errors, "stage"), ElementsAre("TASK_PUT", "VALUE_CONVERTER"));
}

// The legacy insertAll path (useStorageWriteApi=false).
TEST_F(CorpusRunTest, InsertAllLegacy) {
  Start({"metrics:1"});
  ASSERT_TRUE(env_->CreateTable("metrics", "metrics",
                                {Column("name", FT::kString), Column("value", FT::kFloat),
                                 Column("host", FT::kString)})
                  .ok());
  std::vector<kafka::ProducerRecord> records;
  for (int i = 0; i < 25; ++i) {
    records.push_back(
        Rec("metrics", json{{"name", "cpu"}, {"value", i + 0.5}, {"host", "h1"}}.dump()));
  }
  Send(records);
  Run(Load("08-insertall-legacy.properties"), {"metrics"});
  std::vector<json> rows = Rows("metrics", "metrics", "value");
  ASSERT_EQ(rows.size(), 25u);
  EXPECT_EQ(rows[0]["value"], "0.5");
  EXPECT_EQ(rows[24]["value"], "24.5");
}

// Storage Write API batch mode: rows wait in PENDING streams until the
// commit (every commitInterval=300 s, or when the task stops), and offsets
// are committed only after it.
TEST_F(CorpusRunTest, BatchModeCommitsOnStop) {
  Start({"clicks:2"});
  ASSERT_TRUE(env_->CreateTable("clicks", "clicks",
                                {Column("id", FT::kInteger), Column("page", FT::kString)})
                  .ok());
  std::vector<kafka::ProducerRecord> records;
  for (int i = 0; i < 50; ++i) {
    records.push_back(Rec("clicks", json{{"id", i}, {"page", "/"}}.dump(), absl::StrCat("u", i)));
  }
  Send(records);
  Run(Load("09-batch-mode.properties"), {"clicks"}, [&](WorkerThread& w) {
    EXPECT_EQ(w.Written(), 50);
    EXPECT_EQ(Rows("clicks", "clicks", "id").size(), 0u) << "visible before the batch commit";
    auto committed =
        kafka::CommittedOffsets(env_->bootstrap(), "connect-clicks-batch", "clicks", 2);
    ASSERT_TRUE(committed.ok());
    // Nothing is committed past a record before its batch is committed.
    EXPECT_THAT(*committed, ::testing::Each(::testing::Pair(::testing::_, ::testing::Le(0))));
  });
  std::vector<json> rows = Rows("clicks", "clicks", "id");
  ASSERT_EQ(rows.size(), 50u);
  EXPECT_EQ(rows[49]["id"], "49");
}

// InsertField, MaskField, ReplaceField and Cast in a chain on schemaless JSON.
TEST_F(CorpusRunTest, TransformChain) {
  Start({"payments:1"});
  ASSERT_TRUE(
      env_->CreateTable("finance", "payments",
                        {Column("id", FT::kInteger), Column("card_number", FT::kString),
                         Column("cvv", FT::kString), Column("amount", FT::kFloat),
                         Column("retries", FT::kInteger), Column("currency", FT::kString),
                         Column("source_topic", FT::kString), Column("source_offset", FT::kInteger),
                         Column("source_time", FT::kTimestamp)})
          .ok());
  std::vector<kafka::ProducerRecord> records;
  for (int i = 0; i < 3; ++i) {
    records.push_back(Rec("payments",
                          json{{"id", i},
                               {"card_number", "4111111111111111"},
                               {"cvv", "123"},
                               {"amt", absl::StrCat(10 + i, ".50")},
                               {"retries", std::to_string(i)},
                               {"currency", "EUR"},
                               {"internal_notes", "do not load"}}
                              .dump(),
                          std::nullopt, {}, kDay24 + i));
  }
  Send(records);
  Run(Load("10-transform-chain.properties"), {"payments"});
  std::vector<json> rows = Rows("finance", "payments", "id");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1], json({{"id", "1"},
                           {"card_number", "****"},
                           {"cvv", "****"},
                           {"amount", "11.5"},
                           {"retries", "1"},
                           {"currency", "EUR"},
                           {"source_topic", "payments"},
                           {"source_offset", "1"},
                           {"source_time", std::to_string((kDay24 + 1) * 1000)}}));
}

// Flatten, TimestampConverter (epoch millis to TIMESTAMP) and ValueToKey,
// into a table named by topic2TableMap, with field names sanitized.
TEST_F(CorpusRunTest, FlattenAndTimestamps) {
  Start({"devices.telemetry:1"});
  ASSERT_TRUE(
      env_->CreateTable("iot", "telemetry",
                        {Column("device_id", FT::kString), Column("location_lat", FT::kFloat),
                         Column("location_lon", FT::kFloat), Column("reading_time", FT::kTimestamp),
                         Column("sensor_temp_c", FT::kFloat)})
          .ok());
  std::vector<kafka::ProducerRecord> records;
  for (int i = 0; i < 4; ++i) {
    records.push_back(Rec("devices.telemetry",
                          json{{"device_id", absl::StrCat("d-", i)},
                               {"location", {{"lat", 52.37}, {"lon", 4.89}}},
                               {"reading_time", kDay24 + 123 + i},
                               {"sensor", {{"temp-c", 21.5 + i}}}}
                              .dump(),
                          std::string("\x01\x02\xff", 3)));
  }
  Send(records);
  Run(Load("11-flatten-timestamps.properties"), {"devices.telemetry"});
  std::vector<json> rows = Rows("iot", "telemetry", "device_id");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[2], json({{"device_id", "d-2"},
                           {"location_lat", "52.37"},
                           {"location_lon", "4.89"},
                           {"reading_time", std::to_string((kDay24 + 125) * 1000)},
                           {"sensor_temp_c", "23.5"}}));
}

// Slack alerts with the webhook URL from ${env:…}: more than
// ferry.alert.dlq.threshold records in the dead-letter queue raise one.
TEST_F(CorpusRunTest, AlertsWithSecretsFromTheEnvironment) {
  // Set before any thread of the test starts (setenv is not thread-safe).
  alert::testing::Receiver slack(&alert::RealClock());
  ASSERT_EQ(setenv("FERRY_CORPUS_SLACK_WEBHOOK", slack.Url("/services/T0/B0/secret").c_str(), 1),
            0);
  Start({"serverlog.member:1"});
  ASSERT_TRUE(
      env_->CreateTable("serverlog", "serverlog_kafka",
                        {Column("ce_id", FT::kString), Column("ce_source", FT::kString),
                         Column("ce_specversion", FT::kString), Column("ce_type", FT::kString),
                         Column("ce_subject", FT::kString), Column("ce_time", FT::kTimestamp),
                         Column("ce_datacontenttype", FT::kString),
                         Column("ce_extensions", FT::kJson), Column("data", FT::kJson)})
          .ok());
  Props c = Load("12-alerts-and-secrets.properties");
  ASSERT_EQ(c["ferry.alert.slack.webhook.url"], slack.Url("/services/T0/B0/secret"));
  auto produced = env_->Produce({.topic = "serverlog.member", .count = 200});
  ASSERT_TRUE(produced.ok()) << produced.status();
  // Binary-mode events without their ce_ headers: missing attributes.
  std::vector<kafka::ProducerRecord> bad;
  for (int i = 0; i < 120; ++i) {
    bad.push_back(Rec("serverlog.member", std::string(R"("no attributes")"),
                      absl::StrCat("bad-", i), {{"ce_type", std::string("member.login")}}));
  }
  Send(bad);
  Run(c, {"serverlog.member"},
      [&](WorkerThread&) { EXPECT_TRUE(slack.WaitFor(1, std::chrono::seconds(30))); });
  EXPECT_EQ(Rows("serverlog", "serverlog_kafka", "ce_id").size(), 200u);
  auto dlq = env_->ReadTopic("serverlog.member.dlq");
  ASSERT_TRUE(dlq.ok()) << dlq.status();
  EXPECT_EQ(dlq->size(), 120u);
  const auto requests = slack.received();
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests[0].path, "/services/T0/B0/secret");
  const json body = json::parse(requests[0].body);
  EXPECT_THAT(body["text"].get<std::string>(), ::testing::HasSubstr("dead-letter queue"));
  EXPECT_THAT(body["text"].get<std::string>(), ::testing::HasSubstr("serverlog-alerting"));
}

// `ferry validate --format json` on the corpus: one document, every file
// with its verdict and problems by key; exit code 1 when any is invalid.
std::vector<std::string> CorpusFiles(const std::string& kind) {
  std::vector<std::string> out;
  for (const auto& e :
       std::filesystem::directory_iterator(absl::StrCat(FERRY_EXAMPLES_DIR, "/configs/", kind))) {
    if (e.path().extension() == ".properties") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Runs `ferry validate --format json files…`; the exit code and the document.
std::pair<int, json> ValidateJson(const std::vector<std::string>& files, const std::string& log,
                                  const std::vector<std::string>& flags = {}) {
  std::filesystem::remove(log);
  std::vector<std::string> args = {FERRY_BINARY, "validate", "--format", "json"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.insert(args.end(), files.begin(), files.end());
  FerryProcess p(args, log);
  EXPECT_TRUE(p.started());
  const int code = p.Wait(std::chrono::seconds(60));
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  const std::string out = text.str();
  return {code, json::parse(out.substr(std::min(out.find('{'), out.size())), nullptr, false)};
}

TEST(ValidateCliTest, JsonReportOfTheCorpus) {
  ASSERT_EQ(
      setenv("FERRY_CORPUS_SLACK_WEBHOOK", "https://hooks.slack.com/services/T0/B0/s3cr3t", 1), 0);
  const std::string log = ::testing::TempDir() + "/validate.log";
  const std::vector<std::string> valid = CorpusFiles("valid");
  const std::vector<std::string> invalid = CorpusFiles("invalid");
  ASSERT_GE(valid.size(), 12u);
  ASSERT_GE(invalid.size(), 8u);

  auto [ok_code, ok] = ValidateJson(valid, log);
  EXPECT_EQ(ok_code, 0);
  ASSERT_TRUE(ok.is_object()) << ok;
  EXPECT_EQ(ok["valid"], true);
  ASSERT_EQ(ok["configs"].size(), valid.size());
  for (size_t i = 0; i < valid.size(); ++i) {
    EXPECT_EQ(ok["configs"][i], json({{"file", valid[i]},
                                      {"valid", true},
                                      {"errors", json::array()},
                                      {"warnings", json::array()}}));
  }
  // A directory stands for the config files in it, in name order.
  auto [dir_code, dir] = ValidateJson({FERRY_EXAMPLES_DIR "/configs/valid"}, log);
  EXPECT_EQ(dir_code, 0);
  ASSERT_TRUE(dir.is_object()) << dir;
  ASSERT_EQ(dir["configs"].size(), valid.size());
  for (size_t i = 0; i < valid.size(); ++i) {
    EXPECT_EQ(std::filesystem::path(dir["configs"][i]["file"].get<std::string>()).filename(),
              std::filesystem::path(valid[i]).filename());
  }

  std::vector<std::string> all = valid;
  all.insert(all.end(), invalid.begin(), invalid.end());
  auto [bad_code, bad] = ValidateJson(all, log);
  EXPECT_EQ(bad_code, 1);
  ASSERT_TRUE(bad.is_object()) << bad;
  EXPECT_EQ(bad["valid"], false);
  ASSERT_EQ(bad["configs"].size(), all.size());
  for (size_t i = valid.size(); i < all.size(); ++i) {
    const json& entry = bad["configs"][i];
    EXPECT_EQ(entry["file"], all[i]);
    EXPECT_EQ(entry["valid"], false) << all[i];
    EXPECT_FALSE(entry["errors"].empty()) << all[i];
    for (const json& e : entry["errors"]) {
      EXPECT_EQ(e.size(), 2u) << e;
      EXPECT_TRUE(e["key"].is_string() && e["message"].is_string()) << e;
    }
  }
  // The misspelt keys, answered by key with the closest valid one.
  const json& typos = bad["configs"][valid.size() + 1];
  ASSERT_THAT(typos["file"].get<std::string>(), ::testing::EndsWith("02-typos.properties"));
  EXPECT_THAT(typos["errors"].dump(), ::testing::HasSubstr("did you mean"));

  // --lenient mirrors the runtime on the same corpus: configs whose only
  // problems are keys nothing defines (kcbq 1.x keys, typos) are valid, with
  // the same messages as warnings; every other invalid config stays invalid
  // with the same errors.
  auto [lenient_code, lenient] = ValidateJson(all, log, {"--lenient"});
  EXPECT_EQ(lenient_code, 1);
  ASSERT_TRUE(lenient.is_object()) << lenient;
  ASSERT_EQ(lenient["configs"].size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    const json& strict_entry = bad["configs"][i];
    const json& entry = lenient["configs"][i];
    const std::string name = std::filesystem::path(all[i]).filename().string();
    const bool only_ignorable = name == "01-kcbq1-keys.properties" || name == "02-typos.properties";
    if (i < valid.size() || only_ignorable) {
      EXPECT_EQ(entry["valid"], true) << name << entry;
      EXPECT_EQ(entry["errors"], json::array()) << name;
      EXPECT_EQ(entry["warnings"], strict_entry["errors"]) << name;
    } else {
      // Still invalid: its blocking errors stay errors, and whatever it also
      // has that nothing defines moves to the warnings, message unchanged.
      EXPECT_EQ(entry["valid"], false) << name;
      EXPECT_FALSE(entry["errors"].empty()) << name;
      std::vector<std::string> strict, split;
      for (const json& e : strict_entry["errors"]) strict.push_back(e.dump());
      for (const json& e : entry["errors"]) split.push_back(e.dump());
      for (const json& e : entry["warnings"]) split.push_back(e.dump());
      std::sort(strict.begin(), strict.end());
      std::sort(split.begin(), split.end());
      EXPECT_EQ(split, strict) << name;
      if (name == "05-bad-transforms.properties") {
        EXPECT_THAT(entry["warnings"].dump(),
                    ::testing::HasSubstr("transforms.c.field.syntax.version"));
      }
    }
  }
  // A missing file is named once; a directory given where a file is
  // expected is an error.
  auto [missing_code, missing] = ValidateJson({"/nonexistent/c.properties"}, log);
  EXPECT_EQ(missing_code, 1);
  ASSERT_TRUE(missing.is_object()) << missing;
  EXPECT_EQ(missing["configs"][0]["errors"],
            json::parse(R"([{"key": "", "message": "No such file or directory"}])"));
  // Nothing resolved from ${env:…} is printed, even in the message about a
  // value that is wrong.
  const std::string bad_file = ::testing::TempDir() + "/bad-secret.properties";
  WriteProperties(bad_file, {{"name", "x"},
                             {"connector.class", "BigQuerySinkConnector"},
                             {"topics", "t"},
                             {"project", "p"},
                             {"defaultDataset", "d"},
                             {"ferry.alert.slack.webhook.url", "${env:FERRY_CORPUS_BAD_SECRET}"}});
  ASSERT_EQ(setenv("FERRY_CORPUS_BAD_SECRET", "ftp://s3cr3t-token", 1), 0);
  auto [bad_secret_code, bad_secret] = ValidateJson({bad_file}, log);
  EXPECT_EQ(bad_secret_code, 1);
  ASSERT_TRUE(bad_secret.is_object());
  ASSERT_EQ(bad_secret["configs"][0]["errors"].size(), 1u) << bad_secret;
  EXPECT_EQ(bad_secret["configs"][0]["errors"][0]["key"], "ferry.alert.slack.webhook.url");
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_THAT(text.str(), ::testing::Not(::testing::HasSubstr("s3cr3t")));
}

}  // namespace
}  // namespace ferry::testing
