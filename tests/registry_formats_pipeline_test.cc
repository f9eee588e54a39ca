// Protobuf and JSON Schema through a Schema Registry end to end, against the
// embedded Kafka, a local Schema Registry and the BigQuery emulator, as
// avro_pipeline_test does for Avro. The records are written independently of
// ferry: Protobuf payloads by protoc --encode (Debian's protobuf-compiler),
// JSON Schema payloads as plain JSON text; the schemas are registered over the
// registry's REST API and the wire format (magic byte, id, message indexes)
// is built by hand. Records land with the BigQuery column types of their
// Connect schemas (ProtobufData's and JsonSchemaData's mappings); a new schema
// version with a new optional field evolves the table; a record that is not
// in the wire format goes to the dead-letter queue with Confluent's error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "bigquery/rest_client.h"
#include "convert/testing/protoc.h"
#include "convert/testing/registry_http.h"
#include "kafka/producer.h"
#include "schemaregistry/test_registry.h"
#include "tests/component_env.h"

namespace ferry::testing {
namespace {

using Props = std::map<std::string, std::string>;
using schemaregistry::testing::TestRegistry;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kTopic[] = "orders";
constexpr char kDlq[] = "orders-dlq";

std::optional<std::string> HeaderOf(const RawRecord& r, const std::string& key) {
  for (const auto& [k, v] : r.headers) {
    if (k == key) return v;
  }
  return std::nullopt;
}

class RegistryFormatsPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = ComponentEnv::Start(
        {.topics = {std::string(kTopic) + ":1", std::string(kDlq) + ":1"}});
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(*env);
    auto registry = TestRegistry::Start();
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(*registry);
    dir_ = std::filesystem::path(::testing::TempDir()) /
           absl::StrCat("registry_formats_", getpid(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  int Register(const std::string& type, const std::string& schema) {
    absl::StatusOr<int> id =
        RegisterOverHttp(registry_->url(), std::string(kTopic) + "-value", type, schema);
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? *id : 0;
  }

  void Produce(const std::vector<std::string>& values) {
    auto producer = kafka::Producer::Create({{"bootstrap.servers", env_->bootstrap()}});
    ASSERT_TRUE(producer.ok()) << producer.status();
    for (const std::string& v : values) {
      ASSERT_TRUE((*producer)->Send({.topic = kTopic, .partition = 0, .value = v}).ok());
    }
    ASSERT_TRUE((*producer)->Flush(30000).ok());
  }

  Props Connector(const std::string& converter) const {
    return {
        {"name", "orders-sink"},
        {"connector.class", "com.wepay.kafka.connect.bigquery.BigQuerySinkConnector"},
        {"tasks.max", "1"},
        {"topics", kTopic},
        {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
        {"value.converter", converter},
        {"value.converter.schema.registry.url", registry_->url()},
        {"project", "ferry-local"},
        {"defaultDataset", "d"},
        {"autoCreateTables", "true"},
        {"allowNewBigQueryFields", "true"},
        {"errors.tolerance", "all"},
        {"errors.deadletterqueue.topic.name", kDlq},
        {"errors.deadletterqueue.topic.replication.factor", "1"},
        {"errors.deadletterqueue.context.headers.enable", "true"},
        {"ferry.bigquery.rest.endpoint", env_->bigquery().rest_endpoint()},
        {"ferry.bigquery.storage.endpoint", env_->bigquery().grpc_endpoint()},
    };
  }

  void RunUntilDrained(const Props& connector, int64_t expected_written) {
    Props worker = env_->WorkerProps();
    worker["offset.flush.interval.ms"] = "200";
    runtime::WorkerOptions wo;
    wo.stop_when_drained = true;
    auto w = WorkerThread::Start(worker, {connector}, wo);
    ASSERT_TRUE(w.ok()) << w.status();
    absl::Status s = (*w)->Wait();
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_EQ((*w)->Written(), expected_written);
  }

  std::vector<std::string> Columns() {
    auto rest = env_->Rest();
    EXPECT_TRUE(rest.ok()) << rest.status();
    if (!rest.ok()) return {};
    auto t = (*rest)->GetTable({"ferry-local", "d", kTopic});
    EXPECT_TRUE(t.ok()) << t.status();
    std::vector<std::string> out;
    if (t.ok()) {
      for (const bigquery::TableFieldSchema& f : t->schema.fields) out.push_back(Describe(f));
    }
    return out;
  }

  // The one dead-lettered record: not in the wire format.
  void ExpectDeadLettered(const std::string& value, const std::string& message) {
    auto dlq = env_->ReadTopic(kDlq);
    ASSERT_TRUE(dlq.ok()) << dlq.status();
    ASSERT_EQ(dlq->size(), 1u);
    EXPECT_EQ((*dlq)[0].value, value);
    EXPECT_THAT(HeaderOf((*dlq)[0], "__connect.errors.exception.message").value_or(""),
                HasSubstr(message));
  }

  std::unique_ptr<ComponentEnv> env_;
  std::unique_ptr<TestRegistry> registry_;
  std::filesystem::path dir_;
};

constexpr char kOrderProtoV1[] = R"(syntax = "proto3";
package shop;
message Order {
  int64 id = 1;
  string item = 2;
  double price = 3;
  bool paid = 4;
  repeated string tags = 5;
  Address ship = 6;
  Status status = 7;
  bytes blob = 8;
}
message Address { string city = 1; }
enum Status { NEW = 0; PAID = 1; }
)";

std::string OrderProtoV2() {
  std::string v2 = kOrderProtoV1;
  const std::string last = "  bytes blob = 8;\n";
  v2.replace(v2.find(last), last.size(), last + "  string email = 9;\n");
  return v2;
}

TEST_F(RegistryFormatsPipelineTest, ProtobufRecordsLandAndANewFieldEvolvesTheTable) {
  Protoc protoc(dir_);
  protoc.Write("order.proto", kOrderProtoV1);
  const int v1 = Register("PROTOBUF", kOrderProtoV1);
  // Message indexes [0] (the first message, Order) as Confluent writes them:
  // one zero byte.
  const std::string first(1, '\0');
  std::vector<std::string> values;
  for (int i = 1; i <= 3; ++i) {
    auto payload = protoc.Encode(
        "order.proto", "shop.Order",
        absl::StrCat("id: ", i, " item: \"item-", i, "\" price: ", i, ".5 paid: ",
                     i % 2 ? "true" : "false", " tags: \"a\" tags: \"b\" ship { city: \"Oslo\" } ",
                     "status: PAID blob: \"\\000\\377\""));
    ASSERT_TRUE(payload.ok()) << payload.status();
    values.push_back(WireBytes(v1, first + *payload));
  }
  const std::string not_wire = "plain text, no magic byte";
  values.push_back(not_wire);
  Produce(values);
  RunUntilDrained(Connector("io.confluent.connect.protobuf.ProtobufConverter"), 3);

  // ProtobufData: every singular field optional (NULLABLE), repeated fields
  // arrays (REPEATED), enums strings, nested messages structs.
  EXPECT_THAT(Columns(),
              ElementsAre("id INTEGER NULLABLE", "item STRING NULLABLE", "price FLOAT NULLABLE",
                          "paid BOOLEAN NULLABLE", "tags STRING REPEATED",
                          "ship RECORD NULLABLE {city STRING NULLABLE}", "status STRING NULLABLE",
                          "blob BYTES NULLABLE"));
  auto rows = env_->ReadTable("d", kTopic);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  std::set<int64_t> ids;
  for (const nlohmann::json& row : *rows) {
    const int64_t id = std::stoll(row["id"].get<std::string>());
    ids.insert(id);
    EXPECT_EQ(row["item"], absl::StrCat("item-", id));
    EXPECT_EQ(std::stod(row["price"].get<std::string>()), id + 0.5) << row;
    EXPECT_EQ(row["paid"], id % 2 == 1 ? "true" : "false") << row;
    EXPECT_EQ(row["tags"], nlohmann::json::array({"a", "b"}));
    EXPECT_EQ(row["ship"]["city"], "Oslo");
    EXPECT_EQ(row["status"], "PAID");
    EXPECT_EQ(row["blob"], "AP8=");  // base64 of 00 ff.
  }
  EXPECT_EQ(ids, (std::set<int64_t>{1, 2, 3}));
  ExpectDeadLettered(not_wire, "Unknown magic byte");

  // Version 2 adds an optional field: the table gets the column.
  protoc.Write("order.proto", OrderProtoV2());
  const int v2 = Register("PROTOBUF", OrderProtoV2());
  ASSERT_NE(v2, v1);
  auto payload = protoc.Encode("order.proto", "shop.Order",
                               "id: 4 item: \"item-4\" email: \"u4@example.com\"");
  ASSERT_TRUE(payload.ok()) << payload.status();
  Produce({WireBytes(v2, first + *payload)});
  RunUntilDrained(Connector("io.confluent.connect.protobuf.ProtobufConverter"), 1);
  const std::vector<std::string> columns = Columns();
  ASSERT_EQ(columns.size(), 9u);
  EXPECT_EQ(columns.back(), "email STRING NULLABLE");
  rows = env_->ReadTable("d", kTopic);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 4u);
  int with_email = 0;
  for (const nlohmann::json& row : *rows) {
    if (row["id"] == "4") {
      ++with_email;
      EXPECT_EQ(row["email"], "u4@example.com");
      EXPECT_EQ(std::stod(row["price"].get<std::string>()), 0.0);  // an unset proto3 scalar is its default.
    } else {
      EXPECT_TRUE(row["email"].is_null()) << row;
    }
  }
  EXPECT_EQ(with_email, 1);
}

constexpr char kOrderJsonSchemaV1[] = R"({"type":"object","title":"Order","properties":{
  "id":{"type":"integer"},
  "item":{"type":"string"},
  "price":{"type":"number"},
  "paid":{"type":"boolean"},
  "tags":{"type":"array","items":{"type":"string"}},
  "note":{"oneOf":[{"type":"null"},{"type":"string"}]},
  "ship":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
  "required":["id","item","price","paid","tags","ship"]})";

