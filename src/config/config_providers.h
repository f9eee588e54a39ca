#pragma once

#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config_def.h"

namespace ferry {

// Kafka's config providers (KIP-297, KIP-887, KIP-993): a worker declares
//   config.providers=file,env
//   config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
//   config.providers.file.param.allowed.paths=/etc/ferry/secrets
// and config values may then hold ${file:/etc/ferry/secrets/db.properties:password}
// or ${env:DB_PASSWORD}, replaced when the config is used (never in what is
// stored or shown). See README.md for where ferry differs from Connect.

inline constexpr char kConfigProvidersKey[] = "config.providers";

// True for "config.providers" and every "config.providers.*" key: the keys
// that declare providers. They are never resolved themselves.
bool IsConfigProvidersKey(std::string_view key);

namespace internal {
// One ${provider:[path:]key} in a value, as Kafka's ConfigTransformer finds
// them with \$\{([^}]*?):(([^}]*?):)?([^}]*?)\} (find() from left to right,
// resuming after each match). The views point into the scanned value.
struct ConfigVariable {
  size_t begin = 0;  // offset of "${"
  size_t end = 0;    // one past "}"
  std::string_view provider;
  std::string_view path;  // "" when absent
  std::string_view key;
};
std::vector<ConfigVariable> FindConfigVariables(std::string_view value);
}  // namespace internal

// A configuration with its variables replaced.
struct ResolvedConfig {
  std::map<std::string, std::string> props;
  // Keys whose value came, in whole or in part, from a provider. Their values
  // must never be printed or logged (see Redacted).
  std::set<std::string> secret_keys;
  // Variables naming a provider that is not declared, left as written (as
  // Connect does), one entry per variable, for a warning. The message holds
  // the variable's text, never the rest of the value.
  std::vector<ConfigError> unresolved;
};

// The providers a worker declares. A plain value: copyable, immutable once
// built, and safe to use from any thread. Resolving reads the files and the
// environment at the time of the call (nothing is cached between calls).
class ConfigProviders {
 public:
  enum class Kind { kFile, kDirectory, kEnv };

  // Builds the providers from the worker properties. Without a
  // "config.providers" key, ferry's defaults apply: env, file, dir and
  // directory, unrestricted. "config.providers=" (empty) declares none.
  // On error, InvalidArgument listing every problem as "key: message" lines;
  // when `errors` is given it also receives them one by one.
  static absl::StatusOr<ConfigProviders> FromWorkerConfig(
      const std::map<std::string, std::string>& worker_props,
      std::vector<ConfigError>* errors = nullptr);

  // Replaces ${provider:[path:]key} in every value. A variable of a declared
  // provider whose path, file, key or variable does not exist, or is refused
  // (allowed.paths, allowlist.pattern), is an error naming the config key and
  // the variable, never a value. On error, InvalidArgument listing every
  // problem as "key: message" lines.
  absl::StatusOr<ResolvedConfig> Resolve(const std::map<std::string, std::string>& props) const;
  // As Resolve, but goes on past errors: every problem is appended to
  // `errors` (by key) and a key whose variables failed keeps its value as
  // written. For `ferry validate`, which reports every problem at once.
  ResolvedConfig ResolveAll(const std::map<std::string, std::string>& props,
                            std::vector<ConfigError>* errors) const;
  // The worker's own properties: as Resolve, except the config.providers keys,
  // which are kept as written (Connect builds the providers from them).
  absl::StatusOr<ResolvedConfig> ResolveWorkerConfig(
      const std::map<std::string, std::string>& worker_props) const;

  // The declared provider names, in declaration order.
  std::vector<std::string> Names() const;
  // True when the worker config has no config.providers key and ferry's
  // defaults apply.
  bool defaults() const { return defaults_; }

 private:
  struct Provider {
    std::string name;
    Kind kind = Kind::kFile;
    // kFile, kDirectory: normalised absolute paths a path must lie under;
    // empty = no restriction (allowed.paths absent or empty, as in Kafka).
    std::vector<std::string> allowed_paths;
    // kEnv: variables whose whole name matches may be read; null = all.
    std::shared_ptr<const std::regex> allowlist;
    std::string allowlist_key;  // the param key, for messages.
    std::string allowed_paths_key;
  };

  ResolvedConfig ResolveImpl(const std::map<std::string, std::string>& props,
                             bool skip_provider_keys, std::vector<ConfigError>* errors) const;
  const Provider* Find(std::string_view name) const;

  std::vector<Provider> providers_;
  bool defaults_ = false;
};

// For messages and logs: a copy of config.props with the value of every
// secret key, and of every key that one of `defs` declares as PASSWORD,
// replaced by "[hidden]" (as Connect hides PASSWORD values).
std::map<std::string, std::string> Redacted(const ResolvedConfig& config,
                                            const std::vector<const ConfigDef*>& defs = {});

// `text` with every non-empty resolved value of a secret key replaced by
// "[hidden]", longest first; for messages built from resolved values (e.g. a
// validator's "Invalid value ..."). Short values may hide more than intended,
// which is the safe side.
std::string RedactSecrets(std::string text, const ResolvedConfig& config);
std::vector<ConfigError> RedactSecrets(std::vector<ConfigError> errors,
                                       const ResolvedConfig& config);

}  // namespace ferry
