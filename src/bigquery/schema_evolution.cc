#include "bigquery/schema_evolution.h"

#include <set>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace ferry::bigquery {
namespace {

// Debian's abseil has its own string_view; bridge std::string_view into it.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string Join(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : absl::StrCat(path, ".", AV(name));
}

// True when RowEncoder writes values of a `from` field into a `to` column
// (each value is still checked when it is encoded).
bool Writable(FieldType from, FieldType to) {
  if (from == to || to == FieldType::kJson) return true;
  switch (to) {
    case FieldType::kFloat:
      return from == FieldType::kInteger;
    case FieldType::kNumeric:
    case FieldType::kBignumeric:
      return from == FieldType::kInteger || from == FieldType::kNumeric ||
             from == FieldType::kBignumeric || from == FieldType::kString;
    case FieldType::kTimestamp:
    case FieldType::kDate:
    case FieldType::kTime:
      return from == FieldType::kInteger || from == FieldType::kString;
    case FieldType::kDatetime:
      return from == FieldType::kInteger || from == FieldType::kString ||
             from == FieldType::kTimestamp;
    case FieldType::kGeography:
      return from == FieldType::kString;
    case FieldType::kString:
      return from == FieldType::kJson;
    default:
      return false;
  }
}

std::string RelaxationRefused(const std::string& path) {
  // kcbq's SchemaManager.validateSchemaChange.
  return absl::StrCat(path,
                      " has mode REQUIRED. Set allowBigQueryRequiredFieldRelaxation to true, to "
                      "change the mode to NULLABLE");
}

class Evolver {
 public:
  Evolver(const EvolutionOptions& options, std::vector<SchemaChange>* applied,
          std::vector<SchemaChange>* refused)
      : options_(options), applied_(applied), refused_(refused) {}

  void Fields(std::vector<TableFieldSchema>* table, const std::vector<TableFieldSchema>& proposed,
              const std::string& prefix) {
    const size_t original = table->size();
    std::vector<bool> seen(original, false);
    for (const TableFieldSchema& p : proposed) {
      const size_t index = Find(*table, p.name);
      if (index == table->size()) {
        Add(table, p, Join(prefix, p.name));
        continue;
      }
      if (index < original) seen[index] = true;
      TableFieldSchema& t = (*table)[index];
      const std::string path = Join(prefix, t.name);
      const bool t_repeated = t.mode == FieldMode::kRepeated;
      if (t_repeated != (p.mode == FieldMode::kRepeated)) {
        Refuse(ChangeKind::kChangeRepeated, path,
               absl::StrCat(path, " is ", t_repeated ? "" : "not ",
                            "REPEATED in the table but the record's field is ",
                            t_repeated ? "not" : "", t_repeated ? "" : "REPEATED",
                            "; BigQuery never changes a column to or from REPEATED"));
        continue;
      }
      if (t.type == FieldType::kRecord && p.type == FieldType::kRecord) {
        Fields(&t.fields, p.fields, path);
      } else if (!Writable(p.type, t.type)) {
        // Both kcbq forks create FLOAT columns for decimals by default.
        const bool kcbq_decimal = t.type == FieldType::kFloat && (p.type == FieldType::kNumeric ||
                                                                  p.type == FieldType::kBignumeric);
        if (kcbq_decimal && options_.decimals_into_float) {
          if (t.mode == FieldMode::kRequired && p.mode == FieldMode::kNullable) Relax(&t, path);
          continue;
        }
        Refuse(ChangeKind::kChangeType, path,
               absl::StrCat(path, " is ", AV(FieldTypeName(t.type)),
                            " in the table and the record's field is ", AV(FieldTypeName(p.type)),
                            "; BigQuery never changes a column's type",
                            kcbq_decimal ? " (a table kcbq created holds decimals as FLOAT: set "
                                           "decimalHandlingMode=FLOAT, or leave it unset, to "
                                           "write them as doubles)"
                                         : ""));
        continue;
      }
      if (t.mode == FieldMode::kRequired && p.mode == FieldMode::kNullable) Relax(&t, path);
    }
    for (size_t i = 0; i < original; ++i) {
      TableFieldSchema& t = (*table)[i];
      if (seen[i] || t.mode != FieldMode::kRequired) continue;
      const std::string path = Join(prefix, t.name);
      if (options_.allow_unionization) {
        Relax(&t, path);  // kcbq's unionizeSchemas relaxes a missing field.
      } else {
        Refuse(ChangeKind::kRelaxField, path,
               absl::StrCat(path,
                            " has mode REQUIRED and the record has no such field. Set "
                            "allowSchemaUnionization and allowBigQueryRequiredFieldRelaxation to "
                            "true, to change the mode to NULLABLE"));
      }
    }
  }

