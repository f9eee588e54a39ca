#include "alert/alert_config.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "config/connector_config.h"

namespace ferry::alert {
namespace internal {

UrlParts SplitUrl(absl::string_view url) {
  UrlParts parts;
  const size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos) return parts;
  parts.scheme = absl::AsciiStrToLower(url.substr(0, scheme_end));
  absl::string_view rest = url.substr(scheme_end + 3);
  const size_t authority_end = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, authority_end);
  if (authority_end != absl::string_view::npos) {
    parts.path_and_query = std::string(rest.substr(authority_end));
  }
  if (const size_t at = authority.rfind('@'); at != absl::string_view::npos) {
    parts.userinfo = std::string(authority.substr(0, at));
    authority = authority.substr(at + 1);
  }
  absl::string_view host = authority;
  if (absl::StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) return parts;
    host = authority.substr(0, close + 1);
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return parts;
      parts.port = std::string(after.substr(1));
    }
  } else if (const size_t colon = authority.rfind(':'); colon != absl::string_view::npos) {
    host = authority.substr(0, colon);
    parts.port = std::string(authority.substr(colon + 1));
  }
  parts.host = std::string(host);
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return parts;
  }
  for (char c : parts.port) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return parts;
  }
  parts.valid = (parts.scheme == "http" || parts.scheme == "https") && !parts.host.empty() &&
                parts.host != "[]";
  return parts;
}

}  // namespace internal

namespace {

constexpr char kGroup[] = "Alerting";

ConfigKey Key(std::string name, ConfigType type, std::optional<std::string> default_value,
              Importance importance, std::string doc, Validator validator = nullptr,
              std::string valid_values = "") {
  ConfigKey key;
  key.name = std::move(name);
  key.type = type;
  key.default_value = std::move(default_value);
  key.importance = importance;
  key.doc = std::move(doc);
  key.validator = std::move(validator);
  key.group = kGroup;
  key.valid_values = std::move(valid_values);
  return key;
}

// Never echoes the value: it is a secret (ConfigDef would hide it anyway).
std::string ValidateWebhookUrl(const ConfigValue& value) {
  if (value.s.empty()) return "";
  if (!internal::SplitUrl(value.s).valid) {
    return "must be an absolute http:// or https:// URL with a host, without blanks";
  }
  return "";
}

ConfigDef BuildDef() {
  using validators::AtLeast;
  using validators::Between;
  ConfigDef def;
  def.Define(Key(keys::kSlackWebhookUrl, ConfigType::kPassword, "", Importance::kHigh,
                 "A Slack incoming webhook URL (https://hooks.slack.com/services/...). Alerts are "
                 "posted to it as Block Kit messages. It is a secret: take it from a config "
                 "provider (${env:...} or ${file:...}); ferry never logs it. Empty: no Slack "
                 "alerts.",
                 ValidateWebhookUrl, "http(s) URL"));
  def.Define(Key(keys::kWebhookUrl, ConfigType::kPassword, "", Importance::kHigh,
                 "A generic webhook URL. Alerts are posted to it as one JSON object each (see "
                 "src/alert/README.md). A secret, as the Slack URL. Empty: none.",
                 ValidateWebhookUrl, "http(s) URL"));
  def.Define(Key(keys::kWindowMs, ConfigType::kLong, "300000", Importance::kMedium,
                 "The alert window. Counters (dead-letter queue records, BigQuery row errors) are "
                 "summed over the last window (sliding), and a condition that stays firing is "
                 "announced at most once per window.",
                 AtLeast(1000), "[1000,...]"));
  def.Define(Key(keys::kTaskFailedEnable, ConfigType::kBoolean, "true", Importance::kMedium,
                 "Alert when a task fails (with its trace) and when it recovers."));
  def.Define(Key(keys::kDlqThreshold, ConfigType::kLong, "1", Importance::kMedium,
                 "Alert when at least this many records were sent to the dead-letter queue "
                 "within the window. 0 turns the alert off.",
                 AtLeast(0), "[0,...]"));
  def.Define(Key(keys::kBigQueryErrorsThreshold, ConfigType::kLong, "1", Importance::kMedium,
                 "Alert when BigQuery refused at least this many rows within the window. 0 "
                 "turns the alert off.",
                 AtLeast(0), "[0,...]"));
  def.Define(Key(keys::kLagThreshold, ConfigType::kLong, "0", Importance::kMedium,
                 "Alert when the connector's consumer lag (records behind the high watermark, "
                 "summed over its partitions) is at least this. 0 turns the alert off.",
                 AtLeast(0), "[0,...]"));
  def.Define(Key(keys::kRateLimitPerMinute, ConfigType::kInt, "30", Importance::kLow,
                 "At most this many requests per minute to each webhook, evenly spaced (Slack "
                 "allows about one message per second per webhook). Retries count. Messages "
                 "wait in the queue for their turn.",
                 Between(1, 600), "[1,...,600]"));
  def.Define(Key(keys::kRetryMax, ConfigType::kInt, "5", Importance::kLow,
                 "Retries of a message after a 429, a 5xx or a transport error, after which it "
                 "is given up (counted and logged). Other HTTP errors are not retried.",
                 Between(0, 100), "[0,...,100]"));
  def.Define(Key(keys::kRetryBackoffMs, ConfigType::kLong, "1000", Importance::kLow,
                 "The wait before the first retry; it doubles with each retry. A Retry-After "
                 "header, when sent, is waited instead.",
                 AtLeast(1), "[1,...]"));
  def.Define(Key(keys::kRetryBackoffMaxMs, ConfigType::kLong, "60000", Importance::kLow,
                 "The longest wait between retries (a Retry-After is honoured up to 15 minutes "
                 "even when longer).",
                 AtLeast(1), "[1,...]"));
  def.Define(Key(keys::kRequestTimeoutMs, ConfigType::kLong, "10000", Importance::kLow,
                 "The time limit of one webhook request, connection included.", AtLeast(100),
                 "[100,...]"));
  def.Define(Key(keys::kQueueMax, ConfigType::kInt, "100", Importance::kLow,
                 "Messages waiting for delivery to each webhook; a message that finds the queue "
                 "full is dropped (counted and logged).",
                 Between(1, 100000), "[1,...,100000]"));
  def.Check([](const std::map<std::string, std::string>& props) {
    std::vector<ConfigError> errors;
    auto get = [&](const char* key, int64_t fallback) {
      auto it = props.find(key);
      if (it == props.end()) return fallback;
      int64_t v = 0;
      std::string trimmed(absl::StripAsciiWhitespace(it->second));
      return absl::SimpleAtoi(trimmed, &v) ? v : fallback;
    };
    const int64_t backoff = get(keys::kRetryBackoffMs, 1000);
    const int64_t backoff_max = get(keys::kRetryBackoffMaxMs, 60000);
    if (backoff_max < backoff) {
      errors.push_back(
          {keys::kRetryBackoffMaxMs,
           absl::StrCat("must be at least ", keys::kRetryBackoffMs, " (", backoff, ")")});
    }
    return errors;
  });
  return def;
}

}  // namespace

