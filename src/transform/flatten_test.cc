#include "gtest/gtest.h"
#include "transform/transform_test_util.h"

namespace ferry {
namespace {

using testing::ApplyError;
using testing::ApplyOk;
using testing::Configured;
using testing::MakeRecord;
using testing::MapOf;

constexpr char kValue[] = "org.apache.kafka.connect.transforms.Flatten$Value";
constexpr char kKey[] = "Flatten$Key";

SchemaPtr SupportedTypes() {
  return SchemaBuilder::Struct()
      .AddField("int8", Schema::Int8())
      .AddField("int16", Schema::Int16())
      .AddField("int32", Schema::Int32())
      .AddField("int64", Schema::Int64())
      .AddField("float32", Schema::Float32())
      .AddField("float64", Schema::Float64())
      .AddField("boolean", Schema::Boolean())
      .AddField("string", Schema::String())
      .AddField("bytes", Schema::Bytes())
      .Build();
}

Value SupportedValues(const SchemaPtr& schema) {
  return StructBuilder(schema)
      .Put("int8", Value(8))
      .Put("int16", Value(16))
      .Put("int32", Value(32))
      .Put("int64", Value(int64_t{64}))
      .Put("float32", Value(32.0))
      .Put("float64", Value(64.0))
      .Put("boolean", Value(true))
      .Put("string", Value("stringy"))
      .Put("bytes", Value(Bytes{"bytes"}))
      .Build();
}

TEST(FlattenTest, NestedStruct) {
  auto t = Configured(kValue, {});
  SchemaPtr leaf = SupportedTypes();
  SchemaPtr one = SchemaBuilder::Struct().AddField("B", leaf).Build();
  SchemaPtr two = SchemaBuilder::Struct().Name("top").Version(3).AddField("A", one).Build();
  Value value = StructBuilder(two)
                    .Put("A", StructBuilder(one).Put("B", SupportedValues(leaf)).Build())
                    .Build();
  SinkRecord out = ApplyOk(*t, MakeRecord(two, value));

  EXPECT_EQ(out.value_schema->DebugString(),
            "STRUCT(top){A.B.int8:INT8,A.B.int16:INT16,A.B.int32:INT32,A.B.int64:INT64,"
            "A.B.float32:FLOAT32,A.B.float64:FLOAT64,A.B.boolean:BOOLEAN,A.B.string:STRING,"
            "A.B.bytes:BYTES}");
  EXPECT_EQ(out.value_schema->version(), 3);
  EXPECT_EQ(*out.value.StructField("A.B.int8"), Value(8));
  EXPECT_EQ(*out.value.StructField("A.B.string"), Value("stringy"));
  EXPECT_EQ(*out.value.StructField("A.B.bytes"), Value(Bytes{"bytes"}));
  EXPECT_EQ(ValidateValue(*out.value_schema, out.value), "");

  // The flattened schema is cached per input schema.
  SinkRecord again = ApplyOk(*t, MakeRecord(two, value));
  EXPECT_EQ(again.value_schema.get(), out.value_schema.get());
}

TEST(FlattenTest, NestedMapWithDelimiter) {
  auto t = Configured(kValue, {{"delimiter", "#"}});
  Value value = MapOf({{"A", MapOf({{"B", MapOf({{"int", Value(8)},
                                                 {"string", Value("stringy")},
                                                 {"bytes", Value(Bytes{"b"})},
                                                 {"bool", Value(true)}})}})},
                       {"top", Value(1.5)}});
  SinkRecord out = ApplyOk(*t, MakeRecord(nullptr, value));
  EXPECT_EQ(out.value_schema, nullptr);
  EXPECT_EQ(out.value, MapOf({{"A#B#int", Value(8)},
                              {"A#B#string", Value("stringy")},
                              {"A#B#bytes", Value(Bytes{"b"})},
                              {"A#B#bool", Value(true)},
                              {"top", Value(1.5)}}));
}

TEST(FlattenTest, MapWithNullFieldsKeepsEveryEntry) {
  auto t = Configured(kValue, {});
  Value value = MapOf({{"firstNull", Value()},
                       {"firstNonNull", Value("nonNull")},
                       {"secondNull", Value()},
                       {"secondNonNull", Value("alsoNonNull")},
                       {"nested", MapOf({{"opt_int32", Value()}})}});
  SinkRecord out = ApplyOk(*t, MakeRecord(nullptr, value));
  EXPECT_EQ(out.value, MapOf({{"firstNull", Value()},
                              {"firstNonNull", Value("nonNull")},
                              {"secondNull", Value()},
                              {"secondNonNull", Value("alsoNonNull")},
                              {"nested.opt_int32", Value()}}));
}

TEST(FlattenTest, StructWithNullFieldsIsUnchanged) {
  auto t = Configured(kValue, {});
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("firstNull", Schema::String(true))
                         .AddField("firstNonNull", Schema::String(true))
                         .AddField("secondNull", Schema::String(true))
                         .Build();
  Value value = StructBuilder(schema).Put("firstNonNull", Value("nonNull")).Build();
  SinkRecord out = ApplyOk(*t, MakeRecord(schema, value));
  EXPECT_TRUE(out.value_schema->Equals(*schema));
  EXPECT_EQ(out.value.DebugString(),
            "Struct{firstNull=null,firstNonNull=\"nonNull\",secondNull=null}");
}

TEST(FlattenTest, ArraysAreKeptWhole) {
  auto t = Configured(kValue, {});
  SchemaPtr nested = SchemaBuilder::Struct().AddField("lfg", Schema::String()).Build();
  SchemaPtr inner = SchemaBuilder::Struct().AddField("baz", nested).Build();
  SchemaPtr array = SchemaBuilder::Array(inner).Doc("durk").Build();
  SchemaPtr schema = SchemaBuilder::Struct().AddField("foo", array).Build();
  Value element = StructBuilder(inner)
                      .Put("baz", StructBuilder(nested).Put("lfg", Value("lfg")).Build())
                      .Build();
  Value value = StructBuilder(schema).Put("foo", Value(Array{element})).Build();
  SinkRecord out = ApplyOk(*t, MakeRecord(schema, value));
  EXPECT_TRUE(out.value_schema->Equals(*schema)) << out.value_schema->DebugString();
  EXPECT_EQ(out.value, value);

  Value schemaless = MapOf(
      {{"foo", Value(Array{Value("bar"), MapOf({{"baz", MapOf({{"lfg", Value("lfg")}})}})})}});
  EXPECT_EQ(ApplyOk(*t, MakeRecord(nullptr, schemaless)).value, schemaless);
}

TEST(FlattenTest, OptionalNestedStructGivesNulls) {
  auto t = Configured(kValue, {});
  SchemaPtr opt =
      SchemaBuilder::Struct().Optional().AddField("opt_int32", Schema::Int32(true)).Build();
  SchemaPtr schema = SchemaBuilder::Struct().AddField("B", opt).Build();
  SinkRecord out = ApplyOk(*t, MakeRecord(schema, StructBuilder(schema).Put("B", Value()).Build()));
  EXPECT_EQ(out.value_schema->DebugString(), "STRUCT{B.opt_int32:INT32?}");
  EXPECT_EQ(*out.value.StructField("B.opt_int32"), Value());
}

TEST(FlattenTest, OptionalityAndDefaultsComeFromAncestors) {
  auto t = Configured(kValue, {});
  SchemaPtr opt_field =
      SchemaBuilder(Type::kString).Optional().Default(Value("child_default")).Build();
  SchemaPtr shape = SchemaBuilder::Struct()
                        .Optional()
                        .AddField("req_field", Schema::String())
                        .AddField("opt_field", opt_field)
                        .Build();
  Value child_default = StructBuilder(shape).Put("req_field", Value("req_default")).Build();
  SchemaPtr schema = SchemaBuilder::From(*shape).Default(child_default).Build();
  SinkRecord out = ApplyOk(*t, MakeRecord(schema, StructBuilder(schema).Build()));

  const Schema& s = *out.value_schema;
  ASSERT_EQ(s.fields().size(), 2u);
  EXPECT_TRUE(
      s.FindField("req_field")
          ->schema->Equals(
              *SchemaBuilder(Type::kString).Optional().Default(Value("req_default")).Build()));
  EXPECT_TRUE(s.FindField("opt_field")->schema->Equals(*opt_field));
  // Struct.get gives the field's own default for a null value.
  EXPECT_EQ(*out.value.StructField("opt_field"), Value("child_default"));
  EXPECT_EQ(*out.value.StructField("req_field"), Value());
}

TEST(FlattenTest, KeyVariant) {
  auto t = Configured(kKey, {});
  SinkRecord in = MakeRecord(nullptr, Value("v"));
  in.key_schema = nullptr;
  in.key = MapOf({{"A", MapOf({{"B", Value(12)}})}});
  SinkRecord out = ApplyOk(*t, in);
  EXPECT_EQ(out.key, MapOf({{"A.B", Value(12)}}));
  EXPECT_EQ(out.value, Value("v"));
}

TEST(FlattenTest, TombstonesPassThrough) {
  auto t = Configured(kValue, {});
  SchemaPtr schema = SchemaBuilder::Struct()
                         .Name("name")
                         .Version(1)
                         .Doc("doc")
                         .AddField("magic", Schema::Int64(true))
                         .Build();
  SinkRecord out = ApplyOk(*t, MakeRecord(schema, Value()));
  EXPECT_TRUE(out.value.is_null());
  EXPECT_EQ(out.value_schema, schema);
  out = ApplyOk(*t, MakeRecord(nullptr, Value()));
  EXPECT_TRUE(out.value.is_null());
  EXPECT_EQ(out.value_schema, nullptr);
}

TEST(FlattenTest, UnsupportedInputsAreDataErrors) {
  auto t = Configured(kValue, {});
  EXPECT_EQ(ApplyError(*t, MakeRecord(Schema::Int32(), Value(42))),
            "Only Struct objects supported for [flattening], found: java.lang.Long");
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, Value(42))),
            "Only Map objects supported in absence of schema for [flattening], found: "
            "java.lang.Long");
  SchemaPtr with_map =
      SchemaBuilder::Struct()
          .AddField("m", SchemaBuilder::Map(Schema::String(), Schema::Int32()).Build())
          .Build();
  EXPECT_EQ(
      ApplyError(*t, MakeRecord(with_map, StructBuilder(with_map).Put("m", Value(Map{})).Build())),
      "Flatten transformation does not support MAP for record with schemas (for field m).");
  // Nested: the flattened name; the schema is checked even when the value is null.
  SchemaPtr optional_outer = SchemaBuilder::Struct()
                                 .AddField("o", SchemaBuilder::From(*with_map).Optional().Build())
                                 .Build();
  auto hash = Configured(kValue, {{"delimiter", "#"}});
  EXPECT_EQ(ApplyError(*hash, MakeRecord(optional_outer, StructBuilder(optional_outer).Build())),
            "Flatten transformation does not support MAP for record with schemas (for field o#m).");
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, MapOf({{"ts", Value(Timestamp{1})}}))),
            "Flatten transformation was passed a value of type class java.util.Date which is not "
            "supported by Connect's data API");
  SchemaPtr inner = SchemaBuilder::Struct().AddField("x", Schema::Int32()).Build();
  EXPECT_EQ(
      ApplyError(
          *t, MakeRecord(nullptr, MapOf({{"s", StructBuilder(inner).Put("x", Value(1)).Build()}}))),
      "Flatten transformation does not support class org.apache.kafka.connect.data.Struct for "
      "record without schemas (for field s).");
}

