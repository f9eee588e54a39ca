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

constexpr char kValue[] = "org.apache.kafka.connect.transforms.MaskField$Value";
constexpr char kKey[] = "org.apache.kafka.connect.transforms.MaskField$Key";

SchemaPtr AllTypesSchema() {
  return SchemaBuilder::Struct()
      .Name("rec")
      .AddField("magic", Schema::Int32())
      .AddField("bool", Schema::Boolean())
      .AddField("byte", Schema::Int8())
      .AddField("short", Schema::Int16())
      .AddField("int", Schema::Int32())
      .AddField("long", Schema::Int64())
      .AddField("float", Schema::Float32())
      .AddField("double", Schema::Float64())
      .AddField("string", Schema::String())
      .AddField("date", Schema::Date())
      .AddField("time", Schema::Time())
      .AddField("timestamp", Schema::Timestamp())
      .AddField("decimal", Schema::Decimal(0))
      .AddField("array", SchemaBuilder::Array(Schema::Int32()).Build())
      .AddField("map", SchemaBuilder::Map(Schema::String(), Schema::String()).Build())
      .AddField("withDefault",
                SchemaBuilder(Type::kString).Optional().Default(Value("default")).Build())
      .Build();
}

Value AllTypesValue(const SchemaPtr& schema) {
  return StructBuilder(schema)
      .Put("magic", Value(42))
      .Put("bool", Value(true))
      .Put("byte", Value(42))
      .Put("short", Value(42))
      .Put("int", Value(42))
      .Put("long", Value(42))
      .Put("float", Value(42.0))
      .Put("double", Value(42.0))
      .Put("string", Value("hmm"))
      .Put("date", Value(Date{19675}))
      .Put("time", Value(TimeOfDay{1000}))
      .Put("timestamp", Value(Timestamp{testing::kTimestampMs * 1000}))
      .Put("decimal", Value(*Decimal::FromString("42")))
      .Put("array", Value(Array{Value(1), Value(2), Value(3)}))
      .Put("map", MapOf({{"what", Value("what")}}))
      .Put("withDefault", Value())
      .Build();
}

Value Schemaless() {
  return MapOf({{"magic", Value(42)},
                {"bool", Value(true)},
                {"long", Value(42)},
                {"double", Value(42.0)},
                {"string", Value("55.121.20.20")},
                {"date", Value(Timestamp{1})},
                {"bigdec", Value(*Decimal::FromString("42.0"))},
                {"list", Value(Array{Value(42)})},
                {"map", MapOf({{"key", Value("value")}})},
                {"bytes", Value(Bytes{"x"})}});
}

TEST(MaskFieldTest, ConfigErrors) {
  EXPECT_EQ(ConfigureError(kValue, {}),
            "fields: Missing required configuration \"fields\" which has no default value.");
  EXPECT_EQ(ConfigureError(kValue, {{"fields", ""}}),
            "fields: Invalid value [] for configuration fields: Empty list");
  EXPECT_EQ(ConfigureError(kValue, {{"fields", "a"}, {"replacement", ""}}),
            "replacement: Invalid value  for configuration replacement: String must be non-empty");
  EXPECT_EQ(ConfigureError(kValue, {{"fields", "a"}, {"replace.null.with.default", "no"}}),
            "replace.null.with.default: Invalid value no for configuration "
            "replace.null.with.default: Expected value to be either true or false");
}

TEST(MaskFieldTest, SchemalessNullMasks) {
  auto t = Configured(kValue, {{"fields", "bool,long,double,string,date,bigdec,list,map,absent"}});
  SinkRecord out = ApplyOk(*t, MakeRecord(nullptr, Schemaless()));
  EXPECT_EQ(out.value_schema, nullptr);
  EXPECT_EQ(out.value, MapOf({{"magic", Value(42)},
                              {"bool", Value(false)},
                              {"long", Value(0)},
                              {"double", Value(0.0)},
                              {"string", Value("")},
                              {"date", Value(Timestamp{0})},
                              {"bigdec", Value(*Decimal::FromString("0"))},
                              {"list", Value(Array{})},
                              {"map", Value(Map{})},
                              {"bytes", Value(Bytes{"x"})},
                              // Kafka's HashMap.put adds a missing field as null.
                              {"absent", Value()}}));

  auto bytes = Configured(kValue, {{"fields", "bytes"}});
  EXPECT_EQ(ApplyError(*bytes, MakeRecord(nullptr, Schemaless())),
            "Cannot mask value of type: class [B");
  EXPECT_EQ(ApplyError(*bytes, MakeRecord(nullptr, Value("x"))),
            "Only Map objects supported in absence of schema for [mask fields], found: "
            "java.lang.String");
}

