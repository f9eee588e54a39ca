// kcbq's table keys, end to end: a writer built from a connector config (as a
// task builds it) writes SinkRecords into ferry's BigQuery emulator, and the
// tables it creates or writes are read back over the REST API. Each test says
// what kcbq 2.x (com.wepay.kafka.connect.bigquery.BigQuerySinkConnector) does
// with the key, and where ferry deliberately does otherwise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "bigquery/bigquery_sink_writer.h"
#include "bigquery/rest_client.h"
#include "bigquery/schema_mapping.h"
#include "bigquery/sink_config.h"
#include "bigquery/test_support.h"
#include "emulator/emulator.h"
#include "emulator/faults.h"

namespace ferry::bigquery {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;

using Props = std::map<std::string, std::string>;

using test_support::Col;

SchemaPtr Named(Type type, std::string_view name, bool optional = false) {
  return SchemaBuilder(type).Name(std::string(name)).Optional(optional).Build();
}

// One tabledata.list row as {column: value}: RECORDs as objects, REPEATED as
// arrays, scalars as BigQuery renders them (strings; TIMESTAMP as int64 micros).
json RowObject(const std::vector<TableFieldSchema>& fields, const json& row) {
  json out = json::object();
  for (size_t i = 0; i < fields.size(); ++i) {
    const TableFieldSchema& f = fields[i];
    const json& cell = row["f"][i]["v"];
    auto one = [&f](const json& v) -> json {
      if (f.type == FieldType::kRecord && !v.is_null()) return RowObject(f.fields, v);
      return v;
    };
    if (f.mode == FieldMode::kRepeated) {
      json items = json::array();
      if (cell.is_array()) {
        for (const json& item : cell) items.push_back(one(item["v"]));
      }
      out[f.name] = std::move(items);
    } else {
      out[f.name] = one(cell);
    }
  }
  return out;
}

// True if any field at any depth is REQUIRED; `where` gets its path.
bool AnyRequired(const std::vector<TableFieldSchema>& fields, std::string* where,
                 const std::string& prefix = "") {
  for (const TableFieldSchema& f : fields) {
    const std::string path = prefix.empty() ? f.name : prefix + "." + f.name;
    if (f.mode == FieldMode::kRequired) {
      *where = path;
      return true;
    }
    if (AnyRequired(f.fields, where, path)) return true;
  }
  return false;
}

class WriterKeysTest : public test_support::EmulatorTest {
 protected:
  // The smallest config: kcbq's defaults for every table key.
  Props Base() const {
    return {{"project", "p"},
            {"defaultDataset", "d"},
            {"ferry.bigquery.rest.endpoint", emulator_->rest_endpoint()},
            {"ferry.bigquery.storage.endpoint", emulator_->grpc_endpoint()}};
  }

  static std::unique_ptr<SinkWriter> Writer(const Props& props) {
    return test_support::TaskLikeWriter(props);
  }

  static absl::StatusOr<std::vector<RecordResult>> Write(SinkWriter& writer,
                                                         const std::vector<SinkRecord>& records) {
    std::vector<const SinkRecord*> pointers;
    for (const SinkRecord& r : records) pointers.push_back(&r);
    return writer.Write(pointers);
  }

  // Writes with a new writer for `props` and expects every record delivered.
  void Deliver(const Props& props, const std::vector<SinkRecord>& records) {
    auto writer = Writer(props);
    ASSERT_NE(writer, nullptr);
    auto results = Write(*writer, records);
    ASSERT_TRUE(results.ok()) << results.status();
    ASSERT_EQ(results->size(), records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      EXPECT_EQ((*results)[i].status, WriteStatus::kDelivered)
          << "record " << i << ": " << (*results)[i].reason;
    }
  }

  Table GetTable(const TableReference& ref) {
    auto table = rest_->GetTable(ref);
    EXPECT_TRUE(table.ok()) << ref.DebugString() << ": " << table.status();
    return table.ok() ? *table : Table{};
  }

  // The table resource exactly as the REST API renders it.
  json TableResource(const TableReference& ref) {
    auto resource = rest_->Call(
        "GET",
        "/projects/" + ref.project_id + "/datasets/" + ref.dataset_id + "/tables/" + ref.table_id,
        "", nullptr);
    EXPECT_TRUE(resource.ok()) << resource.status();
    return resource.ok() ? *resource : json();
  }

  // Every row of the table as {column: value} objects, in storage order.
  std::vector<json> Rows(const TableReference& ref) {
    const Table table = GetTable(ref);
    std::vector<json> rows;
    for (const json& row : ListRows(ref)) rows.push_back(RowObject(table.schema.fields, row));
    return rows;
  }

  void CreateTable(const TableReference& ref, std::vector<TableFieldSchema> fields,
                   std::optional<TimePartitioning> partitioning = std::nullopt) {
    auto dataset = rest_->InsertDataset(ref.project_id, ref.dataset_id);
    ASSERT_TRUE(dataset.ok() || absl::IsAlreadyExists(dataset.status())) << dataset.status();
    Table table;
    table.ref = ref;
    table.schema.fields = std::move(fields);
    table.time_partitioning = std::move(partitioning);
    auto created = rest_->InsertTable(table);
    ASSERT_TRUE(created.ok()) << created.status();
  }

  static SinkRecord Record(std::string topic, int64_t offset, SchemaPtr schema, Value value) {
    SinkRecord r;
    r.topic = std::move(topic);
    r.partition = 0;
    r.offset = offset;
    r.timestamp_ms = 1714557600000 + offset;
    r.value_schema = std::move(schema);
    r.value = std::move(value);
    return r;
  }

  // A small CloudEvents-like value: id (required), ts (optional Timestamp),
  // kind (optional string).
  static SchemaPtr EventSchema() {
    static const SchemaPtr schema = SchemaBuilder::Struct()
                                        .AddField("id", Schema::String())
                                        .AddField("ts", Schema::Timestamp(true))
                                        .AddField("kind", Schema::String(true))
                                        .Build();
    return schema;
  }
  static SinkRecord Event(std::string topic, int64_t offset) {
    Value value = StructBuilder(EventSchema())
                      .Put("id", "id-" + std::to_string(offset))
                      .Put("ts", Timestamp{1714557600000000 + offset})
                      .Put("kind", "login")
                      .Build();
    return Record(std::move(topic), offset, EventSchema(), std::move(value));
  }
};

// --- autoCreateTables --------------------------------------------------------

// kcbq: a missing table is created from the record's schema (SchemaManager),
// with its default partitioning: timePartitioningType=DAY on ingestion time.
TEST_F(WriterKeysTest, AutoCreateTablesCreatesTheTableFromTheRecordSchema) {
  Deliver(Base(), {Event("events", 0), Event("events", 1)});
  const TableReference ref{"p", "d", "events"};
  const Table table = GetTable(ref);
  EXPECT_EQ(table.schema.fields,
            (std::vector<TableFieldSchema>{Col("id", FieldType::kString, FieldMode::kRequired),
                                           Col("ts", FieldType::kTimestamp),
                                           Col("kind", FieldType::kString)}));
  const json resource = TableResource(ref);
  EXPECT_EQ(resource["timePartitioning"], json({{"type", "DAY"}})) << resource.dump();
  EXPECT_FALSE(resource.contains("clustering")) << resource.dump();
  const auto rows = Rows(ref);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1], json({{"id", "id-1"}, {"ts", "1714557600000001"}, {"kind", "login"}}));
}

// kcbq: with autoCreateTables=false an existing table is written as it is
// (never re-partitioned, its schema kept), and a missing one fails the task.
TEST_F(WriterKeysTest, AutoCreateTablesFalseWritesExistingTablesAndNeverCreates) {
  const TableReference ref{"p", "d", "events"};
  CreateTable(
      ref, {Col("id", FieldType::kString, FieldMode::kRequired), Col("ts", FieldType::kTimestamp),
            Col("kind", FieldType::kString), Col("extra", FieldType::kString)});
  Props props = Base();
  props["autoCreateTables"] = "false";
  props["timestampPartitionFieldName"] = "ts";  // for tables it would create: ignored here.
  Deliver(props, {Event("events", 0)});
  const json resource = TableResource(ref);
  EXPECT_FALSE(resource.contains("timePartitioning")) << resource.dump();
  EXPECT_EQ(GetTable(ref).schema.fields.size(), 4u);
  const auto rows = Rows(ref);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["extra"], nullptr);

  auto writer = Writer(props);
  ASSERT_NE(writer, nullptr);
  auto results = Write(*writer, {Event("missing", 0)});
  ASSERT_FALSE(results.ok());
  EXPECT_TRUE(absl::IsNotFound(results.status())) << results.status();
  EXPECT_FALSE(rest_->GetTable({"p", "d", "missing"}).ok());
}

// --- allBQFieldsNullable -----------------------------------------------------

