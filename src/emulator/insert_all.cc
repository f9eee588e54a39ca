#include "emulator/insert_all.h"

#include <httplib.h>

#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bigquery/table_schema.h"
#include "emulator/rest_api.h"
#include "emulator/store.h"
#include "emulator/values.h"

namespace ferry::emulator {
namespace {

using bigquery::FieldMode;
using bigquery::FieldType;
using bigquery::TableFieldSchema;
using json = nlohmann::json;
// The request is read with member order kept, so JSON column values are stored
// as written (as the Storage Write API path stores them).
using ojson = nlohmann::ordered_json;

constexpr char kRoute[] = "/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)/insertAll";
constexpr char kDefaultStream[] = "_default";

void SendError(httplib::Response& res, int code, const char* reason, const char* status,
               const std::string& message) {
  SendGoogleError(res, code, reason, status, message);
}

void SendError(httplib::Response& res, const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return SendError(res, 404, "notFound", "NOT_FOUND", std::string(status.message()));
    case absl::StatusCode::kInvalidArgument:
      return SendError(res, 400, "invalid", "INVALID_ARGUMENT", std::string(status.message()));
    default:
      return SendError(res, 500, "internalError", "INTERNAL", std::string(status.message()));
  }
}

// What Google's front end answers for a body far over the API's limit, before
// BigQuery sees it.
void SendFrontEnd413(httplib::Response& res) {
  res.status = 413;
  res.set_content(
      "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n"
      "  <title>Error 413 (Request Entity Too Large)!!1</title>\n"
      "  <p><b>413.</b> <ins>That\xE2\x80\x99s an error.</ins>\n"
      "  <p>Your client issued a request that was too large.\n"
      "  <ins>That\xE2\x80\x99s all we know.</ins>\n",
      "text/html; charset=UTF-8");
}

struct RowError {
  std::string location;
  std::string message;
};

std::string Join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : absl::StrCat(prefix, ".", name);
}

