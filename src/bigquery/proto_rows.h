#pragma once

#include <google/protobuf/descriptor.pb.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
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

// Why a record cannot become a row of its table, found before sending.
struct RowError {
  std::string column;  // dotted path, e.g. "kafka.timestamp" or "tags[2]"; "" for the whole row.
  std::string message;
};

struct RowEncoderOptions {
  bool sanitize_field_names = false;  // record field names sanitized before matching columns.
  std::string kafka_key_field;        // column receiving the record key; empty = none.
  std::string kafka_data_field;       // column receiving KafkaDataField(); empty = none.
};

// Encodes records as serialized rows of BuildRowDescriptor(schema), writing
// the protobuf wire format directly (no reflection on the hot path).
//
// Values are matched to columns by name (case-insensitively, as BigQuery).
// The record value must be a Struct, or a schemaless Map with string keys.
// Everything BigQuery would reject for the row is reported as a RowError
// naming the column: a REQUIRED column missing or null, a value of the wrong
// kind, a field the table does not have (null-valued unknown fields are
// ignored: they carry nothing), TIMESTAMP/DATE outside 0001-01-01..9999-12-31,
// text that is not UTF-8, invalid JSON text in a JSON column, NUMERIC outside
// its precision, NULL inside an ARRAY.
//
// Conversions (documented contract):
// - TIMESTAMP <- Timestamp; an integer is Connect's epoch MILLISECONDS (never
//   micros or seconds: mis-scaling is silent data corruption); an RFC 3339
//   string ("2024-05-01T12:00:00.5Z", offsets allowed).
// - DATE <- Date or "YYYY-MM-DD". TIME <- Time or text. DATETIME <- Timestamp
//   (UTC civil time) or text.
// - NUMERIC/BIGNUMERIC <- Decimal, integer, or decimal text.
// - FLOAT <- float or integer. INTEGER <- integer only.
// - JSON <- JSON text (validated), or any other value rendered as JSON
//   (schemaless maps and arrays become objects and arrays; bytes base64).
// - REPEATED RECORD(key, value) <- a Map (kcbq's map layout).
// - The kafka data column gets topic/partition/offset/timestamp, and the key:
//   the key as text when it is a string, else the raw key bytes when they are
//   UTF-8, else their base64.
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
  std::optional<RowError> Encode(const SinkRecord& record, std::string* row) const;

  struct Plan;  // per-RECORD lookup tables; defined in the .cc.

 private:
  RowEncoder(TableSchema schema, RowEncoderOptions options,
             google::protobuf::DescriptorProto descriptor);

  TableSchema schema_;
  RowEncoderOptions options_;
  google::protobuf::DescriptorProto descriptor_;
  std::unique_ptr<Plan> plan_;
};

// Renders a Connect value as JSON text (for JSON columns). Fails on NaN or
// infinite floats and on maps whose keys are not strings.
absl::StatusOr<std::string> ValueToJsonText(const Value& value);

// True if the bytes are well-formed UTF-8 (no overlongs, surrogates, or
// code points above U+10FFFF).
bool IsValidUtf8(std::string_view text);

}  // namespace ferry::bigquery
