// The error table against ferry's BigQuery emulator: reports written as rows
// and read back with tabledata.list, the table as created, routing, and
// failures injected by the emulator.
#include "bigquery/error_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "bigquery/test_support.h"
#include "emulator/faults.h"

namespace ferry::bigquery {
namespace {

using errors::ErrorReport;
using errors::Stage;
using json = nlohmann::json;
using test_support::Col;
using ::testing::HasSubstr;

namespace k = error_table_keys;

std::shared_ptr<RawRecord> Raw(
    std::string topic, int32_t partition, int64_t offset, std::optional<std::string> key,
    std::optional<std::string> value, int64_t timestamp_ms = 1700000000123,
    std::vector<std::pair<std::string, std::optional<std::string>>> headers = {}) {
  auto raw = std::make_shared<RawRecord>();
  raw->topic = std::move(topic);
  raw->partition = partition;
  raw->offset = offset;
  raw->timestamp_ms = timestamp_ms;
  raw->timestamp_type = TimestampType::kCreateTime;
  raw->key = std::move(key);
  raw->value = std::move(value);
  raw->headers = std::move(headers);
  return raw;
}

ErrorReport Report(Stage stage, std::shared_ptr<RawRecord> raw, std::string message = "boom") {
  ErrorReport r;
  r.connector_name = "orders-sink";
  r.task_id = 2;
  r.stage = stage;
  r.executing_class = "org.apache.kafka.connect.json.JsonConverter";
  r.exception_class = "org.apache.kafka.connect.errors.DataException";
  r.message = std::move(message);
  r.time = absl::FromUnixMicros(1700000100654321);
  r.raw = std::move(raw);
  return r;
}

// A tabledata.list row as {column: cell value}, by the table's schema.
json Named(const json& row, const TableSchema& schema) {
  json out = json::object();
  const json& cells = row["f"];
  for (size_t i = 0; i < schema.fields.size() && i < cells.size(); ++i) {
    out[schema.fields[i].name] = cells[i]["v"];
  }
  return out;
}

std::string B64(std::string_view bytes) { return absl::Base64Escape(std::string(bytes)); }

class ErrorTableTest : public test_support::EmulatorTest {
 protected:
  std::map<std::string, std::string> Props() const {
    return {{"project", "p"},
            {"defaultDataset", "ds"},
            {"ferry.bigquery.rest.endpoint", emulator_->rest_endpoint()},
            {"bigQueryRetryWait", "10"},
            {k::kEnable, "true"}};
  }

  // A writer from `props`, without the insertAll jitter (tests stay fast).
  std::unique_ptr<ErrorTableWriter> Writer(const std::map<std::string, std::string>& props) {
    auto settings = ParseErrorTableSettings(props);
    EXPECT_TRUE(settings.ok()) << settings.status();
    if (!settings.ok() || !settings->has_value()) return nullptr;
    (*settings)->max_jitter = absl::ZeroDuration();
    auto writer = ErrorTableWriter::Create(**settings, nullptr);
    EXPECT_TRUE(writer.ok()) << writer.status();
    return writer.ok() ? *std::move(writer) : nullptr;
  }

  void CreateDataset(const std::string& dataset = "ds") {
    ASSERT_TRUE(rest_->InsertDataset("p", dataset).ok());
  }

  // Every row of the table, by column name.
  std::vector<json> Rows(const TableReference& ref) {
    auto table = rest_->GetTable(ref);
    EXPECT_TRUE(table.ok()) << table.status();
    if (!table.ok()) return {};
    std::vector<json> rows;
    for (const json& row : ListRows(ref)) rows.push_back(Named(row, table->schema));
    return rows;
  }

  int64_t Calls(const std::string& method) {
    auto counters = emulator_->faults().Counters();
    auto it = counters.find(method);
    return it == counters.end() ? 0 : it->second.calls;
  }

  static emulator::Fault HttpFault(const std::string& method, int status, int64_t times) {
    emulator::Fault f;
    f.method = method;
    f.kind = emulator::FaultKind::kError;
    f.http_status = status;
    f.times = times;
    return f;
  }