// The value as BigQuery quotes it in messages.
std::string Text(const ojson& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// Turns one row's `json` object into a stored row (README.md), collecting every
// problem with its location, as insertErrors lists them.
class RowConverter {
 public:
  explicit RowConverter(bool ignore_unknown_values) : ignore_unknown_(ignore_unknown_values) {}

  json Record(const std::vector<TableFieldSchema>& fields, const ojson& object,
              const std::string& prefix) {
    json out = json::object();
    std::vector<bool> present(fields.size(), false);
    for (auto it = object.begin(); it != object.end(); ++it) {
      const std::string& key = it.key();
      const std::string path = Join(prefix, key);
      size_t index = fields.size();
      for (size_t i = 0; i < fields.size(); ++i) {
        if (absl::EqualsIgnoreCase(fields[i].name, key)) {
          index = i;
          break;
        }
      }
      if (index == fields.size()) {
        if (!ignore_unknown_) Fail(path, absl::StrCat("no such field: ", key, "."));
        continue;
      }
      if (it.value().is_null()) continue;  // NULL: absent.
      present[index] = true;
      Field(fields[index], it.value(), path, out);
    }
    for (size_t i = 0; i < fields.size(); ++i) {
      if (!present[i] && fields[i].mode == FieldMode::kRequired) {
        const std::string path = Join(prefix, fields[i].name);
        Fail(path, absl::StrCat("Missing required field: ", path, "."));
      }
    }
    return out;
  }

  std::vector<RowError>& errors() { return errors_; }

 private:
  void Fail(std::string location, std::string message) {
    errors_.push_back({std::move(location), std::move(message)});
  }

  void Field(const TableFieldSchema& field, const ojson& v, const std::string& path, json& out) {
    if (field.mode != FieldMode::kRepeated) {
      if (v.is_array()) {
        return Fail(path,
                    absl::StrCat("Array specified for non-repeated field: ", field.name, "."));
      }
      if (std::optional<json> s = Scalar(field, v, path)) out[field.name] = *std::move(s);
      return;
    }
    if (!v.is_array()) {
      return Fail(
          path, absl::StrCat("Repeated field must be imported as a JSON array: ", field.name, "."));
    }
    json array = json::array();
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string item = absl::StrCat(path, "[", i, "]");
      if (v[i].is_null()) {
        Fail(item, absl::StrCat("Null value in repeated field: ", field.name, "."));
      } else if (v[i].is_array()) {
        Fail(item, absl::StrCat("Array specified for non-repeated field: ", field.name, "."));
      } else if (std::optional<json> s = Scalar(field, v[i], item)) {
        array.push_back(*std::move(s));
      }
    }
    out[field.name] = std::move(array);
  }

  // Value checks shared with the Storage Write API (values.h); the message
  // does not name the field, the location does.
  template <typename T>
  std::optional<json> Checked(absl::StatusOr<T> value, const std::string& path) {
    if (!value.ok()) {
      Fail(path, std::string(value.status().message()));
      return std::nullopt;
    }
    return json(*std::move(value));
  }

  std::optional<json> BadValue(const char* type, const ojson& v, const std::string& path) {
    Fail(path, absl::StrCat("Cannot convert value to ", type, " (bad value):", Text(v)));
    return std::nullopt;
  }

  std::optional<json> Scalar(const TableFieldSchema& field, const ojson& v,
                             const std::string& path) {
    if (field.type == FieldType::kRecord) {
      if (!v.is_object()) {
        Fail(path, absl::StrCat("This field: ", field.name, " is not a record."));
        return std::nullopt;
      }
      return Record(field.fields, v, path);
    }
    if (v.is_object() && field.type != FieldType::kJson) {
      Fail(path, absl::StrCat("JSON object specified for non-record field: ", field.name, "."));
      return std::nullopt;
    }
    switch (field.type) {
      case FieldType::kString:
      case FieldType::kGeography:
        if (!v.is_string()) {
          Fail(path, "Could not convert value to string.");
          return std::nullopt;
        }
        return json(v.get<std::string>());
      case FieldType::kBytes: {
        std::string bytes;
        if (!v.is_string() || !absl::Base64Unescape(v.get<std::string>(), &bytes)) {
          Fail(path, "Could not decode base64 string to bytes.");
          return std::nullopt;
        }
        return json(absl::Base64Escape(bytes));
      }
      case FieldType::kInteger:
        return Integer(v, path);
      case FieldType::kFloat: {
        double d = 0;
        if (v.is_number()) {
          d = v.get<double>();
        } else if (!v.is_string() || !absl::SimpleAtod(v.get<std::string>(), &d)) {
          return BadValue("floating point", v, path);
        }
        if (!std::isfinite(d)) return json(values::JavaDoubleString(d));
        return json(d);
      }
      case FieldType::kBoolean:
        if (v.is_boolean()) return json(v.get<bool>());
        if (v.is_string() && (absl::EqualsIgnoreCase(v.get<std::string>(), "true") ||
                              absl::EqualsIgnoreCase(v.get<std::string>(), "false"))) {
          return json(absl::EqualsIgnoreCase(v.get<std::string>(), "true"));
        }
        return BadValue("boolean", v, path);
      case FieldType::kNumeric:
      case FieldType::kBignumeric: {
        const bool big = field.type == FieldType::kBignumeric;
        if (v.is_number_float())
          return Checked(values::NumericFromDouble(v.get<double>(), big), path);
        return Checked(values::ParseNumeric(Text(v), big), path);
      }
      case FieldType::kTimestamp:
        return Timestamp(v, path);
      case FieldType::kDate:
        return Checked(values::ParseDate(Text(v)), path);
      case FieldType::kDatetime:
        return Checked(values::ParseDatetime(Text(v)), path);
      case FieldType::kTime:
        return Checked(values::ParseTime(Text(v)), path);
      case FieldType::kJson: {
        if (!v.is_string()) return json(v.dump());
        const std::string& text = v.get_ref<const std::string&>();
        ojson parsed = ojson::parse(text, nullptr, /*allow_exceptions=*/false);
        if (parsed.is_discarded()) {
          Fail(path, absl::StrCat("Invalid JSON value: '", text, "'"));
          return std::nullopt;
        }
        return json(parsed.dump());
      }
      case FieldType::kRecord:
        break;  // handled above.
    }
    Fail(path, "unsupported column type");
    return std::nullopt;
  }

  // JSON numbers and decimal strings; fractions and values past INT64 are refused.
  std::optional<json> Integer(const ojson& v, const std::string& path) {
    int64_t i = 0;
    if (v.is_number_integer() && !v.is_number_unsigned()) return json(v.get<int64_t>());
    if (v.is_number_unsigned()) {
      const uint64_t u = v.get<uint64_t>();
      if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return json(static_cast<int64_t>(u));
      }
    } else if (v.is_number_float()) {
      const double d = v.get<double>();
      if (std::trunc(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
        return json(static_cast<int64_t>(d));
      }
    } else if (v.is_string() && absl::SimpleAtoi(v.get<std::string>(), &i)) {
      return json(i);
    }
    return BadValue("integer", v, path);
  }

  // A string in BigQuery's timestamp format, or seconds since the epoch as a
  // number (or a numeric string); stored as int64 microseconds.
  std::optional<json> Timestamp(const ojson& v, const std::string& path) {
    constexpr int64_t kMaxSeconds = values::kMaxTimestampMicros / 1000000 + 1;
    std::optional<int64_t> micros;
    double seconds = 0;
    if (v.is_number_unsigned()) {
      if (v.get<uint64_t>() <= static_cast<uint64_t>(kMaxSeconds)) {
        micros = v.get<int64_t>() * 1000000;
      }
    } else if (v.is_number_integer()) {
      const int64_t s = v.get<int64_t>();
      if (s >= -kMaxSeconds && s <= kMaxSeconds) micros = s * 1000000;
    } else if (v.is_number_float() ||
               (v.is_string() && absl::SimpleAtod(v.get<std::string>(), &seconds))) {
      if (v.is_number_float()) seconds = v.get<double>();
      if (std::isfinite(seconds) && std::fabs(seconds) <= static_cast<double>(kMaxSeconds)) {
        micros = std::llround(seconds * 1e6);
      }
    } else {
      return Checked(values::ParseTimestamp(Text(v)), path);
    }
    if (!micros || !values::CheckTimestampMicros(*micros).ok()) {
      Fail(path, absl::StrCat("Timestamp field value is out of range: ", Text(v)));
      return std::nullopt;
    }
    return json(*micros);
  }

  bool ignore_unknown_;
  std::vector<RowError> errors_;
};

