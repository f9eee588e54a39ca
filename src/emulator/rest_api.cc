#include "emulator/rest_api.h"

#include <httplib.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bigquery/table_schema.h"
#include "emulator/insert_all.h"
#include "emulator/store.h"
#include "emulator/tabledata.h"

namespace ferry::emulator {
namespace {

using json = nlohmann::json;

constexpr char kPrefix[] = "/bigquery/v2/projects/([^/]+)";
// A tabledata.list page stops at this many bytes of stored rows, as BigQuery caps
// responses at about 10 MB.
constexpr int64_t kMaxPageBytes = 10 * 1024 * 1024;
constexpr int64_t kMaxPageRows = 100000;

struct HttpError {
  int code;
  const char* reason;
  const char* status;
};

HttpError ToHttp(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kNotFound:
      return {404, "notFound", "NOT_FOUND"};
    case absl::StatusCode::kAlreadyExists:
      return {409, "duplicate", "ALREADY_EXISTS"};
    case absl::StatusCode::kInvalidArgument:
      return {400, "invalid", "INVALID_ARGUMENT"};
    case absl::StatusCode::kFailedPrecondition:
      return {400, "resourceInUse", "FAILED_PRECONDITION"};
    default:
      return {500, "internalError", "INTERNAL"};
  }
}

// Google's error body: {"error":{"code","message","errors":[...],"status"}}.
void SendError(httplib::Response& res, const absl::Status& status) {
  const HttpError e = ToHttp(status.code());
  SendGoogleError(res, e.code, e.reason, e.status, std::string(status.message()));
}

absl::StatusOr<json> ParseBody(const httplib::Request& req) {
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return absl::InvalidArgumentError("Invalid JSON payload received.");
  }
  return body;
}

// Reads an optional non-negative integer query parameter.
absl::StatusOr<std::optional<int64_t>> IntParam(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::optional<int64_t>();
  const std::string value = req.get_param_value(name);
  int64_t out = 0;
  if (!absl::SimpleAtoi(value, &out) || out < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid value for ", name, ": ", value, " is not a valid value"));
  }
  return std::optional<int64_t>(out);
}

