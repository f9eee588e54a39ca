#include "bigquery/table_schema.h"

#include <array>
#include <cctype>
#include <cstdint>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ferry::bigquery {
namespace {

using json = nlohmann::json;

struct TypeName {
  std::string_view name;
  FieldType type;
};

// Canonical names first: FieldTypeName returns the first entry of a type.
constexpr std::array<TypeName, 20> kTypeNames = {{
    {"STRING", FieldType::kString},     {"BYTES", FieldType::kBytes},
    {"INTEGER", FieldType::kInteger},   {"FLOAT", FieldType::kFloat},
    {"NUMERIC", FieldType::kNumeric},   {"BIGNUMERIC", FieldType::kBignumeric},
    {"BOOLEAN", FieldType::kBoolean},   {"TIMESTAMP", FieldType::kTimestamp},
    {"DATE", FieldType::kDate},         {"TIME", FieldType::kTime},
    {"DATETIME", FieldType::kDatetime}, {"GEOGRAPHY", FieldType::kGeography},
    {"JSON", FieldType::kJson},         {"RECORD", FieldType::kRecord},
    {"INT64", FieldType::kInteger},     {"FLOAT64", FieldType::kFloat},
    {"BOOL", FieldType::kBoolean},      {"STRUCT", FieldType::kRecord},
    {"DECIMAL", FieldType::kNumeric},   {"BIGDECIMAL", FieldType::kBignumeric},
}};

std::string Upper(std::string_view s) {
  return absl::AsciiStrToUpper(absl::string_view(s.data(), s.size()));
}
std::string Lower(std::string_view s) {
  return absl::AsciiStrToLower(absl::string_view(s.data(), s.size()));
}

template <typename Field>
const Field* FindIn(const std::vector<Field>& fields, std::string_view name) {
  for (const Field& f : fields) {
    if (absl::EqualsIgnoreCase(f.name, absl::string_view(name.data(), name.size()))) return &f;
  }
  return nullptr;
}

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

// REST encodes int64 as a JSON string; clients also send plain numbers.
absl::StatusOr<int64_t> Int64FromJson(const json& j, std::string_view what) {
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_string()) {
    int64_t v = 0;
    if (absl::SimpleAtoi(j.get<std::string>(), &v)) return v;
  }
  return Invalid(absl::StrCat("Invalid value for ", std::string(what), ": ", j.dump(),
                              " is not a valid value"));
}

absl::StatusOr<std::string> StringMember(const json& j, const char* key, bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return Invalid(absl::StrCat("Missing required field: ", key, "."));
    return std::string();
  }
  if (!it->is_string()) {
    return Invalid(
        absl::StrCat("Invalid value for ", key, ": ", it->dump(), " is not a valid value"));
  }
  return it->get<std::string>();
}

constexpr std::array<std::string_view, 6> kReservedPrefixes = {
    "_TABLE_", "_FILE_", "_PARTITION", "_ROW_TIMESTAMP", "__ROOT__", "_COLIDENTIFIER"};

