#include "errors/retry.h"

#include <gtest/gtest.h>

#include <set>

namespace ferry::errors {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST(IsRetriableTest, TransientCodesOnly) {
  EXPECT_TRUE(IsRetriable(absl::UnavailableError("")));
  EXPECT_TRUE(IsRetriable(absl::DeadlineExceededError("")));
  EXPECT_TRUE(IsRetriable(absl::ResourceExhaustedError("quota")));
  EXPECT_TRUE(IsRetriable(absl::AbortedError("")));
  EXPECT_FALSE(IsRetriable(absl::InvalidArgumentError("")));
  EXPECT_FALSE(IsRetriable(absl::PermissionDeniedError("")));
  EXPECT_FALSE(IsRetriable(absl::UnauthenticatedError("")));
  EXPECT_FALSE(IsRetriable(absl::NotFoundError("")));
  EXPECT_FALSE(IsRetriable(absl::OkStatus()));
}

TEST(RetryScheduleTest, ZeroTimeoutNeverRetries) {
  const Clock::time_point t0 = Clock::now();
  RetrySchedule s({milliseconds(0), milliseconds(60000)}, t0);
  EXPECT_EQ(s.NextDelay(t0), std::nullopt);
}

TEST(RetryScheduleTest, DoublesFrom300MsUntilTheMaximumThenJittersBelowIt) {
  const Clock::time_point t0 = Clock::now();
  RetrySchedule s({milliseconds(-1), milliseconds(5000)}, t0);
  EXPECT_EQ(s.NextDelay(t0), milliseconds(300));
  EXPECT_EQ(s.NextDelay(t0), milliseconds(600));
  EXPECT_EQ(s.NextDelay(t0), milliseconds(1200));
  EXPECT_EQ(s.NextDelay(t0), milliseconds(2400));
  EXPECT_EQ(s.NextDelay(t0), milliseconds(4800));
  // 9600 > 5000: a random wait in [0, 5000), never the same every time.
  std::set<int64_t> seen;
  for (int i = 0; i < 50; ++i) {
    auto d = s.NextDelay(t0 + std::chrono::hours(24 * i));  // forever: never runs out.
    ASSERT_TRUE(d.has_value());
    EXPECT_GE(d->count(), 0);
    EXPECT_LT(d->count(), 5000);
    seen.insert(d->count());
  }
  EXPECT_GT(seen.size(), 10u);
  EXPECT_EQ(s.retries(), 55);
}

TEST(RetryScheduleTest, WaitsAreCutAtTheDeadlineAndStopAfterIt) {
  const Clock::time_point t0 = Clock::now();
  RetrySchedule s({milliseconds(1000), milliseconds(60000)}, t0);
  EXPECT_EQ(s.NextDelay(t0 + milliseconds(10)), milliseconds(300));
  EXPECT_EQ(s.NextDelay(t0 + milliseconds(320)), milliseconds(600));
  // 1200 ms would pass the deadline at 1000: only the 80 ms left.
  EXPECT_EQ(s.NextDelay(t0 + milliseconds(920)), milliseconds(80));
  EXPECT_EQ(s.NextDelay(t0 + milliseconds(1000)), std::nullopt);
  EXPECT_EQ(s.retries(), 3);
}

TEST(RetryScheduleTest, AMaximumBelowTheFirstDelayJittersFromTheStart) {
  const Clock::time_point t0 = Clock::now();
  RetrySchedule s({milliseconds(-1), milliseconds(100)}, t0, /*seed=*/7);
  for (int i = 0; i < 20; ++i) {
    auto d = s.NextDelay(t0);
    ASSERT_TRUE(d.has_value());
    EXPECT_LT(d->count(), 100);
  }
}

}  // namespace
}  // namespace ferry::errors
