#include "bigquery/proto_rows.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <gtest/gtest.h>

#include <memory>

#include "absl/time/clock.h"
#include "bigquery/test_support.h"
#include "record/value.h"

namespace ferry::bigquery {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::DescriptorPool;
using ::google::protobuf::DynamicMessageFactory;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::FieldDescriptorProto;
using ::google::protobuf::FileDescriptorProto;
using ::google::protobuf::Message;
using ::testing::HasSubstr;

using test_support::Col;

// Decodes rows the way the server does: a DynamicMessage from the descriptor.
class Decoder {
 public:
  explicit Decoder(const google::protobuf::DescriptorProto& proto) {
    FileDescriptorProto file;
    file.set_name("row.proto");
    *file.add_message_type() = proto;
    const auto* fd = pool_.BuildFile(file);
    EXPECT_NE(fd, nullptr);
    descriptor_ = fd ? fd->message_type(0) : nullptr;
  }
  std::unique_ptr<Message> Parse(const std::string& bytes) {
    std::unique_ptr<Message> m(factory_.GetPrototype(descriptor_)->New());
    EXPECT_TRUE(m->ParseFromString(bytes));
    return m;
  }
  const Descriptor* descriptor() const { return descriptor_; }

 private:
  DescriptorPool pool_;
  DynamicMessageFactory factory_;
  const Descriptor* descriptor_ = nullptr;
};

const FieldDescriptor* F(const Message& m, const std::string& name) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(name);
  EXPECT_NE(f, nullptr) << name;
  return f;
}

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
          {Col("x", FieldType::kInteger, FieldMode::kRequired),
           Col("inner", FieldType::kRecord, FieldMode::kNullable, {Col("z", FieldType::kString)})}),
      Col("attrs", FieldType::kRecord, FieldMode::kRepeated,
          {Col("key", FieldType::kString, FieldMode::kRequired),
           Col("value", FieldType::kInteger)}),
  };
  return s;
}

TEST(RowDescriptorTest, MapsColumnsToBigQuerysProtoTypes) {
  auto d = BuildRowDescriptor(AllTypes());
  ASSERT_TRUE(d.ok()) << d.status();
  auto type_of = [&](const std::string& name) {
    for (const auto& f : d->field()) {
      if (f.name() == name) return f.type();
    }
    return FieldDescriptorProto::TYPE_GROUP;
  };
  EXPECT_EQ(type_of("s"), FieldDescriptorProto::TYPE_STRING);
  EXPECT_EQ(type_of("b"), FieldDescriptorProto::TYPE_BYTES);
  EXPECT_EQ(type_of("i"), FieldDescriptorProto::TYPE_INT64);
  EXPECT_EQ(type_of("f"), FieldDescriptorProto::TYPE_DOUBLE);
  EXPECT_EQ(type_of("ok"), FieldDescriptorProto::TYPE_BOOL);
  EXPECT_EQ(type_of("ts"), FieldDescriptorProto::TYPE_INT64);
  EXPECT_EQ(type_of("d"), FieldDescriptorProto::TYPE_INT32);
  for (const char* name : {"t", "dt", "n", "bn", "g", "j"}) {
    EXPECT_EQ(type_of(name), FieldDescriptorProto::TYPE_STRING) << name;
  }
  EXPECT_EQ(type_of("rec"), FieldDescriptorProto::TYPE_MESSAGE);
  EXPECT_EQ(d->field(0).number(), 1);
  EXPECT_EQ(d->field(0).label(), FieldDescriptorProto::LABEL_OPTIONAL);
  EXPECT_EQ(d->field(13).label(), FieldDescriptorProto::LABEL_REPEATED);
  EXPECT_EQ(d->nested_type_size(), 3);  // rec, rec.inner, attrs: all in the root.
  // Self-contained: it builds with no imports.
  Decoder decoder(*d);
  ASSERT_NE(decoder.descriptor(), nullptr);
  EXPECT_EQ(decoder.descriptor()
                ->FindFieldByName("rec")
                ->message_type()
                ->FindFieldByName("inner")
                ->message_type()
                ->FindFieldByName("z")
                ->type(),
            FieldDescriptor::TYPE_STRING);
}

TEST(RowDescriptorTest, RefusesNamesThatAreNotProtoIdentifiers) {
  TableSchema s;
  s.fields = {Col("my-col", FieldType::kString)};
  EXPECT_THAT(std::string(BuildRowDescriptor(s).status().message()), HasSubstr("my-col"));
}

SinkRecord RecordWith(Value value, SchemaPtr schema = nullptr) {
  SinkRecord r;
  r.topic = "events";
  r.partition = 3;
  r.offset = 42;
  r.timestamp_ms = 1700000000123;
  r.value_schema = std::move(schema);
  r.value = std::move(value);
  return r;
}