absl::Status ValidateFields(const std::vector<TableFieldSchema>& fields, const std::string& prefix,
                            int depth, int& leaf_columns) {
  std::set<std::string> seen;
  for (const TableFieldSchema& field : fields) {
    const std::string path = prefix.empty() ? field.name : absl::StrCat(prefix, ".", field.name);
    if (field.name.empty()) return Invalid("Empty field name");
    if (!IsValidFieldName(field.name)) {
      return Invalid(absl::StrCat("Invalid field name \"", field.name,
                                  "\". Fields must contain only letters, numbers, and "
                                  "underscores, start with a letter or underscore, and be at "
                                  "most ",
                                  kMaxFieldNameLength, " characters long."));
    }
    const std::string upper = Upper(field.name);
    for (std::string_view reserved : kReservedPrefixes) {
      if (absl::StartsWith(upper, absl::string_view(reserved.data(), reserved.size()))) {
        return Invalid(absl::StrCat(
            "Invalid field name \"", field.name,
            "\". Field names are not allowed to start with the (case-insensitive) prefixes "
            "_PARTITION, _TABLE_, _FILE_, _ROW_TIMESTAMP, __ROOT__ and _COLIDENTIFIER"));
      }
    }
    if (!seen.insert(Lower(field.name)).second) {
      return Invalid(absl::StrCat("Field ", path, " already exists in schema"));
    }
    if (field.type == FieldType::kRecord) {
      if (field.fields.empty()) {
        return Invalid(absl::StrCat("Field ", path, " is type RECORD but has no schema"));
      }
      if (depth > kMaxRecordNestingDepth) {
        return Invalid(absl::StrCat("Field ", path, ": Exceeded maximum nesting depth of ",
                                    kMaxRecordNestingDepth, " levels of RECORD fields"));
      }
      if (absl::Status s = ValidateFields(field.fields, path, depth + 1, leaf_columns); !s.ok()) {
        return s;
      }
    } else {
      if (!field.fields.empty()) {
        return Invalid(absl::StrCat("Field ", path, " is type ",
                                    std::string(FieldTypeName(field.type)),
                                    " and cannot have a schema"));
      }
      ++leaf_columns;
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view FieldTypeName(FieldType type) {
  for (const TypeName& t : kTypeNames) {
    if (t.type == type) return t.name;
  }
  return "STRING";
}

std::optional<FieldType> ParseFieldType(std::string_view name) {
  const std::string upper = Upper(name);
  for (const TypeName& t : kTypeNames) {
    if (t.name == upper) return t.type;
  }
  return std::nullopt;
}

std::string_view FieldModeName(FieldMode mode) {
  switch (mode) {
    case FieldMode::kNullable:
      return "NULLABLE";
    case FieldMode::kRequired:
      return "REQUIRED";
    case FieldMode::kRepeated:
      return "REPEATED";
  }
  return "NULLABLE";
}

std::optional<FieldMode> ParseFieldMode(std::string_view name) {
  const std::string upper = Upper(name);
  if (upper == "NULLABLE") return FieldMode::kNullable;
  if (upper == "REQUIRED") return FieldMode::kRequired;
  if (upper == "REPEATED") return FieldMode::kRepeated;
  return std::nullopt;
}

const TableFieldSchema* TableFieldSchema::FindField(std::string_view field_name) const {
  return FindIn(fields, field_name);
}

bool TableFieldSchema::operator==(const TableFieldSchema& other) const {
  return name == other.name && type == other.type && mode == other.mode &&
         description == other.description && fields == other.fields;
}

const TableFieldSchema* TableSchema::FindField(std::string_view field_name) const {
  return FindIn(fields, field_name);
}

std::string TableReference::StoragePath() const {
  return absl::StrCat("projects/", project_id, "/datasets/", dataset_id, "/tables/", table_id);
}

std::string TableReference::DebugString() const {
  return absl::StrCat(project_id, ".", dataset_id, ".", table_id);
}

json ToJson(const TableFieldSchema& field) {
  json j = json::object();
  j["name"] = field.name;
  j["type"] = std::string(FieldTypeName(field.type));
  if (!(field.mode_omitted && field.mode == FieldMode::kNullable)) {
    j["mode"] = std::string(FieldModeName(field.mode));
  }
  if (!field.description.empty()) j["description"] = field.description;
  if (!field.fields.empty()) {
    json sub = json::array();
    for (const TableFieldSchema& f : field.fields) sub.push_back(ToJson(f));
    j["fields"] = std::move(sub);
  }
  return j;
}

json ToJson(const TableSchema& schema) {
  json fields = json::array();
  for (const TableFieldSchema& f : schema.fields) fields.push_back(ToJson(f));
  return json{{"fields", std::move(fields)}};
}

json ToJson(const Table& table) {
  json j = json::object();
  j["kind"] = "bigquery#table";
  j["id"] = absl::StrCat(table.ref.project_id, ":", table.ref.dataset_id, ".", table.ref.table_id);
  j["tableReference"] = {{"projectId", table.ref.project_id},
                         {"datasetId", table.ref.dataset_id},
                         {"tableId", table.ref.table_id}};
  j["schema"] = ToJson(table.schema);
  if (table.time_partitioning) {
    json tp = {{"type", table.time_partitioning->type}};
    if (!table.time_partitioning->field.empty()) tp["field"] = table.time_partitioning->field;
    if (table.time_partitioning->expiration_ms) {
      tp["expirationMs"] = std::to_string(*table.time_partitioning->expiration_ms);
    }
    j["timePartitioning"] = std::move(tp);
  }
  if (!table.clustering_fields.empty()) {
    j["clustering"] = {{"fields", table.clustering_fields}};
  }
  if (!table.description.empty()) j["description"] = table.description;
  if (!table.friendly_name.empty()) j["friendlyName"] = table.friendly_name;
  if (!table.labels.empty()) j["labels"] = table.labels;
  if (table.expiration_time_ms) j["expirationTime"] = std::to_string(*table.expiration_time_ms);
  if (table.num_rows) j["numRows"] = std::to_string(*table.num_rows);
  j["type"] = "TABLE";
  return j;
}

absl::StatusOr<TableFieldSchema> TableFieldSchemaFromJson(const json& j) {
  if (!j.is_object()) return Invalid("Invalid field: expected a JSON object");
  TableFieldSchema field;
  absl::StatusOr<std::string> name = StringMember(j, "name", /*required=*/true);
  if (!name.ok()) return name.status();
  field.name = *std::move(name);
  absl::StatusOr<std::string> type = StringMember(j, "type", /*required=*/false);
  if (!type.ok()) return type.status();
  if (type->empty()) {
    return Invalid(absl::StrCat("Field ", field.name, ": Missing required field: type."));
  }
  std::optional<FieldType> parsed_type = ParseFieldType(*type);
  if (!parsed_type)
    return Invalid(absl::StrCat("Invalid value for type: ", *type, " is not a valid value"));
  field.type = *parsed_type;
  absl::StatusOr<std::string> mode = StringMember(j, "mode", /*required=*/false);
  if (!mode.ok()) return mode.status();
  if (!mode->empty()) {
    std::optional<FieldMode> parsed_mode = ParseFieldMode(*mode);
    if (!parsed_mode)
      return Invalid(absl::StrCat("Invalid value for mode: ", *mode, " is not a valid value"));
    field.mode = *parsed_mode;
  } else {
    field.mode_omitted = true;
  }
  absl::StatusOr<std::string> description = StringMember(j, "description", /*required=*/false);
  if (!description.ok()) return description.status();
  field.description = *std::move(description);
  if (auto it = j.find("fields"); it != j.end() && !it->is_null()) {
    if (!it->is_array())
      return Invalid(absl::StrCat("Field ", field.name, ": fields must be a list"));
    for (const json& sub : *it) {
      absl::StatusOr<TableFieldSchema> parsed = TableFieldSchemaFromJson(sub);
      if (!parsed.ok()) return parsed.status();
      field.fields.push_back(*std::move(parsed));
    }
  }
  return field;
}

absl::StatusOr<TableSchema> TableSchemaFromJson(const json& j) {
  TableSchema schema;
  if (j.is_null()) return schema;
  if (!j.is_object()) return Invalid("Invalid schema: expected a JSON object");
  auto it = j.find("fields");
  if (it == j.end() || it->is_null()) return schema;
  if (!it->is_array()) return Invalid("Invalid schema: fields must be a list");
  for (const json& f : *it) {
    absl::StatusOr<TableFieldSchema> parsed = TableFieldSchemaFromJson(f);
    if (!parsed.ok()) return parsed.status();
    schema.fields.push_back(*std::move(parsed));
  }
  return schema;
}

absl::StatusOr<Table> TableFromJson(const json& j) {
  if (!j.is_object()) return Invalid("Invalid table resource: expected a JSON object");
  Table table;
  if (auto it = j.find("tableReference"); it != j.end() && it->is_object()) {
    for (auto [key, out] : {std::pair{"projectId", &table.ref.project_id},
                            std::pair{"datasetId", &table.ref.dataset_id},
                            std::pair{"tableId", &table.ref.table_id}}) {
      absl::StatusOr<std::string> v = StringMember(*it, key, /*required=*/false);
      if (!v.ok()) return v.status();
      *out = *std::move(v);
    }
  }
  if (auto it = j.find("schema"); it != j.end()) {
    absl::StatusOr<TableSchema> schema = TableSchemaFromJson(*it);
    if (!schema.ok()) return schema.status();
    table.schema = *std::move(schema);
  }
  if (auto it = j.find("timePartitioning"); it != j.end() && it->is_object()) {
    TimePartitioning tp;
    absl::StatusOr<std::string> type = StringMember(*it, "type", /*required=*/false);
    if (!type.ok()) return type.status();
    if (!type->empty()) tp.type = Upper(*type);
    absl::StatusOr<std::string> field = StringMember(*it, "field", /*required=*/false);
    if (!field.ok()) return field.status();
    tp.field = *std::move(field);
    if (auto e = it->find("expirationMs"); e != it->end() && !e->is_null()) {
      absl::StatusOr<int64_t> ms = Int64FromJson(*e, "timePartitioning.expirationMs");
      if (!ms.ok()) return ms.status();
      tp.expiration_ms = *ms;
    }
    table.time_partitioning = std::move(tp);
  }
  if (auto it = j.find("clustering"); it != j.end() && it->is_object()) {
    if (auto f = it->find("fields"); f != it->end() && f->is_array()) {
      for (const json& name : *f) {
        if (!name.is_string()) return Invalid("Invalid value for clustering.fields");
        table.clustering_fields.push_back(name.get<std::string>());
      }
    }
  }
  absl::StatusOr<std::string> description = StringMember(j, "description", /*required=*/false);
  if (!description.ok()) return description.status();
  table.description = *std::move(description);
  absl::StatusOr<std::string> friendly_name = StringMember(j, "friendlyName", /*required=*/false);
  if (!friendly_name.ok()) return friendly_name.status();
  table.friendly_name = *std::move(friendly_name);
  if (auto it = j.find("labels"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return Invalid("Invalid value for labels: expected a map");
    for (const auto& [key, value] : it->items()) {
      // A null value deletes the label in tables.patch; there is nothing to keep.
      if (value.is_null()) continue;
      if (!value.is_string()) {
        return Invalid(absl::StrCat("Invalid value for labels[", key, "]: ", value.dump(),
                                    " is not a valid value"));
      }
      table.labels[key] = value.get<std::string>();
    }
  }
  if (auto it = j.find("expirationTime"); it != j.end() && !it->is_null()) {
    absl::StatusOr<int64_t> ms = Int64FromJson(*it, "expirationTime");
    if (!ms.ok()) return ms.status();
    table.expiration_time_ms = *ms;
  }
  if (auto it = j.find("numRows"); it != j.end() && !it->is_null()) {
    absl::StatusOr<int64_t> n = Int64FromJson(*it, "numRows");
    if (!n.ok()) return n.status();
    table.num_rows = *n;
  }
  absl::StatusOr<std::string> etag = StringMember(j, "etag", /*required=*/false);
  if (!etag.ok()) return etag.status();
  table.etag = *std::move(etag);
  return table;
}

bool IsValidFieldName(std::string_view name) {
  if (name.empty() || name.size() > static_cast<size_t>(kMaxFieldNameLength)) return false;
  const auto first = static_cast<unsigned char>(name.front());
  if (!(std::isalpha(first) || first == '_')) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!(u < 0x80 && (std::isalnum(u) || u == '_'))) return false;
  }
  return true;
}

absl::Status ValidateTableSchema(const TableSchema& schema) {
  int leaf_columns = 0;
  if (absl::Status s = ValidateFields(schema.fields, "", 1, leaf_columns); !s.ok()) return s;
  if (leaf_columns > kMaxColumns) {
    return Invalid(absl::StrCat("Too many total leaf fields: ", leaf_columns,
                                ", max allowed field count: ", kMaxColumns));
  }
  return absl::OkStatus();
}

absl::Status ValidateTable(const Table& table) {
  if (absl::Status s = ValidateTableSchema(table.schema); !s.ok()) return s;
  if (table.time_partitioning) {
    const TimePartitioning& tp = *table.time_partitioning;
    if (tp.type != "HOUR" && tp.type != "DAY" && tp.type != "MONTH" && tp.type != "YEAR") {
      return Invalid(absl::StrCat("Invalid value for timePartitioning.type: ", tp.type,
                                  " is not a valid value"));
    }
    if (tp.expiration_ms && *tp.expiration_ms <= 0) {
      return Invalid("The partition expiration must be positive");
    }
    if (!tp.field.empty()) {
      const TableFieldSchema* field = table.schema.FindField(tp.field);
      if (field == nullptr) {
        return Invalid(
            absl::StrCat("The field specified for partitioning cannot be found in the "
                         "schema. Invalid field: ",
                         tp.field));
      }
      if (field->type != FieldType::kTimestamp && field->type != FieldType::kDate &&
          field->type != FieldType::kDatetime) {
        return Invalid(
            absl::StrCat("The field specified for partitioning can only be of type "
                         "TIMESTAMP, DATE or DATETIME. The type found is: ",
                         std::string(FieldTypeName(field->type)), "."));
      }
      if (field->mode == FieldMode::kRepeated) {
        return Invalid(
            absl::StrCat("The field specified for partitioning cannot be REPEATED: ", tp.field));
      }
    }
  }
  if (table.clustering_fields.size() > static_cast<size_t>(kMaxClusteringFields)) {
    return Invalid(absl::StrCat(table.clustering_fields.size(),
                                " clustering fields specified, exceeding the limit of ",
                                kMaxClusteringFields, "."));
  }
  for (const std::string& name : table.clustering_fields) {
    const TableFieldSchema* field = table.schema.FindField(name);
    if (field == nullptr) {
      return Invalid(absl::StrCat(
          "The field specified for clustering cannot be found in the schema. Invalid field: ",
          name));
    }
    if (field->mode == FieldMode::kRepeated || field->type == FieldType::kRecord ||
        field->type == FieldType::kJson || field->type == FieldType::kFloat) {
      return Invalid(absl::StrCat("Field ", name, " is of type ",
                                  std::string(FieldTypeName(field->type)),
                                  field->mode == FieldMode::kRepeated ? " REPEATED" : "",
                                  " which is not supported for clustering."));
    }
  }
  return absl::OkStatus();
}

}  // namespace ferry::bigquery
