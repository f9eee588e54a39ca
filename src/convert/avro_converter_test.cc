#include "convert/avro_converter.h"

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
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "convert/testing/python_avro.h"
#include "convert/testing/schema_inspect.h"
#include "schemaregistry/test_registry.h"

namespace ferry {
namespace {

using schemaregistry::testing::TestRegistry;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

using ::ferry::testing::FieldSchema;
using ::ferry::testing::Param;

class AvroConverterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(access(testing::PythonAvro::kPython, X_OK), 0)
        << testing::PythonAvro::kPython << " is needed (Debian's python3-avro)";
    auto registry = TestRegistry::Start();
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(*registry);
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("ferry-avro-test-", ::getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    python_ = std::make_unique<testing::PythonAvro>(FERRY_AVRO_ENCODER, registry_->url(), dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<AvroConverter> Make(std::map<std::string, std::string> props = {},
                                      bool is_key = false) {
    props.emplace("schema.registry.url", registry_->url());
    auto c = std::make_unique<AvroConverter>();
    absl::Status s = c->Configure(props, is_key);
    EXPECT_TRUE(s.ok()) << s;
    return c;
  }

  // python3-avro's encoding (see testing/python_avro.h).
  std::vector<std::string> Encode(const std::string& subject, const std::string& schema,
                                  const std::string& values, const std::string& references = "") {
    absl::StatusOr<std::vector<std::string>> bytes =
        python_->Encode(subject, schema, values, references);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    return bytes.ok() ? *bytes : std::vector<std::string>();
  }

  nlohmann::json Decode(const std::string& bytes) {
    absl::StatusOr<nlohmann::json> j = python_->Decode(bytes);
    EXPECT_TRUE(j.ok()) << j.status();
    return j.ok() ? *j : nlohmann::json();
  }

  SchemaAndValue Read(AvroConverter& c, const std::string& bytes, const std::string& topic = "t") {
    absl::StatusOr<SchemaAndValue> r = c.ToConnectData(topic, Headers(), bytes);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : SchemaAndValue{};
  }

  std::unique_ptr<TestRegistry> registry_;
  std::filesystem::path dir_;
  std::unique_ptr<testing::PythonAvro> python_;
};

TEST_F(AvroConverterTest, RecordsKeepFieldOrderDocsAndDefaults) {
  const std::string schema = R"({"type":"record","name":"User","namespace":"com.example",
    "doc":"A user","fields":[
      {"name":"id","type":"long","doc":"the id"},
      {"name":"name","type":"string"},
      {"name":"active","type":"boolean","default":true},
      {"name":"score","type":"float"},
      {"name":"ratio","type":"double"},
      {"name":"age","type":"int","default":7},
      {"name":"blob","type":"bytes","default":"\u00ff"},
      {"name":"address","type":{"type":"record","name":"Address","fields":[
        {"name":"city","type":"string"},
        {"name":"zip","type":["null","string"],"default":null}]}},
      {"name":"nick","type":["null","string"],"default":null}]})";
  std::vector<std::string> bytes = Encode("t-value", schema, R"([
    {"id":1,"name":"ann","active":false,"score":1.5,"ratio":0.25,"age":30,
     "blob":{"$bytes":"00ff"},"address":{"city":"Oslo","zip":null},"nick":"a"}])");
  ASSERT_EQ(bytes.size(), 1u);
  auto c = Make();
  SchemaAndValue r = Read(*c, bytes[0]);
  ASSERT_NE(r.schema, nullptr);
  const Schema& s = *r.schema;
  EXPECT_EQ(s.type(), Type::kStruct);
  EXPECT_EQ(s.name(), "com.example.User");
  EXPECT_EQ(s.version(), 1);  // The version in the subject t-value.
  EXPECT_FALSE(s.optional());
  EXPECT_EQ(Param(s, "io.confluent.connect.avro.record.doc"), "A user");
  EXPECT_EQ(Param(s, "io.confluent.connect.avro.field.doc.id"), "the id");
  std::vector<std::string> names;
  for (const Field& f : s.fields()) names.push_back(f.name);
  EXPECT_THAT(names, ElementsAre("id", "name", "active", "score", "ratio", "age", "blob", "address",
                                 "nick"));
  EXPECT_EQ(FieldSchema(s, "id").type(), Type::kInt64);
  EXPECT_EQ(FieldSchema(s, "name").type(), Type::kString);
  EXPECT_EQ(FieldSchema(s, "score").type(), Type::kFloat32);
  EXPECT_EQ(FieldSchema(s, "ratio").type(), Type::kFloat64);
  const Schema& active = FieldSchema(s, "active");
  EXPECT_EQ(active.type(), Type::kBoolean);
  ASSERT_NE(active.default_value(), nullptr);
  EXPECT_EQ(*active.default_value(), Value(true));
  EXPECT_EQ(Param(active, "io.confluent.connect.avro.field.default"), "true");
  const Schema& age = FieldSchema(s, "age");
  ASSERT_NE(age.default_value(), nullptr);
  EXPECT_EQ(*age.default_value(), Value(7));
  const Schema& blob = FieldSchema(s, "blob");
  ASSERT_NE(blob.default_value(), nullptr);
  EXPECT_EQ(*blob.default_value(), Value(Bytes{"\xff"}));
  const Schema& address = FieldSchema(s, "address");
  EXPECT_EQ(address.type(), Type::kStruct);
  EXPECT_EQ(address.name(), "com.example.Address");
  EXPECT_EQ(address.version(), std::nullopt);
  EXPECT_TRUE(FieldSchema(address, "zip").optional());
  // AvroData drops the default of a [null, X] field: optional, no default.
  EXPECT_EQ(FieldSchema(address, "zip").default_value(), nullptr);
  const Schema& nick = FieldSchema(s, "nick");
  EXPECT_TRUE(nick.optional());
  EXPECT_EQ(nick.type(), Type::kString);
  EXPECT_EQ(r.value.DebugString(),
            "Struct{id=1,name=\"ann\",active=false,score=1.5,ratio=0.25,age=30,blob=b64'AP8=',"
            "address=Struct{city=\"Oslo\",zip=null},nick=\"a\"}");
  EXPECT_EQ(r.value.as_struct().schema, r.schema);
  EXPECT_TRUE(ValidateValue(s, r.value).empty()) << ValidateValue(s, r.value);
}

