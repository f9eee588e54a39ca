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
        "io.ferry.converters.CloudEventsConverter", "CloudEventsConverter",
        "io.confluent.connect.avro.AvroConverter", "AvroConverter"}) {
    absl::StatusOr<std::unique_ptr<Converter>> c = CreateConverter(name);
    ASSERT_TRUE(c.ok()) << name << ": " << c.status();
    EXPECT_NE(*c, nullptr);
  }
  absl::StatusOr<std::unique_ptr<Converter>> bad =
      CreateConverter("io.apicurio.registry.utils.converter.AvroConverter");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(bad.status().message(),
              HasSubstr("io.apicurio.registry.utils.converter.AvroConverter"));
  EXPECT_EQ(CanonicalConverterClass("AvroConverter"), "io.confluent.connect.avro.AvroConverter");
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

// Kafka's StringConverterTest.
TEST(StringConverterTest, KafkaCases) {
  StringConverter c;
  ASSERT_TRUE(c.Configure({}, false).ok());
  EXPECT_EQ(*c.FromConnectData("topic", Schema::String(), Value("a string")), "a string");
  EXPECT_EQ(*c.FromConnectData("topic", Schema::Boolean(), Value(true)), "true");
  EXPECT_EQ(*c.FromConnectData("topic", Schema::String(true), Value()), std::nullopt);
  EXPECT_EQ(*c.FromConnectData("topic", nullptr, Value(true)), "true");  // schema ignored.
  absl::StatusOr<SchemaAndValue> v = c.ToConnectData("topic", Headers(), std::string("a string"));
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->schema->Equals(*Schema::String(true)));
  EXPECT_EQ(v->value, Value("a string"));
  v = c.ToConnectData("topic", Headers(), std::string());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value, Value(""));

  // testToBytesNonUtf8Encoding / testBytesToStringNonUtf8Encoding: Java's
  // UTF-16 writes a big-endian byte-order mark.
  ASSERT_TRUE(c.Configure({{"converter.encoding", "UTF-16"}}, true).ok());
  const std::string utf16("\xFE\xFF\0a\0 \0s\0t\0r\0i\0n\0g", 18);
  EXPECT_EQ(*c.FromConnectData("topic", Schema::String(), Value("a string")), utf16);
  v = c.ToConnectData("topic", Headers(), utf16);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value, Value("a string"));
  // "".getBytes(UTF_16) is empty: no byte-order mark.
  EXPECT_EQ(*c.FromConnectData("topic", Schema::String(), Value("")), "");
}

TEST(StringConverterTest, NonStringsAsJavaToString) {
  StringConverter c;
  ASSERT_TRUE(c.Configure({}, false).ok());
  EXPECT_EQ(*c.FromConnectData("t", nullptr, Value(Array{Value(1), Value("a"), Value()})),
            "[1, a, null]");
  EXPECT_EQ(
      *c.FromConnectData("t", nullptr, Value(Map{{Value("k"), Value(1.5)}, {Value("n"), Value()}})),
      "{k=1.5, n=null}");
  EXPECT_EQ(*c.FromConnectData("t", Schema::Float64(), Value(1e10)), "1.0E10");
  SchemaPtr s = SchemaBuilder::Struct().AddField("a", Schema::Int32()).Build();
  EXPECT_EQ(*c.FromConnectData("t", s, Value(Struct{s, {Value(1)}})), "Struct{a=1}");
  Decimal tiny = *Decimal::FromString("15");
  tiny.scale = 8;
  EXPECT_EQ(*c.FromConnectData("t", Schema::Decimal(8), Value(tiny)), "1.5E-7");  // BigDecimal.
  // ferry: BYTES as base64, not Java's "[B@<address>".
  EXPECT_EQ(*c.FromConnectData("t", nullptr, Value(Bytes{"hi"})), "aGk=");
}

TEST(StringConverterTest, ConfigKeysAndDefault) {
  const ConfigDef& def = StringConverter::Definition();
  ASSERT_EQ(def.keys().size(), 2u);
  EXPECT_EQ(def.keys()[0].name, "converter.type");
  EXPECT_EQ(def.keys()[1].name, "converter.encoding");
  EXPECT_EQ(def.keys()[1].default_value, "UTF-8");
  StringConverter c;
  absl::Status s = c.Configure({{"converter.encoding", "EBCDIC"}}, false);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "converter.encoding: Invalid value EBCDIC for configuration converter.encoding: ferry "
            "supports the character sets UTF-8, UTF-16, UTF-16BE, UTF-16LE, ISO-8859-1 and "
            "US-ASCII (by Java's names and aliases)");
  // converter.type comes from the role, whatever the config says.
  EXPECT_TRUE(c.Configure({{"converter.type", "x"}}, false).ok());
  HeaderConverter& hc = c;
  EXPECT_TRUE(hc.Configure({{"converter.type", "x"}}).ok());
}

