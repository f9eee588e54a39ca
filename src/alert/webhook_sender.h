#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alert/alert_config.h"
#include "alert/clock.h"
#include "bigquery/http.h"

namespace ferry::alert {

// Delivery counters, shared by an Alerter's senders.
struct DeliveryCounters {
  std::atomic<uint64_t> sent{0};     // Messages a webhook accepted (2xx).
  std::atomic<uint64_t> failed{0};   // Given up: retries exhausted, or an error not retried.
  std::atomic<uint64_t> dropped{0};  // Never tried to the end: queue full, or shut down.
  std::atomic<uint64_t> retries{0};  // Attempts after the first.
};

// Posts JSON messages to one webhook, in order, from a thread of its own:
// a bounded queue, evenly spaced requests (the rate limit), retries with
// doubling backoff on 429, 5xx, 408 and transport errors (a Retry-After is
// honoured, up to 15 minutes), and no retry on other HTTP errors.
//
// The URL is a secret: it is never logged, and every message that may hold
// it or a part of it (libcurl's errors, a response body) is redacted first;
// logs name the webhook by `label` only.
//
// Thread-safe. The destructor stops the thread: a wait is cut short, a
// request under way finishes (at most the request timeout), and what is
// still queued is dropped (counted).
class WebhookSender {
 public:
  WebhookSender(std::string label, std::string url, DeliveryOptions options, Clock* clock,
                DeliveryCounters* counters);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Queues one JSON body; `what` describes it for logs. False when the
  // queue is full (the message is dropped, counted and logged).
  bool Enqueue(std::string body, std::string what);

  // Waits until the queue is empty and no message is under way; false if
  // the timeout (real time) ran out first.
  bool Drain(absl::Duration timeout);

  // `text` with the URL and its secret-bearing parts (user info, host, path
  // and query) replaced by "[redacted]".
  std::string Redact(absl::string_view text) const;

 private:
  struct Message {
    std::string body;
    std::string what;
  };
  struct Outcome {
    enum Kind { kDelivered, kRetriable, kPermanent } kind = kRetriable;
    std::string reason;  // Redacted.
    std::optional<absl::Duration> retry_after;
  };

  void Run();
  // Called and returns with `lock` held; released during requests.
  void Deliver(const Message& message, std::unique_lock<std::mutex>& lock);
  Outcome Attempt(const std::string& body);

  const std::string label_;
  const std::string url_;
  const DeliveryOptions options_;
  const absl::Duration spacing_;  // One request per spacing_: the rate limit.
  Clock* const clock_;
  DeliveryCounters* const counters_;
  std::vector<std::string> secrets_;                      // What Redact replaces, longest first.
  std::unique_ptr<bigquery::HttpConnection> connection_;  // The delivery thread's.

  std::mutex mu_;
  std::condition_variable cv_;       // Work queued, or stopping.
  std::condition_variable idle_cv_;  // Queue empty and idle.
  std::deque<Message> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  absl::Time next_slot_ = absl::InfinitePast();  // Earliest time of the next request.
  std::thread thread_;
};

}  // namespace ferry::alert
