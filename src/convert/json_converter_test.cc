#include "convert/json_converter.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kEnvelopeError[] =
    "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not "
    "contain additional fields. If you are trying to deserialize plain JSON data, set "
    "schemas.enable=false in your converter configuration.";

class JsonConverterTest : public ::testing::Test {
 protected:
  absl::StatusOr<SchemaAndValue> Read(std::string_view json) {
    return converter_.ToConnectData("topic", Headers(), std::string(json));
  }
  std::string Write(const SchemaPtr& schema, const Value& value) {
    absl::StatusOr<std::optional<std::string>> out =
        converter_.FromConnectData("topic", schema, value);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() && *out ? **out : "<none>";
  }
  std::string ReadError(std::string_view json) {
    absl::StatusOr<SchemaAndValue> v = Read(json);
    EXPECT_FALSE(v.ok()) << json;
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(v.status().message());
  }
  void RoundTrip(const SchemaPtr& schema, const Value& value) {
    std::string json = Write(schema, value);
    absl::StatusOr<SchemaAndValue> back = Read(json);
    ASSERT_TRUE(back.ok()) << json << ": " << back.status();
    if (schema) {
      ASSERT_NE(back->schema, nullptr) << json;
      EXPECT_TRUE(back->schema->Equals(*schema))
          << back->schema->DebugString() << " vs " << schema->DebugString();
    } else {
      EXPECT_EQ(back->schema, nullptr);
    }
    EXPECT_EQ(back->value, value) << json << " read back as " << back->value.DebugString();
  }

  JsonConverter converter_;
};

TEST_F(JsonConverterTest, DefaultsRequireTheEnvelope) {
  ASSERT_TRUE(converter_.Configure({}, false).ok());
  EXPECT_EQ(ReadError(R"({"a":1})"), kEnvelopeError);
  EXPECT_EQ(ReadError(R"({"schema":null,"payload":1,"extra":2})"), kEnvelopeError);
  EXPECT_EQ(ReadError(R"([1,2])"), kEnvelopeError);
  EXPECT_EQ(ReadError(""), kEnvelopeError);
}

TEST_F(JsonConverterTest, WritesArrayAndMapSchemasWithoutElementSchemas) {
  // What SimpleHeaderConverter makes of "[1,\"a\"]" and "{\"a\":1,\"b\":\"x\"}".
  EXPECT_EQ(Write(SchemaBuilder::Array(nullptr).Build(), Value(Array{Value(1), Value("a")})),
            R"({"schema":{"type":"array","items":null,"optional":false},"payload":[1,"a"]})");
  EXPECT_EQ(Write(SchemaBuilder::Map(nullptr, nullptr).Build(),
                  Value(Map{{Value("a"), Value(1)}, {Value("b"), Value("x")}})),
            R"({"schema":{"type":"map","keys":null,"values":null,"optional":false},)"
            R"("payload":{"a":1,"b":"x"}})");
}

TEST_F(JsonConverterTest, MalformedJsonUsesConnectsText) {
  EXPECT_THAT(ReadError(R"({"schema":)"),
              StartsWith("Converting byte[] to Kafka Connect data failed due to serialization "
                         "error: "));
}

TEST_F(JsonConverterTest, NullIsATombstone) {
  absl::StatusOr<SchemaAndValue> v = converter_.ToConnectData("t", Headers(), std::nullopt);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->schema, nullptr);
  EXPECT_TRUE(v->value.is_null());
  EXPECT_EQ(*converter_.FromConnectData("t", nullptr, Value()), std::nullopt);
}

TEST_F(JsonConverterTest, PrimitiveWithSchema) {
  absl::StatusOr<SchemaAndValue> v =
      Read(R"({"schema":{"type":"int32","optional":false},"payload":42})");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->schema->Equals(*Schema::Int32()));
  EXPECT_EQ(v->value, Value(42));
  v = Read(R"({"payload":"x","schema":{"type":"string","optional":true}})");  // any order.
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->schema->Equals(*Schema::String(true)));
  EXPECT_EQ(v->value, Value("x"));
}