TEST(StringConverterTest, JavaCharsetNamesAndAliases) {
  struct Case {
    std::string_view name;
    Charset charset;
  };
  for (const Case& c : std::vector<Case>{
           {"UTF-8", Charset::kUtf8},
           {"utf8", Charset::kUtf8},
           {"UTF-16", Charset::kUtf16},
           {"unicode", Charset::kUtf16},
           {"utf-16be", Charset::kUtf16Be},
           {"UnicodeBigUnmarked", Charset::kUtf16Be},
           {"UTF-16LE", Charset::kUtf16Le},
           {"X-UTF-16LE", Charset::kUtf16Le},
           {"ISO-8859-1", Charset::kIso8859_1},
           {"latin1", Charset::kIso8859_1},
           {"ISO8859_1", Charset::kIso8859_1},
           {"US-ASCII", Charset::kUsAscii},
           {"ascii", Charset::kUsAscii},
           {"ANSI_X3.4-1968", Charset::kUsAscii},
       }) {
    EXPECT_EQ(CharsetForName(c.name), c.charset) << c.name;
    StringConverter conv;
    EXPECT_TRUE(conv.Configure({{"converter.encoding", std::string(c.name)}}, false).ok())
        << c.name;
  }
  for (std::string_view unknown : {"", "UTF-32", "windows-1252", "UTF 8", "Shift_JIS"}) {
    EXPECT_EQ(CharsetForName(unknown), std::nullopt) << unknown;
  }
}

TEST(StringConverterTest, EncodesAndDecodesEachCharset) {
  // "aé€😀": 1-, 2-, 3- and 4-byte UTF-8.
  const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  struct Case {
    Charset charset;
    std::string bytes;
  };
  for (const Case& c : std::vector<Case>{
           {Charset::kUtf8, text},
           {Charset::kUtf16, std::string("\xFE\xFF\x00\x61\x00\xE9\x20\xAC\xD8\x3D\xDE\x00", 12)},
           {Charset::kUtf16Be, std::string("\x00\x61\x00\xE9\x20\xAC\xD8\x3D\xDE\x00", 10)},
           {Charset::kUtf16Le, std::string("\x61\x00\xE9\x00\xAC\x20\x3D\xD8\x00\xDE", 10)},
       }) {
    absl::StatusOr<std::string> bytes = EncodeCharset(c.charset, text);
    ASSERT_TRUE(bytes.ok()) << CharsetName(c.charset);
    EXPECT_EQ(*bytes, c.bytes) << CharsetName(c.charset);
    EXPECT_EQ(DecodeCharset(c.charset, c.bytes), text) << CharsetName(c.charset);
  }
  EXPECT_EQ(*EncodeCharset(Charset::kIso8859_1, "a\xC3\xA9\xC3\xBF"), "a\xE9\xFF");
  EXPECT_EQ(DecodeCharset(Charset::kIso8859_1, "a\xE9\xFF"), "a\xC3\xA9\xC3\xBF");
  EXPECT_EQ(*EncodeCharset(Charset::kUsAscii, "plain"), "plain");
}

TEST(StringConverterTest, MalformedInputBecomesReplacementCharacters) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(DecodeCharset(Charset::kUsAscii, "a\xE9"), "a" + fffd);
  // As Java's UnicodeDecoder: an odd last byte; a lone low surrogate; a high
  // surrogate and the unit after it when that is no low surrogate (one
  // malformed sequence of 4 bytes: "b" is lost); a high surrogate cut short.
  EXPECT_EQ(DecodeCharset(Charset::kUtf16Be, std::string("\x00\x61\x00", 3)), "a" + fffd);
  EXPECT_EQ(DecodeCharset(Charset::kUtf16Be, std::string("\xDC\x00\x00\x62", 4)), fffd + "b");
  EXPECT_EQ(DecodeCharset(Charset::kUtf16Be, std::string("\xD8\x3D\x00\x62\x00\x63", 6)),
            fffd + "c");
  EXPECT_EQ(DecodeCharset(Charset::kUtf16Be, std::string("\x00\x61\xD8\x3D\x00", 5)), "a" + fffd);
  EXPECT_EQ(DecodeCharset(Charset::kUtf16Be, std::string("\x00\x61\xD8\x3D", 4)), "a" + fffd);
  // UTF-16 reads either byte-order mark and defaults to big-endian;
  // UTF-16BE/LE keep a byte-order mark as U+FEFF.
  EXPECT_EQ(DecodeCharset(Charset::kUtf16, std::string("\xFF\xFE\x61\x00", 4)), "a");
  EXPECT_EQ(DecodeCharset(Charset::kUtf16, std::string("\x00\x61", 2)), "a");
  EXPECT_EQ(DecodeCharset(Charset::kUtf16Be, std::string("\xFE\xFF\x00\x61", 4)),
            "\xEF\xBB\xBF"
            "a");
}