// Kafka reads every schemaless map as Map<String, Object>; the key's cast to
// String fails (ClassCastException, JDK 11+ wording), at the root or nested,
// even when the value is null.
TEST(FlattenTest, SchemalessNonStringKeysFailTheCast) {
  auto t = Configured(kValue, {});
  auto with_key = [](Value key, Value value) {
    Map m;
    m.emplace_back(std::move(key), std::move(value));
    return Value(std::move(m));
  };
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, with_key(Value(1), Value("x")))),
            "class java.lang.Long cannot be cast to class java.lang.String (java.lang.Long and "
            "java.lang.String are in module java.base of loader 'bootstrap')");
  EXPECT_EQ(
      ApplyError(*t, MakeRecord(nullptr, MapOf({{"a", with_key(Value(true), Value())}}))),
      "class java.lang.Boolean cannot be cast to class java.lang.String (java.lang.Boolean and "
      "java.lang.String are in module java.base of loader 'bootstrap')");
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, with_key(Value(Bytes{"k"}), Value(1)))),
            "class [B cannot be cast to class java.lang.String ([B and java.lang.String are in "
            "module java.base of loader 'bootstrap')");
  SchemaPtr inner = SchemaBuilder::Struct().AddField("x", Schema::Int32()).Build();
  EXPECT_EQ(
      ApplyError(*t, MakeRecord(nullptr, with_key(StructBuilder(inner).Put("x", Value(1)).Build(),
                                                  Value(1)))),
      "class org.apache.kafka.connect.data.Struct cannot be cast to class java.lang.String "
      "(org.apache.kafka.connect.data.Struct is in unnamed module of loader 'app'; "
      "java.lang.String is in module java.base of loader 'bootstrap')");

  // A null key is no cast failure: it stays null at the root and reads
  // "null" in a nested name, as Java's string concatenation prints it.
  SinkRecord out = ApplyOk(*t, MakeRecord(nullptr, with_key(Value(), Value(7))));
  EXPECT_EQ(out.value, with_key(Value(), Value(7)));
  out = ApplyOk(*t, MakeRecord(nullptr, MapOf({{"a", with_key(Value(), Value(7))}})));
  EXPECT_EQ(out.value, MapOf({{"a.null", Value(7)}}));
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, with_key(Value(), MapOf({{"b", Value(1)}})))),
            "Flatten transformation cannot flatten a map held under a null key");
}

TEST(FlattenTest, FlattenedNameCollisionIsAnError) {
  auto t = Configured(kValue, {});
  SchemaPtr inner = SchemaBuilder::Struct().AddField("b", Schema::Int32()).Build();
  SchemaPtr schema =
      SchemaBuilder::Struct().AddField("a.b", Schema::Int32()).AddField("a", inner).Build();
  Value value = StructBuilder(schema)
                    .Put("a.b", Value(1))
                    .Put("a", StructBuilder(inner).Put("b", Value(2)).Build())
                    .Build();
  EXPECT_EQ(ApplyError(*t, MakeRecord(schema, value)),
            "Cannot create field because of field name duplication a.b");
}

}  // namespace
}  // namespace ferry
