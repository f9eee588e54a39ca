#include "convert/json_schema_converter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "convert/testing/registry_http.h"
#include "convert/testing/schema_inspect.h"
#include "schemaregistry/test_registry.h"

namespace ferry {
namespace {

using schemaregistry::testing::TestRegistry;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace ft = ::ferry::testing;

using ft::FieldNames;
using ft::FieldSchema;
using ft::Param;

constexpr char kPython[] = "/usr/bin/python3";

class JsonSchemaConverterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = TestRegistry::Start();
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(*registry);
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("ferry-jsonschema-test-", ::getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<JsonSchemaConverter> Make(std::map<std::string, std::string> props = {},
                                            bool is_key = false) {
    props.emplace("schema.registry.url", registry_->url());
    auto c = std::make_unique<JsonSchemaConverter>();
    absl::Status s = c->Configure(props, is_key);
    EXPECT_TRUE(s.ok()) << s;
    return c;
  }

  int Register(const std::string& subject, const std::string& schema,
               const std::vector<ft::HttpReference>& refs = {}) {
    absl::StatusOr<int> id = ft::RegisterOverHttp(registry_->url(), subject, "JSON", schema, refs);
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? *id : 0;
  }

  SchemaAndValue Read(JsonSchemaConverter& c, int id, const std::string& json,
                      const std::string& topic = "t") {
    absl::StatusOr<SchemaAndValue> r = c.ToConnectData(topic, Headers(), ft::WireBytes(id, json));
    EXPECT_TRUE(r.ok()) << r.status() << "\n" << json;
    if (r.ok() && r->schema) {
      EXPECT_TRUE(ValidateValue(*r->schema, r->value).empty())
          << ValidateValue(*r->schema, r->value);
    }
    return r.ok() ? *r : SchemaAndValue{};
  }

  // The subject of topic "t" is "t-value": a schema registered under another
  // subject is read from that subject's topic, as Confluent's deserializer
  // asks the topic's subject for the schema's version.
  absl::Status ReadError(JsonSchemaConverter& c, int id, const std::string& json,
                         const std::string& topic = "t") {
    absl::StatusOr<SchemaAndValue> r = c.ToConnectData(topic, Headers(), ft::WireBytes(id, json));
    if (r.ok()) return absl::OkStatus();
    return r.status();
  }

  // python3-jsonschema's verdict on each instance: "valid" or "invalid …".
  std::vector<std::string> PythonVerdicts(const std::string& schema,
                                          const std::vector<std::string>& instances) {
    nlohmann::json spec = {{"schema", nlohmann::json::parse(schema)},
                           {"instances", nlohmann::json::array()}};
    for (const std::string& i : instances) spec["instances"].push_back(nlohmann::json::parse(i));
    const std::string path = (dir_ / absl::StrCat("spec-", files_++, ".json")).string();
    std::ofstream(path) << spec.dump();
    std::string out;
    FILE* p = popen(
        absl::StrCat(kPython, " ", FERRY_JSONSCHEMA_VALIDATOR, " ", path, " 2>&1").c_str(), "r");
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    EXPECT_EQ(pclose(p), 0) << out;
    std::vector<std::string> lines = absl::StrSplit(out, '\n', absl::SkipEmpty());
    EXPECT_EQ(lines.size(), instances.size()) << out;
    return lines;
  }

  std::unique_ptr<TestRegistry> registry_;
  std::filesystem::path dir_;
  int files_ = 0;
};

constexpr char kOrder[] = R"({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "com.example.Order",
  "description": "An order",
  "type": "object",
  "properties": {
    "id": {"type": "string"},
    "count": {"type": "integer"},
    "ratio": {"type": "number"},
    "paid": {"type": "boolean"},
    "small": {"type": "integer", "connect.type": "int8"},
    "medium": {"type": "integer", "connect.type": "int16"},
    "int": {"type": "integer", "connect.type": "int32"},
    "single": {"type": "number", "connect.type": "float32"},
    "blob": {"type": "string", "connect.type": "bytes"},
    "tags": {"type": "array", "items": {"type": "string"}},
    "attrs": {"type": "object", "connect.type": "map", "additionalProperties": {"type": "integer"}},
    "by_number": {"type": "array", "connect.type": "map",
                  "items": {"type": "object", "properties": {"key": {"type": "integer"},
                                                             "value": {"type": "string"}}}},
    "address": {"type": "object", "title": "Address",
                "properties": {"city": {"type": "string"}, "zip": {"type": "string"}},
                "required": ["city"]},
    "status": {"type": "string", "enum": ["NEW", "PAID"]},
    "note": {"oneOf": [{"type": "null"}, {"type": "string"}]},
    "alias": {"type": ["string", "null"]},
    "choice": {"oneOf": [{"type": "integer"}, {"type": "string"},
                         {"type": "object", "properties": {"x": {"type": "integer"}}}]},
    "free": {"type": "object"},
    "anything": {},
    "counts": {"type": "object", "additionalProperties": {"type": "number"}}
  },
  "required": ["id"]
})";

