// Expected texts: "[orig]" marks a string taken from the original's own test
// (Record2JsonStringConverterTest), adapted only where noted; "[bson]" marks
// text derived from mongo-java-driver's converters for the mode (named in the
// comment); "[java17]" marks output of Java 17 on this machine (Double.toString,
// java.util.HashMap iteration order, java.time).

#include <cmath>
#include <limits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "transform/transform_test_util.h"

namespace ferry {
namespace {

using testing::ApplyError;
using testing::ApplyOk;
using testing::Configured;
using testing::ConfigureError;
using testing::MakeRecord;
using testing::Snapshot;

constexpr char kValue[] = "com.github.cedelsb.kafka.connect.smt.Record2JsonStringConverter$Value";
constexpr char kKey[] = "Record2JsonStringConverter$Key";

constexpr int32_t kDec3Days = 19329;                       // 2022-12-03
constexpr int64_t kDec3NoonMicros = 1670068800000 * 1000;  // 2022-12-03T12:00:00Z

Decimal Dec(std::string_view text) { return *Decimal::FromString(text); }

// The original test's simpleStructSchema / simpleStruct. Adapted: its
// simpleTime holds java.util.Date 2022-12-03T00:00Z (a Time with a date part,
// which ferry's TimeOfDay cannot carry); here it is midnight, epoch 0.
SchemaPtr SimpleSchema() {
  SchemaPtr nested = SchemaBuilder::Struct()
                         .Name("nestedElement")
                         .Version(1)
                         .AddField("entry", Schema::String())
                         .Build();
  return SchemaBuilder::Struct()
      .Name("testSchema")
      .Version(1)
      .AddField("simpleString", Schema::String())
      .AddField("simpleBoolean", Schema::Boolean())
      .AddField("simpleFLOAT32", Schema::Float32())
      .AddField("simpleFLOAT64", Schema::Float64())
      .AddField("simpleInt8", Schema::Int8())
      .AddField("simpleInt16", Schema::Int16())
      .AddField("simpleInt32", Schema::Int32())
      .AddField("simpleInt64", Schema::Int64())
      .AddField("simpleBytes", Schema::Bytes())
      .AddField("optionalBoolean", Schema::Boolean(true))
      .AddField("optionalString", Schema::String(true))
      .AddField("optionalFloat", Schema::Float32(true))
      .AddField("optionalInt", Schema::Int64(true))
      .AddField("optionalBytes", Schema::Bytes(true))
      .AddField("nestedArray", SchemaBuilder::Array(nested).Build())
      .AddField("simpleDate", Schema::Date())
      .AddField("simpleTime", Schema::Time())
      .AddField("simpleTimestamp", Schema::Timestamp())
      .AddField("simpleDecimal", Schema::Decimal(0))
      .Build();
}

Value SimpleStruct(const SchemaPtr& schema) {
  SchemaPtr nested = schema->FindField("nestedArray")->schema->value_schema();
  Array entries = {StructBuilder(nested).Put("entry", Value("testEntry")).Build(),
                   StructBuilder(nested).Put("entry", Value("testEntry2")).Build()};
  return StructBuilder(schema)
      .Put("simpleString", Value("TestString"))
      .Put("simpleBoolean", Value(true))
      .Put("simpleFLOAT32", Value(1.0))
      .Put("simpleFLOAT64", Value(2.0))
      .Put("simpleInt8", Value(8))
      .Put("simpleInt16", Value(2))
      .Put("simpleInt32", Value(3))
      .Put("simpleInt64", Value(int64_t{4}))
      .Put("simpleBytes", Value(Bytes{"Kafka rocks!"}))
      .Put("nestedArray", Value(entries))
      .Put("simpleDate", Value(Date{kDec3Days}))
      .Put("simpleTime", Value(TimeOfDay{0}))
      .Put("simpleTimestamp", Value(Timestamp{kDec3NoonMicros}))
      .Put("simpleDecimal", Value(Dec("12345.6789")))
      .Build();
}

std::string JsonOf(Transformation& t, SchemaPtr schema, Value value) {
  SinkRecord out = ApplyOk(t, MakeRecord(std::move(schema), std::move(value)));
  if (out.value.kind() != Value::Kind::kStruct) return "<not a struct>";
  return out.value.as_struct().values.at(0).as_string();
}

std::string Convert(const Transformation::Props& props, SchemaPtr schema, Value value) {
  auto t = Configured(kValue, props);
  return JsonOf(*t, std::move(schema), std::move(value));
}

std::string Simple(const Transformation::Props& props) {
  SchemaPtr schema = SimpleSchema();
  return Convert(props, schema, SimpleStruct(schema));
}

constexpr char kCommon[] = R"("simpleString": "TestString", "simpleBoolean": true, )";
constexpr char kNulls[] =
    R"("optionalBoolean": null, "optionalString": null, "optionalFloat": null, "optionalInt": null, "optionalBytes": null, "nestedArray": [{"entry": "testEntry"}, {"entry": "testEntry2"}], )";

TEST(Record2JsonStringTest, RelaxedIsTheDefault) {
  // [orig] transformRecordValue2JsonStringTest (simpleTime adapted, see above).
  EXPECT_EQ(
      Simple({{"json.string.field.name", "myawesomejsonstringfield"}}),
      absl::StrCat(
          "{", kCommon,
          R"("simpleFLOAT32": 1.0, "simpleFLOAT64": 2.0, "simpleInt8": 8, "simpleInt16": 2, "simpleInt32": 3, "simpleInt64": 4, "simpleBytes": {"$binary": {"base64": "S2Fma2Egcm9ja3Mh", "subType": "00"}}, )",
          kNulls,
          R"("simpleDate": {"$date": "2022-12-03T00:00:00Z"}, "simpleTime": {"$date": "1970-01-01T00:00:00Z"}, "simpleTimestamp": {"$date": "2022-12-03T12:00:00Z"}, "simpleDecimal": {"$numberDecimal": "12345.6789"}})"));
  // An unknown mode is RELAXED (the original's switch default); so is a
  // lower-case one (the switch is case-sensitive).
  EXPECT_EQ(Simple({{"json.writer.output.mode", "strict"}}), Simple({}));
}

TEST(Record2JsonStringTest, OutputRecord) {
  auto t = Configured(kValue, {{"json.string.field.name", "myawesomejsonstringfield"}});
  SchemaPtr schema = SimpleSchema();
  SinkRecord in = MakeRecord(schema, SimpleStruct(schema));
  SinkRecord out = ApplyOk(*t, in);
  EXPECT_EQ(out.value_schema->DebugString(),
            "STRUCT(jsonStringSchema){myawesomejsonstringfield:STRING}");
  EXPECT_EQ(out.value_schema->version(), 1);
  EXPECT_EQ(ValidateValue(*out.value_schema, out.value), "");
  EXPECT_EQ(out.key, in.key);
  EXPECT_EQ(out.key_schema, in.key_schema);
  EXPECT_EQ(out.topic, in.topic);
  EXPECT_EQ(out.offset, in.offset);
  EXPECT_EQ(out.timestamp_ms, in.timestamp_ms);
  // The default field name.
  auto d = Configured(kValue, {});
  EXPECT_EQ(ApplyOk(*d, in).value_schema->DebugString(),
            "STRUCT(jsonStringSchema){jsonstring:STRING}");
}

TEST(Record2JsonStringTest, Extended) {
  // [orig] transformRecordValue2JsonStringEXTENDEDModeTest (simpleTime adapted).
  EXPECT_EQ(
      Simple({{"json.writer.output.mode", "EXTENDED"}}),
      absl::StrCat(
          "{", kCommon,
          R"("simpleFLOAT32": {"$numberDouble": "1.0"}, "simpleFLOAT64": {"$numberDouble": "2.0"}, "simpleInt8": {"$numberInt": "8"}, "simpleInt16": {"$numberInt": "2"}, "simpleInt32": {"$numberInt": "3"}, "simpleInt64": {"$numberLong": "4"}, "simpleBytes": {"$binary": {"base64": "S2Fma2Egcm9ja3Mh", "subType": "00"}}, )",
          kNulls,
          R"("simpleDate": {"$date": {"$numberLong": "1670025600000"}}, "simpleTime": {"$date": {"$numberLong": "0"}}, "simpleTimestamp": {"$date": {"$numberLong": "1670068800000"}}, "simpleDecimal": {"$numberDecimal": "12345.6789"}})"));
}

TEST(Record2JsonStringTest, Strict) {
  // [orig] transformRecordValue2JsonStringSTRICTModeTest (simpleTime adapted).
  EXPECT_EQ(
      Simple({{"json.writer.output.mode", "STRICT"}}),
      absl::StrCat(
          "{", kCommon,
          R"("simpleFLOAT32": 1.0, "simpleFLOAT64": 2.0, "simpleInt8": 8, "simpleInt16": 2, "simpleInt32": 3, "simpleInt64": {"$numberLong": "4"}, "simpleBytes": {"$binary": "S2Fma2Egcm9ja3Mh", "$type": "00"}, )",
          kNulls,
          R"("simpleDate": {"$date": 1670025600000}, "simpleTime": {"$date": 0}, "simpleTimestamp": {"$date": 1670068800000}, "simpleDecimal": {"$numberDecimal": "12345.6789"}})"));
}

TEST(Record2JsonStringTest, Shell) {
  // [bson] JsonWriterSettings for SHELL: JsonInt32Converter, ShellInt64Converter
  // (NumberLong(n) within int range), JsonDoubleConverter, ShellBinaryConverter
  // (new BinData(type, "base64")), ShellDateTimeConverter (ISODate("...") with
  // SimpleDateFormat yyyy-MM-dd'T'HH:mm:ss.SSS'Z' in UTC), ShellDecimal128Converter.
  EXPECT_EQ(
      Simple({{"json.writer.output.mode", "SHELL"}}),
      absl::StrCat(
          "{", kCommon,
          R"("simpleFLOAT32": 1.0, "simpleFLOAT64": 2.0, "simpleInt8": 8, "simpleInt16": 2, "simpleInt32": 3, "simpleInt64": NumberLong(4), "simpleBytes": new BinData(0, "S2Fma2Egcm9ja3Mh"), )",
          kNulls,
          R"("simpleDate": ISODate("2022-12-03T00:00:00.000Z"), "simpleTime": ISODate("1970-01-01T00:00:00.000Z"), "simpleTimestamp": ISODate("2022-12-03T12:00:00.000Z"), "simpleDecimal": NumberDecimal("12345.6789")})"));
}

TEST(Record2JsonStringTest, LogicalTypesAsLong) {
  // [orig] transformRecordValue2JsonStringLogicalTypesDatetimeAsLongTest.
  std::string expected = absl::StrCat(
      "{", kCommon,
      R"("simpleFLOAT32": 1.0, "simpleFLOAT64": 2.0, "simpleInt8": 8, "simpleInt16": 2, "simpleInt32": 3, "simpleInt64": 4, "simpleBytes": {"base64": "S2Fma2Egcm9ja3Mh"}, )",
      kNulls,
      R"("simpleDate": 1670025600000, "simpleTime": 0, "simpleTimestamp": 1670068800000, "simpleDecimal": 12345.6789})");
  EXPECT_EQ(Simple({{"json.writer.handle.logical.types", "true"},
                    {"json.writer.datetime.logical.types.as", "LONG"}}),
            expected);
  // LONG is the default.
  EXPECT_EQ(Simple({{"json.writer.handle.logical.types", "true"}}), expected);
}

std::string LogicalAsString(const std::string& dates) {
  return absl::StrCat(
      "{", kCommon,
      R"("simpleFLOAT32": 1.0, "simpleFLOAT64": 2.0, "simpleInt8": 8, "simpleInt16": 2, "simpleInt32": 3, "simpleInt64": 4, "simpleBytes": {"base64": "S2Fma2Egcm9ja3Mh"}, )",
      kNulls, dates, R"(, "simpleDecimal": 12345.6789})");
}

TEST(Record2JsonStringTest, LogicalTypesAsString) {
  Transformation::Props props = {{"json.writer.handle.logical.types", "true"},
                                 {"json.writer.datetime.logical.types.as", "string"}};
  // [orig] ...LogicalTypesDatetimeAsStringTest: ISO_INSTANT in UTC.
  EXPECT_EQ(
      Simple(props),
      LogicalAsString(
          R"("simpleDate": "2022-12-03T00:00:00Z", "simpleTime": "1970-01-01T00:00:00Z", "simpleTimestamp": "2022-12-03T12:00:00Z")"));
  // [orig] ...WithZoneIdTest: ISO_INSTANT ignores the zone.
  props["json.writer.datetime.zoneid"] = "Europe/Zurich";
  EXPECT_EQ(
      Simple(props),
      LogicalAsString(
          R"("simpleDate": "2022-12-03T00:00:00Z", "simpleTime": "1970-01-01T00:00:00Z", "simpleTimestamp": "2022-12-03T12:00:00Z")"));
  // [orig] ...WithDefinedPatternAndZoneIdTest.
  props["json.writer.datetime.pattern"] = "ISO_DATE_TIME";
  props["json.writer.datetime.zoneid"] = "CET";
  EXPECT_EQ(
      Simple(props),
      LogicalAsString(
          R"("simpleDate": "2022-12-03T01:00:00+01:00[CET]", "simpleTime": "1970-01-01T01:00:00+01:00[CET]", "simpleTimestamp": "2022-12-03T13:00:00+01:00[CET]")"));
  // [orig] ...WithPatternAndZoneIdTest.
  props["json.writer.datetime.pattern"] = "dd.MM.yyyy HH:mm z";
  EXPECT_EQ(
      Simple(props),
      LogicalAsString(
          R"("simpleDate": "03.12.2022 01:00 CET", "simpleTime": "01.01.1970 01:00 CET", "simpleTimestamp": "03.12.2022 13:00 CET")"));
  // [java17] an offset zone and a pattern with quotes.
  props["json.writer.datetime.pattern"] = "uuuu-MM-dd'T'HH:mm:ss.SSSXXX";
  props["json.writer.datetime.zoneid"] = "+05:30";
  EXPECT_EQ(
      Simple(props),
      LogicalAsString(
          R"("simpleDate": "2022-12-03T05:30:00.000+05:30", "simpleTime": "1970-01-01T05:30:00.000+05:30", "simpleTimestamp": "2022-12-03T17:30:00.000+05:30")"));
}

TEST(Record2JsonStringTest, LogicalTypesInEveryMode) {
  // [bson] the overridden converters are the same in every mode.
  Transformation::Props props = {{"json.writer.handle.logical.types", "true"}};
  std::string relaxed = Simple(props);
  props["json.writer.output.mode"] = "SHELL";
  std::string shell = Simple(props);
  EXPECT_TRUE(absl::StrContains(shell, R"("simpleBytes": {"base64": "S2Fma2Egcm9ja3Mh"})"))
      << shell;
  EXPECT_TRUE(absl::StrContains(shell, R"("simpleDecimal": 12345.6789})")) << shell;
  EXPECT_TRUE(absl::StrContains(shell, R"("simpleInt64": NumberLong(4))")) << shell;
  EXPECT_TRUE(absl::StrContains(relaxed, R"("simpleDate": 1670025600000)")) << relaxed;
}

TEST(Record2JsonStringTest, Key) {
  // [orig] transformRecordKey2JsonStringTest.
  auto t = Configured(kKey, {{"json.string.field.name", "myawesomejsonstringfield"}});
  SchemaPtr schema = SchemaBuilder::Struct()
                         .Name("testSchema")
                         .Version(1)
                         .AddField("simpleString", Schema::String())
                         .AddField("simpleBoolean", Schema::Boolean())
                         .Build();
  SinkRecord in = MakeRecord(Schema::String(), Value("value"));
  in.key_schema = schema;
  in.key = StructBuilder(schema)
               .Put("simpleString", Value("TestString"))
               .Put("simpleBoolean", Value(true))
               .Build();
  SinkRecord out = ApplyOk(*t, in);
  EXPECT_EQ(out.key_schema->DebugString(),
            "STRUCT(jsonStringSchema){myawesomejsonstringfield:STRING}");
  EXPECT_EQ(out.key.as_struct().values[0].as_string(),
            R"({"simpleString": "TestString", "simpleBoolean": true})");
  EXPECT_EQ(out.value, Value("value"));
  EXPECT_EQ(out.value_schema, in.value_schema);
}

TEST(Record2JsonStringTest, TombstonesAndSchemalessPassUnchanged) {
  // [orig] handleTombstoneRecord; schemaless parts are logged and returned.
  auto t = Configured(kValue, {});
  SchemaPtr schema = SimpleSchema();
  SinkRecord tombstone = MakeRecord(schema, Value());
  EXPECT_EQ(Snapshot(ApplyOk(*t, tombstone)), Snapshot(tombstone));
  SinkRecord schemaless = MakeRecord(nullptr, testing::MapOf({{"a", Value(1)}}));
  EXPECT_EQ(Snapshot(ApplyOk(*t, schemaless)), Snapshot(schemaless));
  // $Key looks at the key only: a null key passes, whatever the value.
  auto k = Configured(kKey, {});
  SinkRecord null_key = MakeRecord(schema, SimpleStruct(schema));
  null_key.key = Value();
  EXPECT_EQ(Snapshot(ApplyOk(*k, null_key)), Snapshot(null_key));
  // A string key with a schema is not a Struct: requireStruct.
  EXPECT_EQ(ApplyError(*k, MakeRecord(schema, SimpleStruct(schema))),
            "Only Struct objects supported for [Converting record with Schema into a simple JSON "
            "String], found: java.lang.String");
}

TEST(Record2JsonStringTest, Doubles) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("a", Schema::Float64())
                         .AddField("b", Schema::Float64())
                         .AddField("c", Schema::Float64())
                         .AddField("d", Schema::Float64())
                         .AddField("e", Schema::Float64())
                         .AddField("f", Schema::Float64())
                         .AddField("g", Schema::Float32())
                         .AddField("h", Schema::Float64())
                         .Build();
  const double inf = std::numeric_limits<double>::infinity();
  Value v = Value(Struct{schema,
                         {Value(1.0), Value(1e21), Value(1.0e-5), Value(std::nan("")), Value(inf),
                          Value(-inf), Value(static_cast<double>(0.1f)), Value(-0.0)}});
  // [java17] Double.toString: 1.0, 1.0E21, 1.0E-5, NaN, Infinity, -Infinity,
  // (double) 0.1f = 0.10000000149011612, -0.0.
  // [bson] RELAXED: RelaxedExtendedJsonDoubleConverter (NaN / infinities as
  // $numberDouble); EXTENDED: ExtendedJsonDoubleConverter; STRICT and SHELL:
  // JsonDoubleConverter, writeNumber(Double.toString) even for NaN.
  EXPECT_EQ(
      Convert({}, schema, v),
      R"({"a": 1.0, "b": 1.0E21, "c": 1.0E-5, "d": {"$numberDouble": "NaN"}, "e": {"$numberDouble": "Infinity"}, "f": {"$numberDouble": "-Infinity"}, "g": 0.10000000149011612, "h": -0.0})");
  EXPECT_EQ(
      Convert({{"json.writer.output.mode", "EXTENDED"}}, schema, v),
      R"({"a": {"$numberDouble": "1.0"}, "b": {"$numberDouble": "1.0E21"}, "c": {"$numberDouble": "1.0E-5"}, "d": {"$numberDouble": "NaN"}, "e": {"$numberDouble": "Infinity"}, "f": {"$numberDouble": "-Infinity"}, "g": {"$numberDouble": "0.10000000149011612"}, "h": {"$numberDouble": "-0.0"}})");
  std::string bare =
      R"({"a": 1.0, "b": 1.0E21, "c": 1.0E-5, "d": NaN, "e": Infinity, "f": -Infinity, "g": 0.10000000149011612, "h": -0.0})";
  EXPECT_EQ(Convert({{"json.writer.output.mode", "STRICT"}}, schema, v), bare);
  EXPECT_EQ(Convert({{"json.writer.output.mode", "SHELL"}}, schema, v), bare);
}

TEST(Record2JsonStringTest, Integers) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("i8", Schema::Int8())
                         .AddField("small", Schema::Int64())
                         .AddField("big", Schema::Int64())
                         .Build();
  Value v =
      Value(Struct{schema, {Value(-8), Value(int64_t{-2147483648}), Value(int64_t{12345678901})}});
  // [bson] ShellInt64Converter: NumberLong(n) within int range, else NumberLong("n").
  EXPECT_EQ(Convert({{"json.writer.output.mode", "SHELL"}}, schema, v),
            R"({"i8": -8, "small": NumberLong(-2147483648), "big": NumberLong("12345678901")})");
  EXPECT_EQ(
      Convert({{"json.writer.output.mode", "EXTENDED"}}, schema, v),
      R"({"i8": {"$numberInt": "-8"}, "small": {"$numberLong": "-2147483648"}, "big": {"$numberLong": "12345678901"}})");
}

