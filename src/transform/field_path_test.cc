#include "transform/field_path.h"

#include "gtest/gtest.h"
#include "transform/transform_test_util.h"

namespace ferry::transform_internal {
namespace {

using ::ferry::testing::MapOf;

std::vector<std::string> V2(std::string_view path) {
  absl::StatusOr<SingleFieldPath> p = SingleFieldPath::Parse(path, FieldSyntaxVersion::kV2);
  EXPECT_TRUE(p.ok()) << path << ": " << p.status();
  return p.ok() ? p->steps() : std::vector<std::string>{"<error>"};
}

std::string V2Error(std::string_view path) {
  absl::StatusOr<SingleFieldPath> p = SingleFieldPath::Parse(path, FieldSyntaxVersion::kV2);
  EXPECT_FALSE(p.ok()) << path;
  return p.ok() ? "" : std::string(p.status().message());
}

SingleFieldPath Path(std::string_view text, FieldSyntaxVersion v = FieldSyntaxVersion::kV2) {
  return *SingleFieldPath::Parse(text, v);
}

using Steps = std::vector<std::string>;

// FieldPathNotationTest.
TEST(FieldPathTest, V1IsOneStepWhateverTheText) {
  for (std::string_view text : {"foo.bar.baz", "foo`bar`", "foo.`bar.baz`", "", "."}) {
    auto p = SingleFieldPath::Parse(text, FieldSyntaxVersion::kV1);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->steps(), Steps{std::string(text)});
  }
}

TEST(FieldPathTest, V2IncludesEmptyFieldNames) {
  EXPECT_EQ(V2(".."), (Steps{"", "", ""}));
  EXPECT_EQ(V2("foo.."), (Steps{"foo", "", ""}));
  EXPECT_EQ(V2(".bar."), (Steps{"", "bar", ""}));
  EXPECT_EQ(V2("..baz"), (Steps{"", "", "baz"}));
  EXPECT_EQ(V2(""), Steps{});
}

TEST(FieldPathTest, V2SplitsOnDots) {
  EXPECT_EQ(V2("foobarbaz"), Steps{"foobarbaz"});
  EXPECT_EQ(V2("foo.bar.baz"), (Steps{"foo", "bar", "baz"}));
  EXPECT_EQ(V2("foo`bar`baz"), Steps{"foo`bar`baz"});
}

TEST(FieldPathTest, V2BacktickPairsWrapNamesWithDots) {
  EXPECT_EQ(V2("`foo.bar.baz`"), Steps{"foo.bar.baz"});
  EXPECT_EQ(V2("foo.`bar.baz`"), (Steps{"foo", "bar.baz"}));
  EXPECT_EQ(V2("`foo.bar`.baz"), (Steps{"foo.bar", "baz"}));
  EXPECT_EQ(V2("foo.`bar`.baz"), (Steps{"foo", "bar", "baz"}));
}

TEST(FieldPathTest, V2KeepsBackticksThatDoNotWrap) {
  EXPECT_EQ(V2("foo.``bar.baz`"), (Steps{"foo", "`bar.baz"}));
  EXPECT_EQ(V2("foo.`bar.baz``"), (Steps{"foo", "bar.baz`"}));
  EXPECT_EQ(V2("foo.`ba`r.baz`"), (Steps{"foo", "ba`r.baz"}));
  EXPECT_EQ(V2("foo.ba`r.baz"), (Steps{"foo", "ba`r", "baz"}));
  EXPECT_EQ(V2("foo.``bar``.baz"), (Steps{"foo", "`bar`", "baz"}));
  EXPECT_EQ(V2("``foo.bar.baz``"), Steps{"`foo.bar.baz`"});
}

TEST(FieldPathTest, V2EscapedBackticks) {
  EXPECT_EQ(V2("foo.`bar\\`.baz`"), (Steps{"foo", "bar`.baz"}));
  EXPECT_EQ(V2("foo.`bar.`baz`"), (Steps{"foo", "bar.`baz"}));
  EXPECT_EQ(V2("foo.`bar\\`.`baz`"), (Steps{"foo", "bar`.`baz"}));
  EXPECT_EQ(V2("foo.`bar\\\\`.\\`baz`"), (Steps{"foo", "bar\\`.\\`baz"}));
  EXPECT_EQ(V2("`a`."), (Steps{"a", ""}));
}

TEST(FieldPathTest, V2IncompleteBacktickPairs) {
  EXPECT_EQ(V2Error("`foo.bar.baz"),
            "Incomplete backtick pair in path: [`foo.bar.baz], consider adding a backslash before "
            "backtick at position 0 to escape it");
  EXPECT_EQ(V2Error("foo.`bar.baz"),
            "Incomplete backtick pair in path: [foo.`bar.baz], consider adding a backslash before "
            "backtick at position 4 to escape it");
  EXPECT_EQ(V2Error("foo.bar.`baz"),
            "Incomplete backtick pair in path: [foo.bar.`baz], consider adding a backslash before "
            "backtick at position 8 to escape it");
  EXPECT_EQ(V2Error("foo.bar.`baz\\`"),
            "Incomplete backtick pair in path: [foo.bar.`baz\\`], consider adding a backslash "
            "before backtick at position 8 to escape it");
}

TEST(FieldPathTest, DebugStringAndEquality) {
  EXPECT_EQ(Path("a.`b.c`").DebugString(), "SingleFieldPath{version=V2, path=a.b.c}");
  EXPECT_EQ(Path("magic", FieldSyntaxVersion::kV1).DebugString(),
            "SingleFieldPath{version=V1, path=magic}");
  EXPECT_EQ(Path("a.b"), Path("a.b"));
  EXPECT_FALSE(Path("a.b") == Path("a.b", FieldSyntaxVersion::kV1));
  EXPECT_TRUE(Path("..").IsEmpty());
  EXPECT_FALSE(Path("a").IsEmpty());
}

// SingleFieldPathTest.
SchemaPtr BarSchema() { return SchemaBuilder::Struct().AddField("bar", Schema::Int32()).Build(); }

TEST(FieldPathTest, FindsFieldInSchema) {
  SchemaPtr bar = BarSchema();
  SchemaPtr schema = SchemaBuilder::Struct().AddField("foo", bar).Build();
  EXPECT_EQ(*Path("foo.bar").FieldFrom(schema), bar->FindField("bar"));
  EXPECT_EQ(*Path("foo").FieldFrom(schema), schema->FindField("foo"));
  EXPECT_EQ(*Path("un.known").FieldFrom(schema), nullptr);
  EXPECT_EQ(*Path("foo.unknown").FieldFrom(schema), nullptr);
  EXPECT_EQ(*Path("unknown").FieldFrom(schema), nullptr);
  EXPECT_EQ(*Path("test").FieldFrom(nullptr), nullptr);
  // V1 does not split.
  EXPECT_EQ(*Path("foo.bar", FieldSyntaxVersion::kV1).FieldFrom(schema), nullptr);
  // Stepping through a non-struct is Connect's DataException.
  EXPECT_EQ(Path("foo.bar.x").FieldFrom(schema).status().message(),
            "Cannot look up fields on non-struct type");
  EXPECT_EQ(Path("x").FieldFrom(Schema::String()).status().message(),
            "Cannot look up fields on non-struct type");
  EXPECT_FALSE(Path("").FieldFrom(schema).ok());
}

TEST(FieldPathTest, FindsValueInMap) {
  Value map = MapOf({{"foo", MapOf({{"bar", Value(42)}, {"baz", Value()}})}, {"n", Value(7)}});
  EXPECT_EQ(*Path("foo.bar").ValueFrom(map.as_map()), Value(42));
  EXPECT_EQ(*Path("foo.baz").ValueFrom(map.as_map()), Value());
  EXPECT_EQ(*Path("un.known").ValueFrom(map.as_map()), Value());
  EXPECT_EQ(*Path("foo.unknown").ValueFrom(map.as_map()), Value());
  EXPECT_EQ(*Path("unknown").ValueFrom(map.as_map()), Value());
  EXPECT_EQ(*Path("foo.baz.inner").ValueFrom(map.as_map()), Value());
  EXPECT_EQ(Path("n.x").ValueFrom(map.as_map()).status().message(),
            "Only Map objects supported in absence of schema for [nested field access], found: "
            "java.lang.Long");
  EXPECT_EQ(*Path("foo.bar", FieldSyntaxVersion::kV1).ValueFrom(map.as_map()), Value());
  Value dotted = MapOf({{"foo.bar", Value(1)}});
  EXPECT_EQ(*Path("foo.bar", FieldSyntaxVersion::kV1).ValueFrom(dotted.as_map()), Value(1));
  EXPECT_EQ(*Path("`foo.bar`").ValueFrom(dotted.as_map()), Value(1));
}

TEST(FieldPathTest, FindsValueInStruct) {
  SchemaPtr baz = SchemaBuilder::Struct().AddField("inner", Schema::String()).Optional().Build();
  SchemaPtr bar =
      SchemaBuilder::Struct()
          .AddField("bar", Schema::Int32())
          .AddField("baz", baz)
          .AddField("n", SchemaBuilder(Type::kInt32).Optional().Default(Value(5)).Build())
          .Build();
  SchemaPtr schema = SchemaBuilder::Struct().AddField("foo", bar).Build();
  Value foo = StructBuilder(bar).Put("bar", Value(42)).Put("baz", Value()).Build();
  Value root = StructBuilder(schema).Put("foo", foo).Build();
  const Struct& s = root.as_struct();
  EXPECT_EQ(*Path("foo.bar").ValueFrom(s), Value(42));
  EXPECT_EQ(*Path("foo.baz").ValueFrom(s), Value());
  EXPECT_EQ(*Path("un.known").ValueFrom(s), Value());
  EXPECT_EQ(*Path("foo.unknown").ValueFrom(s), Value());
  EXPECT_EQ(*Path("unknown").ValueFrom(s), Value());
  EXPECT_EQ(*Path("foo.baz.inner").ValueFrom(s), Value());
  // Struct.get gives the default for a null field; getWithoutDefault does not.
  EXPECT_EQ(*Path("foo.n").ValueFrom(s), Value(5));
  EXPECT_EQ(*Path("foo.n").ValueFrom(s, /*with_default=*/false), Value());
  EXPECT_EQ(Path("foo.bar.x").ValueFrom(s).status().message(),
            "Only Struct objects supported for [nested field access], found: java.lang.Long");
}

TEST(FieldPathTest, ConfigKeyIsKafkas) {
  ConfigDef def;
  AppendFieldSyntaxVersionConfig(&def);
  const ConfigKey* key = def.Find("field.syntax.version");
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->default_value, "V1");
  EXPECT_EQ(key->importance, Importance::kHigh);
  EXPECT_EQ(key->type, ConfigType::kString);

