#include "bigquery/table_schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace ferry::bigquery {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

TableFieldSchema Field(std::string name, FieldType type, FieldMode mode = FieldMode::kNullable) {
  TableFieldSchema f;
  f.name = std::move(name);
  f.type = type;
  f.mode = mode;
  return f;
}

Table CloudEventsTable() {
  Table t;
  t.ref = {"proj", "serverlog", "serverlog_kafka"};
  t.schema.fields = {Field("ce_id", FieldType::kString, FieldMode::kRequired),
                     Field("ce_time", FieldType::kTimestamp),
                     Field("ce_type", FieldType::kString, FieldMode::kRequired),
                     Field("ce_subject", FieldType::kString), Field("data", FieldType::kJson)};
  TableFieldSchema kafka = Field("kafka", FieldType::kRecord);
  kafka.fields = {Field("topic", FieldType::kString), Field("partition", FieldType::kInteger),
                  Field("offset", FieldType::kInteger), Field("timestamp", FieldType::kTimestamp)};
  t.schema.fields.push_back(kafka);
  t.time_partitioning = TimePartitioning{"DAY", "ce_time", 86400000};
  t.clustering_fields = {"ce_type", "ce_subject"};
  t.description = "events";
  return t;
}

TEST(FieldTypeTest, NamesAndAliases) {
  EXPECT_EQ(FieldTypeName(FieldType::kInteger), "INTEGER");
  EXPECT_EQ(FieldTypeName(FieldType::kFloat), "FLOAT");
  EXPECT_EQ(FieldTypeName(FieldType::kBoolean), "BOOLEAN");
  EXPECT_EQ(FieldTypeName(FieldType::kRecord), "RECORD");
  EXPECT_EQ(ParseFieldType("INT64"), FieldType::kInteger);
  EXPECT_EQ(ParseFieldType("float64"), FieldType::kFloat);
  EXPECT_EQ(ParseFieldType("BOOL"), FieldType::kBoolean);
  EXPECT_EQ(ParseFieldType("STRUCT"), FieldType::kRecord);
  EXPECT_EQ(ParseFieldType("BIGNUMERIC"), FieldType::kBignumeric);
  EXPECT_EQ(ParseFieldType("VARCHAR"), std::nullopt);
  EXPECT_EQ(ParseFieldMode("repeated"), FieldMode::kRepeated);
  EXPECT_EQ(ParseFieldMode("OPTIONAL"), std::nullopt);
  EXPECT_EQ(FieldModeName(FieldMode::kRequired), "REQUIRED");
}

TEST(TableSchemaTest, FindFieldIsCaseInsensitive) {
  Table t = CloudEventsTable();
  ASSERT_NE(t.schema.FindField("CE_TIME"), nullptr);
  EXPECT_EQ(t.schema.FindField("CE_TIME")->name, "ce_time");
  const TableFieldSchema* kafka = t.schema.FindField("Kafka");
  ASSERT_NE(kafka, nullptr);
  EXPECT_NE(kafka->FindField("OFFSET"), nullptr);
  EXPECT_EQ(t.schema.FindField("missing"), nullptr);
}

TEST(TableSchemaTest, TableJsonRoundTrip) {
  Table t = CloudEventsTable();
  t.num_rows = 42;
  json j = ToJson(t);
  EXPECT_EQ(j["tableReference"]["datasetId"], "serverlog");
  EXPECT_EQ(j["id"], "proj:serverlog.serverlog_kafka");
  EXPECT_EQ(j["numRows"], "42");  // int64 is a string in REST.
  EXPECT_EQ(j["timePartitioning"]["expirationMs"], "86400000");
  EXPECT_EQ(j["timePartitioning"]["field"], "ce_time");
  EXPECT_EQ(j["clustering"]["fields"], json({"ce_type", "ce_subject"}));
  EXPECT_EQ(j["schema"]["fields"][5]["type"], "RECORD");
  EXPECT_EQ(j["schema"]["fields"][5]["fields"][1]["name"], "partition");

  absl::StatusOr<Table> back = TableFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, t);
}

TEST(TableSchemaTest, EtagIsReadButNeverWritten) {
  json j = ToJson(CloudEventsTable());
  EXPECT_FALSE(j.contains("etag"));
  j["etag"] = "ZGVhZGJlZWY=";
  absl::StatusOr<Table> t = TableFromJson(j);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->etag, "ZGVhZGJlZWY=");
  EXPECT_FALSE(ToJson(*t).contains("etag"));
}

