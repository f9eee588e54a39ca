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

constexpr char kClass[] = "org.apache.kafka.connect.transforms.ValueToKey";

SchemaPtr AbcSchema() {
  return SchemaBuilder::Struct()
      .AddField("a", Schema::Int32())
      .AddField("b", Schema::Int32())
      .AddField("c", Schema::Int32())
      .Build();
}

TEST(ValueToKeyTest, Schemaless) {
  auto t = Configured(kClass, {{"fields", "a,b"}});
  Value value = MapOf({{"a", Value(1)}, {"b", Value(2)}, {"c", Value(3)}});
  SinkRecord out = ApplyOk(*t, MakeRecord(nullptr, value));
  EXPECT_EQ(out.key_schema, nullptr);
  EXPECT_EQ(out.key, MapOf({{"a", Value(1)}, {"b", Value(2)}}));
  EXPECT_EQ(out.value, value);
  EXPECT_EQ(out.value_schema, nullptr);
  // A missing field is a null entry.
  auto missing = Configured(kClass, {{"fields", "a,zz"}});
  EXPECT_EQ(ApplyOk(*missing, MakeRecord(nullptr, value)).key,
            MapOf({{"a", Value(1)}, {"zz", Value()}}));
}

TEST(ValueToKeyTest, WithSchema) {
  auto t = Configured(kClass, {{"fields", "a,b"}});
  SchemaPtr schema = AbcSchema();
  Value value = StructBuilder(schema).Put("a", 1).Put("b", 2).Put("c", 3).Build();
  SinkRecord out = ApplyOk(*t, MakeRecord(schema, value));
  SchemaPtr expected =
      SchemaBuilder::Struct().AddField("a", Schema::Int32()).AddField("b", Schema::Int32()).Build();
  EXPECT_TRUE(out.key_schema->Equals(*expected));
  EXPECT_EQ(out.key, StructBuilder(expected).Put("a", 1).Put("b", 2).Build());
  EXPECT_EQ(out.value_schema, schema);
  EXPECT_EQ(out.value, value);
  // The key schema is derived once per value schema.
  EXPECT_EQ(ApplyOk(*t, MakeRecord(schema, value)).key_schema.get(), out.key_schema.get());
}

TEST(ValueToKeyTest, KeySchemaIsAPlainStructOfTheFieldSchemas) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .Name("com.example.Row")
                         .Version(3)
                         .AddField("id", Schema::String(true))
                         .AddField("ts", Schema::Timestamp())
                         .Build();
  auto t = Configured(kClass, {{"fields", "ts,id"}});
  Value value = StructBuilder(schema).Put("id", "x").Put("ts", Timestamp{5}).Build();
  SinkRecord out = ApplyOk(*t, MakeRecord(schema, value));
  EXPECT_EQ(out.key_schema->name(), "");
  EXPECT_FALSE(out.key_schema->version().has_value());
  ASSERT_EQ(out.key_schema->fields().size(), 2u);
  EXPECT_EQ(out.key_schema->fields()[0].name, "ts");
  EXPECT_TRUE(out.key_schema->fields()[0].schema->Equals(*Schema::Timestamp()));
  EXPECT_EQ(*out.key.StructField("ts"), Value(Timestamp{5}));
  EXPECT_EQ(*out.key.StructField("id"), Value("x"));
}

TEST(ValueToKeyTest, NonExistingFieldWithSchemaFails) {
  auto t = Configured(kClass, {{"fields", "not_exist"}});
  SchemaPtr schema = AbcSchema();
  EXPECT_EQ(
      ApplyError(*t, MakeRecord(schema,
                                StructBuilder(schema).Put("a", 1).Put("b", 2).Put("c", 3).Build())),
      "Field does not exist: not_exist");
}

TEST(ValueToKeyTest, DuplicateFieldWithSchemaFails) {
  auto t = Configured(kClass, {{"fields", "a,a"}});
  SchemaPtr schema = AbcSchema();
  Value value = StructBuilder(schema).Put("a", 1).Put("b", 2).Put("c", 3).Build();
  EXPECT_EQ(ApplyError(*t, MakeRecord(schema, value)),
            "Cannot create field because of field name duplication a");
  EXPECT_EQ(ApplyOk(*t, MakeRecord(nullptr, MapOf({{"a", Value(1)}}))).key,
            MapOf({{"a", Value(1)}}));
}

TEST(ValueToKeyTest, ReplaceNullWithDefault) {
  SchemaPtr with_default = SchemaBuilder(Type::kInt32).Optional().Default(Value(9)).Build();
  SchemaPtr schema =
      SchemaBuilder::Struct().AddField("a", with_default).AddField("b", Schema::Int32()).Build();
  Value value = StructBuilder(schema).Put("a", Value()).Put("b", 2).Build();

  auto defaults = Configured(kClass, {{"fields", "a"}});
  EXPECT_EQ(*ApplyOk(*defaults, MakeRecord(schema, value)).key.StructField("a"), Value(9));
  auto nulls = Configured(kClass, {{"fields", "a"}, {"replace.null.with.default", "false"}});
  EXPECT_TRUE(ApplyOk(*nulls, MakeRecord(schema, value)).key.StructField("a")->is_null());

  // A required field with a default and a null value: the key's Struct.put
  // refuses the null once the default is not used.
  SchemaPtr required_default = SchemaBuilder(Type::kInt32).Default(Value(4)).Build();
  SchemaPtr strict = SchemaBuilder::Struct().AddField("r", required_default).Build();
  Value holey = Value(Struct{strict, {Value()}});
  auto keep = Configured(kClass, {{"fields", "r"}});
  EXPECT_EQ(*ApplyOk(*keep, MakeRecord(strict, holey)).key.StructField("r"), Value(4));
  auto raw = Configured(kClass, {{"fields", "r"}, {"replace.null.with.default", "false"}});
  EXPECT_EQ(ApplyError(*raw, MakeRecord(strict, holey)),
            "Invalid value: null used for required field: \"r\", schema type: INT32");
}

TEST(ValueToKeyTest, NullAndWrongValues) {
  auto t = Configured(kClass, {{"fields", "a"}});
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, Value())),
            "Only Map objects supported in absence of schema for [copying fields from value to "
            "key], found: null");
  EXPECT_EQ(ApplyError(*t, MakeRecord(AbcSchema(), Value())),
            "Only Struct objects supported for [copying fields from value to key], found: null");
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, Value("s"))),
            "Only Map objects supported in absence of schema for [copying fields from value to "
            "key], found: java.lang.String");
}

TEST(ValueToKeyTest, BadConfig) {
  EXPECT_EQ(ConfigureError(kClass, {}),
            "fields: Missing required configuration \"fields\" which has no default value.");
  EXPECT_EQ(ConfigureError(kClass, {{"fields", ""}}),
            "fields: Invalid value [] for configuration fields: Empty list");
  EXPECT_EQ(ConfigureError(kClass, {{"fields", " , "}}),
            "fields: Invalid value [] for configuration fields: Empty list");
  // Kafka 3.9's ValueToKey has no nested paths: no field.syntax.version.
  auto t = CreateTransformation(kClass);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->config_def().Find("field.syntax.version"), nullptr);
  EXPECT_NE((*t)->config_def().Find("replace.null.with.default"), nullptr);
}

}  // namespace
}  // namespace ferry
