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

constexpr char kValue[] = "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value";
constexpr char kKey[] = "SetSchemaMetadata$Key";

SchemaPtr OrigSchema() {
  return SchemaBuilder::Struct()
      .Name("my.orig.SchemaDefn")
      .Version(1)
      .Doc("doc")
      .AddField("f1", Schema::String())
      .AddField("f2", Schema::Int32())
      .Build();
}

TEST(SetSchemaMetadataTest, NameVersionOrBoth) {
  SchemaPtr empty = SchemaBuilder::Struct().Build();
  auto name = Configured(kValue, {{"schema.name", "foo"}});
  SinkRecord out = ApplyOk(*name, MakeRecord(empty, Value()));
  EXPECT_EQ(out.value_schema->name(), "foo");
  EXPECT_EQ(out.value_schema->version(), std::nullopt);
  EXPECT_TRUE(out.value.is_null());

  auto version = Configured(kValue, {{"schema.version", "42"}});
  out = ApplyOk(*version, MakeRecord(OrigSchema(), Value()));
  EXPECT_EQ(out.value_schema->name(), "my.orig.SchemaDefn");
  EXPECT_EQ(out.value_schema->version(), 42);

  auto both = Configured(kValue, {{"schema.name", "foo"}, {"schema.version", "42"}});
  out = ApplyOk(*both, MakeRecord(empty, Value()));
  EXPECT_EQ(out.value_schema->name(), "foo");
  EXPECT_EQ(out.value_schema->version(), 42);
}

TEST(SetSchemaMetadataTest, StructIsRebuiltOnTheNewSchema) {
  auto t = Configured(kValue, {{"schema.name", "foo"}, {"schema.version", "42"}});
  SchemaPtr schema = OrigSchema();
  Value value = StructBuilder(schema).Put("f1", Value("value1")).Put("f2", Value(1)).Build();
  SinkRecord out = ApplyOk(*t, MakeRecord(schema, value));
  EXPECT_EQ(out.value_schema->name(), "foo");
  EXPECT_EQ(out.value_schema->version(), 42);
  EXPECT_EQ(out.value_schema->doc(), "doc");
  EXPECT_FALSE(out.value_schema->optional());
  // The struct points at the new schema, whose fields are the old ones.
  EXPECT_EQ(out.value.as_struct().schema, out.value_schema);
  EXPECT_EQ(out.value_schema->FindField("f1")->schema, schema->FindField("f1")->schema);
  EXPECT_EQ(out.value.DebugString(), "Struct{f1=\"value1\",f2=1}");
  EXPECT_EQ(ValidateValue(*out.value_schema, out.value), "");
}

// Kafka 3.8/3.9 build the renamed schema from schema.fields(), which throws
// for every type but STRUCT: primitives, logical types, arrays and maps fail,
// whatever the value (a null one included).
TEST(SetSchemaMetadataTest, NonStructSchemasFailAsInKafka) {
  auto t = Configured(kValue, {{"schema.version", "7"}});
  constexpr char kMessage[] = "Cannot list fields on non-struct type";
  EXPECT_EQ(ApplyError(*t, MakeRecord(Schema::String(), Value("s"))), kMessage);
  EXPECT_EQ(ApplyError(*t, MakeRecord(Schema::Int32(true), Value())), kMessage);
  EXPECT_EQ(ApplyError(*t, MakeRecord(Schema::Decimal(2), Value(*Decimal::FromString("12.34")))),
            kMessage);
  EXPECT_EQ(ApplyError(*t, MakeRecord(Schema::Timestamp(), Value(Timestamp{0}))), kMessage);
  SchemaPtr array = SchemaBuilder::Array(Schema::Int32()).Optional().Build();
  EXPECT_EQ(ApplyError(*t, MakeRecord(array, Value(Array{Value(1)}))), kMessage);
  EXPECT_EQ(ApplyError(*t, MakeRecord(array, Value())), kMessage);
  SchemaPtr map = SchemaBuilder::Map(Schema::String(), Schema::Int32()).Build();
  EXPECT_EQ(ApplyError(*t, MakeRecord(map, MapOf({{"a", Value(1)}}))), kMessage);

  // $Key looks at the key schema only: here a STRING, whatever the value.
  auto key = Configured(kKey, {{"schema.name", "key.Name"}});
  EXPECT_EQ(ApplyError(*key, MakeRecord(OrigSchema(), Value())), kMessage);
}

