#include "alert/alerter.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "alert/payload.h"
#include "spdlog/spdlog.h"

namespace ferry::alert {

Alerter::Alerter(std::string connector, AlertRules rules)
    : connector_(connector), tracker_(std::move(connector), rules) {}

Alerter::~Alerter() = default;

absl::StatusOr<std::unique_ptr<Alerter>> Alerter::Create(
    const std::map<std::string, std::string>& connector_props, std::string connector_name,
    AlerterOptions options) {
  absl::StatusOr<AlertConfig> config = ParseAlertConfig(connector_props);
  if (!config.ok()) return config.status();
  Clock* clock = options.clock != nullptr ? options.clock : &RealClock();
  std::unique_ptr<Alerter> alerter(new Alerter(std::move(connector_name), config->rules));
  std::vector<std::string> labels;
  if (!config->slack_webhook_url.empty()) {
    labels.push_back("slack webhook");
    alerter->sinks_.push_back({Format::kSlack, std::make_unique<WebhookSender>(
                                                   "slack webhook", config->slack_webhook_url,
                                                   config->delivery, clock, &alerter->counters_)});
  }
  if (!config->generic_webhook_url.empty()) {
    labels.push_back("webhook");
    alerter->sinks_.push_back(
        {Format::kGeneric,
         std::make_unique<WebhookSender>("webhook", config->generic_webhook_url, config->delivery,
                                         clock, &alerter->counters_)});
  }
  if (alerter->enabled()) {
    const AlertRules& r = config->rules;
    spdlog::info(
        "alert: connector {}: alerts to {} (window {}, task failures {}, dlq >= {}, bigquery "
        "errors >= {}, lag >= {}; 0 = off)",
        alerter->connector_, absl::StrJoin(labels, " and "), absl::FormatDuration(r.window),
        r.task_failed ? "on" : "off", r.dlq_threshold, r.bigquery_errors_threshold,
        r.lag_threshold);
  }
  return alerter;
}

void Alerter::Observe(const ConnectorObservation& observation, absl::Time now) {
  if (!enabled()) return;
  std::vector<AlertEvent> events;
  {
    std::lock_guard<std::mutex> lock(mu_);
    events = tracker_.Observe(observation, now);
  }
  for (const AlertEvent& event : events) {
    const std::string what =
        absl::StrCat(AlertStateName(event.state), event.repeat ? " (repeat) " : " ",
                     ConditionName(event.condition), " alert of connector ", connector_,
                     event.task.has_value() ? absl::StrCat(" task ", *event.task) : "");
    spdlog::info("alert: {} {}: {}", ConditionName(event.condition), AlertStateName(event.state),
                 event.message);
    for (Sink& sink : sinks_) {
      sink.sender->Enqueue(
          sink.format == Format::kSlack ? SlackPayload(event) : GenericPayload(event), what);
    }
  }
}

bool Alerter::Drain(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  bool drained = true;
  for (Sink& sink : sinks_) {
    drained = sink.sender->Drain(std::max(deadline - absl::Now(), absl::ZeroDuration())) && drained;
  }
  return drained;
}

AlertCounters Alerter::counters() const {
  AlertCounters c;
  c.sent = counters_.sent.load();
  c.failed = counters_.failed.load();
  c.dropped = counters_.dropped.load();
  c.retries = counters_.retries.load();
  {
    std::lock_guard<std::mutex> lock(mu_);
    c.suppressed = tracker_.suppressed();
  }
  return c;
}

}  // namespace ferry::alert
