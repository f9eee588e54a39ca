#include <cmath>
#include <limits>

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

constexpr char kValue[] = "org.apache.kafka.connect.transforms.Cast$Value";
constexpr char kKey[] = "org.apache.kafka.connect.transforms.Cast$Key";
constexpr int64_t kMicrosPerMs = 1000;
constexpr int64_t kMillisPerDay = 86400000;

// Casts one schemaless value as a whole.
Value CastWhole(const std::string& type, const Value& v) {
  auto t = Configured(kValue, {{"spec", type}});
  return ApplyOk(*t, MakeRecord(nullptr, v)).value;
}

// Casts one field of a one-field struct with `schema`.
Value CastField(const std::string& type, SchemaPtr schema, const Value& v) {
  auto t = Configured(kValue, {{"spec", "f:" + type}});
  SchemaPtr s = SchemaBuilder::Struct().AddField("f", std::move(schema)).Build();
  SinkRecord out = ApplyOk(*t, MakeRecord(s, StructBuilder(s).Put("f", v).Build()));
  EXPECT_EQ(ValidateValue(*out.value_schema, out.value), "");
  return *out.value.StructField("f");
}

std::string CastFieldError(const std::string& type, SchemaPtr schema, const Value& v) {
  auto t = Configured(kValue, {{"spec", "f:" + type}});
  SchemaPtr s = SchemaBuilder::Struct().AddField("f", std::move(schema)).Build();
  return ApplyError(*t, MakeRecord(s, StructBuilder(s).Put("f", v).Build()));
}

TEST(CastTest, ConfigErrors) {
  EXPECT_EQ(ConfigureError(kValue, {}),
            "spec: Missing required configuration \"spec\" which has no default value.");
  EXPECT_EQ(ConfigureError(kValue, {{"spec", ""}}),
            "spec: Must specify at least one field to cast.");
  EXPECT_EQ(ConfigureError(kValue, {{"spec", "foo:faketype"}}),
            "spec: Invalid type found in casting spec: faketype");
  EXPECT_EQ(ConfigureError(kValue, {{"spec", "faketype"}}),
            "spec: No enum constant org.apache.kafka.connect.data.Schema.Type.FAKETYPE");
  EXPECT_EQ(ConfigureError(kValue, {{"spec", "foo:array"}}),
            "spec: Cast transformation does not support casting to ARRAY; supported types are "
            "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]");
  EXPECT_EQ(ConfigureError(kValue, {{"spec", "bytes"}}),
            "spec: Cast transformation does not support casting to BYTES; supported types are "
            "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]");
  EXPECT_EQ(ConfigureError(kValue, {{"spec", "a:int8, foo:int8:extra"}}),
            "spec: Invalid value [a:int8, foo:int8:extra] for configuration renames: Invalid "
            "rename mapping: foo:int8:extra");
  EXPECT_EQ(ConfigureError(kValue, {{"spec", "foo:int8,int32"}}),
            "spec: Cast transformations that specify a type to cast the entire value to may ony "
            "specify a single cast in their spec");
  EXPECT_EQ(ConfigureError(kValue, {{"spec", "int8"}, {"replace.null.with.default", "x"}}),
            "replace.null.with.default: Invalid value x for configuration "
            "replace.null.with.default: Expected value to be either true or false");
  // Type names are case-insensitive and trimmed.
  EXPECT_NE(Configured(kValue, {{"spec", " a : Int64 "}}), nullptr);
}

