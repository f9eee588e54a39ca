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

constexpr char kKey[] = "org.apache.kafka.connect.transforms.ExtractField$Key";
constexpr char kValue[] = "ExtractField$Value";

SinkRecord KeyRecord(SchemaPtr key_schema, Value key) {
  SinkRecord r = MakeRecord(nullptr, Value("v"));
  r.key_schema = std::move(key_schema);
  r.key = std::move(key);
  return r;
}

const Transformation::Props kNested = {{"field", "magic.foo"}, {"field.syntax.version", "V2"}};

TEST(ExtractFieldTest, Schemaless) {
  auto t = Configured(kKey, {{"field", "magic"}});
  SinkRecord out = ApplyOk(*t, KeyRecord(nullptr, MapOf({{"magic", Value(42)}})));
  EXPECT_EQ(out.key_schema, nullptr);
  EXPECT_EQ(out.key, Value(42));
  EXPECT_EQ(out.value, Value("v"));
}

TEST(ExtractFieldTest, SchemalessNestedPath) {
  auto t = Configured(kKey, kNested);
  SinkRecord out = ApplyOk(*t, KeyRecord(nullptr, MapOf({{"magic", MapOf({{"foo", Value(42)}})}})));
  EXPECT_EQ(out.key_schema, nullptr);
  EXPECT_EQ(out.key, Value(42));
}

TEST(ExtractFieldTest, NullSchemalessPassesThrough) {
  auto t = Configured(kKey, {{"field", "magic"}});
  SinkRecord out = ApplyOk(*t, KeyRecord(nullptr, Value()));
  EXPECT_EQ(out.key_schema, nullptr);
  EXPECT_TRUE(out.key.is_null());
}

TEST(ExtractFieldTest, WithSchema) {
  auto t = Configured(kKey, {{"field", "magic"}});
  SchemaPtr schema = SchemaBuilder::Struct().AddField("magic", Schema::Int32()).Build();
  SinkRecord out = ApplyOk(*t, KeyRecord(schema, StructBuilder(schema).Put("magic", 42).Build()));
  EXPECT_TRUE(out.key_schema->Equals(*Schema::Int32()));
  EXPECT_EQ(out.key, Value(42));
}

TEST(ExtractFieldTest, WithSchemaAndNestedPath) {
  auto t = Configured(kKey, kNested);
  SchemaPtr foo = SchemaBuilder::Struct().AddField("foo", Schema::Int32()).Build();
  SchemaPtr schema = SchemaBuilder::Struct().AddField("magic", foo).Build();
  Value key = StructBuilder(schema).Put("magic", StructBuilder(foo).Put("foo", 42).Build()).Build();
  SinkRecord out = ApplyOk(*t, KeyRecord(schema, key));
  EXPECT_TRUE(out.key_schema->Equals(*Schema::Int32()));
  EXPECT_EQ(out.key, Value(42));
}

TEST(ExtractFieldTest, NullWithSchemaKeepsTheFieldSchema) {
  auto t = Configured(kKey, {{"field", "magic"}});
  SchemaPtr schema = SchemaBuilder::Struct().AddField("magic", Schema::Int32()).Optional().Build();
  SinkRecord out = ApplyOk(*t, KeyRecord(schema, Value()));
  EXPECT_TRUE(out.key_schema->Equals(*Schema::Int32()));
  EXPECT_TRUE(out.key.is_null());
  // The field is looked up even for a null value.
  auto unknown = Configured(kKey, {{"field", "nope"}});
  EXPECT_EQ(ApplyError(*unknown, KeyRecord(schema, Value())), "Unknown field: nope");
}

TEST(ExtractFieldTest, NonExistentFieldSchemalessIsNull) {
  auto t = Configured(kKey, {{"field", "nonexistent"}});
  SinkRecord out = ApplyOk(*t, KeyRecord(nullptr, MapOf({{"magic", Value(42)}})));
  EXPECT_EQ(out.key_schema, nullptr);
  EXPECT_TRUE(out.key.is_null());

  auto nested = Configured(kKey, {{"field", "magic.nonexistent"}, {"field.syntax.version", "v2"}});
  EXPECT_TRUE(ApplyOk(*nested, KeyRecord(nullptr, MapOf({{"magic", MapOf({{"foo", Value(42)}})}})))
                  .key.is_null());
}