bool IsValidDatasetId(const std::string& id) {
  if (id.empty() || id.size() > 1024) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

// BigQuery allows Unicode letters, marks, numbers, connectors, dashes and spaces;
// non-ASCII bytes are let through unchecked.
bool IsValidTableId(const std::string& id) {
  if (id.empty() || id.size() > 1024) return false;
  for (char c : id) {
    const auto u = static_cast<unsigned char>(c);
    if (!(u >= 0x80 || std::isalnum(u) || u == '_' || u == '-' || u == ' ')) return false;
  }
  return true;
}

std::string DatasetPath(const std::string& project_id, const std::string& dataset_id) {
  return absl::StrCat("/bigquery/v2/projects/", project_id, "/datasets/", dataset_id);
}

// The dataset resource as stored, plus its selfLink.
json DatasetResource(json stored, const std::string& base_url, const std::string& project_id,
                     const std::string& dataset_id) {
  stored["selfLink"] = absl::StrCat(base_url, DatasetPath(project_id, dataset_id));
  return stored;
}

void InsertDataset(Store& store, const httplib::Request& req, httplib::Response& res) {
  const std::string project = req.matches[1];
  absl::StatusOr<json> body = ParseBody(req);
  if (!body.ok()) return SendError(res, body.status());
  std::string dataset_id;
  if (auto ref = body->find("datasetReference"); ref != body->end() && ref->is_object()) {
    dataset_id = ref->value("datasetId", "");
  }
  if (dataset_id.empty()) {
    return SendError(res, absl::InvalidArgumentError("Missing required field: datasetReference."));
  }
  if (!IsValidDatasetId(dataset_id)) {
    return SendError(res, absl::InvalidArgumentError(absl::StrCat(
                              "Invalid dataset ID \"", dataset_id,
                              "\". Dataset IDs must be alphanumeric (plus underscores) and must "
                              "be at most 1024 characters long.")));
  }
  absl::StatusOr<json> created = store.InsertDataset(project, dataset_id, *std::move(body));
  if (!created.ok()) return SendError(res, created.status());
  SendJson(res, 200, DatasetResource(*std::move(created), BaseUrl(req), project, dataset_id));
}

void ListDatasets(Store& store, const httplib::Request& req, httplib::Response& res) {
  const std::string project = req.matches[1];
  absl::StatusOr<std::vector<json>> datasets = store.ListDatasets(project);
  if (!datasets.ok()) return SendError(res, datasets.status());
  json out = {{"kind", "bigquery#datasetList"}, {"etag", std::to_string(datasets->size())}};
  if (!datasets->empty()) {
    json list = json::array();
    for (const json& d : *datasets) {
      list.push_back({{"kind", "bigquery#dataset"},
                      {"id", d.value("id", "")},
                      {"datasetReference", d.value("datasetReference", json::object())},
                      {"location", d.value("location", "US")}});
    }
    out["datasets"] = std::move(list);
  }
  SendJson(res, 200, out);
}

void GetDataset(Store& store, const httplib::Request& req, httplib::Response& res) {
  absl::StatusOr<json> dataset = store.GetDataset(req.matches[1], req.matches[2]);
  if (!dataset.ok()) return SendError(res, dataset.status());
  SendJson(res, 200,
           DatasetResource(*std::move(dataset), BaseUrl(req), req.matches[1], req.matches[2]));
}

void DeleteDataset(Store& store, const httplib::Request& req, httplib::Response& res) {
  const bool contents = req.get_param_value("deleteContents") == "true";
  if (absl::Status s = store.DeleteDataset(req.matches[1], req.matches[2], contents); !s.ok()) {
    return SendError(res, s);
  }
  res.status = 204;
}

void InsertTable(Store& store, const httplib::Request& req, httplib::Response& res) {
  absl::StatusOr<json> body = ParseBody(req);
  if (!body.ok()) return SendError(res, body.status());
  absl::StatusOr<bigquery::Table> table = bigquery::TableFromJson(*body);
  if (!table.ok()) return SendError(res, table.status());
  // The path names the project and dataset; the body's tableReference names the table.
  table->ref.project_id = req.matches[1];
  table->ref.dataset_id = req.matches[2];
  table->num_rows.reset();
  if (table->ref.table_id.empty()) {
    return SendError(res, absl::InvalidArgumentError("Missing required field: tableReference."));
  }
  if (!IsValidTableId(table->ref.table_id)) {
    return SendError(res, absl::InvalidArgumentError(
                              absl::StrCat("Invalid table ID \"", table->ref.table_id, "\".")));
  }
  if (absl::Status s = bigquery::ValidateTable(*table); !s.ok()) return SendError(res, s);
  absl::StatusOr<StoredTable> stored = store.InsertTable(*table);
  if (!stored.ok()) return SendError(res, stored.status());
  SendJson(res, 200, TableResource(*stored, BaseUrl(req)));
}

void ListTables(Store& store, const httplib::Request& req, httplib::Response& res) {
  absl::StatusOr<std::vector<StoredTable>> tables =
      store.ListTables(req.matches[1], req.matches[2]);
  if (!tables.ok()) return SendError(res, tables.status());
  absl::StatusOr<std::optional<int64_t>> max_results = IntParam(req, "maxResults");
  if (!max_results.ok()) return SendError(res, max_results.status());
  int64_t start = 0;
  if (req.has_param("pageToken") && !absl::SimpleAtoi(req.get_param_value("pageToken"), &start)) {
    return SendError(res, absl::InvalidArgumentError("Invalid page token"));
  }
  const auto total = static_cast<int64_t>(tables->size());
  const int64_t limit = max_results->value_or(total);
  json out = {{"kind", "bigquery#tableList"}, {"totalItems", total}};
  json list = json::array();
  int64_t i = start;
  for (; i < total && i - start < limit; ++i) {
    const StoredTable& t = (*tables)[static_cast<size_t>(i)];
    json full = bigquery::ToJson(t.table);
    json entry = {{"kind", "bigquery#table"},
                  {"id", full["id"]},
                  {"tableReference", full["tableReference"]},
                  {"type", "TABLE"},
                  {"creationTime", std::to_string(t.creation_time_ms)}};
    for (const char* key :
         {"timePartitioning", "clustering", "friendlyName", "labels", "expirationTime"}) {
      if (full.contains(key)) entry[key] = full[key];
    }
    list.push_back(std::move(entry));
  }
  if (!list.empty()) out["tables"] = std::move(list);
  if (i < total) out["nextPageToken"] = std::to_string(i);
  SendJson(res, 200, out);
}

bigquery::TableReference RefFromPath(const httplib::Request& req) {
  return {req.matches[1], req.matches[2], req.matches[3]};
}

void GetTable(Store& store, const httplib::Request& req, httplib::Response& res) {
  absl::StatusOr<StoredTable> table = store.GetTable(RefFromPath(req));
  if (!table.ok()) return SendError(res, table.status());
  SendJson(res, 200, TableResource(*table, BaseUrl(req)));
}

void DeleteTable(Store& store, const httplib::Request& req, httplib::Response& res) {
  if (absl::Status s = store.DeleteTable(RefFromPath(req)); !s.ok()) return SendError(res, s);
  res.status = 204;
}

void ListTableData(Store& store, const httplib::Request& req, httplib::Response& res) {
  const bigquery::TableReference ref = RefFromPath(req);
  absl::StatusOr<std::optional<int64_t>> max_results = IntParam(req, "maxResults");
  if (!max_results.ok()) return SendError(res, max_results.status());
  absl::StatusOr<std::optional<int64_t>> start_index = IntParam(req, "startIndex");
  if (!start_index.ok()) return SendError(res, start_index.status());
  int64_t start = start_index->value_or(0);
  if (req.has_param("pageToken")) {
    if (!absl::SimpleAtoi(req.get_param_value("pageToken"), &start) || start < 0) {
      return SendError(res, absl::InvalidArgumentError("Invalid page token"));
    }
  }
  absl::StatusOr<TimestampFormat> timestamps =
      ParseTimestampFormat(req.get_param_value("formatOptions.useInt64Timestamp"),
                           req.get_param_value("formatOptions.timestampOutputFormat"));
  if (!timestamps.ok()) return SendError(res, timestamps.status());
  absl::StatusOr<StoredTable> table = store.GetTable(ref);
  if (!table.ok()) return SendError(res, table.status());
  absl::StatusOr<bigquery::TableSchema> schema =
      SelectFields(table->table.schema, req.get_param_value("selectedFields"));
  if (!schema.ok()) return SendError(res, schema.status());
  const int64_t limit = std::min(max_results->value_or(kMaxPageRows), kMaxPageRows);
  json out = {{"kind", "bigquery#tableDataList"}};
  if (limit == 0) {
    out["totalRows"] = std::to_string(*table->table.num_rows);
    out["etag"] = absl::StrCat(table->last_modified_time_ms);
    if (start < *table->table.num_rows) out["pageToken"] = std::to_string(start);
    return SendJson(res, 200, out);
  }
  absl::StatusOr<RowPage> page = store.ReadRows(ref, start, limit, kMaxPageBytes);
  if (!page.ok()) return SendError(res, page.status());
  out["totalRows"] = std::to_string(page->total_rows);
  out["etag"] = absl::StrCat(table->last_modified_time_ms);
  if (page->next_index) out["pageToken"] = std::to_string(*page->next_index);
  if (!page->rows.empty()) {
    json rows = json::array();
    for (const std::string& text : page->rows) {
      json stored = json::parse(text, nullptr, /*allow_exceptions=*/false);
      rows.push_back(RenderRow(*schema, stored, *timestamps));
    }
    out["rows"] = std::move(rows);
  }
  SendJson(res, 200, out);
}

}  // namespace

