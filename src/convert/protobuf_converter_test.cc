#include "convert/protobuf_converter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "convert/testing/protoc.h"
#include "convert/testing/registry_http.h"
#include "convert/testing/schema_inspect.h"
#include "schemaregistry/test_registry.h"

namespace ferry {
namespace {

using schemaregistry::testing::TestRegistry;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
namespace ft = ::ferry::testing;

using ft::FieldNames;
using ft::FieldSchema;
using ft::Param;

// The message indexes [0] as Confluent writes them.
const std::string kFirst(1, '\0');

// An independent copy of confluent/meta.proto for protoc.
constexpr char kMetaProto[] = R"(syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
}
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
)";

class ProtobufConverterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(access(ft::Protoc::kProtoc, X_OK), 0)
        << ft::Protoc::kProtoc << " is needed (Debian's protobuf-compiler)";
    auto registry = TestRegistry::Start();
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(*registry);
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("ferry-protobuf-test-", ::getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    protoc_ = std::make_unique<ft::Protoc>(dir_);
    protoc_->Write("confluent/meta.proto", kMetaProto);
    protoc_->Write("google/type/date.proto", R"(syntax = "proto3";
package google.type;
message Date { int32 year = 1; int32 month = 2; int32 day = 3; })");
    protoc_->Write("google/type/timeofday.proto", R"(syntax = "proto3";
package google.type;
message TimeOfDay { int32 hours = 1; int32 minutes = 2; int32 seconds = 3; int32 nanos = 4; })");
    protoc_->Write("confluent/type/decimal.proto", R"(syntax = "proto3";
package confluent.type;
message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; })");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<ProtobufConverter> Make(std::map<std::string, std::string> props = {},
                                          bool is_key = false) {
    props.emplace("schema.registry.url", registry_->url());
    auto c = std::make_unique<ProtobufConverter>();
    absl::Status s = c->Configure(props, is_key);
    EXPECT_TRUE(s.ok()) << s;
    return c;
  }

  // Writes `file` for protoc and registers its text under `subject` over
  // HTTP; the id.
  int Register(const std::string& subject, const std::string& file, const std::string& text,
               const std::vector<ft::HttpReference>& refs = {}) {
    protoc_->Write(file, text);
    absl::StatusOr<int> id =
        ft::RegisterOverHttp(registry_->url(), subject, "PROTOBUF", text, refs);
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? *id : 0;
  }

  // protoc's encoding of `text_format` as `message`, in the wire format.
  std::string Encode(int id, const std::string& indexes, const std::string& file,
                     const std::string& message, const std::string& text_format) {
    absl::StatusOr<std::string> payload = protoc_->Encode(file, message, text_format);
    EXPECT_TRUE(payload.ok()) << payload.status();
    return ft::WireBytes(id, indexes + (payload.ok() ? *payload : ""));
  }

  SchemaAndValue Read(ProtobufConverter& c, const std::string& bytes,
                      const std::string& topic = "t") {
    absl::StatusOr<SchemaAndValue> r = c.ToConnectData(topic, Headers(), bytes);
    EXPECT_TRUE(r.ok()) << r.status();
    if (r.ok() && r->schema) {
      EXPECT_TRUE(ValidateValue(*r->schema, r->value).empty())
          << ValidateValue(*r->schema, r->value);
    }
    return r.ok() ? *r : SchemaAndValue{};
  }

  std::unique_ptr<TestRegistry> registry_;
  std::filesystem::path dir_;
  std::unique_ptr<ft::Protoc> protoc_;
};

constexpr char kScalars[] = R"(syntax = "proto3";
package test.scalars;
message AllTypes {
  int32 i32 = 1;
  int64 i64 = 2;
  uint32 u32 = 3;
  uint64 u64 = 4;
  sint32 s32 = 5;
  sint64 s64 = 6;
  fixed32 f32 = 7;
  fixed64 f64 = 8;
  sfixed32 sf32 = 9;
  sfixed64 sf64 = 10;
  float fl = 11;
  double db = 12;
  bool b = 13;
  string s = 14;
  bytes by = 15;
  optional int32 opt = 16;
  optional string opt_unset = 17;
}
)";