TEST(RowEncoderTest, EncodesEveryColumnTypeFromASchemalessMap) {
  auto encoder = RowEncoder::Create(AllTypes(), {});
  ASSERT_TRUE(encoder.ok()) << encoder.status();
  Decimal dec = *Decimal::FromString("-12.345");
  Map value = {
      {"s", "héllo"},
      {"b", Bytes{std::string("\x00\xff", 2)}},
      {"i", int64_t{-7}},
      {"f", 2.5},
      {"ok", true},
      {"ts", Timestamp{1700000000123456}},
      {"d", Date{-1}},
      {"t", TimeOfDay{(13 * 3600 + 5 * 60 + 7) * int64_t{1000000} + 250000}},
      {"dt", Timestamp{0}},
      {"n", dec},
      {"bn", "123456789012345678901234567890.5"},
      {"g", "POINT(1 2)"},
      {"j", Map{{"a", Array{1, "x", nullptr}}}},
      {"tags", Array{"a", "b"}},
      {"rec", Map{{"x", 5}, {"inner", Map{{"z", "deep"}}}}},
      {"attrs", Map{{"k1", 1}, {"k2", 2}}},
  };
  std::string row;
  auto error = (*encoder)->Encode(RecordWith(Value(value)), &row);
  ASSERT_FALSE(error.has_value()) << error->column << ": " << error->message;

  Decoder decoder((*encoder)->descriptor());
  auto m = decoder.Parse(row);
  const auto* r = m->GetReflection();
  EXPECT_EQ(r->GetString(*m, F(*m, "s")), "héllo");
  EXPECT_EQ(r->GetString(*m, F(*m, "b")), std::string("\x00\xff", 2));
  EXPECT_EQ(r->GetInt64(*m, F(*m, "i")), -7);
  EXPECT_EQ(r->GetDouble(*m, F(*m, "f")), 2.5);
  EXPECT_TRUE(r->GetBool(*m, F(*m, "ok")));
  EXPECT_EQ(r->GetInt64(*m, F(*m, "ts")), 1700000000123456);
  EXPECT_EQ(r->GetInt32(*m, F(*m, "d")), -1);
  EXPECT_EQ(r->GetString(*m, F(*m, "t")), "13:05:07.250000");
  EXPECT_EQ(r->GetString(*m, F(*m, "dt")), "1970-01-01 00:00:00.000000");
  EXPECT_EQ(r->GetString(*m, F(*m, "n")), "-12.345");
  EXPECT_EQ(r->GetString(*m, F(*m, "bn")), "123456789012345678901234567890.5");
  EXPECT_EQ(r->GetString(*m, F(*m, "g")), "POINT(1 2)");
  EXPECT_EQ(r->GetString(*m, F(*m, "j")), R"({"a":[1,"x",null]})");
  ASSERT_EQ(r->FieldSize(*m, F(*m, "tags")), 2);
  EXPECT_EQ(r->GetRepeatedString(*m, F(*m, "tags"), 1), "b");
  const Message& rec = r->GetMessage(*m, F(*m, "rec"));
  EXPECT_EQ(rec.GetReflection()->GetInt64(rec, F(rec, "x")), 5);
  const Message& inner = rec.GetReflection()->GetMessage(rec, F(rec, "inner"));
  EXPECT_EQ(inner.GetReflection()->GetString(inner, F(inner, "z")), "deep");
  ASSERT_EQ(r->FieldSize(*m, F(*m, "attrs")), 2);
  const Message& kv = r->GetRepeatedMessage(*m, F(*m, "attrs"), 1);
  EXPECT_EQ(kv.GetReflection()->GetString(kv, F(kv, "key")), "k2");
  EXPECT_EQ(kv.GetReflection()->GetInt64(kv, F(kv, "value")), 2);
}

TEST(RowEncoderTest, EncodesAStructMatchingColumnsCaseInsensitively) {
  TableSchema table;
  table.fields = {Col("ce_id", FieldType::kString, FieldMode::kRequired),
                  Col("ce_time", FieldType::kTimestamp), Col("data", FieldType::kJson),
                  Col("unused", FieldType::kString)};
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("CE_ID", Schema::String())
                         .AddField("ce_time", Schema::Timestamp(true))
                         .AddField("data", Schema::Json(true))
                         .Build();
  Value value = StructBuilder(schema)
                    .Put("CE_ID", "id-1")
                    .Put("ce_time", Timestamp{1000})
                    .Put("data", R"({"user": 1})")
                    .Build();
  auto encoder = RowEncoder::Create(table, {});
  ASSERT_TRUE(encoder.ok());
  std::string row;
  ASSERT_FALSE((*encoder)->Encode(RecordWith(value, schema), &row).has_value());
  Decoder decoder((*encoder)->descriptor());
  auto m = decoder.Parse(row);
  EXPECT_EQ(m->GetReflection()->GetString(*m, F(*m, "ce_id")), "id-1");
  EXPECT_EQ(m->GetReflection()->GetInt64(*m, F(*m, "ce_time")), 1000);
  EXPECT_EQ(m->GetReflection()->GetString(*m, F(*m, "data")), R"({"user": 1})");
  EXPECT_FALSE(m->GetReflection()->HasField(*m, F(*m, "unused")));
}

TEST(RowEncoderTest, IntegersIntoTimestampAreEpochMilliseconds) {
  TableSchema table;
  table.fields = {Col("ts", FieldType::kTimestamp), Col("text", FieldType::kTimestamp)};
  auto encoder = RowEncoder::Create(table, {});
  ASSERT_TRUE(encoder.ok());
  std::string row;
  ASSERT_FALSE((*encoder)
                   ->Encode(RecordWith(Value(Map{{"ts", int64_t{1700000000123}},
                                                 {"text", "2024-05-01T12:00:00.5+02:00"}})),
                            &row)
                   .has_value());
  Decoder decoder((*encoder)->descriptor());
  auto m = decoder.Parse(row);
  EXPECT_EQ(m->GetReflection()->GetInt64(*m, F(*m, "ts")), 1700000000123000);
  EXPECT_EQ(m->GetReflection()->GetInt64(*m, F(*m, "text")), 1714557600500000);
}

