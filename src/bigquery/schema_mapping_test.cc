#include "bigquery/schema_mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "record/value.h"

namespace ferry::bigquery {
namespace {

using ::testing::HasSubstr;

TableFieldSchema Col(std::string name, FieldType type, FieldMode mode,
                     std::vector<TableFieldSchema> fields = {}) {
  TableFieldSchema f;
  f.name = std::move(name);
  f.type = type;
  f.mode = mode;
  f.fields = std::move(fields);
  return f;
}

TEST(SanitizeNameTest, FollowsKcbqFieldNameSanitizer) {
  EXPECT_EQ(SanitizeName("serverlog.member"), "serverlog_member");
  EXPECT_EQ(SanitizeName("a-b c/d"), "a_b_c_d");
  EXPECT_EQ(SanitizeName("1abc"), "_1abc");
  EXPECT_EQ(SanitizeName(".abc"), "_abc");  // '.' -> '_' already starts with '_'.
  EXPECT_EQ(SanitizeName("_ok_9"), "_ok_9");
  EXPECT_EQ(SanitizeName("Ünï"), "__n__");  // every non-ASCII byte is replaced.
}

TEST(SchemaMappingTest, EveryConnectTypeMapsAsKcbq) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("i8", Schema::Int8())
                         .AddField("i16", Schema::Int16())
                         .AddField("i32", Schema::Int32(true))
                         .AddField("i64", Schema::Int64())
                         .AddField("f32", Schema::Float32())
                         .AddField("f64", Schema::Float64(true))
                         .AddField("b", Schema::Boolean())
                         .AddField("s", Schema::String())
                         .AddField("raw", Schema::Bytes(true))
                         .AddField("ts", Schema::Timestamp())
                         .AddField("d", Schema::Date(true))
                         .AddField("t", Schema::Time())
                         .AddField("dec", Schema::Decimal(2))
                         .AddField("doc", Schema::Json(true))
                         .Build();
  auto table = ConnectToTableSchema(*schema, nullptr, {});
  ASSERT_TRUE(table.ok()) << table.status();
  std::vector<TableFieldSchema> want = {
      Col("i8", FieldType::kInteger, FieldMode::kRequired),
      Col("i16", FieldType::kInteger, FieldMode::kRequired),
      Col("i32", FieldType::kInteger, FieldMode::kNullable),
      Col("i64", FieldType::kInteger, FieldMode::kRequired),
      Col("f32", FieldType::kFloat, FieldMode::kRequired),
      Col("f64", FieldType::kFloat, FieldMode::kNullable),
      Col("b", FieldType::kBoolean, FieldMode::kRequired),
      Col("s", FieldType::kString, FieldMode::kRequired),
      Col("raw", FieldType::kBytes, FieldMode::kNullable),
      Col("ts", FieldType::kTimestamp, FieldMode::kRequired),
      Col("d", FieldType::kDate, FieldMode::kNullable),
      Col("t", FieldType::kTime, FieldMode::kRequired),
      Col("dec", FieldType::kNumeric, FieldMode::kRequired),
      Col("doc", FieldType::kJson, FieldMode::kNullable),
  };
  EXPECT_EQ(table->fields, want);
}

TEST(SchemaMappingTest, NestedArraysMapsAndStructs) {
  SchemaPtr inner = SchemaBuilder::Struct()
                        .AddField("x", Schema::Int32())
                        .AddField("y", Schema::String(true))
                        .Optional()
                        .Doc("a point")
                        .Build();
  SchemaPtr schema =
      SchemaBuilder::Struct()
          .AddField("point", inner)
          .AddField("tags", SchemaBuilder::Array(Schema::String()).Build())
          .AddField("points", SchemaBuilder::Array(inner).Optional().Build())
          .AddField("attrs", SchemaBuilder::Map(Schema::String(), Schema::Int64(true)).Build())
          .AddField("empty", SchemaBuilder::Struct().Optional().Build())
          .Build();
  auto table = ConnectToTableSchema(*schema, nullptr, {});
  ASSERT_TRUE(table.ok()) << table.status();
  std::vector<TableFieldSchema> point_fields = {Col("x", FieldType::kInteger, FieldMode::kRequired),
                                                Col("y", FieldType::kString, FieldMode::kNullable)};
  TableFieldSchema point = Col("point", FieldType::kRecord, FieldMode::kNullable, point_fields);
  point.description = "a point";
  TableFieldSchema points = Col("points", FieldType::kRecord, FieldMode::kRepeated, point_fields);
  points.description = "a point";
  std::vector<TableFieldSchema> want = {
      point, Col("tags", FieldType::kString, FieldMode::kRepeated), points,
      Col("attrs", FieldType::kRecord, FieldMode::kRepeated,
          {Col("key", FieldType::kString, FieldMode::kRequired),
           Col("value", FieldType::kInteger, FieldMode::kNullable)}),
      // "empty" is dropped: a RECORD needs fields (kcbq drops it too).
  };
  EXPECT_EQ(table->fields, want);
}

TEST(SchemaMappingTest, AllFieldsNullableAndSanitizing) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("user.id", Schema::Int64())
                         .AddField("1st", Schema::String())
                         .AddField("list", SchemaBuilder::Array(Schema::Int32()).Build())
                         .Build();
  SchemaMappingOptions options;
  options.all_fields_nullable = true;
  options.sanitize_field_names = true;
  auto table = ConnectToTableSchema(*schema, nullptr, options);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->fields, (std::vector<TableFieldSchema>{
                               Col("user_id", FieldType::kInteger, FieldMode::kNullable),
                               Col("_1st", FieldType::kString, FieldMode::kNullable),
                               Col("list", FieldType::kInteger, FieldMode::kRepeated)}));
}

