#pragma once

#include <mutex>
#include <string>

#include "absl/time/time.h"

namespace ferry::bigquery {

// The retries one Write may spend (kcbq's bigQueryRetry), shared by every
// call it makes - requests, streams, partitions, table calls - so that an
// outage costs a Write one budget however many calls its batch needs. Once a
// call has failed with no retry left the budget is spent: the Write's later
// calls are not made, and their rows are left retriable with spent_reason().
//
// Thread-safe: concurrent appends of one Write share it.
class RetryBudget {
 public:
  explicit RetryBudget(int retries) : left_(retries < 0 ? 0 : retries) {}
  RetryBudget(const RetryBudget&) = delete;
  RetryBudget& operator=(const RetryBudget&) = delete;

  // After a retriable failure (`why`): the number of this retry in the
  // budget (1 for the first), or 0 when none is left - the budget is spent
  // and the caller gives up.
  int Take(const std::string& why) {
    std::lock_guard<std::mutex> lock(mu_);
    if (left_ == 0) {
      if (reason_.empty()) reason_ = why.empty() ? "no retries left" : why;
      return 0;
    }
    --left_;
    return ++taken_;
  }

  bool spent() const {
    std::lock_guard<std::mutex> lock(mu_);
    return !reason_.empty();
  }

  // Why a call after the budget was spent is not made: names the last
  // error of the call that gave up.
  std::string NotAttempted() const {
    std::lock_guard<std::mutex> lock(mu_);
    return "not attempted: an earlier call of this write ran out of retries (" + reason_ + ")";
  }

  // Exponential backoff for retry number `n` (>= 1): wait, 2 x wait, ...
  // capped at max_wait.
  static absl::Duration Backoff(int n, absl::Duration wait, absl::Duration max_wait) {
    const int doublings = n <= 1 ? 0 : (n - 1 > 20 ? 20 : n - 1);
    const absl::Duration d = wait * (int64_t{1} << doublings);
    return d < max_wait ? d : max_wait;
  }

 private:
  mutable std::mutex mu_;
  int left_;
  int taken_ = 0;
  std::string reason_;  // non-empty once spent.
};

}  // namespace ferry::bigquery