TEST_F(ProtobufConverterTest, Proto3ScalarsAsProtobufData) {
  const int id = Register("t-value", "scalars.proto", kScalars);
  const std::string bytes =
      Encode(id, kFirst, "scalars.proto", "test.scalars.AllTypes",
             "i32: -5 i64: -9000000000 u32: 4294967295 u64: 18446744073709551615 s32: -7 "
             "s64: -8 f32: 4000000000 f64: 1 sf32: -9 sf64: -10 fl: 1.5 db: 2.25 b: true "
             "s: \"h\\303\\251llo\" by: \"\\000\\377\" opt: 0");
  auto c = Make();
  SchemaAndValue r = Read(*c, bytes);
  ASSERT_NE(r.schema, nullptr);
  const Schema& s = *r.schema;
  EXPECT_EQ(s.type(), Type::kStruct);
  EXPECT_EQ(s.name(), "AllTypes");
  EXPECT_EQ(s.version(), 1);
  EXPECT_FALSE(s.optional());
  EXPECT_THAT(FieldNames(s),
              ElementsAre("i32", "i64", "u32", "u64", "s32", "s64", "f32", "f64", "sf32", "sf64",
                          "fl", "db", "b", "s", "by", "opt", "opt_unset"));
  const std::map<std::string, std::pair<Type, std::string>> expected = {
      {"i32", {Type::kInt32, "<absent>"}},  {"i64", {Type::kInt64, "<absent>"}},
      {"u32", {Type::kInt64, "uint32"}},    {"u64", {Type::kInt64, "uint64"}},
      {"s32", {Type::kInt32, "sint32"}},    {"s64", {Type::kInt64, "sint64"}},
      {"f32", {Type::kInt64, "fixed32"}},   {"f64", {Type::kInt64, "fixed64"}},
      {"sf32", {Type::kInt32, "sfixed32"}}, {"sf64", {Type::kInt64, "sfixed64"}},
      {"fl", {Type::kFloat32, "<absent>"}}, {"db", {Type::kFloat64, "<absent>"}},
      {"b", {Type::kBoolean, "<absent>"}},  {"s", {Type::kString, "<absent>"}},
      {"by", {Type::kBytes, "<absent>"}},   {"opt", {Type::kInt32, "<absent>"}},
  };
  int tag = 1;
  for (const auto& name : FieldNames(s)) {
    const Schema& f = FieldSchema(s, name);
    EXPECT_TRUE(f.optional()) << name;  // ProtobufData makes every field optional.
    EXPECT_EQ(Param(f, "io.confluent.connect.protobuf.Tag"), std::to_string(tag++)) << name;
    if (auto it = expected.find(name); it != expected.end()) {
      EXPECT_EQ(f.type(), it->second.first) << name;
      EXPECT_EQ(Param(f, "io.confluent.connect.protobuf.Type"), it->second.second) << name;
    }
  }
  const Value& v = r.value;
  EXPECT_EQ(*v.StructField("i32"), Value(-5));
  EXPECT_EQ(*v.StructField("i64"), Value(int64_t{-9000000000}));
  EXPECT_EQ(*v.StructField("u32"), Value(int64_t{4294967295}));  // unsigned, widened.
  EXPECT_EQ(*v.StructField("u64"), Value(int64_t{-1}));          // Java's long bits.
  EXPECT_EQ(*v.StructField("s32"), Value(-7));
  EXPECT_EQ(*v.StructField("s64"), Value(-8));
  EXPECT_EQ(*v.StructField("f32"), Value(int64_t{4000000000}));
  EXPECT_EQ(*v.StructField("f64"), Value(1));
  EXPECT_EQ(*v.StructField("sf32"), Value(-9));
  EXPECT_EQ(*v.StructField("sf64"), Value(-10));
  EXPECT_EQ(*v.StructField("fl"), Value(1.5));
  EXPECT_EQ(*v.StructField("db"), Value(2.25));
  EXPECT_EQ(*v.StructField("b"), Value(true));
  EXPECT_EQ(*v.StructField("s"), Value("h\xc3\xa9llo"));
  EXPECT_EQ(*v.StructField("by"), Value(Bytes{std::string("\0\xff", 2)}));
  EXPECT_EQ(*v.StructField("opt"), Value(0));  // Set to its default: present.
  EXPECT_TRUE(v.StructField("opt_unset")->is_null());

  // Unset proto3 scalars read as their defaults, unset optionals as null.
  SchemaAndValue empty = Read(*c, Encode(id, kFirst, "scalars.proto", "test.scalars.AllTypes", ""));
  EXPECT_EQ(*empty.value.StructField("i32"), Value(0));
  EXPECT_EQ(*empty.value.StructField("s"), Value(""));
  EXPECT_EQ(*empty.value.StructField("b"), Value(false));
  EXPECT_EQ(*empty.value.StructField("by"), Value(Bytes{}));
  EXPECT_TRUE(empty.value.StructField("opt")->is_null());
}

TEST_F(ProtobufConverterTest, OptionalForNullablesAndWrapperForNullablesMakeScalarsRequired) {
  const int id = Register("t-value", "scalars.proto", kScalars);
  const std::string bytes = Encode(id, kFirst, "scalars.proto", "test.scalars.AllTypes", "i32: 3");
  auto optional = Make({{"optional.for.nullables", "true"}});
  SchemaAndValue r = Read(*optional, bytes);
  EXPECT_FALSE(FieldSchema(*r.schema, "i32").optional());
  EXPECT_TRUE(FieldSchema(*r.schema, "opt").optional());
  auto wrapper = Make({{"wrapper.for.nullables", "true"}});
  r = Read(*wrapper, bytes);
  EXPECT_FALSE(FieldSchema(*r.schema, "i32").optional());
  // A field with presence stays optional (ProtobufData makes it required,
  // though it reads null when unset).
  EXPECT_TRUE(FieldSchema(*r.schema, "opt").optional());
  EXPECT_TRUE(r.value.StructField("opt")->is_null());
}

constexpr char kNested[] = R"(syntax = "proto3";
package test.nested;
enum Status {
  ACTIVE = 0;
  INACTIVE = 1;
}
message Order {
  message Line {
    string sku = 1;
    int32 qty = 2;
  }
  string id = 1;
  repeated Line lines = 2;
  repeated string tags = 3;
  map<string, int64> counts = 4;
  Status status = 5;
  repeated Status history = 6;
  Address ship_to = 7;
  map<int32, Line> by_number = 8;
  Address bill_to = 9;
}
message Address {
  string city = 1;
  string zip = 2;
}
)";

