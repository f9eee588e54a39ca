#include "emulator/table_update.h"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "emulator/rest_api.h"
#include "emulator/store.h"

namespace ferry::emulator {
namespace {

using bigquery::FieldMode;
using bigquery::TableFieldSchema;
using json = nlohmann::json;

constexpr char kTablePath[] = "/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)";

std::string Name(std::string_view name) { return std::string(name); }

absl::Status CheckFields(const std::vector<TableFieldSchema>& current,
                         const std::vector<TableFieldSchema>& updated, const std::string& prefix,
                         const std::string& table_name) {
  const std::string mismatch =
      absl::StrCat("Provided Schema does not match Table ", table_name, ". ");
  for (const TableFieldSchema& old_field : current) {
    const std::string path =
        prefix.empty() ? old_field.name : absl::StrCat(prefix, ".", old_field.name);
    const TableFieldSchema* new_field = nullptr;
    for (const TableFieldSchema& f : updated) {
      if (absl::EqualsIgnoreCase(f.name, old_field.name)) new_field = &f;
    }
    if (new_field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(mismatch, "Field ", path, " is missing in new schema"));
    }
    if (new_field->type != old_field.type) {
      return absl::InvalidArgumentError(
          absl::StrCat(mismatch, "Field ", path, " has changed type from ",
                       Name(bigquery::FieldTypeName(old_field.type)), " to ",
                       Name(bigquery::FieldTypeName(new_field->type))));
    }
    const bool relaxed =
        old_field.mode == FieldMode::kRequired && new_field->mode == FieldMode::kNullable;
    if (new_field->mode != old_field.mode && !relaxed) {
      return absl::InvalidArgumentError(
          absl::StrCat(mismatch, "Field ", path, " has changed mode from ",
                       Name(bigquery::FieldModeName(old_field.mode)), " to ",
                       Name(bigquery::FieldModeName(new_field->mode))));
    }
    if (old_field.type == bigquery::FieldType::kRecord) {
      if (absl::Status s = CheckFields(old_field.fields, new_field->fields, path, table_name);
          !s.ok()) {
        return s;
      }
    }
  }
  for (const TableFieldSchema& f : updated) {
    bool existing = false;
    for (const TableFieldSchema& old_field : current) {
      if (absl::EqualsIgnoreCase(f.name, old_field.name)) existing = true;
    }
    if (!existing && f.mode == FieldMode::kRequired) {
      const std::string path = prefix.empty() ? f.name : absl::StrCat(prefix, ".", f.name);
      return absl::InvalidArgumentError(absl::StrCat(
          mismatch, "Cannot add required fields to an existing schema. (field: ", path, ")"));
    }
  }
  return absl::OkStatus();
}

std::string PartitioningSpec(const std::optional<bigquery::TimePartitioning>& tp) {
  if (!tp) return "none";
  return absl::StrCat("interval(type:", absl::AsciiStrToLower(tp->type),
                      tp->field.empty() ? "" : absl::StrCat(",field:", tp->field), ")");
}

struct HttpError {
  int code;
  const char* reason;
  const char* status;
};

HttpError ToHttp(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kNotFound:
      return {404, "notFound", "NOT_FOUND"};
    case absl::StatusCode::kInvalidArgument:
      return {400, "invalid", "INVALID_ARGUMENT"};
    case absl::StatusCode::kFailedPrecondition:
      return {412, "conditionNotMet", "FAILED_PRECONDITION"};
    default:
      return {500, "internalError", "INTERNAL"};
  }
}

// Google's error body, as rest_api.cc renders it; a failed If-Match names its header.
void SendError(httplib::Response& res, const absl::Status& status) {
  const HttpError e = ToHttp(status.code());
  json where = json::object();
  if (e.code == 412) where = {{"location", "If-Match"}, {"locationType", "header"}};
  SendGoogleError(res, e.code, e.reason, e.status, std::string(status.message()), where);
}

