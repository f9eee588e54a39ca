// The Alerter end to end: observations in, HTTP posts out to a local
// receiver (cpp-httplib on 127.0.0.1) that checks and records them. Delivery
// runs on a simulated clock (alert/testing/simulated_clock.h), so backoff,
// Retry-After and rate limiting are checked exactly without real waiting;
// one test uses the real clock.

#include "alert/alerter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "alert/testing/observations.h"
#include "alert/testing/simulated_clock.h"
#include "alert/testing/slack_format_check.h"
#include "alert/testing/webhook_receiver.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace ferry::alert {
namespace {

using testing::Obs;
using testing::Task;

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::Received;
using testing::Receiver;
using testing::Reply;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);
constexpr char kSlackPath[] = "/services/T0SECRET/B0SECRET/s3cr3tT0k3nXYZ";
constexpr char kGenericPath[] = "/hooks/ferry?token=qu3ryS3cr3t";

class AlerterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    auto logger = std::make_shared<spdlog::logger>("alert_test", std::move(sink));
    logger->set_level(spdlog::level::trace);
    previous_logger_ = spdlog::default_logger();
    spdlog::set_default_logger(std::move(logger));
  }
  void TearDown() override {
    spdlog::set_default_logger(previous_logger_);
    // Whatever a test did, no log line holds a webhook URL or a secret part of one.
    const std::string logs = log_.str();
    for (const std::string& secret :
         {std::string("s3cr3tT0k3nXYZ"), std::string("qu3ryS3cr3t"), std::string("pa55w0rd"),
          std::string("/services/"), std::string("http://127.0.0.1")}) {
      EXPECT_THAT(logs, Not(HasSubstr(secret))) << logs;
    }
  }

  std::map<std::string, std::string> Props(std::map<std::string, std::string> extra) {
    std::map<std::string, std::string> props = {
        {"name", "serverlog"},
        {"topics", "serverlog.member"},
        {"ferry.alert.retry.backoff.ms", "1000"},
        {"ferry.alert.rate.limit.per.minute", "600"},  // 100 ms apart.
    };
    for (auto& [k, v] : extra) props[k] = v;
    return props;
  }

  std::unique_ptr<Alerter> Make(std::map<std::string, std::string> props, Clock* clock) {
    absl::StatusOr<std::unique_ptr<Alerter>> alerter =
        Alerter::Create(props, "serverlog", AlerterOptions{.clock = clock});
    EXPECT_TRUE(alerter.ok()) << alerter.status();
    return alerter.ok() ? std::move(*alerter) : nullptr;
  }

  std::string Logs() { return log_.str(); }

  testing::SimulatedClock clock_;
  Receiver receiver_{&clock_};
  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> previous_logger_;
};

TEST_F(AlerterTest, WithoutWebhookItIsDisabled) {
  absl::StatusOr<std::unique_ptr<Alerter>> alerter = Alerter::Create(Props({}), "serverlog");
  ASSERT_TRUE(alerter.ok()) << alerter.status();
  ASSERT_NE(*alerter, nullptr);
  EXPECT_FALSE((*alerter)->enabled());
  (*alerter)->Observe(Obs({Task(0, "FAILED", 100, 100, 100, "boom")}), kT0);
  EXPECT_TRUE((*alerter)->Drain(absl::Seconds(1)));
  EXPECT_EQ((*alerter)->counters().sent, 0u);
  EXPECT_THAT(receiver_.received(), IsEmpty());
}