TEST_F(ProtobufConverterTest, NestedMessagesRepeatedMapsAndEnums) {
  const int id = Register("t-value", "nested.proto", kNested);
  const std::string bytes =
      Encode(id, kFirst, "nested.proto", "test.nested.Order",
             R"(id: "o1" lines { sku: "a" qty: 2 } lines { sku: "b" } tags: "x" tags: "y"
         counts { key: "k1" value: 5 } counts { key: "k2" value: -6 } status: INACTIVE
         history: ACTIVE history: INACTIVE history: 7 ship_to { city: "Oslo" }
         by_number { key: 3 value { sku: "c" qty: 1 } })");
  auto c = Make();
  SchemaAndValue r = Read(*c, bytes);
  ASSERT_NE(r.schema, nullptr);
  const Schema& s = *r.schema;
  EXPECT_EQ(s.name(), "Order");
  const Schema& lines = FieldSchema(s, "lines");
  EXPECT_EQ(lines.type(), Type::kArray);
  EXPECT_TRUE(lines.optional());
  EXPECT_EQ(Param(lines, "io.confluent.connect.protobuf.Tag"), "2");
  EXPECT_EQ(lines.value_schema()->type(), Type::kStruct);
  EXPECT_EQ(lines.value_schema()->name(), "Line");
  EXPECT_TRUE(lines.value_schema()->optional());
  EXPECT_EQ(Param(*lines.value_schema(), "io.confluent.connect.protobuf.Tag"), "<absent>");
  const Schema& counts = FieldSchema(s, "counts");
  EXPECT_EQ(counts.type(), Type::kMap);
  EXPECT_EQ(counts.name(), "counts");  // ProtobufSchema.toMapField("CountsEntry").
  EXPECT_EQ(counts.key_schema()->type(), Type::kString);
  EXPECT_EQ(Param(*counts.key_schema(), "io.confluent.connect.protobuf.Tag"), "1");
  EXPECT_EQ(counts.value_schema()->type(), Type::kInt64);
  EXPECT_EQ(Param(*counts.value_schema(), "io.confluent.connect.protobuf.Tag"), "2");
  EXPECT_EQ(FieldSchema(s, "by_number").name(), "by_number");
  EXPECT_EQ(FieldSchema(s, "by_number").value_schema()->name(), "Line");
  const Schema& status = FieldSchema(s, "status");
  EXPECT_EQ(status.type(), Type::kString);
  EXPECT_EQ(status.name(), "Status");
  EXPECT_EQ(Param(status, "io.confluent.connect.protobuf.Enum"), "Status");
  EXPECT_EQ(Param(status, "io.confluent.connect.protobuf.Enum.ACTIVE"), "0");
  EXPECT_EQ(Param(status, "io.confluent.connect.protobuf.Enum.INACTIVE"), "1");
  EXPECT_EQ(FieldSchema(s, "history").value_schema()->name(), "Status");
  EXPECT_EQ(FieldSchema(s, "ship_to").name(), "Address");
  EXPECT_EQ(FieldSchema(s, "bill_to").name(), "Address");

  const Value& v = r.value;
  EXPECT_EQ(v.StructField("lines")->DebugString(),
            "[Struct{sku=\"a\",qty=2},Struct{sku=\"b\",qty=0}]");
  EXPECT_EQ(v.StructField("tags")->DebugString(), "[\"x\",\"y\"]");
  std::vector<std::string> entries;
  for (const auto& [k, val] : v.StructField("counts")->as_map()) {
    entries.push_back(absl::StrCat(k.as_string(), "=", val.as_int()));
  }
  EXPECT_THAT(entries, UnorderedElementsAre("k1=5", "k2=-6"));
  ASSERT_EQ(v.StructField("by_number")->as_map().size(), 1u);
  EXPECT_EQ(v.StructField("by_number")->as_map()[0].first, Value(3));
  EXPECT_EQ(v.StructField("by_number")->as_map()[0].second.DebugString(),
            "Struct{sku=\"c\",qty=1}");
  EXPECT_EQ(*v.StructField("status"), Value("INACTIVE"));
  // An enum number the schema does not name reads as protobuf-java names it.
  EXPECT_EQ(v.StructField("history")->DebugString(),
            "[\"ACTIVE\",\"INACTIVE\",\"UNKNOWN_ENUM_VALUE_Status_7\"]");
  EXPECT_EQ(v.StructField("ship_to")->DebugString(), "Struct{city=\"Oslo\",zip=\"\"}");
  EXPECT_TRUE(v.StructField("bill_to")->is_null());  // An unset message is null.

  auto ints = Make({{"int.for.enums", "true"}, {"enhanced.protobuf.schema.support", "true"}});
  SchemaAndValue ri = Read(*ints, bytes);
  EXPECT_EQ(ri.schema->name(), "test.nested.Order");
  EXPECT_EQ(FieldSchema(*ri.schema, "status").type(), Type::kInt32);
  EXPECT_EQ(FieldSchema(*ri.schema, "status").name(), "test.nested.Status");
  EXPECT_EQ(FieldSchema(*ri.schema, "counts").name(), "test.nested.Order.counts");
  EXPECT_EQ(*ri.value.StructField("status"), Value(1));
  EXPECT_EQ(ri.value.StructField("history")->DebugString(), "[0,1,7]");

  auto structs = Make({{"generate.struct.for.nulls", "true"}});
  EXPECT_EQ(Read(*structs, bytes).value.StructField("bill_to")->DebugString(),
            "Struct{city=\"\",zip=\"\"}");
}

