#include "alert/alert_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/status/status.h"

namespace ferry::alert {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecretUrl[] = "https://hooks.slack.com/services/T0001/B0002/s3cr3tT0k3n";

TEST(AlertConfigTest, DefaultsWithoutAnyKey) {
  absl::StatusOr<AlertConfig> config = ParseAlertConfig({{"name", "c"}, {"topics", "t"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->slack_webhook_url, "");
  EXPECT_EQ(config->generic_webhook_url, "");
  EXPECT_EQ(config->rules.window, absl::Minutes(5));
  EXPECT_TRUE(config->rules.task_failed);
  EXPECT_EQ(config->rules.dlq_threshold, 1);
  EXPECT_EQ(config->rules.bigquery_errors_threshold, 1);
  EXPECT_EQ(config->rules.lag_threshold, 0);
  EXPECT_EQ(config->delivery.rate_limit_per_minute, 30);
  EXPECT_EQ(config->delivery.retry_max, 5);
  EXPECT_EQ(config->delivery.retry_backoff, absl::Seconds(1));
  EXPECT_EQ(config->delivery.retry_backoff_max, absl::Minutes(1));
  EXPECT_EQ(config->delivery.request_timeout, absl::Seconds(10));
  EXPECT_EQ(config->delivery.queue_max, 100);
}

TEST(AlertConfigTest, ParsesEveryKey) {
  absl::StatusOr<AlertConfig> config = ParseAlertConfig({
      {"ferry.alert.slack.webhook.url", kSecretUrl},
      {"ferry.alert.webhook.url", " http://127.0.0.1:9/hook "},
      {"ferry.alert.window.ms", "60000"},
      {"ferry.alert.task.failed.enable", "false"},
      {"ferry.alert.dlq.threshold", "10"},
      {"ferry.alert.bigquery.errors.threshold", "0"},
      {"ferry.alert.lag.threshold", "100000"},
      {"ferry.alert.rate.limit.per.minute", "60"},
      {"ferry.alert.retry.max", "2"},
      {"ferry.alert.retry.backoff.ms", "250"},
      {"ferry.alert.retry.backoff.max.ms", "4000"},
      {"ferry.alert.request.timeout.ms", "3000"},
      {"ferry.alert.queue.max", "7"},
  });
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->slack_webhook_url, kSecretUrl);
  EXPECT_EQ(config->generic_webhook_url, "http://127.0.0.1:9/hook");  // Trimmed, as Kafka.
  EXPECT_EQ(config->rules.window, absl::Minutes(1));
  EXPECT_FALSE(config->rules.task_failed);
  EXPECT_EQ(config->rules.dlq_threshold, 10);
  EXPECT_EQ(config->rules.bigquery_errors_threshold, 0);
  EXPECT_EQ(config->rules.lag_threshold, 100000);
  EXPECT_EQ(config->delivery.rate_limit_per_minute, 60);
  EXPECT_EQ(config->delivery.retry_max, 2);
  EXPECT_EQ(config->delivery.retry_backoff, absl::Milliseconds(250));
  EXPECT_EQ(config->delivery.retry_backoff_max, absl::Seconds(4));
  EXPECT_EQ(config->delivery.request_timeout, absl::Seconds(3));
  EXPECT_EQ(config->delivery.queue_max, 7);
}

TEST(AlertConfigTest, RejectsUrlsThatAreNotHttpAndNeverEchoesThem) {
  for (const char* url : {"ftp://hooks.example.com/s3cr3tT0k3n", "hooks.slack.com/s3cr3tT0k3n",
                          "https:///s3cr3tT0k3n", "https://hooks slack.com/s3cr3tT0k3n",
                          "file:///etc/s3cr3tT0k3n", "https://h:port/s3cr3tT0k3n"}) {
    SCOPED_TRACE(url);
    std::vector<ConfigError> errors = ValidateAlertConfig({{"ferry.alert.slack.webhook.url", url}});
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].key, "ferry.alert.slack.webhook.url");
    EXPECT_THAT(errors[0].message, AllOf(HasSubstr("http:// or https://"),
                                         Not(HasSubstr("s3cr3tT0k3n")), HasSubstr("[hidden]")));
    absl::StatusOr<AlertConfig> config = ParseAlertConfig({{"ferry.alert.webhook.url", url}});
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(config.status().message()),
                AllOf(HasSubstr("ferry.alert.webhook.url"), Not(HasSubstr("s3cr3tT0k3n"))));
  }
}

TEST(AlertConfigTest, AcceptsHttpAndHttpsUrls) {
  for (const char* url :
       {"http://127.0.0.1:8080/hook", "HTTPS://hooks.slack.com/services/a/b/c",
        "https://user:pw@example.com/x?token=1", "http://[::1]:80/h", "https://example.com"}) {
    SCOPED_TRACE(url);
    EXPECT_TRUE(ValidateAlertConfig({{"ferry.alert.webhook.url", url}}).empty());
  }
}

