// Kafka's JsonConverterTest and JsonConverterConfig, case by case, as golden
// tests of ferry's JsonConverter. Where ferry differs on purpose (README.md,
// "Deliberate differences"), the test says so and asserts ferry's behaviour.
#include <string>

#include "absl/strings/str_cat.h"
#include "convert/json_converter.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kDecimalSchema2[] =
    R"({"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}})";

class KafkaJsonConverterTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(converter_.Configure({}, false).ok()); }

  SchemaAndValue Read(std::string_view json) {
    absl::StatusOr<SchemaAndValue> v =
        converter_.ToConnectData("topic", Headers(), std::string(json));
    EXPECT_TRUE(v.ok()) << json << ": " << v.status();
    return v.ok() ? *std::move(v) : SchemaAndValue{};
  }
  std::string ReadError(std::string_view json) {
    absl::StatusOr<SchemaAndValue> v =
        converter_.ToConnectData("topic", Headers(), std::string(json));
    EXPECT_FALSE(v.ok()) << json;
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(v.status().message());
  }
  std::string Write(const SchemaPtr& schema, const Value& value) {
    absl::StatusOr<std::optional<std::string>> out =
        converter_.FromConnectData("topic", schema, value);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() && *out ? **out : "<none>";
  }
  std::string WriteError(const SchemaPtr& schema, const Value& value) {
    absl::StatusOr<std::optional<std::string>> out =
        converter_.FromConnectData("topic", schema, value);
    EXPECT_FALSE(out.ok());
    return std::string(out.status().message());
  }
  // Envelope of `schema_json` and `payload`, as Connect writes it.
  static std::string Envelope(std::string_view schema_json, std::string_view payload) {
    return absl::StrCat(R"({"schema":)", std::string(schema_json), R"(,"payload":)",
                        std::string(payload), "}");
  }
  static void ExpectSchema(const SchemaAndValue& v, const SchemaPtr& expected) {
    ASSERT_NE(v.schema, nullptr);
    EXPECT_TRUE(v.schema->Equals(*expected))
        << v.schema->DebugString() << " vs " << expected->DebugString();
  }

  JsonConverter converter_;
};

// ---- configuration (JsonConverterConfig) ------------------------------------

TEST(KafkaJsonConverterConfigTest, KeysDefaultsAndOrder) {
  const ConfigDef& def = JsonConverter::Definition();
  std::vector<std::string> names;
  for (const ConfigKey& k : def.keys()) names.push_back(k.name);
  EXPECT_THAT(names,
              ::testing::ElementsAre("converter.type", "schemas.enable", "schemas.cache.size",
                                     "decimal.format", "replace.null.with.default"));
  EXPECT_EQ(def.Find("converter.type")->default_value, std::nullopt);
  EXPECT_EQ(def.Find("schemas.enable")->default_value, "true");
  EXPECT_EQ(def.Find("schemas.cache.size")->default_value, "1000");
  EXPECT_EQ(def.Find("decimal.format")->default_value, "BASE64");
  EXPECT_EQ(def.Find("replace.null.with.default")->default_value, "true");
  EXPECT_EQ(def.Find("decimal.format")->doc,
            "Controls which format this converter will serialize decimals in. This value is case "
            "insensitive and can be either 'BASE64' (default) or 'NUMERIC'");
}

TEST(KafkaJsonConverterConfigTest, DecimalFormatIsCaseInsensitive) {
  JsonConverter c;
  ASSERT_TRUE(c.Configure({{"decimal.format", "numeric"}}, false).ok());
  SchemaPtr schema = Schema::Decimal(2);
  EXPECT_EQ(
      *c.FromConnectData("t", schema, Value(*Decimal::FromString("1.56"))),
      R"({"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":1.56})");
  absl::Status s = c.Configure({{"decimal.format", "FLOAT"}}, false);
  EXPECT_EQ(s.message(),
            "decimal.format: Invalid value FLOAT for configuration decimal.format: String must be "
            "one of (case insensitive): BASE64, NUMERIC");
}

TEST(KafkaJsonConverterConfigTest, ValidationMessages) {
  JsonConverter c;
  EXPECT_THAT(c.Configure({{"schemas.enable", "yes"}}, false).message(),
              HasSubstr("Invalid value yes for configuration schemas.enable"));
  EXPECT_THAT(c.Configure({{"schemas.cache.size", "-1"}}, false).message(),
              HasSubstr("Invalid value -1 for configuration schemas.cache.size: Value must be at "
                        "least 0"));
  EXPECT_THAT(c.Configure({{"replace.null.with.default", "x"}}, false).message(),
              HasSubstr("Invalid value x for configuration replace.null.with.default"));
}

TEST(KafkaJsonConverterConfigTest, ConverterTypeComesFromTheRole) {
  // Connect's configure(configs, isKey) puts converter.type=key|value over
  // whatever the configs say, and the worker configures header converters
  // with converter.type=header.
  JsonConverter c;
  EXPECT_TRUE(c.Configure({{"converter.type", "nonsense"}}, true).ok());
  EXPECT_TRUE(c.Configure({{"converter.type", "nonsense"}}, false).ok());
  HeaderConverter& hc = c;
  EXPECT_TRUE(hc.Configure({}).ok());
  EXPECT_EQ(JsonConverter::Definition().Find("converter.type")->valid_values,
            "[key, value, header]");
}

// ---- schema metadata ---------------------------------------------------------