std::string OrderJsonSchemaV2() {
  std::string v2 = kOrderJsonSchemaV1;
  const std::string note = R"("note":{"oneOf":[{"type":"null"},{"type":"string"}]},)";
  v2.replace(v2.find(note), note.size(),
             note + R"("email":{"oneOf":[{"type":"null"},{"type":"string"}]},)");
  return v2;
}

TEST_F(RegistryFormatsPipelineTest, JsonSchemaRecordsLandAndANewFieldEvolvesTheTable) {
  const int v1 = Register("JSON", kOrderJsonSchemaV1);
  std::vector<std::string> values;
  for (int i = 1; i <= 3; ++i) {
    values.push_back(WireBytes(
        v1, absl::StrCat(R"({"id":)", i, R"(,"item":"item-)", i, R"(","price":)", i,
                         R"(.5,"paid":)", i % 2 ? "true" : "false",
                         R"(,"tags":["a","b"],"note":)", i == 2 ? R"("fragile")" : "null",
                         R"(,"ship":{"city":"Oslo"}})")));
  }
  const std::string not_wire = R"({"id":9,"item":"no wire format"})";
  values.push_back(not_wire);
  Produce(values);
  RunUntilDrained(Connector("io.confluent.connect.json.JsonSchemaConverter"), 3);

  // JsonSchemaData: integer INT64, number FLOAT64; required properties are
  // required fields, a oneOf with null an optional one; properties in order.
  EXPECT_THAT(Columns(),
              ElementsAre("id INTEGER REQUIRED", "item STRING REQUIRED", "price FLOAT REQUIRED",
                          "paid BOOLEAN REQUIRED", "tags STRING REPEATED", "note STRING NULLABLE",
                          "ship RECORD REQUIRED {city STRING REQUIRED}"));
  auto rows = env_->ReadTable("d", kTopic);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  for (const nlohmann::json& row : *rows) {
    const int64_t id = std::stoll(row["id"].get<std::string>());
    EXPECT_EQ(row["item"], absl::StrCat("item-", id));
    EXPECT_EQ(std::stod(row["price"].get<std::string>()), id + 0.5) << row;
    EXPECT_EQ(row["paid"], id % 2 == 1 ? "true" : "false") << row;
    EXPECT_EQ(row["tags"], nlohmann::json::array({"a", "b"}));
    EXPECT_EQ(row["ship"]["city"], "Oslo");
    if (id == 2) {
      EXPECT_EQ(row["note"], "fragile");
    } else {
      EXPECT_TRUE(row["note"].is_null()) << row;
    }
  }
  ExpectDeadLettered(not_wire, "Unknown magic byte");

  const int v2 = Register("JSON", OrderJsonSchemaV2());
  ASSERT_NE(v2, v1);
  Produce({WireBytes(v2, R"({"id":4,"item":"item-4","price":4.5,"paid":true,"tags":[],)"
                         R"("note":null,"email":"u4@example.com","ship":{"city":"Bergen"}})")});
  RunUntilDrained(Connector("io.confluent.connect.json.JsonSchemaConverter"), 1);
  const std::vector<std::string> columns = Columns();
  ASSERT_EQ(columns.size(), 8u);
  EXPECT_EQ(columns.back(), "email STRING NULLABLE");
  rows = env_->ReadTable("d", kTopic);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 4u);
  int with_email = 0;
  for (const nlohmann::json& row : *rows) {
    if (row["id"] == "4") {
      ++with_email;
      EXPECT_EQ(row["email"], "u4@example.com");
      EXPECT_EQ(row["ship"]["city"], "Bergen");
    } else {
      EXPECT_TRUE(row["email"].is_null()) << row;
    }
  }
  EXPECT_EQ(with_email, 1);
}