TEST(SetSchemaMetadataTest, StructTombstoneGetsTheNewSchema) {
  auto t = Configured(kValue, {{"schema.name", "foo"}});
  SchemaPtr schema = SchemaBuilder::From(*OrigSchema()).Optional().Build();
  SinkRecord out = ApplyOk(*t, MakeRecord(schema, Value()));
  EXPECT_EQ(out.value_schema->name(), "foo");
  EXPECT_EQ(out.value_schema->version(), 1);
  EXPECT_TRUE(out.value_schema->optional());
  EXPECT_TRUE(out.value.is_null());
}

TEST(SetSchemaMetadataTest, ReplaceNullWithDefault) {
  SchemaPtr with_default = SchemaBuilder(Type::kString).Optional().Default(Value("dflt")).Build();
  SchemaPtr schema = SchemaBuilder::Struct().AddField("s", with_default).Build();
  Value value = StructBuilder(schema).Build();

  auto replacing = Configured(kValue, {{"schema.name", "foo"}});
  EXPECT_EQ(*ApplyOk(*replacing, MakeRecord(schema, value)).value.StructField("s"), Value("dflt"));

  auto keeping =
      Configured(kValue, {{"schema.name", "foo"}, {"replace.null.with.default", "false"}});
  EXPECT_EQ(*ApplyOk(*keeping, MakeRecord(schema, value)).value.StructField("s"), Value());
}

TEST(SetSchemaMetadataTest, KeyVariant) {
  auto t = Configured(kKey, {{"schema.name", "key.Name"}});
  SinkRecord in = MakeRecord(nullptr, Value("v"));
  in.key_schema = OrigSchema();
  in.key = StructBuilder(in.key_schema).Put("f1", Value("a")).Put("f2", Value(2)).Build();
  SinkRecord out = ApplyOk(*t, in);
  EXPECT_EQ(out.key_schema->name(), "key.Name");
  EXPECT_EQ(out.key_schema->version(), 1);
  EXPECT_EQ(out.key.as_struct().schema, out.key_schema);
  EXPECT_EQ(out.key.DebugString(), "Struct{f1=\"a\",f2=2}");
  EXPECT_EQ(out.value_schema, nullptr);
  EXPECT_EQ(out.value, Value("v"));
}

TEST(SetSchemaMetadataTest, SchemalessRecords) {
  auto t = Configured(kValue, {{"schema.name", "foo"}});
  // A schemaless tombstone passes through; other schemaless values need a schema.
  SinkRecord out = ApplyOk(*t, MakeRecord(nullptr, Value()));
  EXPECT_EQ(out.value_schema, nullptr);
  EXPECT_TRUE(out.value.is_null());
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, MapOf({{"a", Value(1)}}))),
            "Schema required for [updating schema metadata]");
}

TEST(SetSchemaMetadataTest, BadConfig) {
  EXPECT_EQ(ConfigureError(kValue, {}), "Neither schema name nor version configured");
  EXPECT_EQ(ConfigureError(kValue, {{"schema.version", "x"}}),
            "schema.version: Invalid value x for configuration schema.version: Not a number of "
            "type INT");
  EXPECT_EQ(ConfigureError(kValue, {{"schema.name", "a"}, {"replace.null.with.default", "maybe"}}),
            "replace.null.with.default: Invalid value maybe for configuration "
            "replace.null.with.default: Expected value to be either true or false");
}

}  // namespace
}  // namespace ferry