TEST_F(AvroConverterTest, UnionsOptionalConnectUnionStructsAndSingletons) {
  const std::string schema = R"({"type":"record","name":"U","fields":[
      {"name":"opt","type":["null","string"]},
      {"name":"opt2","type":["long","null"]},
      {"name":"multi","type":["null","int","string",
        {"type":"record","name":"Point","namespace":"geo","fields":[{"name":"x","type":"int"}]}]},
      {"name":"single","type":["long"]}]})";
  std::vector<std::string> bytes = Encode("t-value", schema, R"([
    {"opt":null,"opt2":5,"multi":null,"single":1},
    {"opt":"x","opt2":null,"multi":3,"single":2},
    {"opt":"y","opt2":6,"multi":"s","single":3},
    {"opt":null,"opt2":null,"multi":{"x":9},"single":4}])");
  ASSERT_EQ(bytes.size(), 4u);
  auto c = Make();
  SchemaAndValue r = Read(*c, bytes[0]);
  ASSERT_NE(r.schema, nullptr);
  const Schema& s = *r.schema;
  EXPECT_EQ(FieldSchema(s, "opt").type(), Type::kString);
  EXPECT_TRUE(FieldSchema(s, "opt").optional());
  EXPECT_EQ(FieldSchema(s, "opt2").type(), Type::kInt64);
  EXPECT_TRUE(FieldSchema(s, "opt2").optional());
  const Schema& multi = FieldSchema(s, "multi");
  EXPECT_EQ(multi.type(), Type::kStruct);
  EXPECT_EQ(multi.name(), "io.confluent.connect.avro.Union");
  EXPECT_TRUE(multi.optional());
  std::vector<std::string> names;
  for (const Field& f : multi.fields()) {
    names.push_back(f.name);
    EXPECT_TRUE(f.schema->optional()) << f.name;
  }
  EXPECT_THAT(names, ElementsAre("int", "string", "Point"));
  EXPECT_EQ(FieldSchema(multi, "Point").name(), "geo.Point");
  EXPECT_EQ(FieldSchema(s, "single").type(), Type::kInt64);
  EXPECT_FALSE(FieldSchema(s, "single").optional());

  EXPECT_EQ(r.value.DebugString(), "Struct{opt=null,opt2=5,multi=null,single=1}");
  EXPECT_EQ(Read(*c, bytes[1]).value.DebugString(),
            "Struct{opt=\"x\",opt2=null,multi=Struct{int=3,string=null,Point=null},single=2}");
  EXPECT_EQ(Read(*c, bytes[2]).value.DebugString(),
            "Struct{opt=\"y\",opt2=6,multi=Struct{int=null,string=\"s\",Point=null},single=3}");
  SchemaAndValue point = Read(*c, bytes[3]);
  EXPECT_EQ(point.value.DebugString(),
            "Struct{opt=null,opt2=null,multi=Struct{int=null,string=null,Point=Struct{x=9}},"
            "single=4}");
  EXPECT_TRUE(ValidateValue(*point.schema, point.value).empty());

  // enhanced.avro.schema.support: union members named by full name.
  auto enhanced = Make({{"enhanced.avro.schema.support", "true"}});
  SchemaAndValue e = Read(*enhanced, bytes[3]);
  ASSERT_NE(e.schema, nullptr);
  EXPECT_NE(FieldSchema(*e.schema, "multi").FindField("geo.Point"), nullptr);
}

