#include "bigquery/schema_mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "bigquery/test_support.h"
#include "record/value.h"

namespace ferry::bigquery {
namespace {

using ::testing::HasSubstr;

using test_support::Col;

TEST(SanitizeNameTest, FollowsKcbqFieldNameSanitizer) {
  EXPECT_EQ(SanitizeName("serverlog.member"), "serverlog_member");
  EXPECT_EQ(SanitizeName("a-b c/d"), "a_b_c_d");
  EXPECT_EQ(SanitizeName("1abc"), "_1abc");
  EXPECT_EQ(SanitizeName(".abc"), "_abc");  // '.' -> '_' already starts with '_'.
  EXPECT_EQ(SanitizeName("_ok_9"), "_ok_9");
  EXPECT_EQ(SanitizeName("Ünï"), "__n__");  // every non-ASCII byte is replaced.
}

TEST(SchemaMappingTest, EveryConnectTypeMapsAsKcbq) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("i8", Schema::Int8())
                         .AddField("i16", Schema::Int16())
                         .AddField("i32", Schema::Int32(true))
                         .AddField("i64", Schema::Int64())
                         .AddField("f32", Schema::Float32())
                         .AddField("f64", Schema::Float64(true))
                         .AddField("b", Schema::Boolean())
                         .AddField("s", Schema::String())
                         .AddField("raw", Schema::Bytes(true))
                         .AddField("ts", Schema::Timestamp())
                         .AddField("d", Schema::Date(true))
                         .AddField("t", Schema::Time())
                         .AddField("dec", Schema::Decimal(2))
                         .AddField("doc", Schema::Json(true))
                         .Build();
  auto table = ConnectToTableSchema(*schema, nullptr, {});
  ASSERT_TRUE(table.ok()) << table.status();
  std::vector<TableFieldSchema> want = {
      Col("i8", FieldType::kInteger, FieldMode::kRequired),
      Col("i16", FieldType::kInteger, FieldMode::kRequired),
      Col("i32", FieldType::kInteger, FieldMode::kNullable),
      Col("i64", FieldType::kInteger, FieldMode::kRequired),
      Col("f32", FieldType::kFloat, FieldMode::kRequired),
      Col("f64", FieldType::kFloat, FieldMode::kNullable),
      Col("b", FieldType::kBoolean, FieldMode::kRequired),
      Col("s", FieldType::kString, FieldMode::kRequired),
      Col("raw", FieldType::kBytes, FieldMode::kNullable),
      Col("ts", FieldType::kTimestamp, FieldMode::kRequired),
      Col("d", FieldType::kDate, FieldMode::kNullable),
      Col("t", FieldType::kTime, FieldMode::kRequired),
      Col("dec", FieldType::kNumeric, FieldMode::kRequired),
      Col("doc", FieldType::kJson, FieldMode::kNullable),
  };
  EXPECT_EQ(table->fields, want);
}

TEST(SchemaMappingTest, NestedArraysMapsAndStructs) {
  SchemaPtr inner = SchemaBuilder::Struct()
                        .AddField("x", Schema::Int32())
                        .AddField("y", Schema::String(true))
                        .Optional()
                        .Doc("a point")
                        .Build();
  SchemaPtr schema =
      SchemaBuilder::Struct()
          .AddField("point", inner)
          .AddField("tags", SchemaBuilder::Array(Schema::String()).Build())
          .AddField("points", SchemaBuilder::Array(inner).Optional().Build())
          .AddField("attrs", SchemaBuilder::Map(Schema::String(), Schema::Int64(true)).Build())
          .AddField("empty", SchemaBuilder::Struct().Optional().Build())
          .Build();
  auto table = ConnectToTableSchema(*schema, nullptr, {});
  ASSERT_TRUE(table.ok()) << table.status();
  std::vector<TableFieldSchema> point_fields = {Col("x", FieldType::kInteger, FieldMode::kRequired),
                                                Col("y", FieldType::kString, FieldMode::kNullable)};
  TableFieldSchema point = Col("point", FieldType::kRecord, FieldMode::kNullable, point_fields);
  point.description = "a point";
  TableFieldSchema points = Col("points", FieldType::kRecord, FieldMode::kRepeated, point_fields);
  points.description = "a point";
  std::vector<TableFieldSchema> want = {
      point, Col("tags", FieldType::kString, FieldMode::kRepeated), points,
      Col("attrs", FieldType::kRecord, FieldMode::kRepeated,
          {Col("key", FieldType::kString, FieldMode::kRequired),
           Col("value", FieldType::kInteger, FieldMode::kNullable)}),
      // "empty" is dropped: a RECORD needs fields (kcbq drops it too).
  };
  EXPECT_EQ(table->fields, want);
}

TEST(SchemaMappingTest, AllFieldsNullableAndSanitizing) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("user.id", Schema::Int64())
                         .AddField("1st", Schema::String())
                         .AddField("list", SchemaBuilder::Array(Schema::Int32()).Build())
                         .Build();
  SchemaMappingOptions options;
  options.all_fields_nullable = true;
  options.sanitize_field_names = true;
  auto table = ConnectToTableSchema(*schema, nullptr, options);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->fields, (std::vector<TableFieldSchema>{
                               Col("user_id", FieldType::kInteger, FieldMode::kNullable),
                               Col("_1st", FieldType::kString, FieldMode::kNullable),
                               Col("list", FieldType::kInteger, FieldMode::kRepeated)}));
}

