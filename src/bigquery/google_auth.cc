#include "bigquery/google_auth.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "bigquery/http.h"

namespace ferry::bigquery {
namespace {

// Tokens from the OAuth2 endpoint are new on every request, so refresh early.
const absl::Duration kOAuthRefreshMargin = absl::Minutes(5);
// The metadata server hands out its cached token until about 4 minutes before
// it expires; asking earlier returns the same token (google-auth-library-java
// uses these margins for Compute Engine credentials).
const absl::Duration kMetadataRefreshMargin = absl::Seconds(225);
// A cached token is still handed out after a failed refresh while it has this
// much life left, and the refresh is retried this often meanwhile.
const absl::Duration kMinUsableLifetime = absl::Minutes(1);
const absl::Duration kRefreshRetryInterval = absl::Seconds(30);
const absl::Duration kJwtLifetime = absl::Hours(1);
constexpr int kMetadataProbes = 3;
constexpr int64_t kMaxKeyFileBytes = 1 << 20;
constexpr size_t kMaxErrorDetail = 300;
constexpr char kJwtBearerGrant[] = "urn:ietf:params:oauth:grant-type:jwt-bearer";
constexpr char kMetadataTokenPath[] = "/computeMetadata/v1/instance/service-accounts/default/token";
constexpr char kRedacted[] = "[redacted]";

using Json = nlohmann::json;
using EnvFn = std::function<std::optional<std::string>(const std::string&)>;

// What every token source needs besides its credentials.
struct Runtime {
  std::function<absl::Time()> clock;
  int max_attempts = 1;
  absl::Duration initial_backoff;
  absl::Duration max_backoff;
  absl::Duration connect_timeout;
  absl::Duration request_timeout;
};

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::string Truncate(std::string text, size_t max) {
  if (text.size() > max) {
    text.resize(max);
    text += "...";
  }
  return text;
}

// Replaces every secret (as sent, and form-encoded) in the status message.
absl::Status Redact(const absl::Status& status, const std::vector<std::string>& secrets) {
  if (status.ok()) return status;
  std::string message(status.message());
  for (const std::string& secret : secrets) {
    if (secret.size() < 4) continue;
    message = absl::StrReplaceAll(message, {{secret, kRedacted}});
    std::string escaped = UrlEscape(secret);
    if (escaped != secret) message = absl::StrReplaceAll(message, {{escaped, kRedacted}});
  }
  return absl::Status(status.code(), message);
}

std::optional<std::string> StringField(const Json& json, const char* key) {
  auto it = json.find(key);
  if (it == json.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// One exchange with a token endpoint or the metadata server. Every transport
// failure, a timeout too, is Unavailable (retried); its message starts with
// `what` and has `secrets` redacted.
absl::StatusOr<HttpResponse> Exchange(const HttpRequest& request, const std::string& what,
                                      const std::vector<std::string>& secrets) {
  absl::StatusOr<HttpResponse> response = SendHttpRequest(request);
  if (response.ok()) return response;
  const absl::StatusCode code = absl::IsDeadlineExceeded(response.status())
                                    ? absl::StatusCode::kUnavailable
                                    : response.status().code();
  return Redact(absl::Status(code, absl::StrCat(what, ": ", response.status().message())), secrets);
}

// A failed answer from a token endpoint or the metadata server as an absl
// status. The detail is OAuth2's {"error","error_description"} (or Google's
// {"error":{"message"}}), else the start of the body, with `secrets` redacted
// before it is cut short (so no prefix of one survives).
absl::Status TokenHttpError(long http_status, const std::string& body, const std::string& what,
                            const std::vector<std::string>& secrets) {
  std::string error;
  std::string detail;
  Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object()) {
    if (auto e = StringField(json, "error")) {
      error = *e;
      detail = *e;
      if (auto d = StringField(json, "error_description"); d && !d->empty()) {
        absl::StrAppend(&detail, ": ", *d);
      }
    } else if (auto it = json.find("error"); it != json.end() && it->is_object()) {
      if (auto m = StringField(*it, "message")) detail = *m;
    }
  }
  if (detail.empty()) detail = std::string(absl::StripAsciiWhitespace(body));
  detail =
      Truncate(std::string(Redact(absl::UnknownError(detail), secrets).message()), kMaxErrorDetail);
  absl::StatusCode code = StatusCodeFromHttp(http_status);
  if (http_status == 400 &&
      (error == "invalid_grant" || error == "invalid_client" || error == "unauthorized_client")) {
    code = absl::StatusCode::kUnauthenticated;  // The credentials themselves are refused.
  } else if (http_status == 408) {
    code = absl::StatusCode::kUnavailable;  // Request Timeout: worth trying again.
  } else if (code == absl::StatusCode::kOk) {
    code = absl::StatusCode::kUnknown;  // A 2xx other than 200 brings no token either.
  }
  return Redact(absl::Status(code, absl::StrCat(what, ": HTTP ", http_status,
                                                detail.empty() ? "" : absl::StrCat(": ", detail))),
                secrets);
}

bool IsRetriable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kResourceExhausted;
}

struct FetchedToken {
  std::string access_token;
  absl::Duration expires_in;
};

// {"access_token","expires_in","token_type"}; the body itself never goes into
// an error (it holds the token).
absl::StatusOr<FetchedToken> ParseTokenResponse(const std::string& body, const std::string& what) {
  Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return absl::InternalError(absl::StrCat(what, ": the response is not a JSON object"));
  }
  FetchedToken token;
  auto access_token = StringField(json, "access_token");
  if (!access_token || access_token->empty()) {
    return absl::InternalError(absl::StrCat(what, ": the response has no access_token"));
  }
  token.access_token = *std::move(access_token);
  if (auto type = StringField(json, "token_type");
      type && !absl::EqualsIgnoreCase(*type, "Bearer")) {
    return absl::InternalError(
        absl::StrCat(what, ": token_type is \"", Truncate(*type, 40), "\", not Bearer"));
  }
  // Google always sends expires_in (seconds, a number; some servers a string).
  int64_t seconds = 3600;
  if (auto it = json.find("expires_in"); it != json.end()) {
    if (it->is_number()) {
      seconds = static_cast<int64_t>(it->get<double>());
    } else if (!it->is_string() || !absl::SimpleAtoi(it->get<std::string>(), &seconds)) {
      return absl::InternalError(absl::StrCat(what, ": expires_in is not a number"));
    }
  }
  if (seconds <= 0) {
    return absl::InternalError(absl::StrCat(what, ": the token has already expired"));
  }
  token.expires_in = absl::Seconds(seconds);
  return token;
}

// An OAuth2 token request: `form` (application/x-www-form-urlencoded) POSTed
// to `endpoint`, answered with a token. `secrets` (what the form carries)
// never appear in an error.
absl::StatusOr<FetchedToken> RequestToken(const Runtime& runtime, const std::string& endpoint,
                                          const std::string& form, const std::string& what,
                                          const std::vector<std::string>& secrets) {
  HttpRequest request;
  request.method = "POST";
  request.url = endpoint;
  request.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
  request.body = form;
  request.connect_timeout = runtime.connect_timeout;
  request.timeout = runtime.request_timeout;
  absl::StatusOr<HttpResponse> response = Exchange(request, what, secrets);
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return TokenHttpError(response->status, response->body, what, secrets);
  }
  return ParseTokenResponse(response->body, what);
}

