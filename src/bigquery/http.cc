#include "bigquery/http.h"

#include <curl/curl.h>

#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ferry::bigquery {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t AppendHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(user);
  const absl::string_view line(data, size * count);
  if (absl::StartsWith(line, "HTTP/")) {
    headers->clear();  // A new response's status line: keep only the final one's headers.
  } else if (const size_t colon = line.find(':'); colon != absl::string_view::npos) {
    headers->emplace_back(std::string(absl::StripAsciiWhitespace(line.substr(0, colon))),
                          std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  }
  return size * count;
}

}  // namespace

absl::StatusCode StatusCodeFromHttp(long http_status) {
  if (http_status >= 200 && http_status < 300) return absl::StatusCode::kOk;
  if (http_status >= 500 && http_status < 600) return absl::StatusCode::kUnavailable;
  switch (http_status) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kAlreadyExists;
    case 412:
      return absl::StatusCode::kFailedPrecondition;
    case 429:
      return absl::StatusCode::kResourceExhausted;
    default:
      return absl::StatusCode::kUnknown;
  }
}

std::string HttpResponse::Header(absl::string_view name) const {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (absl::EqualsIgnoreCase(it->first, name)) return it->second;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<HttpConnection>> HttpConnection::Create() {
  GlobalInit();
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  return std::unique_ptr<HttpConnection>(new HttpConnection(curl));
}

HttpConnection::~HttpConnection() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

absl::StatusOr<HttpResponse> HttpConnection::Send(const HttpRequest& request) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);  // Keeps the connection cache; clears the last request's options.
  curl_slist* headers = nullptr;
  for (const std::string& header : request.headers) {
    headers = curl_slist_append(headers, header.c_str());
  }
  HttpResponse response;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.body) {
    // A null pointer would make libcurl read the body from a callback (stdin).
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body->empty() ? "" : request.body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body->size()));
  } else if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &AppendHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(request.connect_timeout)));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(request.timeout)));
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  if (request.no_proxy) curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  if (request.tls != nullptr) {
    const TlsOptions& tls = *request.tls;
    // libcurl copies blobs (CURL_BLOB_COPY), so they need not outlive this call.
    auto blob = [](const std::string& pem) {
      return curl_blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
    };
    if (!tls.ca_pem.empty()) {
      curl_blob ca = blob(tls.ca_pem);
      curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &ca);
    }
    if (!tls.client_cert_pem.empty()) {
      curl_blob cert = blob(tls.client_cert_pem);
      curl_blob key = blob(tls.client_key_pem);
      curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert);
      curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key);
      curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (!tls.verify_hostname) curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);  // May hold a token: freed right away.
  // The handle keeps no pointer to this call's memory past it.
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  if (rc != CURLE_OK) {
    const absl::StatusCode code = rc == CURLE_OPERATION_TIMEDOUT
                                      ? absl::StatusCode::kDeadlineExceeded
                                      : absl::StatusCode::kUnavailable;
    return absl::Status(code, error[0] != '\0' ? error : curl_easy_strerror(rc));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

absl::StatusOr<HttpResponse> SendHttpRequest(const HttpRequest& request) {
  absl::StatusOr<std::unique_ptr<HttpConnection>> connection = HttpConnection::Create();
  if (!connection.ok()) return connection.status();
  return (*connection)->Send(request);
}

std::string UrlEscape(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace ferry::bigquery
