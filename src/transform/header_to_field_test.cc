#include "gtest/gtest.h"
#include "transform/transform_test_util.h"

namespace ferry {
namespace {

using testing::ApplyError;
using testing::ApplyOk;
using testing::Configured;
using testing::MakeRecord;
using testing::MapOf;

constexpr char kValue[] =
    "com.github.jcustenborder.kafka.connect.transform.common.HeaderToField$Value";

SinkRecord WithCloudEventHeaders(SchemaPtr schema, Value value) {
  SinkRecord r = MakeRecord(std::move(schema), std::move(value));
  r.headers.Add("ce_type", Schema::String(), Value("member.LOGIN"));
  r.headers.Add("ce_time", Schema::String(), Value("2023-11-14T22:13:20.123456Z"));
  r.headers.Add("count", Schema::String(), Value("42"));
  r.headers.Add("count", Schema::String(), Value("43"));  // The last one wins.
  return r;
}

TEST(HeaderToFieldTest, StructGetsOptionalTypedFields) {
  auto t = Configured(kValue, {{"header.mappings",
                                "ce_type:STRING:type,ce_time:INT64(Timestamp):time,count:int32,"
                                "missing:BOOLEAN"}});
  SchemaPtr schema = SchemaBuilder::Struct().Name("data").AddField("id", Schema::String()).Build();
  SinkRecord out = ApplyOk(
      *t, WithCloudEventHeaders(schema, StructBuilder(schema).Put("id", Value("1")).Build()));
  EXPECT_EQ(out.value_schema->DebugString(),
            "STRUCT(data){id:STRING,type:STRING?,time:INT64(org.apache.kafka.connect.data."
            "Timestamp)?,count:INT32?,missing:BOOLEAN?}");
  EXPECT_EQ(
      out.value.DebugString(),
      "Struct{id=\"1\",type=\"member.LOGIN\",time=ts(1700000000123456),count=43,missing=null}");
  EXPECT_EQ(ValidateValue(*out.value_schema, out.value), "");
}

TEST(HeaderToFieldTest, SchemalessMapAndDefault) {
  auto t =
      Configured(kValue, {{"header.mappings", "ce_type:STRING,ce_subject:STRING:subject:n/a"}});
  SinkRecord out = ApplyOk(*t, WithCloudEventHeaders(nullptr, MapOf({{"id", Value(1)}})));
  EXPECT_EQ(
      out.value,
      MapOf({{"id", Value(1)}, {"ce_type", Value("member.LOGIN")}, {"subject", Value("n/a")}}));
}

TEST(HeaderToFieldTest, Conversions) {
  auto t = Configured(kValue, {{"header.mappings",
                                "n:FLOAT64:f,n:INT8:i8,b:BOOLEAN,d:BYTES(Decimal[scale=2]):dec,"
                                "day:INT32(Date):day,n:STRING:s"}});
  SinkRecord in = MakeRecord(nullptr, MapOf({}));
  in.headers.Add("n", Schema::Int64(), Value(int64_t{300}));
  in.headers.Add("b", Schema::String(), Value("TRUE"));
  in.headers.Add("d", Schema::String(), Value("12.5"));
  in.headers.Add("day", Schema::String(), Value("2023-11-14"));
  Value out = ApplyOk(*t, in).value;
  EXPECT_EQ(*out.MapEntry("f"), Value(300.0));
  EXPECT_EQ(*out.MapEntry("i8"), Value(44));  // (byte) 300, as Java's narrowing.
  EXPECT_EQ(*out.MapEntry("b"), Value(true));
  EXPECT_EQ(out.MapEntry("dec")->as_decimal().ToString(), "12.50");
  EXPECT_EQ(*out.MapEntry("day"), Value(Date{19675}));
  EXPECT_EQ(*out.MapEntry("s"), Value("300"));
}

// SimpleHeaderConverter reads "1.0" (a CloudEvents ce_specversion) as a
// FLOAT32; as a STRING it is Java's String.valueOf of it, "1.0", not "1".
TEST(HeaderToFieldTest, FloatHeadersAsStringAreJavasText) {
  auto t = Configured(kValue, {{"header.mappings", "v:STRING:v,f:STRING:f,d:STRING:d,e:STRING:e"}});
  SinkRecord in = MakeRecord(nullptr, MapOf({}));
  in.headers.Add("v", Schema::Float32(), Value(1.0));
  in.headers.Add("f", Schema::Float32(), Value(static_cast<double>(1.1f)));
  in.headers.Add("d", Schema::Float64(), Value(0.1));
  in.headers.Add("e", Schema::Float64(), Value(1e21));
  Value out = ApplyOk(*t, in).value;
  EXPECT_EQ(*out.MapEntry("v"), Value("1.0"));
  EXPECT_EQ(*out.MapEntry("f"), Value("1.1"));  // Float.toString, not the widened double.
  EXPECT_EQ(*out.MapEntry("d"), Value("0.1"));
  EXPECT_EQ(*out.MapEntry("e"), Value("1.0E21"));
}

TEST(HeaderToFieldTest, ArrayAndMapHeadersAsStringUseValuesText) {
  auto t = Configured(kValue, {{"header.mappings", "list:STRING:l,map:STRING:m"}});
  SinkRecord in = MakeRecord(nullptr, MapOf({}));
  in.headers.Add("list", SchemaBuilder::Array(nullptr).Build(),
                 Value(Array{Value("x"), Value(1), Value(2.5)}));
  in.headers.Add("map", SchemaBuilder::Map(Schema::String(), Schema::Int8()).Build(),
                 MapOf({{"a", Value(1)}}));
  Value out = ApplyOk(*t, in).value;
  EXPECT_EQ(*out.MapEntry("l"), Value("[\"x\",1,2.5]"));
  EXPECT_EQ(*out.MapEntry("m"), Value("{\"a\":1}"));
}

TEST(HeaderToFieldTest, UnconvertibleHeaderIsADataError) {
  auto t = Configured(kValue, {{"header.mappings", "n:INT32"}});
  SinkRecord in = MakeRecord(nullptr, MapOf({}));
  in.headers.Add("n", Schema::String(), Value("forty"));
  EXPECT_EQ(ApplyError(*t, in),
            "header \"n\": Unable to convert \"forty\" (java.lang.String) to INT32?");
}

TEST(HeaderToFieldTest, TombstonePassesThrough) {
  auto t = Configured(kValue, {{"header.mappings", "ce_type:STRING"}});
  EXPECT_TRUE(ApplyOk(*t, WithCloudEventHeaders(nullptr, Value())).value.is_null());
}

TEST(HeaderToFieldTest, BadMappings) {
  auto t = CreateTransformation("HeaderToField$Value");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->Validate({}),
            (std::vector<ConfigError>{{"header.mappings",
                                       "Missing required configuration \"header.mappings\" which "
                                       "has no default value."}}));
  EXPECT_EQ(
      (*t)->Validate({{"header.mappings", "a,b:FOO,c:BYTES,d:INT32:x:notanumber"}}),
      (std::vector<ConfigError>{
          {"header.mappings",
           "Invalid value a for configuration header.mappings: input must be in "
           "<header>:<schema>[:<field>[:<default>]] format."},
          {"header.mappings",
           "Invalid value b:FOO for configuration header.mappings: Could not find schema for FOO"},
          {"header.mappings",
           "Invalid value c:BYTES for configuration header.mappings: BYTES is not supported"},
          {"header.mappings",
           "Invalid value d:INT32:x:notanumber for configuration header.mappings: default value: "
           "Unable to convert \"notanumber\" (java.lang.String) to INT32?"}}));
  EXPECT_EQ(
      (*t)->Validate({{"header.mappings", "a:STRING:x,b:STRING:x"}}),
      (std::vector<ConfigError>{{"header.mappings",
                                 "Invalid value b:STRING:x for configuration header.mappings: "
                                 "field x is mapped twice"}}));
}

}  // namespace
}  // namespace ferry