TEST_F(AlerterTest, InvalidConfigIsRejectedWithoutTheUrl) {
  absl::StatusOr<std::unique_ptr<Alerter>> alerter = Alerter::Create(
      Props({{"ferry.alert.slack.webhook.url", "ftp://127.0.0.1/services/s3cr3tT0k3nXYZ"},
             {"ferry.alert.dlq.threshold", "-1"}}),
      "serverlog");
  ASSERT_FALSE(alerter.ok());
  EXPECT_EQ(alerter.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(alerter.status().message());
  EXPECT_THAT(message, HasSubstr("ferry.alert.slack.webhook.url"));
  EXPECT_THAT(message, HasSubstr("ferry.alert.dlq.threshold"));
  EXPECT_THAT(message, Not(HasSubstr("s3cr3tT0k3nXYZ")));
}

TEST_F(AlerterTest, TaskFailedThenRecoveredReachesSlackAndTheGenericWebhook) {
  std::unique_ptr<Alerter> alerter =
      Make(Props({{"ferry.alert.slack.webhook.url", receiver_.Url(kSlackPath)},
                  {"ferry.alert.webhook.url", receiver_.Url(kGenericPath)}}),
           &clock_);
  ASSERT_NE(alerter, nullptr);
  EXPECT_TRUE(alerter->enabled());
  alerter->Observe(Obs({Task(0, "RUNNING"), Task(1, "RUNNING")}), kT0);
  alerter->Observe(
      Obs({Task(0, "RUNNING"),
           Task(1, "FAILED", 0, 0, 0, "org.apache.kafka.connect.errors.ConnectException: <x>")}),
      kT0 + absl::Seconds(1));
  alerter->Observe(Obs({Task(0, "RUNNING"), Task(1, "RESTARTING")}), kT0 + absl::Seconds(2));
  alerter->Observe(Obs({Task(0, "RUNNING"), Task(1, "RUNNING")}), kT0 + absl::Seconds(3));
  ASSERT_TRUE(alerter->Drain(absl::Seconds(10)));

  const std::vector<Received> slack = receiver_.received(kSlackPath);
  ASSERT_EQ(slack.size(), 2u);
  for (const Received& r : slack) {
    EXPECT_EQ(r.content_type, "application/json");
    const json payload = json::parse(r.body);
    EXPECT_THAT(testing::SlackFormatProblems(payload), IsEmpty()) << payload.dump(2);
  }
  json fired = json::parse(slack[0].body);
  EXPECT_EQ(fired["text"], "[FIRING] Task 1 of connector serverlog failed.");
  EXPECT_EQ(fired["blocks"][0]["text"]["text"], ":rotating_light: Task 1 failed");
  EXPECT_EQ(fired["blocks"][2]["text"]["text"],
            "```org.apache.kafka.connect.errors.ConnectException: &lt;x&gt;```");
  json recovered = json::parse(slack[1].body);
  EXPECT_EQ(recovered["text"],
            "[RESOLVED] Task 1 of connector serverlog recovered: it is RUNNING again.");
  EXPECT_EQ(recovered["blocks"][0]["text"]["text"], ":white_check_mark: Task 1 recovered");

  const std::vector<Received> generic = receiver_.received(kGenericPath);
  ASSERT_EQ(generic.size(), 2u);
  EXPECT_EQ(generic[0].content_type, "application/json");
  json g0 = json::parse(generic[0].body);
  EXPECT_EQ(g0["connector"], "serverlog");
  EXPECT_EQ(g0["task"], 1);
  EXPECT_EQ(g0["condition"], "task_failed");
  EXPECT_EQ(g0["state"], "firing");
  EXPECT_EQ(g0["trace"], "org.apache.kafka.connect.errors.ConnectException: <x>");
  EXPECT_EQ(g0["time"], "2023-11-14T22:13:21.000Z");
  json g1 = json::parse(generic[1].body);
  EXPECT_EQ(g1["state"], "resolved");
  EXPECT_EQ(g1["task_state"], "RUNNING");
  EXPECT_EQ(g1["time"], "2023-11-14T22:13:23.000Z");
  EXPECT_FALSE(g1.contains("trace"));

  const AlertCounters c = alerter->counters();
  EXPECT_EQ(c.sent, 4u);
  EXPECT_EQ(c.failed, 0u);
  EXPECT_EQ(c.retries, 0u);
  EXPECT_EQ(c.dropped, 0u);
  EXPECT_THAT(Logs(), HasSubstr("alert: slack webhook: delivered firing task_failed alert of "
                                "connector serverlog task 1"));
}

TEST_F(AlerterTest, DlqOverThresholdAlertsOncePerWindowAndResolves) {
  std::unique_ptr<Alerter> alerter =
      Make(Props({{"ferry.alert.slack.webhook.url", receiver_.Url(kSlackPath)},
                  {"ferry.alert.dlq.threshold", "3"},
                  {"ferry.alert.window.ms", "60000"}}),
           &clock_);
  ASSERT_NE(alerter, nullptr);
  alerter->Observe(Obs({Task(0, "RUNNING", 0)}), kT0);
  alerter->Observe(Obs({Task(0, "RUNNING", 3)}), kT0 + absl::Seconds(1));   // 3: fires.
  alerter->Observe(Obs({Task(0, "RUNNING", 10)}), kT0 + absl::Seconds(2));  // Same window.
  alerter->Observe(Obs({Task(0, "RUNNING", 10)}), kT0 + absl::Seconds(30));
  alerter->Observe(Obs({Task(0, "RUNNING", 10)}), kT0 + absl::Seconds(62));  // All out: clears.
  alerter->Observe(Obs({Task(0, "RUNNING", 10)}), kT0 + absl::Seconds(63));
  ASSERT_TRUE(alerter->Drain(absl::Seconds(10)));

  const std::vector<Received> slack = receiver_.received(kSlackPath);
  ASSERT_EQ(slack.size(), 2u);
  const json fired = json::parse(slack[0].body);
  EXPECT_THAT(testing::SlackFormatProblems(fired), IsEmpty());
  EXPECT_EQ(fired["text"],
            "[FIRING] Connector serverlog: 3 records sent to the dead-letter queue in the last 1m "
            "(threshold 3).");
  const json resolved = json::parse(slack[1].body);
  EXPECT_THAT(testing::SlackFormatProblems(resolved), IsEmpty());
  EXPECT_THAT(resolved["text"].get<std::string>(), HasSubstr("[RESOLVED]"));
  EXPECT_THAT(resolved["text"].get<std::string>(), HasSubstr("back under the threshold: 0"));
  const AlertCounters c = alerter->counters();
  EXPECT_EQ(c.sent, 2u);
  EXPECT_EQ(c.suppressed, 1u);
}

TEST_F(AlerterTest, TooManyRequestsIsRetriedAfterRetryAfterAndDeliveredOnce) {
  receiver_.Script({{429, "rate_limited", "7"}});
  std::unique_ptr<Alerter> alerter =
      Make(Props({{"ferry.alert.slack.webhook.url", receiver_.Url(kSlackPath)}}), &clock_);
  ASSERT_NE(alerter, nullptr);
  alerter->Observe(Obs({Task(0, "FAILED", 0, 0, 0, "boom")}), kT0);
  ASSERT_TRUE(alerter->Drain(absl::Seconds(10)));

  const std::vector<Received> got = receiver_.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].body, got[1].body);
  EXPECT_EQ(got[1].at - got[0].at, absl::Seconds(7));  // Retry-After, not the 1 s backoff.
  const AlertCounters c = alerter->counters();
  EXPECT_EQ(c.sent, 1u);
  EXPECT_EQ(c.retries, 1u);
  EXPECT_EQ(c.failed, 0u);
  EXPECT_THAT(Logs(), HasSubstr("attempt 1/6 of firing task_failed alert of connector serverlog "
                                "task 0 failed: HTTP 429: rate_limited; retrying in 7s"));
}