TEST(CastTest, WholeValueSchemaless) {
  EXPECT_EQ(CastWhole("int8", Value(42)), Value(42));
  EXPECT_EQ(CastWhole("int8", Value(300)), Value(44));  // Long.byteValue wraps.
  EXPECT_EQ(CastWhole("int32", Value("42")), Value(42));
  EXPECT_EQ(CastWhole("int64", Value(true)), Value(1));
  EXPECT_EQ(CastWhole("float32", Value(0.1)), Value(static_cast<double>(0.1f)));
  EXPECT_EQ(CastWhole("float64", Value(42)), Value(42.0));
  EXPECT_EQ(CastWhole("boolean", Value(42)), Value(true));
  EXPECT_EQ(CastWhole("boolean", Value(0.5)), Value(false));  // longValue() != 0
  EXPECT_EQ(CastWhole("boolean", Value("TRUE")), Value(true));
  EXPECT_EQ(CastWhole("boolean", Value("yes")), Value(false));
  EXPECT_EQ(CastWhole("string", Value(42)), Value("42"));
  EXPECT_EQ(CastWhole("string", Value(Bytes{"hello"})), Value("aGVsbG8="));
  EXPECT_EQ(CastWhole("string", Value(false)), Value("false"));

  auto t = Configured(kValue, {{"spec", "int32"}});
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, MapOf({{"a", Value(1)}}))),
            "Cast transformation does not support casting from MAP; supported types are [INT8, "
            "INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]");
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, Value(Array{Value(1)}))),
            "Cast transformation does not support casting from ARRAY; supported types are [INT8, "
            "INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]");
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, Value(Timestamp{0}))),
            "Cast transformation was passed a value of type class java.util.Date which is not "
            "supported by Connect's data API");
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, Value(*Decimal::FromString("1.5")))),
            "Cast transformation was passed a value of type class java.math.BigDecimal which is "
            "not supported by Connect's data API");
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, Value(Bytes{"x"}))),
            "Unexpected type in Cast transformation: class [B");
}

TEST(CastTest, StringParsingAndRange) {
  auto int8 = Configured(kValue, {{"spec", "int8"}});
  EXPECT_EQ(ApplyError(*int8, MakeRecord(nullptr, Value("300"))),
            "Value (300) was out of range for requested data type");
  EXPECT_EQ(ApplyError(*int8, MakeRecord(nullptr, Value("foo"))),
            "Value (foo) was out of range for requested data type");
  EXPECT_EQ(ApplyError(*int8, MakeRecord(nullptr, Value(" 1"))),  // parseByte does not trim
            "Value ( 1) was out of range for requested data type");
  EXPECT_EQ(CastWhole("int8", Value("-128")), Value(-128));
  EXPECT_EQ(CastWhole("int64", Value("+9223372036854775807")),
            Value(std::numeric_limits<int64_t>::max()));
  auto int32 = Configured(kValue, {{"spec", "int32"}});
  EXPECT_EQ(ApplyError(*int32, MakeRecord(nullptr, Value("1.5"))),
            "Value (1.5) was out of range for requested data type");
  // Double.parseDouble trims and takes Java's literal forms.
  EXPECT_EQ(CastWhole("float64", Value(" 1.5 ")), Value(1.5));
  EXPECT_EQ(CastWhole("float64", Value("1.5f")), Value(1.5));
  EXPECT_EQ(CastWhole("float64", Value("0x1p3")), Value(8.0));
  EXPECT_EQ(CastWhole("float64", Value("-Infinity")),
            Value(-std::numeric_limits<double>::infinity()));
  EXPECT_TRUE(std::isnan(CastWhole("float32", Value("NaN")).as_float()));
  auto f64 = Configured(kValue, {{"spec", "float64"}});
  EXPECT_EQ(ApplyError(*f64, MakeRecord(nullptr, Value("inf"))),
            "Value (inf) was out of range for requested data type");
  EXPECT_EQ(ApplyError(*f64, MakeRecord(nullptr, Value("1e"))),
            "Value (1e) was out of range for requested data type");
}