TEST(RowEncoderTest, KafkaDataAndKeyColumns) {
  TableSchema table;
  table.fields = {Col("v", FieldType::kString),
                  Col("kafka", FieldType::kRecord, FieldMode::kNullable,
                      {Col("topic", FieldType::kString, FieldMode::kRequired),
                       Col("partition", FieldType::kInteger, FieldMode::kRequired),
                       Col("offset", FieldType::kInteger, FieldMode::kRequired),
                       Col("timestamp", FieldType::kTimestamp), Col("key", FieldType::kString)}),
                  Col("kafka_key", FieldType::kString)};
  RowEncoderOptions options;
  options.kafka_data_field = "kafka";
  options.kafka_key_field = "kafka_key";
  auto encoder = RowEncoder::Create(table, options);
  ASSERT_TRUE(encoder.ok()) << encoder.status();
  SinkRecord record = RecordWith(Value(Map{{"v", "x"}}));
  record.key = "user-7";
  std::string row;
  ASSERT_FALSE((*encoder)->Encode(record, &row).has_value());
  Decoder decoder((*encoder)->descriptor());
  auto m = decoder.Parse(row);
  EXPECT_EQ(m->GetReflection()->GetString(*m, F(*m, "kafka_key")), "user-7");
  const Message& k = m->GetReflection()->GetMessage(*m, F(*m, "kafka"));
  const auto* r = k.GetReflection();
  EXPECT_EQ(r->GetString(k, F(k, "topic")), "events");
  EXPECT_EQ(r->GetInt64(k, F(k, "partition")), 3);
  EXPECT_EQ(r->GetInt64(k, F(k, "offset")), 42);
  EXPECT_EQ(r->GetInt64(k, F(k, "timestamp")), 1700000000123000);
  EXPECT_EQ(r->GetString(k, F(k, "key")), "user-7");

  // Binary raw keys that are not UTF-8 are base64.
  SinkRecord binary = RecordWith(Value(Map{{"v", "x"}}));
  auto raw = std::make_shared<RawRecord>();
  raw->key = std::string("\xff\xfe", 2);
  binary.raw = raw;
  ASSERT_FALSE((*encoder)->Encode(binary, &row).has_value());
  auto m2 = decoder.Parse(row);
  const Message& k2 = m2->GetReflection()->GetMessage(*m2, F(*m2, "kafka"));
  EXPECT_EQ(k2.GetReflection()->GetString(k2, F(k2, "key")), "//4=");

  // A table without the configured column cannot be written at all.
  TableSchema missing;
  missing.fields = {Col("v", FieldType::kString)};
  EXPECT_TRUE(absl::IsFailedPrecondition(RowEncoder::Create(missing, options).status()));
}

struct Rejection {
  const char* name;
  Value value;
  const char* column;
  const char* message;
};

TEST(RowEncoderTest, RejectsWhatBigQueryWouldRejectNamingTheColumn) {
  auto encoder = RowEncoder::Create(AllTypes(), {});
  ASSERT_TRUE(encoder.ok());
  auto with = [](Map extra) {
    Map m = {{"s", "ok"}};
    for (auto& e : extra) m.push_back(std::move(e));
    return Value(std::move(m));
  };
  std::vector<Rejection> cases = {
      {"required missing", Value(Map{{"i", 1}}), "s", "REQUIRED"},
      {"required null", Value(Map{{"s", nullptr}}), "s", "REQUIRED"},
      {"wrong type", with({{"i", "seven"}}), "i", "INTEGER column needs an integer"},
      {"float into int", with({{"i", 1.5}}), "i", "INTEGER"},
      {"ts too late", with({{"ts", Timestamp{253402300800000000}}}), "ts", "out of range"},
      {"ts ms too early", with({{"ts", int64_t{-62135596800001}}}), "ts", "milliseconds"},
      {"ts bad text", with({{"ts", "yesterday"}}), "ts", "RFC 3339"},
      {"date too late", with({{"d", Date{2932897}}}), "d", "out of range"},
      {"non utf8", Value(Map{{"s", std::string("\xc3\x28", 2)}}), "s", "UTF-8"},
      {"unknown field", with({{"nope", 1}}), "nope", "no column"},
      {"invalid json", with({{"j", "{not json"}}), "j", "invalid JSON"},
      {"null in array", with({{"tags", Array{"a", nullptr}}}), "tags[1]", "NULL"},
      {"scalar into repeated", with({{"tags", "a"}}), "tags", "needs an array"},
      {"numeric scale", with({{"n", "1.0123456789"}}), "n", "fractional digits"},
      {"numeric precision", with({{"n", "123456789012345678901234567890"}}), "n", "integer digits"},
      {"nested required", with({{"rec", Map{{"inner", Map{}}}}}), "rec.x", "REQUIRED"},
      {"nested wrong", with({{"rec", Map{{"x", 1}, {"inner", Map{{"z", 3}}}}}}), "rec.inner.z",
       "STRING"},
      {"nan json", with({{"j", Array{std::nan("")}}}), "j", "NaN"},
      {"bytes into string", Value(Map{{"s", Bytes{"x"}}}), "s", "STRING column needs a string"},
      {"duplicate", with({{"S", "again"}}), "S", "both map to column"},
  };
  for (const Rejection& c : cases) {
    std::string row;
    auto error = (*encoder)->Encode(RecordWith(c.value), &row);
    ASSERT_TRUE(error.has_value()) << c.name;
    EXPECT_EQ(error->column, c.column) << c.name;
    EXPECT_THAT(error->message, HasSubstr(c.message)) << c.name;
    EXPECT_THAT(error->message, HasSubstr(c.column)) << c.name;
  }
  // Unknown fields with a null value carry nothing and are ignored.
  std::string row;
  EXPECT_FALSE((*encoder)->Encode(RecordWith(with({{"nope", nullptr}})), &row).has_value());
  // Whole-record problems.
  EXPECT_THAT((*encoder)->Encode(RecordWith(Value()), &row)->message, HasSubstr("tombstone"));
  EXPECT_THAT((*encoder)->Encode(RecordWith(Value("text")), &row)->message,
              HasSubstr("needs a struct or a map"));
}