// kcbq (BigQuerySchemaConverter.setNullability): every field of a created
// table is NULLABLE, at every depth, except arrays and maps, which stay
// REPEATED; the kafka key RECORD's fields too. kcbq's kafka data RECORD has
// no REQUIRED sub-field at all.
TEST_F(WriterKeysTest, AllBQFieldsNullableLeavesNoRequiredFieldAnywhere) {
  SchemaPtr point =
      SchemaBuilder::Struct().AddField("x", Schema::Int32()).AddField("y", Schema::Int32()).Build();
  SchemaPtr schema =
      SchemaBuilder::Struct()
          .AddField("id", Schema::Int64())
          .AddField("point", point)
          .AddField("path", SchemaBuilder::Array(point).Build())
          .AddField("tags", SchemaBuilder::Array(Schema::String()).Build())
          .AddField("counts", SchemaBuilder::Map(Schema::String(), Schema::Int64()).Build())
          .Build();
  SchemaPtr key_schema = SchemaBuilder::Struct().AddField("user", Schema::Int64()).Build();
  Value p = StructBuilder(point).Put("x", 1).Put("y", 2).Build();
  Value value = StructBuilder(schema)
                    .Put("id", int64_t{7})
                    .Put("point", p)
                    .Put("path", Array{p, p})
                    .Put("tags", Array{"a"})
                    .Put("counts", Map{{"k", int64_t{3}}})
                    .Build();
  SinkRecord record = Record("nullable", 0, schema, value);
  record.key_schema = key_schema;
  record.key = StructBuilder(key_schema).Put("user", int64_t{42}).Build();

  Props props = Base();
  props["kafkaDataFieldName"] = "kafka";
  props["kafkaKeyFieldName"] = "kafka_key";
  Props nullable = props;
  nullable["allBQFieldsNullable"] = "true";
  nullable["topic2TableMap"] = "nullable:all_nullable";
  Deliver(nullable, {record});
  const Table table = GetTable({"p", "d", "all_nullable"});
  std::string where;
  EXPECT_FALSE(AnyRequired(table.schema.fields, &where)) << where << " is REQUIRED";
  EXPECT_EQ(table.schema.FindField("path")->mode, FieldMode::kRepeated);
  EXPECT_EQ(table.schema.FindField("tags")->mode, FieldMode::kRepeated);
  EXPECT_EQ(table.schema.FindField("counts")->mode, FieldMode::kRepeated);
  EXPECT_EQ(Rows({"p", "d", "all_nullable"}).size(), 1u);

  // Without it, Connect's required fields are REQUIRED columns (and the key
  // RECORD itself NULLABLE, as kcbq makes it).
  props["topic2TableMap"] = "nullable:with_required";
  Deliver(props, {record});
  const Table strict = GetTable({"p", "d", "with_required"});
  EXPECT_EQ(strict.schema.FindField("id")->mode, FieldMode::kRequired);
  EXPECT_EQ(strict.schema.FindField("point")->FindField("x")->mode, FieldMode::kRequired);
  EXPECT_EQ(strict.schema.FindField("kafka_key")->mode, FieldMode::kNullable);
  EXPECT_EQ(strict.schema.FindField("kafka_key")->FindField("user")->mode, FieldMode::kRequired);
}

// --- sanitizeTopics ------------------------------------------------------------

// kcbq (TableNameUtils / FieldNameSanitizer.sanitizeName): the table name is
// the topic with every character but [A-Za-z0-9_] replaced by '_' and a '_'
// put before a leading digit; a "dataset:table" topic (from a routing SMT)
// names its dataset, and only the table part is sanitized.
TEST_F(WriterKeysTest, SanitizeTopicsMakesTableNamesFromTopicsAsKcbq) {
  Props props = Base();
  props["sanitizeTopics"] = "true";
  Deliver(props, {Event("serverlog.member", 0), Event("1-orders", 1), Event("other:my.table", 2)});
  EXPECT_EQ(Rows({"p", "d", "serverlog_member"}).size(), 1u);
  EXPECT_EQ(Rows({"p", "d", "_1_orders"}).size(), 1u);
  EXPECT_EQ(Rows({"p", "other", "my_table"}).size(), 1u);
}

// kcbq: without sanitizeTopics the topic is the table name as it is; one
// BigQuery refuses fails the task (tables.insert answers 400).
TEST_F(WriterKeysTest, WithoutSanitizeTopicsTheTopicIsTheTableNameAsItIs) {
  Deliver(Base(), {Event("plain_topic", 0)});
  EXPECT_EQ(Rows({"p", "d", "plain_topic"}).size(), 1u);

  auto writer = Writer(Base());
  ASSERT_NE(writer, nullptr);
  auto results = Write(*writer, {Event("serverlog.member", 0)});
  ASSERT_FALSE(results.ok());
  EXPECT_THAT(std::string(results.status().message()), HasSubstr("serverlog.member"));
  EXPECT_FALSE(rest_->GetTable({"p", "d", "serverlog_member"}).ok());
}

// --- sanitizeFieldNames --------------------------------------------------------

// kcbq: column names (at every depth) are sanitized as topic names are, the
// values land in the sanitized columns, and the kafka data and kafka key
// column names are sanitized too (SchemaManager.getRegularSchemaFields).
TEST_F(WriterKeysTest, SanitizeFieldNamesRenamesColumnsAtEveryDepth) {
  SchemaPtr geo = SchemaBuilder::Struct().AddField("lat.deg", Schema::Float64()).Build();
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("user.id", Schema::Int64())
                         .AddField("1st", Schema::String())
                         .AddField("geo-loc", geo)
                         .AddField("tag list", SchemaBuilder::Array(Schema::String()).Build())
                         .Build();
  SchemaPtr key_schema = SchemaBuilder::Struct().AddField("id.x", Schema::String()).Build();
  SinkRecord record = Record("sanitized", 3, schema,
                             StructBuilder(schema)
                                 .Put("user.id", int64_t{9})
                                 .Put("1st", "a")
                                 .Put("geo-loc", StructBuilder(geo).Put("lat.deg", 1.5).Build())
                                 .Put("tag list", Array{"x", "y"})
                                 .Build());
  record.key_schema = key_schema;
  record.key = StructBuilder(key_schema).Put("id.x", "k").Build();
  Props props = Base();
  props["sanitizeFieldNames"] = "true";
  props["kafkaDataFieldName"] = "kafka.meta";
  props["kafkaKeyFieldName"] = "kafka-key";
  Deliver(props, {record});

  const TableReference ref{"p", "d", "sanitized"};
  std::vector<std::string> names;
  for (const TableFieldSchema& f : GetTable(ref).schema.fields) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"user_id", "_1st", "geo_loc", "tag_list", "kafka_meta",
                                             "kafka_key"}));
  const auto rows = Rows(ref);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["user_id"], "9");
  EXPECT_EQ(rows[0]["_1st"], "a");
  EXPECT_EQ(rows[0]["geo_loc"], json({{"lat_deg", "1.5"}}));
  EXPECT_EQ(rows[0]["tag_list"], json({"x", "y"}));
  EXPECT_EQ(rows[0]["kafka_meta"]["offset"], "3");
  EXPECT_EQ(rows[0]["kafka_key"], json({{"id_x", "k"}}));
}

// kcbq: without sanitizeFieldNames a name BigQuery refuses makes
// tables.insert fail, and the task with it; ferry refuses the record before
// asking BigQuery, which fails the write too (no record can shape the table).
TEST_F(WriterKeysTest, WithoutSanitizeFieldNamesAnInvalidNameCreatesNoTable) {
  SchemaPtr schema = SchemaBuilder::Struct().AddField("user.id", Schema::Int64()).Build();
  auto writer = Writer(Base());
  ASSERT_NE(writer, nullptr);
  auto results = Write(*writer, {Record("unsanitized", 0, schema,
                                        StructBuilder(schema).Put("user.id", int64_t{1}).Build())});
  ASSERT_FALSE(results.ok());
  EXPECT_FALSE(rest_->GetTable({"p", "d", "unsanitized"}).ok());
}

// --- topic2TableMap ------------------------------------------------------------

// kcbq (TableNameUtils.getDataSetAndTableName): a mapped topic goes to its
// table, taken as written; an unmapped one to the table named as the topic,
// and sanitizeTopics does not apply (kcbq only sanitizes without a map).
TEST_F(WriterKeysTest, Topic2TableMapRoutesMappedTopicsAndUnmappedOnesByName) {
  Props props = Base();
  props["topic2TableMap"] = "serverlog.member:members,audit:audit_log";
  props["sanitizeTopics"] = "true";
  Deliver(props, {Event("serverlog.member", 0), Event("audit", 1), Event("serverlog.member", 2),
                  Event("plain", 3)});
  EXPECT_EQ(Rows({"p", "d", "members"}).size(), 2u);
  EXPECT_EQ(Rows({"p", "d", "audit_log"}).size(), 1u);
  EXPECT_EQ(Rows({"p", "d", "plain"}).size(), 1u);
  EXPECT_FALSE(rest_->GetTable({"p", "d", "serverlog_member"}).ok());
  EXPECT_FALSE(rest_->GetTable({"p", "d", "audit"}).ok());

  // Unmapped and not a valid table name: not sanitized, so BigQuery refuses it.
  auto writer = Writer(props);
  ASSERT_NE(writer, nullptr);
  auto results = Write(*writer, {Event("serverlog.other", 0)});
  EXPECT_FALSE(results.ok());
  EXPECT_FALSE(rest_->GetTable({"p", "d", "serverlog_other"}).ok());
}

// --- topics.regex ----------------------------------------------------------------

