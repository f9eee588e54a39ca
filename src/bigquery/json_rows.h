#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "bigquery/proto_rows.h"
#include "bigquery/table_schema.h"
#include "record/sink_record.h"

// Rows for tabledata.insertAll (the legacy streaming API): the `json` object of
// each row, built from the same records, with the same mapping and the same
// pre-send checks, as the Storage Write API's rows (proto_rows.h).
namespace ferry::bigquery {

// Renders one serialized row of BuildRowDescriptor(schema), as RowEncoder
// writes it, as the insertAll `json` object (compact JSON text). Columns as
// insertAll takes them:
//   STRING, GEOGRAPHY, JSON (the JSON text), NUMERIC, BIGNUMERIC, DATETIME,
//   TIME -> string; BYTES -> base64 string; INTEGER -> decimal string (a JSON
//   number would pass through a double on the way); FLOAT -> number, or "NaN",
//   "Infinity", "-Infinity"; BOOLEAN -> true/false; TIMESTAMP ->
//   "YYYY-MM-DDTHH:MM:SS.ffffffZ" (exact microseconds); DATE -> "YYYY-MM-DD";
//   RECORD -> object; REPEATED -> array. Absent columns are left out (NULL).
// InvalidArgument when the bytes are not such a row.
absl::StatusOr<std::string> ProtoRowToJson(const TableSchema& schema, std::string_view row);

// Encodes records as insertAll `json` objects for one table schema. Everything
// BigQuery would reject is a RowError naming the column, found before sending,
// exactly as RowEncoder finds it (it is RowEncoder's encoding, rendered as
// JSON): see RowEncoder for the conversions (TIMESTAMP from Connect's epoch
// milliseconds, Timestamp micros or RFC 3339 text; maps as REPEATED
// RECORD(key, value); the Kafka data and key columns; ...).
//
// Column names must be proto identifiers, as for RowEncoder (flexible column
// names are refused by Create). Thread-safe for concurrent Encode calls.
class JsonRowEncoder {
 public:
  static absl::StatusOr<std::unique_ptr<JsonRowEncoder>> Create(TableSchema schema,
                                                                RowEncoderOptions options);
  JsonRowEncoder(const JsonRowEncoder&) = delete;
  JsonRowEncoder& operator=(const JsonRowEncoder&) = delete;

  const TableSchema& schema() const { return encoder_->schema(); }

  // On success *json holds the row's `json` object as compact JSON text.
  // put_attempt_id: as RowEncoder::Encode's.
  std::optional<RowError> Encode(const SinkRecord& record, std::string* json,
                                 std::string_view put_attempt_id = {}) const;

 private:
  explicit JsonRowEncoder(std::unique_ptr<RowEncoder> encoder) : encoder_(std::move(encoder)) {}
  std::unique_ptr<RowEncoder> encoder_;
};

// kcbq's insertId for a record, "topic-partition-offset", so that a record
// written again (after a retry or a restart) within BigQuery's de-duplication
// window is stored once.
std::string KcbqInsertId(const SinkRecord& record);

}  // namespace ferry::bigquery
