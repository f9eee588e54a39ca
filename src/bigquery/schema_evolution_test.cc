#include "bigquery/schema_evolution.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "bigquery/test_support.h"
#include "record/value.h"

namespace ferry::bigquery {
namespace {

using ::testing::HasSubstr;

using test_support::Col;

TableSchema Schema(std::vector<TableFieldSchema> fields) { return TableSchema{std::move(fields)}; }

constexpr FieldMode kNullable = FieldMode::kNullable;
constexpr FieldMode kRequired = FieldMode::kRequired;
constexpr FieldMode kRepeated = FieldMode::kRepeated;

EvolutionOptions Options(bool new_fields, bool relaxation, bool unionization) {
  EvolutionOptions o;
  o.allow_new_fields = new_fields;
  o.allow_relaxation = relaxation;
  o.allow_unionization = unionization;
  return o;
}

// One row per key combination and change: what becomes of the table.
TEST(EvolveSchemaTest, EachKeyAsKcbqsSchemaManager) {
  const TableSchema table =
      Schema({Col("id", FieldType::kInteger, kRequired), Col("name", FieldType::kString, kRequired),
              Col("tags", FieldType::kString, kRepeated)});
  struct Case {
    std::string label;
    EvolutionOptions options;
    TableSchema proposed;
    TableSchema want;     // the schema after the allowed changes.
    std::string refused;  // substring of the first refusal; empty = none.
  };
  const std::vector<Case> cases = {
      {"same schema: nothing to do", Options(false, false, false), table, table, ""},
      {"new NULLABLE field, allowed", Options(true, false, false),
       Schema({Col("id", FieldType::kInteger, kRequired),
               Col("name", FieldType::kString, kRequired),
               Col("tags", FieldType::kString, kRepeated), Col("email", FieldType::kString)}),
       Schema({Col("id", FieldType::kInteger, kRequired),
               Col("name", FieldType::kString, kRequired),
               Col("tags", FieldType::kString, kRepeated), Col("email", FieldType::kString)}),
       ""},
      {"new NULLABLE field, not allowed", Options(false, true, true),
       Schema({Col("id", FieldType::kInteger, kRequired),
               Col("name", FieldType::kString, kRequired), Col("email", FieldType::kString)}),
       table,
       "New Field found with the name email Ensure that allowNewBigQueryFields is true and "
       "allowBigQueryRequiredFieldRelaxation is true if email has mode REQUIRED in order to "
       "update the Schema"},
      {"new REPEATED field", Options(true, false, false),
       Schema({Col("id", FieldType::kInteger, kRequired),
               Col("name", FieldType::kString, kRequired),
               Col("ids", FieldType::kInteger, kRepeated)}),
       Schema({Col("id", FieldType::kInteger, kRequired),
               Col("name", FieldType::kString, kRequired),
               Col("tags", FieldType::kString, kRepeated),
               Col("ids", FieldType::kInteger, kRepeated)}),
       ""},
      {"new REQUIRED field needs relaxation too", Options(true, false, false),
       Schema({Col("id", FieldType::kInteger, kRequired),
               Col("name", FieldType::kString, kRequired),
               Col("email", FieldType::kString, kRequired)}),
       table, "New Field found with the name email"},
      {"new REQUIRED field is added NULLABLE", Options(true, true, false),
       Schema({Col("id", FieldType::kInteger, kRequired),
               Col("name", FieldType::kString, kRequired),
               Col("email", FieldType::kString, kRequired)}),
       Schema({Col("id", FieldType::kInteger, kRequired),
               Col("name", FieldType::kString, kRequired),
               Col("tags", FieldType::kString, kRepeated), Col("email", FieldType::kString)}),
       ""},
      {"relaxation, allowed", Options(false, true, false),
       Schema({Col("id", FieldType::kInteger, kRequired), Col("name", FieldType::kString)}),
       Schema({Col("id", FieldType::kInteger, kRequired), Col("name", FieldType::kString),
               Col("tags", FieldType::kString, kRepeated)}),
       ""},
      {"relaxation, not allowed", Options(true, false, true),
       Schema({Col("id", FieldType::kInteger, kRequired), Col("name", FieldType::kString)}), table,
       "name has mode REQUIRED. Set allowBigQueryRequiredFieldRelaxation to true, to change the "
       "mode to NULLABLE"},
      {"missing REQUIRED field, unionization + relaxation", Options(false, true, true),
       Schema({Col("id", FieldType::kInteger, kRequired)}),
       Schema({Col("id", FieldType::kInteger, kRequired), Col("name", FieldType::kString),
               Col("tags", FieldType::kString, kRepeated)}),
       ""},
      {"missing REQUIRED field, unionization without relaxation", Options(true, false, true),
       Schema({Col("id", FieldType::kInteger, kRequired)}), table,
       "name has mode REQUIRED. Set allowBigQueryRequiredFieldRelaxation to true"},
      {"missing REQUIRED field without unionization", Options(true, true, false),
       Schema({Col("id", FieldType::kInteger, kRequired)}), table,
       "name has mode REQUIRED and the record has no such field. Set allowSchemaUnionization"},
      {"missing NULLABLE/REPEATED fields need nothing", Options(false, false, false),
       Schema(
           {Col("id", FieldType::kInteger, kRequired), Col("name", FieldType::kString, kRequired)}),
       table, ""},
      {"REQUIRED proposal for a NULLABLE column needs nothing", Options(false, false, false),
       Schema({Col("id", FieldType::kInteger, kRequired),
               Col("name", FieldType::kString, kRequired),
               Col("tags", FieldType::kString, kRepeated)}),
       table, ""},
      {"type change is never made", Options(true, true, true),
       Schema(
           {Col("id", FieldType::kString, kRequired), Col("name", FieldType::kString, kRequired)}),
       table,
       "id is INTEGER in the table and the record's field is STRING; BigQuery never changes"},
      {"REPEATED is never relaxed", Options(true, true, true),
       Schema({Col("id", FieldType::kInteger, kRequired),
               Col("name", FieldType::kString, kRequired),
               Col("tags", FieldType::kString, kNullable)}),
       table, "tags is REPEATED in the table"},
      {"nor added to a column", Options(true, true, true),
       Schema(
           {Col("id", FieldType::kInteger, kRepeated), Col("name", FieldType::kString, kRequired)}),
       table, "id is not REPEATED in the table"},
      {"names match case-insensitively", Options(false, false, false),
       Schema(
           {Col("ID", FieldType::kInteger, kRequired), Col("Name", FieldType::kString, kRequired)}),
       table, ""},
  };
  for (const Case& c : cases) {
    SchemaEvolution evolution = EvolveSchema(table, c.proposed, c.options);
    EXPECT_EQ(evolution.schema, c.want) << c.label;
    EXPECT_EQ(evolution.changed(), !(c.want == table)) << c.label;
    if (c.refused.empty()) {
      EXPECT_TRUE(evolution.refused.empty())
          << c.label << ": " << evolution.refused.front().message;
    } else {
      ASSERT_FALSE(evolution.refused.empty()) << c.label;
      EXPECT_THAT(evolution.refused.front().message, HasSubstr(c.refused)) << c.label;
    }
    // The strict form agrees.
    auto strict = UpdatedTableSchema(table, {c.proposed}, c.options);
    EXPECT_EQ(strict.ok(), c.refused.empty()) << c.label;
    if (!strict.ok()) {
      EXPECT_TRUE(absl::IsFailedPrecondition(strict.status())) << c.label;
    }
    // Idempotent: evolving the result again changes nothing.
    SchemaEvolution again = EvolveSchema(evolution.schema, c.proposed, c.options);
    EXPECT_FALSE(again.changed()) << c.label;
    EXPECT_EQ(again.schema, evolution.schema) << c.label;
  }
}

TEST(EvolveSchemaTest, NestedRecords) {
  const TableSchema table =
      Schema({Col("user", FieldType::kRecord, kNullable,
                  {Col("id", FieldType::kInteger, kRequired), Col("name", FieldType::kString)})});
  // A sub-field added at the end of its RECORD; a REQUIRED sub-field relaxed.
  TableSchema proposed =
      Schema({Col("user", FieldType::kRecord, kNullable,
                  {Col("id", FieldType::kInteger, kNullable), Col("name", FieldType::kString),
                   Col("email", FieldType::kString, kRequired)})});
  SchemaEvolution all = EvolveSchema(table, proposed, Options(true, true, false));
  EXPECT_TRUE(all.refused.empty());
  EXPECT_EQ(all.schema,
            Schema({Col("user", FieldType::kRecord, kNullable,
                        {Col("id", FieldType::kInteger), Col("name", FieldType::kString),
                         Col("email", FieldType::kString)})}));
  ASSERT_EQ(all.applied.size(), 2u);
  EXPECT_EQ(all.applied[0].kind, ChangeKind::kRelaxField);
  EXPECT_EQ(all.applied[0].column, "user.id");
  EXPECT_EQ(all.applied[1].kind, ChangeKind::kAddField);
  EXPECT_EQ(all.applied[1].column, "user.email");

  SchemaEvolution none = EvolveSchema(table, proposed, Options(false, false, false));
  EXPECT_FALSE(none.changed());
  ASSERT_EQ(none.refused.size(), 2u);
  EXPECT_EQ(none.refused[0].column, "user.id");
  EXPECT_EQ(none.refused[1].column, "user.email");

  // A new RECORD keeps REQUIRED sub-fields (BigQuery allows them in a new RECORD).
  TableSchema with_address =
      Schema({Col("user", FieldType::kRecord, kNullable,
                  {Col("id", FieldType::kInteger, kRequired), Col("name", FieldType::kString)}),
              Col("address", FieldType::kRecord, kNullable,
                  {Col("city", FieldType::kString, kRequired)})});
  SchemaEvolution added = EvolveSchema(table, with_address, Options(true, false, false));
  EXPECT_EQ(added.schema, with_address);

  // Unionization relaxes missing sub-fields too.
  TableSchema only_name =
      Schema({Col("user", FieldType::kRecord, kNullable, {Col("name", FieldType::kString)})});
  SchemaEvolution unioned = EvolveSchema(table, only_name, Options(false, true, true));
  EXPECT_EQ(unioned.schema.fields[0].fields[0], Col("id", FieldType::kInteger));
}

TEST(EvolveSchemaTest, CompatibleTypesAreNotChanges) {
  // The table's type stays; the encoder writes the values (checked per row).
  struct Case {
    FieldType column, proposed;
    bool compatible;
  };
  const std::vector<Case> cases = {
      {FieldType::kFloat, FieldType::kInteger, true},
      {FieldType::kNumeric, FieldType::kBignumeric, true},  // a kcbq-made NUMERIC table.
      {FieldType::kBignumeric, FieldType::kNumeric, true},
      {FieldType::kNumeric, FieldType::kInteger, true},
      {FieldType::kTimestamp, FieldType::kString, true},
      {FieldType::kTimestamp, FieldType::kInteger, true},
      {FieldType::kDatetime, FieldType::kTimestamp, true},
      {FieldType::kJson, FieldType::kRecord, true},
      {FieldType::kJson, FieldType::kInteger, true},
      {FieldType::kString, FieldType::kJson, true},
      {FieldType::kInteger, FieldType::kFloat, false},
      {FieldType::kString, FieldType::kInteger, false},
      {FieldType::kBoolean, FieldType::kString, false},
      {FieldType::kRecord, FieldType::kJson, false},
      {FieldType::kBytes, FieldType::kString, false},
  };
  for (const Case& c : cases) {
    TableFieldSchema column = Col("f", c.column);
    TableFieldSchema proposed = Col("f", c.proposed);
    if (c.column == FieldType::kRecord) column.fields = {Col("x", FieldType::kString)};
    if (c.proposed == FieldType::kRecord) proposed.fields = {Col("x", FieldType::kString)};
    SchemaEvolution e =
        EvolveSchema(Schema({column}), Schema({proposed}), Options(true, true, true));
    EXPECT_FALSE(e.changed());
    EXPECT_EQ(e.refused.empty(), c.compatible)
        << FieldTypeName(c.proposed) << " into " << FieldTypeName(c.column);
    if (!c.compatible) {
      EXPECT_EQ(e.refused[0].kind, ChangeKind::kChangeType);
    }
  }
}

// Both kcbq forks create FLOAT columns for decimals. With decimalHandlingMode
// unset the decimals are written as doubles; with it set to NUMERIC or
// BIGNUMERIC a NUMERIC proposal for one is a type change, and the refusal
// names the key that avoids it.
TEST(EvolveSchemaTest, DecimalsForAKcbqFloatColumnNameDecimalHandlingMode) {
  {
    EvolutionOptions unset = Options(true, true, true);
    unset.decimals_into_float = true;
    const TableSchema required = Schema({Col("amount", FieldType::kFloat, kRequired)});
    for (FieldType proposed : {FieldType::kNumeric, FieldType::kBignumeric}) {
      SchemaEvolution e =
          EvolveSchema(required, Schema({Col("amount", proposed, kRequired)}), unset);
      EXPECT_TRUE(e.refused.empty()) << e.refused[0].message;
      EXPECT_FALSE(e.changed());
      // A nullable decimal relaxes the column as any nullable field does.
      e = EvolveSchema(required, Schema({Col("amount", proposed)}), unset);
      EXPECT_TRUE(e.refused.empty());
      ASSERT_EQ(e.applied.size(), 1u);
      EXPECT_EQ(e.applied[0].kind, ChangeKind::kRelaxField);
      EXPECT_EQ(e.schema.fields[0].type, FieldType::kFloat);
    }
    SchemaEvolution e =
        EvolveSchema(required, Schema({Col("amount", FieldType::kString, kRequired)}), unset);
    EXPECT_EQ(e.refused.size(), 1u);
  }
  const TableSchema table = Schema({Col("amount", FieldType::kFloat)});
  for (FieldType proposed : {FieldType::kNumeric, FieldType::kBignumeric}) {
    SchemaEvolution e =
        EvolveSchema(table, Schema({Col("amount", proposed)}), Options(true, true, true));
    ASSERT_EQ(e.refused.size(), 1u);
    EXPECT_EQ(e.refused[0].kind, ChangeKind::kChangeType);
    EXPECT_THAT(e.refused[0].message, HasSubstr("set decimalHandlingMode=FLOAT"));
  }
  // Other type changes say nothing of it.
  SchemaEvolution e =
      EvolveSchema(table, Schema({Col("amount", FieldType::kString)}), Options(true, true, true));
  ASSERT_EQ(e.refused.size(), 1u);
  EXPECT_THAT(e.refused[0].message, ::testing::Not(HasSubstr("decimalHandlingMode")));
}

TEST(EvolveSchemaTest, ProposalsFoldInOrderAndNewColumnsGoLast) {
  const TableSchema table = Schema({Col("a", FieldType::kString, kRequired)});
  std::vector<TableSchema> batch = {
      Schema({Col("a", FieldType::kString, kRequired), Col("b", FieldType::kInteger)}),
      Schema({Col("c", FieldType::kBoolean), Col("a", FieldType::kString, kRequired)}),
      Schema({Col("b", FieldType::kInteger), Col("d", FieldType::kString, kRequired)}),
  };
  SchemaEvolution e = EvolveSchema(table, batch, Options(true, false, true));
  EXPECT_EQ(e.schema, Schema({Col("a", FieldType::kString, kRequired),
                              Col("b", FieldType::kInteger), Col("c", FieldType::kBoolean)}));
  // The third record lacks REQUIRED "a" (relaxation not allowed) and brings a
  // REQUIRED "d": both refused, each named once.
  ASSERT_EQ(e.refused.size(), 2u);
  EXPECT_EQ(e.refused[0].column, "d");
  EXPECT_EQ(e.refused[1].column, "a");
  auto strict = UpdatedTableSchema(table, batch, Options(true, false, true));
  ASSERT_FALSE(strict.ok());
  EXPECT_THAT(std::string(strict.status().message()), HasSubstr("New Field found with the name d"));
}

// Records as the writer sees them.
SchemaPtr UserSchema(bool with_email, bool name_optional) {
  SchemaBuilder b = SchemaBuilder::Struct();
  b.AddField("id", Schema::Int64());
  b.AddField("name", Schema::String(name_optional));
  if (with_email) b.AddField("email", Schema::String(true));
  return b.Build();
}

SinkRecord User(SchemaPtr schema, std::vector<Value> values) {
  SinkRecord r;
  r.topic = "users";
  r.offset = 7;
  r.value_schema = schema;
  r.value = Value(Struct{schema, std::move(values)});
  return r;
}

Value Obj(std::vector<std::pair<std::string, Value>> entries) {
  Map m;
  for (auto& [k, v] : entries) m.emplace_back(Value(k), std::move(v));
  return Value(std::move(m));
}

SinkRecord Schemaless(Value value) {
  SinkRecord r;
  r.topic = "events";
  r.value = std::move(value);
  return r;
}

std::unique_ptr<RowEncoder> Encoder(const TableSchema& schema) {
  auto encoder = RowEncoder::Create(schema, {});
  EXPECT_TRUE(encoder.ok()) << encoder.status();
  return encoder.ok() ? *std::move(encoder) : nullptr;
}

TEST(ClassifyRecordTest, SchemaRecordsAgainstTheTable) {
  const TableSchema table = Schema(
      {Col("id", FieldType::kInteger, kRequired), Col("name", FieldType::kString, kRequired)});
  auto encoder = Encoder(table);
  const SchemaPtr v1 = UserSchema(false, false);
  const SchemaPtr v2 = UserSchema(true, false);  // + optional email.
  const SchemaPtr v3 = UserSchema(false, true);  // name optional.
  struct Case {
    std::string label;
    SinkRecord record;
    EvolutionOptions options;
    RecordFit want;
    std::string column;   // kNeverFits: the error's column.
    std::string message;  // kNeverFits: substring.
  };
  const std::vector<Case> cases = {
      {"same schema", User(v1, {Value(int64_t{1}), Value("ann")}), Options(false, false, false),
       RecordFit::kFits},
      {"new field with a value, allowed", User(v2, {Value(int64_t{1}), Value("ann"), Value("a@x")}),
       Options(true, false, false), RecordFit::kFitsAfterUpdate},
      {"new field with a value, not allowed",
       User(v2, {Value(int64_t{1}), Value("ann"), Value("a@x")}), Options(false, true, true),
       RecordFit::kNeverFits, "email", "Ensure that allowNewBigQueryFields is true"},
      {"new field that is null: fits as it is",
       User(v2, {Value(int64_t{1}), Value("ann"), Value()}), Options(false, false, false),
       RecordFit::kFits},
      {"null for a REQUIRED column, relaxation allowed", User(v3, {Value(int64_t{1}), Value()}),
       Options(false, true, false), RecordFit::kFitsAfterUpdate},
      {"null for a REQUIRED column, relaxation not allowed", User(v3, {Value(int64_t{1}), Value()}),
       Options(true, false, true), RecordFit::kNeverFits, "name",
       "Set allowBigQueryRequiredFieldRelaxation to true"},
      {"optional field with a value: fits", User(v3, {Value(int64_t{1}), Value("ann")}),
       Options(false, false, false), RecordFit::kFits},
  };
  for (const Case& c : cases) {
    FitDecision d = ClassifyRecord(*encoder, c.record, {}, c.options);
    EXPECT_EQ(d.fit, c.want) << c.label << ": " << d.error.message;
    if (c.want == RecordFit::kNeverFits) {
      EXPECT_EQ(d.error.column, c.column) << c.label;
      EXPECT_THAT(d.error.message, HasSubstr(c.message)) << c.label;
    }
    if (c.want != RecordFit::kFitsAfterUpdate) continue;
    // The update the writer makes; then the record encodes.
    SchemaEvolution evolution = EvolveSchema(table, d.proposal, c.options);
    ASSERT_TRUE(evolution.changed()) << c.label;
    auto updated = Encoder(evolution.schema);
    std::string row;
    auto error = updated->Encode(c.record, &row);
    EXPECT_FALSE(error) << c.label << ": " << error->message;
    // And asking again against the new table says it fits: no second update.
    EXPECT_EQ(ClassifyRecord(*updated, c.record, {}, c.options).fit, RecordFit::kFits) << c.label;
  }
}

TEST(ClassifyRecordTest, ValuesNoSchemaChangeCanFix) {
  const TableSchema table =
      Schema({Col("id", FieldType::kInteger, kRequired), Col("amount", FieldType::kNumeric),
              Col("count", FieldType::kInteger)});
  auto encoder = Encoder(table);
  // NUMERIC cannot hold this value; every option is on, still no update helps.
  FitDecision d = ClassifyRecord(
      *encoder, Schemaless(Obj({{"id", Value(int64_t{1})}, {"amount", Value("1e400")}})), {},
      Options(true, true, true));
  EXPECT_EQ(d.fit, RecordFit::kNeverFits);
  EXPECT_EQ(d.error.column, "amount");
  EXPECT_THAT(d.error.message, HasSubstr("NUMERIC value '1e400'"));
  // A float where the table has INTEGER: types never change.
  d = ClassifyRecord(*encoder, Schemaless(Obj({{"id", Value(int64_t{1})}, {"count", Value(2.5)}})),
                     {}, Options(true, true, true));
  EXPECT_EQ(d.fit, RecordFit::kNeverFits);
  EXPECT_EQ(d.error.column, "count");
  EXPECT_THAT(d.error.message, HasSubstr("count is INTEGER in the table and the record's field is "
                                         "FLOAT; BigQuery never changes a column's type"));
  // 3.0 is a whole number: it fits as it is.
  d = ClassifyRecord(*encoder, Schemaless(Obj({{"id", Value(int64_t{1})}, {"count", Value(3.0)}})),
                     {}, Options(false, false, false));
  EXPECT_EQ(d.fit, RecordFit::kFits);
  // A tombstone has no schema at all.
  d = ClassifyRecord(*encoder, Schemaless(Value()), {}, Options(true, true, true));
  EXPECT_EQ(d.fit, RecordFit::kNeverFits);
  EXPECT_THAT(d.error.message, HasSubstr("tombstone"));
}

TEST(ClassifyRecordTest, SchemalessJsonGrowsTheTable) {
  const TableSchema table = Schema({Col("id", FieldType::kInteger)});
  auto encoder = Encoder(table);
  SinkRecord record = Schemaless(Obj({{"id", Value(int64_t{1})},
                                      {"user", Obj({{"name", Value("ann")}})},
                                      {"tags", Value(Array{Value("a")})}}));
  FitDecision d = ClassifyRecord(*encoder, record, {}, Options(true, false, false));
  ASSERT_EQ(d.fit, RecordFit::kFitsAfterUpdate) << d.error.message;
  SchemaEvolution e = EvolveSchema(table, d.proposal, Options(true, false, false));
  EXPECT_EQ(e.schema,
            Schema({Col("id", FieldType::kInteger),
                    Col("user", FieldType::kRecord, kNullable, {Col("name", FieldType::kString)}),
                    Col("tags", FieldType::kString, kRepeated)}));
  std::string row;
  EXPECT_FALSE(Encoder(e.schema)->Encode(record, &row));

  // allBQFieldsNullable with a kcbq-made REQUIRED column: the record fits as
  // long as it has the value; no relaxation is attempted.
  const TableSchema strict = Schema({Col("id", FieldType::kInteger, kRequired)});
  SchemaMappingOptions nullable;
  nullable.all_fields_nullable = true;
  SchemaPtr schema = SchemaBuilder::Struct().AddField("id", Schema::Int64()).Build();
  EXPECT_EQ(ClassifyRecord(*Encoder(strict), User(schema, {Value(int64_t{5})}), nullable,
                           Options(true, false, false))
                .fit,
            RecordFit::kFits);
}

TEST(ClassifyRecordTest, SchemalessRecordsAgainstRequiredColumns) {
  const TableSchema table = Schema(
      {Col("id", FieldType::kInteger, kRequired), Col("name", FieldType::kString, kRequired)});
  auto encoder = Encoder(table);
  // A new field: the update adds it and leaves the REQUIRED columns the
  // record fills alone (inference's NULLABLE is no wish to relax them).
  SinkRecord grows =
      Schemaless(Obj({{"id", Value(int64_t{1})}, {"name", Value("ann")}, {"email", Value("a@x")}}));
  FitDecision d = ClassifyRecord(*encoder, grows, {}, Options(true, true, false));
  ASSERT_EQ(d.fit, RecordFit::kFitsAfterUpdate) << d.error.message;
  SchemaEvolution e = EvolveSchema(table, d.proposal, Options(true, true, false));
  EXPECT_EQ(e.schema,
            Schema({Col("id", FieldType::kInteger, kRequired),
                    Col("name", FieldType::kString, kRequired), Col("email", FieldType::kString)}));
  // A null (or absent) name asks for relaxation, which that key alone grants.
  SinkRecord no_name = Schemaless(Obj({{"id", Value(int64_t{1})}, {"name", Value()}}));
  d = ClassifyRecord(*encoder, no_name, {}, Options(false, true, false));
  ASSERT_EQ(d.fit, RecordFit::kFitsAfterUpdate) << d.error.message;
  e = EvolveSchema(table, d.proposal, Options(false, true, false));
  EXPECT_EQ(e.schema,
            Schema({Col("id", FieldType::kInteger, kRequired), Col("name", FieldType::kString)}));
  d = ClassifyRecord(*encoder, no_name, {}, Options(true, false, true));
  EXPECT_EQ(d.fit, RecordFit::kNeverFits);
  EXPECT_EQ(d.error.column, "name");
  EXPECT_THAT(d.error.message, HasSubstr("allowBigQueryRequiredFieldRelaxation"));
}

TEST(ClassifyRecordTest, KcbqKafkaDataLayoutNeedsNoUpdate) {
  // A table kcbq created: kafka data RECORD(topic, partition, offset, insertTime).
  TableSchema table =
      Schema({Col("id", FieldType::kInteger),
              Col("kafka", FieldType::kRecord, kNullable,
                  {Col("topic", FieldType::kString), Col("partition", FieldType::kInteger),
                   Col("offset", FieldType::kInteger), Col("insertTime", FieldType::kTimestamp)})});
  RowEncoderOptions encoder_options;
  encoder_options.kafka_data_field = "kafka";
  auto encoder = RowEncoder::Create(table, encoder_options);
  ASSERT_TRUE(encoder.ok()) << encoder.status();
  SchemaMappingOptions mapping;
  mapping.kafka_data_field = "kafka";
  SinkRecord record = Schemaless(Obj({{"id", Value(int64_t{1})}}));
  record.timestamp_ms = 1700000000000;
  EXPECT_EQ(ClassifyRecord(**encoder, record, mapping, Options(false, false, false)).fit,
            RecordFit::kFits);
}

TEST(SchemaForNewTableTest, MergesTheBatchAndLeavesOutConflicts) {
  std::vector<SinkRecord> records = {
      Schemaless(Obj({{"id", Value(int64_t{1})}, {"v", Value(int64_t{2})}})),
      Schemaless(Obj({{"id", Value(int64_t{2})}, {"v", Value(2.5)}, {"note", Value("x")}})),
      Schemaless(Obj({{"id", Value("three")}})),  // conflicts: id is INTEGER.
      Schemaless(Value()),                        // a tombstone.
      Schemaless(Obj({{"id", Value(int64_t{4})}, {"v", Value(int64_t{2})}})),
  };
  std::vector<const SinkRecord*> pointers;
  for (const SinkRecord& r : records) pointers.push_back(&r);
  SchemaMappingOptions mapping;
  mapping.kafka_key_field = "key";
  NewTablePlan plan = SchemaForNewTable(pointers, mapping);
  ASSERT_TRUE(plan.schema);
  EXPECT_EQ(*plan.schema, Schema({Col("id", FieldType::kInteger), Col("v", FieldType::kFloat),
                                  Col("note", FieldType::kString),
                                  // every key was null: a NULLABLE STRING key column.
                                  Col("key", FieldType::kString)}));
  ASSERT_EQ(plan.errors.size(), 5u);
  EXPECT_FALSE(plan.errors[0]);
  EXPECT_FALSE(plan.errors[1]);
  ASSERT_TRUE(plan.errors[2]);
  EXPECT_EQ(plan.errors[2]->column, "id");
  EXPECT_THAT(plan.errors[2]->message, HasSubstr("is STRING here but INTEGER"));
  ASSERT_TRUE(plan.errors[3]);
  EXPECT_THAT(plan.errors[3]->message, HasSubstr("tombstone"));
  EXPECT_FALSE(plan.errors[4]);

  // Connect schemas: REQUIRED where every record has the field REQUIRED.
  SchemaPtr v1 = UserSchema(false, false);
  SchemaPtr v2 = UserSchema(true, false);
  std::vector<SinkRecord> users = {User(v1, {Value(int64_t{1}), Value("a")}),
                                   User(v2, {Value(int64_t{2}), Value("b"), Value()})};
  NewTablePlan user_plan = SchemaForNewTable({&users[0], &users[1]}, {});
  ASSERT_TRUE(user_plan.schema);
  EXPECT_EQ(*user_plan.schema,
            Schema({Col("id", FieldType::kInteger, kRequired),
                    Col("name", FieldType::kString, kRequired), Col("email", FieldType::kString)}));

  // No record with columns: no schema.
  std::vector<SinkRecord> empty = {Schemaless(Value())};
  EXPECT_FALSE(SchemaForNewTable({&empty[0]}, {}).schema);
}

}  // namespace
}  // namespace ferry::bigquery