TEST_F(JsonConverterTest, WritesConnectsEnvelopeAndSchemaText) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .Name("rec")
                         .AddField("a", Schema::Int32())
                         .AddField("b", Schema::String(true))
                         .Build();
  EXPECT_EQ(Write(schema, Value(Struct{schema, {Value(1), Value("x")}})),
            R"({"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"a"},)"
            R"({"type":"string","optional":true,"field":"b"}],"optional":false,"name":"rec"},)"
            R"("payload":{"a":1,"b":"x"}})");
  EXPECT_EQ(
      Write(Schema::Timestamp(), Value(Timestamp{1'500'000})),
      R"({"schema":{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},"payload":1500})");
  EXPECT_EQ(
      Write(Schema::Decimal(2), Value(*Decimal::FromString("1.56"))),
      R"({"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"AJw="})");
  EXPECT_EQ(Write(nullptr, Value("x")), R"({"schema":null,"payload":"x"})");
}

TEST_F(JsonConverterTest, AllTypesRoundTrip) {
  SchemaPtr inner = SchemaBuilder::Struct().Name("inner").AddField("x", Schema::Float64()).Build();
  SchemaPtr schema =
      SchemaBuilder::Struct()
          .Name("com.example.All")
          .Version(3)
          .Doc("every type")
          .AddField("i8", Schema::Int8())
          .AddField("i16", Schema::Int16())
          .AddField("i32", Schema::Int32())
          .AddField("i64", Schema::Int64())
          .AddField("f32", Schema::Float32())
          .AddField("f64", Schema::Float64())
          .AddField("bool", Schema::Boolean())
          .AddField("str", Schema::String())
          .AddField("bytes", Schema::Bytes())
          .AddField("opt", Schema::String(true))
          .AddField("arr", SchemaBuilder::Array(Schema::Int32()).Build())
          .AddField("smap", SchemaBuilder::Map(Schema::String(), Schema::Int64()).Build())
          .AddField("imap", SchemaBuilder::Map(Schema::Int32(), Schema::String()).Build())
          .AddField("inner", inner)
          .AddField("ts", Schema::Timestamp())
          .AddField("date", Schema::Date())
          .AddField("time", Schema::Time())
          .AddField("dec", Schema::Decimal(2))
          .AddField("json", Schema::Json(true))
          .Build();
  Value value(Struct{
      schema,
      {Value(-8), Value(1600), Value(-70000), Value(int64_t{1} << 40), Value(1.5), Value(0.1),
       Value(true), Value("h\"é\n"), Value(Bytes{std::string("\x00\xff", 2)}), Value(),
       Value(Array{Value(1), Value(2)}), Value(Map{{Value("a"), Value(int64_t{1})}}),
       Value(Map{{Value(1), Value("one")}, {Value(2), Value("two")}}),
       Value(Struct{inner, {Value(2.0)}}), Value(Timestamp{1'714'566'896'789'000}),
       Value(Date{19'844}), Value(TimeOfDay{45'296'789'000}), Value(*Decimal::FromString("-12.34")),
       Value(R"({"k":[1]})")}});
  RoundTrip(schema, value);
  ASSERT_TRUE(converter_.Configure({{"decimal.format", "NUMERIC"}}, false).ok());
  RoundTrip(schema, value);
  EXPECT_THAT(Write(schema, value), HasSubstr(R"("dec":-12.34)"));
}

TEST_F(JsonConverterTest, DecimalsAreReadFromBase64OrNumbers) {
  auto read_dec = [&](std::string_view payload) {
    absl::StatusOr<SchemaAndValue> v = Read(absl::StrCat(
        R"({"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":)",
        std::string(payload), "}"));
    EXPECT_TRUE(v.ok()) << payload << ": " << v.status();
    return v.ok() ? v->value.as_decimal().ToString() : "";
  };
  EXPECT_EQ(read_dec(R"("AJw=")"), "1.56");
  EXPECT_EQ(read_dec("1.56"), "1.56");
  EXPECT_EQ(read_dec("1.5"), "1.50");
  EXPECT_EQ(read_dec("-3"), "-3.00");
  EXPECT_EQ(read_dec("1.2e1"), "12.00");
  EXPECT_THAT(
      ReadError(
          R"({"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}},"payload":1.234})"),
      HasSubstr("not exact at scale 2"));
  EXPECT_THAT(
      ReadError(
          R"({"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}},"payload":true})"),
      "Invalid type for Decimal, underlying representation should be numeric or bytes but "
      "was BOOLEAN");
}

