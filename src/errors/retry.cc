#include "errors/retry.h"

#include <algorithm>

namespace ferry::errors {

bool IsRetriable(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

RetrySchedule::RetrySchedule(RetryPolicy policy, std::chrono::steady_clock::time_point start,
                             uint64_t seed)
    : policy_(policy), start_(start), random_(seed) {}

std::optional<std::chrono::milliseconds> RetrySchedule::NextDelay(
    std::chrono::steady_clock::time_point now) {
  using std::chrono::milliseconds;
  const bool forever = policy_.timeout.count() < 0;
  const auto elapsed = std::chrono::duration_cast<milliseconds>(now - start_);
  if (!forever && elapsed >= policy_.timeout) return std::nullopt;
  ++retries_;
  // 300 ms << (n - 1), without overflowing the shift.
  const int shift = std::min(retries_ - 1, 30);
  milliseconds delay = kMinDelay * (int64_t{1} << shift);
  if (delay > policy_.delay_max) {
    const int64_t max = policy_.delay_max.count();
    delay =
        milliseconds(max <= 0 ? 0 : std::uniform_int_distribution<int64_t>(0, max - 1)(random_));
  }
  if (!forever) delay = std::min(delay, policy_.timeout - elapsed);
  return delay;
}

}  // namespace ferry::errors