TEST(SchemaMappingTest, KafkaKeyAndDataFields) {
  SchemaPtr value = SchemaBuilder::Struct().AddField("ce_id", Schema::String()).Build();
  SchemaPtr key = Schema::String();
  SchemaMappingOptions options;
  options.kafka_key_field = "kafka_key";
  options.kafka_data_field = "kafka";
  auto table = ConnectToTableSchema(*value, key.get(), options);
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ(table->fields.size(), 3u);
  // kcbq's order: value columns, kafka data, kafka key.
  EXPECT_EQ(table->fields[2], Col("kafka_key", FieldType::kString, FieldMode::kNullable));
  EXPECT_EQ(table->fields[1], Col("kafka", FieldType::kRecord, FieldMode::kNullable,
                                  {Col("topic", FieldType::kString, FieldMode::kRequired),
                                   Col("partition", FieldType::kInteger, FieldMode::kRequired),
                                   Col("offset", FieldType::kInteger, FieldMode::kRequired),
                                   Col("timestamp", FieldType::kTimestamp, FieldMode::kNullable),
                                   Col("key", FieldType::kString, FieldMode::kNullable)}));
  // A key column needs a key schema.
  EXPECT_FALSE(ConnectToTableSchema(*value, nullptr, options).ok());
}

TEST(SchemaMappingTest, UnstorableSchemasAreRefused) {
  EXPECT_THAT(std::string(ConnectToTableSchema(*Schema::String(), nullptr, {}).status().message()),
              HasSubstr("must be of type 'struct'"));
  SchemaPtr nested =
      SchemaBuilder::Struct()
          .AddField("m",
                    SchemaBuilder::Array(SchemaBuilder::Array(Schema::Int32()).Build()).Build())
          .Build();
  EXPECT_THAT(std::string(ConnectToTableSchema(*nested, nullptr, {}).status().message()),
              HasSubstr("ARRAY of ARRAY"));
  SchemaPtr clash = SchemaBuilder::Struct()
                        .AddField("a.b", Schema::Int32())
                        .AddField("a_b", Schema::Int32())
                        .Build();
  SchemaMappingOptions sanitize;
  sanitize.sanitize_field_names = true;
  EXPECT_THAT(std::string(ConnectToTableSchema(*clash, nullptr, sanitize).status().message()),
              HasSubstr("duplicate column name"));
}

SchemaPtr Named(Type type, std::string_view name, bool optional = false) {
  return SchemaBuilder(type).Name(std::string(name)).Optional(optional).Build();
}

TEST(SchemaMappingTest, LogicalTypesAsKcbqsConverters) {
  struct Case {
    SchemaPtr schema;
    FieldType want;
  };
  const std::vector<Case> cases = {
      {Named(Type::kInt32, debezium::kDate), FieldType::kDate},
      {Named(Type::kInt32, debezium::kTime), FieldType::kTime},
      {Named(Type::kInt64, debezium::kMicroTime), FieldType::kTime},
      {Named(Type::kInt64, debezium::kNanoTime), FieldType::kTime},
      {Named(Type::kInt64, debezium::kTimestamp), FieldType::kTimestamp},
      {Named(Type::kInt64, debezium::kMicroTimestamp), FieldType::kTimestamp},
      {Named(Type::kInt64, debezium::kNanoTimestamp), FieldType::kTimestamp},
      {Named(Type::kString, debezium::kZonedTimestamp), FieldType::kTimestamp},
      {Named(Type::kString, debezium::kJson), FieldType::kJson},
      {Schema::Timestamp(), FieldType::kTimestamp},
      {Schema::Date(), FieldType::kDate},
      {Schema::Time(), FieldType::kTime},
      {Schema::Json(), FieldType::kJson},
      // An unknown logical name is its Connect type.
      {Named(Type::kInt32, "io.debezium.time.Year"), FieldType::kInteger},
      {Named(Type::kString, "io.debezium.data.Uuid"), FieldType::kString},
  };
  for (const Case& c : cases) {
    auto column = ConnectFieldToBigQuery(*c.schema, "f", {});
    ASSERT_TRUE(column.ok()) << c.schema->name() << ": " << column.status();
    ASSERT_TRUE(column->has_value()) << c.schema->name();
    EXPECT_EQ((*column)->type, c.want) << c.schema->name();
    EXPECT_EQ((*column)->mode, FieldMode::kRequired) << c.schema->name();
  }
}