  const TableReference orders_errors_{"p", "ds", "orders_errors"};
};

TEST(ErrorTableConfigTest, DefaultsAndValidation) {
  const ConfigDef& def = ErrorTableConfigDef();
  ASSERT_NE(def.Find(k::kEnable), nullptr);
  EXPECT_EQ(def.Find(k::kEnable)->default_value, "false");
  ASSERT_NE(def.Find(k::kSuffix), nullptr);
  EXPECT_EQ(def.Find(k::kSuffix)->default_value, "_errors");
  EXPECT_EQ(def.Find(k::kRetries)->default_value, "3");
  EXPECT_TRUE(def.Validate({}).empty());

  std::vector<ConfigError> errors = def.Validate({{k::kSuffix, "bad.suffix"},
                                                  {k::kRetries, "-1"},
                                                  {k::kPartitionExpirationMs, "0"},
                                                  {k::kEnable, "maybe"}});
  std::set<std::string> keys;
  for (const ConfigError& e : errors) keys.insert(e.key);
  EXPECT_EQ(keys, (std::set<std::string>{k::kSuffix, k::kRetries, k::kPartitionExpirationMs,
                                         k::kEnable}));
  EXPECT_FALSE(def.Validate({{k::kSuffix, ""}}).empty());
  EXPECT_TRUE(def.Validate({{k::kSuffix, "_dead-letters2"}}).empty());
}

TEST(ErrorTableConfigTest, DisabledUnlessEnabled) {
  // Off by default: no writer, and the BigQuery keys are not even needed.
  auto off = ErrorTableWriter::Create(std::map<std::string, std::string>{});
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(*off, nullptr);
  auto explicitly_off =
      ErrorTableWriter::Create(std::map<std::string, std::string>{{k::kEnable, "false"}});
  ASSERT_TRUE(explicitly_off.ok()) << explicitly_off.status();
  EXPECT_EQ(*explicitly_off, nullptr);

  // Bad error-table keys are refused even when off.
  auto bad = ErrorTableWriter::Create(std::map<std::string, std::string>{{k::kSuffix, "a b"}});
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status())) << bad.status();

  // On, the BigQuery keys are required and validated as the sink's.
  auto no_project =
      ErrorTableWriter::Create(std::map<std::string, std::string>{{k::kEnable, "true"}});
  EXPECT_TRUE(absl::IsInvalidArgument(no_project.status())) << no_project.status();
  EXPECT_THAT(std::string(no_project.status().message()), HasSubstr("project"));
}

TEST(ErrorTableConfigTest, SettingsFromProperties) {
  auto settings = ParseErrorTableSettings({{"project", "p"},
                                           {"defaultDataset", "ds"},
                                           {"bigQueryRetry", "7"},
                                           {"bigQueryRetryWait", "250"},
                                           {"autoCreateTables", "false"},
                                           {k::kEnable, "true"},
                                           {k::kSuffix, "_dlq"},
                                           {k::kRetries, "5"},
                                           {k::kPartitionExpirationMs, "86400000"}});
  ASSERT_TRUE(settings.ok()) << settings.status();
  ASSERT_TRUE(settings->has_value());
  const ErrorTableSettings& s = **settings;
  EXPECT_EQ(s.suffix, "_dlq");
  EXPECT_EQ(s.retries, 5);  // its own key, not bigQueryRetry.
  EXPECT_EQ(s.retry_wait, absl::Milliseconds(250));
  EXPECT_EQ(s.partition_expiration_ms, 86400000);
  EXPECT_FALSE(s.create_datasets);
  EXPECT_EQ(s.sink.project, "p");

  auto defaults =
      ParseErrorTableSettings({{"project", "p"}, {"defaultDataset", "ds"}, {k::kEnable, "true"}});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ((*defaults)->suffix, "_errors");
  EXPECT_EQ((*defaults)->retries, 3);
  EXPECT_FALSE((*defaults)->partition_expiration_ms.has_value());
  EXPECT_TRUE((*defaults)->create_datasets);
}