TEST_F(JsonConverterTest, LogicalTypeErrorsUseConnectsText) {
  EXPECT_EQ(
      ReadError(
          R"({"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Date"},"payload":"x"})"),
      "Invalid type for Date, underlying representation should be integer but was STRING");
  EXPECT_EQ(
      ReadError(
          R"({"schema":{"type":"int64","name":"org.apache.kafka.connect.data.Timestamp"},"payload":1.5})"),
      "Invalid type for Timestamp, underlying representation should be integral but was "
      "NUMBER");
  EXPECT_EQ(
      ReadError(
          R"({"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Time"},"payload":86400001})"),
      "Kafka Connect Time type should not have any date fields set to non-zero values.");
}

TEST_F(JsonConverterTest, SchemaErrorsUseConnectsText) {
  EXPECT_EQ(ReadError(R"({"schema":{"optional":true},"payload":1})"),
            "Schema must contain 'type' field");
  EXPECT_EQ(ReadError(R"({"schema":{"type":"foo"},"payload":1})"), "Unknown schema type: foo");
  EXPECT_EQ(ReadError(R"({"schema":{"type":"array"},"payload":[]})"),
            "Array schema did not specify the element type");
  EXPECT_EQ(ReadError(R"({"schema":{"type":"map","values":{"type":"int32"}},"payload":{}})"),
            "Map schema did not specify the key type");
  EXPECT_EQ(ReadError(R"({"schema":{"type":"struct","fields":{}},"payload":{}})"),
            "Struct schema's \"fields\" argument is not an array.");
  EXPECT_EQ(ReadError(R"({"schema":{"type":"struct","fields":[{"type":"int32"}]},"payload":{}})"),
            "Struct schema's field name not specified properly");
  EXPECT_EQ(ReadError(R"({"schema":{"type":"int32","parameters":{"a":1}},"payload":1})"),
            "Schema parameters must have string values.");
}

TEST_F(JsonConverterTest, NullsDefaultsAndRequiredFields) {
  EXPECT_EQ(ReadError(R"({"schema":{"type":"int32","optional":false},"payload":null})"),
            "Invalid null value for required INT32 field");
  absl::StatusOr<SchemaAndValue> v =
      Read(R"({"schema":{"type":"int32","optional":false,"default":7},"payload":null})");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->value, Value(7));
  ASSERT_NE(v->schema->default_value(), nullptr);
  // A struct field that is absent takes its default, or null when optional.
  v = Read(
      R"({"schema":{"type":"struct","fields":[{"type":"int32","optional":true,"field":"a"},{"type":"string","optional":false,"default":"d","field":"b"}]},"payload":{}})");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->value.StructField("a")->is_null());
  EXPECT_EQ(*v->value.StructField("b"), Value("d"));

  ASSERT_TRUE(converter_.Configure({{"replace.null.with.default", "false"}}, false).ok());
  v = Read(R"({"schema":{"type":"int32","optional":true,"default":7},"payload":null})");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->value.is_null());
  EXPECT_EQ(converter_.FromConnectData("t", Schema::Int32(), Value()).status().message(),
            "Conversion error: null value for field that is required and has no default value");
}