TEST_F(AvroConverterTest, EnumsFixedMapsAndArrays) {
  const std::string schema = R"({"type":"record","name":"C","namespace":"n","fields":[
      {"name":"suit","type":{"type":"enum","name":"Suit","doc":"card suit",
        "symbols":["SPADES","HEARTS"],"default":"SPADES"}},
      {"name":"hash","type":{"type":"fixed","name":"Hash","size":4}},
      {"name":"counts","type":{"type":"map","values":"long"}},
      {"name":"tags","type":{"type":"array","items":"string"}},
      {"name":"points","type":{"type":"array","items":{"type":"record","name":"P",
        "fields":[{"name":"v","type":"int"}]}}}]})";
  std::vector<std::string> bytes = Encode("t-value", schema, R"([
    {"suit":"HEARTS","hash":{"$bytes":"01020304"},"counts":{"a":1,"b":2},"tags":["x","y"],
     "points":[{"v":1},{"v":2}]},
    {"suit":"SPADES","hash":{"$bytes":"ffffffff"},"counts":{},"tags":[],"points":[]}])");
  ASSERT_EQ(bytes.size(), 2u);
  auto c = Make();
  SchemaAndValue r = Read(*c, bytes[0]);
  ASSERT_NE(r.schema, nullptr);
  const Schema& suit = FieldSchema(*r.schema, "suit");
  EXPECT_EQ(suit.type(), Type::kString);
  EXPECT_EQ(suit.name(), "n.Suit");
  EXPECT_THAT(suit.parameters(),
              ::testing::UnorderedElementsAre(
                  Pair("io.confluent.connect.avro.Enum", "n.Suit"),
                  Pair("io.confluent.connect.avro.Enum.SPADES", "SPADES"),
                  Pair("io.confluent.connect.avro.Enum.HEARTS", "HEARTS"),
                  Pair("io.confluent.connect.avro.enum.doc.Suit", "card suit"),
                  Pair("io.confluent.connect.avro.enum.default.Suit", "SPADES")));
  const Schema& hash = FieldSchema(*r.schema, "hash");
  EXPECT_EQ(hash.type(), Type::kBytes);
  EXPECT_EQ(hash.name(), "n.Hash");
  EXPECT_EQ(Param(hash, "connect.fixed.size"), "4");
  const Schema& counts = FieldSchema(*r.schema, "counts");
  EXPECT_EQ(counts.type(), Type::kMap);
  EXPECT_EQ(counts.key_schema()->type(), Type::kString);
  EXPECT_EQ(counts.value_schema()->type(), Type::kInt64);
  EXPECT_EQ(FieldSchema(*r.schema, "tags").value_schema()->type(), Type::kString);
  const Schema& points = FieldSchema(*r.schema, "points");
  EXPECT_EQ(points.type(), Type::kArray);
  EXPECT_EQ(points.value_schema()->name(), "n.P");
  EXPECT_EQ(r.value.DebugString(),
            "Struct{suit=\"HEARTS\",hash=b64'AQIDBA==',counts={\"a\":1,\"b\":2},tags=[\"x\",\"y\"],"
            "points=[Struct{v=1},Struct{v=2}]}");
  EXPECT_EQ(Read(*c, bytes[1]).value.DebugString(),
            "Struct{suit=\"SPADES\",hash=b64'/////w==',counts={},tags=[],points=[]}");
}