TEST(Record2JsonStringTest, StringEscapes) {
  SchemaPtr schema = SchemaBuilder::Struct().AddField("k\"\n", Schema::String()).Build();
  // U+00E9, NUL, U+001F, " \ / \b \f \n \r \t, DEL, soft hyphen U+00AD, an
  // emoji (U+1F600, a surrogate pair), U+4E2D.
  Value v = Value(Struct{schema,
                         {Value("\xC3\xA9" + std::string(1, '\0') +
                                "\x1f\"\\/\b\f\n\r\t\x7f\xC2\xAD\xF0\x9F\x98\x80\xE4\xB8\xAD")}});
  // [bson] StrictCharacterStreamJsonWriter.writeStringHelper: the seven
  // short escapes, then \u + four lower-case hex digits for the code units
  // whose Character.getType is not one it writes as is (json_escape_table.inc,
  // generated from Java 17: Cc, Cf, Cs, Co, Cn, Mn, Me, Mc, Lm, Zl, Zp).
  EXPECT_EQ(Convert({}, schema, v),
            "{\"k\\\"\\n\": \"\xC3\xA9\\u0000\\u001f\\\"\\\\/\\b\\f\\n\\r\\t\\u007f\\u00ad"
            "\\ud83d\\ude00\xE4\xB8\xAD\"}");
}