TEST(SchemaMappingTest, LogicalTypeOnTheWrongConnectTypeIsRefused) {
  // kcbq's LogicalTypeConverter.checkEncodingType.
  for (const SchemaPtr& schema :
       {Named(Type::kString, debezium::kMicroTimestamp), Named(Type::kInt64, debezium::kDate),
        Named(Type::kInt32, std::string(logical::kTimestamp)),
        Named(Type::kInt64, debezium::kZonedTimestamp)}) {
    auto column = ConnectFieldToBigQuery(*schema, "f", {});
    ASSERT_FALSE(column.ok()) << schema->name();
    EXPECT_THAT(std::string(column.status().message()), HasSubstr("must be encoded as"));
  }
}

TEST(SchemaMappingTest, DecimalIsNumericUnlessItNeedsBignumeric) {
  auto decimal = [](std::optional<int> scale, std::optional<int> precision) {
    SchemaBuilder b(Type::kBytes);
    b.Name(std::string(logical::kDecimal));
    if (scale) b.Parameter(std::string(logical::kDecimalScaleParam), std::to_string(*scale));
    if (precision) b.Parameter(std::string(kDecimalPrecisionParam), std::to_string(*precision));
    return b.Build();
  };
  struct Case {
    std::optional<int> scale, precision;
    std::optional<FieldType> want;  // nullopt = refused.
  };
  const std::vector<Case> cases = {
      {2, std::nullopt, FieldType::kNumeric},  // kcbq's NUMERIC.
      {std::nullopt, std::nullopt, FieldType::kNumeric},
      {9, 38, FieldType::kNumeric},                // 29 integer digits: NUMERIC's limit.
      {9, 39, FieldType::kBignumeric},             // 30 integer digits.
      {2, 38, FieldType::kBignumeric},             // DECIMAL(38,2): 36 integer digits.
      {10, std::nullopt, FieldType::kBignumeric},  // NUMERIC would round.
      {38, 76, FieldType::kBignumeric},
      {39, std::nullopt, std::nullopt},  // beyond BIGNUMERIC.
      {2, 41, std::nullopt},             // 39 integer digits.
      {-2, 10, FieldType::kNumeric},     // negative scale: 12 integer digits.
  };
  for (const Case& c : cases) {
    auto column = ConnectFieldToBigQuery(*decimal(c.scale, c.precision), "amount", {});
    const std::string label =
        absl::StrCat("scale ", c.scale.value_or(-99), " precision ", c.precision.value_or(-99));
    if (!c.want) {
      ASSERT_FALSE(column.ok()) << label;
      EXPECT_THAT(std::string(column.status().message()), HasSubstr("exceeds BIGNUMERIC"));
      continue;
    }
    ASSERT_TRUE(column.ok()) << label << ": " << column.status();
    EXPECT_EQ((*column)->type, *c.want) << label;
  }
  EXPECT_EQ((*ConnectFieldToBigQuery(*Schema::Decimal(2), "a", {}))->type, FieldType::kNumeric);
}

TEST(SchemaMappingTest, DecimalHandlingModeChoosesTheColumn) {
  SchemaPtr wide = SchemaBuilder(Type::kBytes)
                       .Name(std::string(logical::kDecimal))
                       .Parameter(std::string(logical::kDecimalScaleParam), "12")
                       .Build();  // NUMERIC cannot hold 12 digits after the point.
  auto with = [](std::optional<DecimalHandling> mode) {
    SchemaMappingOptions options;
    options.decimal_handling = mode;
    return options;
  };
  SchemaPtr narrow = Schema::Decimal(2);
  auto type_of = [&](const SchemaPtr& schema, std::optional<DecimalHandling> mode) {
    auto column = ConnectFieldToBigQuery(*schema, "amount", with(mode));
    EXPECT_TRUE(column.ok()) << column.status();
    return column.ok() ? (*column)->type : FieldType::kString;
  };
  // Unset: ferry's exact NUMERIC, or BIGNUMERIC by need.
  EXPECT_EQ(type_of(narrow, std::nullopt), FieldType::kNumeric);
  EXPECT_EQ(type_of(wide, std::nullopt), FieldType::kBignumeric);
  // FLOAT (both kcbq forks' choice) and BIGNUMERIC whatever the scale.
  EXPECT_EQ(type_of(wide, DecimalHandling::kFloat), FieldType::kFloat);
  EXPECT_EQ(type_of(narrow, DecimalHandling::kBignumeric), FieldType::kBignumeric);
  EXPECT_EQ(type_of(narrow, DecimalHandling::kNumeric), FieldType::kNumeric);
  // NUMERIC asked for and not enough: refused, never rounded.
  auto refused = ConnectFieldToBigQuery(*wide, "amount", with(DecimalHandling::kNumeric));
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("exceeds NUMERIC"));
  // RECORD: Aiven's RECORD(scale INTEGER REQUIRED, value BYTES REQUIRED).
  auto record = ConnectFieldToBigQuery(*narrow, "amount", with(DecimalHandling::kRecord));
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(**record, Col("amount", FieldType::kRecord, FieldMode::kRequired,
                          {Col("scale", FieldType::kInteger, FieldMode::kRequired),
                           Col("value", FieldType::kBytes, FieldMode::kRequired)}));
  // Schemaless decimals follow the mode too.
  std::optional<TableFieldSchema> inferred;
  SchemaMappingOptions as_float = with(DecimalHandling::kFloat);
  ASSERT_FALSE(InferField(Value(Decimal{std::string("\x01", 1), 1}), "x", as_float, &inferred));
  EXPECT_EQ(inferred->type, FieldType::kFloat);
}