// Caches the token, refreshes it `refresh_margin` before it expires, retries
// failed requests, and lets concurrent callers share one request.
class CachingTokenSource : public TokenSource {
 public:
  CachingTokenSource(Runtime runtime, std::string description, absl::Duration refresh_margin)
      : runtime_(std::move(runtime)),
        description_(std::move(description)),
        refresh_margin_(refresh_margin) {}

  absl::StatusOr<std::string> Token() final {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      absl::Time now = runtime_.clock();
      if (!token_.empty() && now < refresh_at_) return token_;
      if (!fetching_) {
        // A refresh failed recently: keep the still-usable token for a while.
        if (Usable(now) && now < retry_refresh_at_) return token_;
        break;
      }
      uint64_t generation = generation_;
      cv_.wait(lock, [&] { return generation_ != generation; });
      // Share the outcome of the request just made instead of making another.
      if (last_status_.ok()) return token_;
      if (Usable(runtime_.clock())) return token_;
      return last_status_;
    }
    fetching_ = true;
    lock.unlock();
    absl::Time started = runtime_.clock();
    absl::StatusOr<FetchedToken> fetched = FetchWithRetries();
    lock.lock();
    fetching_ = false;
    ++generation_;
    cv_.notify_all();
    if (fetched.ok()) {
      last_status_ = absl::OkStatus();
      token_ = std::move(fetched->access_token);
      expires_at_ = started + fetched->expires_in;
      // A short-lived token is still kept for half its life, so that a server
      // handing out tokens with less than the margin left is not asked on
      // every call.
      refresh_at_ = std::max(expires_at_ - refresh_margin_, started + fetched->expires_in / 2);
      return token_;
    }
    last_status_ = fetched.status();
    absl::Time now = runtime_.clock();
    if (Usable(now)) {
      retry_refresh_at_ = now + kRefreshRetryInterval;
      return token_;
    }
    return last_status_;
  }

  std::string Describe() const final { return description_; }

 protected:
  // One request for a new token. Unavailable and ResourceExhausted are retried.
  virtual absl::StatusOr<FetchedToken> FetchOnce() = 0;

  const Runtime& runtime() const { return runtime_; }
  const std::string& description() const { return description_; }

 private:
  bool Usable(absl::Time now) const {
    return !token_.empty() && now + kMinUsableLifetime < expires_at_;
  }

  absl::StatusOr<FetchedToken> FetchWithRetries() {
    absl::Duration backoff = runtime_.initial_backoff;
    for (int attempt = 1;; ++attempt) {
      absl::StatusOr<FetchedToken> fetched = FetchOnce();
      if (fetched.ok() || !IsRetriable(fetched.status())) return fetched;
      if (attempt >= runtime_.max_attempts) {
        if (attempt == 1) return fetched;
        return absl::Status(
            fetched.status().code(),
            absl::StrCat(fetched.status().message(), " (after ", attempt, " attempts)"));
      }
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, runtime_.max_backoff);
    }
  }

  const Runtime runtime_;
  const std::string description_;
  const absl::Duration refresh_margin_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool fetching_ = false;     // guarded by mu_
  uint64_t generation_ = 0;   // guarded by mu_; counts finished requests.
  absl::Status last_status_;  // guarded by mu_; of the last finished request.
  std::string token_;         // guarded by mu_; "" = none yet.
  absl::Time expires_at_;     // guarded by mu_
  absl::Time refresh_at_;     // guarded by mu_
  absl::Time retry_refresh_at_ = absl::InfinitePast();  // guarded by mu_
};

using PKeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

int NoPassphrase(char*, int, int, void*) { return 0; }

absl::StatusOr<PKeyPtr> LoadRsaPrivateKey(const std::string& pem, const std::string& origin) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) return absl::InternalError("BIO_new_mem_buf failed");
  PKeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, &NoPassphrase, nullptr), &EVP_PKEY_free);
  ERR_clear_error();  // OpenSSL's reasons say nothing of the key; keep the queue clean.
  if (!key) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": private_key is not a PEM-encoded (unencrypted) private key"));
  }
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": private_key is not an RSA key (RS256 needs one)"));
  }
  return key;
}

absl::StatusOr<std::string> SignRs256(EVP_PKEY* key, const std::string& input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  size_t length = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    ERR_clear_error();
    return absl::InternalError("RS256 signing failed");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    ERR_clear_error();
    return absl::InternalError("RS256 signing failed");
  }
  signature.resize(length);
  return signature;
}

std::string Base64Url(const std::string& data) { return absl::WebSafeBase64Escape(data); }

// A service_account key: a JWT signed with the key is exchanged for a token
// (RFC 7523 JWT-bearer grant, as Google's OAuth2 server documents it).
class ServiceAccountTokenSource final : public CachingTokenSource {
 public:
  ServiceAccountTokenSource(Runtime runtime, std::string description, std::string email,
                            std::string key_id, PKeyPtr key, std::string scope,
                            std::string endpoint)
      : CachingTokenSource(std::move(runtime), std::move(description), kOAuthRefreshMargin),
        email_(std::move(email)),
        key_id_(std::move(key_id)),
        key_(std::move(key)),
        scope_(std::move(scope)),
        endpoint_(std::move(endpoint)) {}