TEST(Record2JsonStringTest, NestedStructsArraysMaps) {
  SchemaPtr inner = SchemaBuilder::Struct().AddField("x", Schema::Int32()).Build();
  SchemaPtr schema =
      SchemaBuilder::Struct()
          .AddField("inner", inner)
          .AddField("nullInner",
                    SchemaBuilder::Struct().AddField("x", Schema::Int32()).Optional().Build())
          .AddField("matrix",
                    SchemaBuilder::Array(SchemaBuilder::Array(Schema::Int32()).Build()).Build())
          .AddField("map", SchemaBuilder::Map(Schema::String(), Schema::Int32()).Build())
          .AddField(
              "mapOfArrays",
              SchemaBuilder::Map(Schema::String(), SchemaBuilder::Array(Schema::String()).Build())
                  .Build())
          .AddField("mapOfStructs", SchemaBuilder::Map(Schema::String(), inner).Build())
          .AddField("nullArray", SchemaBuilder::Array(Schema::Int32()).Optional().Build())
          .AddField("nullMap",
                    SchemaBuilder::Map(Schema::String(), Schema::Int32()).Optional().Build())
          .AddField("empty", SchemaBuilder::Struct().Build())
          .Build();
  Value x1 = Value(Struct{inner, {Value(1)}});
  Map m;
  for (std::string_view k : {"a", "zz", "b", "key10", "key2", "Aa", "BB", "\xC3\xA9"}) {
    m.emplace_back(Value(k), Value(1));
  }
  Map arrays = {{Value("l"), Value(Array{Value("p"), Value("q")})}};
  Map structs = {{Value("s"), x1}};
  Value v =
      Value(Struct{schema,
                   {x1, Value(), Value(Array{Value(Array{Value(1), Value(2)}), Value(Array{})}),
                    Value(m), Value(arrays), Value(structs), Value(), Value(),
                    Value(Struct{schema->FindField("empty")->schema, {}})}});
  // [java17] a HashMap filled with a, zz, b, key10, key2, Aa, BB, é iterates
  // [zz, Aa, BB, a, key2, b, é, key10] (Aa and BB share a hash).
  EXPECT_EQ(
      Convert({}, schema, v),
      R"({"inner": {"x": 1}, "nullInner": null, "matrix": [[1, 2], []], "map": {"zz": 1, "Aa": 1, "BB": 1, "a": 1, "key2": 1, "b": 1, "é": 1, "key10": 1}, "mapOfArrays": {"l": ["p", "q"]}, "mapOfStructs": {"s": {"x": 1}}, "nullArray": null, "nullMap": null, "empty": {}})");
}