TEST(SchemaMappingTest, VariableScaleDecimalHandlingModeChoosesTheColumn) {
  SchemaPtr vsd = SchemaBuilder::Struct()
                      .Name(std::string(debezium::kVariableScaleDecimal))
                      .Optional()
                      .AddField("scale", Schema::Int32())
                      .AddField("value", Schema::Bytes())
                      .Build();
  SchemaMappingOptions options;
  auto column = ConnectFieldToBigQuery(*vsd, "price", options);
  ASSERT_TRUE(column.ok());
  EXPECT_EQ(**column, Col("price", FieldType::kRecord, FieldMode::kNullable,
                          {Col("scale", FieldType::kInteger, FieldMode::kRequired),
                           Col("value", FieldType::kBytes, FieldMode::kRequired)}));
  for (auto [mode, type] : std::vector<std::pair<DecimalHandling, FieldType>>{
           {DecimalHandling::kFloat, FieldType::kFloat},
           {DecimalHandling::kNumeric, FieldType::kNumeric},
           {DecimalHandling::kBignumeric, FieldType::kBignumeric}}) {
    options.variable_scale_decimal_handling = mode;
    column = ConnectFieldToBigQuery(*vsd, "price", options);
    ASSERT_TRUE(column.ok()) << column.status();
    EXPECT_EQ(**column, Col("price", type, FieldMode::kNullable)) << DecimalHandlingName(mode);
  }
  // Not a STRUCT: refused as kcbq's checkEncodingType.
  SchemaPtr wrong =
      SchemaBuilder(Type::kString).Name(std::string(debezium::kVariableScaleDecimal)).Build();
  EXPECT_FALSE(ConnectFieldToBigQuery(*wrong, "price", options).ok());
}

TEST(SchemaMappingTest, DebeziumTimestampAsInteger) {
  SchemaPtr ts = SchemaBuilder(Type::kInt64).Name(std::string(debezium::kTimestamp)).Build();
  SchemaMappingOptions options;
  EXPECT_EQ((*ConnectFieldToBigQuery(*ts, "t", options))->type, FieldType::kTimestamp);
  options.debezium_timestamp_as_integer = true;
  EXPECT_EQ((*ConnectFieldToBigQuery(*ts, "t", options))->type, FieldType::kInteger);
  // Only Debezium's millisecond Timestamp; the others stay TIMESTAMP.
  SchemaPtr micros =
      SchemaBuilder(Type::kInt64).Name(std::string(debezium::kMicroTimestamp)).Build();
  EXPECT_EQ((*ConnectFieldToBigQuery(*micros, "t", options))->type, FieldType::kTimestamp);
  EXPECT_EQ((*ConnectFieldToBigQuery(*Schema::Timestamp(), "t", options))->type,
            FieldType::kTimestamp);
  SchemaPtr wrong = SchemaBuilder(Type::kString).Name(std::string(debezium::kTimestamp)).Build();
  EXPECT_FALSE(ConnectFieldToBigQuery(*wrong, "t", options).ok());
}

TEST(SchemaMappingTest, TrackPutAttemptsAddsPutAttemptIdLast) {
  SchemaPtr value = SchemaBuilder::Struct().AddField("v", Schema::String()).Build();
  SchemaMappingOptions options;
  options.kafka_data_field = "kafka";
  options.track_put_attempts = true;
  auto table = ConnectToTableSchema(*value, nullptr, options);
  ASSERT_TRUE(table.ok()) << table.status();
  const TableFieldSchema& kafka = table->fields[1];
  ASSERT_EQ(kafka.fields.size(), 6u);
  EXPECT_EQ(kafka.fields.back(), Col("putAttemptId", FieldType::kString, FieldMode::kNullable));
}