// topics.regex only decides what the consumer subscribes to; kcbq routes each
// record of the matched topics by its own topic name, one table per topic.
TEST_F(WriterKeysTest, TopicsRegexRoutesEachMatchedTopicToItsOwnTable) {
  Props props = Base();
  props["topics.regex"] = "orders\\..*";
  props["sanitizeTopics"] = "true";
  EXPECT_TRUE(ValidateBigQuerySinkConfig(props).empty());
  const std::regex subscribed(props["topics.regex"]);
  std::vector<SinkRecord> records;
  const std::vector<std::string> topics = {"orders.eu", "orders.us", "orders.apac"};
  for (int i = 0; i < 9; ++i) {
    const std::string& topic = topics[i % topics.size()];
    ASSERT_TRUE(std::regex_match(topic, subscribed)) << topic;
    records.push_back(Event(topic, i));
  }
  Deliver(props, records);
  for (const char* table : {"orders_eu", "orders_us", "orders_apac"}) {
    const auto rows = Rows({"p", "d", table});
    EXPECT_EQ(rows.size(), 3u) << table;
  }
  const auto eu = Rows({"p", "d", "orders_eu"});
  ASSERT_EQ(eu.size(), 3u);
  EXPECT_EQ(eu[0]["id"], "id-0");
  EXPECT_EQ(eu[1]["id"], "id-3");
  EXPECT_EQ(eu[2]["id"], "id-6");
}

// --- timestampPartitionFieldName / timePartitioningType / partitionExpirationMs ---

// kcbq (SchemaManager.constructTableInfo): created tables get
// timePartitioning{type: timePartitioningType, field:
// timestampPartitionFieldName (absent = ingestion time), expirationMs:
// partitionExpirationMs}; NONE creates an unpartitioned table.
TEST_F(WriterKeysTest, TimePartitioningTypeFieldAndExpirationShapeCreatedTables) {
  for (const char* type : {"HOUR", "DAY", "MONTH", "YEAR"}) {
    for (bool on_column : {true, false}) {
      SCOPED_TRACE(std::string(type) + (on_column ? " on ts" : " on ingestion time"));
      Props props = Base();
      props["timePartitioningType"] = type;
      props["partitionExpirationMs"] = "604800000";
      if (on_column) props["timestampPartitionFieldName"] = "ts";
      const std::string table_id = std::string(type) + (on_column ? "_ts" : "_ingestion");
      props["topic2TableMap"] = "events:" + table_id;
      Deliver(props, {Event("events", 0)});
      const json resource = TableResource({"p", "d", table_id});
      json want = {{"type", type}, {"expirationMs", "604800000"}};
      if (on_column) want["field"] = "ts";
      EXPECT_EQ(resource["timePartitioning"], want) << resource.dump();
      EXPECT_EQ(Rows({"p", "d", table_id}).size(), 1u);
    }
  }
  Props none = Base();
  none["timePartitioningType"] = "NONE";
  none["topic2TableMap"] = "events:unpartitioned";
  Deliver(none, {Event("events", 0)});
  const json resource = TableResource({"p", "d", "unpartitioned"});
  EXPECT_FALSE(resource.contains("timePartitioning")) << resource.dump();
  EXPECT_EQ(Rows({"p", "d", "unpartitioned"}).size(), 1u);
}

// kcbq: a timestampPartitionFieldName the record lacks makes tables.insert
// fail (BigQuery: the partitioning field must be a top-level TIMESTAMP, DATE
// or DATETIME column), and the task with it; no table is created.
TEST_F(WriterKeysTest, APartitionFieldTheRecordLacksCreatesNoTable) {
  Props props = Base();
  props["timestampPartitionFieldName"] = "created_at";
  auto writer = Writer(props);
  ASSERT_NE(writer, nullptr);
  auto results = Write(*writer, {Event("events", 0)});
  ASSERT_FALSE(results.ok());
  EXPECT_THAT(std::string(results.status().message()), HasSubstr("created_at"));
  EXPECT_FALSE(rest_->GetTable({"p", "d", "events"}).ok());
}

// kcbq: "Existing tables will not be altered to use this partitioning type"
// nor this partition expiration time.
TEST_F(WriterKeysTest, PartitioningKeysLeaveExistingTablesAlone) {
  const TableReference ref{"p", "d", "events"};
  TimePartitioning day;
  day.type = "DAY";
  CreateTable(ref,
              {Col("id", FieldType::kString, FieldMode::kRequired),
               Col("ts", FieldType::kTimestamp), Col("kind", FieldType::kString)},
              day);
  Props props = Base();
  props["timePartitioningType"] = "HOUR";
  props["timestampPartitionFieldName"] = "ts";
  props["partitionExpirationMs"] = "3600000";
  props["clusteringPartitionFieldNames"] = "kind";
  Deliver(props, {Event("events", 0)});
  const json resource = TableResource(ref);
  EXPECT_EQ(resource["timePartitioning"], json({{"type", "DAY"}})) << resource.dump();
  EXPECT_FALSE(resource.contains("clustering")) << resource.dump();
}

// --- clusteringPartitionFieldNames ----------------------------------------------

// kcbq (SchemaManager.constructTableInfo): created tables are clustered only
// when they are partitioned on timestampPartitionFieldName; with ingestion-time
// partitioning or NONE the key is ignored, so a field some topic lacks cannot
// make tables.insert fail there.
TEST_F(WriterKeysTest, ClusteringOnlyForTablesPartitionedOnAColumn) {
  Props props = Base();
  props["clusteringPartitionFieldNames"] = "kind,id";
  props["timestampPartitionFieldName"] = "ts";
  props["topic2TableMap"] = "events:clustered";
  Deliver(props, {Event("events", 0)});
  json resource = TableResource({"p", "d", "clustered"});
  EXPECT_EQ(resource["clustering"], json({{"fields", {"kind", "id"}}})) << resource.dump();

  props.erase("timestampPartitionFieldName");
  props["topic2TableMap"] = "events:ingestion_time";
  Deliver(props, {Event("events", 0)});
  resource = TableResource({"p", "d", "ingestion_time"});
  EXPECT_FALSE(resource.contains("clustering")) << resource.dump();
  EXPECT_EQ(resource["timePartitioning"], json({{"type", "DAY"}})) << resource.dump();

  props["timePartitioningType"] = "NONE";
  props["topic2TableMap"] = "events:unpartitioned";
  Deliver(props, {Event("events", 0)});
  resource = TableResource({"p", "d", "unpartitioned"});
  EXPECT_FALSE(resource.contains("clustering")) << resource.dump();
}

// --- bigQueryPartitionDecorator -------------------------------------------------

// kcbq: on insertAll the decorator sends rows to table$yyyyMMdd of the
// processing time (UTC), i.e. today's partition of an ingestion-time DAY
// table, which is where rows sent without one land too; on the Storage Write
// API kcbq 2.x uses no decorator (an explicit true is refused by its
// StorageWriteApiValidator; Aiven's fork later added it for _default streams).
// ferry never sends a decorator and accepts both values on every path.
TEST_F(WriterKeysTest, BigQueryPartitionDecoratorIsAcceptedOnEveryWritePath) {
  struct Path {
    const char* name;
    Props extra;
  };
  const std::vector<Path> paths = {
      {"exactly_once", {}},
      {"default_stream", {{"ferry.bigquery.write.mode", "default_stream"}}},
      {"insertAll", {{"useStorageWriteApi", "false"}}},
  };
  int n = 0;
  for (const Path& path : paths) {
    for (const char* decorator : {"true", "false"}) {
      SCOPED_TRACE(std::string(path.name) + " bigQueryPartitionDecorator=" + decorator);
      Props props = Base();
      props.insert(path.extra.begin(), path.extra.end());
      props["bigQueryPartitionDecorator"] = decorator;
      EXPECT_TRUE(ValidateBigQuerySinkConfig(props).empty());
      const std::string table_id = "decorated_" + std::to_string(n++);
      props["topic2TableMap"] = "events:" + table_id;
      Deliver(props, {Event("events", 0), Event("events", 1)});
      const json resource = TableResource({"p", "d", table_id});
      EXPECT_EQ(resource["timePartitioning"], json({{"type", "DAY"}})) << resource.dump();
      EXPECT_EQ(Rows({"p", "d", table_id}).size(), 2u);
    }
  }
}

// kcbq refuses, at validation, the decorator with timestampPartitionFieldName
// (PartitioningModeValidator) and with a created table not partitioned by DAY
// (PartitioningTypeValidator). ferry accepts both: its rows land by the
// partitioning column (or ingestion time) whatever the decorator says.
TEST_F(WriterKeysTest, ConfigsKcbqRefusesForTheDecoratorAreWritten) {
  Props props = Base();
  props["bigQueryPartitionDecorator"] = "true";
  props["useStorageWriteApi"] = "false";
  props["timestampPartitionFieldName"] = "ts";
  props["timePartitioningType"] = "HOUR";
  EXPECT_TRUE(ValidateBigQuerySinkConfig(props).empty());
  Deliver(props, {Event("events", 0)});
  EXPECT_EQ(TableResource({"p", "d", "events"})["timePartitioning"],
            json({{"type", "HOUR"}, {"field", "ts"}}));
  EXPECT_EQ(Rows({"p", "d", "events"}).size(), 1u);
}

// --- kafkaDataFieldName ------------------------------------------------------------

