#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "bigquery/table_schema.h"
#include "record/schema.h"
#include "record/sink_record.h"
#include "record/value.h"

namespace ferry::bigquery {

// Debezium's logical types that kcbq's DebeziumLogicalConverters map (plus the
// nanosecond ones kcbq lacks). The comment is the Connect type they must be
// encoded as, and what the integer counts.
namespace debezium {
inline constexpr std::string_view kDate = "io.debezium.time.Date";            // INT32, days.
inline constexpr std::string_view kTime = "io.debezium.time.Time";            // INT32, ms of day.
inline constexpr std::string_view kMicroTime = "io.debezium.time.MicroTime";  // INT64, us of day.
inline constexpr std::string_view kNanoTime = "io.debezium.time.NanoTime";    // INT64, ns of day.
inline constexpr std::string_view kTimestamp = "io.debezium.time.Timestamp";  // INT64, epoch ms.
inline constexpr std::string_view kMicroTimestamp =
    "io.debezium.time.MicroTimestamp";                                                // INT64, us.
inline constexpr std::string_view kNanoTimestamp = "io.debezium.time.NanoTimestamp";  // INT64, ns.
inline constexpr std::string_view kZonedTimestamp = "io.debezium.time.ZonedTimestamp";  // STRING.
inline constexpr std::string_view kJson = "io.debezium.data.Json";                      // STRING.
// STRUCT(scale INT32, value BYTES): the unscaled value as big-endian two's complement.
inline constexpr std::string_view kVariableScaleDecimal = "io.debezium.data.VariableScaleDecimal";
}  // namespace debezium

// Connect's Decimal precision parameter (set by Confluent's Avro converter).
inline constexpr std::string_view kDecimalPrecisionParam = "connect.decimal.precision";
// Confluent's Avro converter keeps field docs as parameters of the record schema:
// "io.confluent.connect.avro.field.doc.<field>"; kcbq uses them as descriptions.
inline constexpr std::string_view kAvroFieldDocPrefix = "io.confluent.connect.avro.field.doc.";

// How a decimal becomes a column (Aiven's decimalHandlingMode and
// variableScaleDecimalHandlingMode): RECORD(scale INTEGER, value BYTES) with
// the unscaled value as two's complement, FLOAT (the nearest double: loses
// precision), NUMERIC or BIGNUMERIC (exact; values they cannot hold are
// refused, never rounded).
enum class DecimalHandling { kRecord, kFloat, kNumeric, kBignumeric };
std::string_view DecimalHandlingName(DecimalHandling mode);  // "RECORD", ...

// The Kafka data column's sub-field trackPutAttempts adds (Aiven's name).
inline constexpr char kPutAttemptIdField[] = "putAttemptId";

// What an integer written to a TIMESTAMP, TIME or DATE column counts.
enum class TimeUnit { kDays, kSeconds, kMillis, kMicros, kNanos };
std::string_view TimeUnitName(TimeUnit unit);  // "days", "milliseconds", ...

// The unit an integer value of this Connect schema counts in when written to a
// column of `column_type` (TIMESTAMP, DATETIME, TIME or DATE), from its logical
// type: Debezium's MicroTimestamp = microseconds, NanoTimestamp = nanoseconds,
// Timestamp = milliseconds, MicroTime/NanoTime/Time likewise, Date = days. An
// integer with no schema, or a schema that names no time type, counts in
// Connect's units: epoch milliseconds for TIMESTAMP/DATETIME, milliseconds of
// the day for TIME, days for DATE. nullopt for other column types.
std::optional<TimeUnit> IntegerTimeUnit(const Schema* schema, FieldType column_type);

// kcbq's FieldNameSanitizer.sanitizeName: every character other than
// [a-zA-Z0-9_] becomes '_', and a name that then does not start with a letter
// or '_' gets a leading '_'. Used for field names (sanitizeFieldNames) and for
// table names derived from topics (sanitizeTopics).
std::string SanitizeName(std::string_view name);

// Why a record (or one of its values) cannot become a row of its table, found
// before sending.
struct RowError {
  std::string column;  // dotted path, e.g. "kafka.timestamp" or "tags[2]"; "" for the whole row.
  std::string message;
};

struct SchemaMappingOptions {
  bool all_fields_nullable = false;   // allBQFieldsNullable
  bool sanitize_field_names = false;  // sanitizeFieldNames
  std::string kafka_key_field;        // kafkaKeyFieldName; empty = none.
  std::string kafka_data_field;       // kafkaDataFieldName; empty = none.
  // trackPutAttempts: the kafka data column has a putAttemptId sub-field.
  bool track_put_attempts = false;
  // convertDebeziumTimestampToInteger: Debezium's Timestamp (epoch millis)
  // is an INTEGER column holding the raw value instead of a TIMESTAMP.
  bool debezium_timestamp_as_integer = false;
  // decimalHandlingMode for Connect's Decimal; nullopt = ferry's default:
  // NUMERIC, or BIGNUMERIC when the scale or precision needs it.
  std::optional<DecimalHandling> decimal_handling;
  // variableScaleDecimalHandlingMode for Debezium's VariableScaleDecimal.
  DecimalHandling variable_scale_decimal_handling = DecimalHandling::kRecord;