TEST(ErrorTableRowTest, InsertIdsAreStableAndDistinct) {
  ErrorReport a = Report(Stage::kValueConverter, Raw("orders", 0, 5, "k", "v"));
  ErrorReport same = a;
  same.message = "another message";
  same.time = absl::Now();
  same.task_id = 9;
  EXPECT_EQ(ErrorRowInsertId(a), ErrorRowInsertId(same));
  EXPECT_LE(ErrorRowInsertId(a).size(), 128u);  // BigQuery's insertId limit.

  std::set<std::string> ids{ErrorRowInsertId(a)};
  ErrorReport other_stage = a;
  other_stage.stage = Stage::kTaskPut;
  ids.insert(ErrorRowInsertId(other_stage));
  ids.insert(ErrorRowInsertId(Report(Stage::kValueConverter, Raw("orders", 1, 5, "k", "v"))));
  ids.insert(ErrorRowInsertId(Report(Stage::kValueConverter, Raw("orders", 0, 6, "k", "v"))));
  ids.insert(ErrorRowInsertId(Report(Stage::kValueConverter, Raw("orders2", 0, 5, "k", "v"))));
  ErrorReport other_connector = a;
  other_connector.connector_name = "other";
  ids.insert(ErrorRowInsertId(other_connector));
  EXPECT_EQ(ids.size(), 6u);
}

TEST(ErrorTableRowTest, RowJson) {
  ErrorReport r = Report(
      Stage::kTaskPut,
      Raw("orders", 3, 42, std::nullopt, std::string("\x00\xff", 2), -1, {{"h", std::nullopt}}));
  r.bigquery_reason = "invalid";
  r.message = "bad \xc3 utf-8";
  json row = json::parse(ErrorRowJson(r));
  EXPECT_EQ(row["error_time"], "2023-11-14T22:15:00.654321Z");
  EXPECT_EQ(row["task"], "2");
  EXPECT_EQ(row["stage"], "TASK_PUT");
  EXPECT_EQ(row["partition"], "3");
  EXPECT_EQ(row["offset"], "42");
  EXPECT_EQ(row["value"], B64(std::string("\x00\xff", 2)));
  EXPECT_EQ(row["reason"], "bad \xef\xbf\xbd utf-8");  // U+FFFD for the stray byte.
  EXPECT_FALSE(row.contains("key"));                   // null key: NULL.
  EXPECT_FALSE(row.contains("record_timestamp"));      // no timestamp: NULL.
  EXPECT_FALSE(row.contains("bigquery_location"));
  EXPECT_EQ(row["headers"], json::parse(R"([{"key":"h"}])"));
  EXPECT_EQ(row["payload_omitted"], false);

  json bare = json::parse(ErrorRowJson(r, /*with_payload=*/false));
  EXPECT_FALSE(bare.contains("value"));
  EXPECT_FALSE(bare.contains("headers"));
  EXPECT_EQ(bare["offset"], "42");
  EXPECT_EQ(bare["payload_omitted"], true);

  // A Kafka timestamp past BigQuery's TIMESTAMP range is NULL, not a refused row.
  ErrorReport far = Report(Stage::kTaskPut, Raw("orders", 0, 1, "k", "v", int64_t{1} << 60));
  EXPECT_FALSE(json::parse(ErrorRowJson(far)).contains("record_timestamp"));
}

