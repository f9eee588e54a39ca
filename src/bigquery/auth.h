#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace ferry::bigquery {

// Supplies OAuth2 access tokens for BigQuery's REST and gRPC APIs. The seam
// where service-account keys (keyfile/keySource) and application default
// credentials plug in. Implementations must be thread-safe (REST and gRPC
// calls may ask concurrently), cache tokens until shortly before expiry, and
// never log a token.
class TokenSource {
 public:
  TokenSource() = default;
  TokenSource(const TokenSource&) = delete;
  TokenSource& operator=(const TokenSource&) = delete;
  virtual ~TokenSource() = default;

  // A bearer token, or "" for anonymous access (no Authorization header).
  [[nodiscard]] virtual absl::StatusOr<std::string> Token() = 0;

  // Which credentials these are, for logs and status (e.g. "service account
  // a@p.iam.gserviceaccount.com (keyfile /etc/k.json)"); never a secret.
  virtual std::string Describe() const { return "custom token source"; }
};

// No credentials: for the emulator, or an endpoint that authenticates by
// other means (e.g. a proxy on a private network).
class AnonymousTokenSource final : public TokenSource {
 public:
  absl::StatusOr<std::string> Token() override { return std::string(); }
  std::string Describe() const override { return "anonymous (no credentials)"; }
};

}  // namespace ferry::bigquery