TEST(SchemaMappingTest, KafkaKeyAndDataFields) {
  SchemaPtr value = SchemaBuilder::Struct().AddField("ce_id", Schema::String()).Build();
  SchemaPtr key = Schema::String();
  SchemaMappingOptions options;
  options.kafka_key_field = "kafka_key";
  options.kafka_data_field = "kafka";
  auto table = ConnectToTableSchema(*value, key.get(), options);
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ(table->fields.size(), 3u);
  EXPECT_EQ(table->fields[1], Col("kafka_key", FieldType::kString, FieldMode::kNullable));
  EXPECT_EQ(table->fields[2], Col("kafka", FieldType::kRecord, FieldMode::kNullable,
                                  {Col("topic", FieldType::kString, FieldMode::kRequired),
                                   Col("partition", FieldType::kInteger, FieldMode::kRequired),
                                   Col("offset", FieldType::kInteger, FieldMode::kRequired),
                                   Col("timestamp", FieldType::kTimestamp, FieldMode::kNullable),
                                   Col("key", FieldType::kString, FieldMode::kNullable)}));
  // A key column needs a key schema.
  EXPECT_FALSE(ConnectToTableSchema(*value, nullptr, options).ok());
}

TEST(SchemaMappingTest, UnstorableSchemasAreRefused) {
  EXPECT_THAT(std::string(ConnectToTableSchema(*Schema::String(), nullptr, {}).status().message()),
              HasSubstr("must be of type 'struct'"));
  SchemaPtr nested =
      SchemaBuilder::Struct()
          .AddField("m",
                    SchemaBuilder::Array(SchemaBuilder::Array(Schema::Int32()).Build()).Build())
          .Build();
  EXPECT_THAT(std::string(ConnectToTableSchema(*nested, nullptr, {}).status().message()),
              HasSubstr("ARRAY of ARRAY"));
  SchemaPtr clash = SchemaBuilder::Struct()
                        .AddField("a.b", Schema::Int32())
                        .AddField("a_b", Schema::Int32())
                        .Build();
  SchemaMappingOptions sanitize;
  sanitize.sanitize_field_names = true;
  EXPECT_THAT(std::string(ConnectToTableSchema(*clash, nullptr, sanitize).status().message()),
              HasSubstr("duplicate column name"));
}

TEST(TableRouterTest, TopicToTable) {
  TableRouter plain("p", "serverlog", {}, /*sanitize_topics=*/false);
  auto ref = plain.Route("events");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->DebugString(), "p.serverlog.events");

  TableRouter sanitizing("p", "serverlog", {}, /*sanitize_topics=*/true);
  EXPECT_EQ(sanitizing.Route("serverlog.member")->table_id, "serverlog_member");
  // Routing SMTs may name the dataset: "dataset:table".
  auto routed = sanitizing.Route("other:my-table");
  ASSERT_TRUE(routed.ok());
  EXPECT_EQ(routed->dataset_id, "other");
  EXPECT_EQ(routed->table_id, "my_table");
  EXPECT_FALSE(sanitizing.Route("a:b:c").ok());

  // With a map: the mapped name as written; unmapped topics keep their name
  // (kcbq ignores sanitizeTopics when topic2TableMap is set).
  TableRouter mapped("p", "serverlog", {{"serverlog.member", "serverlog_kafka"}}, true);
  EXPECT_EQ(mapped.Route("serverlog.member")->table_id, "serverlog_kafka");
  EXPECT_EQ(mapped.Route("x.y")->table_id, "x.y");
}

}  // namespace
}  // namespace ferry::bigquery