TEST(Record2JsonStringTest, LargeMapsIterateInResizedHashMapOrder) {
  SchemaPtr schema =
      SchemaBuilder::Struct()
          .AddField("m", SchemaBuilder::Map(Schema::String(), Schema::Int32()).Build())
          .Build();
  Map m;
  for (int i = 0; i < 14; ++i) m.emplace_back(Value(absl::StrCat("k", i)), Value(i));
  // [java17] 14 entries resize the table to 32 buckets:
  // [k0, k1, k2, k3, k4, k5, k11, k6, k10, k7, k13, k8, k12, k9].
  EXPECT_EQ(
      Convert({}, schema, Value(Struct{schema, {Value(m)}})),
      R"({"m": {"k0": 0, "k1": 1, "k2": 2, "k3": 3, "k4": 4, "k5": 5, "k11": 11, "k6": 6, "k10": 10, "k7": 7, "k13": 13, "k8": 8, "k12": 12, "k9": 9}})");
}

TEST(Record2JsonStringTest, NullsDefaultsAndRequiredFields) {
  // [orig's converter] SinkFieldConverter.toBson: Struct.get gives the field
  // default; an optional field without data takes its default, else null; a
  // required one without data fails (primitive fields wrapped in "error while
  // processing field", logical ones not).
  SchemaPtr schema =
      SchemaBuilder::Struct()
          .AddField("withDefault",
                    SchemaBuilder(Type::kString).Optional().Default(Value("dflt")).Build())
          .AddField("requiredWithDefault", SchemaBuilder(Type::kInt32).Default(Value(7)).Build())
          .AddField("optionalArray", SchemaBuilder::Array(Schema::Int32()).Optional().Build())
          .Build();
  Value v = Value(Struct{schema, {Value(), Value(), Value(Array{Value(1), Value()})}});
  EXPECT_EQ(Convert({}, schema, v),
            R"({"withDefault": "dflt", "requiredWithDefault": 7, "optionalArray": [1, null]})");

  auto t = Configured(kValue, {});
  SchemaPtr required = SchemaBuilder::Struct().AddField("s", Schema::String()).Build();
  EXPECT_EQ(ApplyError(*t, MakeRecord(required, Value(Struct{required, {Value()}}))),
            "error while processing field s: error: schema not optional but data was null");
  SchemaPtr logical = SchemaBuilder::Struct().AddField("ts", Schema::Timestamp()).Build();
  EXPECT_EQ(ApplyError(*t, MakeRecord(logical, Value(Struct{logical, {Value()}}))),
            "error: schema not optional but data was null");
  // Array elements take the (required) array schema's optionality.
  SchemaPtr array = SchemaBuilder::Struct()
                        .AddField("a", SchemaBuilder::Array(Schema::Int32(true)).Build())
                        .Build();
  EXPECT_EQ(ApplyError(*t, MakeRecord(array, Value(Struct{array, {Value(Array{Value()})}}))),
            "error while processing field a: error: schema not optional but data was null");
  // A map of maps fails (toBsonDoc on a MAP schema).
  SchemaPtr maps =
      SchemaBuilder::Struct()
          .AddField(
              "m", SchemaBuilder::Map(Schema::String(),
                                      SchemaBuilder::Map(Schema::String(), Schema::Int32()).Build())
                       .Build())
          .Build();
  Map inner = {{Value("k"), Value(1)}};
  Map outer = {{Value("o"), Value(inner)}};
  EXPECT_EQ(ApplyError(*t, MakeRecord(maps, Value(Struct{maps, {Value(outer)}}))),
            "error while processing field m: Cannot list fields on non-struct type");
}