TEST(AlertConfigTest, RejectsNegativeThresholdsAndOutOfRangeValues) {
  std::vector<ConfigError> errors = ValidateAlertConfig({
      {"ferry.alert.dlq.threshold", "-1"},
      {"ferry.alert.bigquery.errors.threshold", "-5"},
      {"ferry.alert.lag.threshold", "-100"},
      {"ferry.alert.window.ms", "10"},
      {"ferry.alert.rate.limit.per.minute", "0"},
      {"ferry.alert.retry.max", "-1"},
      {"ferry.alert.queue.max", "many"},
  });
  std::map<std::string, std::string> by_key;
  for (const ConfigError& e : errors) by_key[e.key] = e.message;
  EXPECT_EQ(by_key.size(), 7u) << FormatConfigErrors(errors);
  EXPECT_THAT(by_key["ferry.alert.dlq.threshold"], HasSubstr("Value must be at least 0"));
  EXPECT_THAT(by_key["ferry.alert.bigquery.errors.threshold"],
              HasSubstr("Value must be at least 0"));
  EXPECT_THAT(by_key["ferry.alert.lag.threshold"], HasSubstr("Value must be at least 0"));
  EXPECT_THAT(by_key["ferry.alert.window.ms"], HasSubstr("at least 1000"));
  EXPECT_THAT(by_key["ferry.alert.rate.limit.per.minute"], HasSubstr("at least 1"));
  EXPECT_THAT(by_key["ferry.alert.retry.max"], HasSubstr("at least 0"));
  EXPECT_THAT(by_key["ferry.alert.queue.max"], HasSubstr("Not a number of type INT"));
}

TEST(AlertConfigTest, BackoffMaxBelowBackoffIsAnError) {
  std::vector<ConfigError> errors = ValidateAlertConfig(
      {{"ferry.alert.retry.backoff.ms", "5000"}, {"ferry.alert.retry.backoff.max.ms", "1000"}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].key, "ferry.alert.retry.backoff.max.ms");
  EXPECT_THAT(errors[0].message, HasSubstr("ferry.alert.retry.backoff.ms"));
}

TEST(AlertConfigTest, UnknownAlertKeysAreErrorsWithAHintOtherKeysAreNotLookedAt) {
  std::vector<ConfigError> errors = ValidateAlertConfig({
      {"ferry.alert.slack.webhok.url", kSecretUrl},
      {"topics", "t"},
      {"some.other.key", "x"},
  });
  ASSERT_EQ(errors.size(), 1u) << FormatConfigErrors(errors);
  EXPECT_EQ(errors[0].key, "ferry.alert.slack.webhok.url");
  EXPECT_THAT(errors[0].message, HasSubstr("ferry.alert.slack.webhook.url"));
  EXPECT_THAT(errors[0].message, Not(HasSubstr("s3cr3tT0k3n")));
}

TEST(AlertConfigTest, SplitUrlFindsTheSecretBearingParts) {
  internal::UrlParts p = internal::SplitUrl("https://u:p@Hooks.Example.com:8443/a/b?token=x#f");
  EXPECT_TRUE(p.valid);
  EXPECT_EQ(p.scheme, "https");
  EXPECT_EQ(p.userinfo, "u:p");
  EXPECT_EQ(p.host, "Hooks.Example.com");
  EXPECT_EQ(p.port, "8443");
  EXPECT_EQ(p.path_and_query, "/a/b?token=x#f");
  p = internal::SplitUrl("http://[::1]:9/x");
  EXPECT_TRUE(p.valid);
  EXPECT_EQ(p.host, "[::1]");
  EXPECT_EQ(p.port, "9");
}

// The key reference in README.md is generated from the table: it must not drift.
TEST(AlertConfigTest, ReadmeHasTheGeneratedKeyReference) {
  std::ifstream in(FERRY_ALERT_README);
  ASSERT_TRUE(in.good()) << FERRY_ALERT_README;
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  const std::string begin = "<!-- BEGIN GENERATED KEYS (AlertConfigDef().ToMarkdown()) -->\n";
  const std::string end = "<!-- END GENERATED KEYS -->";
  const size_t b = readme.find(begin);
  const size_t e = readme.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  const std::string committed = readme.substr(b + begin.size(), e - b - begin.size());
  EXPECT_EQ(committed, AlertConfigDef().ToMarkdown())
      << "regenerate the table in src/alert/README.md from AlertConfigDef().ToMarkdown():\n"
      << AlertConfigDef().ToMarkdown();
}

}  // namespace
}  // namespace ferry::alert
