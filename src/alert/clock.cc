#include "alert/clock.h"

#include <chrono>
#include <cstdint>

#include "absl/time/clock.h"

namespace ferry::alert {
namespace {

class SystemClock : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }

  void WaitUntil(absl::Time deadline, std::unique_lock<std::mutex>& lock,
                 std::condition_variable& cv, const std::function<bool()>& interrupted) override {
    while (!interrupted()) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) return;
      // Real time, re-checked after every wake-up: a wait_for on the steady
      // clock would not follow absl::Now() exactly.
      const int64_t us = absl::ToInt64Microseconds(left) + 1;
      cv.wait_for(lock, std::chrono::microseconds(us));
    }
  }
};

}  // namespace

Clock& RealClock() {
  static Clock* clock = new SystemClock();
  return *clock;
}

}  // namespace ferry::alert