TEST(CastTest, FloatingNarrowingAndPrinting) {
  EXPECT_EQ(CastWhole("int32", Value(1e20)), Value(std::numeric_limits<int32_t>::max()));
  EXPECT_EQ(CastWhole("int8", Value(1e20)), Value(-1));  // (byte) Integer.MAX_VALUE
  EXPECT_EQ(CastWhole("int16", Value(-1.9)), Value(-1));
  EXPECT_EQ(CastWhole("int64", Value(std::nan(""))), Value(0));
  EXPECT_EQ(CastWhole("string", Value(1e10)), Value("1.0E10"));
  EXPECT_EQ(CastWhole("string", Value(1234567.0)), Value("1234567.0"));
  EXPECT_EQ(CastWhole("string", Value(12345678.9)), Value("1.23456789E7"));
  EXPECT_EQ(CastWhole("string", Value(0.001)), Value("0.001"));
  EXPECT_EQ(CastWhole("string", Value(0.0001)), Value("1.0E-4"));
  EXPECT_EQ(CastWhole("string", Value(100.0)), Value("100.0"));
  EXPECT_EQ(CastWhole("string", Value(-0.0)), Value("-0.0"));
  EXPECT_EQ(CastWhole("string", Value(0.1 + 0.2)), Value("0.30000000000000004"));
  EXPECT_EQ(CastWhole("string", Value(std::numeric_limits<double>::infinity())), Value("Infinity"));
  // A FLOAT32 field prints as Float.toString.
  EXPECT_EQ(CastField("string", Schema::Float32(), Value(static_cast<double>(0.1f))), Value("0.1"));
  EXPECT_EQ(CastField("string", Schema::Float64(), Value(static_cast<double>(0.1f))),
            Value("0.10000000149011612"));
}

TEST(CastTest, FieldsSchemaless) {
  auto t = Configured(
      kValue, {{"spec",
                "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,"
                "boolean:int8,string:int32,absent:string"}});
  Value in = MapOf({{"int8", Value(8)},
                    {"int16", Value(16)},
                    {"int32", Value(32)},
                    {"int64", Value(64)},
                    {"float32", Value(32.0)},
                    {"float64", Value(64.0)},
                    {"boolean", Value(true)},
                    {"string", Value("42")},
                    {"timestamp", Value(Timestamp{0})}});
  SinkRecord out = ApplyOk(*t, MakeRecord(nullptr, in));
  EXPECT_EQ(out.value_schema, nullptr);
  EXPECT_EQ(out.value, MapOf({{"int8", Value(8)},
                              {"int16", Value(16)},
                              {"int32", Value(32)},
                              {"int64", Value(true)},
                              {"float32", Value(32.0)},
                              {"float64", Value(true)},
                              {"boolean", Value(1)},
                              {"string", Value(42)},
                              {"timestamp", Value(Timestamp{0})},
                              // Kafka's HashMap.put adds a missing field as null.
                              {"absent", Value()}}));
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, Value("x"))),
            "Only Map objects supported in absence of schema for [cast types], found: "
            "java.lang.String");
}

SchemaPtr AllTypesSchema() {
  return SchemaBuilder::Struct()
      .Name("rec")
      .Version(2)
      .AddField("int8", Schema::Int8())
      .AddField("int16", Schema::Int16())
      .AddField("int32", Schema::Int32())
      .AddField("int64", Schema::Int64())
      .AddField("float32", Schema::Float32())
      .AddField("float64", Schema::Float64())
      .AddField("boolean", Schema::Boolean())
      .AddField("string", Schema::String())
      .AddField("bigdecimal", Schema::Decimal(0))
      .AddField("date", Schema::Date())
      .AddField("optional", Schema::Float32(true))
      .AddField("timestamp", Schema::Timestamp())
      .AddField("untouched", Schema::String())
      .Build();
}

