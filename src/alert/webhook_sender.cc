#include "alert/webhook_sender.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "spdlog/spdlog.h"

namespace ferry::alert {
namespace {

constexpr absl::Duration kMaxRetryAfter = absl::Minutes(15);
constexpr size_t kReasonMaxBytes = 200;

// A Retry-After header's wait: delta-seconds or an HTTP-date (RFC 9110).
std::optional<absl::Duration> ParseRetryAfter(const std::string& value, absl::Time now) {
  const std::string trimmed(absl::StripAsciiWhitespace(value));
  if (trimmed.empty()) return std::nullopt;
  int64_t seconds = 0;
  if (absl::SimpleAtoi(trimmed, &seconds)) {
    if (seconds < 0) return std::nullopt;
    return std::min(absl::Seconds(seconds), kMaxRetryAfter);
  }
  absl::Time when;
  std::string err;
  if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", trimmed, absl::UTCTimeZone(), &when, &err)) {
    return std::clamp(when - now, absl::ZeroDuration(), kMaxRetryAfter);
  }
  return std::nullopt;
}

// One line of printable text, at most kReasonMaxBytes.
std::string OneLine(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (out.size() >= kReasonMaxBytes) {
      out += "...";
      break;
    }
    const unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  return std::string(absl::StripAsciiWhitespace(out));
}

}  // namespace

WebhookSender::WebhookSender(std::string label, std::string url, DeliveryOptions options,
                             Clock* clock, DeliveryCounters* counters)
    : label_(std::move(label)),
      url_(std::move(url)),
      options_(options),
      spacing_(absl::Minutes(1) / std::max(options.rate_limit_per_minute, 1)),
      clock_(clock),
      counters_(counters) {
  const internal::UrlParts parts = internal::SplitUrl(url_);
  secrets_.push_back(url_);
  if (const size_t scheme_end = url_.find("://"); scheme_end != std::string::npos) {
    secrets_.push_back(url_.substr(scheme_end + 3));
  }
  if (parts.path_and_query.size() > 1) secrets_.push_back(parts.path_and_query);
  if (!parts.userinfo.empty()) secrets_.push_back(parts.userinfo);
  if (!parts.host.empty()) secrets_.push_back(parts.host);
  secrets_.erase(std::remove(secrets_.begin(), secrets_.end(), std::string()), secrets_.end());
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  thread_ = std::thread([this] { Run(); });
}

WebhookSender::~WebhookSender() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::string WebhookSender::Redact(absl::string_view text) const {
  std::string out(text);
  for (const std::string& secret : secrets_) {
    out = absl::StrReplaceAll(out, {{secret, "[redacted]"}});
  }
  return out;
}

bool WebhookSender::Enqueue(std::string body, std::string what) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_ && queue_.size() < static_cast<size_t>(options_.queue_max)) {
      queue_.push_back(Message{std::move(body), std::move(what)});
      cv_.notify_all();
      return true;
    }
  }
  counters_->dropped.fetch_add(1);
  spdlog::error("alert: {}: queue full ({} messages), dropped {}", label_, options_.queue_max,
                what);
  return false;
}

bool WebhookSender::Drain(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_cv_.wait_for(lock, std::chrono::microseconds(absl::ToInt64Microseconds(timeout)),
                           [this] { return queue_.empty() && !busy_; });
}

void WebhookSender::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    Message message = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    Deliver(message, lock);
    busy_ = false;
    if (queue_.empty()) idle_cv_.notify_all();
  }
  if (!queue_.empty()) {
    counters_->dropped.fetch_add(queue_.size());
    spdlog::warn("alert: {}: shutting down, {} undelivered message(s) dropped", label_,
                 queue_.size());
    queue_.clear();
  }
  busy_ = false;
  idle_cv_.notify_all();
}

void WebhookSender::Deliver(const Message& message, std::unique_lock<std::mutex>& lock) {
  const int attempts = options_.retry_max + 1;
  absl::Duration backoff = options_.retry_backoff;
  absl::Time not_before = absl::InfinitePast();
  for (int attempt = 1;; ++attempt) {
    clock_->WaitUntil(std::max(not_before, next_slot_), lock, cv_, [this] { return stopping_; });
    if (stopping_) {
      counters_->dropped.fetch_add(1);
      spdlog::warn("alert: {}: shutting down, dropped {}", label_, message.what);
      return;
    }
    next_slot_ = clock_->Now() + spacing_;
    lock.unlock();
    const Outcome outcome = Attempt(message.body);
    lock.lock();
    switch (outcome.kind) {
      case Outcome::kDelivered:
        counters_->sent.fetch_add(1);
        spdlog::info("alert: {}: delivered {}", label_, message.what);
        return;
      case Outcome::kPermanent:
        counters_->failed.fetch_add(1);
        spdlog::error("alert: {}: gave up on {}: {} (not retried)", label_, message.what,
                      outcome.reason);
        return;
      case Outcome::kRetriable:
        break;
    }
    if (attempt >= attempts) {
      counters_->failed.fetch_add(1);
      spdlog::error("alert: {}: gave up on {} after {} attempt(s): {}", label_, message.what,
                    attempt, outcome.reason);
      return;
    }
    const absl::Duration wait = outcome.retry_after.value_or(backoff);
    backoff = std::min(backoff * 2, options_.retry_backoff_max);
    counters_->retries.fetch_add(1);
    spdlog::warn("alert: {}: attempt {}/{} of {} failed: {}; retrying in {}", label_, attempt,
                 attempts, message.what, outcome.reason, absl::FormatDuration(wait));
    not_before = clock_->Now() + wait;
  }
}

WebhookSender::Outcome WebhookSender::Attempt(const std::string& body) {
  Outcome outcome;
  if (connection_ == nullptr) {
    absl::StatusOr<std::unique_ptr<bigquery::HttpConnection>> connection =
        bigquery::HttpConnection::Create();
    if (!connection.ok()) {
      outcome.reason = Redact(connection.status().ToString());
      return outcome;
    }
    connection_ = std::move(*connection);
  }
  bigquery::HttpRequest request;
  request.method = "POST";
  request.url = url_;
  // "Expect:" keeps libcurl from asking for 100-continue on bodies over 1 KiB
  // (a round trip, or a 1 s wait with servers that do not answer it).
  request.headers = {"Content-Type: application/json", "Expect:"};
  request.body = body;
  request.connect_timeout = options_.request_timeout;
  request.timeout = options_.request_timeout;
  absl::StatusOr<bigquery::HttpResponse> response = connection_->Send(request);
  if (!response.ok()) {
    outcome.reason = OneLine(Redact(response.status().message()));
    return outcome;
  }
  if (response->status >= 200 && response->status < 300) {
    outcome.kind = Outcome::kDelivered;
    return outcome;
  }
  outcome.reason = absl::StrCat("HTTP ", response->status);
  if (const std::string text = OneLine(Redact(response->body)); !text.empty()) {
    absl::StrAppend(&outcome.reason, ": ", text);
  }
  const long status = response->status;
  if (status == 429 || status == 408 || (status >= 500 && status < 600)) {
    outcome.retry_after = ParseRetryAfter(response->Header("Retry-After"), clock_->Now());
  } else {
    outcome.kind = Outcome::kPermanent;
  }
  return outcome;
}

}  // namespace ferry::alert