TEST_F(KafkaJsonConverterTest, ConnectSchemaMetadataTranslation) {
  SchemaAndValue v = Read(R"({ "schema": { "type": "boolean" }, "payload": true })");
  ExpectSchema(v, Schema::Boolean());
  EXPECT_EQ(v.value, Value(true));
  v = Read(R"({ "schema": { "type": "boolean", "optional": true }, "payload": null })");
  ExpectSchema(v, Schema::Boolean(true));
  EXPECT_TRUE(v.value.is_null());
  v = Read(R"({ "schema": { "type": "boolean", "default": true }, "payload": null })");
  ExpectSchema(v, SchemaBuilder(Type::kBoolean).Default(Value(true)).Build());
  EXPECT_EQ(v.value, Value(true));
  v = Read(
      R"({ "schema": { "type": "boolean", "optional": false, "name": "bool", "version": 2, "doc": "the documentation", "parameters": { "foo": "bar" }}, "payload": true })");
  ExpectSchema(v, SchemaBuilder(Type::kBoolean)
                      .Name("bool")
                      .Version(2)
                      .Doc("the documentation")
                      .Parameter("foo", "bar")
                      .Build());
  // "optional" that is not a JSON boolean means required, as in Connect.
  v = Read(R"({ "schema": { "type": "boolean", "optional": "true" }, "payload": true })");
  ExpectSchema(v, Schema::Boolean());
}

TEST_F(KafkaJsonConverterTest, JsonSchemaMetadataTranslation) {
  EXPECT_EQ(Write(Schema::Boolean(), Value(true)),
            R"({"schema":{"type":"boolean","optional":false},"payload":true})");
  EXPECT_EQ(Write(Schema::Boolean(true), Value()),
            R"({"schema":{"type":"boolean","optional":true},"payload":null})");
  EXPECT_EQ(Write(SchemaBuilder(Type::kBoolean).Default(Value(true)).Build(), Value(true)),
            R"({"schema":{"type":"boolean","optional":false,"default":true},"payload":true})");
  EXPECT_EQ(
      Write(SchemaBuilder(Type::kBoolean)
                .Name("bool")
                .Version(3)
                .Doc("the documentation")
                .Parameter("foo", "bar")
                .Build(),
            Value(true)),
      R"({"schema":{"type":"boolean","optional":false,"name":"bool","version":3,"doc":"the documentation","parameters":{"foo":"bar"}},"payload":true})");
}

// ---- primitives to Connect ----------------------------------------------------

TEST_F(KafkaJsonConverterTest, PrimitivesToConnect) {
  struct Case {
    std::string_view type;
    std::string_view payload;
    SchemaPtr schema;
    Value value;
  };
  for (const Case& c : std::vector<Case>{
           {"boolean", "true", Schema::Boolean(), Value(true)},
           {"boolean", "false", Schema::Boolean(), Value(false)},
           {"int8", "12", Schema::Int8(), Value(12)},
           {"int16", "12", Schema::Int16(), Value(12)},
           {"int32", "12", Schema::Int32(), Value(12)},
           {"int64", "12", Schema::Int64(), Value(12)},
           {"int64", "4398046511104", Schema::Int64(), Value(int64_t{4398046511104})},
           {"float", "12.34", Schema::Float32(), Value(static_cast<double>(12.34f))},
           {"double", "12.34", Schema::Float64(), Value(12.34)},
           {"bytes", R"("dGVzdC1zdHJpbmc=")", Schema::Bytes(), Value(Bytes{"test-string"})},
           {"string", R"("foo-bar-baz")", Schema::String(), Value("foo-bar-baz")},
       }) {
    SchemaAndValue v = Read(absl::StrCat(R"({ "schema": { "type": ")", std::string(c.type),
                                         R"(" }, "payload": )", std::string(c.payload), " }"));
    ExpectSchema(v, c.schema);
    EXPECT_EQ(v.value, c.value) << c.type << " " << c.payload;
  }
}

TEST_F(KafkaJsonConverterTest, ArrayMapAndStructToConnect) {
  SchemaAndValue v = Read(
      R"({ "schema": { "type": "array", "items": { "type" : "int32" } }, "payload": [1, 2, 3] })");
  ExpectSchema(v, SchemaBuilder::Array(Schema::Int32()).Build());
  EXPECT_EQ(v.value, Value(Array{Value(1), Value(2), Value(3)}));

  v = Read(
      R"({ "schema": { "type": "map", "keys": { "type" : "string" }, "values": { "type" : "int32" } }, "payload": { "key1": 12, "key2": 15} })");
  ExpectSchema(v, SchemaBuilder::Map(Schema::String(), Schema::Int32()).Build());
  EXPECT_EQ(v.value, Value(Map{{Value("key1"), Value(12)}, {Value("key2"), Value(15)}}));

  v = Read(
      R"({ "schema": { "type": "map", "keys": { "type" : "int32" }, "values": { "type" : "int32" } }, "payload": [ [1, 12], [2, 15] ] })");
  ExpectSchema(v, SchemaBuilder::Map(Schema::Int32(), Schema::Int32()).Build());
  EXPECT_EQ(v.value, Value(Map{{Value(1), Value(12)}, {Value(2), Value(15)}}));

  v = Read(
      R"({ "schema": { "type": "struct", "fields": [{ "field": "field1", "type": "boolean" }, { "field": "field2", "type": "string" }] }, "payload": { "field1": true, "field2": "string" } })");
  SchemaPtr expected = SchemaBuilder::Struct()
                           .AddField("field1", Schema::Boolean())
                           .AddField("field2", Schema::String())
                           .Build();
  ExpectSchema(v, expected);
  EXPECT_EQ(v.value, Value(Struct{expected, {Value(true), Value("string")}}));

  v = Read(
      R"({ "schema": { "type": "struct", "fields": [{ "field":"optional", "type": "string", "optional": true }, {  "field": "required", "type": "string" }] }, "payload": { "required": "required" } })");
  expected = SchemaBuilder::Struct()
                 .AddField("optional", Schema::String(true))
                 .AddField("required", Schema::String())
                 .Build();
  ExpectSchema(v, expected);
  EXPECT_EQ(v.value, Value(Struct{expected, {Value(), Value("required")}}));
}