 private:
  static size_t Find(const std::vector<TableFieldSchema>& fields, const std::string& name) {
    const std::string lower = absl::AsciiStrToLower(name);
    for (size_t i = 0; i < fields.size(); ++i) {
      if (absl::AsciiStrToLower(fields[i].name) == lower) return i;
    }
    return fields.size();
  }

  void Add(std::vector<TableFieldSchema>* table, const TableFieldSchema& p,
           const std::string& path) {
    // kcbq's isValidFieldAddition; BigQuery adds only NULLABLE or REPEATED.
    const bool allowed =
        options_.allow_new_fields && (p.mode != FieldMode::kRequired || options_.allow_relaxation);
    if (!allowed) {
      Refuse(ChangeKind::kAddField, path,
             absl::StrCat("New Field found with the name ", path,
                          " Ensure that allowNewBigQueryFields is true and "
                          "allowBigQueryRequiredFieldRelaxation is true if ",
                          path, " has mode REQUIRED in order to update the Schema"));
      return;
    }
    TableFieldSchema added = p;
    if (added.mode != FieldMode::kRepeated) added.mode = FieldMode::kNullable;
    table->push_back(std::move(added));
    applied_->push_back({ChangeKind::kAddField, path,
                         absl::StrCat("add ", AV(FieldModeName(table->back().mode)), " ",
                                      AV(FieldTypeName(p.type)), " ", path)});
  }

  void Relax(TableFieldSchema* t, const std::string& path) {
    if (!options_.allow_relaxation) {
      Refuse(ChangeKind::kRelaxField, path, RelaxationRefused(path));
      return;
    }
    t->mode = FieldMode::kNullable;
    applied_->push_back(
        {ChangeKind::kRelaxField, path, absl::StrCat("relax ", path, " to NULLABLE")});
  }

  void Refuse(ChangeKind kind, const std::string& path, std::string message) {
    for (const SchemaChange& c : *refused_) {
      if (c.kind == kind && c.column == path) return;
    }
    refused_->push_back({kind, path, std::move(message)});
  }

  const EvolutionOptions& options_;
  std::vector<SchemaChange>* applied_;
  std::vector<SchemaChange>* refused_;
};