TEST(RowEncoderTest, SanitizesRecordFieldNames) {
  TableSchema table;
  table.fields = {Col("user_id", FieldType::kInteger), Col("_1st", FieldType::kString)};
  RowEncoderOptions options;
  options.sanitize_field_names = true;
  auto encoder = RowEncoder::Create(table, options);
  ASSERT_TRUE(encoder.ok());
  std::string row;
  ASSERT_FALSE(
      (*encoder)->Encode(RecordWith(Value(Map{{"user.id", 9}, {"1st", "a"}})), &row).has_value());
  Decoder decoder((*encoder)->descriptor());
  auto m = decoder.Parse(row);
  EXPECT_EQ(m->GetReflection()->GetInt64(*m, F(*m, "user_id")), 9);
  EXPECT_EQ(m->GetReflection()->GetString(*m, F(*m, "_1st")), "a");
}

// Integers for time columns, each with the unit its Connect schema declares.
TEST(RowEncoderTest, IntegerTimesCountInTheirDeclaredUnit) {
  TableSchema table;
  table.fields = {Col("ts", FieldType::kTimestamp), Col("dt", FieldType::kDatetime),
                  Col("t", FieldType::kTime), Col("d", FieldType::kDate)};
  auto encoder = RowEncoder::Create(table, {});
  ASSERT_TRUE(encoder.ok());
  auto named = [](Type type, std::string_view name) {
    return SchemaBuilder(type).Name(std::string(name)).Optional().Build();
  };
  struct Case {
    std::string label;
    SchemaPtr ts_schema, t_schema;
    int64_t ts, t;
    int64_t want_ts_micros;
    std::string want_dt, want_t;
  };
  const int64_t kMicros = 1700000000123456;  // 2023-11-14T22:13:20.123456Z
  const std::vector<Case> cases = {
      {"Connect millis", Schema::Int64(true), Schema::Int32(true), kMicros / 1000,
       (13 * 3600) * int64_t{1000} + 5, 1700000000123000, "2023-11-14 22:13:20.123000",
       "13:00:00.005000"},
      {"Debezium Timestamp/Time (millis)", named(Type::kInt64, debezium::kTimestamp),
       named(Type::kInt32, debezium::kTime), kMicros / 1000, 1000, 1700000000123000,
       "2023-11-14 22:13:20.123000", "00:00:01.000000"},
      {"Debezium Micro*", named(Type::kInt64, debezium::kMicroTimestamp),
       named(Type::kInt64, debezium::kMicroTime), kMicros, 1500, kMicros,
       "2023-11-14 22:13:20.123456", "00:00:00.001500"},
      {"Debezium Nano* (floored to micros)", named(Type::kInt64, debezium::kNanoTimestamp),
       named(Type::kInt64, debezium::kNanoTime), kMicros * 1000 + 999, 86399999999999, kMicros,
       "2023-11-14 22:13:20.123456", "23:59:59.999999"},
      {"before the epoch, nanos floor down", named(Type::kInt64, debezium::kNanoTimestamp),
       named(Type::kInt64, debezium::kNanoTime), -1, 0, -1, "1969-12-31 23:59:59.999999",
       "00:00:00.000000"},
  };
  for (const Case& c : cases) {
    SchemaPtr schema = SchemaBuilder::Struct()
                           .AddField("ts", c.ts_schema)
                           .AddField("dt", c.ts_schema)
                           .AddField("t", c.t_schema)
                           .AddField("d", named(Type::kInt32, debezium::kDate))
                           .Build();
    Value value = StructBuilder(schema)
                      .Put("ts", c.ts)
                      .Put("dt", c.ts)
                      .Put("t", c.t)
                      .Put("d", -719162)  // 0001-01-01
                      .Build();
    std::string row;
    auto error = (*encoder)->Encode(RecordWith(value, schema), &row);
    ASSERT_FALSE(error) << c.label << ": " << error->message;
    Decoder decoder((*encoder)->descriptor());
    auto m = decoder.Parse(row);
    const auto* r = m->GetReflection();
    EXPECT_EQ(r->GetInt64(*m, F(*m, "ts")), c.want_ts_micros) << c.label;
    EXPECT_EQ(r->GetString(*m, F(*m, "dt")), c.want_dt) << c.label;
    EXPECT_EQ(r->GetString(*m, F(*m, "t")), c.want_t) << c.label;
    EXPECT_EQ(r->GetInt32(*m, F(*m, "d")), -719162) << c.label;
  }
}