TEST(Record2JsonStringTest, DateTimesOutsideRelaxedRange) {
  SchemaPtr schema = SchemaBuilder::Struct().AddField("ts", Schema::Timestamp()).Build();
  auto at = [&](int64_t ms) { return Value(Struct{schema, {Value(Timestamp{ms * 1000})}}); };
  // [bson] RelaxedExtendedJsonDateTimeConverter: $date as ISO_OFFSET_DATE_TIME
  // text for 0..253402300799999, else the EXTENDED {"$numberLong": ...} form.
  EXPECT_EQ(Convert({}, schema, at(-1)), R"({"ts": {"$date": {"$numberLong": "-1"}}})");
  EXPECT_EQ(Convert({}, schema, at(1688212800100)),
            R"({"ts": {"$date": "2023-07-01T12:00:00.1Z"}})");
  // [bson] ShellDateTimeConverter: new Date(n) outside its ISODate range.
  EXPECT_EQ(Convert({{"json.writer.output.mode", "SHELL"}}, schema, at(253399536000001)),
            R"({"ts": new Date(253399536000001)})");
  EXPECT_EQ(Convert({{"json.writer.output.mode", "SHELL"}}, schema, at(-1)),
            R"({"ts": ISODate("1969-12-31T23:59:59.999Z")})");
}

