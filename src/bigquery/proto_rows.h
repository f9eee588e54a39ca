#pragma once

#include <google/protobuf/descriptor.pb.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "bigquery/schema_mapping.h"
#include "bigquery/table_schema.h"
#include "record/sink_record.h"

namespace ferry::bigquery {

// A self-contained DescriptorProto for AppendRows' ProtoSchema.proto_descriptor:
// one field per column (field numbers 1..n in column order, names = column
// names), RECORD columns as nested types of the root message (so the
// descriptor needs no imports), types per BigQuery's documented mapping:
// STRING/JSON/NUMERIC/BIGNUMERIC/DATETIME/TIME/GEOGRAPHY -> string,
// BYTES -> bytes, INTEGER -> int64, FLOAT -> double, BOOLEAN -> bool,
// TIMESTAMP -> int64 (microseconds since the epoch), DATE -> int32 (days since
// the epoch), RECORD -> message. REPEATED -> repeated; NULLABLE and REQUIRED
// -> optional (ferry checks REQUIRED itself before sending, where it can name
// the record). Fails for a column name that is not a proto identifier.
absl::StatusOr<google::protobuf::DescriptorProto> BuildRowDescriptor(const TableSchema& schema);

struct RowEncoderOptions {
  bool sanitize_field_names = false;  // record field names sanitized before matching columns.
  std::string kafka_key_field;        // column receiving the record key; empty = none.
  std::string kafka_data_field;       // column receiving KafkaDataField(); empty = none.
  // ignoreUnknownFields: a field (at any depth) the table has no column for
  // is dropped instead of failing the row; so are the kafka key and data
  // values when the table lacks their columns.
  bool ignore_unknown_fields = false;
  // trackPutAttempts: the kafka data column's putAttemptId gets the id
  // passed to Encode. A table whose kafka data column lacks it fails the row
  // at "<kafka data>.putAttemptId" (an allowed schema update adds it), unless
  // ignore_unknown_fields.
  bool track_put_attempts = false;
  // preserveKafkaTopicPartitionOffset: the kafka data column's topic,
  // partition and offset are the record's as consumed (SinkRecord::raw,
  // before transforms), not what transforms made of them.
  bool original_coordinates = false;
  // decimalHandlingMode / variableScaleDecimalHandlingMode: FLOAT lets a
  // Decimal (or a VariableScaleDecimal) into a FLOAT column as the nearest
  // double; other values keep refusing it (precision would be lost).
  std::optional<DecimalHandling> decimal_handling;
  DecimalHandling variable_scale_decimal_handling = DecimalHandling::kRecord;
};

// Encodes records as serialized rows of BuildRowDescriptor(schema), writing
// the protobuf wire format directly (no reflection on the hot path).
//
// Values are matched to columns by name (case-insensitively, as BigQuery).
// The record value must be a Struct, or a schemaless Map with string keys.
// Everything BigQuery would reject for the row is reported as a RowError
// naming the column: a REQUIRED column missing or null, a value of the wrong
// kind, a field the table does not have (null-valued unknown fields are
// ignored: they carry nothing), TIMESTAMP/DATETIME/DATE outside
// 0001-01-01..9999-12-31, TIME outside the day, TIME/DATETIME text that is not
// BigQuery's form or has more than microsecond precision, text that is not
// UTF-8, invalid JSON text in a JSON column, NUMERIC/BIGNUMERIC outside their
// range or scale (never rounded), NULL or an array inside an ARRAY.
//
// Conversions (documented contract):
// - Integers for TIMESTAMP/DATETIME count in the unit the value's Connect
//   schema declares (IntegerTimeUnit): Debezium's MicroTimestamp = micros,
//   NanoTimestamp = nanos (floored to micros, BigQuery's precision),
//   Timestamp = millis; an integer with no such schema is Connect's epoch
//   MILLISECONDS. The unit is never guessed from the magnitude: a value that
//   is out of BigQuery's range in its declared unit is a RowError that says
//   what it would be in the units that make it plausible (so a micros value
//   declared as millis is caught, not written 1000x off).
// - TIMESTAMP also <- Timestamp, or RFC 3339 text ("2024-05-01T12:00:00.5Z",
//   offsets allowed; Debezium's ZonedTimestamp).
// - DATE <- Date, days since the epoch (Debezium's Date), or "YYYY-MM-DD".
// - TIME <- Time, an integer of the day in its declared unit (Debezium's
//   Time = millis, MicroTime = micros, NanoTime = nanos; else millis), or
//   [H]H:[M]M:[S]S[.ffffff] text. DATETIME <- Timestamp or an epoch integer
//   (UTC civil time), or YYYY-MM-DD[ HH:MM:SS[.ffffff]] text.
// - NUMERIC/BIGNUMERIC <- Decimal, Debezium's VariableScaleDecimal, integer,
//   or decimal text.
// - FLOAT <- float or integer (and Decimal / VariableScaleDecimal as the
//   nearest double when their handling mode is FLOAT). INTEGER <- integer,
//   or a float that is a whole number in INT64's range (3.0; never 3.5).
// - RECORD(scale, value) <- Decimal: the scale and the unscaled value as
//   minimal big-endian two's complement (Java's BigInteger.toByteArray()).
// - JSON <- JSON text (validated), or any other value rendered as JSON
//   (schemaless maps and arrays become objects and arrays; bytes base64).
// - REPEATED RECORD(key, value) <- a Map (kcbq's map layout).
// - The kafka data column gets the sub-fields the table has: topic,
//   partition, offset, timestamp (the record's), key (the key as text when it
//   is a string, else the raw key bytes when they are UTF-8, else their
//   base64), kcbq's insertTime (the time of encoding), and Aiven's
//   putAttemptId (track_put_attempts), so both ferry's and kcbq's layouts
//   take the rows.
//
// Thread-safe for concurrent Encode calls (immutable after Create).
class RowEncoder {
 public:
  static absl::StatusOr<std::unique_ptr<RowEncoder>> Create(TableSchema schema,
                                                            RowEncoderOptions options);
  ~RowEncoder();
  RowEncoder(const RowEncoder&) = delete;
  RowEncoder& operator=(const RowEncoder&) = delete;

  const TableSchema& schema() const { return schema_; }
  const google::protobuf::DescriptorProto& descriptor() const { return descriptor_; }

  // On success *row holds the serialized row; on failure *row is unspecified.
  // put_attempt_id is the kafka data column's putAttemptId with
  // track_put_attempts (empty = NULL).
  std::optional<RowError> Encode(const SinkRecord& record, std::string* row,
                                 std::string_view put_attempt_id = {}) const;

  struct Plan;  // per-RECORD lookup tables; defined in the .cc.

 private:
  RowEncoder(TableSchema schema, RowEncoderOptions options,
             google::protobuf::DescriptorProto descriptor);

  TableSchema schema_;
  RowEncoderOptions options_;
  google::protobuf::DescriptorProto descriptor_;
  std::unique_ptr<Plan> plan_;
  const TableFieldSchema* kafka_data_column_ = nullptr;  // in schema_; null = none.
};

// Renders a Connect value as JSON text (for JSON columns). Fails on NaN or
// infinite floats and on maps whose keys are not strings.
absl::StatusOr<std::string> ValueToJsonText(const Value& value);

// True if the bytes are well-formed UTF-8 (no overlongs, surrogates, or
// code points above U+10FFFF).
bool IsValidUtf8(std::string_view text);

}  // namespace ferry::bigquery