TEST_F(AvroConverterTest, LogicalTypes) {
  const std::string schema = R"({"type":"record","name":"L","fields":[
      {"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},
      {"name":"big","type":{"type":"fixed","name":"Big","size":16,"logicalType":"decimal",
        "precision":38,"scale":9}},
      {"name":"wide","type":{"type":"bytes","logicalType":"decimal","precision":64,"scale":0}},
      {"name":"day","type":{"type":"int","logicalType":"date"}},
      {"name":"at_ms","type":{"type":"long","logicalType":"timestamp-millis"}},
      {"name":"at_us","type":{"type":"long","logicalType":"timestamp-micros"}},
      {"name":"tod_ms","type":{"type":"int","logicalType":"time-millis"}},
      {"name":"tod_us","type":{"type":"long","logicalType":"time-micros"}},
      {"name":"id","type":{"type":"string","logicalType":"uuid"}},
      {"name":"maybe_day","type":["null",{"type":"int","logicalType":"date"}]}]})";
  std::vector<std::string> bytes = Encode("t-value", schema, R"([
    {"amount":{"$decimal":"12.34"},"big":{"$decimal":"-1.500000000"},"wide":{"$decimal":"5"},
     "day":{"$date":"2024-02-29"},"at_ms":{"$timestamp_millis":1709210096789},
     "at_us":{"$timestamp_micros":1709210096789123},"tod_ms":{"$time_millis":"13:14:15.123"},
     "tod_us":{"$time_micros":"13:14:15.123456"},"id":"8d3f5f1e-2c4b-4b7a-9e2d-1f0a3b4c5d6e",
     "maybe_day":{"$date":"1969-12-31"}},
    {"amount":{"$decimal":"-0.01"},"big":{"$decimal":"0E-9"},"wide":{"$decimal":"-128"},
     "day":{"$date":"1970-01-01"},"at_ms":{"$timestamp_millis":-1},
     "at_us":{"$timestamp_micros":0},"tod_ms":{"$time_millis":"00:00:00"},
     "tod_us":{"$time_micros":"23:59:59.999999"},"id":"00000000-0000-0000-0000-000000000000",
     "maybe_day":null}])");
  ASSERT_EQ(bytes.size(), 2u);
  auto c = Make();
  SchemaAndValue r = Read(*c, bytes[0]);
  ASSERT_NE(r.schema, nullptr);
  const Schema& amount = FieldSchema(*r.schema, "amount");
  EXPECT_EQ(amount.name(), logical::kDecimal);
  EXPECT_EQ(amount.type(), Type::kBytes);
  EXPECT_EQ(Param(amount, "scale"), "2");
  EXPECT_EQ(Param(amount, "connect.decimal.precision"), "10");
  const Schema& big = FieldSchema(*r.schema, "big");
  EXPECT_EQ(big.name(), logical::kDecimal);  // Not the fixed's name.
  EXPECT_EQ(Param(big, "scale"), "9");
  EXPECT_EQ(Param(big, "connect.decimal.precision"), "38");
  EXPECT_EQ(Param(big, "connect.fixed.size"), "16");
  // Precision 64 is AvroData's default: no parameter.
  EXPECT_EQ(Param(FieldSchema(*r.schema, "wide"), "connect.decimal.precision"), "<absent>");
  EXPECT_EQ(FieldSchema(*r.schema, "day").name(), logical::kDate);
  EXPECT_EQ(FieldSchema(*r.schema, "at_ms").name(), logical::kTimestamp);
  EXPECT_EQ(FieldSchema(*r.schema, "tod_ms").name(), logical::kTime);
  // AvroData has no Connect type for micros and uuid: INT64 and STRING.
  EXPECT_EQ(FieldSchema(*r.schema, "at_us").type(), Type::kInt64);
  EXPECT_EQ(FieldSchema(*r.schema, "at_us").name(), "");
  EXPECT_EQ(FieldSchema(*r.schema, "tod_us").type(), Type::kInt64);
  EXPECT_EQ(FieldSchema(*r.schema, "id").type(), Type::kString);
  EXPECT_EQ(FieldSchema(*r.schema, "id").name(), "");
  EXPECT_EQ(FieldSchema(*r.schema, "maybe_day").name(), logical::kDate);
  EXPECT_TRUE(FieldSchema(*r.schema, "maybe_day").optional());
  const Struct& v = r.value.as_struct();
  EXPECT_EQ(v.values[0], Value(Decimal{"\x04\xd2", 2}));
  EXPECT_EQ(v.values[1], Value(Decimal{std::string("\xa6\x97\xd1\x00", 4), 9}));
  EXPECT_EQ(v.values[2], Value(Decimal{"\x05", 0}));
  EXPECT_EQ(v.values[3], Value(Date{19782}));
  EXPECT_EQ(v.values[4], Value(Timestamp{1709210096789000}));
  EXPECT_EQ(v.values[5], Value(int64_t{1709210096789123}));
  EXPECT_EQ(v.values[6], Value(TimeOfDay{47655123000}));
  EXPECT_EQ(v.values[7], Value(int64_t{47655123456}));
  EXPECT_EQ(v.values[8], Value("8d3f5f1e-2c4b-4b7a-9e2d-1f0a3b4c5d6e"));
  EXPECT_EQ(v.values[9], Value(Date{-1}));
  EXPECT_TRUE(ValidateValue(*r.schema, r.value).empty()) << ValidateValue(*r.schema, r.value);

  const SchemaAndValue second = Read(*c, bytes[1]);
  const Struct& w = second.value.as_struct();
  EXPECT_EQ(w.values[0], Value(Decimal{"\xff", 2}));
  EXPECT_EQ(w.values[1], Value(Decimal{std::string("\0", 1), 9}));
  EXPECT_EQ(w.values[2], Value(Decimal{"\x80", 0}));
  EXPECT_EQ(w.values[3], Value(Date{0}));
  EXPECT_EQ(w.values[4], Value(Timestamp{-1000}));
  EXPECT_EQ(w.values[6], Value(TimeOfDay{0}));
  EXPECT_EQ(w.values[7], Value(int64_t{86399999999}));
  EXPECT_TRUE(w.values[9].is_null());
}

TEST_F(AvroConverterTest, ConnectPropertiesAreHonoured) {
  const std::string schema = R"({"type":"record","name":"K","connect.name":"my.Name",
    "connect.version":3,"connect.doc":"the doc","connect.parameters":{"p":"v"},"fields":[
      {"name":"small","type":{"type":"int","connect.type":"int8"}},
      {"name":"mid","type":{"type":"int","connect.type":"int16"}},
      {"name":"withdef","type":{"type":"string","connect.default":"dflt"}},
      {"name":"javastr","type":{"type":"string","avro.java.string":"String"}}]})";
  std::vector<std::string> bytes = Encode("t-value", schema, R"([
    {"small":-5,"mid":300,"withdef":"a","javastr":"b"},
    {"small":300,"mid":1,"withdef":"a","javastr":"b"}])");
  ASSERT_EQ(bytes.size(), 2u);
  auto c = Make();
  SchemaAndValue r = Read(*c, bytes[0]);
  ASSERT_NE(r.schema, nullptr);
  EXPECT_EQ(r.schema->name(), "my.Name");
  EXPECT_EQ(r.schema->version(), 3);  // connect.version wins over the registry's.
  EXPECT_EQ(r.schema->doc(), "the doc");
  EXPECT_EQ(Param(*r.schema, "p"), "v");
  EXPECT_EQ(FieldSchema(*r.schema, "small").type(), Type::kInt8);
  EXPECT_EQ(FieldSchema(*r.schema, "mid").type(), Type::kInt16);
  const Schema& withdef = FieldSchema(*r.schema, "withdef");
  ASSERT_NE(withdef.default_value(), nullptr);
  EXPECT_EQ(*withdef.default_value(), Value("dflt"));
  EXPECT_EQ(Param(withdef, "io.confluent.connect.avro.field.default"), "<absent>");
  EXPECT_EQ(Param(FieldSchema(*r.schema, "javastr"), "avro.java.string"), "String");
  EXPECT_EQ(r.value.DebugString(), "Struct{small=-5,mid=300,withdef=\"a\",javastr=\"b\"}");

  // An int8 that does not fit is refused (AvroData would wrap it to 44).
  absl::StatusOr<SchemaAndValue> wide = c->ToConnectData("t", Headers(), bytes[1]);
  EXPECT_EQ(wide.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wide.status().message(), HasSubstr("Invalid value 300 for INT8"));

  // connect.meta.data=false: no docs, parameters or version from the schema.
  auto plain = Make({{"connect.meta.data", "false"}});
  SchemaAndValue p = Read(*plain, bytes[0]);
  ASSERT_NE(p.schema, nullptr);
  EXPECT_EQ(p.schema->doc(), "");
  EXPECT_EQ(Param(*p.schema, "p"), "<absent>");
}