TEST_F(AlerterTest, RetryAfterAsHttpDateIsHonoured) {
  // 30 s after the simulated clock's start.
  receiver_.Script({{503, "busy", "Tue, 14 Nov 2023 22:13:50 GMT"}});
  std::unique_ptr<Alerter> alerter =
      Make(Props({{"ferry.alert.webhook.url", receiver_.Url(kGenericPath)}}), &clock_);
  ASSERT_NE(alerter, nullptr);
  alerter->Observe(Obs({Task(0, "FAILED")}), kT0);
  ASSERT_TRUE(alerter->Drain(absl::Seconds(10)));
  const std::vector<Received> got = receiver_.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].at, absl::FromUnixSeconds(1700000000 + 30));
  EXPECT_EQ(alerter->counters().sent, 1u);
}

TEST_F(AlerterTest, ServerErrorsAreRetriedWithDoublingBackoffThenDelivered) {
  receiver_.Script({{500, "rollup_error"}, {502, "bad gateway"}, {503, ""}});
  std::unique_ptr<Alerter> alerter =
      Make(Props({{"ferry.alert.slack.webhook.url", receiver_.Url(kSlackPath)}}), &clock_);
  ASSERT_NE(alerter, nullptr);
  alerter->Observe(Obs({Task(0, "FAILED")}), kT0);
  ASSERT_TRUE(alerter->Drain(absl::Seconds(10)));

  const std::vector<Received> got = receiver_.received();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[1].at - got[0].at, absl::Seconds(1));
  EXPECT_EQ(got[2].at - got[1].at, absl::Seconds(2));
  EXPECT_EQ(got[3].at - got[2].at, absl::Seconds(4));
  const AlertCounters c = alerter->counters();
  EXPECT_EQ(c.sent, 1u);
  EXPECT_EQ(c.retries, 3u);
  EXPECT_EQ(c.failed, 0u);
  EXPECT_THAT(Logs(), HasSubstr("HTTP 500: rollup_error"));
}

