#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "bigquery/table_schema.h"
#include "record/schema.h"

namespace ferry::bigquery {

// kcbq's FieldNameSanitizer.sanitizeName: every character other than
// [a-zA-Z0-9_] becomes '_', and a name that then does not start with a letter
// or '_' gets a leading '_'. Used for field names (sanitizeFieldNames) and for
// table names derived from topics (sanitizeTopics).
std::string SanitizeName(std::string_view name);

struct SchemaMappingOptions {
  bool all_fields_nullable = false;   // allBQFieldsNullable
  bool sanitize_field_names = false;  // sanitizeFieldNames
  std::string kafka_key_field;        // kafkaKeyFieldName; empty = none.
  std::string kafka_data_field;       // kafkaDataFieldName; empty = none.
};

// The column kafkaDataFieldName adds, in the layout of ferry's target table:
// NULLABLE RECORD(topic STRING, partition INTEGER, offset INTEGER,
// timestamp TIMESTAMP, key STRING). topic/partition/offset are REQUIRED
// inside it (ferry always knows them); timestamp is NULL for records without
// one, key is NULL for null keys.
TableFieldSchema KafkaDataField(const std::string& name);

// One Connect schema as a BigQuery column, as kcbq's BigQuerySchemaConverter:
// INT8..INT64 -> INTEGER, FLOAT32/64 -> FLOAT, BOOLEAN, STRING, BYTES,
// ARRAY -> the element's type, REPEATED; MAP -> REPEATED RECORD(key, value);
// STRUCT -> RECORD; Timestamp/Date/Time -> TIMESTAMP/DATE/TIME; Decimal ->
// NUMERIC; ferry's Json -> JSON. Optional -> NULLABLE, required -> REQUIRED
// (always NULLABLE with all_fields_nullable). The Connect doc becomes the
// description. Returns nullopt for a STRUCT with no columns (kcbq drops it).
// BigQuery has no ARRAY of ARRAY: such schemas are InvalidArgument.
absl::StatusOr<std::optional<TableFieldSchema>> ConnectFieldToBigQuery(
    const Schema& schema, std::string name, const SchemaMappingOptions& options);

// A record's table schema: the value schema's fields (must be a STRUCT, as
// kcbq requires), then the kafka key column (from key_schema, NULLABLE) and
// the kafka data column when configured. Column names must be unique
// (case-insensitively, as BigQuery's) after sanitizing.
absl::StatusOr<TableSchema> ConnectToTableSchema(const Schema& value_schema,
                                                 const Schema* key_schema,
                                                 const SchemaMappingOptions& options);

// Topic -> table, as kcbq 2.x's TableNameUtils.getDataSetAndTableName: with a
// topic2TableMap, the mapped table (or the topic itself when unmapped), taken
// as written; without one, "dataset:table" topics (produced by routing SMTs)
// name their dataset, and the table name is sanitized when sanitizeTopics.
class TableRouter {
 public:
  TableRouter(std::string project, std::string default_dataset,
              std::map<std::string, std::string> topic_to_table, bool sanitize_topics);

  absl::StatusOr<TableReference> Route(const std::string& topic) const;

 private:
  std::string project_;
  std::string default_dataset_;
  std::map<std::string, std::string> topic_to_table_;
  bool sanitize_topics_;
};

}  // namespace ferry::bigquery
