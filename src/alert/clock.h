#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>

#include "absl/time/time.h"

namespace ferry::alert {

// Time as the delivery threads see it (rate limiting, retry backoff,
// Retry-After): the real clock in production, a simulated one in tests so
// that waits take no real time and are exact. Implementations are
// thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() = 0;
  // Returns once Now() >= deadline or interrupted() is true. Called with
  // `lock` held (it guards what interrupted() reads), which may be released
  // while waiting; whoever makes interrupted() true notifies `cv`.
  virtual void WaitUntil(absl::Time deadline, std::unique_lock<std::mutex>& lock,
                         std::condition_variable& cv, const std::function<bool()>& interrupted) = 0;
};

// The process's clock; waits block on `cv`. Lives for the whole program.
Clock& RealClock();

}  // namespace ferry::alert