constexpr char kOneof[] = R"(syntax = "proto3";
package test.oneof;
message Event {
  string id = 1;
  oneof payload {
    string text = 2;
    int64 number = 3;
    Point point = 4;
  }
  oneof other {
    bool flag = 5;
  }
  string after = 6;
}
message Point {
  int32 x = 1;
  int32 y = 2;
}
)";

TEST_F(ProtobufConverterTest, OneofsAreUnionStructsNamedAsProtobufData) {
  const int id = Register("t-value", "oneof.proto", kOneof);
  auto c = Make();
  SchemaAndValue r =
      Read(*c, Encode(id, kFirst, "oneof.proto", "test.oneof.Event", "id: \"e\" number: 42"));
  ASSERT_NE(r.schema, nullptr);
  const Schema& s = *r.schema;
  // Oneofs come first, then the other fields, as ProtobufData orders them.
  EXPECT_THAT(FieldNames(s), ElementsAre("payload_0", "other_1", "id", "after"));
  const Schema& payload = FieldSchema(s, "payload_0");
  EXPECT_EQ(payload.type(), Type::kStruct);
  EXPECT_EQ(payload.name(), "io.confluent.connect.protobuf.Union.payload");
  EXPECT_TRUE(payload.optional());
  EXPECT_THAT(FieldNames(payload), ElementsAre("text", "number", "point"));
  for (const Field& f : payload.fields()) EXPECT_TRUE(f.schema->optional()) << f.name;
  EXPECT_EQ(Param(FieldSchema(payload, "point"), "io.confluent.connect.protobuf.Tag"), "4");
  EXPECT_EQ(r.value.DebugString(),
            "Struct{payload_0=Struct{text=null,number=42,point=null},other_1=null,id=\"e\","
            "after=\"\"}");
  EXPECT_EQ(Read(*c, Encode(id, kFirst, "oneof.proto", "test.oneof.Event",
                            "point { x: 1 y: 2 } flag: false"))
                .value.DebugString(),
            "Struct{payload_0=Struct{text=null,number=null,point=Struct{x=1,y=2}},"
            "other_1=Struct{flag=false},id=\"\",after=\"\"}");

  auto plain = Make({{"generate.index.for.unions", "false"}});
  EXPECT_THAT(
      FieldNames(*Read(*plain, Encode(id, kFirst, "oneof.proto", "test.oneof.Event", "")).schema),
      ElementsAre("payload", "other", "id", "after"));
  auto flat = Make({{"flatten.unions", "true"}});
  SchemaAndValue f =
      Read(*flat, Encode(id, kFirst, "oneof.proto", "test.oneof.Event", "text: \"hi\""));
  EXPECT_THAT(FieldNames(*f.schema), ElementsAre("text", "number", "point", "flag", "id", "after"));
  EXPECT_EQ(f.value.DebugString(),
            "Struct{text=\"hi\",number=null,point=null,flag=null,id=\"\",after=\"\"}");
  auto generalized = Make({{"generalized.sum.type.support", "true"}});
  const Schema& g = FieldSchema(
      *Read(*generalized, Encode(id, kFirst, "oneof.proto", "test.oneof.Event", "")).schema,
      "payload_0");
  EXPECT_EQ(g.name(), "payload");
  EXPECT_EQ(Param(g, "org.apache.kafka.connect.data.Union"), "payload");
}

constexpr char kWellKnown[] = R"(syntax = "proto3";
package test.wkt;
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "google/type/date.proto";
import "google/type/timeofday.proto";
import "confluent/type/decimal.proto";
import "confluent/meta.proto";
message Times {
  google.protobuf.Timestamp at = 1;
  google.type.Date day = 2;
  google.type.TimeOfDay time = 3;
  confluent.type.Decimal amount = 4 [(confluent.field_meta) = {
    params: [{key: "precision", value: "8"}, {key: "scale", value: "2"}]
  }];
  google.protobuf.StringValue nick = 5;
  google.protobuf.Int64Value count = 6;
  int32 small = 7 [(confluent.field_meta).params = {key: "connect.type", value: "int8"}];
  int32 medium = 8 [(confluent.field_meta).params = {key: "connect.type", value: "int16"}];
  google.protobuf.UInt32Value big = 9;
}
)";

