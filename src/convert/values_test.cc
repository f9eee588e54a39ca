#include "convert/values.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "convert/simple_converters.h"
#include "gtest/gtest.h"

// Golden tests for Values.parseString / convertToString, ported from Kafka
// 3.8's ValuesTest and SimpleHeaderConverterTest, plus ferry's documented
// differences.
namespace ferry {
namespace {

// "<schema> <value>" of what Values.parseString makes of `text`; "null null"
// for Java's null.
std::string Parsed(std::string_view text) {
  SchemaAndValue v = ParseValueString(text);
  return absl::StrCat(v.schema ? v.schema->DebugString() : "null", " ", v.value.DebugString());
}

std::string Text(std::string_view text) {
  return absl::StrCat("STRING ", Value(text).DebugString());
}

constexpr char kWhitespace[] = "\n \t \t\n";

TEST(ParseValueStringTest, NullEmptyAndBooleanLiterals) {
  EXPECT_EQ(Parsed(""), "STRING \"\"");
  EXPECT_EQ(Parsed("null"), "null null");
  EXPECT_EQ(Parsed(absl::StrCat(kWhitespace, "null", kWhitespace)), "null null");
  EXPECT_EQ(Parsed(absl::StrCat(kWhitespace, "true", kWhitespace)), "BOOLEAN true");
  EXPECT_EQ(Parsed(absl::StrCat(kWhitespace, "false", kWhitespace)), "BOOLEAN false");
  // A literal must be the whole text.
  EXPECT_EQ(Parsed("null="), Text("null="));
  EXPECT_EQ(Parsed("true}"), Text("true}"));
  EXPECT_EQ(Parsed("false]"), Text("false]"));
  EXPECT_EQ(Parsed("True"), Text("True"));
  // KAFKA-10574: U+FFFF is text, not the end of the input.
  EXPECT_EQ(Parsed("\xEF\xBF\xBF"), Text("\xEF\xBF\xBF"));
}

TEST(ParseValueStringTest, PlainTextStaysText) {
  for (std::string_view text : {"  ",
                                "simple",
                                "simple string",
                                "simple \n\t\bstring",
                                "'simple' string",
                                "si\\mple",
                                "si\\\\mple",
                                "si\\\"mple",
                                "si\\{mple",
                                "si\\:mple",
                                "si\\,mple",
                                "three\"blind\\\"mice",
                                "string with delimiters: <>?,./\\=+-!@#$%^&*(){}[]|;':",
                                "\"quoted\"",
                                "12abc",
                                "1.2.3",
                                "-",
                                "e5",
                                "0x10",
                                "1e+-5",
                                "1e2147483648"}) {
    EXPECT_EQ(Parsed(text), Text(text)) << text;
  }
}

TEST(ParseValueStringTest, IntegersTakeTheSmallestType) {
  EXPECT_EQ(Parsed("127"), "INT8 127");
  EXPECT_EQ(Parsed("-128"), "INT8 -128");
  EXPECT_EQ(Parsed("32767"), "INT16 32767");
  EXPECT_EQ(Parsed("-32768"), "INT16 -32768");
  EXPECT_EQ(Parsed("2147483647"), "INT32 2147483647");
  EXPECT_EQ(Parsed("-2147483648"), "INT32 -2147483648");
  EXPECT_EQ(Parsed("9223372036854775807"), "INT64 9223372036854775807");
  EXPECT_EQ(Parsed("-9223372036854775808"), "INT64 -9223372036854775808");
  // Integral values in any notation (shouldParseFractionalPartsAsInteger…).
  EXPECT_EQ(Parsed("1.0"), "INT8 1");
  EXPECT_EQ(Parsed("-0.0"), "INT8 0");
  EXPECT_EQ(Parsed("1e3"), "INT16 1000");
  EXPECT_EQ(Parsed("1.50e1"), "INT8 15");
  EXPECT_EQ(Parsed("+7"), "INT8 7");
  EXPECT_EQ(Parsed(" 42 "), "INT8 42");
}

TEST(ParseValueStringTest, OtherNumbersAreFloatsOrDecimals) {
  SchemaAndValue f = ParseValueString("3.4028235E38");  // Float.MAX_VALUE
  EXPECT_EQ(f.schema->type(), Type::kFloat32);
  EXPECT_EQ(f.value, Value(static_cast<double>(3.4028235E38f)));
  EXPECT_EQ(ParseValueString("-3.4028235E38").value, Value(static_cast<double>(-3.4028235E38f)));
  EXPECT_EQ(ParseValueString("1.1").value, Value(static_cast<double>(1.1f)));
  SchemaAndValue d = ParseValueString("1.7976931348623157E308");  // Double.MAX_VALUE
  EXPECT_EQ(d.schema->type(), Type::kFloat64);
  EXPECT_EQ(d.value, Value(1.7976931348623157E308));
  EXPECT_EQ(Parsed("-1.7976931348623157E308").substr(0, 8), "FLOAT64 ");
  // 1e19 is past Long.MAX_VALUE but has a scale: a float.
  EXPECT_EQ(ParseValueString("1e19").value, Value(static_cast<double>(1e19f)));
  // Underflow is a float zero, as BigDecimal.floatValue.
  EXPECT_EQ(Parsed("1e-400"), "FLOAT32 0");
  // Integers beyond INT64 (scale 0) and numbers beyond a double are Decimals.
  SchemaAndValue big = ParseValueString("9223372036854775808");
  EXPECT_TRUE(big.schema->Equals(*Schema::Decimal(0)));
  EXPECT_EQ(big.value.as_decimal().ToString(), "9223372036854775808");
  EXPECT_EQ(ParseValueString("-9223372036854775809").value.as_decimal().ToString(),
            "-9223372036854775809");
  SchemaAndValue huge = ParseValueString("1.5e400");
  EXPECT_TRUE(huge.schema->Equals(*Schema::Decimal(-399)));
  EXPECT_EQ(ValueToString(huge.schema, huge.value), "1.5E+400");
}

TEST(ParseValueStringTest, Temporals) {
  const std::string ts = Value(Timestamp{1'566'570'894'346'000}).DebugString();
  const std::string date = Value(Date{18'131}).DebugString();
  const std::string time = Value(TimeOfDay{52'494'346'000}).DebugString();
  const std::string ts_schema = Schema::Timestamp()->DebugString();
  const std::string date_schema = Schema::Date()->DebugString();
  const std::string time_schema = Schema::Time()->DebugString();
  EXPECT_EQ(Parsed("2019-08-23T14:34:54.346Z"), absl::StrCat(ts_schema, " ", ts));
  EXPECT_EQ(Parsed("2019-08-23"), absl::StrCat(date_schema, " ", date));
  EXPECT_EQ(Parsed("14:34:54.346Z"), absl::StrCat(time_schema, " ", time));
  EXPECT_EQ(Parsed("2019-08-23T14\\:34\\:54.346Z"), absl::StrCat(ts_schema, " ", ts));
  EXPECT_EQ(Parsed("14\\:34\\:54.346Z"), absl::StrCat(time_schema, " ", time));
  // In arrays and maps, quoted or not.
  EXPECT_EQ(Parsed("[2019-08-23]"), absl::StrCat("ARRAY[", date_schema, "] [", date, "]"));
  EXPECT_EQ(Parsed("[14:34:54.346Z]"), absl::StrCat("ARRAY[", time_schema, "] [", time, "]"));
  EXPECT_EQ(Parsed("[2019-08-23T14:34:54.346Z]"),
            absl::StrCat("ARRAY[", ts_schema, "] [", ts, "]"));
  EXPECT_EQ(
      Parsed("[2019-08-23T14:34:54.346Z,2019-01-23T15:12:34.567Z,   2019-04-23T19:12:34.567Z]"),
      absl::StrCat("ARRAY[", ts_schema, "] [", ts, ",",
                   Value(Timestamp{1'548'256'354'567'000}).DebugString(), ",",
                   Value(Timestamp{1'556'046'754'567'000}).DebugString(), "]"));
  EXPECT_EQ(Parsed("{\"k1\":\"14:34:54.346Z\"}"),
            absl::StrCat("MAP<STRING,", time_schema, "> {\"k1\":", time, "}"));
  EXPECT_EQ(Parsed("{\"k1\":14:34:54.346Z}"),
            absl::StrCat("MAP<STRING,", time_schema, "> {\"k1\":", time, "}"));
}

TEST(ParseValueStringTest, Arrays) {
  EXPECT_EQ(Parsed("[]"), "ARRAY[null] []");
  EXPECT_EQ(Parsed("[null]"), "ARRAY[null] [null]");
  EXPECT_EQ(Parsed("[true, false]"), "ARRAY[BOOLEAN] [true,false]");
  EXPECT_EQ(Parsed("[\"foo\",\"bar\"]"), "ARRAY[STRING] [\"foo\",\"bar\"]");
  EXPECT_EQ(Parsed("[1234567890,-987654321]"), "ARRAY[INT32] [1234567890,-987654321]");
  // Integers widen to the largest type present, and to floats.
  EXPECT_EQ(Parsed("[1, 2, 32768]"), "ARRAY[INT32] [1,2,32768]");
  SchemaAndValue floats = ParseValueString("[1, 2, 3.4028235E38]");
  EXPECT_EQ(floats.schema->DebugString(), "ARRAY[FLOAT32]");
  EXPECT_EQ(floats.value,
            Value(Array{Value(1.0), Value(2.0), Value(static_cast<double>(3.4028235E38f))}));
  SchemaAndValue doubles = ParseValueString("[1.1, 1.7976931348623157E308]");
  EXPECT_EQ(doubles.schema->DebugString(), "ARRAY[FLOAT64]");
  EXPECT_EQ(doubles.value,
            Value(Array{Value(static_cast<double>(1.1f)), Value(1.7976931348623157E308)}));
  // Nested.
  EXPECT_EQ(Parsed("[[]]"), "ARRAY[ARRAY[null]] [[]]");
  EXPECT_EQ(Parsed("[{}]"), "ARRAY[MAP<null,null>] [{}]");
  EXPECT_EQ(Parsed("[[1,2],[3]]"), "ARRAY[ARRAY[INT8]] [[1,2],[3]]");
  // A trailing comma before ']' is accepted, as in Connect.
  EXPECT_EQ(Parsed("[1,]"), "ARRAY[INT8] [1]");
  EXPECT_EQ(Parsed(" [ 1 , 2 ] "), "ARRAY[INT8] [1,2]");
}

TEST(ParseValueStringTest, ArraysWithoutACommonElementSchema) {
  // Independent of the order of the elements.
  EXPECT_EQ(Parsed("[1, 2, 300, \"four\"]"), "ARRAY[null] [1,2,300,\"four\"]");
  EXPECT_EQ(Parsed("[2, 300, \"four\", 1]"), "ARRAY[null] [2,300,\"four\",1]");
  EXPECT_EQ(Parsed("[300, \"four\", 1, 2]"), "ARRAY[null] [300,\"four\",1,2]");
  EXPECT_EQ(Parsed("[\"four\", 1, 2, 300]"), "ARRAY[null] [\"four\",1,2,300]");
  EXPECT_EQ(Parsed("[null, 1, \"a\"]"), "ARRAY[null] [null,1,\"a\"]");
  // shouldNotConvertArrayValuesToDecimal / shouldParseArrayOfOnlyDecimals.
  EXPECT_EQ(Parsed("[\"1.0\", 9223372036854775808, -9223372036854775809, 1, 1]"),
            "ARRAY[null] [\"1.0\",dec(9223372036854775808),dec(-9223372036854775809),1,1]");
  SchemaAndValue decimals = ParseValueString("[9223372036854775808, -9223372036854775809]");
  EXPECT_TRUE(decimals.schema->value_schema()->Equals(*Schema::Decimal(0)));
}

TEST(ParseValueStringTest, MalformedArraysAndMapsAreText) {
  for (std::string_view text :
       {"[foo]",
        "{foo: 3}",
        "{3: foo}",
        "{6:9 4:20}",
        "[0 1 2]",
        "{null: 3}",
        "[1, 2, 3,,,]",
        "[1, 2, 3, \"four\",,,]",
        "[1, null]",
        "[null, 1]",
        "{\"a\":1,\"b\":null}",
        "[",
        "[1",
        "[1,",
        "{",
        "{\"a\"",
        "{\"a\":",
        "{\"a\":1",
        "{,}",
        " { ,,  , , }  ",
        " { \"foo\" :  1234567890 ,, \"bar\" : 0,  \"baz\" : -987654321 }  ",
        " { \"foo\" :  1234567890 , \"a\", \"bar\" : 0,  \"baz\" : -987654321 }  ",
        "[\"abc",
        "[]]",
        "]"}) {
    EXPECT_EQ(Parsed(text), Text(text)) << text;
  }
}

// Connect parses until the JVM's stack overflows and then keeps the header as
// BYTES; ferry stops at 512 levels and keeps the text, so no header can
// crash the worker.
TEST(ParseValueStringTest, DeepNestingStaysText) {
  const std::string deep(1'000'000, '[');
  EXPECT_EQ(ParseValueString(deep).value, Value(deep));
  std::string maps;
  for (int i = 0; i < 100'000; ++i) maps += "{\"a\":";
  EXPECT_EQ(ParseValueString(maps).value, Value(maps));
  const std::string too_deep = std::string(513, '[') + std::string(513, ']');
  EXPECT_EQ(Parsed(too_deep), Text(too_deep));
  const std::string nested = std::string(512, '[') + std::string(512, ']');
  SchemaAndValue v = ParseValueString(nested);
  ASSERT_TRUE(v.schema);
  EXPECT_EQ(v.schema->type(), Type::kArray);
}

// 100,000 entries, each key once plus one repeated key: the repeated key keeps
// its first position and takes the last value (LinkedHashMap.put).
TEST(ParseValueStringTest, LargeMapsKeepLinkedHashMapOrder) {
  std::string text = "{";
  for (int i = 0; i < 100'000; ++i) absl::StrAppend(&text, "\"k", i, "\":", i, ",");
  text += "\"k7\":-1}";
  SchemaAndValue v = ParseValueString(text);
  ASSERT_TRUE(v.schema);
  ASSERT_EQ(v.schema->type(), Type::kMap);
  const Map& m = v.value.as_map();
  ASSERT_EQ(m.size(), 100'000u);
  EXPECT_EQ(m[7].first, Value("k7"));
  EXPECT_EQ(m[7].second.as_int(), -1);
  EXPECT_EQ(m[99'999].first, Value("k99999"));
}

TEST(ParseValueStringTest, Maps) {
  EXPECT_EQ(Parsed("{}"), "MAP<null,null> {}");
  EXPECT_EQ(Parsed("{\"foo\":\"123\",\"bar\":\"baz\"}"),
            "MAP<STRING,STRING> {\"foo\":\"123\",\"bar\":\"baz\"}");
  EXPECT_EQ(Parsed("{ \"foo\" : \"123\", \n\"bar\" : \"baz\" } "),
            "MAP<STRING,STRING> {\"foo\":\"123\",\"bar\":\"baz\"}");
  EXPECT_EQ(Parsed("{\"foo\":12345,\"bar\":0,\"baz\":-4321}"),
            "MAP<STRING,INT16> {\"foo\":12345,\"bar\":0,\"baz\":-4321}");
  EXPECT_EQ(Parsed(" { \"foo\" :  12345 , \"bar\" : 0,  \"baz\" : -4321 }  "),
            "MAP<STRING,INT16> {\"foo\":12345,\"bar\":0,\"baz\":-4321}");
  EXPECT_EQ(Parsed("{\"foo\":1234567890,\"bar\":0,\"baz\":-987654321}"),
            "MAP<STRING,INT32> {\"foo\":1234567890,\"bar\":0,\"baz\":-987654321}");
  EXPECT_EQ(Parsed(" { \"foo\" :  1234567890 , \"bar\" : 0,  \"baz\" : -987654321 }  "),
            "MAP<STRING,INT32> {\"foo\":1234567890,\"bar\":0,\"baz\":-987654321}");
  EXPECT_EQ(Parsed("{true: false, false: true}"), "MAP<BOOLEAN,BOOLEAN> {true:false,false:true}");
  // Only null values: a key schema and no value schema.
  EXPECT_EQ(Parsed("{3: null}"), "MAP<INT8,null> {3:null}");
  // Nested.
  EXPECT_EQ(Parsed("{\"a\":{}}"), "MAP<STRING,MAP<null,null>> {\"a\":{}}");
  EXPECT_EQ(Parsed("{\"a\":[]}"), "MAP<STRING,ARRAY[null]> {\"a\":[]}");
  EXPECT_EQ(Parsed("{\"a\":{\"b\":[1,2]}}"),
            "MAP<STRING,MAP<STRING,ARRAY[INT8]>> {\"a\":{\"b\":[1,2]}}");
  // A repeated key keeps its first place and takes the last value.
  EXPECT_EQ(Parsed("{\"a\":1,\"b\":2,\"a\":3}"), "MAP<STRING,INT8> {\"a\":3,\"b\":2}");
  // Connect does not require the comma between quoted entries.
  EXPECT_EQ(Parsed("{\"a\":1 \"b\":2}"), "MAP<STRING,INT8> {\"a\":1,\"b\":2}");
}

TEST(ParseValueStringTest, MapsWithoutACommonSchema) {
  // Mixed key types: neither key nor value schema, whatever the order.
  for (std::string_view text :
       {"{1:1, 2:1, 300:300, \"four\":1}", "{2:1, 300:300, \"four\":1, 1:1}",
        "{300:300, \"four\":1, 1:1, 2:1}", "{\"four\":1, 1:1, 2:1, 300:300}"}) {
    SchemaAndValue v = ParseValueString(text);
    EXPECT_EQ(v.schema->DebugString(), "MAP<null,null>") << text;
    EXPECT_EQ(v.value.as_map().size(), 4u) << text;
    EXPECT_EQ(*v.value.MapEntry("four"), Value(1)) << text;
  }
  // Common keys, mixed values: the keys still widen to their common type.
  EXPECT_EQ(Parsed("{1:1, 2:1, 300:300, 4:\"four\"}"),
            "MAP<INT16,null> {1:1,2:1,300:300,4:\"four\"}");
  EXPECT_EQ(Parsed("{4:\"four\", 1:1, 2:1, 300:300}"),
            "MAP<INT16,null> {4:\"four\",1:1,2:1,300:300}");
}

TEST(ParseValueStringTest, QuotedStringsKeepTheirText) {
  // The quotes go, escapes stay as written (Connect does not unescape).
  EXPECT_EQ(Parsed("[\"a\\\"b\"]"), "ARRAY[STRING] [\"a\\\\\\\"b\"]");
  EXPECT_EQ(Parsed("[\"a,b:c{d}[e]\"]"), "ARRAY[STRING] [\"a,b:c{d}[e]\"]");
  EXPECT_EQ(Parsed("[\" padded \"]"), "ARRAY[STRING] [\" padded \"]");
  // Connect's tokenizer drops a blank token between delimiters.
  EXPECT_EQ(Parsed("[\" \"]"), "ARRAY[STRING] [\"\"]");
  EXPECT_EQ(Parsed("[\"1.0\"]"), "ARRAY[STRING] [\"1.0\"]");
}

TEST(ParseValueStringTest, MergedSchemasConvertTheElements) {
  // An integer next to a Date becomes a day number, next to a Timestamp
  // epoch milliseconds; a Date next to a Timestamp becomes its midnight.
  EXPECT_EQ(Parsed("[1, 2019-08-23]"),
            absl::StrCat("ARRAY[", Schema::Date()->DebugString(), "] [date(1),date(18131)]"));
  EXPECT_EQ(Parsed("[2019-08-23T14:34:54.346Z, 1000]"),
            absl::StrCat("ARRAY[", Schema::Timestamp()->DebugString(),
                         "] [ts(1566570894346000),ts(1000000)]"));
  EXPECT_EQ(Parsed("[2019-08-23, 2019-08-23T14:34:54.346Z]"),
            absl::StrCat("ARRAY[", Schema::Timestamp()->DebugString(),
                         "] [ts(1566518400000000),ts(1566570894346000)]"));
  EXPECT_EQ(Parsed("[14:34:54.346Z, 5]"), absl::StrCat("ARRAY[", Schema::Time()->DebugString(),
                                                       "] [time(52494346000),time(5000)]"));
  // Values Connect cannot convert to the merged schema make the text a STRING.
  EXPECT_EQ(Parsed("[1.5, 2019-08-23]"), Text("[1.5, 2019-08-23]"));
  EXPECT_EQ(Parsed("[14:34:54.346Z, 90000000]"), Text("[14:34:54.346Z, 90000000]"));
  // Keys merge too; keys equal after widening collapse.
  EXPECT_EQ(Parsed("{1:\"x\", 300:\"y\", 1:\"z\"}"), "MAP<INT16,STRING> {1:\"z\",300:\"y\"}");
}

TEST(ParseValueStringTest, FerryDifferences) {
  // A top-level number, date or literal must be the whole text (KAFKA-20892:
  // Connect reads "10:30" as 10, "1,2" as 1 and drops what follows "]" or "}").
  for (std::string_view text : {"10:30", "1,2", "1::2", "12:34:56.789Z extra", "2019-08-23,x",
                                "[1] x", "{\"a\":1}}", "[1]]"}) {
    EXPECT_EQ(Parsed(text), Text(text)) << text;
  }
  EXPECT_EQ(Parsed("[1] \n"), "ARRAY[INT8] [1]");
  // Connect returns just the leading blank of a malformed " {,}".
  EXPECT_EQ(Parsed(" {,}"), Text(" {,}"));
  // Only exact, valid dates and times (Connect's lenient SimpleDateFormat
  // rolls "2023-02-29" over to March 1 and reads "2019-08-2x" as August 2).
  for (std::string_view text : {"2023-02-29", "2019-13-01", "2019-8-023", "24:00:00.000Z",
                                "2024-05-01T12:34:56Z", "[2019-08-2x]"}) {
    EXPECT_EQ(Parsed(text), Text(text)) << text;
  }
  // A Date and a Time in one literal: Connect gives one of them the other's
  // schema; ferry keeps the text.
  EXPECT_EQ(Parsed("[2019-08-23, 14:34:54.346Z]"), Text("[2019-08-23, 14:34:54.346Z]"));
}

TEST(ValueToStringTest, ScalarsAsJavaPrintsThem) {
  EXPECT_EQ(ValueToString(Schema::Float64(), Value(1.0)), "1.0");
  EXPECT_EQ(ValueToString(Schema::Float64(), Value(1e10)), "1.0E10");
  EXPECT_EQ(ValueToString(Schema::Float64(), Value(0.0001)), "1.0E-4");
  EXPECT_EQ(ValueToString(Schema::Float32(), Value(0.1)), "0.1");
  EXPECT_EQ(ValueToString(nullptr, Value(Bytes{"hi"})), "aGk=");
  EXPECT_EQ(ValueToString(Schema::Decimal(2), Value(*Decimal::FromString("-1.50"))), "-1.50");
  Decimal tiny = *Decimal::FromString("15");
  tiny.scale = 8;
  EXPECT_EQ(ValueToString(Schema::Decimal(8), Value(tiny)), "1.5E-7");
  Decimal hundreds = *Decimal::FromString("0");
  hundreds.scale = -2;
  EXPECT_EQ(ValueToString(Schema::Decimal(-2), Value(hundreds)), "0E+2");
}

TEST(ValueToStringTest, TemporalsByDateFormatFor) {
  // The pattern follows the instant, not the schema.
  EXPECT_EQ(ValueToString(Schema::Timestamp(), Value(Timestamp{1'714'566'896'789'000})),
            "2024-05-01T12:34:56.789Z");
  EXPECT_EQ(ValueToString(Schema::Timestamp(), Value(Timestamp{1'714'521'600'000'000})),
            "2024-05-01");
  EXPECT_EQ(ValueToString(Schema::Timestamp(), Value(Timestamp{1'500'000})), "00:00:01.500Z");
  EXPECT_EQ(ValueToString(Schema::Date(), Value(Date{19'844})), "2024-05-01");
  EXPECT_EQ(ValueToString(Schema::Date(), Value(Date{0})), "00:00:00.000Z");
  EXPECT_EQ(ValueToString(Schema::Time(), Value(TimeOfDay{45'296'789'000})), "12:34:56.789Z");
  // ferry: before the epoch the date is kept (Connect prints the time of day).
  EXPECT_EQ(ValueToString(Schema::Timestamp(), Value(Timestamp{-1000})),
            "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(ValueToString(Schema::Date(), Value(Date{-1})), "1969-12-31");
}

TEST(ValueToStringTest, ArraysMapsAndStructs) {
  EXPECT_EQ(ValueToString(nullptr, Value(Array{Value("a"), Value(1), Value()})), "[\"a\",1,null]");
  EXPECT_EQ(ValueToString(nullptr, Value(Map{{Value("k"), Value("v\"")}})), "{\"k\":\"v\\\"\"}");
  EXPECT_EQ(ValueToString(nullptr, Value(Array{Value(Bytes{"hi"})})), "[\"aGk=\"]");
  EXPECT_EQ(ValueToString(nullptr, Value(Array{})), "[]");
  EXPECT_EQ(ValueToString(nullptr, Value(Map{})), "{}");
  // Escapes: backslash first, then the quote (shouldEscapeStringsWithEmbeddedQuotesAndBackslashes).
  EXPECT_EQ(ValueToString(nullptr, Value(Array{Value("three\"blind\\\"mice")})),
            "[\"three\\\"blind\\\\\\\"mice\"]");
  // A schemaless float is a Java Double (schemaless JSON numbers): printed in
  // full even when it happens to be exactly a float.
  EXPECT_EQ(ValueToString(nullptr, Value(Array{Value(static_cast<double>(21.3f)), Value("a")})),
            "[21.299999237060547,\"a\"]");
  EXPECT_EQ(ValueToString(nullptr, Value(static_cast<double>(21.3f))), "21.299999237060547");
  // A FLOAT32 element of a literal without a common schema keeps its text.
  SchemaAndValue mixed = ParseValueString("[1.1,\"a\"]");
  EXPECT_EQ(ValueToString(mixed.schema, mixed.value), "[1.1,\"a\"]");
  SchemaAndValue mixed_map = ParseValueString("{\"a\":1.1,\"b\":\"x\"}");
  EXPECT_EQ(ValueToString(mixed_map.schema, mixed_map.value), "{\"a\":1.1,\"b\":\"x\"}");
  EXPECT_EQ(ValueToString(nullptr, Value(Array{Value(0.1)})), "[0.1]");
  SchemaPtr s = SchemaBuilder::Struct()
                    .AddField("a", Schema::Int32())
                    .AddField("b", Schema::String(true))
                    .Build();
  const Value st(Struct{s, {Value(1), Value()}});
  EXPECT_EQ(ValueToString(s, st), "{\"a\":1,\"b\":null}");
  EXPECT_EQ(ValueToString(nullptr, Value(Array{st})), "[{\"a\":1,\"b\":null}]");
  EXPECT_EQ(StructToJavaString(st.as_struct()), "Struct{a=1}");
}

// SimpleHeaderConverterTest's assertRoundTrip: write, read back, and the
// second round trip gives the same bytes, schema and value.
void ExpectRoundTrip(const SchemaPtr& schema, const Value& value,
                     const SchemaPtr& expected_schema) {
  SimpleHeaderConverter c;
  absl::StatusOr<std::optional<std::string>> bytes = c.FromConnectHeader("t", "h", schema, value);
  ASSERT_TRUE(bytes.ok() && bytes->has_value());
  absl::StatusOr<SchemaAndValue> back = c.ToConnectHeader("t", "h", **bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->value, value) << **bytes;
  ASSERT_NE(back->schema, nullptr) << **bytes;
  EXPECT_TRUE(back->schema->Equals(*expected_schema))
      << **bytes << " read as " << back->schema->DebugString();
  absl::StatusOr<std::optional<std::string>> again =
      c.FromConnectHeader("t", "h", back->schema, back->value);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *bytes);
}

TEST(SimpleHeaderConverterRoundTripTest, KafkasCases) {
  SchemaPtr string_map = SchemaBuilder::Map(Schema::String(), Schema::String()).Build();
  ExpectRoundTrip(string_map,
                  Value(Map{{Value("foo"), Value("123")}, {Value("bar"), Value("baz")}}),
                  string_map);
  SchemaPtr short_map = SchemaBuilder::Map(Schema::String(), Schema::Int16()).Build();
  ExpectRoundTrip(
      short_map,
      Value(Map{
          {Value("foo"), Value(12345)}, {Value("bar"), Value(0)}, {Value("baz"), Value(-4321)}}),
      short_map);
  SchemaPtr int_map = SchemaBuilder::Map(Schema::String(), Schema::Int32()).Build();
  ExpectRoundTrip(int_map,
                  Value(Map{{Value("foo"), Value(1234567890)},
                            {Value("bar"), Value(0)},
                            {Value("baz"), Value(-987654321)}}),
                  int_map);
  SchemaPtr string_list = SchemaBuilder::Array(Schema::String()).Build();
  ExpectRoundTrip(string_list, Value(Array{Value("foo"), Value("bar")}), string_list);
  SchemaPtr int_list = SchemaBuilder::Array(Schema::Int32()).Build();
  ExpectRoundTrip(int_list, Value(Array{Value(1234567890), Value(-987654321)}), int_list);
  // Mixed values: no element schema (Kafka 3.8: ARRAY / MAP schemas without
  // value schemas; the older SimpleHeaderConverterTest expected no schema).
  ExpectRoundTrip(nullptr, Value(Map{{Value("foo"), Value("bar")}, {Value("baz"), Value(3456)}}),
                  SchemaBuilder::Map(Schema::String(), nullptr).Build());
  ExpectRoundTrip(nullptr, Value(Array{Value("foo"), Value(13344)}),
                  SchemaBuilder::Array(nullptr).Build());
  ExpectRoundTrip(nullptr, Value(Map{}), SchemaBuilder::Map(nullptr, nullptr).Build());
  ExpectRoundTrip(nullptr, Value(Array{}), SchemaBuilder::Array(nullptr).Build());
  // Strings with delimiters stay strings.
  ExpectRoundTrip(Schema::String(), Value("simple"), Schema::String());
  ExpectRoundTrip(Schema::String(), Value(""), Schema::String());
  ExpectRoundTrip(Schema::String(), Value("three\"blind\\\"mice"), Schema::String());
  ExpectRoundTrip(Schema::String(), Value("string with delimiters: <>?,./\\=+-!@#$%^&*(){}[]|;':"),
                  Schema::String());
  // Nested and temporal.
  SchemaPtr nested = SchemaBuilder::Map(Schema::String(), int_list).Build();
  ExpectRoundTrip(nested, Value(Map{{Value("a"), Value(Array{Value(70000), Value(1)})}}), nested);
  SchemaPtr ts_list = SchemaBuilder::Array(Schema::Timestamp()).Build();
  ExpectRoundTrip(ts_list, Value(Array{Value(Timestamp{1'566'570'894'346'000})}), ts_list);
}

TEST(SimpleHeaderConverterRoundTripTest, NullIsNoBytes) {
  SimpleHeaderConverter c;
  EXPECT_EQ(*c.FromConnectHeader("t", "h", Schema::String(true), Value()), std::nullopt);
  absl::StatusOr<SchemaAndValue> back = c.ToConnectHeader("t", "h", std::nullopt);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->schema, nullptr);
  EXPECT_TRUE(back->value.is_null());
}

}  // namespace
}  // namespace ferry