  // Schemaless values (JsonConverter with schemas.enable=false) only:
  // dotted field paths, as written in the record (array indexes left out:
  // "items.attributes"), whose values become one JSON column whatever their
  // shape (e.g. a free-form payload).
  std::vector<std::string> json_fields;
  // Values BigQuery has no column type for (an array of arrays, an array mixing
  // kinds, RECORDs nested deeper than 15) become JSON columns instead of
  // making the record unwritable.
  bool unstorable_as_json = false;
};

// The column kafkaDataFieldName adds, in the layout of ferry's target table:
// NULLABLE RECORD(topic STRING, partition INTEGER, offset INTEGER,
// timestamp TIMESTAMP, key STRING), then putAttemptId STRING NULLABLE with
// put_attempt_id (trackPutAttempts; last, as Aiven appends it after its
// insertTime). topic/partition/offset are REQUIRED inside it (ferry always
// knows them); timestamp is NULL for records without one, key is NULL for
// null keys. (kcbq's layout is topic, partition, offset, insertTime, all
// NULLABLE; RowEncoder writes into either.)
TableFieldSchema KafkaDataField(const std::string& name, bool put_attempt_id = false);

// One Connect schema as a BigQuery column, as kcbq's BigQuerySchemaConverter:
// INT8..INT64 -> INTEGER, FLOAT32/64 -> FLOAT, BOOLEAN, STRING, BYTES,
// ARRAY -> the element's type, REPEATED; MAP -> REPEATED RECORD(key, value);
// STRUCT -> RECORD; Timestamp/Date/Time -> TIMESTAMP/DATE/TIME; ferry's Json
// and Debezium's Json -> JSON; Debezium's Date -> DATE, Time/MicroTime/
// NanoTime -> TIME, Timestamp/MicroTimestamp/NanoTimestamp/ZonedTimestamp ->
// TIMESTAMP (Timestamp -> INTEGER with debezium_timestamp_as_integer).
// Decimal per decimal_handling; by default NUMERIC, or BIGNUMERIC when its
// scale (> 9) or precision parameter (more than 29 integer digits) NUMERIC
// cannot hold (both kcbq forks default to FLOAT, which loses precision);
// beyond BIGNUMERIC (scale > 38, or more than 38 integer digits), or beyond
// NUMERIC with decimal_handling NUMERIC, is InvalidArgument. Debezium's
// VariableScaleDecimal per variable_scale_decimal_handling (RECORD: the
// STRUCT as it is). A logical type on the wrong Connect type is
// InvalidArgument ("... must be encoded as INT64"). Optional -> NULLABLE,
// required -> REQUIRED (always NULLABLE with all_fields_nullable). The Connect
// doc becomes the description. Returns nullopt for a STRUCT with no columns
// (kcbq drops it). BigQuery has no ARRAY of ARRAY: such schemas are
// InvalidArgument (kcbq silently flattens them).
absl::StatusOr<std::optional<TableFieldSchema>> ConnectFieldToBigQuery(
    const Schema& schema, std::string name, const SchemaMappingOptions& options);

// A record's table schema: the value schema's fields (must be a STRUCT, as
// kcbq requires), then the kafka data column and the kafka key column (from
// key_schema, NULLABLE) when configured, in kcbq's order. Column names must be
// unique (case-insensitively, as BigQuery's) after sanitizing.
absl::StatusOr<TableSchema> ConnectToTableSchema(const Schema& value_schema,
                                                 const Schema* key_schema,
                                                 const SchemaMappingOptions& options);

// Schema inference for schemaless values. The column one value needs:
// string -> STRING, integer -> INTEGER, other number -> FLOAT, boolean ->
// BOOLEAN, bytes -> BYTES, Timestamp/Date/Time -> TIMESTAMP/DATE/TIME,
// Decimal -> NUMERIC (BIGNUMERIC when the value needs it; or as
// decimal_handling says), map -> RECORD of
// its non-null entries, list -> REPEATED of its elements' unified type
// (INTEGER + FLOAT -> FLOAT; maps merge their keys), a Struct -> its
// schema's column; paths in json_fields -> JSON. Every inferred column is
// NULLABLE (lists REPEATED). A null, an empty list or map, or a list of nulls
// gives nullopt: no column until a value shows the type (a guessed STRING
// would fix the type forever: BigQuery never changes a column's type).
// Names are sanitized with sanitize_field_names; otherwise a name BigQuery
// refuses is an error. Errors name the field: a map with non-string keys, an
// array of arrays, a list mixing kinds, two keys that are one column
// (case-insensitively), nesting deeper than 15 (the last three become JSON
// with unstorable_as_json).
std::optional<RowError> InferField(const Value& value, const std::string& name,
                                   const SchemaMappingOptions& options,
                                   std::optional<TableFieldSchema>* out);

// The columns of a schemaless record value: a Map with string keys (or a
// Struct); each entry as InferField.
std::optional<RowError> InferColumns(const Value& value, const SchemaMappingOptions& options,
                                     std::vector<TableFieldSchema>* out);

// Merges `other` into `into` where both describe data to be written (records
// of one batch, elements of one list): fields match case-insensitively; new
// fields are appended; a field missing on one side, or NULLABLE on one side,
// is NULLABLE (REPEATED stays REPEATED); INTEGER + FLOAT -> FLOAT, NUMERIC +
// BIGNUMERIC -> BIGNUMERIC; RECORDs merge recursively. Any other difference
// of type, or of REPEATED-ness, is an error naming the field; `into` is then
// unspecified.
std::optional<RowError> MergeColumns(const std::vector<TableFieldSchema>& other,
                                     std::vector<TableFieldSchema>* into);

// The table schema one record needs, with or without a Connect schema: its
// value's columns (ConnectToTableSchema for a STRUCT schema or Struct value,
// InferColumns for a schemaless map), then the kafka data column, then the
// kafka key column (from the key schema; inferred from the key value when it
// has none; absent when both are null). Checked as BigQuery's tables.insert
// would (ValidateTableSchema). Errors are the record's own: a tombstone, a
// value that is not a struct or map ("Top-level Kafka Connect schema must be
// of type 'struct'"), an unstorable schema.
std::optional<RowError> RecordTableSchema(const SinkRecord& record,
                                          const SchemaMappingOptions& options, TableSchema* out);

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