 protected:
  absl::StatusOr<FetchedToken> FetchOnce() override {
    const std::string what = absl::StrCat("token request for ", description(), " to ", endpoint_);
    Json header = {{"alg", "RS256"}, {"typ", "JWT"}};
    if (!key_id_.empty()) header["kid"] = key_id_;
    const int64_t iat = absl::ToUnixSeconds(runtime().clock());
    Json claims = {{"iss", email_},
                   {"scope", scope_},
                   {"aud", endpoint_},
                   {"iat", iat},
                   {"exp", iat + absl::ToInt64Seconds(kJwtLifetime)}};
    std::string signing_input =
        absl::StrCat(Base64Url(header.dump()), ".", Base64Url(claims.dump()));
    auto signature = SignRs256(key_.get(), signing_input);
    if (!signature.ok()) {
      return absl::InternalError(absl::StrCat(what, ": ", signature.status().message()));
    }
    std::string encoded_signature = Base64Url(*signature);
    std::string assertion = absl::StrCat(signing_input, ".", encoded_signature);
    const std::string form = absl::StrCat("grant_type=", UrlEscape(kJwtBearerGrant),
                                          "&assertion=", UrlEscape(assertion));
    return RequestToken(runtime(), endpoint_, form, what, {assertion, encoded_signature});
  }

 private:
  const std::string email_;
  const std::string key_id_;
  const PKeyPtr key_;
  const std::string scope_;
  const std::string endpoint_;
};

// An authorized_user key (gcloud's application default credentials): the
// refresh token is exchanged for an access token.
class AuthorizedUserTokenSource final : public CachingTokenSource {
 public:
  AuthorizedUserTokenSource(Runtime runtime, std::string description, std::string client_id,
                            std::string client_secret, std::string refresh_token,
                            std::string endpoint)
      : CachingTokenSource(std::move(runtime), std::move(description), kOAuthRefreshMargin),
        client_id_(std::move(client_id)),
        client_secret_(std::move(client_secret)),
        refresh_token_(std::move(refresh_token)),
        endpoint_(std::move(endpoint)) {}

 protected:
  absl::StatusOr<FetchedToken> FetchOnce() override {
    const std::string what = absl::StrCat("token request for ", description(), " to ", endpoint_);
    const std::string form = absl::StrCat(
        "grant_type=refresh_token&client_id=", UrlEscape(client_id_),
        "&client_secret=", UrlEscape(client_secret_), "&refresh_token=", UrlEscape(refresh_token_));
    return RequestToken(runtime(), endpoint_, form, what, {client_secret_, refresh_token_});
  }

 private:
  const std::string client_id_;
  const std::string client_secret_;
  const std::string refresh_token_;
  const std::string endpoint_;
};

// The VM's (or workload's) default service account, from the metadata server.
class MetadataTokenSource final : public CachingTokenSource {
 public:
  MetadataTokenSource(Runtime runtime, std::string host)
      : CachingTokenSource(
            std::move(runtime),
            absl::StrCat("the default service account of the GCE metadata server ", host),
            kMetadataRefreshMargin),
        url_(absl::StrCat("http://", host, kMetadataTokenPath)) {}

 protected:
  absl::StatusOr<FetchedToken> FetchOnce() override {
    const std::string what = absl::StrCat("token request to ", url_);
    HttpRequest request;
    request.url = url_;
    request.headers = {"Metadata-Flavor: Google", "Accept: application/json"};
    request.connect_timeout = runtime().connect_timeout;
    request.timeout = runtime().request_timeout;
    request.no_proxy = true;
    absl::StatusOr<HttpResponse> response = Exchange(request, what, {});
    if (!response.ok()) return response.status();
    if (response->status == 404) {
      return absl::NotFoundError(absl::StrCat(
          what, ": HTTP 404 (the instance may have no service account or no access scopes)"));
    }
    if (response->status != 200) return TokenHttpError(response->status, response->body, what, {});
    return ParseTokenResponse(response->body, what);
  }

 private:
  const std::string url_;
};

absl::Status FileError(int error, const std::string& origin) {
  std::string reason = std::generic_category().message(error);
  switch (error) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(absl::StrCat(origin, ": ", reason));
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(absl::StrCat(origin, ": ", reason));
    default:
      return absl::UnknownError(absl::StrCat(origin, ": cannot read: ", reason));
  }
}

absl::StatusOr<std::string> ReadKeyFile(const std::string& path, const std::string& origin) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return FileError(errno, origin);
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": is a directory, not a key file"));
  }
  if (st.st_size > kMaxKeyFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": ", st.st_size, " bytes is too large for a JSON key"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return FileError(errno, origin);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return FileError(errno, origin);
  return text.str();
}

void Cleanse(std::string& secret) {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
}