TEST(TableSchemaTest, ParsesGoogleStyleJson) {
  json j = json::parse(R"({
    "tableReference": {"projectId": "p", "datasetId": "d", "tableId": "t"},
    "schema": {"fields": [
      {"name": "a", "type": "INT64", "mode": "REQUIRED", "description": "x"},
      {"name": "b", "type": "STRUCT", "mode": "REPEATED", "fields": [{"name": "c", "type": "bool"}]}
    ]},
    "timePartitioning": {"type": "hour", "expirationMs": 1000}
  })");
  absl::StatusOr<Table> t = TableFromJson(j);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->ref.StoragePath(), "projects/p/datasets/d/tables/t");
  EXPECT_EQ(t->ref.DebugString(), "p.d.t");
  ASSERT_EQ(t->schema.fields.size(), 2u);
  EXPECT_EQ(t->schema.fields[0].type, FieldType::kInteger);
  EXPECT_EQ(t->schema.fields[0].mode, FieldMode::kRequired);
  EXPECT_EQ(t->schema.fields[0].description, "x");
  EXPECT_EQ(t->schema.fields[1].mode, FieldMode::kRepeated);
  EXPECT_EQ(t->schema.fields[1].fields[0].type, FieldType::kBoolean);
  EXPECT_EQ(t->schema.fields[1].fields[0].mode, FieldMode::kNullable);
  ASSERT_TRUE(t->time_partitioning.has_value());
  EXPECT_EQ(t->time_partitioning->type, "HOUR");
  EXPECT_TRUE(t->time_partitioning->field.empty());
  EXPECT_EQ(t->time_partitioning->expiration_ms, 1000);
}

// BigQuery echoes a schema as given: a field sent without "mode" comes back without one
// (tables.get and patch), though it means NULLABLE.
TEST(TableSchemaTest, OmittedModeReadsNullableAndIsNotWritten) {
  const json given = json::parse(R"({"fields": [
      {"name": "a", "type": "STRING"},
      {"name": "b", "type": "STRING", "mode": "NULLABLE"},
      {"name": "r", "type": "RECORD", "fields": [{"name": "c", "type": "INTEGER"}]}
  ]})");
  absl::StatusOr<TableSchema> s = TableSchemaFromJson(given);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->fields[0].mode, FieldMode::kNullable);
  EXPECT_TRUE(s->fields[0].mode_omitted);
  EXPECT_FALSE(s->fields[1].mode_omitted);
  EXPECT_EQ(s->fields[2].fields[0].mode, FieldMode::kNullable);
  EXPECT_EQ(ToJson(*s), given);
  // Same meaning: an omitted mode equals an explicit NULLABLE.
  EXPECT_EQ(s->fields[0], Field("a", FieldType::kString));
  // Fields built in code are written with their mode, as the writer sends them.
  EXPECT_EQ(ToJson(Field("a", FieldType::kString))["mode"], "NULLABLE");
  // A mode set later is written even when the resource had none.
  TableFieldSchema required = s->fields[0];
  required.mode = FieldMode::kRequired;
  EXPECT_EQ(ToJson(required)["mode"], "REQUIRED");
}

TEST(TableSchemaTest, KeepsLabelsFriendlyNameAndExpirationTime) {
  const json given = json::parse(R"({
    "tableReference": {"projectId": "p", "datasetId": "d", "tableId": "t"},
    "friendlyName": "Events", "description": "all events",
    "labels": {"team": "ingest", "env": "dev", "gone": null},
    "expirationTime": "1893456000000"
  })");
  absl::StatusOr<Table> t = TableFromJson(given);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->friendly_name, "Events");
  EXPECT_EQ(t->description, "all events");
  EXPECT_EQ(t->labels, (std::map<std::string, std::string>{{"env", "dev"}, {"team", "ingest"}}));
  EXPECT_EQ(t->expiration_time_ms, 1893456000000);
  const json j = ToJson(*t);
  EXPECT_EQ(j["friendlyName"], "Events");
  EXPECT_EQ(j["labels"], json({{"env", "dev"}, {"team", "ingest"}}));
  EXPECT_EQ(j["expirationTime"], "1893456000000");  // int64 is a string in REST.
  absl::StatusOr<Table> back = TableFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, *t);
  // Unset: nothing written.
  const json bare = ToJson(Table{});
  EXPECT_FALSE(bare.contains("friendlyName"));
  EXPECT_FALSE(bare.contains("labels"));
  EXPECT_FALSE(bare.contains("expirationTime"));

  EXPECT_FALSE(TableFromJson(json::parse(R"({"labels": ["a"]})")).ok());
  EXPECT_FALSE(TableFromJson(json::parse(R"({"labels": {"a": 1}})")).ok());
  EXPECT_FALSE(TableFromJson(json::parse(R"({"expirationTime": "soon"})")).ok());
}

