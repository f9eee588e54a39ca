#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "bigquery/proto_rows.h"
#include "bigquery/schema_mapping.h"
#include "bigquery/table_schema.h"
#include "record/sink_record.h"

namespace ferry::bigquery {

// Table schema evolution as kcbq's SchemaManager does it, as pure functions:
// no I/O, no state. The writer reads the table, asks here what to do, and
// patches (RestClient::PatchTable).
//
// BigQuery's rules (docs: "Modifying table schemas"), which no option lifts:
// a column's type never changes; REPEATED never becomes or stops being
// REPEATED; columns are never removed or renamed; a column added to an
// existing table (or a sub-field added to an existing RECORD) must be
// NULLABLE or REPEATED, and new columns go at the end. Within those:
//
// - allow_new_fields (allowNewBigQueryFields): a field the table lacks, at any
//   depth, is added. A REQUIRED one only with allow_relaxation too, and then
//   as NULLABLE (kcbq's isValidFieldAddition + relaxFieldsWhereNecessary);
//   sub-fields of a newly added RECORD keep their modes (BigQuery allows
//   REQUIRED inside a new RECORD).
// - allow_relaxation (allowBigQueryRequiredFieldRelaxation): a REQUIRED column
//   whose field the record has as NULLABLE becomes NULLABLE.
// - allow_unionization (allowSchemaUnionization): a REQUIRED column the
//   record does not have at all becomes NULLABLE (kcbq unionizes the table
//   with the record, which relaxes missing fields; with allow_relaxation
//   false that relaxation is refused, as kcbq's validateSchemaChange does).
//   Without unionization such a record can never be written (kcbq would send
//   a schema without the column, which BigQuery refuses).
// - allBQFieldsNullable acts earlier: it makes every field of the record's
//   schema NULLABLE (SchemaMappingOptions::all_fields_nullable), so new fields
//   are addable and a REQUIRED column meets a NULLABLE field (relaxation).
//
// A proposal's type is compatible with a column of another type when
// RowEncoder can write the one into the other (values checked per row):
// INTEGER into FLOAT/NUMERIC/BIGNUMERIC/TIMESTAMP/DATETIME/DATE/TIME, NUMERIC
// and BIGNUMERIC into each other, STRING into the time types, NUMERIC,
// BIGNUMERIC, GEOGRAPHY and JSON, TIMESTAMP into DATETIME, JSON into STRING,
// anything into JSON. So a table ferry created keeps working whichever
// NUMERIC or BIGNUMERIC a Decimal maps to, and no type change is ever
// proposed. A Decimal meeting a FLOAT column (kcbq creates those) is a type
// change, refused, unless decimalHandlingMode=FLOAT maps it to FLOAT. Field names match
// case-insensitively, as BigQuery's.
struct EvolutionOptions {
  bool allow_new_fields = false;    // allowNewBigQueryFields
  bool allow_relaxation = false;    // allowBigQueryRequiredFieldRelaxation
  bool allow_unionization = false;  // allowSchemaUnionization
  // decimalHandlingMode unset: a NUMERIC or BIGNUMERIC field for a FLOAT
  // column (how both kcbq forks store decimals) is written as doubles, not a
  // type change.
  bool decimals_into_float = false;