void SendJson(httplib::Response& res, int code, const json& body) {
  res.status = code;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace),
                  "application/json; charset=UTF-8");
}

void SendGoogleError(httplib::Response& res, int code, const std::string& reason,
                     const std::string& status, const std::string& message, json extra) {
  extra["message"] = message;
  extra["domain"] = "global";
  extra["reason"] = reason;
  SendJson(res, code,
           {{"error",
             {{"code", code},
              {"message", message},
              {"errors", json::array({std::move(extra)})},
              {"status", status}}}});
}

std::string BaseUrl(const httplib::Request& req) {
  std::string host = req.get_header_value("Host");
  if (host.empty()) {
    host = req.local_addr.find(':') != std::string::npos
               ? absl::StrCat("[", req.local_addr, "]:", req.local_port)
               : absl::StrCat(req.local_addr, ":", req.local_port);
  }
  return absl::StrCat("http://", host);
}

json TableResource(const StoredTable& stored, const std::string& base_url) {
  const bigquery::TableReference& ref = stored.table.ref;
  json j = bigquery::ToJson(stored.table);
  j["creationTime"] = std::to_string(stored.creation_time_ms);
  j["lastModifiedTime"] = std::to_string(stored.last_modified_time_ms);
  j["numBytes"] = std::to_string(stored.num_bytes);
  j["etag"] = stored.table.etag;  // Changes with tables.patch/update, not with appends.
  j["location"] = "US";
  j["selfLink"] =
      absl::StrCat(base_url, DatasetPath(ref.project_id, ref.dataset_id), "/tables/", ref.table_id);
  return j;
}