TEST(ExtractFieldTest, NonExistentFieldWithSchemaFails) {
  auto t = Configured(kKey, {{"field", "nonexistent"}});
  SchemaPtr schema = SchemaBuilder::Struct().AddField("magic", Schema::Int32()).Build();
  EXPECT_EQ(ApplyError(*t, KeyRecord(schema, StructBuilder(schema).Put("magic", 42).Build())),
            "Unknown field: nonexistent");

  auto nested = Configured(kKey, {{"field", "magic.nonexistent"}, {"field.syntax.version", "V2"}});
  SchemaPtr foo = SchemaBuilder::Struct().AddField("foo", Schema::Int32()).Build();
  SchemaPtr outer = SchemaBuilder::Struct().AddField("magic", foo).Build();
  Value key = StructBuilder(outer).Put("magic", StructBuilder(foo).Put("foo", 42).Build()).Build();
  EXPECT_EQ(ApplyError(*nested, KeyRecord(outer, key)), "Unknown field: magic.nonexistent");
}

TEST(ExtractFieldTest, V1TreatsDotsAsPartOfTheName) {
  auto t = Configured(kValue, {{"field", "a.b"}});
  EXPECT_EQ(ApplyOk(*t, MakeRecord(nullptr, MapOf({{"a.b", Value(1)}, {"a", MapOf({})}}))).value,
            Value(1));
  auto quoted = Configured(kValue, {{"field", "`a.b`.c"}, {"field.syntax.version", "V2"}});
  EXPECT_EQ(
      ApplyOk(*quoted, MakeRecord(nullptr, MapOf({{"a.b", MapOf({{"c", Value("x")}})}}))).value,
      Value("x"));
}

TEST(ExtractFieldTest, ValueVariantLeavesKeyAlone) {
  auto t = Configured(kValue, {{"field", "id"}});
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("id", Schema::String())
                         .AddField("n", Schema::Int64())
                         .Build();
  SinkRecord in = MakeRecord(schema, StructBuilder(schema).Put("id", "x").Put("n", 1).Build());
  SinkRecord out = ApplyOk(*t, in);
  EXPECT_TRUE(out.value_schema->Equals(*Schema::String()));
  EXPECT_EQ(out.value, Value("x"));
  EXPECT_EQ(out.key, Value("k1"));
  EXPECT_EQ(out.key_schema, in.key_schema);
  EXPECT_EQ(out.topic, in.topic);
  EXPECT_EQ(out.offset, in.offset);
}

TEST(ExtractFieldTest, ReplaceNullWithDefault) {
  SchemaPtr with_default = SchemaBuilder(Type::kInt32).Optional().Default(Value(7)).Build();
  SchemaPtr inner = SchemaBuilder::Struct().AddField("n", with_default).Build();
  SchemaPtr schema =
      SchemaBuilder::Struct().AddField("magic", with_default).AddField("in", inner).Build();
  Value value = StructBuilder(schema)
                    .Put("magic", Value())
                    .Put("in", StructBuilder(inner).Put("n", Value()).Build())
                    .Build();

  auto defaults = Configured(kValue, {{"field", "magic"}});
  EXPECT_EQ(ApplyOk(*defaults, MakeRecord(schema, value)).value, Value(7));
  auto nulls = Configured(kValue, {{"field", "magic"}, {"replace.null.with.default", "false"}});
  SinkRecord out = ApplyOk(*nulls, MakeRecord(schema, value));
  EXPECT_TRUE(out.value.is_null());
  EXPECT_EQ(out.value_schema, with_default);

  auto nested = Configured(
      kValue,
      {{"field", "in.n"}, {"field.syntax.version", "V2"}, {"replace.null.with.default", "false"}});
  EXPECT_TRUE(ApplyOk(*nested, MakeRecord(schema, value)).value.is_null());
  auto nested_default = Configured(kValue, {{"field", "in.n"}, {"field.syntax.version", "V2"}});
  EXPECT_EQ(ApplyOk(*nested_default, MakeRecord(schema, value)).value, Value(7));
}