TEST_F(KafkaJsonConverterTest, NestedStructsArraysAndMaps) {
  SchemaAndValue v = Read(
      R"({"schema":{"type":"struct","fields":[{"type":"array","items":{"type":"struct","fields":[{"type":"map","keys":{"type":"string"},"values":{"type":"int64"},"field":"m"}]},"field":"a"}]},"payload":{"a":[{"m":{"x":1}},{"m":{}}]}})");
  SchemaPtr inner =
      SchemaBuilder::Struct()
          .AddField("m", SchemaBuilder::Map(Schema::String(), Schema::Int64()).Build())
          .Build();
  SchemaPtr outer =
      SchemaBuilder::Struct().AddField("a", SchemaBuilder::Array(inner).Build()).Build();
  ExpectSchema(v, outer);
  EXPECT_EQ(v.value,
            Value(Struct{outer,
                         {Value(Array{Value(Struct{inner, {Value(Map{{Value("x"), Value(1)}})}}),
                                      Value(Struct{inner, {Value(Map{})}})})}}));
  EXPECT_EQ(
      Write(outer, v.value),
      R"({"schema":{"type":"struct","fields":[{"type":"array","items":{"type":"struct","fields":[{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int64","optional":false},"optional":false,"field":"m"}],"optional":false},"optional":false,"field":"a"}],"optional":false},"payload":{"a":[{"m":{"x":1}},{"m":{}}]}})");
}

// ---- null, empty and schemaless -------------------------------------------------

TEST_F(KafkaJsonConverterTest, NullBytesAreSchemaAndValueNull) {
  for (bool schemas : {true, false}) {
    ASSERT_TRUE(converter_.Configure({{"schemas.enable", schemas ? "true" : "false"}}, true).ok());
    absl::StatusOr<SchemaAndValue> v = converter_.ToConnectData("topic", Headers(), std::nullopt);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->schema, nullptr);
    EXPECT_TRUE(v->value.is_null());
  }
}

TEST_F(KafkaJsonConverterTest, EmptyBytesWithoutSchemasAreNull) {
  ASSERT_TRUE(converter_.Configure({{"schemas.enable", "false"}}, true).ok());
  for (std::string_view empty : {"", "  \n"}) {
    SchemaAndValue v = Read(empty);
    EXPECT_EQ(v.schema, nullptr);
    EXPECT_TRUE(v.value.is_null());
  }
}

TEST_F(KafkaJsonConverterTest, SchemalessWithEmptyFieldValue) {
  ASSERT_TRUE(converter_.Configure({{"schemas.enable", "false"}}, true).ok());
  SchemaAndValue v = Read(R"({ "a": "", "b": null})");
  EXPECT_EQ(v.schema, nullptr);
  EXPECT_EQ(v.value, Value(Map{{Value("a"), Value("")}, {Value("b"), Value()}}));
}

TEST_F(KafkaJsonConverterTest, NullSchemaPrimitiveToConnect) {
  SchemaAndValue v = Read(R"({ "schema": null, "payload": null })");
  EXPECT_EQ(v.schema, nullptr);
  EXPECT_TRUE(v.value.is_null());
  EXPECT_EQ(Read(R"({ "schema": null, "payload": true })").value, Value(true));
  EXPECT_EQ(Read(R"({ "schema": null, "payload": 12 })").value, Value(int64_t{12}));
  EXPECT_EQ(Read(R"({ "schema": null, "payload": 12.24 })").value, Value(12.24));
  EXPECT_EQ(Read(R"({ "schema": null, "payload": "a string" })").value, Value("a string"));
  EXPECT_EQ(Read(R"({ "schema": null, "payload": [1, "2", 3] })").value,
            Value(Array{Value(1), Value("2"), Value(3)}));
  EXPECT_EQ(Read(R"({ "schema": null, "payload": { "field1": 1, "field2": 2} })").value,
            Value(Map{{Value("field1"), Value(1)}, {Value("field2"), Value(2)}}));
}

TEST_F(KafkaJsonConverterTest, NoSchemaToConnectAndToJson) {
  ASSERT_TRUE(converter_.Configure({{"schemas.enable", "false"}}, true).ok());
  SchemaAndValue v = Read("true");
  EXPECT_EQ(v.schema, nullptr);
  EXPECT_EQ(v.value, Value(true));
  EXPECT_EQ(Write(nullptr, Value(true)), "true");
  // Not a Kafka null: Connect writes the JSON null of an optional schema.
  EXPECT_EQ(Write(Schema::String(true), Value()), "null");
}