TEST(RowEncoderTest, MisScaledTimestampsAreRowErrorsThatSayTheLikelyUnit) {
  TableSchema table;
  table.fields = {Col("ts", FieldType::kTimestamp), Col("t", FieldType::kTime)};
  auto encoder = RowEncoder::Create(table, {});
  ASSERT_TRUE(encoder.ok());
  const int64_t micros = 1700000000123456;
  std::string row;
  // Microseconds where Connect's convention says milliseconds.
  auto error = (*encoder)->Encode(RecordWith(Value(Map{{"ts", micros}})), &row);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->column, "ts");
  EXPECT_THAT(error->message, HasSubstr("read as epoch milliseconds (Connect's convention"));
  EXPECT_THAT(error->message, HasSubstr("as microseconds it would be 2023-11-14T22:13:20.123456Z"));
  // Nanoseconds declared as microseconds.
  SchemaPtr schema =
      SchemaBuilder::Struct()
          .AddField(
              "ts",
              SchemaBuilder(Type::kInt64).Name(std::string(debezium::kMicroTimestamp)).Build())
          .Build();
  error = (*encoder)->Encode(
      RecordWith(StructBuilder(schema).Put("ts", micros * 1000).Build(), schema), &row);
  ASSERT_TRUE(error);
  EXPECT_THAT(error->message, HasSubstr("read as epoch microseconds (io.debezium.time."
                                        "MicroTimestamp)"));
  EXPECT_THAT(error->message, HasSubstr("as nanoseconds it would be 2023-11-14T22:13:20.123456Z"));
  // Overflowing the multiplication is out of range too, not wrapped around.
  error = (*encoder)->Encode(RecordWith(Value(Map{{"ts", int64_t{INT64_MAX}}})), &row);
  ASSERT_TRUE(error);
  EXPECT_THAT(error->message, HasSubstr("out of range"));
  // TIME integers past the day.
  error = (*encoder)->Encode(RecordWith(Value(Map{{"t", int64_t{86400000}}})), &row);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->column, "t");
  EXPECT_THAT(error->message, HasSubstr("read as milliseconds of the day"));
}

TEST(RowEncoderTest, TextAndValueEdgeCases) {
  TableSchema table;
  table.fields = {Col("t", FieldType::kTime),
                  Col("dt", FieldType::kDatetime),
                  Col("bn", FieldType::kBignumeric),
                  Col("i", FieldType::kInteger),
                  Col("tags", FieldType::kInteger, FieldMode::kRepeated),
                  Col("ts", FieldType::kTimestamp),
                  Col("d", FieldType::kDate)};
  auto encoder = RowEncoder::Create(table, {});
  ASSERT_TRUE(encoder.ok());
  struct Case {
    std::string label;
    std::string column;
    Value value;
    std::string want;   // the written string/int as text; empty when refused.
    std::string error;  // substring when refused.
  };
  const std::vector<Case> cases = {
      {"time text", "t", Value("9:05:07.25"), "09:05:07.250000", ""},
      {"time text, micros", "t", Value("23:59:59.999999"), "23:59:59.999999", ""},
      {"time text, nanos", "t", Value("23:59:59.999999999"), "", "microsecond precision"},
      {"time text, 24h", "t", Value("24:00:00"), "", "out of range"},
      {"time text, junk", "t", Value("noon"), "", "is not a time"},
      {"datetime text T", "dt", Value("2024-02-29T12:00:00.5"), "2024-02-29 12:00:00.500000", ""},
      {"datetime date only", "dt", Value("2024-2-9"), "2024-02-09 00:00:00.000000", ""},
      {"datetime bad day", "dt", Value("2023-02-29 00:00:00"), "", "not a valid date"},
      {"datetime year 0", "dt", Value("0000-01-01 00:00:00"), "", "not a valid date"},
      {"datetime junk", "dt", Value("tomorrow"), "", "is not a datetime"},
      {"bignumeric max", "bn",
       Value("578960446186580977117854925043439539266.34992332820282019728792003956564819967"),
       "578960446186580977117854925043439539266.34992332820282019728792003956564819967", ""},
      {"bignumeric min", "bn",
       Value("-578960446186580977117854925043439539266.34992332820282019728792003956564819968"),
       "-578960446186580977117854925043439539266.34992332820282019728792003956564819968", ""},
      {"bignumeric over max", "bn",
       Value("578960446186580977117854925043439539266.34992332820282019728792003956564819968"), "",
       "outside BIGNUMERIC's range"},
      {"bignumeric 40 digits", "bn", Value("1000000000000000000000000000000000000000"), "",
       "integer digits"},
      {"whole float into INTEGER", "i", Value(3.0), "3", ""},
      {"huge float into INTEGER", "i", Value(1e19), "", "not a whole number in INT64's range"},
      {"NaN into INTEGER", "i", Value(std::nan("")), "", "INTEGER"},
      {"nested array", "tags", Value(Array{Value(Array{Value(int64_t{1})})}), "",
       "no ARRAY of ARRAY"},
      {"array into a single column", "i", Value(Array{Value(int64_t{1})}), "",
       "not REPEATED and needs an integer, got an array"},
      {"timestamp text with nanos and offset (Debezium ZonedTimestamp)", "ts",
       Value("2020-01-01T10:15:30.123456789+01:00"), "1577870130123456", ""},
      {"date as days", "d", Value(int64_t{19000}), "19000", ""},
      {"date as days out of range", "d", Value(int64_t{2932897}), "", "out of range"},
  };
  for (const Case& c : cases) {
    std::string row;
    auto error = (*encoder)->Encode(RecordWith(Value(Map{{c.column, c.value}})), &row);
    if (!c.error.empty()) {
      ASSERT_TRUE(error) << c.label;
      EXPECT_THAT(error->column, ::testing::StartsWith(c.column)) << c.label;
      EXPECT_THAT(error->message, HasSubstr(c.error)) << c.label;
      continue;
    }
    ASSERT_FALSE(error) << c.label << ": " << error->message;
    Decoder decoder((*encoder)->descriptor());
    auto m = decoder.Parse(row);
    const FieldDescriptor* f = F(*m, c.column);
    const auto* r = m->GetReflection();
    std::string got;
    switch (f->type()) {
      case FieldDescriptor::TYPE_INT64:
        got = std::to_string(r->GetInt64(*m, f));
        break;
      case FieldDescriptor::TYPE_INT32:
        got = std::to_string(r->GetInt32(*m, f));
        break;
      default:
        got = r->GetString(*m, f);
    }
    EXPECT_EQ(got, c.want) << c.label;
  }
}