// A key's JSON -> its token source. `origin` names where the key came from
// (a path or the key source) and starts every error; nothing of the key text
// goes into one.
absl::StatusOr<std::shared_ptr<TokenSource>> FromKeyJson(const std::string& text,
                                                         const std::string& origin,
                                                         const CredentialsOptions& options,
                                                         const Runtime& runtime) {
  // Parse errors are not passed on: nlohmann's quote the text around them.
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": not valid JSON"));
  }
  if (!json.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": not a JSON object"));
  }
  auto require = [&](const char* field) -> absl::StatusOr<std::string> {
    auto value = StringField(json, field);
    if (!value || value->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ": the key has no \"", field, "\" (a non-empty string)"));
    }
    return *std::move(value);
  };
  auto type = StringField(json, "type");
  if (!type) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin, ": the key has no \"type\" (\"service_account\" or \"authorized_user\")"));
  }
  const std::string endpoint =
      options.token_endpoint.empty() ? std::string(kGoogleTokenEndpoint) : options.token_endpoint;

  if (*type == "service_account") {
    auto email = require("client_email");
    if (!email.ok()) return email.status();
    auto pem = require("private_key");
    if (!pem.ok()) return pem.status();
    auto key = LoadRsaPrivateKey(*pem, origin);
    Cleanse(*pem);
    Cleanse(json["private_key"].get_ref<std::string&>());
    if (!key.ok()) return key.status();
    if (options.scopes.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ": a service account key needs at least one OAuth2 scope"));
    }
    std::string key_id = StringField(json, "private_key_id").value_or("");
    std::string description = absl::StrCat("service account ", *email, " (", origin, ")");
    return std::make_shared<ServiceAccountTokenSource>(
        runtime, std::move(description), *std::move(email), std::move(key_id), *std::move(key),
        absl::StrJoin(options.scopes, " "), endpoint);
  }
  if (*type == "authorized_user") {
    auto client_id = require("client_id");
    if (!client_id.ok()) return client_id.status();
    auto client_secret = require("client_secret");
    if (!client_secret.ok()) return client_secret.status();
    auto refresh_token = require("refresh_token");
    if (!refresh_token.ok()) return refresh_token.status();
    std::string description =
        absl::StrCat("user credentials of OAuth client ", *client_id, " (", origin, ")");
    return std::make_shared<AuthorizedUserTokenSource>(
        runtime, std::move(description), *std::move(client_id), *std::move(client_secret),
        *std::move(refresh_token), endpoint);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      origin, ": credentials of type \"", Truncate(*type, 40),
      "\" are not supported (ferry supports \"service_account\" and \"authorized_user\")"));
}

absl::StatusOr<std::shared_ptr<TokenSource>> FromKeyFile(const std::string& path,
                                                         const std::string& origin,
                                                         const CredentialsOptions& options,
                                                         const Runtime& runtime) {
  auto text = ReadKeyFile(path, origin);
  if (!text.ok()) return text.status();
  auto source = FromKeyJson(*text, origin, options, runtime);
  Cleanse(*text);
  return source;
}

// Whether a GCE metadata server answers at `host`: GET / with Metadata-Flavor:
// Google, answered with the same header (other servers on the way, such as a
// captive portal, do not send it).
bool MetadataServerAnswers(const std::string& host, absl::Duration timeout) {
  HttpRequest request;
  request.url = absl::StrCat("http://", host, "/");
  request.headers = {"Metadata-Flavor: Google"};
  request.connect_timeout = timeout;
  request.timeout = timeout * 2;
  request.no_proxy = true;
  for (int probe = 0; probe < kMetadataProbes; ++probe) {
    absl::StatusOr<HttpResponse> response = SendHttpRequest(request);
    if (response.ok()) return response->Header("Metadata-Flavor") == "Google";
  }
  return false;
}

bool ProductNameIsGoogle(const std::string& path) {
  if (path.empty()) return false;
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return false;
  return absl::StartsWith(absl::StripAsciiWhitespace(line), "Google");
}