TEST_F(KafkaJsonConverterTest, NullSchemaAndNullValueIsATombstone) {
  for (bool schemas : {true, false}) {
    ASSERT_TRUE(converter_.Configure({{"schemas.enable", schemas ? "true" : "false"}}, true).ok());
    absl::StatusOr<std::optional<std::string>> out =
        converter_.FromConnectData("topic", nullptr, Value());
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, std::nullopt);
  }
}

TEST_F(KafkaJsonConverterTest, NullSchemaToJson) {
  EXPECT_EQ(Write(nullptr, Value(true)), R"({"schema":null,"payload":true})");
  EXPECT_EQ(Write(nullptr, Value(Array{Value(1), Value("string"), Value(true)})),
            R"({"schema":null,"payload":[1,"string",true]})");
  EXPECT_EQ(Write(nullptr, Value(Map{{Value("key1"), Value(12)},
                                     {Value("key2"), Value("string")},
                                     {Value("key3"), Value(true)}})),
            R"({"schema":null,"payload":{"key1":12,"key2":"string","key3":true}})");
  EXPECT_EQ(Write(nullptr, Value(Map{{Value("string"), Value(12)},
                                     {Value(52), Value("string")},
                                     {Value(false), Value(true)}})),
            R"({"schema":null,"payload":[["string",12],[52,"string"],[false,true]]})");
}

// ---- envelope and parse errors ------------------------------------------------

TEST_F(KafkaJsonConverterTest, EnvelopeErrors) {
  constexpr char kEnvelope[] =
      "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not "
      "contain additional fields. If you are trying to deserialize plain JSON data, set "
      "schemas.enable=false in your converter configuration.";
  for (std::string_view bad :
       {R"({"a":1})", R"({"schema":null})", R"({"payload":1})",
        R"({"schema":null,"payload":1,"x":2})",
        // ferry: a repeated member is refused (Jackson keeps the last).
        R"({"schema":null,"payload":1,"payload":2})", "[1]", "1", "\"s\"", "null", "", " "}) {
    EXPECT_EQ(ReadError(bad), kEnvelope) << bad;
  }
}

TEST_F(KafkaJsonConverterTest, MalformedJson) {
  for (bool schemas : {true, false}) {
    ASSERT_TRUE(converter_.Configure({{"schemas.enable", schemas ? "true" : "false"}}, false).ok());
    for (std::string_view bad : {"{", "{\"schema\":", "tru", "[1,]", "{} {}"}) {
      EXPECT_THAT(ReadError(bad),
                  StartsWith("Converting byte[] to Kafka Connect data failed due to "
                             "serialization error: "))
          << bad;
    }
  }
}

TEST_F(KafkaJsonConverterTest, SchemaErrors) {
  EXPECT_EQ(ReadError(Envelope(R"({"type":"bogus"})", "1")), "Unknown schema type: bogus");
  EXPECT_EQ(ReadError(Envelope(R"({"type":1})", "1")), "Schema must contain 'type' field");
  EXPECT_EQ(ReadError(Envelope(R"({"type":"array","items":null})", "[]")),
            "Array schema did not specify the element type");
  EXPECT_EQ(ReadError(Envelope(R"({"type":"map","keys":{"type":"string"}})", "{}")),
            "Map schema did not specify the value type");
  EXPECT_EQ(ReadError(Envelope(R"({"type":"map","keys":null,"values":{"type":"int32"}})", "{}")),
            "keySchema cannot be null.");
  EXPECT_EQ(ReadError(Envelope(R"({"type":"map","keys":{"type":"int32"},"values":null})", "[]")),
            "valueSchema cannot be null.");
  EXPECT_EQ(ReadError(Envelope(R"({"type":"struct"})", "{}")),
            "Struct schema's \"fields\" argument is not an array.");
  EXPECT_EQ(ReadError(Envelope(R"({"type":"struct","fields":[{"field":1,"type":"int32"}]})", "{}")),
            "Struct schema's field name not specified properly");
  EXPECT_EQ(
      ReadError(Envelope(
          R"({"type":"struct","fields":[{"field":"a","type":"int32"},{"field":"a","type":"string"}]})",
          "{}")),
      "Cannot create field because of field name duplication a");
  EXPECT_EQ(
      ReadError(Envelope(R"({"type":"struct","fields":[{"field":"","type":"int32"}]})", "{}")),
      "fieldName cannot be null.");
  // A default that a required schema cannot hold.
  EXPECT_EQ(ReadError(Envelope(R"({"type":"int32","default":null})", "1")),
            "Invalid null value for required INT32 field");
}

TEST_F(KafkaJsonConverterTest, MismatchSchemaJson) {
  EXPECT_EQ(WriteError(Schema::Float64(), Value(true)),
            "Invalid type for FLOAT64: class java.lang.Boolean");
}

TEST_F(KafkaJsonConverterTest, StructSchemaMustMatch) {
  SchemaPtr schema = SchemaBuilder::Struct().AddField("field1", Schema::Boolean()).Build();
  SchemaPtr identical = SchemaBuilder::Struct().AddField("field1", Schema::Boolean()).Build();
  SchemaPtr other = SchemaBuilder::Struct().AddField("field1", Schema::String()).Build();
  EXPECT_EQ(
      Write(schema, Value(Struct{identical, {Value(true)}})),
      R"({"schema":{"type":"struct","fields":[{"type":"boolean","optional":false,"field":"field1"}],"optional":false},"payload":{"field1":true}})");
  EXPECT_EQ(WriteError(schema, Value(Struct{other, {Value("x")}})), "Mismatching schema.");
  // Connect compares the Struct's schema with the (null) one given.
  EXPECT_EQ(WriteError(nullptr, Value(Struct{schema, {Value(true)}})), "Mismatching schema.");
}