TEST_F(ProtobufConverterTest, WellKnownTypesResolveWithoutTheRegistry) {
  // Registered without references: Confluent's known dependencies.
  const int id = Register("t-value", "wkt.proto", kWellKnown);
  // -12345.67 at scale 2: unscaled -1234567 = 0xED2979 in two's complement.
  const std::string bytes =
      Encode(id, kFirst, "wkt.proto", "test.wkt.Times",
             R"(at { seconds: 1700000000 nanos: 123456789 } day { year: 2024 month: 2 day: 29 }
                time { hours: 13 minutes: 14 seconds: 15 nanos: 500000000 }
                amount { value: "\355\051\171" precision: 7 scale: 2 }
                nick { value: "n" } count { value: 9 } small: -3 medium: 300
                big { value: 4294967295 })");
  auto c = Make();
  SchemaAndValue r = Read(*c, bytes);
  ASSERT_NE(r.schema, nullptr);
  const Schema& s = *r.schema;
  EXPECT_EQ(FieldSchema(s, "at").name(), std::string(logical::kTimestamp));
  EXPECT_EQ(FieldSchema(s, "day").name(), std::string(logical::kDate));
  EXPECT_EQ(FieldSchema(s, "time").name(), std::string(logical::kTime));
  const Schema& amount = FieldSchema(s, "amount");
  EXPECT_EQ(amount.name(), std::string(logical::kDecimal));
  EXPECT_EQ(Param(amount, "scale"), "2");
  EXPECT_EQ(Param(amount, "connect.decimal.precision"), "8");
  EXPECT_EQ(Param(amount, "io.confluent.connect.protobuf.Tag"), "4");
  // Wrappers stay structs unless wrapper.for.nullables.
  const Schema& nick = FieldSchema(s, "nick");
  EXPECT_EQ(nick.type(), Type::kStruct);
  EXPECT_EQ(nick.name(), "StringValue");
  EXPECT_EQ(FieldSchema(s, "small").type(), Type::kInt8);
  EXPECT_EQ(FieldSchema(s, "medium").type(), Type::kInt16);

  const Value& v = r.value;
  // Connect's Timestamp and Time count milliseconds: the rest is dropped.
  EXPECT_EQ(*v.StructField("at"), Value(Timestamp{int64_t{1700000000123} * 1000}));
  EXPECT_EQ(*v.StructField("day"), Value(Date{19782}));
  EXPECT_EQ(*v.StructField("time"), Value(TimeOfDay{int64_t{47655500} * 1000}));
  EXPECT_EQ(v.StructField("amount")->as_decimal().ToString(), "-12345.67");
  EXPECT_EQ(v.StructField("nick")->DebugString(), "Struct{value=\"n\"}");
  EXPECT_EQ(*v.StructField("small"), Value(-3));
  EXPECT_EQ(*v.StructField("medium"), Value(300));

  auto unwrapped = Make({{"wrapper.for.nullables", "true"}});
  SchemaAndValue u = Read(*unwrapped, bytes);
  const Schema& unick = FieldSchema(*u.schema, "nick");
  EXPECT_EQ(unick.type(), Type::kString);
  EXPECT_TRUE(unick.optional());
  EXPECT_EQ(FieldSchema(*u.schema, "big").type(), Type::kInt64);
  EXPECT_EQ(*u.value.StructField("nick"), Value("n"));
  EXPECT_EQ(*u.value.StructField("count"), Value(9));
  EXPECT_EQ(*u.value.StructField("big"), Value(int64_t{4294967295}));
  SchemaAndValue unset = Read(*unwrapped, Encode(id, kFirst, "wkt.proto", "test.wkt.Times", ""));
  EXPECT_TRUE(unset.value.StructField("nick")->is_null());
  EXPECT_TRUE(unset.value.StructField("at")->is_null());

  // A value outside what the field's Connect type holds is refused.
  absl::StatusOr<SchemaAndValue> wide = c->ToConnectData(
      "t", Headers(), Encode(id, kFirst, "wkt.proto", "test.wkt.Times", "small: 300"));
  ASSERT_FALSE(wide.ok());
  EXPECT_EQ(wide.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wide.status().message(), HasSubstr("INT8"));
  for (const char* bad : {"day { year: 2023 month: 2 day: 29 }", "day { }", "time { hours: 24 }",
                          "at { seconds: 253402300800 }", "amount { precision: 2 }"}) {
    absl::StatusOr<SchemaAndValue> invalid =
        c->ToConnectData("t", Headers(), Encode(id, kFirst, "wkt.proto", "test.wkt.Times", bad));
    ASSERT_FALSE(invalid.ok()) << bad;
    EXPECT_EQ(invalid.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(invalid.status().message(),
                HasSubstr("Failed to deserialize data for topic t to Protobuf: "))
        << bad;
  }
}

TEST_F(ProtobufConverterTest, AWrapperAtTheRootIsItsPrimitive) {
  const int id = Register("t-value", "google/protobuf/wrappers.proto", R"(syntax = "proto3";
package google.protobuf;
message DoubleValue { double value = 1; }
message FloatValue { float value = 1; }
message Int64Value { int64 value = 1; }
message UInt64Value { uint64 value = 1; }
message Int32Value { int32 value = 1; }
message UInt32Value { uint32 value = 1; }
message BoolValue { bool value = 1; }
message StringValue { string value = 1; }
message BytesValue { bytes value = 1; }
)");
  // StringValue is message 7: indexes [7] = count 1, index 7 (zigzag 2, 14).
  const std::string bytes = Encode(id, std::string("\x02\x0e", 2), "google/protobuf/wrappers.proto",
                                   "google.protobuf.StringValue", "value: \"raw\"");
  auto c = Make();
  SchemaAndValue r = Read(*c, bytes);
  ASSERT_NE(r.schema, nullptr);
  EXPECT_EQ(r.schema->type(), Type::kString);
  EXPECT_FALSE(r.schema->optional());
  EXPECT_EQ(r.value, Value("raw"));
  auto structs = Make({{"wrapper.for.raw.primitives", "false"}});
  EXPECT_EQ(Read(*structs, bytes).value.DebugString(), "Struct{value=\"raw\"}");
}

TEST_F(ProtobufConverterTest, MessageIndexesNameNonFirstAndNestedMessages) {
  const int id = Register("t-value", "many.proto", R"(syntax = "proto3";
package test.many;
message First { string a = 1; }
enum Kind { K0 = 0; }
message Second {
  map<string, string> attrs = 1;
  message Inner { int32 n = 1; }
  message Other { string o = 1; }
}
)");
  auto c = Make();
  // [1]: Second (enums are not counted).
  SchemaAndValue second = Read(*c, Encode(id, std::string("\x02\x02", 2), "many.proto",
                                          "test.many.Second", "attrs { key: \"k\" value: \"v\" }"));
  ASSERT_NE(second.schema, nullptr);
  EXPECT_EQ(second.schema->name(), "Second");
  // [1, 1]: Second.Other (the map entry is not counted).
  SchemaAndValue other = Read(*c, Encode(id, std::string("\x04\x02\x02", 3), "many.proto",
                                         "test.many.Second.Other", "o: \"x\""));
  ASSERT_NE(other.schema, nullptr);
  EXPECT_EQ(other.schema->name(), "Other");
  EXPECT_EQ(other.value.DebugString(), "Struct{o=\"x\"}");
  // The explicit form of [0] (count 1, index 0) is the first message too.
  SchemaAndValue first =
      Read(*c, Encode(id, std::string("\x02\x00", 2), "many.proto", "test.many.First", "a: \"y\""));
  ASSERT_NE(first.schema, nullptr);
  EXPECT_EQ(first.schema->name(), "First");
  for (const std::string& indexes :
       {std::string("\x02\x04", 2), std::string("\x04\x02\x06", 3), std::string("\x02\x01", 2)}) {
    absl::StatusOr<SchemaAndValue> bad =
        c->ToConnectData("t", Headers(), ft::WireBytes(id, indexes));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(bad.status().message(), HasSubstr("Invalid message indexes"));
  }
}

TEST_F(ProtobufConverterTest, ImportsResolveThroughReferences) {
  Register("common-units", "common/units.proto", R"(syntax = "proto3";
package common;
enum Unit { UNIT_UNSPECIFIED = 0; KG = 1; }
)");
  Register("common-measure", "common/measure.proto", R"(syntax = "proto3";
package common;
import "common/units.proto";
message Measure { double amount = 1; Unit unit = 2; }
)",
           {{"common/units.proto", "common-units", 1}});
  const int id = Register("t-value", "parcel.proto", R"(syntax = "proto3";
package shipping;
import "common/measure.proto";
import "google/protobuf/timestamp.proto";
message Parcel {
  common.Measure weight = 1;
  google.protobuf.Timestamp sent = 2;
}
)",
                          {{"common/measure.proto", "common-measure", 1}});
  auto c = Make();
  SchemaAndValue r = Read(*c, Encode(id, kFirst, "parcel.proto", "shipping.Parcel",
                                     "weight { amount: 2.5 unit: KG } sent { seconds: 1 }"));
  ASSERT_NE(r.schema, nullptr);
  EXPECT_EQ(FieldSchema(*r.schema, "weight").name(), "Measure");
  EXPECT_EQ(FieldSchema(FieldSchema(*r.schema, "weight"), "unit").name(), "Unit");
  EXPECT_EQ(r.value.DebugString(), "Struct{weight=Struct{amount=2.5,unit=\"KG\"},sent=" +
                                       Value(Timestamp{1000000}).DebugString() + "}");
  // Schemas by id and references are cached: a second read asks nothing.
  const int64_t before = registry_->requests();
  Read(*c, Encode(id, kFirst, "parcel.proto", "shipping.Parcel", ""));
  EXPECT_EQ(registry_->requests(), before);

  // An import that is neither a reference nor known.
  const int orphan = Register("orphan-value", "orphan.proto", R"(syntax = "proto3";
import "common/measure.proto";
message Orphan { common.Measure m = 1; }
)");
  absl::StatusOr<SchemaAndValue> bad =
      c->ToConnectData("orphan", Headers(), ft::WireBytes(orphan, kFirst));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("imports common/measure.proto"));
}