json ErrorProto(const std::string& reason, const std::string& location,
                const std::string& message) {
  return {{"reason", reason}, {"location", location}, {"debugInfo", ""}, {"message", message}};
}

// One row of the request once parsed.
struct Row {
  std::string insert_id;
  std::string stored;            // stored row JSON text, when valid.
  std::vector<RowError> errors;  // empty = valid.
};

class InsertAllHandler {
 public:
  InsertAllHandler(Store& store, InsertAllOptions options)
      : store_(store), options_(std::move(options)) {}

  void Handle(const httplib::Request& req, httplib::Response& res) {
    const auto size = static_cast<int64_t>(req.body.size());
    if (options_.front_end_max_request_bytes > 0 && size > options_.front_end_max_request_bytes) {
      return SendFrontEnd413(res);
    }
    if (size > options_.max_request_bytes) {
      return SendError(res, 400, "badRequest", "INVALID_ARGUMENT",
                       absl::StrCat("Request payload size exceeds the limit: ",
                                    options_.max_request_bytes, " bytes."));
    }
    ojson body = ojson::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object()) {
      return SendError(res, 400, "invalid", "INVALID_ARGUMENT", "Invalid JSON payload received.");
    }
    bool skip_invalid = false;
    bool ignore_unknown = false;
    std::string template_suffix;
    const ojson* rows = nullptr;
    for (auto it = body.begin(); it != body.end(); ++it) {
      const std::string& key = it.key();
      const ojson& v = it.value();
      if (key == "skipInvalidRows" || key == "ignoreUnknownValues") {
        if (!v.is_boolean() && !v.is_null()) return InvalidValue(res, key, v);
        const bool set = v.is_boolean() && v.get<bool>();
        if (key == "skipInvalidRows") {
          skip_invalid = set;
        } else {
          ignore_unknown = set;
        }
      } else if (key == "templateSuffix") {
        if (!v.is_string() && !v.is_null()) return InvalidValue(res, key, v);
        if (v.is_string()) template_suffix = v.get<std::string>();
      } else if (key == "rows") {
        if (!v.is_array() && !v.is_null()) return InvalidValue(res, key, v);
        rows = &v;
      } else if (key != "kind" && key != "traceId") {
        return SendError(res, 400, "invalid", "INVALID_ARGUMENT",
                         absl::StrCat("Invalid JSON payload received. Unknown name \"", key,
                                      "\": Cannot find field."));
      }
    }
    if (rows == nullptr || rows->empty()) {
      return SendError(res, 400, "invalid", "INVALID_ARGUMENT", "No rows present in the request.");
    }
    const auto count = static_cast<int64_t>(rows->size());
    if (count > options_.max_rows) {
      return SendError(res, 400, "invalid", "INVALID_ARGUMENT",
                       absl::StrCat("too many rows present in the request, limit: ",
                                    options_.max_rows, " row count: ", count, "."));
    }
    absl::StatusOr<StoredTable> table =
        Destination({req.matches[1], req.matches[2], req.matches[3]}, template_suffix);
    if (!table.ok()) return SendError(res, table.status());

