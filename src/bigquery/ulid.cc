#include "bigquery/ulid.h"

#include <random>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ferry::bigquery {

std::string UlidText(const std::array<uint8_t, 16>& bytes) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  // 26 characters of 5 bits are 130 bits: the 128 of the ULID after two zeros.
  auto bit = [&bytes](int k) -> int {
    if (k < 2) return 0;
    k -= 2;
    return (bytes[k / 8] >> (7 - k % 8)) & 1;
  };
  std::string out(26, '0');
  for (int i = 0; i < 26; ++i) {
    int v = 0;
    for (int b = 0; b < 5; ++b) v = (v << 1) | bit(5 * i + b);
    out[i] = kAlphabet[v];
  }
  return out;
}

std::string NewUlid() {
  thread_local std::mt19937_64 random([] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }());
  std::array<uint8_t, 16> bytes{};
  const uint64_t ms = static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<uint8_t>(ms >> (8 * (5 - i)));
  const uint64_t a = random();
  const uint64_t b = random();
  for (int i = 0; i < 8; ++i) bytes[6 + i] = static_cast<uint8_t>(a >> (8 * (7 - i)));
  bytes[14] = static_cast<uint8_t>(b >> 8);
  bytes[15] = static_cast<uint8_t>(b);
  return UlidText(bytes);
}

}  // namespace ferry::bigquery
