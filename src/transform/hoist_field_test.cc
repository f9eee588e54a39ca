#include "gtest/gtest.h"
#include "transform/transform_test_util.h"

namespace ferry {
namespace {

using testing::ApplyError;
using testing::ApplyOk;
using testing::Configured;
using testing::ConfigureError;
using testing::MakeRecord;
using testing::MapOf;

constexpr char kKey[] = "org.apache.kafka.connect.transforms.HoistField$Key";
constexpr char kValue[] = "HoistField$Value";

TEST(HoistFieldTest, SchemalessKey) {
  auto t = Configured(kKey, {{"field", "magic"}});
  SinkRecord in = MakeRecord(nullptr, Value());
  in.key_schema = nullptr;
  in.key = Value(42);
  SinkRecord out = ApplyOk(*t, in);
  EXPECT_EQ(out.key_schema, nullptr);
  EXPECT_EQ(out.key, MapOf({{"magic", Value(42)}}));
  EXPECT_TRUE(out.value.is_null());
}

TEST(HoistFieldTest, WithSchema) {
  auto t = Configured(kKey, {{"field", "magic"}});
  SinkRecord in = MakeRecord(nullptr, Value());
  in.key_schema = Schema::Int32();
  in.key = Value(42);
  SinkRecord out = ApplyOk(*t, in);
  EXPECT_EQ(out.key_schema->DebugString(), "STRUCT{magic:INT32}");
  EXPECT_EQ(out.key_schema->FindField("magic")->schema, in.key_schema);
  EXPECT_EQ(*out.key.StructField("magic"), Value(42));
  EXPECT_EQ(ValidateValue(*out.key_schema, out.key), "");
  // The wrapping schema is cached.
  EXPECT_EQ(ApplyOk(*t, in).key_schema.get(), out.key_schema.get());
}

TEST(HoistFieldTest, ValueVariantWrapsStructs) {
  auto t = Configured(kValue, {{"field", "payload"}});
  SchemaPtr schema = SchemaBuilder::Struct().Name("data").AddField("id", Schema::String()).Build();
  Value value = StructBuilder(schema).Put("id", Value("1")).Build();
  SinkRecord out = ApplyOk(*t, MakeRecord(schema, value));
  EXPECT_EQ(out.value_schema->DebugString(), "STRUCT{payload:STRUCT(data){id:STRING}}");
  EXPECT_EQ(*out.value.StructField("payload"), value);
  EXPECT_EQ(out.key, Value("k1"));

  SinkRecord schemaless = ApplyOk(*t, MakeRecord(nullptr, MapOf({{"id", Value("1")}})));
  EXPECT_EQ(schemaless.value, MapOf({{"payload", MapOf({{"id", Value("1")}})}}));
}

TEST(HoistFieldTest, NullsAreHoistedToo) {
  auto t = Configured(kValue, {{"field", "payload"}});
  EXPECT_EQ(ApplyOk(*t, MakeRecord(nullptr, Value())).value, MapOf({{"payload", Value()}}));
  SinkRecord out = ApplyOk(*t, MakeRecord(Schema::String(true), Value()));
  EXPECT_EQ(out.value_schema->DebugString(), "STRUCT{payload:STRING?}");
  EXPECT_EQ(*out.value.StructField("payload"), Value());
  // Struct.put refuses null for a required schema.
  EXPECT_EQ(ApplyError(*t, MakeRecord(Schema::String(), Value())),
            "Invalid value: null used for required field: \"payload\", schema type: STRING");
}

TEST(HoistFieldTest, FieldIsRequired) {
  EXPECT_EQ(ConfigureError(kValue, {}),
            "field: Missing required configuration \"field\" which has no default value.");
}

}  // namespace
}  // namespace ferry