const ConfigDef& AlertConfigDef() {
  static const ConfigDef* def = new ConfigDef(BuildDef());
  return *def;
}

std::vector<ConfigError> ValidateAlertConfig(const std::map<std::string, std::string>& props) {
  std::map<std::string, std::string> alert_props;
  for (const auto& [key, value] : props) {
    if (absl::StartsWith(key, keys::kPrefix)) alert_props.emplace(key, value);
  }
  std::vector<ConfigError> errors = AlertConfigDef().Validate(alert_props);
  for (ConfigError& e : UnknownKeyErrors(alert_props, {&AlertConfigDef()}, {})) {
    errors.push_back(std::move(e));
  }
  return errors;
}

absl::StatusOr<AlertConfig> ParseAlertConfig(const std::map<std::string, std::string>& props) {
  std::vector<ConfigError> errors = BlockingErrors(ValidateAlertConfig(props));
  if (!errors.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid alert configuration:\n", FormatConfigErrors(errors)));
  }
  std::map<std::string, std::string> alert_props;
  for (const auto& [key, value] : props) {
    if (absl::StartsWith(key, keys::kPrefix)) alert_props.emplace(key, value);
  }
  absl::StatusOr<ParsedConfig> parsed = AlertConfigDef().Parse(alert_props);
  if (!parsed.ok()) return parsed.status();
  AlertConfig config;
  config.slack_webhook_url = parsed->GetString(keys::kSlackWebhookUrl);
  config.generic_webhook_url = parsed->GetString(keys::kWebhookUrl);
  config.rules.window = absl::Milliseconds(parsed->GetLong(keys::kWindowMs));
  config.rules.task_failed = parsed->GetBool(keys::kTaskFailedEnable);
  config.rules.dlq_threshold = parsed->GetLong(keys::kDlqThreshold);
  config.rules.bigquery_errors_threshold = parsed->GetLong(keys::kBigQueryErrorsThreshold);
  config.rules.lag_threshold = parsed->GetLong(keys::kLagThreshold);
  config.delivery.rate_limit_per_minute = parsed->GetInt(keys::kRateLimitPerMinute);
  config.delivery.retry_max = parsed->GetInt(keys::kRetryMax);
  config.delivery.retry_backoff = absl::Milliseconds(parsed->GetLong(keys::kRetryBackoffMs));
  config.delivery.retry_backoff_max = absl::Milliseconds(parsed->GetLong(keys::kRetryBackoffMaxMs));
  config.delivery.request_timeout = absl::Milliseconds(parsed->GetLong(keys::kRequestTimeoutMs));
  config.delivery.queue_max = parsed->GetInt(keys::kQueueMax);
  return config;
}

}  // namespace ferry::alert