TEST_F(AvroConverterTest, TopLevelPrimitivesAndTombstones) {
  std::vector<std::string> bytes = Encode("t-key", R"("string")", R"(["k1"])");
  ASSERT_EQ(bytes.size(), 1u);
  auto key = Make({}, /*is_key=*/true);
  SchemaAndValue r = Read(*key, bytes[0]);
  ASSERT_NE(r.schema, nullptr);
  EXPECT_EQ(r.schema->type(), Type::kString);
  EXPECT_EQ(r.value, Value("k1"));

  absl::StatusOr<SchemaAndValue> tombstone = key->ToConnectData("t", Headers(), std::nullopt);
  ASSERT_TRUE(tombstone.ok());
  EXPECT_EQ(tombstone->schema, nullptr);
  EXPECT_TRUE(tombstone->value.is_null());
}

TEST_F(AvroConverterTest, RecordErrorsAreInvalidArgumentWithConfluentsTexts) {
  std::vector<std::string> bytes =
      Encode("t-value", R"({"type":"record","name":"R","fields":[{"name":"s","type":"string"}]})",
             R"([{"s":"hello"}])");
  ASSERT_EQ(bytes.size(), 1u);
  auto c = Make();
  auto code = [&](const std::string& b) { return c->ToConnectData("t", Headers(), b).status(); };
  absl::Status magic = code("\x01" + bytes[0].substr(1));
  EXPECT_EQ(magic.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(magic.message(), "Failed to deserialize data for topic t to Avro: Unknown magic byte!");

  absl::Status unknown = code(schemaregistry::WriteWireFormat(99, bytes[0].substr(5)));
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.message(),
            "Failed to deserialize data for topic t to Avro: Error retrieving Avro value schema "
            "for id 99: Schema 99 not found; error code: 40403");

  EXPECT_EQ(code("").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(std::string("\0\0", 2)).code(), absl::StatusCode::kInvalidArgument);

  // Every truncation of a valid message is refused, none crashes.
  for (size_t n = 5; n < bytes[0].size(); ++n) {
    absl::Status s = code(bytes[0].substr(0, n));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << n;
    EXPECT_THAT(s.message(), HasSubstr("Error deserializing Avro message for id 1: truncated"))
        << n;
  }
  // A string length beyond the buffer (libavro would allocate it).
  absl::Status huge = code(bytes[0].substr(0, 5) + "\xfe\xff\xff\xff\xff\xff\xff\xff\x7f");
  EXPECT_EQ(huge.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(huge.message(), HasSubstr("truncated: string needs"));
  absl::Status negative = code(bytes[0].substr(0, 5) + "\x01");
  EXPECT_THAT(negative.message(), HasSubstr("negative length -1"));
}

TEST_F(AvroConverterTest, CorruptPayloadsNeverCrash) {
  const std::string schema = R"({"type":"record","name":"R","fields":[
      {"name":"u","type":["null","string",{"type":"array","items":["null","long"]}]},
      {"name":"m","type":{"type":"map","values":{"type":"array","items":["null","long"]}}},
      {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},
      {"name":"f","type":{"type":"fixed","name":"F","size":3}},
      {"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":4,"scale":1}}]})";
  std::vector<std::string> bytes = Encode("t-value", schema, R"([
    {"u":[1,null,3],"m":{"k":[null,2]},"e":"B","f":{"$bytes":"010203"},
     "d":{"$decimal":"1.5"}}])");
  ASSERT_EQ(bytes.size(), 1u);
  auto c = Make();
  SchemaAndValue ok = Read(*c, bytes[0]);
  EXPECT_EQ(ok.value.DebugString(),
            "Struct{u=Struct{string=null,array=[1,null,3]},m={\"k\":[null,2]},e=\"B\","
            "f=b64'AQID',d=dec(1.5)}");
  std::mt19937 random(42);
  int accepted = 0, refused = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string b = bytes[0];
    const int flips = 1 + static_cast<int>(random() % 4);
    for (int k = 0; k < flips; ++k) {
      const size_t at = 5 + random() % (b.size() - 5);
      b[at] = static_cast<char>(random() % 256);
    }
    absl::StatusOr<SchemaAndValue> r = c->ToConnectData("t", Headers(), b);
    if (r.ok()) {
      ++accepted;
      EXPECT_TRUE(ValidateValue(*r->schema, r->value).empty());
    } else {
      ++refused;
      EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
    }
  }
  EXPECT_GT(refused, 0);
  // A union branch that does not exist, an enum index beyond the symbols.
  const std::string header = bytes[0].substr(0, 5);
  EXPECT_THAT(c->ToConnectData("t", Headers(), header + "\x08").status().message(),
              HasSubstr("union index 4 out of range"));
  // An array of empty records: libavro cannot hold one, so the schema is refused.
  std::vector<std::string> empty = Encode(
      "e-value",
      R"({"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":{"type":"record","name":"Empty","fields":[]}}}]})",
      R"([{"a":[{},{}]}])");
  ASSERT_EQ(empty.size(), 1u);
  absl::Status no_bytes = c->ToConnectData("e", Headers(), empty[0]).status();
  EXPECT_EQ(no_bytes.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_bytes.message(), HasSubstr("arrays and maps of items without bytes"));
}

