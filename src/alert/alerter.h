#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "alert/alert_config.h"
#include "alert/clock.h"
#include "alert/conditions.h"
#include "alert/observation.h"
#include "alert/webhook_sender.h"

namespace ferry::alert {

struct AlerterOptions {
  // Time for delivery (rate limit, backoff, Retry-After); nullptr is the real
  // clock. Not owned; must outlive the Alerter.
  Clock* clock = nullptr;
};

// A snapshot of an Alerter's counters. Each webhook counts on its own: one
// alert sent to Slack and to a generic webhook is two `sent`.
struct AlertCounters {
  uint64_t sent = 0;        // Accepted by a webhook (2xx).
  uint64_t failed = 0;      // Given up: retries exhausted, or an HTTP error not retried.
  uint64_t suppressed = 0;  // Not sent again within the window (see ConditionTracker).
  uint64_t dropped = 0;     // Queue full, or still queued at shutdown.
  uint64_t retries = 0;     // Delivery attempts after the first.
};

// One connector's alerting: turns the worker's periodic observations into
// Slack / generic webhook messages (see README.md for conditions, windows
// and payloads).
//
// Threads: Observe, Drain and counters may be called from any thread.
// Observe evaluates the conditions on the caller's thread (no I/O) and
// queues messages; each webhook has a delivery thread of its own with a
// bounded queue. Destroying the Alerter stops those threads and drops what
// was not delivered: call Drain first to deliver it.
class Alerter {
 public:
  // From a connector's properties (only the ferry.alert.* keys are read).
  // InvalidArgument lists every problem with them (never a URL). With no
  // webhook URL set, the Alerter is disabled: enabled() is false, it starts
  // no thread and Observe does nothing.
  static absl::StatusOr<std::unique_ptr<Alerter>> Create(
      const std::map<std::string, std::string>& connector_props, std::string connector_name,
      AlerterOptions options = {});

  ~Alerter();
  Alerter(const Alerter&) = delete;
  Alerter& operator=(const Alerter&) = delete;

  bool enabled() const { return !sinks_.empty(); }

  // One observation of the connector (about once a second), at `now`; the
  // connector's name is the one given to Create. Never blocks on HTTP: a
  // message that finds a webhook's queue full is dropped (counted, logged).
  void Observe(const ConnectorObservation& observation, absl::Time now);

  // Waits until every queued message has been delivered or given up, up to
  // `timeout` (real time); false if time ran out first.
  bool Drain(absl::Duration timeout);

  AlertCounters counters() const;

 private:
  enum class Format { kSlack, kGeneric };
  struct Sink {
    Format format;
    std::unique_ptr<WebhookSender> sender;
  };

  Alerter(std::string connector, AlertRules rules);

  const std::string connector_;
  mutable std::mutex mu_;  // Guards tracker_.
  ConditionTracker tracker_;
  DeliveryCounters counters_;  // Before sinks_: the senders use it until they are destroyed.
  std::vector<Sink> sinks_;
};

}  // namespace ferry::alert
