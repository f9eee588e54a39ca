#include "emulator/values.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ferry::emulator::values {
namespace {

using ::testing::HasSubstr;

TEST(CivilTest, RoundTripsAndBounds) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1, 1, 1), kMinDateDays);
  EXPECT_EQ(DaysFromCivil(9999, 12, 31), kMaxDateDays);
  for (int64_t days :
       {kMinDateDays, int64_t{-1}, int64_t{0}, int64_t{59}, int64_t{11016}, kMaxDateDays}) {
    int64_t y;
    int m, d;
    CivilFromDays(days, y, m, d);
    EXPECT_EQ(DaysFromCivil(y, m, d), days);
  }
}

TEST(TimestampTest, ParsesBigQueryFormats) {
  EXPECT_EQ(*ParseTimestamp("1970-01-01 00:00:00"), 0);
  EXPECT_EQ(*ParseTimestamp("2021-01-01T00:00:00Z"), 1609459200000000);
  EXPECT_EQ(*ParseTimestamp("2021-01-01T00:00:00.123456Z"), 1609459200123456);
  EXPECT_EQ(*ParseTimestamp("2021-01-01 00:00:00.5 UTC"), 1609459200500000);
  EXPECT_EQ(*ParseTimestamp("2021-01-01T01:00:00+01:00"), 1609459200000000);
  EXPECT_EQ(*ParseTimestamp("2020-12-31T23:00:00-01:00"), 1609459200000000);
  EXPECT_EQ(*ParseTimestamp("2021-01-01"), 1609459200000000);
  EXPECT_EQ(*ParseTimestamp("0001-01-01 00:00:00"), kMinTimestampMicros);
  EXPECT_EQ(*ParseTimestamp("9999-12-31 23:59:59.999999"), kMaxTimestampMicros);
  EXPECT_FALSE(ParseTimestamp("2021-13-01 00:00:00").ok());
  EXPECT_FALSE(ParseTimestamp("2021-02-29 00:00:00").ok());
  EXPECT_FALSE(ParseTimestamp("yesterday").ok());
  EXPECT_FALSE(ParseTimestamp("0001-01-01T00:00:00+01:00").ok());  // Before 0001-01-01 UTC.
}

TEST(TimestampTest, RangeCheck) {
  EXPECT_TRUE(CheckTimestampMicros(kMaxTimestampMicros).ok());
  absl::StatusOr<int64_t> bad = CheckTimestampMicros(kMaxTimestampMicros + 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "Timestamp field value is out of range: 253402300800000000");
  EXPECT_FALSE(CheckTimestampMicros(std::numeric_limits<int64_t>::min()).ok());
  EXPECT_EQ(FormatTimestampIso(1609459200123456), "2021-01-01T00:00:00.123456Z");
  EXPECT_EQ(FormatTimestampIso(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(CivilTypesTest, DateDatetimeTime) {
  EXPECT_EQ(*DateFromDays(0), "1970-01-01");
  EXPECT_EQ(*DateFromDays(kMinDateDays), "0001-01-01");
  EXPECT_FALSE(DateFromDays(kMaxDateDays + 1).ok());
  EXPECT_EQ(*ParseDate("2024-02-29"), "2024-02-29");
  EXPECT_FALSE(ParseDate("2023-02-29").ok());
  EXPECT_FALSE(ParseDate("10000-01-01").ok());
  EXPECT_EQ(*ParseDatetime("2024-01-02 03:04:05"), "2024-01-02T03:04:05");
  EXPECT_EQ(*ParseDatetime("2024-01-02T03:04:05.25"), "2024-01-02T03:04:05.250000");
  EXPECT_EQ(*ParseDatetime("2024-01-02"), "2024-01-02T00:00:00");
  EXPECT_FALSE(ParseDatetime("2024-01-02T25:00:00").ok());
  EXPECT_EQ(*ParseTime("23:59"), "23:59:00");
  EXPECT_EQ(*ParseTime("12:00:00.000001"), "12:00:00.000001");
  EXPECT_FALSE(ParseTime("24:00:00").ok());
}

TEST(NumericTest, CanonicalFormAndBounds) {
  EXPECT_EQ(*ParseNumeric("123.4500", false), "123.45");
  EXPECT_EQ(*ParseNumeric("-0.0", false), "0");
  EXPECT_EQ(*ParseNumeric("+007", false), "7");
  EXPECT_EQ(*ParseNumeric("1.5e3", false), "1500");
  EXPECT_EQ(*ParseNumeric("15E-4", false), "0.0015");
  EXPECT_EQ(*ParseNumeric(".5", false), "0.5");
  EXPECT_EQ(*ParseNumeric(std::string(29, '9') + ".999999999", false),
            std::string(29, '9') + ".999999999");
  absl::StatusOr<std::string> too_big = ParseNumeric("1" + std::string(29, '0'), false);
  ASSERT_FALSE(too_big.ok());
  EXPECT_THAT(std::string(too_big.status().message()), HasSubstr("out of range"));
  EXPECT_FALSE(ParseNumeric("0.0000000001", false).ok());
  EXPECT_TRUE(ParseNumeric("0.0000000001", true).ok());
  EXPECT_TRUE(ParseNumeric("1" + std::string(29, '0'), true).ok());
  EXPECT_FALSE(ParseNumeric("abc", false).ok());
  EXPECT_FALSE(ParseNumeric("1.2.3", false).ok());
  EXPECT_FALSE(ParseNumeric("", false).ok());
  EXPECT_EQ(*NumericFromDouble(2.5, false), "2.5");
  EXPECT_FALSE(NumericFromDouble(std::nan(""), false).ok());
}

TEST(Utf8Test, Validates) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // Truncated.
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // Overlong.
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // Surrogate.
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // Past U+10FFFF.
}

TEST(JavaDoubleTest, MatchesJavaDoubleToString) {
  EXPECT_EQ(JavaDoubleString(1.0), "1.0");
  EXPECT_EQ(JavaDoubleString(3.14), "3.14");
  EXPECT_EQ(JavaDoubleString(-2.5), "-2.5");
  EXPECT_EQ(JavaDoubleString(100.0), "100.0");
  EXPECT_EQ(JavaDoubleString(0.001), "0.001");
  EXPECT_EQ(JavaDoubleString(0.0001), "1.0E-4");
  EXPECT_EQ(JavaDoubleString(1234567.0), "1234567.0");
  EXPECT_EQ(JavaDoubleString(12345678.0), "1.2345678E7");
  EXPECT_EQ(JavaDoubleString(1609459200.0), "1.6094592E9");
  EXPECT_EQ(JavaDoubleString(1609459200.5), "1.6094592005E9");
  EXPECT_EQ(JavaDoubleString(0.0), "0.0");
  EXPECT_EQ(JavaDoubleString(std::nan("")), "NaN");
  EXPECT_EQ(JavaDoubleString(-std::numeric_limits<double>::infinity()), "-Infinity");
}

}  // namespace
}  // namespace ferry::emulator::values