TEST_F(ErrorTableTest, WritesReportsOfEveryStageAsRows) {
  auto writer = Writer(Props());
  ASSERT_NE(writer, nullptr);
  const std::string binary("\x00\x01\xfe\xff key", 8);
  std::vector<ErrorReport> reports = {
      Report(Stage::kKeyConverter,
             Raw("orders", 0, 10, binary, "{\"a\":1}", 1700000000123,
                 {{"trace", std::string("t-1")},
                  {"empty", std::nullopt},
                  {"bin", std::string("\x00\xff", 2)},
                  {"trace", std::string("t-2")}}),
             "Converting byte[] to Kafka Connect data failed"),
      Report(Stage::kValueConverter, Raw("orders", 1, 11, std::nullopt, "not json", -1)),
      Report(Stage::kTransformation, Raw("orders", 2, 12, "k", std::nullopt)),
      Report(Stage::kHeaderConverter, Raw("orders", 0, 13, std::string(), std::string())),
  };
  ErrorReport put =
      Report(Stage::kTaskPut, Raw("orders", 0, 14, "k2", "{\"n\":\"x\"}"), "no such field: n.");
  put.executing_class = "com.wepay.kafka.connect.bigquery.BigQuerySinkTask";
  put.exception_class = "com.google.cloud.bigquery.BigQueryException";
  put.bigquery_reason = "invalid";
  put.bigquery_location = "n";
  put.bigquery_table = "p.ds.orders";
  reports.push_back(put);

  ASSERT_TRUE(writer->Write(reports).ok());

  std::vector<json> rows = Rows(orders_errors_);
  ASSERT_EQ(rows.size(), 5u);
  std::map<std::string, json> by_offset;
  for (const json& row : rows) by_offset[row["offset"].get<std::string>()] = row;

  const json& key_conv = by_offset.at("10");
  EXPECT_EQ(key_conv["error_time"], "1700000100654321");  // micros (useInt64Timestamp).
  EXPECT_EQ(key_conv["connector"], "orders-sink");
  EXPECT_EQ(key_conv["task"], "2");
  EXPECT_EQ(key_conv["stage"], "KEY_CONVERTER");
  EXPECT_EQ(key_conv["executing_class"], "org.apache.kafka.connect.json.JsonConverter");
  EXPECT_EQ(key_conv["exception_class"], "org.apache.kafka.connect.errors.DataException");
  EXPECT_EQ(key_conv["reason"], "Converting byte[] to Kafka Connect data failed");
  EXPECT_TRUE(key_conv["bigquery_reason"].is_null());
  EXPECT_TRUE(key_conv["bigquery_location"].is_null());
  EXPECT_TRUE(key_conv["bigquery_table"].is_null());
  EXPECT_EQ(key_conv["topic"], "orders");
  EXPECT_EQ(key_conv["partition"], "0");
  EXPECT_EQ(key_conv["record_timestamp"], "1700000000123000");
  EXPECT_EQ(key_conv["key"], B64(binary));
  EXPECT_EQ(key_conv["value"], B64("{\"a\":1}"));
  EXPECT_EQ(key_conv["payload_omitted"], "false");
  // Headers in order, repeated keys kept, a null value NULL, binary values exact.
  EXPECT_EQ(key_conv["headers"], json::parse(absl::StrCat(R"([
      {"v":{"f":[{"v":"trace"},{"v":")",
                                                          B64("t-1"), R"("}]}},
      {"v":{"f":[{"v":"empty"},{"v":null}]}},
      {"v":{"f":[{"v":"bin"},{"v":")",
                                                          B64(std::string("\x00\xff", 2)), R"("}]}},
      {"v":{"f":[{"v":"trace"},{"v":")",
                                                          B64("t-2"), R"("}]}}])")));

  const json& value_conv = by_offset.at("11");
  EXPECT_EQ(value_conv["stage"], "VALUE_CONVERTER");
  EXPECT_EQ(value_conv["partition"], "1");
  EXPECT_TRUE(value_conv["key"].is_null());               // null key.
  EXPECT_TRUE(value_conv["record_timestamp"].is_null());  // timestamp -1.
  EXPECT_EQ(value_conv["value"], B64("not json"));
  EXPECT_EQ(value_conv["headers"], json::array());

  const json& transform = by_offset.at("12");
  EXPECT_EQ(transform["stage"], "TRANSFORMATION");
  EXPECT_EQ(transform["key"], B64("k"));
  EXPECT_TRUE(transform["value"].is_null());  // tombstone.

  const json& header_conv = by_offset.at("13");
  EXPECT_EQ(header_conv["stage"], "HEADER_CONVERTER");
  EXPECT_EQ(header_conv["key"], "");  // empty, not null.
  EXPECT_EQ(header_conv["value"], "");

  const json& task_put = by_offset.at("14");
  EXPECT_EQ(task_put["stage"], "TASK_PUT");
  EXPECT_EQ(task_put["reason"], "no such field: n.");
  EXPECT_EQ(task_put["bigquery_reason"], "invalid");
  EXPECT_EQ(task_put["bigquery_location"], "n");
  EXPECT_EQ(task_put["bigquery_table"], "p.ds.orders");
  EXPECT_EQ(task_put["executing_class"], "com.wepay.kafka.connect.bigquery.BigQuerySinkTask");
}

TEST_F(ErrorTableTest, CreatesTheTableWithTheDocumentedSchema) {
  auto props = Props();
  props[k::kPartitionExpirationMs] = "604800000";
  auto writer = Writer(props);
  ASSERT_NE(writer, nullptr);
  // No dataset yet: created, as the sink would (autoCreateTables defaults to true).
  ASSERT_TRUE(writer->Write({Report(Stage::kTaskPut, Raw("orders", 0, 1, "k", "v"))}).ok());

  auto table = rest_->GetTable(orders_errors_);
  ASSERT_TRUE(table.ok()) << table.status();
  using FT = FieldType;
  using FM = FieldMode;
  const std::vector<TableFieldSchema> expected = {
      Col("error_time", FT::kTimestamp, FM::kRequired),
      Col("connector", FT::kString),
      Col("task", FT::kInteger),
      Col("stage", FT::kString),
      Col("executing_class", FT::kString),
      Col("exception_class", FT::kString),
      Col("reason", FT::kString),
      Col("bigquery_reason", FT::kString),
      Col("bigquery_location", FT::kString),
      Col("bigquery_table", FT::kString),
      Col("topic", FT::kString),
      Col("partition", FT::kInteger),
      Col("offset", FT::kInteger),
      Col("record_timestamp", FT::kTimestamp),
      Col("key", FT::kBytes),
      Col("value", FT::kBytes),
      Col("headers", FT::kRecord, FM::kRepeated,
          {Col("key", FT::kString), Col("value", FT::kBytes)}),
      Col("payload_omitted", FT::kBoolean),
  };
  ASSERT_EQ(table->schema.fields.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const TableFieldSchema& got = table->schema.fields[i];
    EXPECT_EQ(got.name, expected[i].name);
    EXPECT_EQ(got.type, expected[i].type) << got.name;
    EXPECT_EQ(got.mode, expected[i].mode) << got.name;
    ASSERT_EQ(got.fields.size(), expected[i].fields.size()) << got.name;
    for (size_t j = 0; j < expected[i].fields.size(); ++j) {
      EXPECT_EQ(got.fields[j].name, expected[i].fields[j].name);
      EXPECT_EQ(got.fields[j].type, expected[i].fields[j].type);
      EXPECT_EQ(got.fields[j].mode, expected[i].fields[j].mode);
    }
    EXPECT_FALSE(got.description.empty()) << got.name;
  }
  ASSERT_TRUE(table->time_partitioning.has_value());
  EXPECT_EQ(table->time_partitioning->type, "DAY");
  EXPECT_EQ(table->time_partitioning->field, "error_time");
  EXPECT_EQ(table->time_partitioning->expiration_ms, 604800000);
  EXPECT_EQ(table->schema, ErrorTableSchema());
}

TEST_F(ErrorTableTest, SecondWriteAppendsAndRepeatsAreStoredOnce) {
  auto writer = Writer(Props());
  ASSERT_NE(writer, nullptr);
  const ErrorReport first = Report(Stage::kValueConverter, Raw("orders", 0, 1, "a", "1"));
  ASSERT_TRUE(
      writer->Write({first, Report(Stage::kValueConverter, Raw("orders", 0, 2, "b", "2"))}).ok());
  ASSERT_EQ(Rows(orders_errors_).size(), 2u);
  ASSERT_TRUE(writer
                  ->Write({Report(Stage::kTaskPut, Raw("orders", 0, 3, "c", "3")),
                           Report(Stage::kTaskPut, Raw("orders", 1, 1, "d", "4"))})
                  .ok());
  EXPECT_EQ(Rows(orders_errors_).size(), 4u);

  // The same failure reported again (a retried Write, a restart re-reading the
  // record) within the de-duplication window: one row.
  ASSERT_TRUE(writer->Write({first}).ok());
  EXPECT_EQ(Rows(orders_errors_).size(), 4u);
  // Another stage of the same record is another row.
  ASSERT_TRUE(writer->Write({Report(Stage::kTaskPut, Raw("orders", 0, 1, "a", "1"))}).ok());
  EXPECT_EQ(Rows(orders_errors_).size(), 5u);

  // A second writer (another task) finds the table there and appends.
  auto second = Writer(Props());
  ASSERT_NE(second, nullptr);
  ASSERT_TRUE(second->Write({Report(Stage::kTaskPut, Raw("orders", 2, 9, "e", "5"))}).ok());
  EXPECT_EQ(Rows(orders_errors_).size(), 6u);
}

TEST_F(ErrorTableTest, RoutesByTheOriginalTopicAsTheSinkDoes) {
  CreateDataset();
  auto props = Props();
  props["topic2TableMap"] = "orders:orders_v2,payments:pay";
  auto writer = Writer(props);
  ASSERT_NE(writer, nullptr);
  ErrorReport renamed = Report(Stage::kTaskPut, Raw("orders", 0, 1, "k", "v"));
  renamed.bigquery_table = "p.other.renamed_by_smt";  // where transforms sent it: not used.
  ASSERT_TRUE(writer
                  ->Write({renamed, Report(Stage::kValueConverter, Raw("payments", 0, 2, "k", "v")),
                           Report(Stage::kValueConverter, Raw("unmapped", 0, 3, "k", "v"))})
                  .ok());
  EXPECT_EQ(Rows({"p", "ds", "orders_v2_errors"}).size(), 1u);
  EXPECT_EQ(Rows({"p", "ds", "pay_errors"}).size(), 1u);
  EXPECT_EQ(Rows({"p", "ds", "unmapped_errors"}).size(), 1u);
  EXPECT_FALSE(rest_->GetTable({"p", "ds", "orders_errors"}).ok());

  // sanitizeTopics and another suffix.
  auto sanitized_props = Props();
  sanitized_props["sanitizeTopics"] = "true";
  sanitized_props[k::kSuffix] = "_dlq";
  auto sanitized = Writer(sanitized_props);
  ASSERT_NE(sanitized, nullptr);
  auto ref = sanitized->TableFor("serverlog.member");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(*ref, (TableReference{"p", "ds", "serverlog_member_dlq"}));
  ASSERT_TRUE(
      sanitized->Write({Report(Stage::kTaskPut, Raw("serverlog.member", 0, 1, "k", "v"))}).ok());
  auto rows = Rows(*ref);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["topic"], "serverlog.member");
}