// absl's %Y writes year 1 as "1"; every rendered date must have a four-digit year.
TEST(RowEncoderTest, YearsBeforeOneThousandHaveFourDigits) {
  constexpr int64_t kYear1 = -62135596800000000;  // 0001-01-01T00:00:00Z
  // 0999-12-31T23:59:59.999999Z: a negative epoch value with a fraction.
  constexpr int64_t kYear999End = -30610224000000001;
  auto json = ValueToJsonText(Value(Map{{Value("a"), Value(Timestamp{kYear1})},
                                        {Value("b"), Value(Timestamp{kYear999End})},
                                        {Value("c"), Value(Date{-719162})}}));
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json, R"({"a":"0001-01-01T00:00:00.000000Z","b":"0999-12-31T23:59:59.999999Z",)"
                   R"("c":"0001-01-01"})");

  TableSchema table;
  table.fields = {Col("dt", FieldType::kDatetime)};
  auto encoder = RowEncoder::Create(table, {});
  ASSERT_TRUE(encoder.ok());
  const std::vector<std::pair<Value, std::string>> cases = {
      {Value(Timestamp{kYear1}), "0001-01-01 00:00:00.000000"},
      {Value(Timestamp{kYear999End}), "0999-12-31 23:59:59.999999"},
      {Value("0001-01-01T00:00:00"), "0001-01-01 00:00:00.000000"},
      {Value("0042-3-4 5:06:07.5"), "0042-03-04 05:06:07.500000"},
  };
  for (const auto& [value, want] : cases) {
    std::string row;
    auto error = (*encoder)->Encode(RecordWith(Value(Map{{Value("dt"), value}})), &row);
    ASSERT_FALSE(error) << want << ": " << error->message;
    Decoder decoder((*encoder)->descriptor());
    auto m = decoder.Parse(row);
    EXPECT_EQ(m->GetReflection()->GetString(*m, F(*m, "dt")), want);
  }
}

TEST(RowEncoderTest, KafkaDataIntoKcbqsLayout) {
  // kcbq's KafkaDataBuilder: topic, partition, offset, insertTime, all NULLABLE.
  TableSchema table;
  table.fields = {
      Col("v", FieldType::kString),
      Col("kafka", FieldType::kRecord, FieldMode::kNullable,
          {Col("topic", FieldType::kString), Col("partition", FieldType::kInteger),
           Col("offset", FieldType::kInteger), Col("insertTime", FieldType::kTimestamp)})};
  RowEncoderOptions options;
  options.kafka_data_field = "kafka";
  auto encoder = RowEncoder::Create(table, options);
  ASSERT_TRUE(encoder.ok()) << encoder.status();
  const int64_t before = absl::ToUnixMicros(absl::Now());
  std::string row;
  auto error = (*encoder)->Encode(RecordWith(Value(Map{{"v", "x"}})), &row);
  ASSERT_FALSE(error) << error->message;
  const int64_t after = absl::ToUnixMicros(absl::Now());
  Decoder decoder((*encoder)->descriptor());
  auto m = decoder.Parse(row);
  const Message& k = m->GetReflection()->GetMessage(*m, F(*m, "kafka"));
  const auto* r = k.GetReflection();
  EXPECT_EQ(r->GetString(k, F(k, "topic")), "events");
  EXPECT_EQ(r->GetInt64(k, F(k, "offset")), 42);
  const int64_t insert_time = r->GetInt64(k, F(k, "insertTime"));
  EXPECT_GE(insert_time, before);
  EXPECT_LE(insert_time, after);
}

// Debezium's VariableScaleDecimal: STRUCT(scale INT32, value BYTES).
SchemaPtr VariableScaleDecimalSchema() {
  return SchemaBuilder::Struct()
      .Name(std::string(debezium::kVariableScaleDecimal))
      .AddField("scale", Schema::Int32())
      .AddField("value", Schema::Bytes())
      .Build();
}

TEST(RowEncoderTest, DebeziumTimestampIntoAnIntegerColumnIsTheRawLong) {
  // convertDebeziumTimestampToInteger makes the column INTEGER; the value is
  // Debezium's epoch milliseconds as they are.
  SchemaPtr schema =
      SchemaBuilder::Struct()
          .AddField("created",
                    SchemaBuilder(Type::kInt64).Name(std::string(debezium::kTimestamp)).Build())
          .Build();
  SchemaMappingOptions mapping;
  mapping.debezium_timestamp_as_integer = true;
  auto table = ConnectToTableSchema(*schema, nullptr, mapping);
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ(table->fields[0].type, FieldType::kInteger);
  auto encoder = RowEncoder::Create(*table, {});
  ASSERT_TRUE(encoder.ok());
  std::string row;
  Value value = StructBuilder(schema).Put("created", int64_t{1700000000123}).Build();
  ASSERT_FALSE((*encoder)->Encode(RecordWith(value, schema), &row).has_value());
  Decoder decoder((*encoder)->descriptor());
  auto m = decoder.Parse(row);
  EXPECT_EQ(m->GetReflection()->GetInt64(*m, F(*m, "created")), 1700000000123);
}

