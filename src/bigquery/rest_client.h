#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bigquery/auth.h"
#include "bigquery/http.h"
#include "bigquery/table_schema.h"

namespace ferry::bigquery {

struct RestClientOptions {
  // Base URL, e.g. "https://bigquery.googleapis.com" or the emulator's
  // "http://127.0.0.1:PORT"; requests go to <endpoint>/bigquery/v2/...
  std::string endpoint = "https://bigquery.googleapis.com";
  std::shared_ptr<TokenSource> token_source;  // null = anonymous.
  absl::Duration connect_timeout = absl::Seconds(10);
  absl::Duration request_timeout = absl::Seconds(60);
};

struct TableDataListOptions {
  std::optional<int64_t> max_results;
  std::string page_token;
  std::optional<int64_t> start_index;
  bool use_int64_timestamp = true;  // formatOptions.useInt64Timestamp
  std::string selected_fields;      // comma-separated columns; empty = all.
};

// The BigQuery v2 REST API (datasets, tables, tabledata.list) over libcurl
// (bigquery/http.h), with Google's paths and JSON. Errors carry the server's
// message with the HTTP status mapped to an absl code (see StatusFromHttp).
//
// One HttpConnection per client, so connections are kept alive between
// calls; calls are serialised on it (thread-safe, not concurrent). Tokens are
// sent as "Authorization: Bearer ..." and never logged or put in errors.
class RestClient {
 public:
  static absl::StatusOr<std::unique_ptr<RestClient>> Create(RestClientOptions options);
  ~RestClient();
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  // datasets.get / datasets.insert; return the dataset resource.
  absl::StatusOr<nlohmann::json> GetDataset(const std::string& project, const std::string& dataset);
  absl::StatusOr<nlohmann::json> InsertDataset(const std::string& project,
                                               const std::string& dataset,
                                               const std::string& location = "");
  // tables.get / tables.insert; return the table resource.
  absl::StatusOr<Table> GetTable(const TableReference& ref);
  absl::StatusOr<Table> InsertTable(const Table& table);
  // tabledata.list; returns the response as Google renders it ({"rows":[{"f":[...]}], ...}).
  absl::StatusOr<nlohmann::json> ListTableData(const TableReference& ref,
                                               const TableDataListOptions& options = {});

  // One request (RawCall) whose answer is Google's JSON: a non-2xx status is an
  // error (StatusFromHttp), an empty 2xx body is {}. `path` is below
  // /bigquery/v2 and already escaped. Exposed for calls the typed methods do
  // not cover yet.
  absl::StatusOr<nlohmann::json> Call(std::string_view method, const std::string& path,
                                      const std::string& query, const nlohmann::json* body,
                                      const std::vector<std::string>& extra_headers = {});

  // An HTTP exchange whatever its outcome, for callers that must read non-JSON
  // error bodies (Google's front end answers an oversized request with an HTML
  // 413 page).
  struct RawResponse {
    long http_status = 0;
    std::string content_type;
    std::string body;
  };
  // One request with a ready-made body (sent as `content_type`; no body when
  // empty and the method is GET) and `extra_headers` ("Name: value"). Non-OK
  // only when no HTTP response arrived: Unavailable (connection),
  // DeadlineExceeded (timeout), or the token source's error. `path` is below
  // /bigquery/v2 and already escaped.
  absl::StatusOr<RawResponse> RawCall(std::string_view method, const std::string& path,
                                      const std::string& query, const std::string& body,
                                      std::string_view content_type = "application/json",
                                      const std::vector<std::string>& extra_headers = {});
  // tabledata.insertAll with a ready-made JSON request body (see RawCall).
  absl::StatusOr<RawResponse> InsertAll(const TableReference& ref, const std::string& body);

  // tables.patch with the schema only: the table's schema becomes `schema`
  // (which must keep every column; BigQuery refuses removals, type changes,
  // new REQUIRED columns). With a non-empty `etag` (Table::etag from the read
  // the schema was computed from) it is sent as If-Match, and a table changed
  // since then fails with FailedPrecondition (HTTP 412): read it again and
  // recompute. Returns the patched table (with its new etag).
  absl::StatusOr<Table> PatchTable(const TableReference& ref, const TableSchema& schema,
                                   const std::string& etag = "");

 private:
  RestClient(RestClientOptions options, std::unique_ptr<HttpConnection> http);

  RestClientOptions options_;
  std::mutex mu_;
  std::unique_ptr<HttpConnection> http_;  // Guarded by mu_.
};

// HTTP status + Google's error JSON ({"error":{"code","message","errors":[{"reason"}],
// "status"}}) -> absl::Status: 400 InvalidArgument, 401 Unauthenticated,
// 403 PermissionDenied, 404 NotFound, 409 AlreadyExists, 412 FailedPrecondition,
// 429 and quota/rate-limit reasons (any status) ResourceExhausted,
// 5xx Unavailable, others Unknown. The message is the server's.
absl::Status StatusFromHttp(long http_status, std::string_view body, std::string_view what);

}  // namespace ferry::bigquery
