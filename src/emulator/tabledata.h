#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "absl/status/statusor.h"
#include "bigquery/table_schema.h"

// tabledata.list rendering of stored rows, as BigQuery's REST API renders them.
namespace ferry::emulator {

// The schema restricted to `selected_fields` ("a,b.c"; empty = all), in table
// order. InvalidArgument for a name that is not in the schema.
absl::StatusOr<bigquery::TableSchema> SelectFields(const bigquery::TableSchema& schema,
                                                   std::string_view selected_fields);

// How TIMESTAMP cells are rendered (tabledata.list `formatOptions`).
enum class TimestampFormat {
  kFloatSeconds,  // "1.6094592E9": Java double notation, the API's default
  kInt64Micros,   // "1609459200000000"
  kIso8601,       // "2021-01-01T00:00:00.000000000000Z": always 12 fractional digits
};

// The format asked for by `formatOptions.useInt64Timestamp` ("true"/"false"/"")
// and `formatOptions.timestampOutputFormat` (TIMESTAMP_OUTPUT_FORMAT_UNSPECIFIED,
// FLOAT64, INT64, ISO8601_STRING or ""). InvalidArgument, as BigQuery answers, for
// an unknown format or for FLOAT64/ISO8601_STRING together with useInt64Timestamp.
absl::StatusOr<TimestampFormat> ParseTimestampFormat(std::string_view use_int64_timestamp,
                                                     std::string_view timestamp_output_format);

// One stored row (README.md) -> {"f":[{"v":...}, ...]} over `schema`'s columns:
// scalars as strings, NULL as null, RECORD as {"v":{"f":[...]}}, REPEATED as
// {"v":[{"v":...}]}, TIMESTAMP as `timestamps` says.
nlohmann::json RenderRow(const bigquery::TableSchema& schema, const nlohmann::json& stored,
                         TimestampFormat timestamps);

}  // namespace ferry::emulator
