#include "bigquery/proto_rows.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <gtest/gtest.h>

#include <memory>

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

TableFieldSchema Col(std::string name, FieldType type, FieldMode mode = FieldMode::kNullable,
                     std::vector<TableFieldSchema> fields = {}) {
  TableFieldSchema f;
  f.name = std::move(name);
  f.type = type;
  f.mode = mode;
  f.fields = std::move(fields);
  return f;
}

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
