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

constexpr char kValue[] = "org.apache.kafka.connect.transforms.HeaderFrom$Value";
constexpr char kKey[] = "HeaderFrom$Key";

SchemaPtr NestedSchema() { return SchemaBuilder::Struct().AddField("x", Schema::String()).Build(); }

SchemaPtr ValueSchema() {
  return SchemaBuilder::Struct()
      .Name("com.example.Value")
      .Version(2)
      .Doc("doc")
      .AddField("field1", Schema::String())
      .AddField("field2", Schema::Int64(true))
      .AddField("nested", NestedSchema())
      .Build();
}

Value StructValue() {
  return StructBuilder(ValueSchema())
      .Put("field1", "a")
      .Put("field2", int64_t{7})
      .Put("nested", StructBuilder(NestedSchema()).Put("x", "y").Build())
      .Build();
}

Value MapValue() {
  return MapOf({{"field1", Value("a")}, {"field2", Value(int64_t{7})}, {"other", Value(true)}});
}

SinkRecord WithHeader(SinkRecord r) {
  r.headers.Add("existing", Schema::String(), Value("h"));
  return r;
}

std::vector<std::string> HeaderKeys(const SinkRecord& r) {
  std::vector<std::string> keys;
  for (const Header& h : r.headers.all()) keys.push_back(h.key);
  return keys;
}

TEST(HeaderFromTest, SchemalessCopy) {
  auto t = Configured(
      kValue,
      {{"fields", "field1,field2,missing"}, {"headers", "h1,h2,h3"}, {"operation", "copy"}});
  SinkRecord out = ApplyOk(*t, WithHeader(MakeRecord(nullptr, MapValue())));
  EXPECT_EQ(out.value, MapValue());
  EXPECT_EQ(out.value_schema, nullptr);
  EXPECT_EQ(HeaderKeys(out), (std::vector<std::string>{"existing", "h1", "h2", "h3"}));
  const auto& h = out.headers.all();
  EXPECT_EQ(h[1].value, Value("a"));
  EXPECT_EQ(h[1].schema, nullptr);
  EXPECT_EQ(h[2].value, Value(int64_t{7}));
  EXPECT_TRUE(h[3].value.is_null());
}

TEST(HeaderFromTest, SchemalessMove) {
  auto t = Configured(kValue,
                      {{"fields", "field1,field2"}, {"headers", "h1,h2"}, {"operation", "move"}});
  SinkRecord out = ApplyOk(*t, MakeRecord(nullptr, MapValue()));
  EXPECT_EQ(out.value, MapOf({{"other", Value(true)}}));
  EXPECT_EQ(out.headers.size(), 2u);
  EXPECT_EQ(out.headers.LastWithName("h1")->value, Value("a"));
  EXPECT_EQ(out.headers.LastWithName("h2")->value, Value(int64_t{7}));
}

TEST(HeaderFromTest, StructCopyKeepsValueAndUsesFieldSchemas) {
  auto t = Configured(kValue,
                      {{"fields", "field1,nested"}, {"headers", "h1,h2"}, {"operation", "copy"}});
  SinkRecord in = WithHeader(MakeRecord(ValueSchema(), StructValue()));
  SinkRecord out = ApplyOk(*t, in);
  EXPECT_EQ(out.value_schema, in.value_schema);
  EXPECT_EQ(out.value, in.value);
  EXPECT_EQ(HeaderKeys(out), (std::vector<std::string>{"existing", "h1", "h2"}));
  const Header* h1 = out.headers.LastWithName("h1");
  EXPECT_EQ(h1->value, Value("a"));
  EXPECT_TRUE(h1->schema->Equals(*Schema::String()));
  const Header* h2 = out.headers.LastWithName("h2");
  EXPECT_TRUE(h2->schema->Equals(*NestedSchema()));
  EXPECT_EQ(h2->value, StructBuilder(NestedSchema()).Put("x", "y").Build());
}

TEST(HeaderFromTest, StructMoveDropsFieldsKeepsSchemaBasics) {
  auto t = Configured(kValue,
                      {{"fields", "field1,nested"}, {"headers", "h1,h2"}, {"operation", "move"}});
  SinkRecord out = ApplyOk(*t, MakeRecord(ValueSchema(), StructValue()));
  const Schema& s = *out.value_schema;
  EXPECT_EQ(s.name(), "com.example.Value");
  EXPECT_EQ(s.version(), 2);
  EXPECT_EQ(s.doc(), "doc");
  ASSERT_EQ(s.fields().size(), 1u);
  EXPECT_EQ(s.fields()[0].name, "field2");
  EXPECT_EQ(*out.value.StructField("field2"), Value(int64_t{7}));
  EXPECT_EQ(ValidateValue(s, out.value), "");
  EXPECT_EQ(out.headers.LastWithName("h1")->value, Value("a"));
  // The moved schema is cached per input schema.
  EXPECT_EQ(ApplyOk(*t, MakeRecord(ValueSchema(), StructValue())).value_schema.get(),
            out.value_schema.get());
}

TEST(HeaderFromTest, SameFieldTwiceAndSameHeaderTwice) {
  auto twice = Configured(
      kValue, {{"fields", "field1,field1"}, {"headers", "h1,h2"}, {"operation", "move"}});
  SinkRecord out = ApplyOk(*twice, MakeRecord(ValueSchema(), StructValue()));
  EXPECT_EQ(out.headers.LastWithName("h1")->value, Value("a"));
  EXPECT_EQ(out.headers.LastWithName("h2")->value, Value("a"));
  EXPECT_EQ(out.value_schema->fields().size(), 2u);

  auto reused =
      Configured(kValue, {{"fields", "field1,field2"}, {"headers", "h,h"}, {"operation", "copy"}});
  SinkRecord r = ApplyOk(*reused, MakeRecord(nullptr, MapValue()));
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.headers.all()[0].value, Value("a"));
  EXPECT_EQ(r.headers.all()[1].value, Value(int64_t{7}));
}