TEST(SchemaMappingTest, AvroFieldDocsBecomeDescriptions) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("a", Schema::Int32())
                         .AddField("b", SchemaBuilder(Type::kString).Doc("own doc").Build())
                         .Parameter(std::string(kAvroFieldDocPrefix) + "a", "doc of a")
                         .Parameter(std::string(kAvroFieldDocPrefix) + "b", "ignored")
                         .Build();
  auto table = ConnectToTableSchema(*schema, nullptr, {});
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->fields[0].description, "doc of a");
  EXPECT_EQ(table->fields[1].description, "own doc");  // the schema's doc wins, as kcbq.
}

TEST(IntegerTimeUnitTest, FromTheLogicalTypeElseConnectsConvention) {
  SchemaPtr micros = Named(Type::kInt64, debezium::kMicroTimestamp);
  SchemaPtr nanos = Named(Type::kInt64, debezium::kNanoTimestamp);
  SchemaPtr micro_time = Named(Type::kInt64, debezium::kMicroTime);
  SchemaPtr nano_time = Named(Type::kInt64, debezium::kNanoTime);
  SchemaPtr plain = Schema::Int64();
  EXPECT_EQ(IntegerTimeUnit(micros.get(), FieldType::kTimestamp), TimeUnit::kMicros);
  EXPECT_EQ(IntegerTimeUnit(nanos.get(), FieldType::kTimestamp), TimeUnit::kNanos);
  EXPECT_EQ(IntegerTimeUnit(micros.get(), FieldType::kDatetime), TimeUnit::kMicros);
  EXPECT_EQ(IntegerTimeUnit(plain.get(), FieldType::kTimestamp), TimeUnit::kMillis);
  EXPECT_EQ(IntegerTimeUnit(nullptr, FieldType::kTimestamp), TimeUnit::kMillis);
  EXPECT_EQ(IntegerTimeUnit(micro_time.get(), FieldType::kTime), TimeUnit::kMicros);
  EXPECT_EQ(IntegerTimeUnit(nano_time.get(), FieldType::kTime), TimeUnit::kNanos);
  EXPECT_EQ(IntegerTimeUnit(nullptr, FieldType::kTime), TimeUnit::kMillis);
  EXPECT_EQ(IntegerTimeUnit(nullptr, FieldType::kDate), TimeUnit::kDays);
  EXPECT_EQ(IntegerTimeUnit(nullptr, FieldType::kString), std::nullopt);
}

// Schemaless maps as JsonConverter (schemas.enable=false) builds them.
Value Obj(std::vector<std::pair<std::string, Value>> entries) {
  Map m;
  for (auto& [k, v] : entries) m.emplace_back(Value(k), std::move(v));
  return Value(std::move(m));
}

TEST(InferenceTest, ScalarsAsTheBriefSays) {
  struct Case {
    Value value;
    std::optional<FieldType> want;
  };
  const std::vector<Case> cases = {
      {Value("text"), FieldType::kString},
      {Value(int64_t{42}), FieldType::kInteger},
      {Value(1.5), FieldType::kFloat},
      {Value(1.0), FieldType::kFloat},  // JSON 1.0 is a double.
      {Value(true), FieldType::kBoolean},
      {Value(Bytes{"\x01"}), FieldType::kBytes},
      {Value(Timestamp{1}), FieldType::kTimestamp},
      {Value(Date{1}), FieldType::kDate},
      {Value(TimeOfDay{1}), FieldType::kTime},
      {Value(*Decimal::FromString("12.34")), FieldType::kNumeric},
      {Value(*Decimal::FromString("1.0123456789")), FieldType::kBignumeric},  // scale 10.
      {Value(*Decimal::FromString("123456789012345678901234567890")), FieldType::kBignumeric},
      {Value(), std::nullopt},         // null: no column until a value shows the type.
      {Value(Array{}), std::nullopt},  // empty list: likewise.
      {Value(Array{Value(), Value()}), std::nullopt},
      {Obj({}), std::nullopt},  // empty map: a RECORD needs fields.
      {Obj({{"x", Value()}}), std::nullopt},
  };
  for (const Case& c : cases) {
    std::optional<TableFieldSchema> column;
    auto error = InferField(c.value, "f", {}, &column);
    ASSERT_FALSE(error) << c.value.DebugString() << ": " << error->message;
    ASSERT_EQ(column.has_value(), c.want.has_value()) << c.value.DebugString();
    if (!column) continue;
    EXPECT_EQ(column->type, *c.want) << c.value.DebugString();
    EXPECT_EQ(column->mode, FieldMode::kNullable) << c.value.DebugString();
    EXPECT_EQ(column->name, "f");
  }
}