// kcbq adds RECORD <kafkaDataFieldName>(topic STRING, partition INTEGER,
// offset INTEGER, insertTime TIMESTAMP), NULLABLE, after the value's columns
// (KafkaDataBuilder). ferry creates the layout of its brief instead:
// RECORD(topic, partition, offset, timestamp = the record's, key), and writes
// into kcbq's layout when the table has it (next test).
TEST_F(WriterKeysTest, KafkaDataFieldNameAddsTheKafkaCoordinates) {
  Props props = Base();
  props["kafkaDataFieldName"] = "kafka";
  SinkRecord record = Event("events", 17);
  record.partition = 4;
  record.key = "member-1";
  Deliver(props, {record});
  const TableReference ref{"p", "d", "events"};
  const Table table = GetTable(ref);
  ASSERT_EQ(table.schema.fields.size(), 4u);
  const TableFieldSchema& kafka = table.schema.fields[3];  // after the value's columns.
  EXPECT_EQ(kafka.name, "kafka");
  EXPECT_EQ(kafka.type, FieldType::kRecord);
  EXPECT_EQ(kafka.mode, FieldMode::kNullable);
  std::vector<std::pair<std::string, FieldType>> subfields;
  for (const TableFieldSchema& f : kafka.fields) subfields.emplace_back(f.name, f.type);
  EXPECT_EQ(subfields,
            (std::vector<std::pair<std::string, FieldType>>{{"topic", FieldType::kString},
                                                            {"partition", FieldType::kInteger},
                                                            {"offset", FieldType::kInteger},
                                                            {"timestamp", FieldType::kTimestamp},
                                                            {"key", FieldType::kString}}));
  const auto rows = Rows(ref);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["kafka"], json({{"topic", "events"},
                                    {"partition", "4"},
                                    {"offset", "17"},
                                    {"timestamp", "1714557600017000"},
                                    {"key", "member-1"}}));
}

// A table kcbq created (insertTime, no mode on topic/partition/offset) takes
// ferry's rows with insertTime = the time of writing, as kcbq sets it.
TEST_F(WriterKeysTest, KafkaDataIntoAKcbqCreatedTableSetsInsertTime) {
  const TableReference ref{"p", "d", "events"};
  auto omitted = [](std::string name, FieldType type) {
    TableFieldSchema f = Col(std::move(name), type);
    f.mode_omitted = true;  // kcbq's Field.of(name, type): no mode sent.
    return f;
  };
  CreateTable(
      ref,
      {Col("id", FieldType::kString, FieldMode::kRequired), Col("ts", FieldType::kTimestamp),
       Col("kind", FieldType::kString),
       Col("kafka", FieldType::kRecord, FieldMode::kNullable,
           {omitted("topic", FieldType::kString), omitted("partition", FieldType::kInteger),
            omitted("offset", FieldType::kInteger), Col("insertTime", FieldType::kTimestamp)})});
  Props props = Base();
  props["kafkaDataFieldName"] = "kafka";
  props["autoCreateTables"] = "false";
  const int64_t before = absl::ToUnixMicros(absl::Now());
  Deliver(props, {Event("events", 5)});
  const int64_t after = absl::ToUnixMicros(absl::Now());
  const auto rows = Rows(ref);
  ASSERT_EQ(rows.size(), 1u);
  const json& kafka = rows[0]["kafka"];
  EXPECT_EQ(kafka["topic"], "events");
  EXPECT_EQ(kafka["partition"], "0");
  EXPECT_EQ(kafka["offset"], "5");
  const int64_t insert_time = std::stoll(kafka["insertTime"].get<std::string>());
  EXPECT_GE(insert_time, before);
  EXPECT_LE(insert_time, after);
}

// --- kafkaKeyFieldName ----------------------------------------------------------------

// kcbq: the key's STRUCT schema becomes a NULLABLE RECORD column named
// kafkaKeyFieldName, after the kafka data column, its fields converted as the
// value's are (modes kept). ferry also takes primitive and schemaless keys
// (kcbq 2.x fails the task: "Top-level Kafka Connect schema must be of type
// 'struct'"): a NULLABLE column of the key's type.
TEST_F(WriterKeysTest, KafkaKeyFieldNameAddsTheKeyColumn) {
  SchemaPtr key_schema = SchemaBuilder::Struct()
                             .AddField("user", Schema::Int64())
                             .AddField("region", Schema::String(true))
                             .Build();
  SinkRecord record = Event("events", 0);
  record.key_schema = key_schema;
  record.key = StructBuilder(key_schema).Put("user", int64_t{42}).Put("region", "eu").Build();
  Props props = Base();
  props["kafkaKeyFieldName"] = "kafka_key";
  props["kafkaDataFieldName"] = "kafka";
  Deliver(props, {record});
  const TableReference ref{"p", "d", "events"};
  const Table table = GetTable(ref);
  ASSERT_EQ(table.schema.fields.size(), 5u);
  EXPECT_EQ(table.schema.fields[3].name, "kafka");
  EXPECT_EQ(table.schema.fields[4], Col("kafka_key", FieldType::kRecord, FieldMode::kNullable,
                                        {Col("user", FieldType::kInteger, FieldMode::kRequired),
                                         Col("region", FieldType::kString, FieldMode::kNullable)}));
  auto rows = Rows(ref);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["kafka_key"], json({{"user", "42"}, {"region", "eu"}}));

  SinkRecord text_key = Event("text_keys", 1);
  text_key.key_schema = Schema::String(true);
  text_key.key = "member-1";
  SinkRecord null_key = Event("text_keys", 2);
  null_key.key_schema = Schema::String(true);
  Deliver(props, {text_key, null_key});
  EXPECT_EQ(*GetTable({"p", "d", "text_keys"}).schema.FindField("kafka_key"),
            Col("kafka_key", FieldType::kString));
  rows = Rows({"p", "d", "text_keys"});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["kafka_key"], "member-1");
  EXPECT_EQ(rows[1]["kafka_key"], nullptr);
}

// --- allowNewBigQueryFields / allowBigQueryRequiredFieldRelaxation /
//     allowSchemaUnionization ---------------------------------------------------------

class SchemaUpdateTest : public WriterKeysTest {
 protected:
  // The table as an earlier schema version made it.
  void SetUp() override {
    WriterKeysTest::SetUp();
    CreateTable(ref_, {Col("id", FieldType::kString, FieldMode::kRequired),
                       Col("name", FieldType::kString, FieldMode::kRequired)});
  }

  // autoCreateTables=false and each of `keys` true.
  Props With(const std::vector<std::string>& keys) const {
    Props props = Base();
    props["autoCreateTables"] = "false";
    for (const std::string& key : keys) props[key] = "true";
    return props;
  }

  // One record of `schema` (fields by name; string values, null when absent).
  SinkRecord Versioned(SchemaPtr schema, std::map<std::string, Value> values) {
    StructBuilder builder(schema);
    for (auto& [name, value] : values) builder.Put(name, std::move(value));
    return Record("users", offset_++, std::move(schema), builder.Build());
  }

  // Writes one record with a fresh writer; returns its result.
  RecordResult WriteOne(const Props& props, const SinkRecord& record) {
    auto writer = Writer(props);
    EXPECT_NE(writer, nullptr);
    if (writer == nullptr) return {};
    auto results = Write(*writer, {record});
    EXPECT_TRUE(results.ok()) << results.status();
    if (!results.ok() || results->size() != 1) return {};
    return (*results)[0];
  }

  const TableReference ref_{"p", "d", "users"};
  int64_t offset_ = 0;
};

// kcbq: a field the table lacks is added (NULLABLE, at the end) only with
// allowNewBigQueryFields; a REQUIRED one only with
// allowBigQueryRequiredFieldRelaxation too, and then as NULLABLE
// (isValidFieldAddition, relaxFieldsWhereNecessary). Where kcbq fails the task
// with its message, ferry rejects the record with it (DLQ).
TEST_F(SchemaUpdateTest, AllowNewBigQueryFieldsAddsNullableColumns) {
  SchemaPtr v2 = SchemaBuilder::Struct()
                     .AddField("id", Schema::String())
                     .AddField("name", Schema::String())
                     .AddField("email", Schema::String(true))
                     .Build();
  SinkRecord record = Versioned(v2, {{"id", "a"}, {"name", "A"}, {"email", "a@x"}});
  // No schema update key: kcbq's SimpleBigQueryWriter sends the row and
  // BigQuery refuses the unknown field ("no such field"); ferry refuses it first.
  RecordResult refused = WriteOne(With({}), record);
  EXPECT_EQ(refused.status, WriteStatus::kRejected);
  EXPECT_EQ(refused.location, "email") << refused.reason;
  // Updates allowed, but not this one: kcbq's validateSchemaChange message.
  refused = WriteOne(With({"allowBigQueryRequiredFieldRelaxation"}), record);
  EXPECT_EQ(refused.status, WriteStatus::kRejected);
  EXPECT_THAT(refused.reason, HasSubstr("New Field found with the name email Ensure that "
                                        "allowNewBigQueryFields is true"));
  EXPECT_EQ(GetTable(ref_).schema.fields.size(), 2u);

  EXPECT_EQ(WriteOne(With({"allowNewBigQueryFields"}), record).status, WriteStatus::kDelivered);
  Table table = GetTable(ref_);
  ASSERT_EQ(table.schema.fields.size(), 3u);
  EXPECT_EQ(table.schema.fields[2], Col("email", FieldType::kString));

  SchemaPtr v3 = SchemaBuilder::Struct()
                     .AddField("id", Schema::String())
                     .AddField("name", Schema::String())
                     .AddField("email", Schema::String(true))
                     .AddField("age", Schema::Int32())
                     .Build();
  SinkRecord required = Versioned(v3, {{"id", "b"}, {"name", "B"}, {"age", 30}});
  refused = WriteOne(With({"allowNewBigQueryFields"}), required);
  EXPECT_EQ(refused.status, WriteStatus::kRejected);
  EXPECT_THAT(refused.reason, HasSubstr("allowBigQueryRequiredFieldRelaxation"));
  EXPECT_EQ(
      WriteOne(With({"allowNewBigQueryFields", "allowBigQueryRequiredFieldRelaxation"}), required)
          .status,
      WriteStatus::kDelivered);
  table = GetTable(ref_);
  ASSERT_EQ(table.schema.fields.size(), 4u);
  EXPECT_EQ(table.schema.fields[3], Col("age", FieldType::kInteger));  // NULLABLE.
  const auto rows = Rows(ref_);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], json({{"id", "a"}, {"name", "A"}, {"email", "a@x"}, {"age", nullptr}}));
  EXPECT_EQ(rows[1], json({{"id", "b"}, {"name", "B"}, {"email", nullptr}, {"age", "30"}}));
}

