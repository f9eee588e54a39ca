#include "gtest/gtest.h"
#include "transform/transform_test_util.h"

namespace ferry {
namespace {

using testing::ApplyError;
using testing::ApplyOk;
using testing::Configured;
using testing::ConfigureError;
using testing::kTimestampMs;
using testing::MakeRecord;
using testing::MapOf;

constexpr char kValue[] = "org.apache.kafka.connect.transforms.InsertField$Value";
constexpr char kKey[] = "InsertField$Key";

const Transformation::Props kAllFields = {
    {"topic.field", "topic_field!"},   {"partition.field", "partition_field"},
    {"offset.field", "offset_field?"}, {"timestamp.field", "timestamp_field"},
    {"static.field", "instance_id"},   {"static.value", "my-instance-id"}};

SchemaPtr SimpleStruct() {
  return SchemaBuilder::Struct()
      .Name("name")
      .Version(1)
      .Doc("doc")
      .AddField("magic", Schema::Int64())
      .Build();
}

TEST(InsertFieldTest, SchemalessValueGetsPlainValues) {
  auto t = Configured(kValue, kAllFields);
  SinkRecord out = ApplyOk(*t, MakeRecord(nullptr, MapOf({{"magic", Value(int64_t{42})}})));
  EXPECT_EQ(out.value_schema, nullptr);
  EXPECT_EQ(out.value, MapOf({{"magic", Value(int64_t{42})},
                              {"topic_field", Value("orders")},
                              {"partition_field", Value(3)},
                              {"offset_field", Value(int64_t{42})},
                              {"timestamp_field", Value(kTimestampMs)},
                              {"instance_id", Value("my-instance-id")}}));
  EXPECT_EQ(out.key, Value("k1"));
}

TEST(InsertFieldTest, SchemalessReplacesExistingKeyInPlace) {
  auto t = Configured(kValue, {{"topic.field", "a"}});
  SinkRecord out = ApplyOk(*t, MakeRecord(nullptr, MapOf({{"a", Value(1)}, {"b", Value(2)}})));
  EXPECT_EQ(out.value, MapOf({{"a", Value("orders")}, {"b", Value(2)}}));
}

TEST(InsertFieldTest, StructGetsTypedFieldsWithOptionality) {
  auto t = Configured(kValue, kAllFields);
  SchemaPtr schema = SimpleStruct();
  Value value = StructBuilder(schema).Put("magic", Value(int64_t{42})).Build();
  SinkRecord out = ApplyOk(*t, MakeRecord(schema, value));

  const Schema& s = *out.value_schema;
  EXPECT_EQ(s.name(), "name");
  EXPECT_EQ(s.version(), 1);
  EXPECT_EQ(s.doc(), "doc");
  ASSERT_EQ(s.fields().size(), 6u);
  EXPECT_TRUE(s.FindField("magic")->schema->Equals(*Schema::Int64()));
  EXPECT_TRUE(s.FindField("topic_field")->schema->Equals(*Schema::String(false)));
  EXPECT_TRUE(s.FindField("partition_field")->schema->Equals(*Schema::Int32(true)));
  EXPECT_TRUE(s.FindField("offset_field")->schema->Equals(*Schema::Int64(true)));
  EXPECT_TRUE(s.FindField("timestamp_field")->schema->Equals(*Schema::Timestamp(true)));
  EXPECT_TRUE(s.FindField("instance_id")->schema->Equals(*Schema::String(true)));

  EXPECT_EQ(*out.value.StructField("magic"), Value(int64_t{42}));
  EXPECT_EQ(*out.value.StructField("topic_field"), Value("orders"));
  EXPECT_EQ(*out.value.StructField("partition_field"), Value(3));
  EXPECT_EQ(*out.value.StructField("offset_field"), Value(int64_t{42}));
  EXPECT_EQ(*out.value.StructField("timestamp_field"), Value(Timestamp{kTimestampMs * 1000}));
  EXPECT_EQ(*out.value.StructField("instance_id"), Value("my-instance-id"));
  EXPECT_EQ(ValidateValue(s, out.value), "");

  // The derived schema is cached: the same input schema gives the same output schema.
  SinkRecord again = ApplyOk(*t, MakeRecord(schema, value));
  EXPECT_EQ(again.value_schema.get(), out.value_schema.get());
}

TEST(InsertFieldTest, KeyVariantWorksOnTheKey) {
  auto t = Configured(kKey, {{"topic.field", "topic"}});
  SinkRecord in = MakeRecord(nullptr, Value("v"));
  in.key_schema = nullptr;
  in.key = MapOf({{"id", Value(1)}});
  SinkRecord out = ApplyOk(*t, in);
  EXPECT_EQ(out.key, MapOf({{"id", Value(1)}, {"topic", Value("orders")}}));
  EXPECT_EQ(out.value, Value("v"));
}

TEST(InsertFieldTest, TombstonePassesThrough) {
  auto t = Configured(kValue, kAllFields);
  SinkRecord out = ApplyOk(*t, MakeRecord(SimpleStruct(), Value()));
  EXPECT_TRUE(out.value.is_null());
  EXPECT_EQ(out.value_schema->fields().size(), 1u);
  EXPECT_TRUE(ApplyOk(*t, MakeRecord(nullptr, Value())).value.is_null());
}

TEST(InsertFieldTest, NoTimestampLeavesFieldOut) {
  auto t = Configured(kValue, {{"timestamp.field", "ts"}});
  SinkRecord in = MakeRecord(nullptr, MapOf({}));
  in.timestamp_ms = -1;
  in.timestamp_type = TimestampType::kNoTimestamp;
  EXPECT_EQ(ApplyOk(*t, in).value, MapOf({}));

  auto required = Configured(kValue, {{"timestamp.field", "ts!"}});
  SinkRecord with_schema =
      MakeRecord(SimpleStruct(), StructBuilder(SimpleStruct()).Put("magic", Value(1)).Build());
  with_schema.timestamp_ms = -1;
  with_schema.timestamp_type = TimestampType::kNoTimestamp;
  EXPECT_EQ(ApplyError(*required, with_schema),
            "Invalid value: null used for required field: \"ts\", schema type: INT64");
}

TEST(InsertFieldTest, WrongValueTypesAreDataErrors) {
  auto t = Configured(kValue, {{"topic.field", "t"}});
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, Value("text"))),
            "Only Map objects supported in absence of schema for [field insertion], found: "
            "java.lang.String");
  EXPECT_EQ(ApplyError(*t, MakeRecord(Schema::Int64(), Value(int64_t{1}))),
            "Only Struct objects supported for [field insertion], found: java.lang.Long");
}

TEST(InsertFieldTest, DuplicateFieldIsAnError) {
  auto t = Configured(kValue, {{"topic.field", "magic"}});
  SchemaPtr schema = SimpleStruct();
  EXPECT_EQ(
      ApplyError(*t, MakeRecord(schema, StructBuilder(schema).Put("magic", Value(1)).Build())),
      "Cannot create field because of field name duplication magic");
}

TEST(InsertFieldTest, BadConfig) {
  EXPECT_EQ(ConfigureError(kValue, {}), "No field insertion configured");
  EXPECT_EQ(ConfigureError(kValue, {{"static.field", "s"}}),
            "static.value: Invalid value null for configuration static.value: No value specified "
            "for static field: s");
  auto t = CreateTransformation(kValue);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->Validate({{"static.field", "s"}}),
            (std::vector<ConfigError>{{"static.value",
                                       "Invalid value null for configuration static.value: No "
                                       "value specified for static field: s"}}));
}

}  // namespace
}  // namespace ferry