TEST_F(AlerterTest, GivesUpAfterTheRetryBoundAndGoesOnWithTheNextMessage) {
  receiver_.Script({{503, "down"}, {503, "down"}, {503, "down"}, {503, "down"}});
  std::unique_ptr<Alerter> alerter =
      Make(Props({{"ferry.alert.slack.webhook.url", receiver_.Url(kSlackPath)},
                  {"ferry.alert.retry.max", "2"},
                  {"ferry.alert.retry.backoff.max.ms", "1500"}}),
           &clock_);
  ASSERT_NE(alerter, nullptr);
  alerter->Observe(Obs({Task(0, "FAILED")}), kT0);
  ASSERT_TRUE(alerter->Drain(absl::Seconds(10)));
  std::vector<Received> got = receiver_.received();
  ASSERT_EQ(got.size(), 3u);  // 1 + retry.max.
  EXPECT_EQ(got[1].at - got[0].at, absl::Seconds(1));
  EXPECT_EQ(got[2].at - got[1].at, absl::Milliseconds(1500));  // Capped.
  AlertCounters c = alerter->counters();
  EXPECT_EQ(c.sent, 0u);
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.retries, 2u);
  EXPECT_THAT(Logs(), HasSubstr("gave up on firing task_failed alert of connector serverlog task "
                                "0 after 3 attempt(s): HTTP 503: down"));

  // The next message gets one 503 left, then goes through.
  alerter->Observe(Obs({Task(0, "RUNNING")}), kT0 + absl::Seconds(1));
  ASSERT_TRUE(alerter->Drain(absl::Seconds(10)));
  got = receiver_.received();
  ASSERT_EQ(got.size(), 5u);
  c = alerter->counters();
  EXPECT_EQ(c.sent, 1u);
  EXPECT_EQ(c.failed, 1u);
}

TEST_F(AlerterTest, ClientErrorsAreNotRetried) {
  receiver_.Script({{400, "invalid_payload"}});
  std::unique_ptr<Alerter> alerter =
      Make(Props({{"ferry.alert.slack.webhook.url", receiver_.Url(kSlackPath)}}), &clock_);
  ASSERT_NE(alerter, nullptr);
  alerter->Observe(Obs({Task(0, "FAILED")}), kT0);
  ASSERT_TRUE(alerter->Drain(absl::Seconds(10)));
  EXPECT_EQ(receiver_.received().size(), 1u);
  const AlertCounters c = alerter->counters();
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.retries, 0u);
  EXPECT_THAT(Logs(), HasSubstr("HTTP 400: invalid_payload (not retried)"));
}