  for (auto [input, want] :
       std::vector<std::pair<std::string, FieldSyntaxVersion>>{{"v1", FieldSyntaxVersion::kV1},
                                                               {"v2", FieldSyntaxVersion::kV2},
                                                               {"V1", FieldSyntaxVersion::kV1},
                                                               {"V2", FieldSyntaxVersion::kV2}}) {
    auto parsed = def.Parse({{"field.syntax.version", input}});
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(FieldSyntaxVersionFromConfig(*parsed), want) << input;
  }
  EXPECT_EQ(FieldSyntaxVersionFromConfig(*def.Parse({})), FieldSyntaxVersion::kV1);
  for (std::string input : {"v3", "V 1", "v", "V 2", "2", "1"}) {
    std::vector<ConfigError> errors = def.Validate({{"field.syntax.version", input}});
    ASSERT_EQ(errors.size(), 1u) << input;
    EXPECT_EQ(errors[0].message, "Invalid value " + input +
                                     " for configuration field.syntax.version: String must be "
                                     "one of (case insensitive): V1, V2");
  }
}

// As in Kafka 3.8/3.9, where KIP-821 reached ExtractField only (ReplaceField,
// TimestampConverter, ValueToKey, HeaderFrom, ... take plain field names).
TEST(FieldPathTest, OnlyExtractFieldTakesFieldSyntaxVersion) {
  for (const std::string& name : TransformationClassNames()) {
    auto t = CreateTransformation(name);
    ASSERT_TRUE(t.ok()) << name;
    bool nested = name.find(".ExtractField$") != std::string::npos;
    EXPECT_EQ((*t)->config_def().Find(kFieldSyntaxVersionConfig) != nullptr, nested) << name;
  }
}

}  // namespace
}  // namespace ferry::transform_internal
