#include "bigquery/rest_client.h"

#include <curl/curl.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace ferry::bigquery {
namespace {

// Debian's abseil has its own string_view; bridge std::string_view into it.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
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
  absl::StatusCode code = absl::StatusCode::kUnknown;
  if (IsQuotaReason(reason) || http_status == 429) {
    code = absl::StatusCode::kResourceExhausted;
  } else if (http_status == 400) {
    code = absl::StatusCode::kInvalidArgument;
  } else if (http_status == 401) {
    code = absl::StatusCode::kUnauthenticated;
  } else if (http_status == 403) {
    code = absl::StatusCode::kPermissionDenied;
  } else if (http_status == 404) {
    code = absl::StatusCode::kNotFound;
  } else if (http_status == 409) {
    code = absl::StatusCode::kAlreadyExists;
  } else if (http_status == 412) {
    code = absl::StatusCode::kFailedPrecondition;
  } else if (http_status >= 500 && http_status < 600) {
    code = absl::StatusCode::kUnavailable;
  }
  return absl::Status(code, text);
}

absl::StatusOr<std::unique_ptr<RestClient>> RestClient::Create(RestClientOptions options) {
  GlobalInit();
  while (!options.endpoint.empty() && options.endpoint.back() == '/') options.endpoint.pop_back();
  if (options.endpoint.empty()) return absl::InvalidArgumentError("empty BigQuery REST endpoint");
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  return std::unique_ptr<RestClient>(new RestClient(std::move(options), curl));
}

RestClient::RestClient(RestClientOptions options, void* curl)
    : options_(std::move(options)), curl_(curl) {}

RestClient::~RestClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

std::string RestClient::Escape(const std::string& segment) {
  char* escaped =
      curl_easy_escape(static_cast<CURL*>(curl_), segment.data(), static_cast<int>(segment.size()));
  std::string out = escaped ? escaped : "";
  curl_free(escaped);
  return out;
}

std::string RestClient::TablePath(const TableReference& ref) {
  return absl::StrCat("/projects/", Escape(ref.project_id), "/datasets/", Escape(ref.dataset_id),
                      "/tables/", Escape(ref.table_id));
}

absl::StatusOr<nlohmann::json> RestClient::Call(std::string_view method, const std::string& path,
                                                const std::string& query,
                                                const nlohmann::json* body,
                                                const std::vector<std::string>& extra_headers) {
  std::string token;
  if (options_.token_source) {
    auto t = options_.token_source->Token();
    if (!t.ok()) return t.status();
    token = *std::move(t);
  }
  std::string url =
      absl::StrCat(options_.endpoint, "/bigquery/v2", path, query.empty() ? "" : "?", query);
  std::string what = absl::StrCat("BigQuery ", AV(method), " ", path);
  std::string payload = body ? body->dump() : "";
  std::string response;
  long http_status = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    CURL* curl = static_cast<CURL*>(curl_);
    curl_easy_reset(curl);  // keeps the connection cache; clears last call's options.
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Accept: application/json");
    if (body) headers = curl_slist_append(headers, "Content-Type: application/json");
    for (const std::string& h : extra_headers) headers = curl_slist_append(headers, h.c_str());
    std::string auth;
    if (!token.empty()) {
      auth = absl::StrCat("Authorization: Bearer ", token);
      headers = curl_slist_append(headers, auth.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, std::string(method).c_str());
    if (body) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
    } else if (method == "GET") {
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(absl::ToInt64Milliseconds(options_.request_timeout)));
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);  // holds the token: freed right away.
    if (rc != CURLE_OK) {
      absl::StatusCode code = rc == CURLE_OPERATION_TIMEDOUT ? absl::StatusCode::kDeadlineExceeded
                                                             : absl::StatusCode::kUnavailable;
      return absl::Status(code, absl::StrCat(what, ": ", curl_easy_strerror(rc)));
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_status);
  }
  if (auto s = StatusFromHttp(http_status, response, what); !s.ok()) return s;
  if (response.empty()) return nlohmann::json::object();
  nlohmann::json json = nlohmann::json::parse(response, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return absl::InternalError(absl::StrCat(what, ": response is not JSON"));
  }
  return json;
}

absl::StatusOr<nlohmann::json> RestClient::GetDataset(const std::string& project,
                                                      const std::string& dataset) {
  return Call("GET", absl::StrCat("/projects/", Escape(project), "/datasets/", Escape(dataset)), "",
              nullptr);
}

absl::StatusOr<nlohmann::json> RestClient::InsertDataset(const std::string& project,
                                                         const std::string& dataset,
                                                         const std::string& location) {
  nlohmann::json body = {{"datasetReference", {{"projectId", project}, {"datasetId", dataset}}}};
  if (!location.empty()) body["location"] = location;
  return Call("POST", absl::StrCat("/projects/", Escape(project), "/datasets"), "", &body);
}

absl::StatusOr<Table> RestClient::GetTable(const TableReference& ref) {
  auto json = Call("GET", TablePath(ref), "", nullptr);
  if (!json.ok()) return json.status();
  return TableFromJson(*json);
}

absl::StatusOr<Table> RestClient::InsertTable(const Table& table) {
  nlohmann::json body = ToJson(table);
  auto json = Call("POST",
                   absl::StrCat("/projects/", Escape(table.ref.project_id), "/datasets/",
                                Escape(table.ref.dataset_id), "/tables"),
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
  if (!options.page_token.empty()) add("pageToken", Escape(options.page_token));
  if (options.start_index) add("startIndex", absl::StrCat(*options.start_index));
  if (options.use_int64_timestamp) add("formatOptions.useInt64Timestamp", "true");
  if (!options.selected_fields.empty()) add("selectedFields", Escape(options.selected_fields));
  return Call("GET", absl::StrCat(TablePath(ref), "/data"), query, nullptr);
}

absl::StatusOr<RestClient::RawResponse> RestClient::RawCall(std::string_view method,
                                                            const std::string& path,
                                                            const std::string& query,
                                                            const std::string& body,
                                                            std::string_view content_type) {
  std::string token;
  if (options_.token_source) {
    auto t = options_.token_source->Token();
    if (!t.ok()) return t.status();
    token = *std::move(t);
  }
  std::string url =
      absl::StrCat(options_.endpoint, "/bigquery/v2", path, query.empty() ? "" : "?", query);
  RawResponse response;
  std::lock_guard<std::mutex> lock(mu_);
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);  // keeps the connection cache; clears last call's options.
  curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
  const bool has_body = !body.empty() || method != "GET";
  const std::string type_header = absl::StrCat("Content-Type: ", AV(content_type));
  if (has_body) headers = curl_slist_append(headers, type_header.c_str());
  std::string auth;
  if (!token.empty()) {
    auth = absl::StrCat("Authorization: Bearer ", token);
    headers = curl_slist_append(headers, auth.c_str());
  }
  const std::string method_text(method);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method_text.c_str());
  if (has_body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.request_timeout)));
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);  // holds the token: freed right away.
  if (rc != CURLE_OK) {
    absl::StatusCode code = rc == CURLE_OPERATION_TIMEDOUT ? absl::StatusCode::kDeadlineExceeded
                                                           : absl::StatusCode::kUnavailable;
    return absl::Status(
        code, absl::StrCat("BigQuery ", AV(method), " ", path, ": ", curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.http_status);
  char* type = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type != nullptr) {
    response.content_type = type;
  }
  return response;
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