// kcbq with autoCreateTables=true (its default) writes through
// AdaptiveBigQueryWriter, which answers BigQuery's "no such field" by asking
// SchemaManager for an update even when no update key is set, so the failure
// names the key: "New Field found with the name email Ensure that
// allowNewBigQueryFields is true ...". ferry words its rejection the same way
// (and patches nothing).
TEST_F(SchemaUpdateTest, WithoutUpdateKeysTheRejectionNamesTheKeyAsKcbq) {
  SchemaPtr v2 = SchemaBuilder::Struct()
                     .AddField("id", Schema::String())
                     .AddField("name", Schema::String())
                     .AddField("email", Schema::String(true))
                     .Build();
  Props props = Base();  // autoCreateTables=true, no update key.
  RecordResult refused =
      WriteOne(props, Versioned(v2, {{"id", "a"}, {"name", "A"}, {"email", "a@x"}}));
  EXPECT_EQ(refused.status, WriteStatus::kRejected);
  EXPECT_THAT(refused.reason, HasSubstr("New Field found with the name email Ensure that "
                                        "allowNewBigQueryFields is true"));
  EXPECT_EQ(GetTable(ref_).schema.fields.size(), 2u);
}

// kcbq: a REQUIRED column whose field the record's schema has optional is
// relaxed to NULLABLE only with allowBigQueryRequiredFieldRelaxation
// ("name has mode REQUIRED. Set allowBigQueryRequiredFieldRelaxation to true,
// to change the mode to NULLABLE").
TEST_F(SchemaUpdateTest, RequiredFieldRelaxationMakesRequiredColumnsNullable) {
  SchemaPtr optional_name = SchemaBuilder::Struct()
                                .AddField("id", Schema::String())
                                .AddField("name", Schema::String(true))
                                .Build();
  SinkRecord record = Versioned(optional_name, {{"id", "a"}, {"name", Value()}});
  RecordResult refused = WriteOne(With({"allowNewBigQueryFields"}), record);
  EXPECT_EQ(refused.status, WriteStatus::kRejected);
  EXPECT_THAT(refused.reason, HasSubstr("allowBigQueryRequiredFieldRelaxation"));
  EXPECT_EQ(GetTable(ref_).schema.fields[1].mode, FieldMode::kRequired);

  EXPECT_EQ(WriteOne(With({"allowBigQueryRequiredFieldRelaxation"}), record).status,
            WriteStatus::kDelivered);
  EXPECT_EQ(GetTable(ref_).schema.fields[1], Col("name", FieldType::kString));
  const auto rows = Rows(ref_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], json({{"id", "a"}, {"name", nullptr}}));
}

// kcbq: with allowSchemaUnionization the table is unionized with the record,
// so a column the record lacks stays (never removed) and, if REQUIRED, is
// relaxed, which validateSchemaChange allows only with
// allowBigQueryRequiredFieldRelaxation too. Without unionization kcbq would
// send the record's schema, which BigQuery refuses (a column removed).
TEST_F(SchemaUpdateTest, SchemaUnionizationKeepsAndRelaxesColumnsTheRecordLacks) {
  SchemaPtr id_only = SchemaBuilder::Struct().AddField("id", Schema::String()).Build();
  SinkRecord record = Versioned(id_only, {{"id", "a"}});
  for (const char* key : {"allowBigQueryRequiredFieldRelaxation", "allowSchemaUnionization"}) {
    SCOPED_TRACE(key);
    const std::vector<std::string> keys = {key};
    RecordResult refused = WriteOne(With(keys), record);
    EXPECT_EQ(refused.status, WriteStatus::kRejected);
    EXPECT_EQ(refused.location, "name") << refused.reason;
  }
  EXPECT_EQ(GetTable(ref_).schema.fields[1].mode, FieldMode::kRequired);

  EXPECT_EQ(
      WriteOne(With({"allowSchemaUnionization", "allowBigQueryRequiredFieldRelaxation"}), record)
          .status,
      WriteStatus::kDelivered);
  const Table table = GetTable(ref_);
  EXPECT_EQ(table.schema.fields,
            (std::vector<TableFieldSchema>{Col("id", FieldType::kString, FieldMode::kRequired),
                                           Col("name", FieldType::kString)}));
  const auto rows = Rows(ref_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], json({{"id", "a"}, {"name", nullptr}}));
}

// --- defaultDataset / project ------------------------------------------------------------

// kcbq: tables are <project>.<defaultDataset>.<table>; a "dataset:table"
// topic overrides the dataset. kcbq never creates datasets (tables.insert
// fails with 404 on a missing one); ferry creates a missing dataset.
TEST_F(WriterKeysTest, ProjectAndDefaultDatasetNameTheTables) {
  Props props = Base();
  props["project"] = "analytics-prod";
  props["defaultDataset"] = "events_ds";
  Deliver(props, {Event("events", 0), Event("audit_ds:events", 1)});
  EXPECT_EQ(Rows({"analytics-prod", "events_ds", "events"}).size(), 1u);
  EXPECT_EQ(Rows({"analytics-prod", "audit_ds", "events"}).size(), 1u);
  EXPECT_FALSE(rest_->GetTable({"p", "d", "events"}).ok());
  EXPECT_TRUE(rest_->GetDataset("analytics-prod", "events_ds").ok());
}

// --- Connect types end to end ----------------------------------------------------------

// Every Connect type and the logical types kcbq converts (Kafka's and
// Debezium's), from the record into a created table and back through
// tabledata.list, on each write path: the column types are kcbq's
// BigQuerySchemaConverter's, the values the record's.
class ConnectTypesTest : public WriterKeysTest,
                         public ::testing::WithParamInterface<std::pair<const char*, Props>> {};

