#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bigquery/auth.h"

namespace ferry::bigquery {

inline constexpr char kBigQueryScope[] = "https://www.googleapis.com/auth/bigquery";
inline constexpr char kCloudPlatformScope[] = "https://www.googleapis.com/auth/cloud-platform";
inline constexpr char kGoogleTokenEndpoint[] = "https://oauth2.googleapis.com/token";
inline constexpr char kDefaultMetadataHost[] = "metadata.google.internal";

// How to find Google credentials: kcbq's `keyfile` + `keySource`, plus what
// tests and private deployments need to point elsewhere.
struct CredentialsOptions {
  // keySource=FILE: the path of a JSON key file. keySource=JSON: the JSON key
  // itself. keySource=APPLICATION_DEFAULT: ignored (as kcbq does).
  std::string keyfile;
  // "FILE", "JSON" or "APPLICATION_DEFAULT" (exact spelling, as kcbq's validator).
  std::string key_source = "FILE";
  // OAuth2 scopes asked for by service-account keys. User credentials
  // (authorized_user) carry the scopes they were granted, and metadata-server
  // tokens those of the VM / workload, as in Google's libraries.
  std::vector<std::string> scopes = {kBigQueryScope, kCloudPlatformScope};
  // Where service_account and authorized_user credentials get tokens; empty =
  // kGoogleTokenEndpoint. A key's own `token_uri` is never used: a key from a
  // connector config must not make the worker post to a URL it names (kcbq
  // pins the endpoint for the same reason).
  std::string token_endpoint;
  // The GCE metadata server as host[:port]; empty = $GCE_METADATA_HOST, else
  // kDefaultMetadataHost.
  std::string metadata_host;
  // Environment lookup (GOOGLE_APPLICATION_CREDENTIALS, CLOUDSDK_CONFIG, HOME,
  // GCE_METADATA_HOST, NO_GCE_CHECK); null = the process environment.
  std::function<std::optional<std::string>(const std::string& name)> env;
  // The clock for token lifetimes and JWT iat/exp; null = absl::Now.
  std::function<absl::Time()> clock;
  // Read when the metadata server does not answer, to recognise a GCE VM by
  // its SMBIOS product name ("Google..."), as Google's libraries do; empty =
  // skip that check.
  std::string gce_product_name_path = "/sys/class/dmi/id/product_name";

  // Token requests: attempts for 5xx / 408 / 429 / connection failures, with
  // exponential backoff between them; other errors are not retried.
  int max_attempts = 4;
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(8);
  absl::Duration connect_timeout = absl::Seconds(10);
  absl::Duration request_timeout = absl::Seconds(30);
  // Each of the 3 probes of the metadata server during APPLICATION_DEFAULT lookup.
  absl::Duration metadata_probe_timeout = absl::Milliseconds(500);
};

// Credentials for BigQuery's REST and gRPC APIs, as kcbq's keySource:
//   FILE / JSON: a key of type `service_account` (JWT-bearer grant, RS256) or
//     `authorized_user` (refresh-token grant).
//   APPLICATION_DEFAULT: the file named by $GOOGLE_APPLICATION_CREDENTIALS
//     (which must exist), else gcloud's application_default_credentials.json
//     ($CLOUDSDK_CONFIG, else ~/.config/gcloud), else the GCE metadata server
//     if it answers with `Metadata-Flavor: Google` (or the SMBIOS product name
//     says Google; $NO_GCE_CHECK=true skips this step).
// Reads and parses the key now (errors: InvalidArgument for a bad key or
// option, NotFound / PermissionDenied for an unreadable file, FailedPrecondition
// when no application default credentials exist); tokens are fetched on the
// first Token() call. Errors name the file or key source, never key material.
//
// The returned source is thread-safe: tokens are cached and refreshed when less
// than 5 minutes remain (3 min 45 s for metadata-server tokens, whose server
// caches them itself); concurrent callers share one request. Token() errors:
// Unauthenticated (400 invalid_grant / invalid_client, 401), PermissionDenied
// (403), Unavailable (5xx, connection failure, after the retries),
// ResourceExhausted (429), InvalidArgument (other 400s). When a refresh fails
// while the cached token still has more than a minute left, that token is
// returned and the refresh is tried again 30 s later.
[[nodiscard]] absl::StatusOr<std::shared_ptr<TokenSource>> CreateTokenSource(
    const CredentialsOptions& options);

}  // namespace ferry::bigquery