TEST_F(ProtobufConverterTest, TheSchemaVersionIsTheOneInTheSubject) {
  Register("t-value", "v.proto", "syntax = \"proto3\";\nmessage V { string a = 1; }\n");
  const int id2 = Register("t-value", "v.proto",
                           "syntax = \"proto3\";\nmessage V { string a = 1; string b = 2; }\n");
  auto c = Make();
  SchemaAndValue r = Read(*c, Encode(id2, kFirst, "v.proto", "V", "a: \"x\" b: \"y\""));
  ASSERT_NE(r.schema, nullptr);
  EXPECT_EQ(r.schema->version(), 2);
  EXPECT_THAT(FieldNames(*r.schema), ElementsAre("a", "b"));
  // RecordNameStrategy: the subject is the message's full name.
  Register("V", "v.proto", "syntax = \"proto3\";\nmessage V { string a = 1; string b = 2; }\n");
  auto record = Make({{"value.subject.name.strategy",
                       "io.confluent.kafka.serializers.subject.RecordNameStrategy"}});
  EXPECT_EQ(Read(*record, Encode(id2, kFirst, "v.proto", "V", "")).schema->version(), 1);
}

TEST_F(ProtobufConverterTest, Proto2OptionalsAndRequiredFields) {
  const int id = Register("t-value", "p2.proto", R"(syntax = "proto2";
message P2 {
  required string id = 1;
  optional int32 n = 2;
  optional int32 d = 3 [default = 7];
}
)");
  auto c = Make();
  SchemaAndValue r = Read(*c, Encode(id, kFirst, "p2.proto", "P2", "id: \"a\""));
  EXPECT_EQ(r.value.DebugString(), "Struct{id=\"a\",n=null,d=null}");
  auto plain = Make({{"optional.for.proto2", "false"}});
  EXPECT_EQ(Read(*plain, Encode(id, kFirst, "p2.proto", "P2", "id: \"a\"")).value.DebugString(),
            "Struct{id=\"a\",n=0,d=7}");
  absl::StatusOr<SchemaAndValue> missing =
      c->ToConnectData("t", Headers(), ft::WireBytes(id, kFirst));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.status().message(), HasSubstr("missing required fields: id"));
}