TEST_F(JsonConverterTest, MismatchedJsonIsRefusedNotCoerced) {
  EXPECT_THAT(ReadError(R"({"schema":{"type":"int32"},"payload":"12"})"),
              "Invalid value for INT32 field: expected an integral JSON number but found STRING");
  EXPECT_THAT(ReadError(R"({"schema":{"type":"int8"},"payload":300})"),
              "Invalid value for INT8 field: 300 is out of range");
  EXPECT_THAT(ReadError(R"({"schema":{"type":"boolean"},"payload":1})"),
              HasSubstr("expected a JSON boolean but found NUMBER"));
  EXPECT_THAT(ReadError(R"({"schema":{"type":"struct","fields":[]},"payload":[1]})"),
              "Structs should be encoded as JSON objects, but found ARRAY");
  EXPECT_THAT(
      ReadError(
          R"({"schema":{"type":"map","keys":{"type":"string"},"values":{"type":"int32"}},"payload":[]})"),
      "Maps with string fields should be encoded as JSON objects, but found ARRAY");
  EXPECT_THAT(
      ReadError(
          R"({"schema":{"type":"map","keys":{"type":"int32"},"values":{"type":"int32"}},"payload":[[1]]})"),
      "Found invalid map entry, expected length 2 but found :1");
  // An integral double is accepted for an integer field, as Connect does.
  absl::StatusOr<SchemaAndValue> v = Read(R"({"schema":{"type":"int64"},"payload":3.0})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value, Value(3));
}

TEST_F(JsonConverterTest, SchemalessReadsPlainJson) {
  ASSERT_TRUE(converter_.Configure({{"schemas.enable", "false"}}, false).ok());
  absl::StatusOr<SchemaAndValue> v =
      Read(R"( {"a": 1, "b": [1.5, "x", true, null], "c": {"d": -2}, "e": 10000000000} )");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->schema, nullptr);
  EXPECT_EQ(v->value,
            Value(Map{{Value("a"), Value(1)},
                      {Value("b"), Value(Array{Value(1.5), Value("x"), Value(true), Value()})},
                      {Value("c"), Value(Map{{Value("d"), Value(-2)}})},
                      {Value("e"), Value(int64_t{10'000'000'000})}}));
  v = Read("42");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value, Value(42));
  v = Read("");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->value.is_null());
  EXPECT_THAT(ReadError("18446744073709551615"), HasSubstr("does not fit INT64"));
}

TEST_F(JsonConverterTest, SchemalessRoundTrips) {
  ASSERT_TRUE(converter_.Configure({{"schemas.enable", "false"}}, false).ok());
  RoundTrip(nullptr, Value(Map{{Value("a"), Value(1.0)},
                               {Value("b"), Value(Array{Value(int64_t{1}), Value("s")})},
                               {Value("c"), Value()}}));
  EXPECT_EQ(Write(nullptr, Value(Map{{Value("a"), Value(1.0)}, {Value("b"), Value(1e21)}})),
            R"({"a":1.0,"b":1e+21})");
  EXPECT_EQ(Write(Schema::Float64(), Value(std::nan(""))), R"("NaN")");
}

TEST_F(JsonConverterTest, IdenticalSchemaTextIsConvertedOnce) {
  constexpr char kRecord[] =
      R"({"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"a"}]},"payload":{"a":1}})";
  absl::StatusOr<SchemaAndValue> a = Read(kRecord);
  absl::StatusOr<SchemaAndValue> b = Read(kRecord);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->schema.get(), b->schema.get());
}

TEST_F(JsonConverterTest, WorksAsHeaderConverter) {
  HeaderConverter& hc = converter_;
  ASSERT_TRUE(hc.Configure({{"schemas.enable", "false"}}).ok());
  absl::StatusOr<SchemaAndValue> v = hc.ToConnectHeader("t", "k", std::string("[1,2]"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value, Value(Array{Value(1), Value(2)}));
  EXPECT_EQ(*hc.FromConnectHeader("t", "k", nullptr, v->value), "[1,2]");
}

TEST(DecimalFromNumberTextTest, ExactRescaling) {
  EXPECT_EQ(DecimalFromNumberText("12.3", 2)->ToString(), "12.30");
  EXPECT_EQ(DecimalFromNumberText("-0.5", 1)->ToString(), "-0.5");
  EXPECT_EQ(DecimalFromNumberText("1.500", 1)->ToString(), "1.5");
  EXPECT_EQ(DecimalFromNumberText("5e-3", 3)->ToString(), "0.005");
  EXPECT_EQ(DecimalFromNumberText("0", 4)->ToString(), "0.0000");
  EXPECT_EQ(DecimalFromNumberText("1200", -2)->ToString(), "1200");
  EXPECT_FALSE(DecimalFromNumberText("1.25", 1));
  EXPECT_FALSE(DecimalFromNumberText("abc", 1));
  EXPECT_FALSE(DecimalFromNumberText("1e", 1));
  // Exponents as far as Java's int: refused or zero, never a huge string.
  EXPECT_FALSE(DecimalFromNumberText("1e2147483647", 2));
  EXPECT_FALSE(DecimalFromNumberText("1e-2147483647", 2));
  EXPECT_EQ(DecimalFromNumberText("0e2147483647", 2)->ToString(), "0.00");
  EXPECT_FALSE(DecimalFromNumberText("1e2147483648", 2));
  EXPECT_EQ(DecimalFromNumberText("-12300e-2", 0)->ToString(), "-123");
}

}  // namespace
}  // namespace ferry
