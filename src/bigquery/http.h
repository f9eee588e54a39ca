#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ferry::bigquery {

// TLS settings of an https:// exchange beyond libcurl's defaults (the
// system's CAs, no client certificate).
struct TlsOptions {
  // PEM certificates to trust instead of the system's CAs.
  std::string ca_pem;
  // A client certificate (PEM, the certificate first, then its chain) and
  // its unencrypted PEM key; both or neither.
  std::string client_cert_pem;
  std::string client_key_pem;
  // false: the server's certificate need not name the host (Java's
  // ssl.endpoint.identification.algorithm="").
  bool verify_hostname = true;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // http:// or https:// only.
  // "Name: value" lines. They may hold credentials (Authorization): they are
  // never logged or put in errors.
  std::vector<std::string> headers;
  // Sent when set, even when empty (Content-Length: 0); not owned, so it must
  // outlive the call. A GET without one sends no body.
  std::optional<std::string_view> body;
  absl::Duration connect_timeout = absl::Seconds(10);
  absl::Duration timeout = absl::Seconds(60);  // The whole exchange.
  bool no_proxy = false;                       // Never through a proxy (link-local servers).
  const TlsOptions* tls = nullptr;             // Not owned; null: libcurl's defaults.
};

struct HttpResponse {
  long status = 0;
  std::string body;  // Decoded (gzip/deflate are asked for and undone).
  // The final response's header lines (not those of a 100 Continue), names
  // as sent, values without surrounding white space, in order.
  std::vector<std::pair<std::string, std::string>> headers;

  // The last value of the header `name` (case-insensitive); "" when absent.
  std::string Header(absl::string_view name) const;
};

// The absl code of an HTTP error status as Google's APIs use them:
// 400 InvalidArgument, 401 Unauthenticated, 403 PermissionDenied,
// 404 NotFound, 409 AlreadyExists, 412 FailedPrecondition,
// 429 ResourceExhausted, 5xx Unavailable, any other Unknown (2xx: OK).
absl::StatusCode StatusCodeFromHttp(long http_status);

// One libcurl easy handle: connections are kept alive between requests.
// Not thread-safe; callers serialise Send().
class HttpConnection {
 public:
  static absl::StatusOr<std::unique_ptr<HttpConnection>> Create();
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // One exchange; any HTTP status is a response for the caller to judge.
  // Non-OK only when no response arrived: DeadlineExceeded when
  // `request.timeout` ran out, Unavailable for any other transport failure,
  // with libcurl's reason as the message (no header is ever in it; callers
  // add what was asked).
  absl::StatusOr<HttpResponse> Send(const HttpRequest& request);

 private:
  explicit HttpConnection(void* curl) : curl_(curl) {}
  void* curl_;  // CURL*
};

// One exchange on a connection of its own (see HttpConnection::Send).
absl::StatusOr<HttpResponse> SendHttpRequest(const HttpRequest& request);

// Percent-encodes every byte but RFC 3986's unreserved characters
// (A-Z a-z 0-9 - . _ ~), with upper-case hex: for URL path segments, query
// values and application/x-www-form-urlencoded fields.
std::string UrlEscape(absl::string_view text);

}  // namespace ferry::bigquery
