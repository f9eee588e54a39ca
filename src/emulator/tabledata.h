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

// One stored row (README.md) -> {"f":[{"v":...}, ...]} over `schema`'s columns:
// scalars as strings, NULL as null, RECORD as {"v":{"f":[...]}}, REPEATED as
// {"v":[{"v":...}]}, TIMESTAMP as seconds in Java double notation ("1.6094592E9")
// or, with `int64_timestamp`, as a string of microseconds.
nlohmann::json RenderRow(const bigquery::TableSchema& schema, const nlohmann::json& stored,
                         bool int64_timestamp);

}  // namespace ferry::emulator
