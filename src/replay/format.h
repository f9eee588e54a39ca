#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace ferry::replay {

// 1234567 → "1,234,567"; -1234 → "-1,234".
std::string FormatCount(int64_t n);

// A short, whole-second duration for a terminal: "0s", "59s", "1m05s",
// "59m59s", "1h00m", "26h03m" (whole minutes from an hour up). Rounds up, so a
// remaining time is never shown as less than it is; zero or negative → "0s".
std::string FormatShortDuration(absl::Duration d);

}  // namespace ferry::replay