    std::vector<Row> parsed(rows->size());
    bool any_invalid = false;
    for (size_t i = 0; i < rows->size(); ++i) {
      const ojson& row = (*rows)[i];
      if (!row.is_object()) return InvalidValue(res, absl::StrCat("rows[", i, "]"), row);
      const ojson* object = nullptr;
      for (auto it = row.begin(); it != row.end(); ++it) {
        if (it.key() == "insertId") {
          if (!it.value().is_string() && !it.value().is_null()) {
            return InvalidValue(res, absl::StrCat("rows[", i, "].insert_id"), it.value());
          }
          if (it.value().is_string()) parsed[i].insert_id = it.value().get<std::string>();
        } else if (it.key() == "json") {
          if (!it.value().is_object()) {
            return InvalidValue(res, absl::StrCat("rows[", i, "].json"), it.value());
          }
          object = &it.value();
        } else {
          return SendError(res, 400, "invalid", "INVALID_ARGUMENT",
                           absl::StrCat("Invalid JSON payload received. Unknown name \"", it.key(),
                                        "\" at 'rows[", i, "]': Cannot find field."));
        }
      }
      Convert(object, table->table.schema, ignore_unknown, parsed[i]);
      any_invalid |= !parsed[i].errors.empty();
    }

    json response = {{"kind", "bigquery#tableDataInsertAllResponse"}};
    json insert_errors = json::array();
    for (size_t i = 0; i < parsed.size(); ++i) {
      if (parsed[i].errors.empty()) {
        if (any_invalid && !skip_invalid) {
          insert_errors.push_back(
              {{"index", i}, {"errors", json::array({ErrorProto("stopped", "", "")})}});
        }
        continue;
      }
      json errors = json::array();
      for (const RowError& e : parsed[i].errors) {
        errors.push_back(ErrorProto("invalid", e.location, e.message));
      }
      insert_errors.push_back({{"index", i}, {"errors", std::move(errors)}});
    }
    if (!any_invalid || skip_invalid) {
      if (absl::Status s = Append(table->table_pk, parsed); !s.ok()) return SendError(res, s);
    }
    if (!insert_errors.empty()) response["insertErrors"] = std::move(insert_errors);
    SendJson(res, 200, response);
  }

 private:
  // Per table: insertIds seen within the window, and their expiry in insertion
  // order so that expired ones are dropped cheaply.
  struct SeenIds {
    std::unordered_map<std::string, absl::Time> expiry;
    std::deque<std::pair<absl::Time, std::string>> order;
  };

  void InvalidValue(httplib::Response& res, const std::string& field, const ojson& v) {
    SendError(res, 400, "invalid", "INVALID_ARGUMENT",
              absl::StrCat("Invalid value at '", field, "', ", v.dump()));
  }

  // The table rows go to: the table itself, or with templateSuffix the instance
  // table "{table}{suffix}", created from the base table's schema if missing.
  absl::StatusOr<StoredTable> Destination(const bigquery::TableReference& ref,
                                          const std::string& suffix) {
    absl::StatusOr<StoredTable> base = store_.GetTable(ref);
    if (!base.ok() || suffix.empty()) return base;
    bigquery::TableReference instance = ref;
    instance.table_id += suffix;
    absl::StatusOr<StoredTable> existing = store_.GetTable(instance);
    if (!absl::IsNotFound(existing.status())) return existing;
    if (instance.table_id.size() > 1024) {
      return absl::InvalidArgumentError(
          absl::StrCat("Invalid table ID \"", instance.table_id, "\"."));
    }
    // The template's schema, partitioning and clustering; not its description, labels
    // or friendly name (BigQuery creates the instance from the template's schema).
    bigquery::Table table;
    table.ref = instance;
    table.schema = base->table.schema;
    table.time_partitioning = base->table.time_partitioning;
    table.clustering_fields = base->table.clustering_fields;
    absl::StatusOr<StoredTable> created = store_.InsertTable(table);
    if (!created.ok() && !absl::IsAlreadyExists(created.status())) return created.status();
    return store_.GetTable(instance);
  }

  void Convert(const ojson* object, const bigquery::TableSchema& schema, bool ignore_unknown,
               Row& row) {
    if (static_cast<int64_t>(row.insert_id.size()) > options_.max_insert_id_chars) {
      row.errors.push_back(
          {"", absl::StrCat("insertId is longer than ", options_.max_insert_id_chars,
                            " characters: ", row.insert_id.size())});
      return;
    }
    static const ojson kEmpty = ojson::object();
    if (object == nullptr) object = &kEmpty;
    const auto row_size = static_cast<int64_t>(object->dump().size());
    if (row_size > options_.max_row_bytes) {
      row.errors.push_back({"", absl::StrCat("Maximum allowed row size exceeded. Allowed: ",
                                             options_.max_row_bytes, " Row size: ", row_size)});
      return;
    }
    RowConverter converter(ignore_unknown);
    json stored = converter.Record(schema.fields, *object, "");
    row.errors = std::move(converter.errors());
    if (row.errors.empty())
      row.stored = stored.dump(-1, ' ', false, json::error_handler_t::replace);
  }

  // Appends the valid rows whose insertId was not seen within the window, then
  // remembers their insertIds. Held under mu_ so that concurrent requests with
  // the same insertId store it once.
  absl::Status Append(int64_t table_pk, const std::vector<Row>& rows) {
    std::lock_guard<std::mutex> lock(mu_);
    const absl::Time now = options_.now();
    SeenIds& seen = seen_[table_pk];
    while (!seen.order.empty() && seen.order.front().first <= now) {
      auto it = seen.expiry.find(seen.order.front().second);
      if (it != seen.expiry.end() && it->second == seen.order.front().first) seen.expiry.erase(it);
      seen.order.pop_front();
    }
    std::vector<std::string> stored;
    std::vector<const std::string*> ids;
    std::set<std::string> in_request;
    for (const Row& row : rows) {
      if (!row.errors.empty()) continue;
      if (!row.insert_id.empty()) {
        if (seen.expiry.count(row.insert_id) || !in_request.insert(row.insert_id).second) {
          continue;  // acknowledged, not stored again.
        }
        ids.push_back(&row.insert_id);
      }
      stored.push_back(row.stored);
    }
    if (stored.empty()) return absl::OkStatus();
    absl::StatusOr<int64_t> appended = store_.AppendRows(table_pk, kDefaultStream, stored);
    if (!appended.ok()) return appended.status();
    const absl::Time expiry = now + options_.dedup_window;
    for (const std::string* id : ids) {
      seen.expiry[*id] = expiry;
      seen.order.emplace_back(expiry, *id);
    }
    return absl::OkStatus();
  }

  Store& store_;
  const InsertAllOptions options_;
  std::mutex mu_;
  std::map<int64_t, SeenIds> seen_;  // by table_pk; guarded by mu_.
};

}  // namespace

void InstallInsertAll(httplib::Server& server, Store& store, InsertAllOptions options) {
  auto handler = std::make_shared<InsertAllHandler>(store, std::move(options));
  server.Post(kRoute, [handler](const httplib::Request& req, httplib::Response& res) {
    handler->Handle(req, res);
  });
}

}  // namespace ferry::emulator
