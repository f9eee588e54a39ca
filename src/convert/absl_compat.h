#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"
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

inline void AppendPiece(std::string* out, std::string_view s) { out->append(s); }
inline void AppendPiece(std::string* out, absl::string_view s) { out->append(s.data(), s.size()); }
inline void AppendPiece(std::string* out, const char* s) { out->append(s); }
inline void AppendPiece(std::string* out, const std::string& s) { out->append(s); }
template <typename N,
          std::enable_if_t<std::is_arithmetic_v<N> && !std::is_same_v<N, char>, int> = 0>
inline void AppendPiece(std::string* out, N n) {
  out->append(absl::StrCat(n));
}

// absl::StrCat that also takes std::string_view.
template <typename... T>
std::string Cat(const T&... parts) {
  std::string out;
  (AppendPiece(&out, parts), ...);
  return out;
}

}  // namespace ferry::internal
