#include "bigquery/json_rows.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "bigquery/test_support.h"
#include "record/value.h"

namespace ferry::bigquery {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

using test_support::Col;

TableSchema AllTypes() {
  TableSchema s;
  s.fields = {
      Col("s", FieldType::kString, FieldMode::kRequired),
      Col("b", FieldType::kBytes),
      Col("i", FieldType::kInteger),
      Col("f", FieldType::kFloat),
      Col("ok", FieldType::kBoolean),
      Col("ts", FieldType::kTimestamp),
      Col("d", FieldType::kDate),
      Col("t", FieldType::kTime),
      Col("dt", FieldType::kDatetime),
      Col("n", FieldType::kNumeric),
      Col("bn", FieldType::kBignumeric),
      Col("g", FieldType::kGeography),
      Col("j", FieldType::kJson),
      Col("tags", FieldType::kString, FieldMode::kRepeated),
      Col("rec", FieldType::kRecord, FieldMode::kNullable,
          {Col("x", FieldType::kInteger), Col("y", FieldType::kTimestamp)}),
      Col("attrs", FieldType::kRecord, FieldMode::kRepeated,
          {Col("key", FieldType::kString), Col("value", FieldType::kInteger)}),
  };
  return s;
}

SinkRecord Record(Map value) {
  SinkRecord r;
  r.topic = "serverlog.member";
  r.partition = 3;
  r.offset = 1234;
  r.timestamp_ms = 1714557600000;
  r.value = Value(std::move(value));
  return r;
}

std::unique_ptr<JsonRowEncoder> Encoder(TableSchema schema, RowEncoderOptions options = {}) {
  auto encoder = JsonRowEncoder::Create(std::move(schema), std::move(options));
  EXPECT_TRUE(encoder.ok()) << encoder.status();
  return encoder.ok() ? *std::move(encoder) : nullptr;
}

json Encode(const JsonRowEncoder& encoder, const SinkRecord& record) {
  std::string text;
  std::optional<RowError> error = encoder.Encode(record, &text);
  EXPECT_FALSE(error.has_value()) << error->column << ": " << error->message;
  return json::parse(text, nullptr, false);
}

TEST(JsonRowsTest, EveryColumnTypeAsInsertAllTakesIt) {
  auto encoder = Encoder(AllTypes());
  ASSERT_NE(encoder, nullptr);
  Map value = {
      {Value("s"), Value("héllo")},
      {Value("b"), Value(Bytes{std::string("\x00\x01\xff", 3)})},
      {Value("i"), Value(int64_t{-9223372036854775807 - 1})},
      {Value("f"), Value(2.5)},
      {Value("ok"), Value(true)},
      {Value("ts"), Value(Timestamp{1714557600123456})},
      {Value("d"), Value(Date{19844})},
      {Value("t"), Value(TimeOfDay{3723000001})},
      {Value("dt"), Value(Timestamp{1714557600000001})},
      {Value("n"), Value(*Decimal::FromString("-12.500"))},
      {Value("bn"), Value("1.00000000000000000000000000000000000001")},
      {Value("g"), Value("POINT(1 2)")},
      {Value("j"), Value(R"({"b":1,"a":[true,null]})")},
      {Value("tags"), Value(Array{Value("a"), Value("b")})},
      {Value("rec"), Value(Map{{Value("x"), Value(int64_t{7})}, {Value("y"), Value(int64_t{1})}})},
      {Value("attrs"),
       Value(Map{{Value("k1"), Value(int64_t{1})}, {Value("k2"), Value(int64_t{2})}})},
  };
  EXPECT_EQ(Encode(*encoder, Record(std::move(value))), json::parse(R"js({
      "s":"héllo", "b":"AAH/", "i":"-9223372036854775808", "f":2.5, "ok":true,
      "ts":"2024-05-01T10:00:00.123456Z", "d":"2024-05-01", "t":"01:02:03.000001",
      "dt":"2024-05-01 10:00:00.000001", "n":"-12.5",
      "bn":"1.00000000000000000000000000000000000001", "g":"POINT(1 2)",
      "j":"{\"b\":1,\"a\":[true,null]}", "tags":["a","b"],
      "rec":{"x":"7","y":"1970-01-01T00:00:00.001000Z"},
      "attrs":[{"key":"k1","value":"1"},{"key":"k2","value":"2"}]})js"));
}

TEST(JsonRowsTest, TimestampsKeepMicrosecondsAndIntegersAreMilliseconds) {
  TableSchema schema;
  schema.fields = {Col("ts", FieldType::kTimestamp)};
  auto encoder = Encoder(schema);
  ASSERT_NE(encoder, nullptr);
  auto ts = [&](Value v) { return Encode(*encoder, Record({{Value("ts"), std::move(v)}}))["ts"]; };
  EXPECT_EQ(ts(Value(int64_t{1714557600123})), "2024-05-01T10:00:00.123000Z");
  EXPECT_EQ(ts(Value(Timestamp{-1})), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(ts(Value(Timestamp{-62135596800000000})), "0001-01-01T00:00:00.000000Z");
  EXPECT_EQ(ts(Value("2024-05-01T12:00:00.5+02:00")), "2024-05-01T10:00:00.500000Z");
}

TEST(JsonRowsTest, FloatsWithoutAJsonFormAreStrings) {
  TableSchema schema;
  schema.fields = {Col("f", FieldType::kFloat)};
  auto encoder = Encoder(schema);
  ASSERT_NE(encoder, nullptr);
  auto f = [&](double d) { return Encode(*encoder, Record({{Value("f"), Value(d)}}))["f"]; };
  EXPECT_EQ(f(std::nan("")), "NaN");
  EXPECT_EQ(f(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(f(-std::numeric_limits<double>::infinity()), "-Infinity");
  EXPECT_EQ(f(0.1), 0.1);
  EXPECT_EQ(Encode(*encoder, Record({{Value("f"), Value(int64_t{3})}}))["f"], 3.0);
}

TEST(JsonRowsTest, NullsAndEmptyArraysAreLeftOut) {
  auto encoder = Encoder(AllTypes());
  ASSERT_NE(encoder, nullptr);
  EXPECT_EQ(Encode(*encoder, Record({{Value("s"), Value("x")},
                                     {Value("i"), Value()},
                                     {Value("tags"), Value(Array{})}})),
            json({{"s", "x"}}));
}

TEST(JsonRowsTest, RejectsWhatBigQueryWouldRejectNamingTheColumn) {
  auto encoder = Encoder(AllTypes());
  ASSERT_NE(encoder, nullptr);
  struct Case {
    Map value;
    std::string column;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{{Value("i"), Value(int64_t{1})}}, "s", "REQUIRED"},
      {{{Value("s"), Value("x")}, {Value("nope"), Value(1)}}, "nope", "no column"},
      {{{Value("s"), Value("x")}, {Value("ts"), Value(int64_t{253402300800000})}},
       "ts",
       "out of range"},
      {{{Value("s"), Value("x")}, {Value("n"), Value("0.0000000001")}}, "n", "fractional"},
      {{{Value("s"), Value("x")}, {Value("i"), Value("12")}}, "i", "INTEGER column needs"},
      {{{Value("s"), Value("x")}, {Value("j"), Value("{nope")}}, "j", "invalid JSON"},
      {{{Value("s"), Value("x")}, {Value("tags"), Value(Array{Value("a"), Value()})}},
       "tags[1]",
       "NULL"},
      {{{Value("s"), Value(std::string("\xff"))}}, "s", "UTF-8"},
  };
  for (const Case& c : cases) {
    std::string text;
    std::optional<RowError> error = encoder->Encode(Record(c.value), &text);
    ASSERT_TRUE(error.has_value()) << c.column;
    EXPECT_EQ(error->column, c.column);
    EXPECT_THAT(error->message, HasSubstr(c.message));
  }
}

TEST(JsonRowsTest, KafkaDataAndKeyColumns) {
  TableSchema schema;
  schema.fields = {Col("s", FieldType::kString), Col("k", FieldType::kString),
                   Col("kafka", FieldType::kRecord, FieldMode::kNullable,
                       {Col("topic", FieldType::kString), Col("partition", FieldType::kInteger),
                        Col("offset", FieldType::kInteger), Col("timestamp", FieldType::kTimestamp),
                        Col("key", FieldType::kString)})};
  RowEncoderOptions options;
  options.kafka_data_field = "kafka";
  options.kafka_key_field = "k";
  auto encoder = Encoder(schema, options);
  ASSERT_NE(encoder, nullptr);
  SinkRecord record = Record({{Value("s"), Value("x")}});
  record.key = Value("member-1");
  EXPECT_EQ(Encode(*encoder, record), json::parse(R"({"s":"x","k":"member-1",
      "kafka":{"topic":"serverlog.member","partition":"3","offset":"1234",
               "timestamp":"2024-05-01T10:00:00.000000Z","key":"member-1"}})"));
  EXPECT_EQ(KcbqInsertId(record), "serverlog.member-3-1234");
}

TEST(JsonRowsTest, DebeziumTimestampAsIntegerIsTheRawLong) {
  SchemaPtr schema =
      SchemaBuilder::Struct()
          .AddField("created",
                    SchemaBuilder(Type::kInt64).Name(std::string(debezium::kTimestamp)).Build())
          .Build();
  SchemaMappingOptions mapping;
  mapping.debezium_timestamp_as_integer = true;
  auto table = ConnectToTableSchema(*schema, nullptr, mapping);
  ASSERT_TRUE(table.ok()) << table.status();
  auto encoder = Encoder(*table);
  ASSERT_NE(encoder, nullptr);
  SinkRecord record = Record({});
  record.value_schema = schema;
  record.value = StructBuilder(schema).Put("created", int64_t{1714557600123}).Build();
  EXPECT_EQ(Encode(*encoder, record), json::parse(R"({"created":"1714557600123"})"));
}

TEST(JsonRowsTest, DecimalsAsFloatAndRecord) {
  TableSchema table;
  table.fields = {Col("f", FieldType::kFloat),
                  Col("r", FieldType::kRecord, FieldMode::kNullable,
                      {Col("scale", FieldType::kInteger, FieldMode::kRequired),
                       Col("value", FieldType::kBytes, FieldMode::kRequired)})};
  RowEncoderOptions options;
  options.decimal_handling = DecimalHandling::kFloat;
  auto encoder = Encoder(table, options);
  ASSERT_NE(encoder, nullptr);
  const Decimal d{std::string("\xcf\xc7", 2), 3};  // -12.345
  EXPECT_EQ(Encode(*encoder, Record({{Value("f"), Value(d)}, {Value("r"), Value(d)}})),
            json::parse(R"({"f":-12.345,"r":{"scale":"3","value":"z8c="}})"));
}

TEST(JsonRowsTest, IgnoreUnknownFieldsLeavesThemOut) {
  TableSchema table;
  table.fields = {Col("a", FieldType::kString)};
  Map value = {{Value("a"), Value("x")}, {Value("b"), Value("y")}};
  std::string text;
  auto strict = Encoder(table);
  ASSERT_NE(strict, nullptr);
  auto error = strict->Encode(Record(value), &text);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->column, "b");
  RowEncoderOptions options;
  options.ignore_unknown_fields = true;
  auto lenient = Encoder(table, options);
  ASSERT_NE(lenient, nullptr);
  EXPECT_EQ(Encode(*lenient, Record(value)), json::parse(R"({"a":"x"})"));
}

TEST(JsonRowsTest, PutAttemptIdAndOriginalCoordinates) {
  TableSchema table;
  table.fields = {Col("v", FieldType::kString), KafkaDataField("kafka", true)};
  RowEncoderOptions options;
  options.kafka_data_field = "kafka";
  options.track_put_attempts = true;
  options.original_coordinates = true;
  auto encoder = Encoder(table, options);
  ASSERT_NE(encoder, nullptr);
  SinkRecord record = Record({{Value("v"), Value("x")}});
  auto raw = std::make_shared<RawRecord>();
  raw->topic = "orders";
  raw->partition = 0;
  raw->offset = 99;
  record.raw = raw;
  std::string text;
  ASSERT_FALSE(encoder->Encode(record, &text, "01HZY3AT5NJ6Q2W0XKC6V3B8QF").has_value());
  json kafka = json::parse(text)["kafka"];
  EXPECT_EQ(kafka["topic"], "orders");
  EXPECT_EQ(kafka["partition"], "0");
  EXPECT_EQ(kafka["offset"], "99");
  EXPECT_EQ(kafka["putAttemptId"], "01HZY3AT5NJ6Q2W0XKC6V3B8QF");
}

TEST(JsonRowsTest, ProtoRowToJsonRefusesBytesThatAreNotARow) {
  TableSchema schema;
  schema.fields = {Col("i", FieldType::kInteger), Col("s", FieldType::kString)};
  EXPECT_EQ(*ProtoRowToJson(schema, std::string("\x08\x05\x12\x01z", 5)), R"({"i":"5","s":"z"})");
  EXPECT_FALSE(ProtoRowToJson(schema, std::string("\x18\x01", 2)).ok());   // field 3
  EXPECT_FALSE(ProtoRowToJson(schema, std::string("\x12\x05z", 3)).ok());  // truncated
  EXPECT_FALSE(ProtoRowToJson(schema, std::string("\x0a\x01z", 3)).ok());  // wrong wire type
}

}  // namespace
}  // namespace ferry::bigquery