// ---- primitives, arrays, maps, structs to JSON ---------------------------------

TEST_F(KafkaJsonConverterTest, PrimitivesToJson) {
  EXPECT_EQ(Write(Schema::Int8(), Value(12)),
            R"({"schema":{"type":"int8","optional":false},"payload":12})");
  EXPECT_EQ(Write(Schema::Int16(), Value(12)),
            R"({"schema":{"type":"int16","optional":false},"payload":12})");
  EXPECT_EQ(Write(Schema::Int32(), Value(12)),
            R"({"schema":{"type":"int32","optional":false},"payload":12})");
  EXPECT_EQ(Write(Schema::Int64(), Value(int64_t{4398046511104})),
            R"({"schema":{"type":"int64","optional":false},"payload":4398046511104})");
  EXPECT_EQ(Write(Schema::Float32(), Value(static_cast<double>(12.34f))),
            R"({"schema":{"type":"float","optional":false},"payload":12.34})");
  EXPECT_EQ(Write(Schema::Float64(), Value(12.34)),
            R"({"schema":{"type":"double","optional":false},"payload":12.34})");
  EXPECT_EQ(Write(Schema::Bytes(), Value(Bytes{"test-string"})),
            R"({"schema":{"type":"bytes","optional":false},"payload":"dGVzdC1zdHJpbmc="})");
  EXPECT_EQ(Write(Schema::String(), Value("test-string")),
            R"({"schema":{"type":"string","optional":false},"payload":"test-string"})");
}

TEST_F(KafkaJsonConverterTest, ContainersToJson) {
  EXPECT_EQ(
      Write(SchemaBuilder::Array(Schema::Int32()).Build(),
            Value(Array{Value(1), Value(2), Value(3)})),
      R"({"schema":{"type":"array","items":{"type":"int32","optional":false},"optional":false},"payload":[1,2,3]})");
  EXPECT_EQ(
      Write(SchemaBuilder::Map(Schema::String(), Schema::Int32()).Build(),
            Value(Map{{Value("key1"), Value(12)}, {Value("key2"), Value(15)}})),
      R"({"schema":{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":{"key1":12,"key2":15}})");
  EXPECT_EQ(
      Write(SchemaBuilder::Map(Schema::Int32(), Schema::Int32()).Build(),
            Value(Map{{Value(1), Value(12)}, {Value(2), Value(15)}})),
      R"({"schema":{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":[[1,12],[2,15]]})");
  SchemaPtr st = SchemaBuilder::Struct()
                     .AddField("field1", Schema::Boolean())
                     .AddField("field2", Schema::String())
                     .AddField("field3", Schema::String())
                     .AddField("field4", Schema::Boolean())
                     .Build();
  EXPECT_EQ(
      Write(st, Value(Struct{st, {Value(true), Value("string2"), Value("string3"), Value(false)}})),
      R"({"schema":{"type":"struct","fields":[{"type":"boolean","optional":false,"field":"field1"},{"type":"string","optional":false,"field":"field2"},{"type":"string","optional":false,"field":"field3"},{"type":"boolean","optional":false,"field":"field4"}],"optional":false},"payload":{"field1":true,"field2":"string2","field3":"string3","field4":false}})");
}

// ---- logical types ---------------------------------------------------------------

TEST_F(KafkaJsonConverterTest, DecimalToConnect) {
  // AJw= is {0, -100}: 156 in two's complement.
  SchemaAndValue v = Read(Envelope(kDecimalSchema2, R"("AJw=")"));
  ExpectSchema(v, Schema::Decimal(2));
  EXPECT_EQ(v.value, Value(Decimal{std::string("\x00\x9c", 2), 2}));
  v = Read(Envelope(
      R"({ "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "optional": true, "parameters": { "scale": "2" } })",
      "null"));
  ExpectSchema(v, Schema::Decimal(2, true));
  EXPECT_TRUE(v.value.is_null());
  for (std::string_view optional : {"false", "true"}) {
    v = Read(Envelope(
        absl::StrCat(
            R"({ "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "optional": )",
            std::string(optional), R"(, "default": "AJw=", "parameters": { "scale": "2" } })"),
        "null"));
    EXPECT_EQ(v.value.as_decimal().ToString(), "1.56");
    ASSERT_NE(v.schema->default_value(), nullptr);
    EXPECT_EQ(v.schema->default_value()->as_decimal().ToString(), "1.56");
  }
}

TEST_F(KafkaJsonConverterTest, NumericDecimalToConnect) {
  EXPECT_EQ(Read(Envelope(kDecimalSchema2, "1.56")).value.as_decimal().ToString(), "1.56");
  SchemaAndValue v = Read(Envelope(
      R"({"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"4"}})",
      "1.5600"));
  EXPECT_EQ(v.value, Value(*Decimal::FromString("1.5600")));
  EXPECT_EQ(v.value.as_decimal().scale, 4);
}