TEST_F(ErrorTableTest, MissingDatasetWithoutAutoCreateTables) {
  auto props = Props();
  props["autoCreateTables"] = "false";
  auto writer = Writer(props);
  ASSERT_NE(writer, nullptr);
  absl::Status s = writer->Write({Report(Stage::kTaskPut, Raw("orders", 0, 1, "k", "v"))});
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("autoCreateTables"));
  EXPECT_FALSE(rest_->GetDataset("p", "ds").ok());

  // The dataset there, the error table is created whatever autoCreateTables says.
  CreateDataset();
  ASSERT_TRUE(writer->Write({Report(Stage::kTaskPut, Raw("orders", 0, 1, "k", "v"))}).ok());
  EXPECT_EQ(Rows(orders_errors_).size(), 1u);
}

TEST_F(ErrorTableTest, AddsMissingColumnsAndRefusesIncompatibleTables) {
  CreateDataset();
  // An error table of an earlier layout: some columns missing.
  Table old;
  old.ref = orders_errors_;
  old.schema.fields = {Col("error_time", FieldType::kTimestamp, FieldMode::kRequired),
                       Col("topic", FieldType::kString), Col("offset", FieldType::kInteger)};
  ASSERT_TRUE(rest_->InsertTable(old).ok());
  auto writer = Writer(Props());
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Write({Report(Stage::kTaskPut, Raw("orders", 0, 7, "k", "v"))}).ok());
  auto table = rest_->GetTable(orders_errors_);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->schema.fields.size(), ErrorTableSchema().fields.size());
  auto rows = Rows(orders_errors_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["offset"], "7");
  EXPECT_EQ(rows[0]["stage"], "TASK_PUT");

  // A table of that name that cannot take the rows is left alone.
  Table other;
  other.ref = {"p", "ds", "payments_errors"};
  other.schema.fields = {Col("error_time", FieldType::kTimestamp),
                         Col("offset", FieldType::kString),
                         Col("owner", FieldType::kString, FieldMode::kRequired)};
  ASSERT_TRUE(rest_->InsertTable(other).ok());
  absl::Status s = writer->Write({Report(Stage::kTaskPut, Raw("payments", 0, 1, "k", "v"))});
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("offset is STRING, not INTEGER"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("owner is REQUIRED"));
  auto unchanged = rest_->GetTable(other.ref);
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(unchanged->schema, other.schema);
}