// Google's OAuth 2.0 token endpoint (POST /token, form-encoded), for
// service-account keys (the JWT bearer grant) and authorized-user
// credentials (refresh_token). The assertion is checked as Google checks it
// -- an RS256 JWT whose claims name the issuer, this endpoint as audience, a
// scope, and an unexpired lifetime of at most an hour -- except for the
// signature: the emulator does not know the key's public half. Errors are
// Google's {"error":…,"error_description":…} with status 400.
void ExchangeToken(const httplib::Request& req, httplib::Response& res) {
  auto fail = [&res](const std::string& error, const std::string& description) {
    res.status = 400;
    res.set_content(json{{"error", error}, {"error_description", description}}.dump(),
                    "application/json; charset=utf-8");
  };
  const std::string grant = req.get_param_value("grant_type");
  if (grant == "refresh_token") {
    if (req.get_param_value("refresh_token").empty() || req.get_param_value("client_id").empty()) {
      return fail("invalid_request", "Missing required parameter: refresh_token or client_id");
    }
  } else if (grant == "urn:ietf:params:oauth:grant-type:jwt-bearer") {
    std::vector<std::string> parts = absl::StrSplit(req.get_param_value("assertion"), '.');
    std::string header_text, claims_text;
    if (parts.size() != 3 || !absl::WebSafeBase64Unescape(parts[0], &header_text) ||
        !absl::WebSafeBase64Unescape(parts[1], &claims_text) || parts[2].empty()) {
      return fail("invalid_grant", "Invalid JWT: not a signed JWT");
    }
    json header = json::parse(header_text, nullptr, false);
    json claims = json::parse(claims_text, nullptr, false);
    if (!header.is_object() || header.value("alg", "") != "RS256" || !claims.is_object()) {
      return fail("invalid_grant", "Invalid JWT Signature.");
    }
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    const int64_t iat = claims.value("iat", int64_t{0});
    const int64_t exp = claims.value("exp", int64_t{0});
    if (claims.value("iss", "").empty() || claims.value("scope", "").empty()) {
      return fail("invalid_request", "Invalid JWT: iss and scope claims are required");
    }
    if (exp <= now || iat > now + 300 || exp - iat > 3600) {
      return fail("invalid_grant",
                  "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                  "reasonable timeframe. Check your iat and exp values in the JWT claim.");
    }
  } else {
    return fail("unsupported_grant_type", absl::StrCat("Invalid grant_type: ", grant));
  }
  res.set_content(
      json{{"access_token", absl::StrCat("ya29.emulator-", absl::ToUnixNanos(absl::Now()))},
           {"expires_in", 3599},
           {"token_type", "Bearer"}}
          .dump(),
      "application/json; charset=utf-8");
}

void InstallRestApi(httplib::Server& server, Store& store) {
  const std::string datasets = absl::StrCat(kPrefix, "/datasets");
  const std::string dataset = absl::StrCat(datasets, "/([^/]+)");
  const std::string tables = absl::StrCat(dataset, "/tables");
  const std::string table = absl::StrCat(tables, "/([^/]+)");
  const std::string data = absl::StrCat(table, "/data");
  auto bind = [&store](void (*handler)(Store&, const httplib::Request&, httplib::Response&)) {
    return [&store, handler](const httplib::Request& req, httplib::Response& res) {
      handler(store, req, res);
    };
  };
  server.Post(datasets, bind(InsertDataset));
  server.Get(datasets, bind(ListDatasets));
  server.Get(dataset, bind(GetDataset));
  server.Delete(dataset, bind(DeleteDataset));
  server.Post(tables, bind(InsertTable));
  server.Get(tables, bind(ListTables));
  server.Get(data, bind(ListTableData));
  server.Get(table, bind(GetTable));
  server.Delete(table, bind(DeleteTable));
  InstallInsertAll(server, store);       // tabledata.insertAll, before the catch-all.
  server.Post("/token", ExchangeToken);  // OAuth 2.0, for keyfile credentials.
  // Anything else: Google's 404 body rather than httplib's empty one.
  auto not_found = [](const httplib::Request& req, httplib::Response& res) {
    SendError(res, absl::NotFoundError(absl::StrCat("Not found: URL ", req.path)));
  };
  server.Get(".*", not_found);
  server.Post(".*", not_found);
  server.Put(".*", not_found);
  server.Patch(".*", not_found);
  server.Delete(".*", not_found);
}

}  // namespace ferry::emulator