TEST(StringConverterTest, RefusesCharactersTheCharsetCannotHold) {
  // Java's String.getBytes writes '?' for them; ferry refuses the record.
  StringConverter c;
  ASSERT_TRUE(c.Configure({{"converter.encoding", "ISO-8859-1"}}, false).ok());
  EXPECT_EQ(*c.FromConnectData("t", Schema::String(), Value("caf\xC3\xA9")), "caf\xE9");
  absl::StatusOr<std::optional<std::string>> out =
      c.FromConnectData("t", Schema::String(), Value("\xE2\x82\xAC"));
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(),
            "Failed to serialize to a string: character U+20AC cannot be encoded in ISO-8859-1 "
            "(Java would write '?')");
  ASSERT_TRUE(c.Configure({{"converter.encoding", "US-ASCII"}}, false).ok());
  EXPECT_THAT(c.FromConnectData("t", nullptr, Value("\xC3\xA9")).status().message(),
              HasSubstr("U+00E9 cannot be encoded in US-ASCII"));
}

TEST(StringConverterTest, SerializerAndDeserializerKeysOfTheRoleWin) {
  // StringSerializer/StringDeserializer.configure(configs, isKey) read
  // key./value.(de)serializer.encoding before converter.encoding.
  StringConverter c;
  ASSERT_TRUE(c.Configure({{"converter.encoding", "UTF-16BE"},
                           {"value.serializer.encoding", "ISO-8859-1"},
                           {"key.deserializer.encoding", "US-ASCII"}},
                          false)
                  .ok());
  EXPECT_EQ(*c.FromConnectData("t", nullptr, Value("\xC3\xA9")), "\xE9");
  EXPECT_EQ(c.ToConnectData("t", Headers(), std::string("\x00\x61", 2))->value, Value("a"));
  ASSERT_TRUE(c.Configure({{"converter.encoding", "UTF-16BE"},
                           {"value.serializer.encoding", "ISO-8859-1"},
                           {"key.deserializer.encoding", "US-ASCII"}},
                          true)
                  .ok());
  EXPECT_EQ(*c.FromConnectData("t", nullptr, Value("a")), std::string("\x00\x61", 2));
  EXPECT_EQ(c.ToConnectData("t", Headers(), std::string("a\xE9"))->value, Value("a\xEF\xBF\xBD"));
  EXPECT_EQ(c.Configure({{"value.deserializer.encoding", "EBCDIC"}}, false).message(),
            "value.deserializer.encoding: Invalid value EBCDIC for configuration "
            "value.deserializer.encoding: ferry supports the character sets UTF-8, UTF-16, "
            "UTF-16BE, UTF-16LE, ISO-8859-1 and US-ASCII (by Java's names and aliases)");
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

// Kafka's ByteArrayConverterTest.
TEST(ByteArrayConverterTest, KafkaCases) {
  ByteArrayConverter c;
  ASSERT_TRUE(c.Configure({}, false).ok());
  const std::string sample = "sample string";
  EXPECT_EQ(*c.FromConnectData("topic", Schema::Bytes(), Value(Bytes{sample})), sample);
  EXPECT_EQ(*c.FromConnectData("topic", nullptr, Value(Bytes{sample})), sample);
  EXPECT_EQ(c.FromConnectData("topic", Schema::Int32(), Value(Bytes{sample})).status().message(),
            "Invalid schema type for ByteArrayConverter: INT32");
  EXPECT_EQ(c.FromConnectData("topic", Schema::Bytes(), Value(12)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*c.FromConnectData("topic", Schema::Bytes(), Value()), std::nullopt);
  EXPECT_EQ(*c.FromConnectData("topic", Schema::Bytes(), Value(Bytes{""})), "");
  absl::StatusOr<SchemaAndValue> v = c.ToConnectData("topic", Headers(), sample);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->schema->Equals(*Schema::Bytes(true)));
  EXPECT_EQ(v->value, Value(Bytes{sample}));
  v = c.ToConnectData("topic", Headers(), std::nullopt);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->schema->Equals(*Schema::Bytes(true)));
  EXPECT_TRUE(v->value.is_null());
  // Its ConfigDef is ConverterConfig's: converter.type only.
  ASSERT_EQ(ByteArrayConverter::Definition().keys().size(), 1u);
  EXPECT_EQ(ByteArrayConverter::Definition().keys()[0].name, "converter.type");
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