TEST(Record2JsonStringTest, Decimal128Text) {
  SchemaPtr schema = SchemaBuilder::Struct().AddField("d", Schema::Decimal(2)).Build();
  auto with = [&](std::string unscaled, int scale) {
    return Value(Struct{schema, {Value(Decimal{std::move(unscaled), scale})}});
  };
  // [bson] Decimal128.toString: plain when exponent <= 0 and adjusted
  // exponent >= -6, else scientific with an explicit '+'.
  EXPECT_EQ(Convert({}, schema, with("\xFF\x6A", 2)), R"({"d": {"$numberDecimal": "-1.50"}})");
  EXPECT_EQ(Convert({}, schema, with("\x01", 6)), R"({"d": {"$numberDecimal": "0.000001"}})");
  EXPECT_EQ(Convert({}, schema, with("\x01", 7)), R"({"d": {"$numberDecimal": "1E-7"}})");
  EXPECT_EQ(Convert({}, schema, with("\x0c", -1)), R"({"d": {"$numberDecimal": "1.2E+2"}})");
  EXPECT_EQ(Convert({}, schema, with("\x00", 2)), R"({"d": {"$numberDecimal": "0.00"}})");
  EXPECT_EQ(Convert({{"json.writer.handle.logical.types", "true"}}, schema, with("\x0c", -1)),
            R"({"d": 1.2E+2})");
}