TEST_F(ProtobufConverterTest, RecursiveMessagesAreRefusedClearly) {
  const int id = Register("t-value", "tree.proto", R"(syntax = "proto3";
message Node { string name = 1; repeated Node children = 2; }
)");
  auto c = Make();
  absl::StatusOr<SchemaAndValue> r =
      c->ToConnectData("t", Headers(), Encode(id, kFirst, "tree.proto", "Node", "name: \"r\""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("message Node is recursive"));
}

TEST_F(ProtobufConverterTest, MalformedInputIsRecordFatalNeverACrash) {
  const int id = Register("t-value", "nested.proto", kNested);
  const std::string good = Encode(
      id, kFirst, "nested.proto", "test.nested.Order",
      R"(id: "o1" lines { sku: "a" qty: 2 } tags: "x" counts { key: "k" value: 5 } status: INACTIVE
         ship_to { city: "Oslo" } by_number { key: 3 value { sku: "c" } })");
  auto c = Make();
  ASSERT_TRUE(c->ToConnectData("t", Headers(), good).ok());
  auto expect_invalid = [&](const std::string& bytes, const std::string& text) {
    absl::StatusOr<SchemaAndValue> r = c->ToConnectData("t", Headers(), bytes);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
    EXPECT_THAT(r.status().message(), HasSubstr(text));
  };
  expect_invalid(std::string("\x01\x00\x00\x00\x01\x00", 6), "Unknown magic byte!");
  expect_invalid(std::string("\x00\x00", 2), "Failed to deserialize data for topic t to Protobuf");
  expect_invalid(ft::WireBytes(id, ""), "message indexes");
  expect_invalid(ft::WireBytes(id, "\x02"), "message indexes");
  expect_invalid(ft::WireBytes(id, "\x01"), "message indexes: invalid count -1");
  expect_invalid(ft::WireBytes(id, std::string("\x00\x0a\x05", 3)),
                 "not a valid test.nested.Order");
  expect_invalid(ft::WireBytes(9999, kFirst), "Error retrieving Protobuf value schema for id 9999");
  const int avro = *ft::RegisterOverHttp(registry_->url(), "a-value", "AVRO", "\"string\"");
  expect_invalid(ft::WireBytes(avro, kFirst), "not PROTOBUF");
  const int broken = *ft::RegisterOverHttp(registry_->url(), "b-value", "PROTOBUF", "message {");
  expect_invalid(ft::WireBytes(broken, kFirst), "does not parse");

  // Every truncation and many corruptions: a value or InvalidArgument.
  std::mt19937 rng(7);
  for (size_t n = 0; n < good.size(); ++n) {
    absl::StatusOr<SchemaAndValue> r = c->ToConnectData("t", Headers(), good.substr(0, n));
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << n;
    }
  }
  for (int i = 0; i < 3000; ++i) {
    std::string bytes = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      // Keep the header most of the time so that the payload is exercised.
      const size_t at = 5 + rng() % (bytes.size() - 5);
      bytes[at] = static_cast<char>(rng() % 256);
    }
    absl::StatusOr<SchemaAndValue> r = c->ToConnectData("t", Headers(), bytes);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
    } else {
      EXPECT_TRUE(ValidateValue(*r->schema, r->value).empty());
    }
  }
}

TEST_F(ProtobufConverterTest, NullIsNullAndAnUnreachableRegistryIsNotTheRecordsFault) {
  const int id =
      Register("t-value", "v.proto", "syntax = \"proto3\";\nmessage V { string a = 1; }\n");
  auto c = Make({{"max.retries", "0"}});
  absl::StatusOr<SchemaAndValue> null = c->ToConnectData("t", Headers(), std::nullopt);
  ASSERT_TRUE(null.ok());
  EXPECT_EQ(null->schema, nullptr);
  EXPECT_TRUE(null->value.is_null());
  registry_->Stop();
  absl::StatusOr<SchemaAndValue> r = c->ToConnectData("t", Headers(), ft::WireBytes(id, kFirst));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("Network connection error while deserializing"));
}