TEST(RowEncoderTest, DecimalsFollowTheirHandlingMode) {
  TableSchema table;
  table.fields = {Col("f", FieldType::kFloat),
                  Col("r", FieldType::kRecord, FieldMode::kNullable,
                      {Col("scale", FieldType::kInteger, FieldMode::kRequired),
                       Col("value", FieldType::kBytes, FieldMode::kRequired)}),
                  Col("n", FieldType::kNumeric)};
  // -12.345: unscaled -12345 = 0xCFC7; given with a redundant sign byte.
  const Decimal negative{std::string("\xff\xcf\xc7", 3), 3};
  const Decimal positive{std::string("\x00\x00\x80", 3), 2};  // 1.28: 0x0080 is minimal.
  auto record = [&](Value f, Value r, Value n) {
    return RecordWith(Value(Map{{"f", std::move(f)}, {"r", std::move(r)}, {"n", std::move(n)}}));
  };

  // Into FLOAT with decimalHandlingMode FLOAT or unset (precision is lost),
  // never with NUMERIC or BIGNUMERIC, which ask for exact decimals.
  std::string row;
  for (DecimalHandling exact : {DecimalHandling::kNumeric, DecimalHandling::kBignumeric}) {
    RowEncoderOptions strict_options;
    strict_options.decimal_handling = exact;
    auto strict = RowEncoder::Create(table, strict_options);
    ASSERT_TRUE(strict.ok());
    auto error = (*strict)->Encode(record(Value(negative), Value(), Value()), &row);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->column, "f");
    EXPECT_THAT(error->message, HasSubstr("decimalHandlingMode=FLOAT"));
    EXPECT_THAT(error->message, HasSubstr("kcbq"));
  }
  auto unset = RowEncoder::Create(table, {});
  ASSERT_TRUE(unset.ok());
  auto error = (*unset)->Encode(record(Value(negative), Value(), Value()), &row);
  ASSERT_FALSE(error.has_value()) << error->message;
  {
    Decoder decoder((*unset)->descriptor());
    auto m = decoder.Parse(row);
    EXPECT_EQ(m->GetReflection()->GetDouble(*m, F(*m, "f")), -12.345);
  }

  RowEncoderOptions options;
  options.decimal_handling = DecimalHandling::kFloat;
  auto as_float = RowEncoder::Create(table, options);
  ASSERT_TRUE(as_float.ok());
  error = (*as_float)->Encode(record(Value(negative), Value(positive), Value(negative)), &row);
  ASSERT_FALSE(error.has_value()) << error->message;
  Decoder decoder((*as_float)->descriptor());
  auto m = decoder.Parse(row);
  EXPECT_EQ(m->GetReflection()->GetDouble(*m, F(*m, "f")), -12.345);
  // RECORD(scale, value): the unscaled value as minimal two's complement.
  const Message& r = m->GetReflection()->GetMessage(*m, F(*m, "r"));
  EXPECT_EQ(r.GetReflection()->GetInt64(r, F(r, "scale")), 2);
  EXPECT_EQ(r.GetReflection()->GetString(r, F(r, "value")), std::string("\x00\x80", 2));
  EXPECT_EQ(m->GetReflection()->GetString(*m, F(*m, "n")), "-12.345");

  ASSERT_FALSE((*as_float)->Encode(record(Value(), Value(negative), Value()), &row).has_value());
  m = decoder.Parse(row);
  const Message& r2 = m->GetReflection()->GetMessage(*m, F(*m, "r"));
  EXPECT_EQ(r2.GetReflection()->GetInt64(r2, F(r2, "scale")), 3);
  EXPECT_EQ(r2.GetReflection()->GetString(r2, F(r2, "value")), "\xcf\xc7");
}

TEST(RowEncoderTest, VariableScaleDecimalsIntoNumericAndFloat) {
  TableSchema table;
  table.fields = {Col("n", FieldType::kNumeric), Col("f", FieldType::kFloat)};
  SchemaPtr vsd = VariableScaleDecimalSchema();
  // 3.14159: unscaled 314159 = 0x04CB2F, scale 5.
  Value pi = StructBuilder(vsd)
                 .Put("scale", 5)
                 .Put("value", Bytes{std::string("\x04\xcb\x2f", 3)})
                 .Build();
  SchemaPtr schema = SchemaBuilder::Struct().AddField("n", vsd).AddField("f", vsd).Build();

  auto strict = RowEncoder::Create(table, {});
  ASSERT_TRUE(strict.ok());
  std::string row;
  auto error =
      (*strict)->Encode(RecordWith(StructBuilder(schema).Put("n", pi).Build(), schema), &row);
  ASSERT_FALSE(error.has_value()) << error->message;  // exact into NUMERIC: always.
  error = (*strict)->Encode(RecordWith(StructBuilder(schema).Put("f", pi).Build(), schema), &row);
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(error->message, HasSubstr("variableScaleDecimalHandlingMode=FLOAT"));

  RowEncoderOptions options;
  options.variable_scale_decimal_handling = DecimalHandling::kFloat;
  auto as_float = RowEncoder::Create(table, options);
  ASSERT_TRUE(as_float.ok());
  error = (*as_float)->Encode(
      RecordWith(StructBuilder(schema).Put("n", pi).Put("f", pi).Build(), schema), &row);
  ASSERT_FALSE(error.has_value()) << error->message;
  Decoder decoder((*as_float)->descriptor());
  auto m = decoder.Parse(row);
  EXPECT_EQ(m->GetReflection()->GetString(*m, F(*m, "n")), "3.14159");
  EXPECT_EQ(m->GetReflection()->GetDouble(*m, F(*m, "f")), 3.14159);
}