TEST_P(ConnectTypesTest, LandInTheColumnsKcbqMapsThemTo) {
  SchemaPtr inner =
      SchemaBuilder::Struct()
          .AddField("label", Schema::String())
          .AddField("deep",
                    SchemaBuilder::Struct().AddField("n", Schema::Int32(true)).Optional().Build())
          .Build();
  SchemaPtr item = SchemaBuilder::Struct()
                       .AddField("sku", Schema::String())
                       .AddField("qty", Schema::Int16())
                       .Build();
  SchemaPtr schema =
      SchemaBuilder::Struct()
          .AddField("i8", Schema::Int8())
          .AddField("i16", Schema::Int16())
          .AddField("i32", Schema::Int32())
          .AddField("i64", Schema::Int64())
          .AddField("f32", Schema::Float32())
          .AddField("f64", Schema::Float64())
          .AddField("ok", Schema::Boolean())
          .AddField("s", Schema::String())
          .AddField("raw", Schema::Bytes())
          .AddField("day", Schema::Date())
          .AddField("clock", Schema::Time())
          .AddField("at", Schema::Timestamp())
          .AddField("price", Schema::Decimal(2))
          .AddField("ratio", Schema::Decimal(12))
          .AddField("doc", Schema::Json(true))
          .AddField("inner", inner)
          .AddField("tags", SchemaBuilder::Array(Schema::String()).Build())
          .AddField("items", SchemaBuilder::Array(item).Build())
          .AddField("counts", SchemaBuilder::Map(Schema::String(), Schema::Int64()).Build())
          .AddField("dbz_date", Named(Type::kInt32, debezium::kDate))
          .AddField("dbz_micro_time", Named(Type::kInt64, debezium::kMicroTime))
          .AddField("dbz_zoned", Named(Type::kString, debezium::kZonedTimestamp))
          .AddField("nothing", Schema::String(true))
          .Build();
  const int64_t at_micros = 1714557600123000;  // 2024-05-01T10:00:00.123Z (millis, as Connect).
  Value inner_value = StructBuilder(inner)
                          .Put("label", "outer")
                          .Put("deep", StructBuilder(inner->fields()[1].schema).Put("n", 5).Build())
                          .Build();
  Value value = StructBuilder(schema)
                    .Put("i8", -8)
                    .Put("i16", 1600)
                    .Put("i32", -320000)
                    .Put("i64", int64_t{9007199254740993})  // not a double: must arrive exact.
                    .Put("f32", 1.5)
                    .Put("f64", -2.25e-3)
                    .Put("ok", true)
                    .Put("s", "héllo ✓")
                    .Put("raw", Bytes{std::string("\x00\xff\x10", 3)})
                    .Put("day", Date{19844})  // 2024-05-01
                    .Put("clock", TimeOfDay{(13 * 3600 + 5 * 60 + 7) * int64_t{1000000} + 250000})
                    .Put("at", Timestamp{at_micros})
                    .Put("price", *Decimal::FromString("-12.34"))
                    .Put("ratio", *Decimal::FromString("0.000000000001"))
                    .Put("doc", R"({"a":[1,2]})")
                    .Put("inner", inner_value)
                    .Put("tags", Array{"x", "y"})
                    .Put("items", Array{StructBuilder(item).Put("sku", "A").Put("qty", 2).Build(),
                                        StructBuilder(item).Put("sku", "B").Put("qty", 3).Build()})
                    .Put("counts", Map{{"k1", int64_t{1}}, {"k2", int64_t{2}}})
                    .Put("dbz_date", 19844)
                    .Put("dbz_micro_time", int64_t{1500})
                    .Put("dbz_zoned", "2024-05-01T12:00:00.123456+02:00")
                    .Build();
  Props props = Base();
  props.insert(GetParam().second.begin(), GetParam().second.end());
  Deliver(props, {Record("types", 0, schema, value)});

  const TableReference ref{"p", "d", "types"};
  std::map<std::string, std::pair<FieldType, FieldMode>> columns;
  for (const TableFieldSchema& f : GetTable(ref).schema.fields) {
    columns[f.name] = {f.type, f.mode};
  }
  const std::map<std::string, std::pair<FieldType, FieldMode>> want_columns = {
      {"i8", {FieldType::kInteger, FieldMode::kRequired}},
      {"i16", {FieldType::kInteger, FieldMode::kRequired}},
      {"i32", {FieldType::kInteger, FieldMode::kRequired}},
      {"i64", {FieldType::kInteger, FieldMode::kRequired}},
      {"f32", {FieldType::kFloat, FieldMode::kRequired}},
      {"f64", {FieldType::kFloat, FieldMode::kRequired}},
      {"ok", {FieldType::kBoolean, FieldMode::kRequired}},
      {"s", {FieldType::kString, FieldMode::kRequired}},
      {"raw", {FieldType::kBytes, FieldMode::kRequired}},
      {"day", {FieldType::kDate, FieldMode::kRequired}},
      {"clock", {FieldType::kTime, FieldMode::kRequired}},
      {"at", {FieldType::kTimestamp, FieldMode::kRequired}},
      {"price", {FieldType::kNumeric, FieldMode::kRequired}},
      {"ratio", {FieldType::kBignumeric, FieldMode::kRequired}},  // scale 12: NUMERIC can't.
      {"doc", {FieldType::kJson, FieldMode::kNullable}},
      {"inner", {FieldType::kRecord, FieldMode::kRequired}},
      {"tags", {FieldType::kString, FieldMode::kRepeated}},
      {"items", {FieldType::kRecord, FieldMode::kRepeated}},
      {"counts", {FieldType::kRecord, FieldMode::kRepeated}},
      {"dbz_date", {FieldType::kDate, FieldMode::kRequired}},
      {"dbz_micro_time", {FieldType::kTime, FieldMode::kRequired}},
      {"dbz_zoned", {FieldType::kTimestamp, FieldMode::kRequired}},
      {"nothing", {FieldType::kString, FieldMode::kNullable}},
  };
  EXPECT_EQ(columns, want_columns);

  const auto rows = Rows(ref);
  ASSERT_EQ(rows.size(), 1u);
  const json want = {
      {"i8", "-8"},
      {"i16", "1600"},
      {"i32", "-320000"},
      {"i64", "9007199254740993"},
      {"f32", "1.5"},
      {"f64", "-0.00225"},
      {"ok", "true"},
      {"s", "héllo ✓"},
      {"raw", "AP8Q"},
      {"day", "2024-05-01"},
      {"clock", "13:05:07.250000"},
      {"at", "1714557600123000"},
      {"price", "-12.34"},
      {"ratio", "0.000000000001"},
      {"doc", R"({"a":[1,2]})"},
      {"inner", {{"label", "outer"}, {"deep", {{"n", "5"}}}}},
      {"tags", {"x", "y"}},
      {"items", {{{"sku", "A"}, {"qty", "2"}}, {{"sku", "B"}, {"qty", "3"}}}},
      {"counts", {{{"key", "k1"}, {"value", "1"}}, {{"key", "k2"}, {"value", "2"}}}},
      {"dbz_date", "2024-05-01"},
      {"dbz_micro_time", "00:00:00.001500"},
      {"dbz_zoned", "1714557600123456"},
      {"nothing", nullptr},
  };
  for (auto it = want.begin(); it != want.end(); ++it) {
    EXPECT_EQ(rows[0][it.key()], it.value()) << it.key();
  }
}

INSTANTIATE_TEST_SUITE_P(
    WritePaths, ConnectTypesTest,
    ::testing::Values(std::make_pair("exactly_once", Props{}),
                      std::make_pair("default_stream",
                                     Props{{"ferry.bigquery.write.mode", "default_stream"}}),
                      std::make_pair("insertAll", Props{{"useStorageWriteApi", "false"}})),
    [](const auto& info) { return std::string(info.param.first); });

// --- time units -----------------------------------------------------------------------------

// The same instant in every form a TIMESTAMP column takes: Connect's
// Timestamp, Debezium's Timestamp (epoch millis), MicroTimestamp (micros),
// NanoTimestamp (nanos, floored to BigQuery's micros), ZonedTimestamp (RFC
// 3339 text). A schemaless integer counts Connect's epoch milliseconds, on
// every write path. (kcbq passes a schemaless integer through: BigQuery's
// insertAll reads a JSON number for a TIMESTAMP as seconds, kcbq's Storage
// Write API path as microseconds; ferry never guesses the unit, and rejects a
// value out of range in its declared unit, naming the likely one.)
TEST_F(WriterKeysTest, TimestampsLandAtTheSameInstantInEveryDeclaredUnit) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("connect", Schema::Timestamp())
                         .AddField("millis", Named(Type::kInt64, debezium::kTimestamp))
                         .AddField("micros", Named(Type::kInt64, debezium::kMicroTimestamp))
                         .AddField("nanos", Named(Type::kInt64, debezium::kNanoTimestamp))
                         .AddField("zoned", Named(Type::kString, debezium::kZonedTimestamp))
                         .Build();
  const int64_t millis = 1714557600123;  // 2024-05-01T10:00:00.123Z
  Value value = StructBuilder(schema)
                    .Put("connect", Timestamp{millis * 1000})
                    .Put("millis", millis)
                    .Put("micros", millis * 1000)
                    .Put("nanos", millis * 1000000 + 999)
                    .Put("zoned", "2024-05-01T12:00:00.123+02:00")
                    .Build();
  Deliver(Base(), {Record("units", 0, schema, value)});
  const auto rows = Rows({"p", "d", "units"});
  ASSERT_EQ(rows.size(), 1u);
  for (const char* column : {"connect", "millis", "micros", "nanos", "zoned"}) {
    EXPECT_EQ(rows[0][column], "1714557600123000") << column;
  }

  for (const char* mode : {"exactly_once", "insertAll"}) {
    SCOPED_TRACE(mode);
    const TableReference ref{"p", "d", std::string("schemaless_") + mode};
    CreateTable(ref, {Col("ts", FieldType::kTimestamp)});
    Props props = Base();
    if (std::string(mode) == "insertAll") props["useStorageWriteApi"] = "false";
    props["topic2TableMap"] = "schemaless:" + ref.table_id;
    auto writer = Writer(props);
    ASSERT_NE(writer, nullptr);
    std::vector<SinkRecord> records = {
        Record("schemaless", 0, nullptr, Map{{"ts", millis}}),
        Record("schemaless", 1, nullptr, Map{{"ts", millis * 1000}}),  // micros, undeclared.
        Record("schemaless", 2, nullptr, Map{{"ts", millis / 1000}}),  // seconds, undeclared.
    };
    auto results = Write(*writer, records);
    ASSERT_TRUE(results.ok()) << results.status();
    EXPECT_EQ((*results)[0].status, WriteStatus::kDelivered) << (*results)[0].reason;
    EXPECT_EQ((*results)[1].status, WriteStatus::kRejected);
    EXPECT_EQ((*results)[1].location, "ts");
    EXPECT_THAT((*results)[1].reason, HasSubstr("as microseconds it would be 2024-05-01T10:00:00"));
    EXPECT_EQ((*results)[2].status, WriteStatus::kDelivered) << (*results)[2].reason;
    const auto landed = Rows(ref);
    ASSERT_EQ(landed.size(), 2u);
    EXPECT_EQ(landed[0]["ts"], "1714557600123000");
    EXPECT_EQ(landed[1]["ts"], "1714557600000");  // seconds read as millis: 1970-01-20.
  }
}

// --- keys of kcbq 2.x and of Aiven's fork that configs from the field carry --------