TEST(TableSchemaTest, RejectsUnknownTypeAndMode) {
  absl::StatusOr<TableSchema> s =
      TableSchemaFromJson(json::parse(R"({"fields":[{"name":"a","type":"VARCHAR"}]})"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()),
              HasSubstr("Invalid value for type: VARCHAR is not a valid value"));
  s = TableSchemaFromJson(json::parse(R"({"fields":[{"name":"a","type":"STRING","mode":"X"}]})"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("Invalid value for mode: X"));
  s = TableSchemaFromJson(json::parse(R"({"fields":[{"type":"STRING"}]})"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("name"));
}

TEST(ValidateTest, FieldNames) {
  EXPECT_TRUE(IsValidFieldName("_a1"));
  EXPECT_TRUE(IsValidFieldName("ce_time"));
  EXPECT_FALSE(IsValidFieldName(""));
  EXPECT_FALSE(IsValidFieldName("1abc"));
  EXPECT_FALSE(IsValidFieldName("a-b"));
  EXPECT_FALSE(IsValidFieldName("a.b"));
  EXPECT_FALSE(IsValidFieldName("caf\xc3\xa9"));
  EXPECT_TRUE(IsValidFieldName(std::string(300, 'a')));
  EXPECT_FALSE(IsValidFieldName(std::string(301, 'a')));
}

TEST(ValidateTest, AcceptsCloudEventsTable) {
  EXPECT_TRUE(ValidateTable(CloudEventsTable()).ok()) << ValidateTable(CloudEventsTable());
}

TEST(ValidateTest, RejectsBadSchemas) {
  TableSchema dup;
  dup.fields = {Field("Id", FieldType::kString), Field("iD", FieldType::kInteger)};
  absl::Status s = ValidateTableSchema(dup);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "Field iD already exists in schema");

  TableSchema nested_dup;
  TableFieldSchema rec = Field("r", FieldType::kRecord);
  rec.fields = {Field("x", FieldType::kString), Field("X", FieldType::kString)};
  nested_dup.fields = {rec};
  EXPECT_EQ(ValidateTableSchema(nested_dup).message(), "Field r.X already exists in schema");

  TableSchema same_name_other_level;
  TableFieldSchema rec2 = Field("x", FieldType::kRecord);
  rec2.fields = {Field("x", FieldType::kString)};
  same_name_other_level.fields = {rec2};
  EXPECT_TRUE(ValidateTableSchema(same_name_other_level).ok());

  TableSchema bad_name;
  bad_name.fields = {Field("a-b", FieldType::kString)};
  EXPECT_THAT(std::string(ValidateTableSchema(bad_name).message()),
              HasSubstr("Invalid field name \"a-b\""));

  TableSchema reserved;
  reserved.fields = {Field("_PARTITIONTIME", FieldType::kTimestamp)};
  EXPECT_THAT(std::string(ValidateTableSchema(reserved).message()),
              HasSubstr("not allowed to start with"));

  TableSchema empty_record;
  empty_record.fields = {Field("kafka", FieldType::kRecord)};
  EXPECT_EQ(ValidateTableSchema(empty_record).message(),
            "Field kafka is type RECORD but has no schema");

  TableSchema fields_on_scalar;
  TableFieldSchema scalar = Field("s", FieldType::kString);
  scalar.fields = {Field("x", FieldType::kString)};
  fields_on_scalar.fields = {scalar};
  EXPECT_FALSE(ValidateTableSchema(fields_on_scalar).ok());
}

TEST(ValidateTest, NestingDepthLimit) {
  auto nested = [](int depth) {
    TableFieldSchema leaf = Field("leaf", FieldType::kString);
    TableFieldSchema cur = leaf;
    for (int i = 0; i < depth; ++i) {
      TableFieldSchema rec = Field("r" + std::to_string(i), FieldType::kRecord);
      rec.fields = {cur};
      cur = rec;
    }
    TableSchema s;
    s.fields = {cur};
    return s;
  };
  EXPECT_TRUE(ValidateTableSchema(nested(15)).ok());
  EXPECT_FALSE(ValidateTableSchema(nested(16)).ok());
}

TEST(ValidateTest, PartitioningAndClustering) {
  Table t = CloudEventsTable();
  t.time_partitioning->field = "ce_subject";
  EXPECT_EQ(ValidateTable(t).message(),
            "The field specified for partitioning can only be of type TIMESTAMP, DATE or "
            "DATETIME. The type found is: STRING.");
  t.time_partitioning->field = "nope";
  EXPECT_THAT(std::string(ValidateTable(t).message()), HasSubstr("cannot be found"));
  t.time_partitioning->field = "kafka";  // Nested fields are not top-level TIMESTAMPs.
  EXPECT_FALSE(ValidateTable(t).ok());
  t.time_partitioning->field = "CE_TIME";
  EXPECT_TRUE(ValidateTable(t).ok());
  t.time_partitioning->type = "WEEK";
  EXPECT_FALSE(ValidateTable(t).ok());

  t = CloudEventsTable();
  t.clustering_fields = {"ce_id", "ce_type", "ce_subject", "ce_time", "data"};
  EXPECT_EQ(ValidateTable(t).message(), "5 clustering fields specified, exceeding the limit of 4.");
  t.clustering_fields = {"nope"};
  EXPECT_THAT(std::string(ValidateTable(t).message()), HasSubstr("Invalid field: nope"));
  t.clustering_fields = {"kafka"};
  EXPECT_FALSE(ValidateTable(t).ok());
}

}  // namespace
}  // namespace ferry::bigquery
