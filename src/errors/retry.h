#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

#include "absl/status/status.h"

namespace ferry::errors {

// The errors classified once, for every stage and destination:
// UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED (quota, rate) and
// ABORTED are transient and retried within the retry policy; anything else is
// not (a record-fatal or task-fatal error, by where it happened).
bool IsRetriable(const absl::Status& status);

// Connect's errors.retry.timeout and errors.retry.delay.max.ms.
struct RetryPolicy {
  // How long an operation is retried from its first failure; 0 = never
  // retried, negative = retried forever.
  std::chrono::milliseconds timeout{0};
  std::chrono::milliseconds delay_max{60000};
};

// One operation's retries, as Connect's RetryWithToleranceOperator: after
// each failure, another attempt is allowed while less than `timeout` has
// passed since the first; the wait before retry n (n = 1, 2, ...) is
// 300 ms << (n - 1), a uniformly random wait in [0, delay_max) once that
// would exceed delay_max, and never past the deadline.
class RetrySchedule {
 public:
  static constexpr std::chrono::milliseconds kMinDelay{300};

  RetrySchedule(RetryPolicy policy, std::chrono::steady_clock::time_point start,
                uint64_t seed = std::random_device{}());

  // After a failed attempt at `now`: the wait before the next attempt, or
  // nullopt when no retry is left (the deadline has passed).
  std::optional<std::chrono::milliseconds> NextDelay(std::chrono::steady_clock::time_point now);

  int retries() const { return retries_; }  // retries granted so far.

 private:
  RetryPolicy policy_;
  std::chrono::steady_clock::time_point start_;
  std::mt19937_64 random_;
  int retries_ = 0;
};

}  // namespace ferry::errors
