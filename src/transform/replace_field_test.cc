#include "gtest/gtest.h"
#include "transform/transform_test_util.h"

namespace ferry {
namespace {

using testing::ApplyError;
using testing::ApplyOk;
using testing::Configured;
using testing::MakeRecord;
using testing::MapOf;

constexpr char kValue[] = "org.apache.kafka.connect.transforms.ReplaceField$Value";

Value Sample() {
  return MapOf({{"dont", Value("whatever")},
                {"abc", Value(42)},
                {"foo", Value(true)},
                {"etc", Value("etc")}});
}

TEST(ReplaceFieldTest, SchemalessExcludeIncludeRename) {
  auto t = Configured(kValue, {{"exclude", "dont"}, {"renames", "abc:xyz,foo:bar"}});
  EXPECT_EQ(ApplyOk(*t, MakeRecord(nullptr, Sample())).value,
            MapOf({{"xyz", Value(42)}, {"bar", Value(true)}, {"etc", Value("etc")}}));

  auto inc = Configured(kValue, {{"include", "abc,foo"}, {"exclude", "foo"}});
  EXPECT_EQ(ApplyOk(*inc, MakeRecord(nullptr, Sample())).value, MapOf({{"abc", Value(42)}}));
}

TEST(ReplaceFieldTest, DeprecatedAliases) {
  auto t = Configured(kValue, {{"blacklist", "dont,etc"}, {"whitelist", "abc,dont"}});
  EXPECT_EQ(ApplyOk(*t, MakeRecord(nullptr, Sample())).value, MapOf({{"abc", Value(42)}}));
  // The current name wins over its deprecated alias.
  auto both = Configured(kValue, {{"include", "foo"}, {"whitelist", "abc"}});
  EXPECT_EQ(ApplyOk(*both, MakeRecord(nullptr, Sample())).value, MapOf({{"foo", Value(true)}}));
}

TEST(ReplaceFieldTest, StructKeepsOrderAndSchemaBasics) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .Name("rec")
                         .AddField("dont", Schema::String())
                         .AddField("abc", Schema::Int32())
                         .AddField("foo", Schema::Boolean())
                         .AddField("etc", Schema::String(true))
                         .Build();
  Value v = StructBuilder(schema)
                .Put("dont", Value("whatever"))
                .Put("abc", Value(42))
                .Put("foo", Value(true))
                .Put("etc", Value("etc"))
                .Build();
  auto t = Configured(kValue, {{"exclude", "dont"}, {"renames", "abc:xyz,foo:bar"}});
  SinkRecord out = ApplyOk(*t, MakeRecord(schema, v));
  EXPECT_EQ(out.value_schema->name(), "rec");
  EXPECT_EQ(out.value_schema->DebugString(), "STRUCT(rec){xyz:INT32,bar:BOOLEAN,etc:STRING?}");
  EXPECT_EQ(out.value.DebugString(), "Struct{xyz=42,bar=true,etc=\"etc\"}");
  EXPECT_EQ(ValidateValue(*out.value_schema, out.value), "");
}

TEST(ReplaceFieldTest, NullWithDefault) {
  SchemaPtr with_default = SchemaBuilder(Type::kInt32).Optional().Default(Value(7)).Build();
  SchemaPtr schema = SchemaBuilder::Struct().AddField("a", with_default).Build();
  Value v = StructBuilder(schema).Put("a", Value()).Build();
  auto replace = Configured(kValue, {{"renames", "a:b"}});
  EXPECT_EQ(*ApplyOk(*replace, MakeRecord(schema, v)).value.StructField("b"), Value(7));
  auto keep = Configured(kValue, {{"renames", "a:b"}, {"replace.null.with.default", "false"}});
  EXPECT_TRUE(ApplyOk(*keep, MakeRecord(schema, v)).value.StructField("b")->is_null());
}

TEST(ReplaceFieldTest, RenameCollisionIsAnError) {
  SchemaPtr schema =
      SchemaBuilder::Struct().AddField("a", Schema::Int32()).AddField("b", Schema::Int32()).Build();
  auto t = Configured(kValue, {{"renames", "a:b"}});
  EXPECT_EQ(
      ApplyError(
          *t,
          MakeRecord(schema, StructBuilder(schema).Put("a", Value(1)).Put("b", Value(2)).Build())),
      "Cannot create field because of field name duplication b");
}

TEST(ReplaceFieldTest, TombstoneAndKeyVariant) {
  auto t = Configured(kValue, {{"exclude", "x"}});
  EXPECT_TRUE(ApplyOk(*t, MakeRecord(nullptr, Value())).value.is_null());

  auto key = Configured("ReplaceField$Key", {{"renames", "id:key_id"}});
  SinkRecord in = MakeRecord(nullptr, Sample());
  in.key_schema = nullptr;
  in.key = MapOf({{"id", Value(1)}});
  SinkRecord out = ApplyOk(*key, in);
  EXPECT_EQ(out.key, MapOf({{"key_id", Value(1)}}));
  EXPECT_EQ(out.value, Sample());
}

TEST(ReplaceFieldTest, BadRenames) {
  auto t = CreateTransformation(kValue);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->Validate({{"renames", "foo:bar,a:b:c"}}),
            (std::vector<ConfigError>{{"renames",
                                       "Invalid value foo:bar,a:b:c for configuration renames: "
                                       "Invalid rename mapping: a:b:c"}}));
  EXPECT_EQ((*t)->Validate({{"renames", "foo:"}}).size(), 1u);  // Java drops the trailing "".
  EXPECT_EQ((*t)->Validate({{"replace.null.with.default", "maybe"}}),
            (std::vector<ConfigError>{{"replace.null.with.default",
                                       "Invalid value maybe for configuration "
                                       "replace.null.with.default: Expected value to be either "
                                       "true or false"}}));
}

}  // namespace
}  // namespace ferry
