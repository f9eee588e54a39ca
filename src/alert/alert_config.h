#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "config/config_def.h"

namespace ferry::alert {

// The ferry.alert.* keys of a connector config.
namespace keys {
inline constexpr char kPrefix[] = "ferry.alert.";
inline constexpr char kSlackWebhookUrl[] = "ferry.alert.slack.webhook.url";
inline constexpr char kWebhookUrl[] = "ferry.alert.webhook.url";
inline constexpr char kWindowMs[] = "ferry.alert.window.ms";
inline constexpr char kTaskFailedEnable[] = "ferry.alert.task.failed.enable";
inline constexpr char kDlqThreshold[] = "ferry.alert.dlq.threshold";
inline constexpr char kBigQueryErrorsThreshold[] = "ferry.alert.bigquery.errors.threshold";
inline constexpr char kLagThreshold[] = "ferry.alert.lag.threshold";
inline constexpr char kRateLimitPerMinute[] = "ferry.alert.rate.limit.per.minute";
inline constexpr char kRetryMax[] = "ferry.alert.retry.max";
inline constexpr char kRetryBackoffMs[] = "ferry.alert.retry.backoff.ms";
inline constexpr char kRetryBackoffMaxMs[] = "ferry.alert.retry.backoff.max.ms";
inline constexpr char kRequestTimeoutMs[] = "ferry.alert.request.timeout.ms";
inline constexpr char kQueueMax[] = "ferry.alert.queue.max";
}  // namespace keys

// The ferry.alert.* keys (types, defaults, docs, validators, cross-key rules).
// Built once on first use, never destroyed.
const ConfigDef& AlertConfigDef();

// Every problem with the ferry.alert.* keys of a connector's properties: the
// table's own checks plus one error per unknown key under "ferry.alert."
// (with a "did you mean" hint), since a mistyped alert key would otherwise
// silently turn alerting off. Keys outside the prefix are not looked at.
std::vector<ConfigError> ValidateAlertConfig(const std::map<std::string, std::string>& props);

// What the conditions fire on. A threshold of 0 turns its condition off.
struct AlertRules {
  absl::Duration window = absl::Minutes(5);
  bool task_failed = true;
  int64_t dlq_threshold = 1;
  int64_t bigquery_errors_threshold = 1;
  int64_t lag_threshold = 0;
};

// How alerts are delivered to one webhook.
struct DeliveryOptions {
  int rate_limit_per_minute = 30;
  int retry_max = 5;
  absl::Duration retry_backoff = absl::Seconds(1);
  absl::Duration retry_backoff_max = absl::Minutes(1);
  absl::Duration request_timeout = absl::Seconds(10);
  int queue_max = 100;
};

// The validated configuration. Holds the webhook URLs: never log it.
struct AlertConfig {
  std::string slack_webhook_url;    // "" when not set.
  std::string generic_webhook_url;  // "" when not set.
  AlertRules rules;
  DeliveryOptions delivery;
};

// Parses and validates (ValidateAlertConfig); InvalidArgument lists every
// problem as "key: message" lines, never a URL.
absl::StatusOr<AlertConfig> ParseAlertConfig(const std::map<std::string, std::string>& props);

namespace internal {

// The parts of an absolute http(s) URL that may carry a secret; empty when
// absent. `valid` is false for anything but http:// or https:// with a host.
struct UrlParts {
  bool valid = false;
  std::string scheme;    // lower-cased.
  std::string userinfo;  // before '@'.
  std::string host;      // as written (brackets of an IPv6 literal kept).
  std::string port;
  std::string path_and_query;  // from the first '/', '?' or '#' on.
};
UrlParts SplitUrl(absl::string_view url);

}  // namespace internal
}  // namespace ferry::alert
