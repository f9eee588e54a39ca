#include "bigquery/ulid.h"

#include <gtest/gtest.h>

#include <set>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ferry::bigquery {
namespace {

// The value of a ULID's first ten characters (its 48-bit time).
int64_t TimeOf(const std::string& ulid) {
  static const std::string kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  int64_t v = 0;
  for (int i = 0; i < 10; ++i) v = v * 32 + static_cast<int64_t>(kAlphabet.find(ulid[i]));
  return v;
}

TEST(UlidTest, EncodesTheSpecsExampleTime) {
  // The spec's example: 1469918176385 ms is "01ARYZ6S41".
  std::array<uint8_t, 16> bytes{};
  const uint64_t ms = 1469918176385;
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<uint8_t>(ms >> (8 * (5 - i)));
  EXPECT_EQ(UlidText(bytes), "01ARYZ6S410000000000000000");
  std::array<uint8_t, 16> max;
  max.fill(0xFF);
  EXPECT_EQ(UlidText(max), "7ZZZZZZZZZZZZZZZZZZZZZZZZZ");  // the spec's largest ULID.
}

TEST(UlidTest, NewOnesAreDistinctAndCarryTheTime) {
  const int64_t before = absl::ToUnixMillis(absl::Now());
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string u = NewUlid();
    ASSERT_EQ(u.size(), 26u);
    EXPECT_EQ(u.find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ"), std::string::npos) << u;
    seen.insert(u);
  }
  const int64_t after = absl::ToUnixMillis(absl::Now());
  EXPECT_EQ(seen.size(), 1000u);
  const int64_t t = TimeOf(*seen.begin());
  EXPECT_GE(t, before);
  EXPECT_LE(t, after);
}

}  // namespace
}  // namespace ferry::bigquery
