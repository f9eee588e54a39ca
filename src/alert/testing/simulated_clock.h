#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "absl/time/time.h"
#include "alert/clock.h"

namespace ferry::alert::testing {

// A clock whose waits return at once, having moved simulated time forward to
// their deadline: delivery tests run without real waiting and can check the
// exact spacing of requests. Every wait is recorded.
class SimulatedClock : public Clock {
 public:
  explicit SimulatedClock(absl::Time start = absl::FromUnixSeconds(1700000000)) : now_(start) {}

  absl::Time Now() override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }

  void WaitUntil(absl::Time deadline, std::unique_lock<std::mutex>& /*lock*/,
                 std::condition_variable& /*cv*/,
                 const std::function<bool()>& interrupted) override {
    if (interrupted()) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (deadline > now_) {
      waits_.push_back(deadline - now_);
      now_ = deadline;
    }
  }

  void Advance(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }

  // The length of every wait that moved time forward, in order.
  std::vector<absl::Duration> waits() {
    std::lock_guard<std::mutex> lock(mu_);
    return waits_;
  }

 private:
  std::mutex mu_;
  absl::Time now_;
  std::vector<absl::Duration> waits_;
};

}  // namespace ferry::alert::testing