  bool any() const { return allow_new_fields || allow_relaxation || allow_unionization; }
};

enum class ChangeKind {
  kAddField,        // a column or RECORD sub-field the table lacks.
  kRelaxField,      // REQUIRED -> NULLABLE.
  kChangeType,      // never allowed: BigQuery keeps a column's type.
  kChangeRepeated,  // never allowed: to or from REPEATED.
};

struct SchemaChange {
  ChangeKind kind = ChangeKind::kAddField;
  std::string column;   // dotted path, e.g. "payload.user_id".
  std::string message;  // refused: what was needed and which key allows it (kcbq's words).
  bool operator==(const SchemaChange&) const = default;
};

struct SchemaEvolution {
  TableSchema schema;                 // the table's schema with every allowed change applied.
  std::vector<SchemaChange> applied;  // allowed, in the order they were found.
  std::vector<SchemaChange> refused;  // needed by a proposal but not allowed, or impossible.
  bool changed() const { return !applied.empty(); }
};

// The table's schema evolved towards the proposal(s): every allowed change is
// applied, every other one is listed in `refused` with its reason; never
// fails. Several proposals are folded in order (the batch's records).
// Idempotent: evolving the result by the same proposals changes nothing.
SchemaEvolution EvolveSchema(const TableSchema& table, const TableSchema& proposed,
                             const EvolutionOptions& options);
SchemaEvolution EvolveSchema(const TableSchema& table, absl::Span<const TableSchema> proposed,
                             const EvolutionOptions& options);

// kcbq's strict form (SchemaManager.getAndValidateProposedSchema): the new
// schema, or FailedPrecondition with the first refused change's message, e.g.
// "New Field found with the name x Ensure that allowNewBigQueryFields is true
// and allowBigQueryRequiredFieldRelaxation is true if x has mode REQUIRED in
// order to update the Schema" or "x has mode REQUIRED. Set
// allowBigQueryRequiredFieldRelaxation to true, to change the mode to NULLABLE".
absl::StatusOr<TableSchema> UpdatedTableSchema(const TableSchema& table,
                                               absl::Span<const TableSchema> proposed,
                                               const EvolutionOptions& options);

// What one record needs from its table.
enum class RecordFit {
  kFits,             // it encodes against the table as it is.
  kFitsAfterUpdate,  // an allowed schema update (EvolveSchema by `proposal`) may make it fit.
  kNeverFits,        // no allowed update helps: reject it (DLQ) with `error`.
};

struct FitDecision {
  RecordFit fit = RecordFit::kFits;
  RowError error;        // kNeverFits: the column and why, naming the key that would allow it.
  TableSchema proposal;  // kFitsAfterUpdate: what to pass EvolveSchema for the update.
};

// Decides, for one record and the table's current schema, given what
// RowEncoder::Encode said for it against that schema (nullopt = it encoded):
// - encoded: kFits. Changes its schema would make are not needed, so none is
//   attempted (a new optional field that is null adds no column; a
//   kcbq-made table's REQUIRED column meets allBQFieldsNullable's NULLABLE
//   field without a relaxation).
// - otherwise the record's own schema (RecordTableSchema) is evolved against
//   the table, and the change at the failing column (RowError::column, or a
//   column inside it) decides: refused -> kNeverFits with the refusal (e.g.
//   "New Field found with the name email Ensure that allowNewBigQueryFields
//   is true ..."); allowed -> kFitsAfterUpdate; none -> kNeverFits with the
//   encoder's error (a value BigQuery refuses, e.g. "1e400" for NUMERIC: no
//   schema change helps). A record whose schema cannot be mapped (a
//   tombstone, a list of lists, ...) is kNeverFits with that reason.
// Schemaless records: inference calls every field NULLABLE because it cannot
// know better, so against the table a field the record has counts as
// REQUIRED where the column is (no relaxation wanted) and a REQUIRED column
// the record lacks (null or absent) asks for relaxation, which
// allowBigQueryRequiredFieldRelaxation alone grants.
// After the table is updated, encode again: a record that still fails is
// kNeverFits against the new schema (EvolveSchema is idempotent, so asking
// again cannot loop).
FitDecision ClassifyRecord(const TableSchema& table, const SinkRecord& record,
                           const std::optional<RowError>& encode_error,
                           const SchemaMappingOptions& mapping, const EvolutionOptions& options);
// The same, encoding with `encoder` (built for the table) first.
FitDecision ClassifyRecord(const RowEncoder& encoder, const SinkRecord& record,
                           const SchemaMappingOptions& mapping, const EvolutionOptions& options);

// The schema to create a missing table with (autoCreateTables), from a batch:
// the records' schemas (RecordTableSchema) merged in order (MergeColumns: a
// field some records lack or have NULLABLE is NULLABLE, INTEGER + FLOAT ->
// FLOAT, ...). A record whose schema cannot be mapped, or conflicts with the
// records before it (a field of another type), is left out with its error:
// it is rejected, the table is still created for the others. With
// kafka_key_field set and no record giving the key column a type (all keys
// null), the key column is NULLABLE STRING, so the encoder finds it.
struct NewTablePlan {
  std::optional<TableSchema> schema;            // nullopt: no record gave a schema.
  std::vector<std::optional<RowError>> errors;  // one per record; set = left out.
};
NewTablePlan SchemaForNewTable(absl::Span<const SinkRecord* const> records,
                               const SchemaMappingOptions& mapping);

}  // namespace ferry::bigquery
