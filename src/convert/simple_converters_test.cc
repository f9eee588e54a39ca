#include "convert/simple_converters.h"

#include "convert/converter.h"
#include "convert/values.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry {
namespace {

using ::testing::HasSubstr;

TEST(CreateConverterTest, KnowsFullAndSimpleNames) {
  for (std::string_view name :
       {"org.apache.kafka.connect.json.JsonConverter", "JsonConverter",
        "org.apache.kafka.connect.storage.StringConverter", "StringConverter",
        "org.apache.kafka.connect.converters.ByteArrayConverter", "ByteArrayConverter",
        "io.ferry.converters.CloudEventsConverter", "CloudEventsConverter"}) {
    absl::StatusOr<std::unique_ptr<Converter>> c = CreateConverter(name);
    ASSERT_TRUE(c.ok()) << name << ": " << c.status();
    EXPECT_NE(*c, nullptr);
  }
  absl::StatusOr<std::unique_ptr<Converter>> bad =
      CreateConverter("io.confluent.connect.avro.AvroConverter");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(bad.status().message(), HasSubstr("io.confluent.connect.avro.AvroConverter"));
}

TEST(CreateConverterTest, HeaderConverters) {
  for (std::string_view name :
       {"org.apache.kafka.connect.storage.SimpleHeaderConverter", "SimpleHeaderConverter",
        "org.apache.kafka.connect.storage.StringConverter", "ByteArrayConverter",
        "JsonConverter"}) {
    EXPECT_TRUE(CreateHeaderConverter(name).ok()) << name;
  }
  EXPECT_EQ(CreateHeaderConverter("CloudEventsConverter").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(RawKafkaHeadersTest, KeepsExactBytesAndNulls) {
  Headers h = RawKafkaHeaders({{"a", "1.0"}, {"b", std::nullopt}, {"a", "x"}});
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h.all()[0].value, Value(Bytes{"1.0"}));
  EXPECT_TRUE(h.all()[1].value.is_null());
  EXPECT_EQ(h.LastWithName("a")->value, Value(Bytes{"x"}));
}

TEST(StringConverterTest, ReadsUtf8AndNull) {
  StringConverter c;
  ASSERT_TRUE(c.Configure({}, false).ok());
  absl::StatusOr<SchemaAndValue> v = c.ToConnectData("t", Headers(), std::string("héllo"));
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->schema->Equals(*Schema::String(true)));
  EXPECT_EQ(v->value, Value("héllo"));
  v = c.ToConnectData("t", Headers(), std::nullopt);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->value.is_null());
  EXPECT_TRUE(v->schema->optional());
}

TEST(StringConverterTest, InvalidUtf8BecomesReplacementCharacters) {
  StringConverter c;
  absl::StatusOr<SchemaAndValue> v = c.ToConnectData("t", Headers(),
                                                     std::string("a\xff"
                                                                 "b\xc3"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value, Value("a\xEF\xBF\xBD"
                            "b\xEF\xBF\xBD"));
}

TEST(StringConverterTest, WritesValuesAsText) {
  StringConverter c;
  EXPECT_EQ(*c.FromConnectData("t", Schema::String(), Value("x")), "x");
  EXPECT_EQ(*c.FromConnectData("t", Schema::Int32(), Value(42)), "42");
  EXPECT_EQ(*c.FromConnectData("t", nullptr, Value(true)), "true");
  EXPECT_EQ(*c.FromConnectData("t", Schema::String(true), Value()), std::nullopt);
}

TEST(StringConverterTest, OnlyUtf8Encoding) {
  StringConverter c;
  EXPECT_TRUE(c.Configure({{"converter.encoding", "UTF-8"}}, false).ok());
  EXPECT_TRUE(c.Configure({{"converter.encoding", "utf8"}}, true).ok());
  absl::Status s = c.Configure({{"converter.encoding", "ISO-8859-1"}}, false);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("converter.encoding"));
  EXPECT_THAT(s.message(), HasSubstr("UTF-8 only"));
}