TEST(InferenceTest, MapsListsAndTheirUnification) {
  Value value = Obj({
      {"id", Value(int64_t{7})},
      {"user", Obj({{"name", Value("ann")}, {"age", Value(int64_t{30})}, {"nick", Value()}})},
      {"scores", Value(Array{Value(int64_t{1}), Value(2.5), Value()})},
      {"tags", Value(Array{Value("a"), Value("b")})},
      {"items", Value(Array{Obj({{"sku", Value("x")}}),
                            Obj({{"sku", Value("y")}, {"qty", Value(int64_t{2})}})})},
      {"missing", Value()},
  });
  std::vector<TableFieldSchema> columns;
  auto error = InferColumns(value, {}, &columns);
  ASSERT_FALSE(error) << error->message;
  std::vector<TableFieldSchema> want = {
      Col("id", FieldType::kInteger, FieldMode::kNullable),
      Col("user", FieldType::kRecord, FieldMode::kNullable,
          {Col("name", FieldType::kString, FieldMode::kNullable),
           Col("age", FieldType::kInteger, FieldMode::kNullable)}),
      Col("scores", FieldType::kFloat, FieldMode::kRepeated),  // INTEGER + FLOAT -> FLOAT.
      Col("tags", FieldType::kString, FieldMode::kRepeated),
      Col("items", FieldType::kRecord, FieldMode::kRepeated,
          {Col("sku", FieldType::kString, FieldMode::kNullable),
           Col("qty", FieldType::kInteger, FieldMode::kNullable)}),
  };
  EXPECT_EQ(columns, want);
}

TEST(InferenceTest, UnstorableValuesAreErrorsOrJson) {
  Value deep = Value("leaf");
  for (int i = 0; i < 17; ++i) deep = Obj({{"n", deep}});
  struct Case {
    std::string label;
    Value value;
    std::string column;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"nested lists", Obj({{"m", Value(Array{Value(Array{Value(int64_t{1})})})}}), "m",
       "list of lists"},
      {"mixed list", Obj({{"m", Value(Array{Value(int64_t{1}), Value("a")})}}), "m",
       "mixes elements"},
      {"list of list-or-map",
       Obj({{"m", Value(Array{Obj({{"a", Value(int64_t{1})}}), Value(int64_t{2})})}}), "m",
       "mixes elements"},
      {"too deep", deep, "n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n", "deeper than 15"},
  };
  for (const Case& c : cases) {
    std::vector<TableFieldSchema> columns;
    auto error = InferColumns(c.value, {}, &columns);
    ASSERT_TRUE(error) << c.label;
    EXPECT_EQ(error->column, c.column) << c.label;
    EXPECT_THAT(error->message, HasSubstr(c.error)) << c.label;

    SchemaMappingOptions as_json;
    as_json.unstorable_as_json = true;
    error = InferColumns(c.value, as_json, &columns);
    ASSERT_FALSE(error) << c.label << ": " << error->message;
    // The unstorable part is one JSON column where it starts.
    const TableFieldSchema* f = &columns[0];
    while (f->type == FieldType::kRecord) f = &f->fields[0];
    EXPECT_EQ(f->type, FieldType::kJson) << c.label;
    EXPECT_EQ(f->mode, FieldMode::kNullable) << c.label;
  }
}

TEST(InferenceTest, NamesAreSanitizedOrRefused) {
  Value value = Obj({{"user.id", Value(int64_t{1})}, {"ok", Value(int64_t{2})}});
  std::vector<TableFieldSchema> columns;
  auto error = InferColumns(value, {}, &columns);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->column, "user.id");
  EXPECT_THAT(error->message, HasSubstr("set sanitizeFieldNames=true"));

  SchemaMappingOptions sanitize;
  sanitize.sanitize_field_names = true;
  error = InferColumns(value, sanitize, &columns);
  ASSERT_FALSE(error) << error->message;
  EXPECT_EQ(columns[0].name, "user_id");

  // Two keys that are one column, case-insensitively or after sanitizing.
  error = InferColumns(Obj({{"Name", Value("a")}, {"name", Value("b")}}), {}, &columns);
  ASSERT_TRUE(error);
  EXPECT_THAT(error->message, HasSubstr("are one BigQuery column"));
  error = InferColumns(Obj({{"a.b", Value("a")}, {"a_b", Value("b")}}), sanitize, &columns);
  ASSERT_TRUE(error);
  EXPECT_THAT(error->message, HasSubstr("are one BigQuery column 'a_b'"));
  // Non-string keys cannot be column names.
  Map int_keys;
  int_keys.emplace_back(Value(int64_t{1}), Value("x"));
  error = InferColumns(Obj({{"m", Value(std::move(int_keys))}}), {}, &columns);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->column, "m");
  EXPECT_THAT(error->message, HasSubstr("string keys"));
}