TEST(MaskFieldTest, SchemaNullMasks) {
  SchemaPtr schema = AllTypesSchema();
  std::string fields;
  for (const Field& f : schema->fields()) {
    if (f.name != "magic") fields += (fields.empty() ? "" : ",") + f.name;
  }
  auto t = Configured(kValue, {{"fields", fields}});
  SinkRecord out = ApplyOk(*t, MakeRecord(schema, AllTypesValue(schema)));
  EXPECT_EQ(out.value_schema, schema);  // unchanged
  EXPECT_EQ(out.value.DebugString(),
            "Struct{magic=42,bool=false,byte=0,short=0,int=0,long=0,float=0,double=0,string=\"\","
            "date=date(0),time=time(0),timestamp=ts(0),decimal=dec(0),array=[],map={},"
            "withDefault=\"\"}");
  EXPECT_EQ(ValidateValue(*out.value_schema, out.value), "");

  auto keep = Configured(kValue, {{"fields", fields}, {"replace.null.with.default", "false"}});
  EXPECT_TRUE(ApplyOk(*keep, MakeRecord(schema, AllTypesValue(schema)))
                  .value.StructField("withDefault")
                  ->is_null());
  // Unmasked fields get their default too (Struct.get), unless told not to.
  auto magic = Configured(kValue, {{"fields", "magic"}});
  EXPECT_EQ(
      *ApplyOk(*magic, MakeRecord(schema, AllTypesValue(schema))).value.StructField("withDefault"),
      Value("default"));
  auto magic_keep =
      Configured(kValue, {{"fields", "magic"}, {"replace.null.with.default", "false"}});
  EXPECT_TRUE(ApplyOk(*magic_keep, MakeRecord(schema, AllTypesValue(schema)))
                  .value.StructField("withDefault")
                  ->is_null());

  SchemaPtr nested = SchemaBuilder::Struct().AddField("s", schema).Build();
  auto s = Configured(kValue, {{"fields", "s"}});
  EXPECT_EQ(
      ApplyError(*s,
                 MakeRecord(nested, StructBuilder(nested).Put("s", AllTypesValue(schema)).Build())),
      "Cannot mask value of type: class org.apache.kafka.connect.data.Struct");
  EXPECT_EQ(ApplyError(*s, MakeRecord(nested, MapOf({}))),
            "Only Struct objects supported for [mask fields], found: java.util.HashMap");
}

TEST(MaskFieldTest, SchemaReplacement) {
  SchemaPtr schema = AllTypesSchema();
  auto replaced = [&](const std::string& field, const std::string& replacement) {
    auto t = Configured(kValue, {{"fields", field}, {"replacement", replacement}});
    SinkRecord out = ApplyOk(*t, MakeRecord(schema, AllTypesValue(schema)));
    EXPECT_EQ(ValidateValue(*out.value_schema, out.value), "");
    return *out.value.StructField(field);
  };
  EXPECT_EQ(replaced("byte", "123"), Value(123));
  EXPECT_EQ(replaced("short", "123"), Value(123));
  EXPECT_EQ(replaced("int", "123"), Value(123));
  EXPECT_EQ(replaced("long", "123"), Value(123));
  EXPECT_EQ(replaced("float", "123"), Value(123.0));
  EXPECT_EQ(replaced("double", "123"), Value(123.0));
  EXPECT_EQ(replaced("string", "123"), Value("123"));
  EXPECT_EQ(replaced("decimal", "123.0"), Value(*Decimal::FromString("123.0")));
  // Values.convertToX goes through new BigDecimal(text): fractions truncate,
  // exponents work, and the result narrows as Java's casts do.
  EXPECT_EQ(replaced("int", "123.9"), Value(123));
  EXPECT_EQ(replaced("long", "-1e3"), Value(-1000));
  EXPECT_EQ(replaced("byte", "300"), Value(44));
  EXPECT_EQ(replaced("float", "0.1"), Value(static_cast<double>(0.1f)));
  EXPECT_EQ(replaced("decimal", "1E+2").as_decimal().ToString(), "100");
  EXPECT_EQ(replaced("string", "***-***-****"), Value("***-***-****"));

  auto err = [&](const std::string& field, const std::string& replacement) {
    auto t = Configured(kValue, {{"fields", field}, {"replacement", replacement}});
    return ApplyError(*t, MakeRecord(schema, AllTypesValue(schema)));
  };
  EXPECT_EQ(err("int", "foo"), "Unable to convert foo (class java.lang.String) to number");
  EXPECT_EQ(err("double", "NaN"), "Unable to convert NaN (class java.lang.String) to number");
  EXPECT_EQ(err("decimal", "1,5"), "Unable to convert 1,5 (class java.lang.String) to number");
  EXPECT_EQ(err("bool", "false"),
            "Cannot mask value of type class java.lang.Boolean with custom replacement.");
  EXPECT_EQ(err("time", "0"),
            "Cannot mask value of type class java.util.Date with custom replacement.");
  EXPECT_EQ(err("timestamp", "0"),
            "Cannot mask value of type class java.util.Date with custom replacement.");
  EXPECT_EQ(err("array", "123"),
            "Cannot mask value of type class java.util.ArrayList with custom replacement.");
  EXPECT_EQ(err("map", "123"),
            "Cannot mask value of type class java.util.HashMap with custom replacement.");
}