TEST(RowEncoderTest, UnknownFieldsAreDroppedWithIgnoreUnknownFields) {
  TableSchema table;
  table.fields = {Col("a", FieldType::kString), Col("rec", FieldType::kRecord, FieldMode::kNullable,
                                                    {Col("x", FieldType::kInteger)})};
  Value value(Map{{"a", "kept"},
                  {"extra", "dropped"},
                  {"rec", Value(Map{{"x", 1}, {"deeper", Value(Map{{"y", 2}})}})}});
  auto strict = RowEncoder::Create(table, {});
  ASSERT_TRUE(strict.ok());
  std::string row;
  auto error = (*strict)->Encode(RecordWith(value), &row);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->column, "extra");

  RowEncoderOptions options;
  options.ignore_unknown_fields = true;
  options.kafka_data_field = "kafka";  // no such column: dropped as well.
  options.kafka_key_field = "kafka_key";
  auto lenient = RowEncoder::Create(table, options);
  ASSERT_TRUE(lenient.ok()) << lenient.status();
  SinkRecord record = RecordWith(value);
  record.key = "k";
  error = (*lenient)->Encode(record, &row);
  ASSERT_FALSE(error.has_value()) << error->message;
  Decoder decoder((*lenient)->descriptor());
  auto m = decoder.Parse(row);
  EXPECT_EQ(m->GetReflection()->GetString(*m, F(*m, "a")), "kept");
  const Message& rec = m->GetReflection()->GetMessage(*m, F(*m, "rec"));
  EXPECT_EQ(rec.GetReflection()->GetInt64(rec, F(rec, "x")), 1);
  // Nothing else was written: the row is exactly the two known columns.
  std::vector<const FieldDescriptor*> set;
  m->GetReflection()->ListFields(*m, &set);
  EXPECT_EQ(set.size(), 2u);
}

TEST(RowEncoderTest, PutAttemptIdAndOriginalCoordinatesInTheKafkaDataColumn) {
  TableSchema table;
  table.fields = {Col("v", FieldType::kString), KafkaDataField("kafka", /*put_attempt_id=*/true)};
  ASSERT_EQ(table.fields[1].fields.back().name, "putAttemptId");  // last, as Aiven's.
  SinkRecord record = RecordWith(Value(Map{{"v", "x"}}));
  // RegexRouter sent it elsewhere; it was read at orders/1/7.
  auto raw = std::make_shared<RawRecord>();
  raw->topic = "orders";
  raw->partition = 1;
  raw->offset = 7;
  record.raw = raw;

  auto kafka_of = [](const Message& m) -> const Message& {
    return m.GetReflection()->GetMessage(m, F(m, "kafka"));
  };
  RowEncoderOptions options;
  options.kafka_data_field = "kafka";
  options.track_put_attempts = true;
  auto encoder = RowEncoder::Create(table, options);
  ASSERT_TRUE(encoder.ok());
  std::string row;
  ASSERT_FALSE((*encoder)->Encode(record, &row, "01ARYZ6S41TSV4RRFFQ69G5FAV").has_value());
  Decoder decoder((*encoder)->descriptor());
  auto m = decoder.Parse(row);
  const Message& k = kafka_of(*m);
  EXPECT_EQ(k.GetReflection()->GetString(k, F(k, "putAttemptId")), "01ARYZ6S41TSV4RRFFQ69G5FAV");
  // preserveKafkaTopicPartitionOffset=false: where the record is now.
  EXPECT_EQ(k.GetReflection()->GetString(k, F(k, "topic")), "events");
  EXPECT_EQ(k.GetReflection()->GetInt64(k, F(k, "partition")), 3);
  EXPECT_EQ(k.GetReflection()->GetInt64(k, F(k, "offset")), 42);

  options.original_coordinates = true;
  auto original = RowEncoder::Create(table, options);
  ASSERT_TRUE(original.ok());
  ASSERT_FALSE((*original)->Encode(record, &row, "01ARYZ6S41TSV4RRFFQ69G5FAW").has_value());
  m = decoder.Parse(row);
  const Message& o = kafka_of(*m);
  EXPECT_EQ(o.GetReflection()->GetString(o, F(o, "topic")), "orders");
  EXPECT_EQ(o.GetReflection()->GetInt64(o, F(o, "partition")), 1);
  EXPECT_EQ(o.GetReflection()->GetInt64(o, F(o, "offset")), 7);
  EXPECT_EQ(o.GetReflection()->GetString(o, F(o, "putAttemptId")), "01ARYZ6S41TSV4RRFFQ69G5FAW");

  // A table made without the sub-field: the row names it, so an allowed
  // schema update can add it; with ignoreUnknownFields it is left out.
  TableSchema older;
  older.fields = {Col("v", FieldType::kString), KafkaDataField("kafka")};
  auto strict = RowEncoder::Create(older, options);
  ASSERT_TRUE(strict.ok());
  auto error = (*strict)->Encode(record, &row, "01ARYZ6S41TSV4RRFFQ69G5FAV");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->column, "kafka.putAttemptId");
  options.ignore_unknown_fields = true;
  auto lenient = RowEncoder::Create(older, options);
  ASSERT_TRUE(lenient.ok());
  EXPECT_FALSE((*lenient)->Encode(record, &row, "01ARYZ6S41TSV4RRFFQ69G5FAV").has_value());
}

TEST(Utf8Test, Validation) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("日本語 ✓ 😀"));
  EXPECT_FALSE(IsValidUtf8(std::string("\xc0\xaf", 2)));          // overlong.
  EXPECT_FALSE(IsValidUtf8(std::string("\xed\xa0\x80", 3)));      // surrogate.
  EXPECT_FALSE(IsValidUtf8(std::string("\xf4\x90\x80\x80", 4)));  // > U+10FFFF.
  EXPECT_FALSE(IsValidUtf8(std::string("\xe2\x82", 2)));          // truncated.
}

}  // namespace
}  // namespace ferry::bigquery