TEST(InferenceTest, JsonFieldsAndStructValues) {
  SchemaMappingOptions options;
  options.json_fields = {"payload", "meta.extra"};
  SchemaPtr point = SchemaBuilder::Struct().AddField("x", Schema::Int32()).Build();
  Value value = Obj({
      {"payload", Obj({{"anything", Value(Array{Value(int64_t{1}), Value("mixed")})}})},
      {"meta", Obj({{"extra", Value("text")}, {"v", Value(int64_t{1})}})},
      {"point", Value(Struct{point, {Value(int64_t{3})}})},
  });
  std::vector<TableFieldSchema> columns;
  auto error = InferColumns(value, options, &columns);
  ASSERT_FALSE(error) << error->message;
  ASSERT_EQ(columns.size(), 3u);
  EXPECT_EQ(columns[0], Col("payload", FieldType::kJson, FieldMode::kNullable));
  EXPECT_EQ(columns[1], Col("meta", FieldType::kRecord, FieldMode::kNullable,
                            {Col("extra", FieldType::kJson, FieldMode::kNullable),
                             Col("v", FieldType::kInteger, FieldMode::kNullable)}));
  // A Struct inside a schemaless map keeps its schema's modes, NULLABLE itself.
  EXPECT_EQ(columns[2], Col("point", FieldType::kRecord, FieldMode::kNullable,
                            {Col("x", FieldType::kInteger, FieldMode::kRequired)}));
}

TEST(MergeColumnsTest, UnionOfTwoDescriptionsOfData) {
  struct Case {
    std::string label;
    std::vector<TableFieldSchema> into, other, want;
    std::string error;  // substring; empty = merges.
  };
  const std::vector<Case> cases = {
      {"widen number",
       {Col("n", FieldType::kInteger, FieldMode::kNullable)},
       {Col("n", FieldType::kFloat, FieldMode::kNullable)},
       {Col("n", FieldType::kFloat, FieldMode::kNullable)}},
      {"widen decimal",
       {Col("n", FieldType::kBignumeric, FieldMode::kRequired)},
       {Col("n", FieldType::kNumeric, FieldMode::kRequired)},
       {Col("n", FieldType::kBignumeric, FieldMode::kRequired)}},
      {"missing on one side is NULLABLE",
       {Col("a", FieldType::kString, FieldMode::kRequired),
        Col("r", FieldType::kString, FieldMode::kRepeated)},
       {Col("b", FieldType::kString, FieldMode::kRequired)},
       {Col("a", FieldType::kString, FieldMode::kNullable),
        Col("r", FieldType::kString, FieldMode::kRepeated),
        Col("b", FieldType::kString, FieldMode::kNullable)}},
      {"REQUIRED only where both are",
       {Col("a", FieldType::kString, FieldMode::kRequired),
        Col("b", FieldType::kString, FieldMode::kRequired)},
       {Col("A", FieldType::kString, FieldMode::kRequired),
        Col("b", FieldType::kString, FieldMode::kNullable)},
       {Col("a", FieldType::kString, FieldMode::kRequired),
        Col("b", FieldType::kString, FieldMode::kNullable)}},
      {"records merge",
       {Col("r", FieldType::kRecord, FieldMode::kNullable,
            {Col("x", FieldType::kInteger, FieldMode::kNullable)})},
       {Col("r", FieldType::kRecord, FieldMode::kNullable,
            {Col("y", FieldType::kString, FieldMode::kNullable)})},
       {Col("r", FieldType::kRecord, FieldMode::kNullable,
            {Col("x", FieldType::kInteger, FieldMode::kNullable),
             Col("y", FieldType::kString, FieldMode::kNullable)})}},
      {"type conflict",
       {Col("n", FieldType::kInteger, FieldMode::kNullable)},
       {Col("n", FieldType::kString, FieldMode::kNullable)},
       {},
       "is STRING here but INTEGER elsewhere"},
      {"nested type conflict",
       {Col("r", FieldType::kRecord, FieldMode::kNullable,
            {Col("x", FieldType::kInteger, FieldMode::kNullable)})},
       {Col("r", FieldType::kRecord, FieldMode::kNullable,
            {Col("x", FieldType::kBoolean, FieldMode::kNullable)})},
       {},
       "field 'r.x'"},
      {"repeated conflict",
       {Col("n", FieldType::kInteger, FieldMode::kRepeated)},
       {Col("n", FieldType::kInteger, FieldMode::kNullable)},
       {},
       "either REPEATED or not"},
  };
  for (const Case& c : cases) {
    std::vector<TableFieldSchema> into = c.into;
    auto error = MergeColumns(c.other, &into);
    if (!c.error.empty()) {
      ASSERT_TRUE(error) << c.label;
      EXPECT_THAT(error->message, HasSubstr(c.error)) << c.label;
      continue;
    }
    ASSERT_FALSE(error) << c.label << ": " << error->message;
    EXPECT_EQ(into, c.want) << c.label;
  }
}