TEST(HeaderFromTest, KeyVariant) {
  auto t = Configured(kKey, {{"fields", "id"}, {"headers", "key_id"}, {"operation", "move"}});
  SinkRecord in = MakeRecord(nullptr, Value("v"));
  in.key_schema = nullptr;
  in.key = MapOf({{"id", Value(1)}, {"x", Value(2)}});
  SinkRecord out = ApplyOk(*t, in);
  EXPECT_EQ(out.key, MapOf({{"x", Value(2)}}));
  EXPECT_EQ(out.value, Value("v"));
  EXPECT_EQ(out.headers.LastWithName("key_id")->value, Value(1));
}

TEST(HeaderFromTest, ReplaceNullWithDefault) {
  SchemaPtr with_default = SchemaBuilder(Type::kString).Optional().Default(Value("def")).Build();
  SchemaPtr schema =
      SchemaBuilder::Struct().AddField("a", with_default).AddField("b", with_default).Build();
  Value value = StructBuilder(schema).Put("a", Value()).Put("b", Value()).Build();

  auto defaults = Configured(kValue, {{"fields", "a"}, {"headers", "h"}, {"operation", "move"}});
  SinkRecord out = ApplyOk(*defaults, MakeRecord(schema, value));
  EXPECT_EQ(out.headers.LastWithName("h")->value, Value("def"));
  EXPECT_EQ(*out.value.StructField("b"), Value("def"));

  auto nulls = Configured(kValue, {{"fields", "a"},
                                   {"headers", "h"},
                                   {"operation", "move"},
                                   {"replace.null.with.default", "false"}});
  SinkRecord raw = ApplyOk(*nulls, MakeRecord(schema, value));
  EXPECT_TRUE(raw.headers.LastWithName("h")->value.is_null());
  EXPECT_EQ(raw.headers.LastWithName("h")->schema, with_default);
  EXPECT_TRUE(raw.value.StructField("b")->is_null());
}

TEST(HeaderFromTest, NullForARequiredSchema) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("r", SchemaBuilder(Type::kInt32).Default(Value(1)).Build())
                         .AddField("s", Schema::String())
                         .Build();
  Value holey = Value(Struct{schema, {Value(), Value("x")}});
  auto copy = Configured(kValue, {{"fields", "r"},
                                  {"headers", "h"},
                                  {"operation", "copy"},
                                  {"replace.null.with.default", "false"}});
  EXPECT_EQ(ApplyError(*copy, MakeRecord(schema, holey)),
            "A null value requires an optional schema but was Schema{INT32}");
  auto move = Configured(kValue, {{"fields", "s"},
                                  {"headers", "h"},
                                  {"operation", "move"},
                                  {"replace.null.with.default", "false"}});
  EXPECT_EQ(ApplyError(*move, MakeRecord(schema, holey)),
            "Invalid value: null used for required field: \"r\", schema type: INT32");
  // With defaults on, the default fills both.
  auto defaults = Configured(kValue, {{"fields", "r"}, {"headers", "h"}, {"operation", "copy"}});
  EXPECT_EQ(ApplyOk(*defaults, MakeRecord(schema, holey)).headers.LastWithName("h")->value,
            Value(1));
}

TEST(HeaderFromTest, MissingFieldWithSchemaFails) {
  auto t = Configured(kValue, {{"fields", "nope"}, {"headers", "h"}, {"operation", "copy"}});
  EXPECT_EQ(ApplyError(*t, MakeRecord(ValueSchema(), StructValue())), "Field does not exist: nope");
}

TEST(HeaderFromTest, NullsAndWrongTypesFail) {
  auto copy = Configured(kValue, {{"fields", "a"}, {"headers", "h"}, {"operation", "copy"}});
  EXPECT_EQ(ApplyError(*copy, MakeRecord(nullptr, Value())),
            "Only Map objects supported in absence of schema for [header copy], found: null");
  auto move = Configured(kValue, {{"fields", "a"}, {"headers", "h"}, {"operation", "move"}});
  EXPECT_EQ(ApplyError(*move, MakeRecord(ValueSchema(), Value())),
            "Only Struct objects supported for [header move], found: null");
  EXPECT_EQ(ApplyError(*move, MakeRecord(nullptr, Value(3))),
            "Only Map objects supported in absence of schema for [header move], found: "
            "java.lang.Long");
}

TEST(HeaderFromTest, BadConfig) {
  EXPECT_EQ(ConfigureError(kValue, {}),
            "fields: Missing required configuration \"fields\" which has no default value.\n"
            "headers: Missing required configuration \"headers\" which has no default value.\n"
            "operation: Missing required configuration \"operation\" which has no default value.");
  EXPECT_EQ(ConfigureError(kValue, {{"fields", ""}, {"headers", "h"}, {"operation", "copy"}}),
            "fields: Invalid value [] for configuration fields: Empty list");
  EXPECT_EQ(ConfigureError(kValue, {{"fields", "a"}, {"headers", "h"}, {"operation", "Copy"}}),
            "operation: Invalid value Copy for configuration operation: String must be one of: "
            "move, copy");
  EXPECT_EQ(ConfigureError(kValue, {{"fields", "a,b"}, {"headers", "h"}, {"operation", "copy"}}),
            "'fields' config must have the same number of elements as 'headers' config.");
  auto t = CreateTransformation(kValue);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->config_def().Find("field.syntax.version"), nullptr);
}

}  // namespace
}  // namespace ferry