TEST(MaskFieldTest, SchemalessReplacement) {
  auto t = Configured(kValue, {{"fields", "long,double,string,bigdec"}, {"replacement", " 123 "}});
  SinkRecord out = ApplyOk(*t, MakeRecord(nullptr, Schemaless()));
  // The replacement is trimmed, as every Kafka STRING setting.
  EXPECT_EQ(*out.value.MapEntry("long"), Value(123));
  EXPECT_EQ(*out.value.MapEntry("double"), Value(123.0));
  EXPECT_EQ(*out.value.MapEntry("string"), Value("123"));
  EXPECT_EQ(*out.value.MapEntry("bigdec"), Value(*Decimal::FromString("123")));

  auto mixed = Configured(kValue, {{"fields", "string,long"}, {"replacement", "foo"}});
  EXPECT_EQ(ApplyError(*mixed, MakeRecord(nullptr, Schemaless())),
            "Unable to convert foo (class java.lang.String) to number");
  auto date = Configured(kValue, {{"fields", "date"}, {"replacement", "foo"}});
  EXPECT_EQ(ApplyError(*date, MakeRecord(nullptr, Schemaless())),
            "Cannot mask value of type class java.util.Date with custom replacement.");
  // A null stays null, even with a replacement.
  auto absent = Configured(kValue, {{"fields", "absent"}, {"replacement", "x"}});
  EXPECT_TRUE(
      ApplyOk(*absent, MakeRecord(nullptr, Schemaless())).value.MapEntry("absent")->is_null());
}

TEST(MaskFieldTest, TombstonesKeyAndDottedNames) {
  // Kafka's MaskField has no tombstone case: requireMap / requireStruct fail.
  auto t = Configured(kValue, {{"fields", "a"}});
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, Value())),
            "Only Map objects supported in absence of schema for [mask fields], found: null");
  SchemaPtr s = SchemaBuilder::Struct().AddField("a", Schema::Int32()).Optional().Build();
  EXPECT_EQ(ApplyError(*t, MakeRecord(s, Value())),
            "Only Struct objects supported for [mask fields], found: null");
  // A null field inside a struct stays null when optional; a required one
  // cannot hold the null that masking gives back (Struct.put).
  SchemaPtr opt = SchemaBuilder::Struct().AddField("a", Schema::Int32(true)).Build();
  EXPECT_EQ(ApplyOk(*t, MakeRecord(opt, StructBuilder(opt).Build())).value.DebugString(),
            "Struct{a=null}");
  SchemaPtr req = SchemaBuilder::Struct().AddField("a", Schema::Int32()).Build();
  EXPECT_EQ(ApplyError(*t, MakeRecord(req, StructBuilder(req).Build())),
            "Invalid value: null used for required field: \"a\", schema type: INT32");

  auto key = Configured(kKey, {{"fields", "id"}});
  SinkRecord in = MakeRecord(nullptr, MapOf({{"id", Value("keep")}}));
  in.key_schema = nullptr;
  in.key = MapOf({{"id", Value("secret")}});
  SinkRecord out = ApplyOk(*key, in);
  EXPECT_EQ(out.key, MapOf({{"id", Value("")}}));
  EXPECT_EQ(out.value, in.value);

  // Kafka 3.8/3.9's MaskField has no field.syntax.version: a dotted name is
  // a top-level field.
  auto v = Configured(kValue, {{"fields", "a.b"}});
  EXPECT_EQ(
      ApplyOk(*v, MakeRecord(nullptr, MapOf({{"a.b", Value(5)}, {"a", MapOf({{"b", Value(5)}})}})))
          .value,
      MapOf({{"a.b", Value(0)}, {"a", MapOf({{"b", Value(5)}})}}));
}

}  // namespace
}  // namespace ferry