TEST(CastTest, FieldsWithSchema) {
  auto t = Configured(
      kValue, {{"spec",
                "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,"
                "boolean:int8,string:int32,bigdecimal:string,date:string,optional:int32,"
                "timestamp:int64"}});
  SchemaPtr schema = AllTypesSchema();
  Value in = StructBuilder(schema)
                 .Put("int8", Value(8))
                 .Put("int16", Value(16))
                 .Put("int32", Value(32))
                 .Put("int64", Value(64))
                 .Put("float32", Value(32.0))
                 .Put("float64", Value(-64.0))
                 .Put("boolean", Value(true))
                 .Put("string", Value("42"))
                 .Put("bigdecimal", Value(*Decimal::FromString("42")))
                 .Put("date", Value(Date{1}))
                 .Put("timestamp", Value(Timestamp{testing::kTimestampMs * kMicrosPerMs + 456}))
                 .Put("untouched", Value("x"))
                 .Build();
  SinkRecord out = ApplyOk(*t, MakeRecord(schema, in));
  EXPECT_EQ(out.value_schema->DebugString(),
            "STRUCT(rec){int8:INT16,int16:INT32,int32:INT64,int64:BOOLEAN,float32:FLOAT64,"
            "float64:BOOLEAN,boolean:INT8,string:INT32,bigdecimal:STRING,date:STRING,"
            "optional:INT32?,timestamp:INT64,untouched:STRING}");
  EXPECT_EQ(out.value_schema->version(), 2);
  EXPECT_EQ(out.value.DebugString(),
            "Struct{int8=8,int16=16,int32=32,int64=true,float32=32,float64=true,boolean=1,"
            "string=42,bigdecimal=\"42\",date=\"1970-01-02\",optional=null,"
            "timestamp=1700000000123,untouched=\"x\"}");
  EXPECT_EQ(ValidateValue(*out.value_schema, out.value), "");
  // The derived schema is cached: the same schema object for the next record.
  SinkRecord again = ApplyOk(*t, MakeRecord(schema, in));
  EXPECT_EQ(again.value_schema, out.value_schema);
}

TEST(CastTest, LogicalToPrimitive) {
  EXPECT_EQ(CastField("int32", Schema::Date(), Value(Date{1})), Value(1));
  EXPECT_EQ(CastField("int64", Schema::Timestamp(), Value(Timestamp{-1})), Value(-1));  // floor
  EXPECT_EQ(CastField("int64", Schema::Time(), Value(TimeOfDay{3600000000})), Value(3600000));
  EXPECT_EQ(CastField("float64", Schema::Timestamp(),
                      Value(Timestamp{testing::kTimestampMs * kMicrosPerMs})),
            Value(static_cast<double>(testing::kTimestampMs)));
  EXPECT_EQ(CastField("boolean", Schema::Date(), Value(Date{0})), Value(false));
  // Integer.MAX_VALUE + 1 as a decimal narrows to Integer.MIN_VALUE.
  EXPECT_EQ(CastField("int32", Schema::Decimal(0), Value(*Decimal::FromString("2147483648"))),
            Value(std::numeric_limits<int32_t>::min()));
  EXPECT_EQ(CastField("int64", Schema::Decimal(2), Value(*Decimal::FromString("-12.99"))),
            Value(-12));
  EXPECT_EQ(CastField("float64", Schema::Decimal(2), Value(*Decimal::FromString("-12.25"))),
            Value(-12.25));
  EXPECT_EQ(CastField("boolean", Schema::Decimal(2), Value(*Decimal::FromString("0.50"))),
            Value(false));
  EXPECT_EQ(CastField("int32", Schema::Int64(true), Value()), Value());
}