TEST(ByteArrayConverterTest, PassesBytesThrough) {
  ByteArrayConverter c;
  ASSERT_TRUE(c.Configure({}, false).ok());
  std::string raw("\x00\x01\xff", 3);
  absl::StatusOr<SchemaAndValue> v = c.ToConnectData("t", Headers(), raw);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->schema->type(), Type::kBytes);
  EXPECT_EQ(v->value, Value(Bytes{raw}));
  EXPECT_EQ(*c.FromConnectData("t", v->schema, v->value), raw);
  EXPECT_EQ(*c.FromConnectData("t", nullptr, Value(Bytes{raw})), raw);
  EXPECT_EQ(*c.FromConnectData("t", nullptr, Value()), std::nullopt);
  EXPECT_TRUE(c.ToConnectData("t", Headers(), std::nullopt)->value.is_null());
}

TEST(ByteArrayConverterTest, RefusesNonBytesWithConnectsText) {
  ByteArrayConverter c;
  EXPECT_EQ(c.FromConnectData("t", Schema::String(), Value("x")).status().message(),
            "Invalid schema type for ByteArrayConverter: STRING");
  EXPECT_EQ(c.FromConnectData("t", nullptr, Value("x")).status().message(),
            "ByteArrayConverter is not compatible with objects of type STRING");
}

SchemaAndValue ParseHeader(std::string_view text) {
  SimpleHeaderConverter c;
  absl::StatusOr<SchemaAndValue> v = c.ToConnectHeader("t", "k", std::string(text));
  EXPECT_TRUE(v.ok()) << v.status();
  return v.value_or(SchemaAndValue{});
}

TEST(SimpleHeaderConverterTest, StringsAndLiterals) {
  SchemaAndValue v = ParseHeader("hello world");
  EXPECT_EQ(v.schema->type(), Type::kString);
  EXPECT_EQ(v.value, Value("hello world"));
  v = ParseHeader("");
  EXPECT_EQ(v.schema->type(), Type::kString);
  EXPECT_EQ(v.value, Value(""));
  v = ParseHeader("null");
  EXPECT_EQ(v.schema, nullptr);
  EXPECT_TRUE(v.value.is_null());
  v = ParseHeader("true");
  EXPECT_EQ(v.schema->type(), Type::kBoolean);
  EXPECT_EQ(v.value, Value(true));
  EXPECT_EQ(ParseHeader("false").value, Value(false));
  EXPECT_EQ(ParseHeader("True").value, Value("True"));
  SimpleHeaderConverter c;
  absl::StatusOr<SchemaAndValue> n = c.ToConnectHeader("t", "k", std::nullopt);
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(n->value.is_null());
}