TEST_F(AlerterTest, RateLimitSpacesRequestsEvenly) {
  std::unique_ptr<Alerter> alerter =
      Make(Props({{"ferry.alert.slack.webhook.url", receiver_.Url(kSlackPath)},
                  {"ferry.alert.rate.limit.per.minute", "6"},
                  {"ferry.alert.lag.threshold", "100"}}),
           &clock_);
  ASSERT_NE(alerter, nullptr);
  // Four conditions at once: task failed, DLQ, BigQuery errors, lag.
  alerter->Observe(Obs({Task(0, "FAILED", 5, 5, 500)}), kT0);
  ASSERT_TRUE(alerter->Drain(absl::Seconds(10)));
  const std::vector<Received> got = receiver_.received();
  ASSERT_EQ(got.size(), 4u);
  for (size_t i = 1; i < got.size(); ++i) {
    EXPECT_EQ(got[i].at - got[i - 1].at, absl::Seconds(10)) << i;
  }
  std::vector<std::string> conditions;
  for (const Received& r : got) {
    conditions.push_back(json::parse(r.body)["blocks"][1]["fields"][1]["text"]);
  }
  EXPECT_THAT(conditions, ElementsAre("*Condition*\ntask_failed", "*Condition*\ndlq_records",
                                      "*Condition*\nbigquery_errors", "*Condition*\nconsumer_lag"));
  EXPECT_EQ(alerter->counters().sent, 4u);
}

TEST_F(AlerterTest, RetriesCountAgainstTheRateLimit) {
  receiver_.Script({{503, ""}});
  std::unique_ptr<Alerter> alerter =
      Make(Props({{"ferry.alert.webhook.url", receiver_.Url(kGenericPath)},
                  {"ferry.alert.rate.limit.per.minute", "2"}}),  // 30 s apart.
           &clock_);
  ASSERT_NE(alerter, nullptr);
  alerter->Observe(Obs({Task(0, "FAILED")}), kT0);
  ASSERT_TRUE(alerter->Drain(absl::Seconds(10)));
  const std::vector<Received> got = receiver_.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].at - got[0].at, absl::Seconds(30));  // Not the 1 s backoff.
}

TEST_F(AlerterTest, FullQueueDropsAndDrainTimesOutWhileAWebhookHangs) {
  receiver_.Hold();
  std::unique_ptr<Alerter> alerter =
      Make(Props({{"ferry.alert.webhook.url", receiver_.Url(kGenericPath)},
                  {"ferry.alert.queue.max", "1"},
                  {"ferry.alert.lag.threshold", "100"}}),
           &clock_);
  ASSERT_NE(alerter, nullptr);
  alerter->Observe(Obs({Task(0, "FAILED")}), kT0);
  ASSERT_TRUE(receiver_.WaitFor(1));  // Under way, held by the receiver.
  // Three more: one fits in the queue, two are dropped.
  alerter->Observe(Obs({Task(0, "FAILED", 5, 5, 500)}), kT0 + absl::Seconds(1));
  EXPECT_EQ(alerter->counters().dropped, 2u);
  EXPECT_FALSE(alerter->Drain(absl::Milliseconds(20)));
  receiver_.Release();
  ASSERT_TRUE(alerter->Drain(absl::Seconds(10)));
  const AlertCounters c = alerter->counters();
  EXPECT_EQ(c.sent, 2u);
  EXPECT_EQ(c.dropped, 2u);
  EXPECT_THAT(Logs(), HasSubstr("alert: webhook: queue full (1 messages), dropped firing "
                                "bigquery_errors alert of connector serverlog"));
}

TEST_F(AlerterTest, ShutdownDropsWhatIsStillQueued) {
  receiver_.Hold();  // Never answers: the request times out.
  std::unique_ptr<Alerter> alerter =
      Make(Props({{"ferry.alert.webhook.url", receiver_.Url(kGenericPath)},
                  {"ferry.alert.request.timeout.ms", "200"}}),
           &clock_);
  ASSERT_NE(alerter, nullptr);
  alerter->Observe(Obs({Task(0, "FAILED", 5, 5)}), kT0);  // Three messages.
  ASSERT_TRUE(receiver_.WaitFor(1));
  // Stopping while the first request is under way: it ends (time-out), its
  // retry is not waited for, and the two queued messages are dropped.
  alerter.reset();
  EXPECT_EQ(receiver_.received().size(), 1u);
  EXPECT_THAT(Logs(), HasSubstr("alert: webhook: shutting down, dropped firing task_failed alert "
                                "of connector serverlog task 0"));
  EXPECT_THAT(Logs(), HasSubstr("alert: webhook: shutting down, 2 undelivered message(s) dropped"));
}