// tables.patch replaces the top-level members the body has, except `labels`, which it
// merges key by key (a null value deletes the label, as the clients' DeleteLabel sends);
// tables.update replaces the resource, except that a body without `schema` or
// `timePartitioning` keeps the table's (BigQuery cannot drop either).
absl::StatusOr<bigquery::Table> Merge(const StoredTable& current, const json& body, bool patch) {
  json merged;
  if (patch) {
    merged = bigquery::ToJson(current.table);
    for (const auto& [key, value] : body.items()) {
      if (key == "labels" && value.is_object()) {
        json labels = merged.value("labels", json::object());
        for (const auto& [label, label_value] : value.items()) {
          if (label_value.is_null()) {
            labels.erase(label);
          } else {
            labels[label] = label_value;
          }
        }
        merged["labels"] = std::move(labels);
      } else {
        merged[key] = value;
      }
    }
  } else {
    merged = body;
    const json existing = bigquery::ToJson(current.table);
    for (const char* key : {"schema", "timePartitioning"}) {
      if (!merged.contains(key) && existing.contains(key)) merged[key] = existing[key];
    }
  }
  absl::StatusOr<bigquery::Table> table = bigquery::TableFromJson(merged);
  if (!table.ok()) return table.status();
  table->ref = current.table.ref;
  table->num_rows.reset();
  table->etag.clear();
  return table;
}

}  // namespace

absl::Status CheckSchemaUpdate(const bigquery::TableSchema& current,
                               const bigquery::TableSchema& updated,
                               const std::string& table_name) {
  return CheckFields(current.fields, updated.fields, "", table_name);
}

void InstallTableUpdate(httplib::Server& server, Store& store, TableUpdateOptions options) {
  auto handler = [&store, options](bool patch) {
    return [&store, options, patch](const httplib::Request& req, httplib::Response& res) {
      json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
      if (body.is_discarded() || !body.is_object()) {
        return SendError(res, absl::InvalidArgumentError("Invalid JSON payload received."));
      }
      const bigquery::TableReference ref{req.matches[1], req.matches[2], req.matches[3]};
      const std::string table_name =
          absl::StrCat(ref.project_id, ":", ref.dataset_id, ".", ref.table_id);
      std::optional<std::string> if_match;
      if (req.has_header("If-Match")) if_match = req.get_header_value("If-Match");
      auto mutate = [&](const StoredTable& current) -> absl::StatusOr<bigquery::Table> {
        if (if_match && *if_match != "*" && *if_match != current.table.etag) {
          return absl::FailedPreconditionError("Precondition check failed.");
        }
        absl::StatusOr<bigquery::Table> updated = Merge(current, body, patch);
        if (!updated.ok()) return updated.status();
        if (absl::Status s = bigquery::ValidateTable(*updated); !s.ok()) return s;
        if (absl::Status s = CheckSchemaUpdate(current.table.schema, updated->schema, table_name);
            !s.ok()) {
          return s;
        }
        const auto& old_tp = current.table.time_partitioning;
        const auto& new_tp = updated->time_partitioning;
        const bool same_spec =
            old_tp.has_value() == new_tp.has_value() &&
            (!old_tp || (old_tp->type == new_tp->type && old_tp->field == new_tp->field));
        if (!same_spec) {
          return absl::InvalidArgumentError(
              absl::StrCat("Incompatible table partitioning specification. Expects partitioning "
                           "specification ",
                           PartitioningSpec(old_tp), ", but input partitioning specification is ",
                           PartitioningSpec(new_tp)));
        }
        return updated;
      };
      absl::StatusOr<StoredTable> stored =
          store.UpdateTable(ref, mutate, absl::ToUnixMillis(options.now()),
                            absl::ToInt64Milliseconds(options.schema_propagation_delay));
      if (!stored.ok()) return SendError(res, stored.status());
      SendJson(res, 200, TableResource(*stored, BaseUrl(req)));
    };
  };
  server.Patch(kTablePath, handler(/*patch=*/true));
  server.Put(kTablePath, handler(/*patch=*/false));
}

}  // namespace ferry::emulator