// Both write paths, for the keys whose rows differ between them.
const std::vector<std::pair<std::string, Props>>& WritePaths() {
  static const auto* paths = new std::vector<std::pair<std::string, Props>>{
      {"storage", {}}, {"insertall", {{"useStorageWriteApi", "false"}}}};
  return *paths;
}

Props With(Props props, const Props& more) {
  for (const auto& [k, v] : more) props[k] = v;
  return props;
}

SchemaPtr AmountSchema() {
  static const SchemaPtr schema = SchemaBuilder::Struct()
                                      .AddField("id", Schema::String())
                                      .AddField("amount", Schema::Decimal(2))
                                      .Build();
  return schema;
}

Value Amount(const std::string& id) {  // 12.34: unscaled 1234 = 0x04D2.
  return StructBuilder(AmountSchema())
      .Put("id", id)
      .Put("amount", Decimal{std::string("\x04\xd2", 2), 2})
      .Build();
}

// Both kcbq forks make FLOAT columns for Connect's Decimal (kcbq 2.x always,
// Aiven by default). ferry's new columns are exact NUMERICs, but a table kcbq
// made keeps its FLOAT columns: with decimalHandlingMode unset or FLOAT a
// Decimal is written there as the nearest double, as kcbq does, so the config
// runs unchanged. decimalHandlingMode=NUMERIC asks for exact decimals: the
// record is rejected, naming the key.
TEST_F(WriterKeysTest, DecimalsIntoKcbqsFloatColumnsUnlessNumericIsAskedFor) {
  for (const auto& [path, extra] : WritePaths()) {
    SCOPED_TRACE(path);
    const TableReference ref{"p", "d", "amounts_" + path};
    CreateTable(ref, {Col("id", FieldType::kString, FieldMode::kRequired),
                      Col("amount", FieldType::kFloat, FieldMode::kRequired)});
    Props props = With(Base(), extra);
    props["topic2TableMap"] = "amounts:" + ref.table_id;
    props["decimalHandlingMode"] = "NUMERIC";
    SinkRecord record = Record("amounts", 0, AmountSchema(), Amount("a"));
    auto writer = Writer(props);
    ASSERT_NE(writer, nullptr);
    auto results = Write(*writer, {record});
    ASSERT_TRUE(results.ok()) << results.status();
    EXPECT_EQ((*results)[0].status, WriteStatus::kRejected);
    EXPECT_EQ((*results)[0].location, "amount");
    EXPECT_THAT((*results)[0].reason, HasSubstr("decimalHandlingMode=FLOAT"));

    props.erase("decimalHandlingMode");
    Deliver(props, {record});
    props["decimalHandlingMode"] = "float";
    Deliver(props, {Record("amounts", 1, AmountSchema(), Amount("b"))});
    const auto rows = Rows(ref);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0], json({{"id", "a"}, {"amount", "12.34"}}));
    EXPECT_EQ(rows[1], json({{"id", "b"}, {"amount", "12.34"}}));
    EXPECT_EQ(GetTable(ref).schema.FindField("amount")->type, FieldType::kFloat);
  }
}

// Aiven's RECORD and BIGNUMERIC modes shape the tables ferry creates.
TEST_F(WriterKeysTest, DecimalHandlingModeRecordAndBignumericShapeNewTables) {
  for (const auto& [path, extra] : WritePaths()) {
    SCOPED_TRACE(path);
    Props props = With(Base(), extra);
    props["decimalHandlingMode"] = "RECORD";
    props["topic2TableMap"] = "amounts:record_" + path;
    Deliver(props, {Record("amounts", 0, AmountSchema(), Amount("a"))});
    const TableReference record_ref{"p", "d", "record_" + path};
    EXPECT_EQ(*GetTable(record_ref).schema.FindField("amount"),
              Col("amount", FieldType::kRecord, FieldMode::kRequired,
                  {Col("scale", FieldType::kInteger, FieldMode::kRequired),
                   Col("value", FieldType::kBytes, FieldMode::kRequired)}));
    auto rows = Rows(record_ref);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0]["amount"], json({{"scale", "2"}, {"value", "BNI="}}));

    props["decimalHandlingMode"] = "BIGNUMERIC";
    props["topic2TableMap"] = "amounts:big_" + path;
    Deliver(props, {Record("amounts", 0, AmountSchema(), Amount("a"))});
    const TableReference big_ref{"p", "d", "big_" + path};
    EXPECT_EQ(GetTable(big_ref).schema.FindField("amount")->type, FieldType::kBignumeric);
    rows = Rows(big_ref);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0]["amount"], "12.34");
  }
}

// kcbq 2.x / Aiven: convertDebeziumTimestampToInteger keeps Debezium's epoch
// milliseconds as an INTEGER column.
TEST_F(WriterKeysTest, ConvertDebeziumTimestampToIntegerWritesTheRawLong) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("id", Schema::String())
                         .AddField("created", Named(Type::kInt64, debezium::kTimestamp))
                         .Build();
  for (const auto& [path, extra] : WritePaths()) {
    SCOPED_TRACE(path);
    Props props = With(Base(), extra);
    props["convertDebeziumTimestampToInteger"] = "true";
    props["topic2TableMap"] = "cdc:cdc_" + path;
    Value value =
        StructBuilder(schema).Put("id", "a").Put("created", int64_t{1714557600123}).Build();
    Deliver(props, {Record("cdc", 0, schema, value)});
    const TableReference ref{"p", "d", "cdc_" + path};
    EXPECT_EQ(GetTable(ref).schema.FindField("created")->type, FieldType::kInteger);
    const auto rows = Rows(ref);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0]["created"], "1714557600123");
  }
}

// Aiven: ignoreUnknownFields drops what the table has no column for (the
// Storage Write API's JsonStreamWriter.setIgnoreUnknownFields, insertAll's
// ignoreUnknownValues). Without it ferry rejects the row naming the field.
// A dropped field does not grow the table, even with allowNewBigQueryFields.
TEST_F(WriterKeysTest, IgnoreUnknownFieldsDropsFieldsTheTableLacks) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("id", Schema::String())
                         .AddField("extra", Schema::String(true))
                         .Build();
  for (const auto& [path, extra] : WritePaths()) {
    SCOPED_TRACE(path);
    const TableReference ref{"p", "d", "narrow_" + path};
    CreateTable(ref, {Col("id", FieldType::kString, FieldMode::kRequired)});
    Props props = With(Base(), extra);
    props["topic2TableMap"] = "wide:" + ref.table_id;
    props["autoCreateTables"] = "false";
    SinkRecord record =
        Record("wide", 0, schema, StructBuilder(schema).Put("id", "a").Put("extra", "x").Build());
    auto writer = Writer(props);
    ASSERT_NE(writer, nullptr);
    auto results = Write(*writer, {record});
    ASSERT_TRUE(results.ok()) << results.status();
    EXPECT_EQ((*results)[0].status, WriteStatus::kRejected);
    EXPECT_EQ((*results)[0].location, "extra");

    props["ignoreUnknownFields"] = "true";
    props["allowNewBigQueryFields"] = "true";
    Deliver(props, {record});
    EXPECT_EQ(GetTable(ref).schema.fields.size(), 1u);
    const auto rows = Rows(ref);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0], json({{"id", "a"}}));
  }
}

// Aiven: trackPutAttempts adds putAttemptId (STRING NULLABLE, last) to the
// kafka data RECORD, a fresh ULID per attempt. ferry: per batch handed to the
// writer, so the rows of one Write share one and the next Write has another.
TEST_F(WriterKeysTest, TrackPutAttemptsGivesEveryWriteItsOwnUlid) {
  for (const auto& [path, extra] : WritePaths()) {
    SCOPED_TRACE(path);
    Props props = With(Base(), extra);
    props["kafkaDataFieldName"] = "kafka";
    props["trackPutAttempts"] = "true";
    props["topic2TableMap"] = "events:tracked_" + path;
    auto writer = Writer(props);
    ASSERT_NE(writer, nullptr);
    for (const std::vector<SinkRecord>& batch :
         {std::vector<SinkRecord>{Event("events", 0), Event("events", 1)},
          std::vector<SinkRecord>{Event("events", 2)}}) {
      auto results = Write(*writer, batch);
      ASSERT_TRUE(results.ok()) << results.status();
      for (const RecordResult& r : *results)
        EXPECT_EQ(r.status, WriteStatus::kDelivered) << r.reason;
    }
    const TableReference ref{"p", "d", "tracked_" + path};
    const Table table = GetTable(ref);  // FindField points into it.
    const TableFieldSchema* kafka = table.schema.FindField("kafka");
    ASSERT_NE(kafka, nullptr);
    EXPECT_EQ(kafka->fields.back(), Col("putAttemptId", FieldType::kString));
    const auto rows = Rows(ref);
    ASSERT_EQ(rows.size(), 3u);
    const std::regex ulid("[0-9A-HJKMNP-TV-Z]{26}");
    for (const json& row : rows) {
      EXPECT_TRUE(std::regex_match(row["kafka"]["putAttemptId"].get<std::string>(), ulid)) << row;
    }
    EXPECT_EQ(rows[0]["kafka"]["putAttemptId"], rows[1]["kafka"]["putAttemptId"]);
    EXPECT_NE(rows[1]["kafka"]["putAttemptId"], rows[2]["kafka"]["putAttemptId"]);
  }
}