TEST_F(KafkaJsonConverterTest, HighPrecisionNumericDecimalToConnect) {
  // Too many digits for a double: read from the text as written, everywhere
  // a Decimal can be.
  constexpr char kSchema17[] =
      R"({"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"17"}})";
  SchemaAndValue v = Read(Envelope(kSchema17, "1.23456789123456789"));
  ExpectSchema(v, Schema::Decimal(17));
  EXPECT_EQ(v.value.as_decimal().ToString(), "1.23456789123456789");

  v = Read(Envelope(absl::StrCat(R"({"type":"array","items":)", kSchema17, "}"),
                    "[ 0.10000000000000001 , -9.8765432109876543e-1 ]"));
  ASSERT_EQ(v.value.as_array().size(), 2u);
  EXPECT_EQ(v.value.as_array()[0].as_decimal().ToString(), "0.10000000000000001");
  EXPECT_EQ(v.value.as_array()[1].as_decimal().ToString(), "-0.98765432109876543");

  v = Read(Envelope(
      absl::StrCat(R"({"type":"struct","fields":[{"type":"string","field":"s"},)",
                   R"({"type":"map","keys":{"type":"string"},"values":)", kSchema17,
                   R"(,"field":"m"},{"type":"map","keys":)", kSchema17,
                   R"(,"values":{"type":"int32"},"field":"n"}]})"),
      R"({"n":[[1.00000000000000001,1]],"s":"x","m":{"a":2.00000000000000002},"m":{"b":3.00000000000000003}})"));
  ASSERT_EQ(v.value.kind(), Value::Kind::kStruct);
  EXPECT_EQ(v.value.StructField("m")->as_map()[0].second.as_decimal().ToString(),
            "3.00000000000000003");
  EXPECT_EQ(v.value.StructField("n")->as_map()[0].first.as_decimal().ToString(),
            "1.00000000000000001");

  // Connect keeps such a number at its own scale (20); ferry holds decimals at
  // the schema's scale and refuses a number that is not exact there.
  EXPECT_EQ(ReadError(Envelope(kSchema17, "0.10000000000000000001")),
            "Invalid value for Decimal field: 0.10000000000000000001 is not exact at scale 17");

  // A schema default is read exactly too.
  v = Read(Envelope(
      R"({"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"17"},"default":1.23456789123456789})",
      "null"));
  EXPECT_EQ(v.value.as_decimal().ToString(), "1.23456789123456789");

  // Escaped member names are the names they decode to: the exact text is the
  // member's own, never another member's.
  v = Read(absl::StrCat(R"({"schema":)", kSchema17, R"(,"pay\u006coad":0.12345678901234567})"));
  EXPECT_EQ(v.value.as_decimal().ToString(), "0.12345678901234567");
  v = Read(Envelope(
      R"({"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"17"},"def\u0061ult":1.00000000000000001,"default":9.99})",
      "null"));
  EXPECT_EQ(v.value.as_decimal().ToString(), "1.00000000000000001");
}

TEST_F(KafkaJsonConverterTest, DecimalToJson) {
  SchemaPtr schema = Schema::Decimal(2);
  Value value(Decimal{std::string("\x00\x9c", 2), 2});
  constexpr char kSchemaJson[] =
      R"({"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}})";
  EXPECT_EQ(Write(schema, value), Envelope(kSchemaJson, R"("AJw=")"));
  ASSERT_TRUE(converter_.Configure({{"decimal.format", "NUMERIC"}}, false).ok());
  EXPECT_EQ(Write(schema, value), Envelope(kSchemaJson, "1.56"));
  EXPECT_EQ(
      Write(Schema::Decimal(4), Value(*Decimal::FromString("1.5600"))),
      Envelope(
          R"({"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"4"}})",
          "1.5600"));
}

TEST_F(KafkaJsonConverterTest, DecimalErrors) {
  // Without a schema a BigDecimal has no JSON type.
  // Connect prints value.getClass(), hence "class" twice.
  EXPECT_EQ(WriteError(nullptr, Value(*Decimal::FromString("1.56"))),
            "Java class class java.math.BigDecimal does not have corresponding schema type.");
  // BASE64 needs the value at the schema's scale (Decimal.fromLogical).
  EXPECT_EQ(WriteError(Schema::Decimal(2), Value(*Decimal::FromString("1.5"))),
            "BigDecimal has mismatching scale value for given Decimal schema");
  // Decimal.scale(schema): the parameter must be there and be an int.
  SchemaPtr no_scale =
      SchemaBuilder(Type::kBytes).Name("org.apache.kafka.connect.data.Decimal").Build();
  EXPECT_EQ(WriteError(no_scale, Value(*Decimal::FromString("1"))),
            "Invalid Decimal schema: scale parameter not found.");
  EXPECT_EQ(ReadError(Envelope(R"({"type":"bytes","name":"org.apache.kafka.connect.data.Decimal"})",
                               R"("AJw=")")),
            "Invalid Decimal schema: scale parameter not found.");
  EXPECT_EQ(
      ReadError(Envelope(
          R"({"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"two"}})",
          R"("AJw=")")),
      "Invalid scale parameter found in Decimal schema: For input string: \"two\"");
  EXPECT_EQ(ReadError(Envelope(kDecimalSchema2, R"("")")), "Invalid bytes for Decimal field");
  EXPECT_EQ(ReadError(Envelope(kDecimalSchema2, "[]")),
            "Invalid type for Decimal, underlying representation should be numeric or bytes but "
            "was ARRAY");
}