// As Kafka's SingleFieldPath.valueFrom(struct, withDefault): the steps
// before the last take defaults (Struct.get) even when
// replace.null.with.default=false; the last step does not.
TEST(ExtractFieldTest, ReplaceNullWithDefaultAppliesToTheLastStepOnly) {
  SchemaPtr n = SchemaBuilder(Type::kInt32).Optional().Default(Value(7)).Build();
  SchemaPtr inner_plain = SchemaBuilder::Struct().AddField("n", n).Build();
  SchemaPtr inner = SchemaBuilder::Struct()
                        .AddField("n", n)
                        .Optional()
                        .Default(StructBuilder(inner_plain).Put("n", Value(3)).Build())
                        .Build();
  SchemaPtr schema = SchemaBuilder::Struct().AddField("in", inner).Build();
  auto nulls = Configured(
      kValue,
      {{"field", "in.n"}, {"field.syntax.version", "V2"}, {"replace.null.with.default", "false"}});

  // `in` is null: its default struct is read, whose `n` is 3.
  const Value in_null = StructBuilder(schema).Put("in", Value()).Build();
  SinkRecord out = ApplyOk(*nulls, MakeRecord(schema, in_null));
  EXPECT_EQ(out.value, Value(3));
  EXPECT_EQ(out.value_schema, n);
  // `in` is there and its `n` is null: the last step takes no default.
  const Value n_null =
      StructBuilder(schema).Put("in", StructBuilder(inner).Put("n", Value()).Build()).Build();
  EXPECT_TRUE(ApplyOk(*nulls, MakeRecord(schema, n_null)).value.is_null());
}

TEST(ExtractFieldTest, WrongValueTypes) {
  auto t = Configured(kValue, {{"field", "a"}});
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, Value("text"))),
            "Only Map objects supported in absence of schema for [field extraction], found: "
            "java.lang.String");
  EXPECT_EQ(ApplyError(*t, MakeRecord(Schema::String(), Value("text"))),
            "Only Struct objects supported for [field extraction], found: java.lang.String");
  EXPECT_EQ(ApplyError(*t, MakeRecord(Schema::String(true), Value())),
            "Cannot look up fields on non-struct type");

  auto nested = Configured(kValue, {{"field", "a.b"}, {"field.syntax.version", "V2"}});
  EXPECT_EQ(ApplyError(*nested, MakeRecord(nullptr, MapOf({{"a", Value(1)}}))),
            "Only Map objects supported in absence of schema for [nested field access], found: "
            "java.lang.Long");
  SchemaPtr flat = SchemaBuilder::Struct().AddField("a", Schema::Int32()).Build();
  EXPECT_EQ(ApplyError(*nested, MakeRecord(flat, StructBuilder(flat).Put("a", 1).Build())),
            "Cannot look up fields on non-struct type");
}

TEST(ExtractFieldTest, BadConfig) {
  EXPECT_EQ(ConfigureError(kKey, {}),
            "field: Missing required configuration \"field\" which has no default value.");
  EXPECT_EQ(ConfigureError(kKey, {{"field", "a"}, {"field.syntax.version", "V3"}}),
            "field.syntax.version: Invalid value V3 for configuration field.syntax.version: "
            "String must be one of (case insensitive): V1, V2");
  EXPECT_EQ(ConfigureError(kKey, {{"field", "a.`b"}, {"field.syntax.version", "V2"}}),
            "field: Incomplete backtick pair in path: [a.`b], consider adding a backslash before "
            "backtick at position 2 to escape it");
  EXPECT_EQ(ConfigureError(kKey, {{"field", ""}, {"field.syntax.version", "V2"}}),
            "field: Invalid value  for configuration field: Field path has no steps");
  EXPECT_EQ(ConfigureError(kKey, {{"field", "a"}, {"replace.null.with.default", "maybe"}}),
            "replace.null.with.default: Invalid value maybe for configuration "
            "replace.null.with.default: Expected value to be either true or false");
  // V1 accepts any text, backticks and all; an empty name is a (missing) field.
  auto v1 = Configured(kKey, {{"field", "a.`b"}});
  auto empty = Configured(kKey, {{"field", ""}});
  EXPECT_TRUE(ApplyOk(*empty, KeyRecord(nullptr, MapOf({{"a", Value(1)}}))).key.is_null());
}

}  // namespace
}  // namespace ferry