TEST_F(AvroConverterTest, SchemasAreFetchedOncePerIdAndAnUnreachableRegistryIsUnavailable) {
  std::vector<std::string> bytes =
      Encode("t-value", R"({"type":"record","name":"R","fields":[{"name":"s","type":"string"}]})",
             R"([{"s":"a"},{"s":"b"}])");
  ASSERT_EQ(bytes.size(), 2u);
  auto c = Make();
  const int64_t before = registry_->requests();
  Read(*c, bytes[0]);
  const int64_t after_first = registry_->requests();
  EXPECT_EQ(after_first - before, 2);  // The schema by id, and its version in t-value.
  Read(*c, bytes[1]);
  EXPECT_EQ(registry_->requests(), after_first);

  auto dead = std::make_unique<AvroConverter>();
  const std::string url = registry_->url();
  registry_->Stop();
  ASSERT_TRUE(dead->Configure({{"schema.registry.url", url}, {"max.retries", "0"}}, false).ok());
  absl::StatusOr<SchemaAndValue> r = dead->ToConnectData("t", Headers(), bytes[0]);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(r.status().message(),
              HasSubstr("Network connection error while deserializing data for topic t: Error "
                        "retrieving Avro value schema for id 1"));
  // The converter that has the schema still reads records of it.
  EXPECT_EQ(Read(*c, bytes[1]).value.DebugString(), "Struct{s=\"b\"}");
}

TEST_F(AvroConverterTest, VersionsComeFromTheSubjectOfTheNameStrategy) {
  const std::string schema =
      R"({"type":"record","name":"User","namespace":"com.example","fields":[{"name":"s","type":"string"}]})";
  // Registered under its record name, as a producer with RecordNameStrategy does.
  std::vector<std::string> bytes = Encode("com.example.User", schema, R"([{"s":"a"}])");
  ASSERT_EQ(bytes.size(), 1u);
  auto topic_strategy = Make();
  absl::Status s = topic_strategy->ToConnectData("t", Headers(), bytes[0]).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "Failed to deserialize data for topic t to Avro: Error retrieving Avro value schema "
            "version for id 1: Subject 't-value' not found.; error code: 40401");
  auto record_strategy = Make({{"value.subject.name.strategy",
                                "io.confluent.kafka.serializers.subject.RecordNameStrategy"}});
  SchemaAndValue r = Read(*record_strategy, bytes[0]);
  ASSERT_NE(r.schema, nullptr);
  EXPECT_EQ(r.schema->version(), 1);
  auto topic_record = Make({{"value.subject.name.strategy",
                             "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"}});
  std::vector<std::string> v2 = Encode(
      "t-com.example.User",
      R"({"type":"record","name":"User","namespace":"com.example","fields":[{"name":"s","type":"string"},{"name":"n","type":["null","long"],"default":null}]})",
      R"([{"s":"a","n":1}])");
  SchemaAndValue tr = Read(*topic_record, v2[0]);
  ASSERT_NE(tr.schema, nullptr);
  EXPECT_EQ(tr.schema->version(), 1);
}

TEST_F(AvroConverterTest, ReferencedNamedTypes) {
  const std::string address =
      R"({"type":"record","name":"Address","namespace":"com.example","fields":[{"name":"city","type":"string"}]})";
  ASSERT_EQ(Encode("address", address, R"([{"city":"x"}])").size(), 1u);
  std::vector<std::string> bytes = Encode(
      "t-value",
      R"({"type":"record","name":"Customer","namespace":"com.example","fields":[{"name":"home","type":"Address"},{"name":"work","type":["null","com.example.Address"]}]})",
      R"([{"home":{"city":"Oslo"},"work":{"city":"Bergen"}}])",
      R"([{"name":"com.example.Address","subject":"address","version":1}])");
  ASSERT_EQ(bytes.size(), 1u);
  auto c = Make();
  SchemaAndValue r = Read(*c, bytes[0]);
  ASSERT_NE(r.schema, nullptr);
  EXPECT_EQ(FieldSchema(*r.schema, "home").name(), "com.example.Address");
  EXPECT_EQ(r.value.DebugString(),
            "Struct{home=Struct{city=\"Oslo\"},work=Struct{city=\"Bergen\"}}");
}

TEST_F(AvroConverterTest, RecursiveSchemasAreRefused) {
  std::vector<std::string> bytes = Encode(
      "t-value",
      R"({"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"]}]})",
      R"([{"v":1,"next":{"v":2,"next":null}}])");
  ASSERT_EQ(bytes.size(), 1u);
  auto c = Make();
  absl::Status s = c->ToConnectData("t", Headers(), bytes[0]).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("record Node contains itself"));
}