TEST_F(JsonSchemaConverterTest, ObjectsAndEveryMappedType) {
  const int id = Register("t-value", kOrder);
  auto c = Make();
  const std::string json = R"({"id":"o1","count":9000000000,"ratio":0.5,"paid":true,"small":-3,
    "medium":300,"int":70000,"single":1.5,"blob":"AP8=","tags":["a","b"],"attrs":{"x":1,"y":2},
    "by_number":[{"key":1,"value":"one"}],"address":{"city":"Oslo","zip":"0150"},"status":"PAID","note":null,
    "alias":"al","choice":"s","free":{"k":[1,{"z":null}]},"anything":[true],
    "counts":{"a":1.25}})";
  SchemaAndValue r = Read(*c, id, json);
  ASSERT_NE(r.schema, nullptr);
  const Schema& s = *r.schema;
  EXPECT_EQ(s.type(), Type::kStruct);
  EXPECT_EQ(s.name(), "com.example.Order");
  EXPECT_EQ(s.doc(), "An order");
  EXPECT_EQ(s.version(), 1);
  EXPECT_THAT(FieldNames(s),
              ElementsAre("id", "count", "ratio", "paid", "small", "medium", "int", "single",
                          "blob", "tags", "attrs", "by_number", "address", "status", "note",
                          "alias", "choice", "free", "anything", "counts"));
  EXPECT_EQ(FieldSchema(s, "id").type(), Type::kString);
  EXPECT_EQ(FieldSchema(s, "count").type(), Type::kInt64);
  EXPECT_EQ(FieldSchema(s, "ratio").type(), Type::kFloat64);
  EXPECT_EQ(FieldSchema(s, "paid").type(), Type::kBoolean);
  EXPECT_EQ(FieldSchema(s, "small").type(), Type::kInt8);
  EXPECT_EQ(FieldSchema(s, "medium").type(), Type::kInt16);
  EXPECT_EQ(FieldSchema(s, "int").type(), Type::kInt32);
  EXPECT_EQ(FieldSchema(s, "single").type(), Type::kFloat32);
  EXPECT_EQ(FieldSchema(s, "blob").type(), Type::kBytes);
  EXPECT_EQ(FieldSchema(s, "tags").type(), Type::kArray);
  EXPECT_EQ(FieldSchema(s, "tags").value_schema()->type(), Type::kString);
  const Schema& attrs = FieldSchema(s, "attrs");
  EXPECT_EQ(attrs.type(), Type::kMap);
  EXPECT_EQ(attrs.key_schema()->type(), Type::kString);
  EXPECT_EQ(attrs.value_schema()->type(), Type::kInt64);
  EXPECT_EQ(FieldSchema(s, "by_number").type(), Type::kMap);
  EXPECT_EQ(FieldSchema(s, "by_number").key_schema()->type(), Type::kInt64);
  const Schema& address = FieldSchema(s, "address");
  EXPECT_EQ(address.name(), "Address");
  EXPECT_EQ(address.type(), Type::kStruct);
  const Schema& status = FieldSchema(s, "status");
  EXPECT_EQ(status.type(), Type::kString);
  EXPECT_EQ(Param(status, "io.confluent.connect.json.Enum"), "");
  EXPECT_EQ(Param(status, "io.confluent.connect.json.Enum.PAID"), "PAID");
  EXPECT_EQ(FieldSchema(s, "note").type(), Type::kString);
  EXPECT_TRUE(FieldSchema(s, "note").optional());
  EXPECT_EQ(FieldSchema(s, "alias").type(), Type::kString);
  EXPECT_TRUE(FieldSchema(s, "alias").optional());
  const Schema& choice = FieldSchema(s, "choice");
  EXPECT_EQ(choice.type(), Type::kStruct);
  EXPECT_EQ(choice.name(), "io.confluent.connect.json.OneOf");
  EXPECT_THAT(FieldNames(choice), ElementsAre("io.confluent.connect.json.OneOf.field.0",
                                              "io.confluent.connect.json.OneOf.field.1",
                                              "io.confluent.connect.json.OneOf.field.2"));
  EXPECT_FALSE(choice.optional());
  EXPECT_TRUE(FieldSchema(s, "free").IsLogical(logical::kJson));
  EXPECT_TRUE(FieldSchema(s, "anything").IsLogical(logical::kJson));
  EXPECT_EQ(FieldSchema(s, "counts").type(), Type::kMap);
  // Properties are required Connect fields unless use.optional.for.nonrequired.
  EXPECT_FALSE(FieldSchema(s, "count").optional());

  const Value& v = r.value;
  EXPECT_EQ(*v.StructField("id"), Value("o1"));
  EXPECT_EQ(*v.StructField("count"), Value(int64_t{9000000000}));
  EXPECT_EQ(*v.StructField("ratio"), Value(0.5));
  EXPECT_EQ(*v.StructField("small"), Value(-3));
  EXPECT_EQ(*v.StructField("medium"), Value(300));
  EXPECT_EQ(*v.StructField("single"), Value(1.5));
  EXPECT_EQ(*v.StructField("blob"), Value(Bytes{std::string("\0\xff", 2)}));
  EXPECT_EQ(v.StructField("tags")->DebugString(), "[\"a\",\"b\"]");
  EXPECT_EQ(v.StructField("attrs")->as_map().size(), 2u);
  EXPECT_EQ(v.StructField("by_number")->as_map()[0].first, Value(1));
  EXPECT_EQ(v.StructField("by_number")->as_map()[0].second, Value("one"));
  EXPECT_EQ(v.StructField("address")->DebugString(), "Struct{city=\"Oslo\",zip=\"0150\"}");
  EXPECT_EQ(*v.StructField("status"), Value("PAID"));
  EXPECT_TRUE(v.StructField("note")->is_null());
  EXPECT_EQ(*v.StructField("alias"), Value("al"));
  EXPECT_EQ(v.StructField("choice")->DebugString(),
            "Struct{io.confluent.connect.json.OneOf.field.0=null,"
            "io.confluent.connect.json.OneOf.field.1=\"s\","
            "io.confluent.connect.json.OneOf.field.2=null}");
  EXPECT_EQ(*v.StructField("free"), Value("{\"k\":[1,{\"z\":null}]}"));
  EXPECT_EQ(*v.StructField("anything"), Value("[true]"));
}

