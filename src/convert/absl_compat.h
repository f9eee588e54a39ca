#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

// Debian's abseil has its own absl::string_view, distinct from
// std::string_view; these bridge the two without copying.
namespace ferry::internal {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view FromAbsl(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace ferry::internal