TEST_F(KafkaJsonConverterTest, DateTimeTimestampToConnect) {
  SchemaAndValue v = Read(
      Envelope(R"({ "type": "int32", "name": "org.apache.kafka.connect.data.Date", "version": 1 })",
               "10000"));
  ExpectSchema(v, Schema::Date());
  EXPECT_EQ(v.value, Value(Date{10000}));
  v = Read(
      Envelope(R"({ "type": "int32", "name": "org.apache.kafka.connect.data.Time", "version": 1 })",
               "14400000"));
  ExpectSchema(v, Schema::Time());
  EXPECT_EQ(v.value, Value(TimeOfDay{int64_t{14400000} * 1000}));
  v = Read(Envelope(
      R"({ "type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", "version": 1 })",
      "4000000000"));
  ExpectSchema(v, Schema::Timestamp());
  EXPECT_EQ(v.value, Value(Timestamp{int64_t{4000000000} * 1000}));
}

TEST_F(KafkaJsonConverterTest, LogicalTypesOptionalAndDefaults) {
  struct Case {
    std::string_view type, name, default_json;
    SchemaPtr optional_schema;
    Value default_value;
  };
  for (const Case& c : std::vector<Case>{
           {"int32", "Date", "0", Schema::Date(true), Value(Date{0})},
           {"int32", "Time", "0", Schema::Time(true), Value(TimeOfDay{0})},
           {"int64", "Timestamp", "42", Schema::Timestamp(true), Value(Timestamp{42'000})},
       }) {
    const std::string base = absl::StrCat(R"({ "type": ")", std::string(c.type),
                                          R"(", "name": "org.apache.kafka.connect.data.)",
                                          std::string(c.name), R"(", "version": 1)");
    SchemaAndValue v = Read(Envelope(absl::StrCat(base, R"(, "optional": true })"), "null"));
    ExpectSchema(v, c.optional_schema);
    EXPECT_TRUE(v.value.is_null()) << c.name;
    for (std::string_view optional : {"false", "true"}) {
      v = Read(Envelope(absl::StrCat(base, R"(, "optional": )", std::string(optional),
                                     R"(, "default": )", std::string(c.default_json), " }"),
                        "null"));
      EXPECT_EQ(v.value, c.default_value) << c.name;
      ASSERT_NE(v.schema->default_value(), nullptr);
      EXPECT_EQ(*v.schema->default_value(), c.default_value);
    }
  }
}

TEST_F(KafkaJsonConverterTest, DateTimeTimestampToJson) {
  EXPECT_EQ(
      Write(Schema::Date(), Value(Date{10000})),
      R"({"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1},"payload":10000})");
  EXPECT_EQ(
      Write(Schema::Time(), Value(TimeOfDay{int64_t{14400000} * 1000})),
      R"({"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1},"payload":14400000})");
  EXPECT_EQ(
      Write(Schema::Timestamp(), Value(Timestamp{int64_t{4000000000} * 1000})),
      R"({"schema":{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},"payload":4000000000})");
  EXPECT_EQ(WriteError(Schema::Date(), Value(10000)),
            "Invalid type for Date, expected Date but was class java.lang.Long");
}

TEST_F(KafkaJsonConverterTest, LogicalTypeRangesAndTypes) {
  EXPECT_EQ(ReadError(Envelope(R"({"type":"int32","name":"org.apache.kafka.connect.data.Date"})",
                               "3000000000")),
            "Invalid type for Date, underlying representation should be integer but was NUMBER");
  EXPECT_EQ(
      ReadError(Envelope(R"({"type":"int32","name":"org.apache.kafka.connect.data.Time"})", "-1")),
      "Kafka Connect Time type should not have any date fields set to non-zero values.");
  SchemaAndValue v =
      Read(Envelope(R"({"type":"int32","name":"org.apache.kafka.connect.data.Time"})", "86400000"));
  EXPECT_EQ(v.value, Value(TimeOfDay{int64_t{86'400'000} * 1000}));
  // ferry holds timestamps as microseconds: ±292,000 years.
  EXPECT_EQ(
      ReadError(Envelope(R"({"type":"int64","name":"org.apache.kafka.connect.data.Timestamp"})",
                         "9223372036854776")),
      "Timestamp 9223372036854776 ms is out of range");
}

// ---- defaults and replace.null.with.default (KIP-1040) -------------------------

TEST_F(KafkaJsonConverterTest, NullFieldWithDefault) {
  SchemaPtr field = SchemaBuilder(Type::kInt32).Optional().Default(Value(42)).Build();
  SchemaPtr schema = SchemaBuilder::Struct().AddField("f", field).Build();
  const std::string json = Envelope(
      R"({"type":"struct","fields":[{"type":"int32","optional":true,"default":42,"field":"f"}],"optional":false})",
      R"({"f":null})");
  // true (default): a null becomes the default, both ways.
  EXPECT_EQ(*Read(json).value.StructField("f"), Value(42));
  EXPECT_EQ(
      Write(schema, Value(Struct{schema, {Value()}})),
      Envelope(
          R"({"type":"struct","fields":[{"type":"int32","optional":true,"default":42,"field":"f"}],"optional":false})",
          R"({"f":42})"));
  // false: null stays null.
  ASSERT_TRUE(converter_.Configure({{"replace.null.with.default", "false"}}, false).ok());
  EXPECT_TRUE(Read(json).value.StructField("f")->is_null());
  EXPECT_EQ(
      Write(schema, Value(Struct{schema, {Value()}})),
      Envelope(
          R"({"type":"struct","fields":[{"type":"int32","optional":true,"default":42,"field":"f"}],"optional":false})",
          R"({"f":null})"));
  // An absent field is null too.
  EXPECT_TRUE(
      Read(
          Envelope(
              R"({"type":"struct","fields":[{"type":"int32","optional":true,"default":42,"field":"f"}]})",
              "{}"))
          .value.StructField("f")
          ->is_null());
  // A required field with a default cannot be null when it is not replaced.
  SchemaPtr required = SchemaBuilder(Type::kInt32).Default(Value(42)).Build();
  EXPECT_EQ(WriteError(required, Value()),
            "Conversion error: null value for field that is required and has no default value");
  EXPECT_EQ(ReadError(Envelope(R"({"type":"int32","default":42})", "null")),
            "Invalid null value for required INT32 field");
}

