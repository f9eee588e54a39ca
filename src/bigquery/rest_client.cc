#include "bigquery/rest_client.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace ferry::bigquery {
namespace {

// Debian's abseil has its own string_view; bridge std::string_view into it.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string TablePath(const TableReference& ref) {
  return absl::StrCat("/projects/", UrlEscape(ref.project_id), "/datasets/",
                      UrlEscape(ref.dataset_id), "/tables/", UrlEscape(ref.table_id));
}

bool IsQuotaReason(const std::string& reason) {
  return reason == "quotaExceeded" || reason == "rateLimitExceeded" ||
         reason == "userRateLimitExceeded";
}

}  // namespace

absl::Status StatusFromHttp(long http_status, std::string_view body, std::string_view what) {
  if (http_status >= 200 && http_status < 300) return absl::OkStatus();
  std::string message;
  std::string reason;
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object() && json.contains("error") && json["error"].is_object()) {
    const nlohmann::json& error = json["error"];
    if (error.contains("message") && error["message"].is_string()) {
      message = error["message"].get<std::string>();
    }
    if (error.contains("errors") && error["errors"].is_array() && !error["errors"].empty()) {
      const nlohmann::json& first = error["errors"][0];
      if (first.is_object() && first.contains("reason") && first["reason"].is_string()) {
        reason = first["reason"].get<std::string>();
      }
    }
  }
  if (message.empty()) message = std::string(body.substr(0, 512));
  std::string text =
      absl::StrCat(AV(what), ": HTTP ", http_status,
                   reason.empty() ? "" : absl::StrCat(" (", reason, ")"), ": ", message);
  return absl::Status(IsQuotaReason(reason) ? absl::StatusCode::kResourceExhausted
                                            : StatusCodeFromHttp(http_status),
                      text);
}

absl::StatusOr<std::unique_ptr<RestClient>> RestClient::Create(RestClientOptions options) {
  while (!options.endpoint.empty() && options.endpoint.back() == '/') options.endpoint.pop_back();
  if (options.endpoint.empty()) return absl::InvalidArgumentError("empty BigQuery REST endpoint");
  absl::StatusOr<std::unique_ptr<HttpConnection>> http = HttpConnection::Create();
  if (!http.ok()) return http.status();
  return std::unique_ptr<RestClient>(new RestClient(std::move(options), *std::move(http)));
}

RestClient::RestClient(RestClientOptions options, std::unique_ptr<HttpConnection> http)
    : options_(std::move(options)), http_(std::move(http)) {}

RestClient::~RestClient() = default;

absl::StatusOr<RestClient::RawResponse> RestClient::RawCall(
    std::string_view method, const std::string& path, const std::string& query,
    const std::string& body, std::string_view content_type,
    const std::vector<std::string>& extra_headers) {
  HttpRequest request;
  request.method = std::string(method);
  request.url =
      absl::StrCat(options_.endpoint, "/bigquery/v2", path, query.empty() ? "" : "?", query);
  request.headers.push_back("Accept: application/json");
  if (!body.empty() || method != "GET") {
    request.body = body;
    request.headers.push_back(absl::StrCat("Content-Type: ", AV(content_type)));
  }
  request.headers.insert(request.headers.end(), extra_headers.begin(), extra_headers.end());
  if (options_.token_source) {
    absl::StatusOr<std::string> token = options_.token_source->Token();
    if (!token.ok()) return token.status();
    if (!token->empty()) request.headers.push_back(absl::StrCat("Authorization: Bearer ", *token));
  }
  request.connect_timeout = options_.connect_timeout;
  request.timeout = options_.request_timeout;
  absl::StatusOr<HttpResponse> response;
  {
    std::lock_guard<std::mutex> lock(mu_);
    response = http_->Send(request);
  }
  if (!response.ok()) {
    return absl::Status(response.status().code(), absl::StrCat("BigQuery ", AV(method), " ", path,
                                                               ": ", response.status().message()));
  }
  RawResponse raw;
  raw.http_status = response->status;
  raw.content_type = response->Header("Content-Type");
  raw.body = std::move(response->body);
  return raw;
}