// "tags[2].x" -> "tags.x", lower-case: a RowError column as a schema path.
std::string SchemaPath(const std::string& column) {
  std::string out;
  out.reserve(column.size());
  bool in_index = false;
  for (char c : column) {
    if (c == '[') {
      in_index = true;
    } else if (c == ']') {
      in_index = false;
    } else if (!in_index) {
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

// True when one path is the other or inside it.
bool Related(const std::string& change_column, const std::string& error_column) {
  if (error_column.empty()) return false;
  const std::string a = SchemaPath(change_column);
  const std::string b = SchemaPath(error_column);
  auto within = [](const std::string& inner, const std::string& outer) {
    return inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
           inner[outer.size()] == '.';
  };
  return a == b || within(a, b) || within(b, a);
}

// An inferred (schemaless) proposal says NULLABLE for every field because
// inference cannot know better, not because the value may be null: a field
// it has carries a value (nulls are left out). Against the table: a field the
// table has REQUIRED is REQUIRED here (no relaxation wanted), and a REQUIRED
// column the record lacks is a NULLABLE field here (the value is null or
// absent: a relaxation, allowBigQueryRequiredFieldRelaxation's to grant).
void AlignInferred(const std::vector<TableFieldSchema>& table,
                   std::vector<TableFieldSchema>* proposed) {
  std::set<std::string> have;
  for (TableFieldSchema& p : *proposed) {
    have.insert(absl::AsciiStrToLower(p.name));
    const TableFieldSchema* t = nullptr;
    for (const TableFieldSchema& candidate : table) {
      if (absl::AsciiStrToLower(candidate.name) == absl::AsciiStrToLower(p.name)) t = &candidate;
    }
    if (t == nullptr) continue;
    if (t->mode == FieldMode::kRequired && p.mode == FieldMode::kNullable) {
      p.mode = FieldMode::kRequired;
    }
    if (t->type == FieldType::kRecord && p.type == FieldType::kRecord) {
      AlignInferred(t->fields, &p.fields);
    }
  }
  for (const TableFieldSchema& t : table) {
    if (t.mode != FieldMode::kRequired || have.count(absl::AsciiStrToLower(t.name)) > 0) continue;
    TableFieldSchema relaxed = t;
    relaxed.mode = FieldMode::kNullable;
    proposed->push_back(std::move(relaxed));
  }
}

bool IsSchemaless(const SinkRecord& record) {
  if (record.value_schema && record.value_schema->type() == Type::kStruct) return false;
  return record.value.kind() == Value::Kind::kMap;
}

}  // namespace

SchemaEvolution EvolveSchema(const TableSchema& table, const TableSchema& proposed,
                             const EvolutionOptions& options) {
  return EvolveSchema(table, absl::MakeConstSpan(&proposed, 1), options);
}

SchemaEvolution EvolveSchema(const TableSchema& table, absl::Span<const TableSchema> proposed,
                             const EvolutionOptions& options) {
  SchemaEvolution result;
  result.schema = table;
  Evolver evolver(options, &result.applied, &result.refused);
  for (const TableSchema& p : proposed) evolver.Fields(&result.schema.fields, p.fields, "");
  return result;
}

absl::StatusOr<TableSchema> UpdatedTableSchema(const TableSchema& table,
                                               absl::Span<const TableSchema> proposed,
                                               const EvolutionOptions& options) {
  SchemaEvolution evolution = EvolveSchema(table, proposed, options);
  if (!evolution.refused.empty()) {
    return absl::FailedPreconditionError(evolution.refused.front().message);
  }
  return std::move(evolution.schema);
}

FitDecision ClassifyRecord(const TableSchema& table, const SinkRecord& record,
                           const std::optional<RowError>& encode_error,
                           const SchemaMappingOptions& mapping, const EvolutionOptions& options) {
  FitDecision decision;
  if (!encode_error) return decision;
  decision.fit = RecordFit::kNeverFits;
  if (auto error = RecordTableSchema(record, mapping, &decision.proposal)) {
    decision.error = *std::move(error);
    decision.proposal = {};
    return decision;
  }
  if (IsSchemaless(record)) AlignInferred(table.fields, &decision.proposal.fields);
  SchemaEvolution evolution = EvolveSchema(table, decision.proposal, options);
  for (const SchemaChange& refused : evolution.refused) {
    if (Related(refused.column, encode_error->column)) {
      decision.error = {refused.column, refused.message};
      decision.proposal = {};
      return decision;
    }
  }
  for (const SchemaChange& applied : evolution.applied) {
    if (Related(applied.column, encode_error->column)) {
      decision.fit = RecordFit::kFitsAfterUpdate;
      return decision;
    }
  }
  // No change at the failing column: a value BigQuery refuses, whatever the schema.
  decision.error = *encode_error;
  decision.proposal = {};
  return decision;
}

FitDecision ClassifyRecord(const RowEncoder& encoder, const SinkRecord& record,
                           const SchemaMappingOptions& mapping, const EvolutionOptions& options) {
  std::string row;
  return ClassifyRecord(encoder.schema(), record, encoder.Encode(record, &row), mapping, options);
}

NewTablePlan SchemaForNewTable(absl::Span<const SinkRecord* const> records,
                               const SchemaMappingOptions& mapping) {
  NewTablePlan plan;
  plan.errors.resize(records.size());
  TableSchema previous;  // the last record's schema: most batches repeat one.
  bool have_previous = false;
  for (size_t i = 0; i < records.size(); ++i) {
    TableSchema schema;
    if (auto error = RecordTableSchema(*records[i], mapping, &schema)) {
      plan.errors[i] = *std::move(error);
      continue;
    }
    if (!plan.schema) {
      plan.schema = schema;
    } else if (!(have_previous && schema == previous)) {
      std::vector<TableFieldSchema> merged = plan.schema->fields;
      if (auto error = MergeColumns(schema.fields, &merged)) {
        error->message =
            absl::StrCat(error->message, " (an earlier record of the batch set the column type)");
        plan.errors[i] = *std::move(error);
        continue;
      }
      plan.schema->fields = std::move(merged);
    }
    previous = std::move(schema);
    have_previous = true;
  }
  if (plan.schema && !mapping.kafka_key_field.empty()) {
    const std::string name = mapping.sanitize_field_names ? SanitizeName(mapping.kafka_key_field)
                                                          : mapping.kafka_key_field;
    if (plan.schema->FindField(name) == nullptr) {
      TableFieldSchema key;
      key.name = name;
      key.type = FieldType::kString;
      key.mode = FieldMode::kNullable;
      plan.schema->fields.push_back(std::move(key));
    }
  }
  return plan;
}

}  // namespace ferry::bigquery