TEST(CastTest, LogicalToString) {
  EXPECT_EQ(CastField("string", Schema::Date(), Value(Date{1})), Value("1970-01-02"));
  EXPECT_EQ(CastField("string", Schema::Date(), Value(Date{19675})), Value("2023-11-14"));
  // Values.dateFormatFor: anything before the second day prints as a time.
  EXPECT_EQ(CastField("string", Schema::Date(), Value(Date{0})), Value("00:00:00.000Z"));
  EXPECT_EQ(CastField("string", Schema::Time(), Value(TimeOfDay{3600000000})),
            Value("01:00:00.000Z"));
  EXPECT_EQ(CastField("string", Schema::Timestamp(),
                      Value(Timestamp{testing::kTimestampMs * kMicrosPerMs + 999})),
            Value("2023-11-14T22:13:20.123Z"));
  EXPECT_EQ(CastField("string", Schema::Timestamp(), Value(Timestamp{kMillisPerDay * 1000 * 3})),
            Value("1970-01-04"));
  EXPECT_EQ(CastField("string", Schema::Timestamp(), Value(Timestamp{-1000})),
            Value("23:59:59.999Z"));
  // BigDecimal.toString.
  EXPECT_EQ(CastField("string", Schema::Decimal(2), Value(*Decimal::FromString("-12.30"))),
            Value("-12.30"));
  EXPECT_EQ(CastField("string", Schema::Decimal(-2), Value(Decimal{std::string(1, '\x0c'), -2})),
            Value("1.2E+3"));
  EXPECT_EQ(CastField("string", Schema::Decimal(10), Value(Decimal{std::string(1, '\x01'), 10})),
            Value("1E-10"));
  EXPECT_EQ(CastField("string", Schema::Decimal(7), Value(Decimal{std::string(1, '\x01'), 7})),
            Value("1E-7"));
  EXPECT_EQ(CastField("string", Schema::Decimal(6), Value(Decimal{std::string(1, '\x01'), 6})),
            Value("0.000001"));
  EXPECT_EQ(CastField("string", Schema::Bytes(), Value(Bytes{std::string("\x00\xff", 2)})),
            Value("AP8="));
}

TEST(CastTest, FieldErrorsWithSchema) {
  EXPECT_EQ(CastFieldError("int32", Schema::Bytes(), Value(Bytes{"x"})),
            "Unexpected type in Cast transformation: class [B");
  EXPECT_EQ(CastFieldError("string", SchemaBuilder::Array(Schema::Int32()).Build(),
                           Value(Array{Value(1)})),
            "Cast transformation does not support casting from ARRAY; supported types are [INT8, "
            "INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]");
  EXPECT_EQ(CastFieldError("int8", Schema::String(), Value("x")),
            "Value (x) was out of range for requested data type");

  auto t = Configured(kValue, {{"spec", "a:int8"}});
  EXPECT_EQ(ApplyError(*t, MakeRecord(Schema::String(), Value("x"))),
            "Cannot list fields on non-struct type");
  SchemaPtr s = SchemaBuilder::Struct().AddField("a", Schema::Int32()).Build();
  EXPECT_EQ(ApplyError(*t, MakeRecord(s, Value("x"))),
            "Only Struct objects supported for [cast types], found: java.lang.String");
  // A struct schema with a default cannot be rebuilt: Kafka casts the default
  // too, and STRUCT is no cast input type.
  SchemaPtr with_default = SchemaBuilder::Struct()
                               .AddField("a", Schema::Int32())
                               .Optional()
                               .Default(StructBuilder(s).Put("a", Value(1)).Build())
                               .Build();
  EXPECT_EQ(ApplyError(*t, MakeRecord(with_default,
                                      StructBuilder(with_default).Put("a", Value(2)).Build())),
            "Cast transformation does not support casting from STRUCT; supported types are [INT8, "
            "INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]");
}

TEST(CastTest, WholeValueWithSchema) {
  auto t = Configured(kValue, {{"spec", "int32"}});
  SchemaPtr f32 = SchemaBuilder(Type::kFloat32).Default(Value(-42.125)).Build();
  SinkRecord out = ApplyOk(*t, MakeRecord(f32, Value(42.125)));
  EXPECT_EQ(out.value_schema->type(), Type::kInt32);
  EXPECT_EQ(out.value, Value(42));
  ASSERT_NE(out.value_schema->default_value(), nullptr);
  EXPECT_EQ(*out.value_schema->default_value(), Value(-42));

  auto to_string = Configured(kValue, {{"spec", "string"}});
  SinkRecord ts = ApplyOk(*to_string, MakeRecord(Schema::Timestamp(true),
                                                 Value(Timestamp{kMillisPerDay * 1000 + 1000000})));
  EXPECT_EQ(ts.value, Value("1970-01-02T00:00:01.000Z"));
  // SchemaUtil.copySchemaBasics keeps the name (and parameters) of the
  // original schema, as Kafka does.
  EXPECT_EQ(ts.value_schema->DebugString(), "STRING(org.apache.kafka.connect.data.Timestamp)?");

  SchemaPtr st = SchemaBuilder::Struct().AddField("a", Schema::Int32()).Build();
  EXPECT_EQ(ApplyError(*t, MakeRecord(st, StructBuilder(st).Put("a", Value(1)).Build())),
            "Cast transformation does not support casting from STRUCT; supported types are [INT8, "
            "INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]");
}