absl::StatusOr<nlohmann::json> RestClient::Call(std::string_view method, const std::string& path,
                                                const std::string& query,
                                                const nlohmann::json* body,
                                                const std::vector<std::string>& extra_headers) {
  absl::StatusOr<RawResponse> response =
      RawCall(method, path, query, body ? body->dump() : "", "application/json", extra_headers);
  if (!response.ok()) return response.status();
  const std::string what = absl::StrCat("BigQuery ", AV(method), " ", path);
  if (absl::Status s = StatusFromHttp(response->http_status, response->body, what); !s.ok()) {
    return s;
  }
  if (response->body.empty()) return nlohmann::json::object();
  nlohmann::json json = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return absl::InternalError(absl::StrCat(what, ": response is not JSON"));
  }
  return json;
}

absl::StatusOr<nlohmann::json> RestClient::GetDataset(const std::string& project,
                                                      const std::string& dataset) {
  return Call("GET",
              absl::StrCat("/projects/", UrlEscape(project), "/datasets/", UrlEscape(dataset)), "",
              nullptr);
}

absl::StatusOr<nlohmann::json> RestClient::InsertDataset(const std::string& project,
                                                         const std::string& dataset,
                                                         const std::string& location) {
  nlohmann::json body = {{"datasetReference", {{"projectId", project}, {"datasetId", dataset}}}};
  if (!location.empty()) body["location"] = location;
  return Call("POST", absl::StrCat("/projects/", UrlEscape(project), "/datasets"), "", &body);
}

absl::StatusOr<Table> RestClient::GetTable(const TableReference& ref) {
  auto json = Call("GET", TablePath(ref), "", nullptr);
  if (!json.ok()) return json.status();
  return TableFromJson(*json);
}

absl::StatusOr<Table> RestClient::InsertTable(const Table& table) {
  nlohmann::json body = ToJson(table);
  auto json = Call("POST",
                   absl::StrCat("/projects/", UrlEscape(table.ref.project_id), "/datasets/",
                                UrlEscape(table.ref.dataset_id), "/tables"),
                   "", &body);
  if (!json.ok()) return json.status();
  return TableFromJson(*json);
}

absl::StatusOr<nlohmann::json> RestClient::ListTableData(const TableReference& ref,
                                                         const TableDataListOptions& options) {
  std::string query;
  auto add = [&query](std::string_view key, const std::string& value) {
    absl::StrAppend(&query, query.empty() ? "" : "&", AV(key), "=", value);
  };
  if (options.max_results) add("maxResults", absl::StrCat(*options.max_results));
  if (!options.page_token.empty()) add("pageToken", UrlEscape(options.page_token));
  if (options.start_index) add("startIndex", absl::StrCat(*options.start_index));
  if (options.use_int64_timestamp) add("formatOptions.useInt64Timestamp", "true");
  if (!options.selected_fields.empty()) add("selectedFields", UrlEscape(options.selected_fields));
  return Call("GET", absl::StrCat(TablePath(ref), "/data"), query, nullptr);
}

absl::StatusOr<RestClient::RawResponse> RestClient::InsertAll(const TableReference& ref,
                                                              const std::string& body) {
  return RawCall("POST", absl::StrCat(TablePath(ref), "/insertAll"), "", body);
}

absl::StatusOr<Table> RestClient::PatchTable(const TableReference& ref, const TableSchema& schema,
                                             const std::string& etag) {
  nlohmann::json body = {{"schema", ToJson(schema)}};
  std::vector<std::string> headers;
  if (!etag.empty()) headers.push_back(absl::StrCat("If-Match: ", etag));
  auto json = Call("PATCH", TablePath(ref), "", &body, headers);
  if (!json.ok()) return json.status();
  return TableFromJson(*json);
}

}  // namespace ferry::bigquery