TEST_F(JsonSchemaConverterTest, OptionalityFollowsRequiredWithUseOptionalForNonrequired) {
  const int id = Register("t-value", kOrder);
  auto strict = Make();
  // A property left out is null in its required Connect field, as
  // JsonSchemaData's struct reader leaves the field unset; an explicit null
  // for a required field is refused.
  absl::StatusOr<SchemaAndValue> missing =
      strict->ToConnectData("t", Headers(), ft::WireBytes(id, R"({"id":"x"})"));
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_FALSE(FieldSchema(*missing->schema, "count").optional());
  EXPECT_TRUE(missing->value.StructField("count")->is_null());
  EXPECT_TRUE(missing->value.StructField("address")->is_null());
  EXPECT_EQ(*missing->value.StructField("id"), Value("x"));
  absl::Status null = ReadError(*strict, id, R"({"id":null})");
  EXPECT_THAT(std::string(null.message()),
              HasSubstr("id: Invalid null value for required STRING field"));

  auto optional = Make({{"use.optional.for.nonrequired", "true"}});
  SchemaAndValue r = Read(*optional, id, R"({"id":"x","choice":{"x":4}})");
  ASSERT_NE(r.schema, nullptr);
  EXPECT_FALSE(FieldSchema(*r.schema, "id").optional());
  EXPECT_TRUE(FieldSchema(*r.schema, "count").optional());
  EXPECT_FALSE(FieldSchema(FieldSchema(*r.schema, "address"), "city").optional());
  EXPECT_TRUE(FieldSchema(FieldSchema(*r.schema, "address"), "zip").optional());
  EXPECT_TRUE(r.value.StructField("count")->is_null());
  // The struct member that shares the most property names is chosen.
  EXPECT_EQ(r.value.StructField("choice")->as_struct().values[2].DebugString(), "Struct{x=4}");
}