TEST(Record2JsonStringTest, ConfigErrors) {
  // [orig] transformRecordValue2JsonStringLogicalTypesDatetimeAsWRONGVLAUETest.
  EXPECT_EQ(ConfigureError(kValue, {{"json.writer.handle.logical.types", "true"},
                                    {"json.writer.datetime.logical.types.as", "wrong value"}}),
            "json.writer.datetime.logical.types.as: Wrong value for configuration setting: "
            "json.writer.datetime.logical.types.as=wrong value");
  // Read only with handle.logical.types=true, as the original.
  Configured(kValue, {{"json.writer.datetime.logical.types.as", "wrong value"},
                      {"json.writer.datetime.zoneid", "Nowhere/Land"}});
  // [java17] ZoneId.of's messages.
  Transformation::Props as_string = {{"json.writer.handle.logical.types", "true"},
                                     {"json.writer.datetime.logical.types.as", "STRING"}};
  Transformation::Props p = as_string;
  p["json.writer.datetime.zoneid"] = "Europe/Nowhere";
  EXPECT_EQ(ConfigureError(kValue, p),
            "json.writer.datetime.zoneid: Invalid value Europe/Nowhere for configuration "
            "json.writer.datetime.zoneid: Unknown time-zone ID: Europe/Nowhere");
  p["json.writer.datetime.zoneid"] = "+1:0";
  EXPECT_EQ(ConfigureError(kValue, p),
            "json.writer.datetime.zoneid: Invalid value +1:0 for configuration "
            "json.writer.datetime.zoneid: Invalid ID for ZoneOffset, invalid format: +1:0");
  // [java17] ofPattern's message; and a letter ferry does not implement.
  p = as_string;
  p["json.writer.datetime.pattern"] = "dddd";
  EXPECT_EQ(ConfigureError(kValue, p),
            "json.writer.datetime.pattern: Invalid value dddd for configuration "
            "json.writer.datetime.pattern: Too many pattern letters: d");
  p["json.writer.datetime.pattern"] = "yyyy QQQ";
  EXPECT_TRUE(
      absl::StrContains(ConfigureError(kValue, p),
                        "ferry does not implement the DateTimeFormatter pattern letter 'Q'"));
  // post.processing.to.xml=true is refused; false is accepted.
  EXPECT_EQ(ConfigureError(kValue, {{"post.processing.to.xml", "true"}}),
            "post.processing.to.xml: Invalid value true for configuration post.processing.to.xml: "
            "ferry cannot convert the JSON to XML (the original uses underscore-java's "
            "U.jsonToXml); set it to false");
  Configured(kValue, {{"post.processing.to.xml", "false"}});
}

TEST(Record2JsonStringTest, UnformattableDateFailsTheRecord) {
  // [java17] BASIC_ISO_DATE prints the year in exactly four digits.
  auto t = Configured(kValue, {{"json.writer.handle.logical.types", "true"},
                               {"json.writer.datetime.logical.types.as", "STRING"},
                               {"json.writer.datetime.pattern", "BASIC_ISO_DATE"}});
  SchemaPtr schema = SchemaBuilder::Struct().AddField("ts", Schema::Timestamp()).Build();
  EXPECT_EQ(JsonOf(*t, schema, Value(Struct{schema, {Value(Timestamp{kDec3NoonMicros})}})),
            R"({"ts": "20221203Z"})");
  EXPECT_EQ(
      ApplyError(*t, MakeRecord(schema,
                                Value(Struct{
                                    schema, {Value(Timestamp{int64_t{253402300800000} * 1000})}}))),
      "Fail to convert offset 253402300800000 to JSON date: Field Year cannot be printed as "
      "the value 10000 exceeds the maximum print width of 4");
}

}  // namespace
}  // namespace ferry