SinkRecord Schemaless(Value value, Value key = Value()) {
  SinkRecord r;
  r.topic = "t";
  r.value = std::move(value);
  r.key = std::move(key);
  return r;
}

TEST(RecordTableSchemaTest, SchemalessRecordsWithKeyAndKafkaData) {
  SchemaMappingOptions options;
  options.kafka_key_field = "kafka_key";
  options.kafka_data_field = "kafka";
  TableSchema schema;
  auto error = RecordTableSchema(
      Schemaless(Obj({{"a", Value(int64_t{1})}}), Obj({{"id", Value("k1")}})), options, &schema);
  ASSERT_FALSE(error) << error->message;
  ASSERT_EQ(schema.fields.size(), 3u);
  EXPECT_EQ(schema.fields[0], Col("a", FieldType::kInteger, FieldMode::kNullable));
  EXPECT_EQ(schema.fields[1], KafkaDataField("kafka"));
  EXPECT_EQ(schema.fields[2], Col("kafka_key", FieldType::kRecord, FieldMode::kNullable,
                                  {Col("id", FieldType::kString, FieldMode::kNullable)}));
  // A null key gives no key column (nothing to infer).
  error = RecordTableSchema(Schemaless(Obj({{"a", Value(int64_t{1})}})), options, &schema);
  ASSERT_FALSE(error);
  EXPECT_EQ(schema.fields.size(), 2u);
}

TEST(RecordTableSchemaTest, WithAConnectSchema) {
  SchemaPtr value_schema = SchemaBuilder::Struct().AddField("a", Schema::Int32()).Build();
  SinkRecord r;
  r.value_schema = value_schema;
  r.value = Value(Struct{value_schema, {Value(int64_t{1})}});
  r.key_schema = Schema::String();
  r.key = Value("k");
  SchemaMappingOptions options;
  options.kafka_key_field = "k";
  TableSchema schema;
  auto error = RecordTableSchema(r, options, &schema);
  ASSERT_FALSE(error) << error->message;
  EXPECT_EQ(schema.fields,
            (std::vector<TableFieldSchema>{Col("a", FieldType::kInteger, FieldMode::kRequired),
                                           Col("k", FieldType::kString, FieldMode::kNullable)}));
}

TEST(RecordTableSchemaTest, RecordsWithoutColumnsAreTheirOwnErrors) {
  TableSchema schema;
  auto error = RecordTableSchema(Schemaless(Value()), {}, &schema);
  ASSERT_TRUE(error);
  EXPECT_THAT(error->message, HasSubstr("tombstone"));
  error = RecordTableSchema(Schemaless(Value("just text")), {}, &schema);
  ASSERT_TRUE(error);
  EXPECT_THAT(error->message, HasSubstr("must be of type 'struct'"));
  // BigQuery's reserved prefixes, checked as tables.insert does.
  error = RecordTableSchema(Schemaless(Obj({{"_PARTITIONTIME", Value(int64_t{1})}})), {}, &schema);
  ASSERT_TRUE(error);
  EXPECT_THAT(error->message, HasSubstr("_PARTITION"));
}

TEST(TableRouterTest, TopicToTable) {
  TableRouter plain("p", "serverlog", {}, /*sanitize_topics=*/false);
  auto ref = plain.Route("events");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->DebugString(), "p.serverlog.events");

  TableRouter sanitizing("p", "serverlog", {}, /*sanitize_topics=*/true);
  EXPECT_EQ(sanitizing.Route("serverlog.member")->table_id, "serverlog_member");
  // Routing SMTs may name the dataset: "dataset:table".
  auto routed = sanitizing.Route("other:my-table");
  ASSERT_TRUE(routed.ok());
  EXPECT_EQ(routed->dataset_id, "other");
  EXPECT_EQ(routed->table_id, "my_table");
  EXPECT_FALSE(sanitizing.Route("a:b:c").ok());

  // With a map: the mapped name as written; unmapped topics keep their name
  // (kcbq ignores sanitizeTopics when topic2TableMap is set).
  TableRouter mapped("p", "serverlog", {{"serverlog.member", "serverlog_kafka"}}, true);
  EXPECT_EQ(mapped.Route("serverlog.member")->table_id, "serverlog_kafka");
  EXPECT_EQ(mapped.Route("x.y")->table_id, "x.y");
}

}  // namespace
}  // namespace ferry::bigquery