TEST_F(ErrorTableTest, RecreatesATableDeletedMeanwhile) {
  auto writer = Writer(Props());
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Write({Report(Stage::kTaskPut, Raw("orders", 0, 1, "k", "v"))}).ok());
  ASSERT_TRUE(
      rest_->Call("DELETE", "/projects/p/datasets/ds/tables/orders_errors", "", nullptr).ok());
  ASSERT_TRUE(writer->Write({Report(Stage::kTaskPut, Raw("orders", 0, 2, "k", "v"))}).ok());
  auto rows = Rows(orders_errors_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["offset"], "2");
}

TEST_F(ErrorTableTest, TooLargeRowsAreWrittenWithoutPayload) {
  auto writer = Writer(Props());
  ASSERT_NE(writer, nullptr);
  // Base64 makes 8 MiB over 10 MB: BigQuery refuses the request.
  ErrorReport big = Report(Stage::kTaskPut,
                           Raw("orders", 0, 1, "k", std::string(8 * 1024 * 1024, 'x'),
                               1700000000123, {{"h", std::string("v")}}),
                           "the row is too large");
  ErrorReport small = Report(Stage::kTaskPut, Raw("orders", 0, 2, "k", "v"));
  ASSERT_TRUE(writer->Write({big, small}).ok());
  std::map<std::string, json> by_offset;
  for (const json& row : Rows(orders_errors_)) by_offset[row["offset"].get<std::string>()] = row;
  ASSERT_EQ(by_offset.size(), 2u);
  EXPECT_EQ(by_offset["1"]["payload_omitted"], "true");
  EXPECT_TRUE(by_offset["1"]["value"].is_null());
  EXPECT_EQ(by_offset["1"]["headers"], json::array());
  EXPECT_EQ(by_offset["1"]["reason"], "the row is too large");
  EXPECT_EQ(by_offset["2"]["payload_omitted"], "false");
  EXPECT_EQ(by_offset["2"]["value"], B64("v"));
}

