#include "convert/rfc3339.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kSecond = 1'000'000;
// 2024-05-01T00:00:00Z.
constexpr int64_t kMay1 = 1'714'521'600 * kSecond;

int64_t Parse(std::string_view text) {
  absl::StatusOr<int64_t> v = ParseRfc3339Micros(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status();
  return v.value_or(0);
}

std::string Error(std::string_view text) {
  absl::StatusOr<int64_t> v = ParseRfc3339Micros(text);
  EXPECT_FALSE(v.ok()) << text << " parsed as " << *v;
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(v.status().message());
}

TEST(Rfc3339Test, ParsesUtcWithMillis) {
  EXPECT_EQ(Parse("2024-05-01T12:34:56.789Z"),
            kMay1 + (12 * 3600 + 34 * 60 + 56) * kSecond + 789'000);
}

TEST(Rfc3339Test, EpochAndJustBefore) {
  EXPECT_EQ(Parse("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(Parse("1969-12-31T23:59:59.999999Z"), -1);
  EXPECT_EQ(Parse("1969-12-31T23:59:59.5Z"), -500'000);
}

TEST(Rfc3339Test, OffsetsAreAppliedToGetUtc) {
  const int64_t utc = Parse("2024-05-01T12:34:56.789Z");
  EXPECT_EQ(Parse("2024-05-01T21:34:56.789+09:00"), utc);
  EXPECT_EQ(Parse("2024-05-01T07:04:56.789-05:30"), utc);
  EXPECT_EQ(Parse("2024-05-01T12:34:56.789-00:00"), utc);
  EXPECT_EQ(Parse("2024-05-01T12:34:56.789+00:00"), utc);
  // An offset can move the instant across a day and a year boundary.
  EXPECT_EQ(Parse("2025-01-01T08:00:00+09:00"), Parse("2024-12-31T23:00:00Z"));
}

TEST(Rfc3339Test, LowerCaseSeparatorAndZone) {
  EXPECT_EQ(Parse("2024-05-01t12:34:56.789z"), Parse("2024-05-01T12:34:56.789Z"));
}

TEST(Rfc3339Test, FractionsOfOneToNineDigitsTruncateToMicros) {
  EXPECT_EQ(Parse("2024-05-01T00:00:00.1Z"), kMay1 + 100'000);
  EXPECT_EQ(Parse("2024-05-01T00:00:00.123456Z"), kMay1 + 123'456);
  EXPECT_EQ(Parse("2024-05-01T00:00:00.123456789Z"), kMay1 + 123'456);
  EXPECT_EQ(Parse("2024-05-01T00:00:00.000000999Z"), kMay1);
  EXPECT_THAT(Error("2024-05-01T00:00:00.1234567891Z"), HasSubstr("more than 9 fractional digits"));
  EXPECT_THAT(Error("2024-05-01T00:00:00.Z"), HasSubstr("no digits after '.'"));
}

TEST(Rfc3339Test, LeapYears) {
  EXPECT_EQ(Parse("2024-02-29T00:00:00Z") - Parse("2024-02-28T00:00:00Z"), 86'400 * kSecond);
  EXPECT_EQ(Parse("2000-02-29T00:00:00Z") - Parse("2000-03-01T00:00:00Z"), -86'400 * kSecond);
  EXPECT_THAT(Error("2023-02-29T00:00:00Z"), HasSubstr("day 29 does not exist in 2023-02"));
  EXPECT_THAT(Error("1900-02-29T00:00:00Z"), HasSubstr("does not exist"));
  EXPECT_THAT(Error("2024-04-31T00:00:00Z"), HasSubstr("does not exist"));
  EXPECT_THAT(Error("2024-01-00T00:00:00Z"), HasSubstr("does not exist"));
}

TEST(Rfc3339Test, LeapSecondIsHeldAsTheLastMicrosecondOfTheMinute) {
  EXPECT_EQ(Parse("2016-12-31T23:59:60Z"), Parse("2017-01-01T00:00:00Z") - 1);
  EXPECT_THAT(Error("2016-12-31T23:59:61Z"), HasSubstr("second out of range"));
}

TEST(Rfc3339Test, BigQueryRangeBoundaries) {
  EXPECT_EQ(Parse("0001-01-01T00:00:00Z"), -62'135'596'800 * kSecond);
  EXPECT_EQ(Parse("9999-12-31T23:59:59.999999Z"), 253'402'300'800 * kSecond - 1);
  EXPECT_THAT(Error("0001-01-01T00:00:00+00:01"), HasSubstr("outside BigQuery's TIMESTAMP range"));
  EXPECT_THAT(Error("9999-12-31T23:59:59-00:01"), HasSubstr("outside BigQuery's TIMESTAMP range"));
  EXPECT_THAT(Error("0000-12-31T00:00:00Z"), HasSubstr("outside"));
}

TEST(Rfc3339Test, RejectsMalformedText) {
  EXPECT_THAT(Error(""), HasSubstr("expected a date"));
  EXPECT_THAT(Error("2024-05-01"), HasSubstr("expected 'T'"));
  EXPECT_THAT(Error("2024-05-01 12:34:56Z"), HasSubstr("expected 'T'"));
  EXPECT_THAT(Error("2024-5-01T12:34:56Z"), HasSubstr("expected a date"));
  EXPECT_THAT(Error("2024-05-01T12:34Z"), HasSubstr("expected a time"));
  EXPECT_THAT(Error("2024-05-01T12:34:56"), HasSubstr("missing time zone"));
  EXPECT_THAT(Error("2024-05-01T12:34:56+0900"), HasSubstr("UTC offset"));
  EXPECT_THAT(Error("2024-05-01T12:34:56+09"), HasSubstr("UTC offset"));
  EXPECT_THAT(Error("2024-05-01T12:34:56+24:00"), HasSubstr("UTC offset out of range"));
  EXPECT_THAT(Error("2024-05-01T12:34:56+09:60"), HasSubstr("UTC offset out of range"));
  EXPECT_THAT(Error("2024-05-01T12:34:56Zjunk"), HasSubstr("unexpected characters"));
  EXPECT_THAT(Error("2024-13-01T00:00:00Z"), HasSubstr("month out of range"));
  EXPECT_THAT(Error("2024-00-01T00:00:00Z"), HasSubstr("month out of range"));
  EXPECT_THAT(Error("2024-05-01T24:00:00Z"), HasSubstr("hour out of range"));
  EXPECT_THAT(Error("2024-05-01T12:60:00Z"), HasSubstr("minute out of range"));
  EXPECT_THAT(Error("1714521600"), HasSubstr("not an RFC 3339 timestamp"));
}

TEST(Rfc3339Test, FormatsWithTheShortestExactFraction) {
  EXPECT_EQ(FormatRfc3339Micros(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Micros(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatRfc3339Micros(1'500'000), "1970-01-01T00:00:01.500Z");
  EXPECT_EQ(FormatRfc3339Micros(Parse("2024-05-01T12:34:56.789Z")), "2024-05-01T12:34:56.789Z");
  EXPECT_EQ(FormatRfc3339Micros(Parse("0001-01-01T00:00:00Z")), "0001-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Micros(Parse("9999-12-31T23:59:59.999999Z")),
            "9999-12-31T23:59:59.999999Z");
}

TEST(Rfc3339Test, CivilDayConversionsRoundTrip) {
  for (int64_t days : {-719162, -1, 0, 1, 10'000, 19'844, 2'932'896}) {
    int64_t y;
    unsigned m, d;
    CivilFromDays(days, &y, &m, &d);
    EXPECT_EQ(DaysFromCivil(y, m, d), days);
  }
  EXPECT_EQ(DaysFromCivil(2024, 5, 1), 19'844);
}

}  // namespace
}  // namespace ferry