TEST(CastTest, DefaultsAndReplaceNullWithDefault) {
  SchemaPtr with_default = SchemaBuilder(Type::kInt64).Optional().Default(Value(7)).Build();
  SchemaPtr schema =
      SchemaBuilder::Struct().AddField("a", with_default).AddField("b", with_default).Build();
  Value v = StructBuilder(schema).Put("a", Value()).Put("b", Value()).Build();
  auto replace = Configured(kValue, {{"spec", "a:string"}});
  SinkRecord out = ApplyOk(*replace, MakeRecord(schema, v));
  EXPECT_EQ(out.value_schema->DebugString(), "STRUCT{a:STRING?,b:INT64?}");
  EXPECT_EQ(*out.value_schema->FindField("a")->schema->default_value(), Value("7"));
  EXPECT_EQ(out.value.DebugString(), "Struct{a=\"7\",b=7}");

  auto keep = Configured(kValue, {{"spec", "a:string"}, {"replace.null.with.default", "false"}});
  EXPECT_EQ(ApplyOk(*keep, MakeRecord(schema, v)).value.DebugString(), "Struct{a=null,b=null}");

  // Struct.put refuses null for a required field.
  SchemaPtr required_default = SchemaBuilder(Type::kInt64).Default(Value(7)).Build();
  SchemaPtr strict = SchemaBuilder::Struct().AddField("a", required_default).Build();
  EXPECT_EQ(ApplyError(*keep, MakeRecord(strict, StructBuilder(strict).Put("a", Value()).Build())),
            "Invalid value: null used for required field: \"a\", schema type: STRING");
  EXPECT_EQ(ApplyOk(*replace, MakeRecord(strict, StructBuilder(strict).Put("a", Value()).Build()))
                .value.DebugString(),
            "Struct{a=\"7\"}");
}

TEST(CastTest, TombstonesAndKey) {
  auto t = Configured(kValue, {{"spec", "int8"}});
  SinkRecord tombstone = MakeRecord(Schema::Int64(true), Value());
  SinkRecord out = ApplyOk(*t, tombstone);
  EXPECT_TRUE(out.value.is_null());
  EXPECT_EQ(out.value_schema, tombstone.value_schema);
  EXPECT_TRUE(ApplyOk(*t, MakeRecord(nullptr, Value())).value.is_null());

  auto key = Configured(kKey, {{"spec", "int64"}});
  SinkRecord in = MakeRecord(nullptr, MapOf({{"x", Value(1)}}));
  in.key = Value("123");
  SinkRecord k = ApplyOk(*key, in);
  EXPECT_EQ(k.key, Value(123));
  EXPECT_EQ(k.key_schema->type(), Type::kInt64);
  EXPECT_EQ(k.value, in.value);
  auto short_name = CreateTransformation("Cast$Value");
  EXPECT_TRUE(short_name.ok());
}

TEST(CastTest, FieldNamesWithDotsAreTopLevel) {
  // Kafka 3.8/3.9's Cast has no field.syntax.version: a dotted name is a
  // top-level field.
  auto t = Configured(kValue, {{"spec", "a.b:int32"}});
  SinkRecord out = ApplyOk(*t, MakeRecord(nullptr, MapOf({{"a.b", Value("5")}})));
  EXPECT_EQ(out.value, MapOf({{"a.b", Value(5)}}));
}

}  // namespace
}  // namespace ferry