TEST_F(JsonSchemaConverterTest, LogicalTypesAsJsonSchemaDataWritesThem) {
  const int id = Register("t-value", R"({"type":"object","properties":{
    "amount": {"type":"number","title":"org.apache.kafka.connect.data.Decimal","connect.version":1,
               "connect.type":"bytes","connect.parameters":{"scale":"2"}},
    "amount64": {"type":"string","title":"org.apache.kafka.connect.data.Decimal",
                 "connect.type":"bytes","connect.parameters":{"scale":"2"}},
    "day": {"type":"integer","title":"org.apache.kafka.connect.data.Date","connect.version":1,
            "connect.type":"int32"},
    "time": {"type":"integer","title":"org.apache.kafka.connect.data.Time","connect.version":1,
             "connect.type":"int32"},
    "at": {"type":"integer","title":"org.apache.kafka.connect.data.Timestamp","connect.version":1,
           "connect.type":"int64"},
    "when": {"type":"string","format":"date-time"}
  }})");
  auto c = Make();
  // 12345678901234567890.12 keeps every digit; base64 "/tQ=" is -300 unscaled.
  SchemaAndValue r = Read(*c, id, R"({"amount":12345678901234567890.1,"amount64":"/tQ=",
      "day":19782,"time":47655500,"at":1700000000123,"when":"2024-02-29T00:00:00Z"})");
  ASSERT_NE(r.schema, nullptr);
  const Schema& amount = FieldSchema(*r.schema, "amount");
  EXPECT_TRUE(amount.IsLogical(logical::kDecimal));
  EXPECT_EQ(amount.type(), Type::kBytes);
  EXPECT_EQ(Param(amount, "scale"), "2");
  EXPECT_EQ(amount.version(), 1);
  EXPECT_TRUE(FieldSchema(*r.schema, "day").IsLogical(logical::kDate));
  EXPECT_TRUE(FieldSchema(*r.schema, "time").IsLogical(logical::kTime));
  EXPECT_TRUE(FieldSchema(*r.schema, "at").IsLogical(logical::kTimestamp));
  // JsonSchemaData does not read "format": a date-time stays a STRING.
  EXPECT_EQ(FieldSchema(*r.schema, "when").type(), Type::kString);
  const Value& v = r.value;
  EXPECT_EQ(v.StructField("amount")->as_decimal().ToString(), "12345678901234567890.10");
  EXPECT_EQ(v.StructField("amount64")->as_decimal().ToString(), "-3.00");
  EXPECT_EQ(*v.StructField("day"), Value(Date{19782}));
  EXPECT_EQ(*v.StructField("time"), Value(TimeOfDay{int64_t{47655500} * 1000}));
  EXPECT_EQ(*v.StructField("at"), Value(Timestamp{int64_t{1700000000123} * 1000}));
  for (const char* bad :
       {R"({"amount":1.234,"amount64":"AA==","day":1,"time":1,"at":1,"when":""})",
        R"({"amount":1,"amount64":"AA==","day":1.5,"time":1,"at":1,"when":""})",
        R"({"amount":1,"amount64":"AA==","day":1,"time":86400000,"at":1,"when":""})",
        R"({"amount":1,"amount64":"not base64!","day":1,"time":1,"at":1,"when":""})"}) {
    absl::Status s = ReadError(*c, id, bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(JsonSchemaConverterTest, RefsResolveLocallyAndThroughReferences) {
  Register("address", R"({"$id":"https://example.com/address.json","type":"object",
    "properties":{"city":{"type":"string"}},"definitions":{"Zip":{"type":"string"}}})");
  const int id = Register("t-value", R"({"title":"Customer","type":"object",
    "definitions":{"Name":{"type":"string","title":"Name"}},
    "$defs":{"Tags":{"type":"array","items":{"type":"string"}}},
    "properties":{
      "name":{"$ref":"#/definitions/Name"},
      "tags":{"$ref":"#/$defs/Tags"},
      "home":{"$ref":"address.json"},
      "zip":{"$ref":"address.json#/definitions/Zip"},
      "work":{"oneOf":[{"type":"null"},{"$ref":"https://example.com/address.json"}]}}})",
                          {{"address.json", "address", 1}});
  auto c = Make();
  SchemaAndValue r = Read(*c, id, R"({"name":"n","tags":["t"],"home":{"city":"Oslo"},
      "zip":"0150","work":null})");
  ASSERT_NE(r.schema, nullptr);
  EXPECT_EQ(r.schema->name(), "Customer");
  EXPECT_EQ(FieldSchema(*r.schema, "name").name(), "Name");
  EXPECT_EQ(FieldSchema(*r.schema, "tags").type(), Type::kArray);
  EXPECT_EQ(FieldSchema(*r.schema, "home").type(), Type::kStruct);
  EXPECT_TRUE(FieldSchema(*r.schema, "work").optional());
  EXPECT_EQ(r.value.DebugString(),
            "Struct{name=\"n\",tags=[\"t\"],home=Struct{city=\"Oslo\"},zip=\"0150\",work=null}");
  // Cached: the second record asks the registry nothing.
  const int64_t before = registry_->requests();
  Read(*c, id, R"({"name":"m","tags":[],"home":{"city":"B"},"zip":"1","work":{"city":"W"}})");
  EXPECT_EQ(registry_->requests(), before);

  const int recursive = Register("tree-value", R"({"definitions":{"Node":{"type":"object",
    "properties":{"children":{"type":"array","items":{"$ref":"#/definitions/Node"}}}}},
    "$ref":"#/definitions/Node"})");
  absl::Status s = ReadError(*c, recursive, R"({"children":[]})", "tree");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("is recursive"));
  const int dangling = Register("d-value", R"({"type":"object","properties":{
    "x":{"$ref":"#/definitions/Missing"}}})");
  EXPECT_THAT(std::string(ReadError(*c, dangling, R"({"x":1})", "d").message()),
              HasSubstr("points at nothing"));
}