absl::StatusOr<std::shared_ptr<TokenSource>> ApplicationDefault(const CredentialsOptions& options,
                                                                const EnvFn& env,
                                                                const Runtime& runtime) {
  // 1. $GOOGLE_APPLICATION_CREDENTIALS: when set, it must work (no fallback).
  if (auto path = env("GOOGLE_APPLICATION_CREDENTIALS"); path && !path->empty()) {
    return FromKeyFile(*path, absl::StrCat("$GOOGLE_APPLICATION_CREDENTIALS file ", *path), options,
                       runtime);
  }
  // 2. gcloud's well-known file (`gcloud auth application-default login`).
  std::string well_known;
  if (auto config = env("CLOUDSDK_CONFIG"); config && !config->empty()) {
    well_known = absl::StrCat(*config, "/application_default_credentials.json");
  } else if (auto home = env("HOME"); home && !home->empty()) {
    well_known = absl::StrCat(*home, "/.config/gcloud/application_default_credentials.json");
  }
  if (!well_known.empty()) {
    struct stat st;
    if (::stat(well_known.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      return FromKeyFile(well_known,
                         absl::StrCat("gcloud application default credentials ", well_known),
                         options, runtime);
    }
  }
  // 3. The GCE metadata server.
  std::string host = options.metadata_host;
  if (host.empty()) host = env("GCE_METADATA_HOST").value_or("");
  if (host.empty()) host = kDefaultMetadataHost;
  auto no_gce_check = env("NO_GCE_CHECK");
  if (!(no_gce_check && absl::EqualsIgnoreCase(*no_gce_check, "true"))) {
    if (MetadataServerAnswers(host, options.metadata_probe_timeout) ||
        ProductNameIsGoogle(options.gce_product_name_path)) {
      return std::make_shared<MetadataTokenSource>(runtime, host);
    }
  }
  return absl::FailedPreconditionError(
      absl::StrCat("keySource=APPLICATION_DEFAULT: no application default credentials found ",
                   "($GOOGLE_APPLICATION_CREDENTIALS is not set, ",
                   well_known.empty() ? "no $CLOUDSDK_CONFIG or $HOME for gcloud's file"
                                      : absl::StrCat(well_known, " does not exist"),
                   ", and no GCE metadata server answered at ", host,
                   "); set GOOGLE_APPLICATION_CREDENTIALS to a key file, run `gcloud auth "
                   "application-default login`, or use keySource=FILE with a keyfile"));
}

}  // namespace

absl::StatusOr<std::shared_ptr<TokenSource>> CreateTokenSource(const CredentialsOptions& options) {
  if (options.max_attempts < 1) {
    return absl::InvalidArgumentError("credentials: max_attempts must be at least 1");
  }
  Runtime runtime;
  runtime.clock = options.clock ? options.clock : [] { return absl::Now(); };
  runtime.max_attempts = options.max_attempts;
  runtime.initial_backoff = options.initial_backoff;
  runtime.max_backoff = options.max_backoff;
  runtime.connect_timeout = options.connect_timeout;
  runtime.request_timeout = options.request_timeout;
  const EnvFn env = options.env ? options.env : EnvFn(&ProcessEnv);

  if (options.key_source == "FILE") {
    if (absl::StripAsciiWhitespace(options.keyfile).empty()) {
      return absl::InvalidArgumentError(
          "keySource=FILE needs keyfile: the path of a JSON key file");
    }
    // A key pasted into keyfile without keySource=JSON (as configs posted to
    // Connect's REST API often have it): kcbq would fail to open a file of
    // that name; it cannot be a path, so it is read as the key (the
    // credentials' description, which the writer logs, says so).
    if (absl::StartsWith(absl::StripLeadingAsciiWhitespace(options.keyfile), "{")) {
      return FromKeyJson(options.keyfile, "keyfile (a JSON key with keySource=FILE)", options,
                         runtime);
    }
    return FromKeyFile(options.keyfile, absl::StrCat("keyfile ", options.keyfile), options,
                       runtime);
  }
  if (options.key_source == "JSON") {
    if (absl::StripAsciiWhitespace(options.keyfile).empty()) {
      return absl::InvalidArgumentError("keySource=JSON needs keyfile: the JSON key itself");
    }
    return FromKeyJson(options.keyfile, "keyfile (keySource=JSON)", options, runtime);
  }
  if (options.key_source == "APPLICATION_DEFAULT") return ApplicationDefault(options, env, runtime);
  return absl::InvalidArgumentError(
      absl::StrCat("keySource must be FILE, JSON or APPLICATION_DEFAULT, not \"",
                   Truncate(options.key_source, 40), "\""));
}

}  // namespace ferry::bigquery