TEST_F(ProtobufConverterTest, FromConnectDataRegistersAProto3SchemaThatProtocDecodes) {
  SchemaPtr line = SchemaBuilder::Struct()
                       .Name("Line")
                       .AddField("sku", Schema::String())
                       .AddField("qty", Schema::Int32(true))
                       .Build();
  SchemaPtr status = SchemaBuilder(Type::kString)
                         .Name("Status")
                         .Optional()
                         .Parameter("io.confluent.connect.protobuf.Enum", "Status")
                         .Parameter("io.confluent.connect.protobuf.Enum.ACTIVE", "0")
                         .Parameter("io.confluent.connect.protobuf.Enum.INACTIVE", "1")
                         .Build();
  SchemaPtr schema =
      SchemaBuilder::Struct()
          .Name("com.example.Order")
          .AddField("id", Schema::String())
          .AddField("small", Schema::Int8(true))
          .AddField("total", SchemaBuilder::From(*Schema::Decimal(2)).Optional().Build())
          .AddField("at", Schema::Timestamp(true))
          .AddField("day", Schema::Date(true))
          .AddField("time", Schema::Time(true))
          .AddField("lines", SchemaBuilder::Array(line).Optional().Build())
          .AddField("tags",
                    SchemaBuilder::Map(Schema::String(), Schema::Int64()).Optional().Build())
          .AddField("status", status)
          .AddField("blob", Schema::Bytes(true))
          .Build();
  Value value = StructBuilder(schema)
                    .Put("id", "o1")
                    .Put("small", -2)
                    .Put("total", *Decimal::FromString("-12.34"))
                    .Put("at", Timestamp{1700000000123000})
                    .Put("day", Date{19782})
                    .Put("time", TimeOfDay{47655500000})
                    .Put("lines", Array{StructBuilder(line).Put("sku", "a").Put("qty", 3).Build()})
                    .Put("tags", Map{{Value("k"), Value(7)}})
                    .Put("status", "INACTIVE")
                    .Put("blob", Bytes{std::string("\0\1", 2)})
                    .Build();
  auto c = Make();
  absl::StatusOr<std::optional<std::string>> bytes = c->FromConnectData("t", schema, value);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  ASSERT_TRUE(bytes->has_value());
  ASSERT_GE((*bytes)->size(), 6u);
  EXPECT_EQ((*bytes)->substr(0, 1), std::string(1, '\0'));
  const int id = (static_cast<uint8_t>((**bytes)[1]) << 24) |
                 (static_cast<uint8_t>((**bytes)[2]) << 16) |
                 (static_cast<uint8_t>((**bytes)[3]) << 8) | static_cast<uint8_t>((**bytes)[4]);
  EXPECT_EQ((**bytes)[5], '\0');  // Message indexes [0].
  // protoc reads the registered text and the payload.
  absl::StatusOr<std::string> text = ft::SchemaTextOverHttp(registry_->url(), id);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("package com.example;"));
  protoc_->Write("registered.proto", *text);
  absl::StatusOr<std::string> decoded =
      protoc_->Decode("registered.proto", "com.example.Order", (*bytes)->substr(6));
  ASSERT_TRUE(decoded.ok()) << decoded.status() << "\n" << *text;
  EXPECT_EQ(*decoded,
            "id: \"o1\"\n"
            "small: -2\n"
            "total {\n  value: \"\\373.\"\n  precision: 4\n  scale: 2\n}\n"
            "at {\n  seconds: 1700000000\n  nanos: 123000000\n}\n"
            "day {\n  year: 2024\n  month: 2\n  day: 29\n}\n"
            "time {\n  hours: 13\n  minutes: 14\n  seconds: 15\n  nanos: 500000000\n}\n"
            "lines {\n  sku: \"a\"\n  qty: 3\n}\n"
            "tags {\n  key: \"k\"\n  value: 7\n}\n"
            "status: INACTIVE\n"
            "blob: \"\\000\\001\"\n")
      << *text;
  // And ferry reads its own output back to the same values.
  SchemaAndValue back = Read(*c, **bytes);
  ASSERT_NE(back.schema, nullptr);
  EXPECT_EQ(back.schema->name(), "Order");
  EXPECT_EQ(FieldSchema(*back.schema, "small").type(), Type::kInt8);
  EXPECT_EQ(Param(FieldSchema(*back.schema, "total"), "scale"), "2");
  EXPECT_EQ(back.value.StructField("total")->as_decimal().ToString(), "-12.34");
  EXPECT_EQ(*back.value.StructField("at"), Value(Timestamp{1700000000123000}));
  EXPECT_EQ(*back.value.StructField("day"), Value(Date{19782}));
  EXPECT_EQ(*back.value.StructField("status"), Value("INACTIVE"));
  EXPECT_EQ(back.value.StructField("lines")->DebugString(), "[Struct{sku=\"a\",qty=3}]");
  // The same schema again: no new registration.
  const int64_t before = registry_->requests();
  ASSERT_TRUE(c->FromConnectData("t", schema, value).ok());
  EXPECT_EQ(registry_->requests(), before);
  // Null writes a Kafka null.
  absl::StatusOr<std::optional<std::string>> null = c->FromConnectData("t", schema, Value());
  ASSERT_TRUE(null.ok());
  EXPECT_FALSE(null->has_value());
}

TEST_F(ProtobufConverterTest, CreatedByFullAndSimpleName) {
  for (const char* name :
       {"io.confluent.connect.protobuf.ProtobufConverter", "ProtobufConverter"}) {
    absl::StatusOr<std::unique_ptr<Converter>> c = CreateConverter(name);
    ASSERT_TRUE(c.ok()) << name;
    EXPECT_NE(dynamic_cast<ProtobufConverter*>(c->get()), nullptr);
    EXPECT_NE((*c)->config_def().Find("wrapper.for.nullables"), nullptr);
  }
  EXPECT_EQ(CanonicalConverterClass("ProtobufConverter"),
            "io.confluent.connect.protobuf.ProtobufConverter");
  ProtobufConverter c;
  absl::Status missing = c.Configure({}, false);
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.message(), HasSubstr("schema.registry.url"));
}

}  // namespace
}  // namespace ferry