TEST_F(ErrorTableTest, ReportsWithoutARecordAreSkipped) {
  auto writer = Writer(Props());
  ASSERT_NE(writer, nullptr);
  ErrorReport no_record = Report(Stage::kKafkaConsume, nullptr);
  ASSERT_TRUE(writer->Write({no_record}).ok());
  EXPECT_FALSE(rest_->GetDataset("p", "ds").ok());  // nothing was even created.
  ASSERT_TRUE(
      writer->Write({no_record, Report(Stage::kTaskPut, Raw("orders", 0, 1, "k", "v"))}).ok());
  EXPECT_EQ(Rows(orders_errors_).size(), 1u);
}

TEST_F(ErrorTableTest, TransientFailuresAreRetried) {
  auto writer = Writer(Props());  // 3 retries per Write, 10 ms apart.
  ASSERT_NE(writer, nullptr);
  emulator_->faults().ResetCounters();
  ASSERT_TRUE(emulator_->faults().Add(HttpFault("tables.insert", 503, 1)).ok());
  ASSERT_TRUE(emulator_->faults().Add(HttpFault("tabledata.insertAll", 500, 1)).ok());
  ASSERT_TRUE(emulator_->faults().Add(HttpFault("tabledata.insertAll", 429, 1)).ok());
  ASSERT_TRUE(writer
                  ->Write({Report(Stage::kTaskPut, Raw("orders", 0, 1, "k", "v")),
                           Report(Stage::kTaskPut, Raw("orders", 0, 2, "k", "v"))})
                  .ok());
  EXPECT_THAT(emulator_->faults().Pending(), ::testing::IsEmpty());
  EXPECT_EQ(Calls("tabledata.insertAll"), 3);
  EXPECT_EQ(Rows(orders_errors_).size(), 2u);

  // A 404 from insertAll for a table that is there (BigQuery's streaming
  // backend lags behind a new table): checked and retried.
  ASSERT_TRUE(emulator_->faults().Add(HttpFault("tabledata.insertAll", 404, 1)).ok());
  ASSERT_TRUE(writer->Write({Report(Stage::kTaskPut, Raw("orders", 0, 3, "k", "v"))}).ok());
  EXPECT_EQ(Rows(orders_errors_).size(), 3u);
}