SchemaPtr RoundTripSchema() {
  SchemaPtr inner = SchemaBuilder::Struct()
                        .Name("com.example.Inner")
                        .AddField("a", Schema::Int32())
                        .AddField("b", Schema::String(true))
                        .Optional()
                        .Build();
  return SchemaBuilder::Struct()
      .Name("com.example.Everything")
      .Version(2)
      .Doc("every type")
      .AddField("i8", Schema::Int8())
      .AddField("i16", Schema::Int16())
      .AddField("i32", Schema::Int32())
      .AddField("i64", Schema::Int64())
      .AddField("f32", Schema::Float32())
      .AddField("f64", Schema::Float64())
      .AddField("flag", Schema::Boolean())
      .AddField("text", SchemaBuilder(Type::kString).Default(Value("dflt")).Build())
      .AddField("raw", Schema::Bytes(true))
      .AddField("amount", SchemaBuilder::From(*Schema::Decimal(2))
                              .Parameter("connect.decimal.precision", "12")
                              .Build())
      .AddField("day", Schema::Date())
      .AddField("tod", Schema::Time())
      .AddField("at", Schema::Timestamp(true))
      .AddField("list", SchemaBuilder::Array(Schema::Int32(true)).Build())
      .AddField("labels", SchemaBuilder::Map(Schema::String(), Schema::String()).Build())
      .AddField("by_id", SchemaBuilder::Map(Schema::Int32(), Schema::String()).Build())
      .AddField("inner", inner)
      .AddField("other", inner)
      .Build();
}

Value RoundTripValue(const SchemaPtr& s) {
  SchemaPtr inner = s->FindField("inner")->schema;
  return StructBuilder(s)
      .Put("i8", Value(-8))
      .Put("i16", Value(1600))
      .Put("i32", Value(-32))
      .Put("i64", Value(int64_t{1} << 40))
      .Put("f32", Value(1.25))
      .Put("f64", Value(-2.5e100))
      .Put("flag", Value(true))
      .Put("text", Value("tx"))
      .Put("raw", Value(Bytes{std::string("\0\x01\xff", 3)}))
      .Put("amount", Value(Decimal{"\xfe\x0c", 2}))
      .Put("day", Value(Date{-3}))
      .Put("tod", Value(TimeOfDay{3600000000}))
      .Put("at", Value(Timestamp{1700000000123000}))
      .Put("list", Value(Array{Value(1), Value(), Value(3)}))
      .Put("labels", Value(Map{{Value("k"), Value("v")}, {Value("a"), Value("b")}}))
      .Put("by_id", Value(Map{{Value(7), Value("seven")}}))
      .Put("inner", StructBuilder(inner).Put("a", Value(1)).Put("b", Value("x")).Build())
      .Put("other", Value())
      .Build();
}