TEST_F(JsonSchemaConverterTest, ConnectIndexOrdersFieldsAndDefaultsApply) {
  const int id = Register("t-value", R"({"type":"object","properties":{
    "b":{"type":"integer","connect.index":1},
    "a":{"type":"string","connect.index":0},
    "c":{"type":"string","default":"dflt","description":"with a default"}}})");
  auto c = Make();
  SchemaAndValue r = Read(*c, id, R"({"a":"x","b":1})");
  ASSERT_NE(r.schema, nullptr);
  EXPECT_THAT(FieldNames(*r.schema), ElementsAre("a", "b", "c"));
  const Schema& cs = FieldSchema(*r.schema, "c");
  ASSERT_NE(cs.default_value(), nullptr);
  EXPECT_EQ(*cs.default_value(), Value("dflt"));
  EXPECT_EQ(cs.doc(), "with a default");
  EXPECT_EQ(*r.value.StructField("c"), Value("dflt"));
}

TEST_F(JsonSchemaConverterTest, TheSchemaVersionIsTheOneInTheSubject) {
  Register("t-value", R"({"type":"object","properties":{"a":{"type":"string"}}})");
  const int id2 = Register("t-value", R"({"type":"object","properties":{"a":{"type":"string"},
    "b":{"type":"string"}}})");
  auto c = Make({{"use.optional.for.nonrequired", "true"}});
  EXPECT_EQ(Read(*c, id2, R"({"a":"x"})").schema->version(), 2);
  // connect.version wins over the registry's.
  const int own = Register("o-value", R"({"type":"object","connect.version":7,
    "properties":{"a":{"type":"string"}}})");
  EXPECT_EQ(Read(*c, own, R"({"a":"x"})", "o").schema->version(), 7);
}

