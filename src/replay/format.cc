#include "replay/format.h"

#include "absl/strings/str_format.h"

namespace ferry::replay {

std::string FormatCount(int64_t n) {
  // Unsigned so that INT64_MIN negates without overflow.
  uint64_t magnitude = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  std::string digits = std::to_string(magnitude);
  std::string out = n < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string FormatShortDuration(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return "0s";
  const int64_t seconds = absl::ToInt64Seconds(absl::Ceil(d, absl::Seconds(1)));
  if (seconds < 60) return absl::StrFormat("%ds", seconds);
  if (seconds < 3600) return absl::StrFormat("%dm%02ds", seconds / 60, seconds % 60);
  const int64_t minutes = (seconds + 59) / 60;
  return absl::StrFormat("%dh%02dm", minutes / 60, minutes % 60);
}

}  // namespace ferry::replay