TEST(SimpleHeaderConverterTest, NumbersTakeTheSmallestExactType) {
  struct Case {
    std::string_view text;
    Type type;
    Value value;
  };
  for (const Case& c : std::vector<Case>{
           {"42", Type::kInt8, Value(42)},
           {"-128", Type::kInt8, Value(-128)},
           {"300", Type::kInt16, Value(300)},
           {"70000", Type::kInt32, Value(70000)},
           {"5000000000", Type::kInt64, Value(int64_t{5'000'000'000})},
           {"1.0", Type::kInt8, Value(1)},  // Connect reads "1.0" as an integer.
           {"1e3", Type::kInt16, Value(1000)},
           {"+7", Type::kInt8, Value(7)},
           {"1.5", Type::kFloat32, Value(1.5)},
           {"-0.25", Type::kFloat32, Value(-0.25)},
           {"1e39", Type::kFloat64, Value(1e39)},
       }) {
    SchemaAndValue v = ParseHeader(c.text);
    ASSERT_NE(v.schema, nullptr) << c.text;
    EXPECT_EQ(v.schema->type(), c.type) << c.text;
    EXPECT_EQ(v.value, c.value) << c.text;
  }
  SchemaAndValue big = ParseHeader("99999999999999999999");
  EXPECT_TRUE(big.schema->IsLogical(logical::kDecimal));
  EXPECT_EQ(big.value.as_decimal().ToString(), "99999999999999999999");
}

TEST(SimpleHeaderConverterTest, Temporals) {
  SchemaAndValue ts = ParseHeader("2024-05-01T12:34:56.789Z");
  EXPECT_TRUE(ts.schema->IsLogical(logical::kTimestamp));
  EXPECT_EQ(ts.value, Value(Timestamp{1'714'566'896'789'000}));
  SchemaAndValue date = ParseHeader("2024-05-01");
  EXPECT_TRUE(date.schema->IsLogical(logical::kDate));
  EXPECT_EQ(date.value, Value(Date{19'844}));
  SchemaAndValue time = ParseHeader("12:34:56.789Z");
  EXPECT_TRUE(time.schema->IsLogical(logical::kTime));
  EXPECT_EQ(time.value, Value(TimeOfDay{45'296'789'000}));
  // Not exactly Connect's patterns: plain strings.
  EXPECT_EQ(ParseHeader("2024-05-01T12:34:56Z").schema->type(), Type::kString);
  EXPECT_EQ(ParseHeader("2023-02-29").schema->type(), Type::kString);
}

TEST(SimpleHeaderConverterTest, EverythingElseStaysText) {
  for (std::string_view text : {"12abc", "[1,2", "{a:1}", "1.2.3", "-", "e5", "0x10"}) {
    SchemaAndValue v = ParseHeader(text);
    ASSERT_NE(v.schema, nullptr) << text;
    EXPECT_EQ(v.schema->type(), Type::kString) << text;
    EXPECT_EQ(v.value, Value(std::string(text)));
  }
}

TEST(SimpleHeaderConverterTest, WritesTextThatReadsBack) {
  SimpleHeaderConverter c;
  for (const SchemaAndValue& in : std::vector<SchemaAndValue>{
           {Schema::String(), Value("abc")},
           {Schema::Int8(), Value(42)},
           {Schema::Int64(), Value(int64_t{5'000'000'000})},
           {Schema::Boolean(), Value(true)},
           {Schema::Timestamp(), Value(Timestamp{1'714'566'896'789'000})},
           {Schema::Date(), Value(Date{19'844})},
           {Schema::Time(), Value(TimeOfDay{45'296'789'000})},
           {Schema::Float32(), Value(1.5)},
       }) {
    absl::StatusOr<std::optional<std::string>> bytes =
        c.FromConnectHeader("t", "k", in.schema, in.value);
    ASSERT_TRUE(bytes.ok());
    SchemaAndValue back = ParseHeader(**bytes);
    EXPECT_EQ(back.value, in.value) << **bytes;
  }
  EXPECT_EQ(*c.FromConnectHeader("t", "k", nullptr, Value()), std::nullopt);
}

TEST(SimpleHeaderConverterTest, ArrayAndMapLiterals) {
  SchemaAndValue array = ParseHeader("[1,2]");
  EXPECT_EQ(array.schema->DebugString(), "ARRAY[INT8]");
  EXPECT_EQ(array.value, Value(Array{Value(1), Value(2)}));
  SchemaAndValue map = ParseHeader("{\"a\":1}");
  EXPECT_EQ(map.schema->DebugString(), "MAP<STRING,INT8>");
  EXPECT_EQ(map.value, Value(Map{{Value("a"), Value(1)}}));
}

TEST(StringConverterTest, WritesAStructAsStructToString) {
  StringConverter c;
  SchemaPtr s = SchemaBuilder::Struct()
                    .AddField("a", Schema::Int32())
                    .AddField("b", Schema::String(true))
                    .Build();
  EXPECT_EQ(*c.FromConnectData("t", s, Value(Struct{s, {Value(1), Value()}})), "Struct{a=1}");
}

}  // namespace
}  // namespace ferry