TEST_F(KafkaJsonConverterTest, TopLevelNullWithDefault) {
  SchemaPtr schema = SchemaBuilder(Type::kString).Optional().Default(Value("d")).Build();
  EXPECT_EQ(Write(schema, Value()),
            R"({"schema":{"type":"string","optional":true,"default":"d"},"payload":"d"})");
  ASSERT_TRUE(converter_.Configure({{"replace.null.with.default", "false"}}, false).ok());
  EXPECT_EQ(Write(schema, Value()),
            R"({"schema":{"type":"string","optional":true,"default":"d"},"payload":null})");
}

TEST_F(KafkaJsonConverterTest, RequiredFieldErrors) {
  EXPECT_EQ(
      ReadError(Envelope(R"({"type":"struct","fields":[{"type":"string","field":"r"}]})", "{}")),
      "Invalid null value for required STRING field");
  SchemaPtr schema = SchemaBuilder::Struct().AddField("r", Schema::String()).Build();
  EXPECT_EQ(WriteError(schema, Value(Struct{schema, {Value()}})),
            "Conversion error: null value for field that is required and has no default value");
}

// ---- schema caches (schemas.cache.size) -------------------------------------------

TEST_F(KafkaJsonConverterTest, SchemaCacheToConnect) {
  constexpr char kRecord[] = R"({ "schema": { "type": "boolean" }, "payload": true })";
  // Same text, same schema object (from the cache).
  EXPECT_EQ(Read(kRecord).schema.get(), Read(kRecord).schema.get());
  // Equivalent text written differently is another entry, read afresh.
  SchemaAndValue other =
      Read(R"({ "schema": { "type": "boolean", "optional": false }, "payload": true })");
  EXPECT_NE(other.schema.get(), Read(kRecord).schema.get());
  EXPECT_TRUE(other.schema->Equals(*Read(kRecord).schema));
}

TEST_F(KafkaJsonConverterTest, SchemaCacheSizeZeroCachesNothing) {
  ASSERT_TRUE(converter_.Configure({{"schemas.cache.size", "0"}}, false).ok());
  constexpr char kRecord[] = R"({ "schema": { "type": "boolean" }, "payload": true })";
  SchemaAndValue a = Read(kRecord);
  SchemaAndValue b = Read(kRecord);
  EXPECT_NE(a.schema.get(), b.schema.get());
  EXPECT_TRUE(a.schema->Equals(*b.schema));
  EXPECT_EQ(Write(Schema::Boolean(), Value(true)), Write(Schema::Boolean(), Value(true)));
}

TEST_F(KafkaJsonConverterTest, SchemaCacheSizeOneKeepsWorking) {
  ASSERT_TRUE(converter_.Configure({{"schemas.cache.size", "1"}}, false).ok());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Read(R"({"schema":{"type":"int32"},"payload":1})").value, Value(1));
    EXPECT_EQ(Read(R"({"schema":{"type":"string"},"payload":"a"})").value, Value("a"));
    EXPECT_EQ(Write(Schema::Int32(), Value(1)),
              R"({"schema":{"type":"int32","optional":false},"payload":1})");
    EXPECT_EQ(Write(Schema::String(), Value("a")),
              R"({"schema":{"type":"string","optional":false},"payload":"a"})");
  }
}

// ---- headers and keys ---------------------------------------------------------------

TEST_F(KafkaJsonConverterTest, HeadersDelegateToData) {
  HeaderConverter& hc = converter_;
  ASSERT_TRUE(hc.Configure({}).ok());
  absl::StatusOr<std::optional<std::string>> bytes =
      hc.FromConnectHeader("topic", "headerName", Schema::String(), Value("test-string"));
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(**bytes, R"({"schema":{"type":"string","optional":false},"payload":"test-string"})");
  absl::StatusOr<SchemaAndValue> v = hc.ToConnectHeader(
      "topic", "headerName",
      std::string(R"({ "schema": { "type": "string" }, "payload": "foo-bar-baz" })"));
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->schema->Equals(*Schema::String()));
  EXPECT_EQ(v->value, Value("foo-bar-baz"));
}

TEST_F(KafkaJsonConverterTest, KeyAndValueBehaveTheSame) {
  JsonConverter key;
  ASSERT_TRUE(key.Configure({}, true).ok());
  const std::string json = R"({"schema":{"type":"int64","optional":false},"payload":7})";
  absl::StatusOr<SchemaAndValue> k = key.ToConnectData("t", Headers(), json);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->value, Read(json).value);
  EXPECT_EQ(**key.FromConnectData("t", Schema::Int64(), Value(7)), json);
}

}  // namespace
}  // namespace ferry
