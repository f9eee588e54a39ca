#include "emulator/tabledata.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "emulator/values.h"

namespace ferry::emulator {
namespace {

using bigquery::FieldMode;
using bigquery::FieldType;
using bigquery::TableFieldSchema;
using json = nlohmann::json;

// Adds `path` (already split) to `out`, copying from `source`.
absl::Status AddPath(const std::vector<TableFieldSchema>& source,
                     const std::vector<std::string>& path, size_t depth,
                     std::vector<TableFieldSchema>& out, const std::string& full) {
  const TableFieldSchema* field = nullptr;
  for (const TableFieldSchema& f : source) {
    if (absl::EqualsIgnoreCase(f.name, path[depth])) field = &f;
  }
  if (field == nullptr || (depth + 1 < path.size() && field->type != FieldType::kRecord)) {
    return absl::InvalidArgumentError(absl::StrCat("Invalid field selection ", full));
  }
  TableFieldSchema* existing = nullptr;
  for (TableFieldSchema& f : out) {
    if (f.name == field->name) existing = &f;
  }
  if (depth + 1 == path.size()) {
    if (existing != nullptr) {
      *existing = *field;
    } else {
      out.push_back(*field);
    }
    return absl::OkStatus();
  }
  if (existing == nullptr) {
    TableFieldSchema copy = *field;
    copy.fields.clear();
    out.push_back(std::move(copy));
    existing = &out.back();
  } else if (existing->fields.size() == field->fields.size()) {
    return absl::OkStatus();  // Already selected whole.
  }
  return AddPath(field->fields, path, depth + 1, existing->fields, full);
}

// Restores table order after selection.
void Reorder(const std::vector<TableFieldSchema>& order, std::vector<TableFieldSchema>& fields) {
  std::vector<TableFieldSchema> sorted;
  for (const TableFieldSchema& f : order) {
    for (TableFieldSchema& s : fields) {
      if (s.name == f.name) {
        Reorder(f.fields, s.fields);
        sorted.push_back(std::move(s));
        break;
      }
    }
  }
  fields = std::move(sorted);
}

const json* Lookup(const json& object, const std::string& name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  if (it != object.end()) return &*it;
  // Stored rows use the column name as spelled when the row was written.
  for (auto i = object.begin(); i != object.end(); ++i) {
    if (absl::EqualsIgnoreCase(i.key(), name)) return &i.value();
  }
  return nullptr;
}

json RenderFields(const std::vector<TableFieldSchema>& fields, const json& stored,
                  TimestampFormat timestamps);

// "YYYY-MM-DDTHH:MM:SS.FFFFFFFFFFFFZ", as documented for ISO8601_STRING.
std::string Iso8601Timestamp(int64_t micros) {
  const int64_t fraction = ((micros % 1000000) + 1000000) % 1000000;
  std::string whole = values::FormatTimestampIso(micros - fraction);  // "...:SSZ"
  whole.pop_back();
  return absl::StrCat(whole, absl::StrFormat(".%06d000000Z", fraction));
}

json RenderScalar(const TableFieldSchema& field, const json& v, TimestampFormat timestamps) {
  switch (field.type) {
    case FieldType::kRecord:
      return RenderFields(field.fields, v, timestamps);
    case FieldType::kInteger:
      return v.is_number() ? json(v.dump()) : v;
    case FieldType::kFloat:
      if (v.is_number()) return values::JavaDoubleString(v.get<double>());
      return v;  // "NaN", "Infinity", "-Infinity".
    case FieldType::kBoolean:
      return v.is_boolean() ? json(v.get<bool>() ? "true" : "false") : v;
    case FieldType::kTimestamp: {
      if (!v.is_number_integer()) return v;
      const auto micros = v.get<int64_t>();
      switch (timestamps) {
        case TimestampFormat::kInt64Micros:
          return std::to_string(micros);
        case TimestampFormat::kIso8601:
          return Iso8601Timestamp(micros);
        case TimestampFormat::kFloatSeconds:
          break;
      }
      return values::JavaDoubleString(static_cast<double>(micros) / 1e6);
    }
    default:
      return v;  // Stored as the string BigQuery renders.
  }
}

json RenderCell(const TableFieldSchema& field, const json* v, TimestampFormat timestamps) {
  if (field.mode == FieldMode::kRepeated) {
    json array = json::array();
    if (v != nullptr && v->is_array()) {
      for (const json& e : *v) array.push_back({{"v", RenderScalar(field, e, timestamps)}});
    }
    return {{"v", std::move(array)}};
  }
  if (v == nullptr || v->is_null()) return {{"v", nullptr}};
  return {{"v", RenderScalar(field, *v, timestamps)}};
}

json RenderFields(const std::vector<TableFieldSchema>& fields, const json& stored,
                  TimestampFormat timestamps) {
  json cells = json::array();
  for (const TableFieldSchema& f : fields)
    cells.push_back(RenderCell(f, Lookup(stored, f.name), timestamps));
  return {{"f", std::move(cells)}};
}

}  // namespace

absl::StatusOr<bigquery::TableSchema> SelectFields(const bigquery::TableSchema& schema,
                                                   std::string_view selected_fields) {
  if (selected_fields.empty()) return schema;
  bigquery::TableSchema out;
  for (absl::string_view item :
       absl::StrSplit(absl::string_view(selected_fields.data(), selected_fields.size()), ',',
                      absl::SkipWhitespace())) {
    const std::string name(absl::StripAsciiWhitespace(item));
    std::vector<std::string> path = absl::StrSplit(name, '.');
    if (absl::Status s = AddPath(schema.fields, path, 0, out.fields, name); !s.ok()) return s;
  }
  Reorder(schema.fields, out.fields);
  return out;
}

absl::StatusOr<TimestampFormat> ParseTimestampFormat(std::string_view use_int64_timestamp,
                                                     std::string_view timestamp_output_format) {
  const bool int64 = use_int64_timestamp == "true";
  if (timestamp_output_format.empty() ||
      timestamp_output_format == "TIMESTAMP_OUTPUT_FORMAT_UNSPECIFIED") {
    return int64 ? TimestampFormat::kInt64Micros : TimestampFormat::kFloatSeconds;
  }
  if (timestamp_output_format == "INT64") return TimestampFormat::kInt64Micros;
  const bool iso = timestamp_output_format == "ISO8601_STRING";
  if (!iso && timestamp_output_format != "FLOAT64") {
    return absl::InvalidArgumentError(absl::StrCat(
        "Invalid value at 'format_options.timestamp_output_format' "
        "(type.googleapis.com/google.cloud.bigquery.v2.DataFormatOptions.TimestampOutputFormat), "
        "\"",
        std::string(timestamp_output_format), "\""));
  }
  if (int64) {
    return absl::InvalidArgumentError(
        "Cannot specify both use_int64_timestamp and timestamp_output_format.");
  }
  return iso ? TimestampFormat::kIso8601 : TimestampFormat::kFloatSeconds;
}

json RenderRow(const bigquery::TableSchema& schema, const json& stored,
               TimestampFormat timestamps) {
  return RenderFields(schema.fields, stored, timestamps);
}

}  // namespace ferry::emulator