// JsonSchemaData leaves a property the record omits unset, so with
// use.optional.for.nonrequired=false (the default) its required Connect field
// is null, as on Connect: the REQUIRED column kcbq and ferry create for it
// rejects the row (DLQ, naming the column); with allBQFieldsNullable the
// row lands with null there.
TEST_F(RegistryFormatsPipelineTest, JsonSchemaPropertiesLeftOutAreNullAsOnConnect) {
  const int id = Register("JSON", R"({"type":"object","title":"Coupon","properties":{
    "id":{"type":"integer"},"code":{"type":"string"}},"required":["id"]})");
  const std::string without = WireBytes(id, R"({"id":2})");
  Produce({WireBytes(id, R"({"id":1,"code":"SAVE10"})"), without});

  RunUntilDrained(Connector("io.confluent.connect.json.JsonSchemaConverter"), 1);
  EXPECT_THAT(Columns(), ElementsAre("id INTEGER REQUIRED", "code STRING REQUIRED"));
  ExpectDeadLettered(without, "code");
  auto landed = env_->ReadTable("d", kTopic);
  ASSERT_TRUE(landed.ok()) << landed.status();
  ASSERT_EQ(landed->size(), 1u);
  EXPECT_EQ((*landed)[0]["code"], "SAVE10");

  Props nullable = Connector("io.confluent.connect.json.JsonSchemaConverter");
  nullable["name"] = "coupons-nullable";
  nullable["allBQFieldsNullable"] = "true";
  nullable["topic2TableMap"] = std::string(kTopic) + ":coupons_nullable";
  RunUntilDrained(nullable, 2);
  auto rows = env_->ReadTable("d", "coupons_nullable");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  for (const nlohmann::json& row : *rows) {
    if (row["id"] == "1") {
      EXPECT_EQ(row["code"], "SAVE10");
    } else {
      EXPECT_EQ(row["id"], "2");
      EXPECT_TRUE(row["code"].is_null()) << row;
    }
  }
  auto dlq = env_->ReadTopic(kDlq);
  ASSERT_TRUE(dlq.ok()) << dlq.status();
  EXPECT_EQ(dlq->size(), 1u);
}

}  // namespace
}  // namespace ferry::testing