// Aiven's doc: "Enabling this on an existing table requires
// allowNewBigQueryFields=true": the row names kafka.putAttemptId, which the
// schema update adds.
TEST_F(WriterKeysTest, TrackPutAttemptsOnAnOlderTableNeedsAllowNewBigQueryFields) {
  Props props = Base();
  props["kafkaDataFieldName"] = "kafka";
  Deliver(props, {Event("events", 0)});  // the table as it was made without tracking.
  const TableReference ref{"p", "d", "events"};
  props["trackPutAttempts"] = "true";
  auto writer = Writer(props);
  ASSERT_NE(writer, nullptr);
  auto results = Write(*writer, {Event("events", 1)});
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].status, WriteStatus::kRejected);
  EXPECT_EQ((*results)[0].location, "kafka.putAttemptId");
  EXPECT_THAT((*results)[0].reason, HasSubstr("allowNewBigQueryFields"));

  props["allowNewBigQueryFields"] = "true";
  Deliver(props, {Event("events", 1)});
  EXPECT_EQ(GetTable(ref).schema.FindField("kafka")->fields.back(),
            Col("putAttemptId", FieldType::kString));
  const auto rows = Rows(ref);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["kafka"]["putAttemptId"], nullptr);
  EXPECT_EQ(rows[1]["kafka"]["putAttemptId"].get<std::string>().size(), 26u);
}

// Aiven (Kafka 3.6+): preserveKafkaTopicPartitionOffset writes the record's
// original topic/partition/offset (before SMTs) into the kafka data column;
// without it (and in ferry before the key) those after the transforms.
TEST_F(WriterKeysTest, PreserveKafkaTopicPartitionOffsetWritesWhereTheRecordWasRead) {
  for (const char* preserve : {"false", "true"}) {
    SCOPED_TRACE(preserve);
    Props props = Base();
    props["kafkaDataFieldName"] = "kafka";
    props["preserveKafkaTopicPartitionOffset"] = preserve;
    props["topic2TableMap"] = std::string("events:routed_") + preserve;
    // RegexRouter made "orders" into "events"; the record was read at orders/2/77.
    SinkRecord record = Event("events", 5);
    auto raw = std::make_shared<RawRecord>();
    raw->topic = "orders";
    raw->partition = 2;
    raw->offset = 77;
    record.raw = raw;
    Deliver(props, {record});
    const auto rows = Rows({"p", "d", std::string("routed_") + preserve});
    ASSERT_EQ(rows.size(), 1u);
    const json& kafka = rows[0]["kafka"];
    if (std::string(preserve) == "true") {
      EXPECT_EQ(kafka["topic"], "orders");
      EXPECT_EQ(kafka["partition"], "2");
      EXPECT_EQ(kafka["offset"], "77");
    } else {
      EXPECT_EQ(kafka["topic"], "events");
      EXPECT_EQ(kafka["partition"], "0");
      EXPECT_EQ(kafka["offset"], "5");
    }
  }
}

// Aiven: useCredentialsProjectId picks the clients' project; tables are in
// `project` either way. ferry's calls all name `project` and carry no quota
// project, so both values write the same tables the same way.
TEST_F(WriterKeysTest, UseCredentialsProjectIdChangesNoCall) {
  std::map<std::string, std::map<std::string, int64_t>> calls;  // by value: method -> calls.
  for (const char* value : {"false", "true"}) {
    SCOPED_TRACE(value);
    emulator_->faults().ResetCounters();
    Props props = Base();
    props["project"] = "analytics";
    props["defaultDataset"] = std::string("d_") + value;
    props["useCredentialsProjectId"] = value;
    Deliver(props, {Event("events", 0)});
    EXPECT_EQ(Rows({"analytics", std::string("d_") + value, "events"}).size(), 1u);
    for (const auto& [method, counters] : emulator_->faults().Counters()) {
      calls[value][method] = counters.calls;
    }
  }
  EXPECT_EQ(calls["false"], calls["true"]);
  EXPECT_EQ(calls["true"]["tables.insert"], 1);
}

// Two connectors (or tasks) updating one table: ferry patches with the etag
// it read, so the later patch is refused (412) instead of overwriting the
// other's columns; it re-reads the table and adds only what is still missing.
TEST_F(SchemaUpdateTest, ConcurrentSchemaUpdatesAreReconciledThroughTheEtag) {
  Props props = With({"allowNewBigQueryFields"});
  auto a = Writer(props);
  auto b = Writer(props);
  auto c = Writer(props);
  ASSERT_TRUE(a && b && c);
  SchemaPtr v1 = SchemaBuilder::Struct()
                     .AddField("id", Schema::String())
                     .AddField("name", Schema::String())
                     .Build();
  for (SinkWriter* w : {a.get(), b.get(), c.get()}) {  // each reads the table as it is.
    auto r = Write(*w, {Versioned(v1, {{"id", "0"}, {"name", "v1"}})});
    ASSERT_TRUE(r.ok()) << r.status();
  }
  auto with_field = [&](const std::string& field) {
    SchemaPtr schema = SchemaBuilder::From(*v1).AddField(field, Schema::String(true)).Build();
    return Versioned(schema, {{"id", field}, {"name", "n"}, {field, "x"}});
  };
  emulator_->faults().ResetCounters();
  auto ra = Write(*a, {with_field("email")});
  ASSERT_TRUE(ra.ok()) << ra.status();
  EXPECT_EQ((*ra)[0].status, WriteStatus::kDelivered) << (*ra)[0].reason;
  // b read the table before a's patch: 412, re-read, adds phone to a's schema.
  auto rb = Write(*b, {with_field("phone")});
  ASSERT_TRUE(rb.ok()) << rb.status();
  EXPECT_EQ((*rb)[0].status, WriteStatus::kDelivered) << (*rb)[0].reason;
  // c needs email, which a added meanwhile: 412, re-read, nothing to patch.
  auto rc = Write(*c, {with_field("email")});
  ASSERT_TRUE(rc.ok()) << rc.status();
  EXPECT_EQ((*rc)[0].status, WriteStatus::kDelivered) << (*rc)[0].reason;
  std::vector<std::string> names;
  for (const TableFieldSchema& f : GetTable(ref_).schema.fields) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"id", "name", "email", "phone"}));
  EXPECT_EQ(emulator_->faults().Counters().at("tables.patch").calls, 4);  // a 1, b 2, c 1.
  EXPECT_EQ(Rows(ref_).size(), 6u);
}

// Aiven's mediateConcurrentSchemaUpdates: with it, a schema update refused
// because the table changed is retried up to concurrentSchemaUpdateMaxRetries
// times, each after concurrentSchemaUpdateRetryWaitMs, re-reading the table;
// without it ferry re-reads once, at once.
TEST_F(SchemaUpdateTest, MediateConcurrentSchemaUpdatesRetriesRepeated412s) {
  SchemaPtr v2 = SchemaBuilder::Struct()
                     .AddField("id", Schema::String())
                     .AddField("name", Schema::String())
                     .AddField("email", Schema::String(true))
                     .Build();
  SinkRecord record = Versioned(v2, {{"id", "a"}, {"name", "A"}, {"email", "a@x"}});
  auto conflicts = [&](int64_t times) {
    emulator::Fault fault;
    fault.method = "tables.patch";
    fault.http_status = 412;
    fault.times = times;
    ASSERT_TRUE(emulator_->faults().Add(fault).ok());
  };

  conflicts(2);
  auto writer = Writer(With({"allowNewBigQueryFields"}));
  ASSERT_NE(writer, nullptr);
  auto results = Write(*writer, {record});
  ASSERT_FALSE(results.ok());
  EXPECT_EQ(results.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(results.status().message()),
              HasSubstr("mediateConcurrentSchemaUpdates=false"));
  emulator_->faults().Clear();

  Props mediated = With({"allowNewBigQueryFields", "mediateConcurrentSchemaUpdates"});
  mediated["concurrentSchemaUpdateMaxRetries"] = "3";
  mediated["concurrentSchemaUpdateRetryWaitMs"] = "200";
  conflicts(3);
  emulator_->faults().ResetCounters();
  const absl::Time start = absl::Now();
  RecordResult delivered = WriteOne(mediated, record);
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(delivered.status, WriteStatus::kDelivered) << delivered.reason;
  EXPECT_GE(took, absl::Milliseconds(3 * 200));  // waited before each of the 3 re-reads.
  EXPECT_EQ(emulator_->faults().Counters().at("tables.patch").calls, 4);
  EXPECT_EQ(GetTable(ref_).schema.fields.size(), 3u);

  mediated["concurrentSchemaUpdateMaxRetries"] = "1";
  mediated["concurrentSchemaUpdateRetryWaitMs"] = "0";
  SchemaPtr v3 = SchemaBuilder::From(*v2).AddField("phone", Schema::String(true)).Build();
  conflicts(2);
  writer = Writer(mediated);
  ASSERT_NE(writer, nullptr);
  results = Write(*writer, {Versioned(v3, {{"id", "b"}, {"name", "B"}, {"phone", "1"}})});
  ASSERT_FALSE(results.ok());
  EXPECT_THAT(std::string(results.status().message()), HasSubstr("2 update(s) in a row"));
}

}  // namespace
}  // namespace ferry::bigquery