TEST_F(JsonSchemaConverterTest, FailInvalidSchemaValidatesAsAnIndependentValidatorDoes) {
  const std::string schema = R"({"type":"object","additionalProperties":false,
    "properties":{
      "id":{"type":"string","pattern":"^o[0-9]+$","minLength":2,"maxLength":5},
      "n":{"type":"integer","minimum":1,"exclusiveMaximum":10},
      "x":{"type":"number","multipleOf":0.5},
      "tags":{"type":"array","items":{"type":"string"},"maxItems":2},
      "kind":{"enum":["a","b"]},
      "one":{"oneOf":[{"type":"integer"},{"type":"string"}]},
      "nested":{"type":"object","properties":{"k":{"type":"boolean"}},"required":["k"]}},
    "required":["id"]})";
  const int id = Register("t-value", schema);
  const std::vector<std::string> instances = {
      R"({"id":"o1","n":5,"x":1.5,"tags":["a"],"kind":"a","one":3,"nested":{"k":true}})",
      R"({"id":7})",
      R"({"n":5})",
      R"({"id":"x1"})",
      R"({"id":"o123456"})",
      R"({"id":"o1","n":0})",
      R"({"id":"o1","n":10})",
      R"({"id":"o1","x":0.3})",
      R"({"id":"o1","tags":["a","b","c"]})",
      R"({"id":"o1","kind":"c"})",
      R"({"id":"o1","one":true})",
      R"({"id":"o1","nested":{}})",
      R"({"id":"o1","extra":1})",
      R"({"id":"o1","n":2.5})",
  };
  std::vector<std::string> python = PythonVerdicts(schema, instances);
  auto c = Make({{"json.fail.invalid.schema", "true"}, {"use.optional.for.nonrequired", "true"}});
  for (size_t i = 0; i < instances.size() && i < python.size(); ++i) {
    absl::StatusOr<SchemaAndValue> r =
        c->ToConnectData("t", Headers(), ft::WireBytes(id, instances[i]));
    const bool python_valid = python[i] == "valid";
    if (python_valid) {
      EXPECT_TRUE(r.ok()) << instances[i] << ": " << r.status();
    } else {
      ASSERT_FALSE(r.ok()) << instances[i] << " (python3-jsonschema: " << python[i] << ")";
      EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(std::string(r.status().message()),
                  HasSubstr("JSON does not match schema of type JSON: #"))
          << instances[i];
    }
  }
  EXPECT_THAT(std::string(ReadError(*c, id, instances[1]).message()),
              HasSubstr("#/id: expected type: String, found: Integer"));
  EXPECT_THAT(std::string(ReadError(*c, id, instances[2]).message()),
              HasSubstr("#: required key [id] not found"));
  EXPECT_THAT(std::string(ReadError(*c, id, instances[12]).message()),
              HasSubstr("#: extraneous key [extra] is not permitted"));
  // Without validation, JsonSchemaData reads what it maps and ignores the rest.
  auto lenient = Make({{"use.optional.for.nonrequired", "true"}});
  EXPECT_TRUE(lenient->ToConnectData("t", Headers(), ft::WireBytes(id, instances[12])).ok());
  EXPECT_TRUE(lenient->ToConnectData("t", Headers(), ft::WireBytes(id, instances[5])).ok());
}