TEST_F(AlerterTest, TheUrlAndItsSecretsNeverReachTheLogs) {
  const std::string secret_url =
      absl::StrCat("http://ferry:pa55w0rd@127.0.0.1:", receiver_.port(), kGenericPath);
  // The receiver echoes the URL in its error bodies; some servers do.
  receiver_.Script({{500, absl::StrCat("no route for ", secret_url, " ", kGenericPath)},
                    {404, absl::StrCat("unknown hook ", receiver_.Url(kGenericPath))}});
  std::unique_ptr<Alerter> alerter = Make(
      Props({{"ferry.alert.webhook.url", secret_url}, {"ferry.alert.retry.max", "3"}}), &clock_);
  ASSERT_NE(alerter, nullptr);
  alerter->Observe(Obs({Task(0, "FAILED")}), kT0);
  ASSERT_TRUE(alerter->Drain(absl::Seconds(10)));
  EXPECT_EQ(receiver_.received().size(), 2u);
  EXPECT_EQ(alerter->counters().failed, 1u);
  EXPECT_THAT(Logs(), HasSubstr("HTTP 500: no route for [redacted] [redacted]"));
  EXPECT_THAT(Logs(), HasSubstr("HTTP 404: unknown hook http://[redacted]:"));

  // Transport errors: nothing listens on the port any more; libcurl names
  // the host in its message.
  int closed_port = 0;
  {
    Receiver gone(&clock_);
    closed_port = gone.port();
  }
  const std::string dead_url =
      absl::StrCat("http://127.0.0.1:", closed_port, "/services/T0/B0/s3cr3tT0k3nXYZ");
  std::unique_ptr<Alerter> dead =
      Make(Props({{"ferry.alert.slack.webhook.url", dead_url}, {"ferry.alert.retry.max", "1"}}),
           &clock_);
  ASSERT_NE(dead, nullptr);
  dead->Observe(Obs({Task(0, "FAILED")}), kT0);
  ASSERT_TRUE(dead->Drain(absl::Seconds(10)));
  EXPECT_EQ(dead->counters().failed, 1u);
  EXPECT_EQ(dead->counters().retries, 1u);
  EXPECT_THAT(Logs(), HasSubstr("gave up on firing task_failed alert of connector serverlog "
                                "task 0 after 2 attempt(s): "));
  EXPECT_THAT(Logs(), Not(HasSubstr("127.0.0.1")));
  // TearDown checks every secret part against the whole log.
}

TEST_F(AlerterTest, RealClockDelivery) {
  Receiver receiver(&RealClock());
  receiver.Script({{500, "once"}});
  absl::StatusOr<std::unique_ptr<Alerter>> alerter =
      Alerter::Create(Props({{"ferry.alert.slack.webhook.url", receiver.Url(kSlackPath)},
                             {"ferry.alert.retry.backoff.ms", "5"},
                             {"ferry.alert.rate.limit.per.minute", "120"}}),  // 500 ms apart.
                      "serverlog");
  ASSERT_TRUE(alerter.ok()) << alerter.status();
  (*alerter)->Observe(Obs({Task(0, "FAILED", 0, 0, 0, "boom")}), absl::Now());
  ASSERT_TRUE((*alerter)->Drain(absl::Seconds(10)));
  const std::vector<Received> got = receiver.received();
  ASSERT_EQ(got.size(), 2u);
  // The rate limit's spacing, less the first request's own latency (the
  // sender measures from before it connects, the receiver from arrival).
  EXPECT_GE(got[1].at - got[0].at, absl::Milliseconds(250));
  EXPECT_EQ((*alerter)->counters().sent, 1u);
  EXPECT_EQ((*alerter)->counters().retries, 1u);
}

}  // namespace
}  // namespace ferry::alert
