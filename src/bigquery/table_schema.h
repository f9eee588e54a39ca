#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ferry::bigquery {

// BigQuery's REST resource model for tables (tables#resource), shared by the
// client and the emulator. JSON field names follow Google's REST API exactly.

enum class FieldType {
  kString,
  kBytes,
  kInteger,  // INT64
  kFloat,    // FLOAT64
  kNumeric,
  kBignumeric,
  kBoolean,  // BOOL
  kTimestamp,
  kDate,
  kTime,
  kDatetime,
  kGeography,
  kJson,
  kRecord,  // STRUCT
};
enum class FieldMode { kNullable, kRequired, kRepeated };

// Canonical REST names ("STRING", "INTEGER", "FLOAT", "BOOLEAN", "RECORD", ...);
// parsing also accepts the standard SQL aliases (INT64, FLOAT64, BOOL, STRUCT).
std::string_view FieldTypeName(FieldType type);
std::optional<FieldType> ParseFieldType(std::string_view name);
std::string_view FieldModeName(FieldMode mode);
std::optional<FieldMode> ParseFieldMode(std::string_view name);

struct TableFieldSchema {
  std::string name;
  FieldType type = FieldType::kString;
  FieldMode mode = FieldMode::kNullable;
  std::string description;
  std::vector<TableFieldSchema> fields;  // RECORD only.
  // The resource this field was read from had no "mode" (which means NULLABLE). BigQuery
  // echoes a schema as given, so ToJson then leaves "mode" out too; `mode` still reads
  // kNullable. Fields built in code keep false and are written with their mode. Last, so
  // that aggregate initialization of the members above still works.
  bool mode_omitted = false;

  const TableFieldSchema* FindField(std::string_view field_name) const;  // case-insensitive.
  // Compares what the field means: an omitted mode equals an explicit NULLABLE.
  bool operator==(const TableFieldSchema& other) const;
};

struct TableSchema {
  std::vector<TableFieldSchema> fields;
  const TableFieldSchema* FindField(std::string_view field_name) const;  // case-insensitive.
  bool operator==(const TableSchema&) const = default;
};

struct TimePartitioning {
  std::string type = "DAY";  // HOUR, DAY, MONTH, YEAR.
  std::string field;         // empty = ingestion time.
  std::optional<int64_t> expiration_ms;
  bool operator==(const TimePartitioning&) const = default;
};

struct TableReference {
  std::string project_id;
  std::string dataset_id;
  std::string table_id;
  // "projects/p/datasets/d/tables/t", as the Storage Write API names tables.
  std::string StoragePath() const;
  std::string DebugString() const;  // "p.d.t"
  bool operator==(const TableReference&) const = default;
};

struct Table {
  TableReference ref;
  TableSchema schema;
  std::optional<TimePartitioning> time_partitioning;
  std::vector<std::string> clustering_fields;
  std::string description;
  std::string friendly_name;  // "friendlyName"
  std::map<std::string, std::string> labels;
  std::optional<int64_t> expiration_time_ms;  // "expirationTime", ms since the epoch.
  std::optional<int64_t> num_rows;            // read-only, from get.
  // Read-only, from get/insert/patch: the resource's version. Sent back as If-Match by
  // RestClient::PatchTable so that a patch built from a stale read fails (HTTP 412) instead of
  // overwriting a concurrent change. Never written by ToJson.
  std::string etag;
  bool operator==(const Table&) const = default;
};

nlohmann::json ToJson(const TableFieldSchema& field);
nlohmann::json ToJson(const TableSchema& schema);
nlohmann::json ToJson(const Table& table);
absl::StatusOr<TableFieldSchema> TableFieldSchemaFromJson(const nlohmann::json& json);
absl::StatusOr<TableSchema> TableSchemaFromJson(const nlohmann::json& json);
absl::StatusOr<Table> TableFromJson(const nlohmann::json& json);

// BigQuery's limits on schemas (https://cloud.google.com/bigquery/quotas#table_limits and
// docs/schemas#column_names).
inline constexpr int kMaxFieldNameLength = 300;
inline constexpr int kMaxRecordNestingDepth = 15;
inline constexpr int kMaxColumns = 10000;
inline constexpr int kMaxClusteringFields = 4;

// True when `name` follows BigQuery's classic column-name rule: letters, digits and
// underscores, not starting with a digit, 1..300 characters.
bool IsValidFieldName(std::string_view name);

// Checks a schema as BigQuery's tables.insert does and returns InvalidArgument with
// BigQuery's wording for the first problem: invalid or reserved names, duplicate names
// (case-insensitive, per RECORD level), RECORD without fields, fields on a non-RECORD,
// nesting deeper than 15, more than 10,000 leaf columns.
absl::Status ValidateTableSchema(const TableSchema& schema);

// ValidateTableSchema plus the table-level rules of tables.insert: the time-partitioning
// type is HOUR/DAY/MONTH/YEAR and its field a top-level TIMESTAMP/DATE/DATETIME column,
// at most 4 clustering fields, each a top-level column.
absl::Status ValidateTable(const Table& table);

}  // namespace ferry::bigquery