TEST_F(JsonSchemaConverterTest, MalformedInputIsRecordFatalNeverACrash) {
  const int id = Register("t-value", kOrder);
  auto c = Make({{"use.optional.for.nonrequired", "true"}});
  const std::string good =
      R"({"id":"o1","count":3,"tags":["a"],"attrs":{"x":1},"address":{"city":"Oslo"},)"
      R"("choice":{"x":1},"free":{"a":[1,2]},"status":"NEW"})";
  ASSERT_TRUE(c->ToConnectData("t", Headers(), ft::WireBytes(id, good)).ok());
  auto expect_invalid = [&](const std::string& bytes, const std::string& text,
                            const std::string& topic = "t") {
    absl::StatusOr<SchemaAndValue> r = c->ToConnectData(topic, Headers(), bytes);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(text));
  };
  const std::string prefix =
      "Converting byte[] to Kafka Connect data failed due to serialization error of topic t: ";
  expect_invalid(std::string("\x01\x00\x00\x00\x01{}", 7), prefix + "Unknown magic byte!");
  expect_invalid(std::string("\x00\x00", 2), prefix);
  expect_invalid(ft::WireBytes(id, "{\"id\":"), "the payload is not JSON");
  expect_invalid(ft::WireBytes(id, "{\"id\":\"a\"} x"), "the payload is not JSON");
  expect_invalid(ft::WireBytes(id, "{\"id\":\"\xff\"}"), "the payload is not JSON");
  expect_invalid(ft::WireBytes(id, std::string(600, '[') + std::string(600, ']')),
                 "nests deeper than 512");
  expect_invalid(ft::WireBytes(id, R"({"id":1})"), "id: a NUMBER is not a valid STRING value");
  expect_invalid(ft::WireBytes(id, R"({"id":"a","count":1.5})"), "1.5 is not a valid INT64");
  expect_invalid(ft::WireBytes(id, R"({"id":"a","small":200})"), "200 is not a valid INT8");
  expect_invalid(ft::WireBytes(id, R"({"id":"a","count":123456789012345678901})"),
                 "is not a valid INT64");
  expect_invalid(ft::WireBytes(id, R"({"id":"a","tags":"x"})"),
                 "tags: a STRING is not a valid ARRAY");
  expect_invalid(ft::WireBytes(id, R"({"id":"a","choice":true})"),
                 "Did not find matching oneof field");
  expect_invalid(ft::WireBytes(id, R"([1])"), "Structs should be encoded as JSON objects");
  expect_invalid(ft::WireBytes(9999, "{}"), "Error retrieving JSON value schema for id 9999");
  const int avro = *ft::RegisterOverHttp(registry_->url(), "a-value", "AVRO", "\"string\"");
  expect_invalid(ft::WireBytes(avro, "{}"), "not JSON");
  const int bad_schema = Register("b-value", R"({"type":"array"})");
  expect_invalid(ft::WireBytes(bad_schema, "[]"), "Array schema did not specify the items type",
                 "b");
  const int bad_type = Register("c-value", R"({"type":"integer","connect.type":"int128"})");
  expect_invalid(ft::WireBytes(bad_type, "1"), "Unsupported type int128", "c");

  std::mt19937 rng(11);
  for (size_t n = 0; n < good.size(); ++n) {
    absl::StatusOr<SchemaAndValue> r =
        c->ToConnectData("t", Headers(), ft::WireBytes(id, good.substr(0, n)));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << n;
  }
  for (int i = 0; i < 3000; ++i) {
    std::string payload = good;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f)
      payload[rng() % payload.size()] = static_cast<char>(rng() % 256);
    absl::StatusOr<SchemaAndValue> r = c->ToConnectData("t", Headers(), ft::WireBytes(id, payload));
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
    } else {
      // A flipped byte may take a required property's name away: the field is
      // then null, as Connect's is; any other mismatch is a defect.
      const std::string problem = ValidateValue(*r->schema, r->value);
      EXPECT_TRUE(problem.empty() ||
                  absl::StartsWith(problem, "Invalid value: null used for required field"))
          << problem;
    }
  }
}