TEST_F(ErrorTableTest, RetriesAreBoundedAndFailureIsReported) {
  auto writer = Writer(Props());
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Write({Report(Stage::kTaskPut, Raw("orders", 0, 1, "k", "v"))}).ok());
  emulator_->faults().ResetCounters();
  ASSERT_TRUE(emulator_->faults().Add(HttpFault("tabledata.insertAll", 503, -1)).ok());
  const auto start = std::chrono::steady_clock::now();
  absl::Status s = writer->Write({Report(Stage::kTaskPut, Raw("orders", 0, 2, "k", "v")),
                                  Report(Stage::kTaskPut, Raw("orders", 0, 3, "k", "v"))});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("2 of 2 row(s) not written"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("p.ds.orders_errors"));
  EXPECT_EQ(Calls("tabledata.insertAll"), 4);  // the first try and 3 retries.
  EXPECT_LT(elapsed, std::chrono::seconds(10));
  emulator_->faults().Clear();

  // Not a transient failure: no retry, reported at once.
  emulator_->faults().ResetCounters();
  emulator::Fault denied = HttpFault("tabledata.insertAll", 403, 1);
  denied.reason = "accessDenied";
  ASSERT_TRUE(emulator_->faults().Add(denied).ok());
  s = writer->Write({Report(Stage::kTaskPut, Raw("orders", 0, 4, "k", "v"))});
  EXPECT_TRUE(absl::IsPermissionDenied(s)) << s;
  EXPECT_EQ(Calls("tabledata.insertAll"), 1);

  // The rows not written go in when written again.
  ASSERT_TRUE(writer
                  ->Write({Report(Stage::kTaskPut, Raw("orders", 0, 2, "k", "v")),
                           Report(Stage::kTaskPut, Raw("orders", 0, 3, "k", "v")),
                           Report(Stage::kTaskPut, Raw("orders", 0, 4, "k", "v"))})
                  .ok());
  EXPECT_EQ(Rows(orders_errors_).size(), 4u);
}

}  // namespace
}  // namespace ferry::bigquery