TEST_F(AvroConverterTest, FromConnectDataRoundTripsAndPythonReadsIt) {
  auto c = Make();
  const SchemaPtr schema = RoundTripSchema();
  const Value value = RoundTripValue(schema);
  absl::StatusOr<std::optional<std::string>> bytes = c->FromConnectData("rt", schema, value);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  ASSERT_TRUE(bytes->has_value());
  absl::StatusOr<schemaregistry::WireMessage> wire = schemaregistry::ParseWireFormat(**bytes);
  ASSERT_TRUE(wire.ok());
  absl::StatusOr<schemaregistry::SubjectVersion> registered =
      c->registry()->LatestVersion("rt-value");
  ASSERT_TRUE(registered.ok()) << registered.status();
  EXPECT_EQ(registered->schema.id, wire->schema_id);
  // The registered schema is AvroData's: names, Connect metadata, logical types.
  nlohmann::json avro = nlohmann::json::parse(registered->schema.schema);
  EXPECT_EQ(avro["type"], "record");
  EXPECT_EQ(avro["name"], "Everything");
  EXPECT_EQ(avro["namespace"], "com.example");
  EXPECT_EQ(avro["connect.version"], 2);
  EXPECT_EQ(avro["connect.doc"], "every type");
  EXPECT_EQ(avro["connect.name"], "com.example.Everything");
  EXPECT_EQ(avro["fields"][0]["type"],
            nlohmann::json::parse(R"({"type":"int","connect.type":"int8"})"));
  EXPECT_EQ(avro["fields"][8]["type"], nlohmann::json::parse(R"(["null","bytes"])"));
  EXPECT_EQ(avro["fields"][8]["default"], nullptr);
  EXPECT_EQ(avro["fields"][9]["type"]["logicalType"], "decimal");
  EXPECT_EQ(avro["fields"][9]["type"]["precision"], 12);
  EXPECT_EQ(avro["fields"][9]["type"]["scale"], 2);
  EXPECT_EQ(avro["fields"][10]["type"]["logicalType"], "date");
  EXPECT_EQ(avro["fields"][12]["type"][1]["logicalType"], "timestamp-millis");
  EXPECT_EQ(avro["fields"][15]["type"]["items"]["name"], "MapEntry");
  EXPECT_EQ(avro["fields"][17]["type"], nlohmann::json::parse(R"(["null","Inner"])"));

  // Read back by ferry.
  SchemaAndValue back = Read(*c, **bytes, "rt");
  ASSERT_NE(back.schema, nullptr);
  EXPECT_EQ(back.value.DebugString(), value.DebugString());
  EXPECT_EQ(back.schema->name(), "com.example.Everything");
  EXPECT_EQ(back.schema->version(), 2);
  EXPECT_EQ(back.schema->doc(), "every type");
  for (const Field& f : schema->fields()) {
    const Field* g = back.schema->FindField(f.name);
    ASSERT_NE(g, nullptr) << f.name;
    EXPECT_EQ(g->index, f.index);
    EXPECT_EQ(g->schema->type(), f.schema->type()) << f.name;
    EXPECT_EQ(g->schema->optional(), f.schema->optional()) << f.name;
    EXPECT_EQ(g->schema->name(), f.schema->name()) << f.name;
  }
  EXPECT_EQ(*back.schema->FindField("text")->schema->default_value(), Value("dflt"));
  EXPECT_EQ(back.schema->FindField("by_id")->schema->key_schema()->type(), Type::kInt32);

  // Read by python3-avro.
  nlohmann::json py = Decode(**bytes);
  EXPECT_EQ(py["i8"], -8);
  EXPECT_EQ(py["i64"], int64_t{1} << 40);
  EXPECT_EQ(py["text"], "tx");
  EXPECT_EQ(py["raw"], nlohmann::json::parse(R"({"$bytes":"0001ff"})"));
  EXPECT_EQ(py["amount"], nlohmann::json::parse(R"({"$decimal":"-5.00"})"));
  EXPECT_EQ(py["day"], nlohmann::json::parse(R"({"$date":"1969-12-29"})"));
  EXPECT_EQ(py["tod"], nlohmann::json::parse(R"({"$time":"01:00:00"})"));
  EXPECT_EQ(py["at"],
            nlohmann::json::parse(R"({"$timestamp":"2023-11-14T22:13:20.123000+00:00"})"));
  EXPECT_EQ(py["list"], nlohmann::json::parse("[1,null,3]"));
  EXPECT_EQ(py["labels"], nlohmann::json::parse(R"({"a":"b","k":"v"})"));
  EXPECT_EQ(py["by_id"], nlohmann::json::parse(R"([{"key":7,"value":"seven"}])"));
  EXPECT_EQ(py["inner"], nlohmann::json::parse(R"({"a":1,"b":"x"})"));
  EXPECT_EQ(py["other"], nullptr);

  // The same schema again: registered once.
  const int64_t before = registry_->requests();
  ASSERT_TRUE(c->FromConnectData("rt", schema, value).ok());
  EXPECT_EQ(registry_->requests(), before);

  // Null and schemaless.
  absl::StatusOr<std::optional<std::string>> null = c->FromConnectData("rt", nullptr, Value());
  ASSERT_TRUE(null.ok());
  EXPECT_FALSE(null->has_value());
  EXPECT_EQ(c->FromConnectData("rt", schema, Value()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c->FromConnectData("rt", nullptr, Value("x")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AvroConverterTest, FromConnectDataWithoutAutoRegistration) {
  const SchemaPtr schema =
      SchemaBuilder::Struct().Name("R").AddField("s", Schema::String()).Build();
  const Value value = StructBuilder(schema).Put("s", Value("a")).Build();
  auto lookup = Make({{"auto.register.schemas", "false"}});
  absl::Status missing = lookup->FromConnectData("t", schema, value).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.message(), HasSubstr("Subject 't-value' not found."));

  auto registering = Make();
  ASSERT_TRUE(registering->FromConnectData("t", schema, value).ok());
  absl::StatusOr<std::optional<std::string>> found = lookup->FromConnectData("t", schema, value);
  ASSERT_TRUE(found.ok()) << found.status();

  // use.latest.version: the subject's latest schema, fields matched by name.
  ASSERT_TRUE(registry_
                  ->Register("t-value", {0,
                                         "AVRO",
                                         R"({"type":"record","name":"R","fields":[
                                                {"name":"s","type":"string"},
                                                {"name":"extra","type":["null","long"],"default":null}]})",
                                         {}})
                  .ok());
  auto latest = Make({{"auto.register.schemas", "false"}, {"use.latest.version", "true"}});
  absl::StatusOr<std::optional<std::string>> written = latest->FromConnectData("t", schema, value);
  ASSERT_TRUE(written.ok()) << written.status();
  absl::StatusOr<schemaregistry::WireMessage> wire = schemaregistry::ParseWireFormat(**written);
  ASSERT_TRUE(wire.ok());
  EXPECT_EQ(wire->schema_id, 2);
  EXPECT_EQ(Decode(**written), nlohmann::json::parse(R"({"extra":null,"s":"a"})"));
}

TEST_F(AvroConverterTest, ConfigKeys) {
  const ConfigDef& def = AvroConverter::Definition();
  for (const char* key :
       {"schema.registry.url", "basic.auth.credentials.source", "basic.auth.user.info",
        "schema.registry.basic.auth.user.info", "schema.registry.ssl.truststore.location",
        "schema.registry.ssl.keystore.location", "max.schemas.per.subject", "auto.register.schemas",
        "use.latest.version", "key.subject.name.strategy", "value.subject.name.strategy",
        "enhanced.avro.schema.support", "connect.meta.data", "schemas.cache.config",
        "scrub.invalid.names", "avro.use.logical.type.converters", "converter.type"}) {
    EXPECT_NE(def.Find(key), nullptr) << key;
  }
  AvroConverter c;
  absl::Status missing = c.Configure({}, false);
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.message(), HasSubstr("schema.registry.url"));
}

}  // namespace
}  // namespace ferry