TEST_F(JsonSchemaConverterTest, NullIsNullAndAnUnreachableRegistryIsNotTheRecordsFault) {
  const int id = Register("t-value", R"({"type":"string"})");
  auto c = Make({{"max.retries", "0"}});
  absl::StatusOr<SchemaAndValue> null = c->ToConnectData("t", Headers(), std::nullopt);
  ASSERT_TRUE(null.ok());
  EXPECT_TRUE(null->value.is_null());
  SchemaAndValue s = Read(*c, id, "\"text\"");
  ASSERT_NE(s.schema, nullptr);
  EXPECT_EQ(s.schema->type(), Type::kString);
  EXPECT_EQ(s.value, Value("text"));
  EXPECT_TRUE(Read(*c, id, "null").value.is_null());
  const int other = Register("t-value", R"({"type":"integer"})");
  registry_->Stop();
  absl::StatusOr<SchemaAndValue> r = c->ToConnectData("t", Headers(), ft::WireBytes(other, "1"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("Network connection error while deserializing"));
}

TEST_F(JsonSchemaConverterTest, FromConnectDataRegistersASchemaThatValidatesItsOutput) {
  SchemaPtr address =
      SchemaBuilder::Struct().Name("Address").Optional().AddField("city", Schema::String()).Build();
  SchemaPtr schema =
      SchemaBuilder::Struct()
          .Name("com.example.Order")
          .AddField("id", Schema::String())
          .AddField("small", Schema::Int8())
          .AddField("ratio", Schema::Float64(true))
          .AddField("total", Schema::Decimal(2))
          .AddField("at", Schema::Timestamp())
          .AddField("day", Schema::Date(true))
          .AddField("tags", SchemaBuilder::Array(Schema::String()).Build())
          .AddField("attrs", SchemaBuilder::Map(Schema::String(), Schema::Int64()).Build())
          .AddField("by_number", SchemaBuilder::Map(Schema::Int32(), Schema::String()).Build())
          .AddField("address", address)
          .AddField("blob", Schema::Bytes(true))
          .Build();
  Value value = StructBuilder(schema)
                    .Put("id", "o1")
                    .Put("small", -2)
                    .Put("total", *Decimal::FromString("-12.34"))
                    .Put("at", Timestamp{1700000000123000})
                    .Put("tags", Array{Value("a")})
                    .Put("attrs", Map{{Value("k"), Value(7)}})
                    .Put("by_number", Map{{Value(3), Value("three")}})
                    .Put("address", StructBuilder(address).Put("city", "Oslo").Build())
                    .Build();
  auto c = Make();
  absl::StatusOr<std::optional<std::string>> bytes = c->FromConnectData("t", schema, value);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  ASSERT_TRUE(bytes->has_value());
  const int id = (static_cast<uint8_t>((**bytes)[3]) << 8) | static_cast<uint8_t>((**bytes)[4]);
  const std::string payload = (*bytes)->substr(5);
  EXPECT_EQ(payload,
            R"({"id":"o1","small":-2,"ratio":null,"total":"+y4=","at":1700000000123,"day":null,)"
            R"("tags":["a"],"attrs":{"k":7},"by_number":[{"key":3,"value":"three"}],)"
            R"("address":{"city":"Oslo"},"blob":null})");
  absl::StatusOr<std::string> text = ft::SchemaTextOverHttp(registry_->url(), id);
  ASSERT_TRUE(text.ok()) << text.status();
  nlohmann::json registered = nlohmann::json::parse(*text);
  EXPECT_EQ(registered["title"], "com.example.Order");
  EXPECT_EQ(registered["properties"]["small"]["connect.type"], "int8");
  EXPECT_EQ(registered["properties"]["total"]["title"], "org.apache.kafka.connect.data.Decimal");
  EXPECT_EQ(registered["properties"]["total"]["connect.parameters"]["scale"], "2");
  EXPECT_EQ(registered["properties"]["ratio"]["oneOf"][0]["type"], "null");
  EXPECT_EQ(registered["properties"]["ratio"]["connect.index"], 2);
  // An independent validator accepts the output under the registered schema.
  EXPECT_THAT(PythonVerdicts(*text, {payload}), ElementsAre("valid")) << *text;
  // And ferry reads it back to the same values.
  SchemaAndValue back = Read(*c, id, payload);
  ASSERT_NE(back.schema, nullptr);
  EXPECT_EQ(back.schema->name(), "com.example.Order");
  EXPECT_EQ(FieldSchema(*back.schema, "small").type(), Type::kInt8);
  EXPECT_TRUE(FieldSchema(*back.schema, "ratio").optional());
  EXPECT_EQ(back.value.StructField("total")->as_decimal().ToString(), "-12.34");
  EXPECT_EQ(*back.value.StructField("at"), Value(Timestamp{1700000000123000}));
  EXPECT_EQ(back.value.StructField("by_number")->as_map()[0].first, Value(3));
  EXPECT_EQ(back.value.StructField("address")->DebugString(), "Struct{city=\"Oslo\"}");
  // NUMERIC decimals are JSON numbers.
  auto numeric = Make({{"decimal.format", "numeric"}});
  absl::StatusOr<std::optional<std::string>> n = numeric->FromConnectData("n", schema, value);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_THAT(**n, HasSubstr(R"("total":-12.34)"));
}

TEST_F(JsonSchemaConverterTest, CreatedByFullAndSimpleName) {
  for (const char* name :
       {"io.confluent.connect.json.JsonSchemaConverter", "JsonSchemaConverter"}) {
    absl::StatusOr<std::unique_ptr<Converter>> c = CreateConverter(name);
    ASSERT_TRUE(c.ok()) << name;
    EXPECT_NE(dynamic_cast<JsonSchemaConverter*>(c->get()), nullptr);
    EXPECT_NE((*c)->config_def().Find("json.fail.invalid.schema"), nullptr);
  }
  EXPECT_EQ(CanonicalConverterClass("JsonSchemaConverter"),
            "io.confluent.connect.json.JsonSchemaConverter");
  JsonSchemaConverter c;
  absl::Status bad =
      c.Configure({{"schema.registry.url", "http://x"}, {"decimal.format", "HEX"}}, false);
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.message()), HasSubstr("decimal.format"));
}

}  // namespace
}  // namespace ferry
