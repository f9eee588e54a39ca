#include "transform/date_format.h"

#include "gtest/gtest.h"

namespace ferry {
namespace {

constexpr int64_t kMicros = int64_t{1700000000123} * 1000;  // 2023-11-14T22:13:20.123Z (Tue)

std::string Fmt(std::string_view pattern, int64_t micros) {
  absl::StatusOr<DateFormat> f = DateFormat::Compile(pattern);
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() ? f->Format(micros) : "";
}

absl::StatusOr<int64_t> Parse(std::string_view pattern, std::string_view text) {
  absl::StatusOr<DateFormat> f = DateFormat::Compile(pattern);
  EXPECT_TRUE(f.ok()) << f.status();
  return f->Parse(text);
}

TEST(DateFormatTest, FormatsCommonPatterns) {
  EXPECT_EQ(Fmt("yyyy-MM-dd'T'HH:mm:ss.SSSZ", kMicros), "2023-11-14T22:13:20.123+0000");
  EXPECT_EQ(Fmt("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", kMicros), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(Fmt("yyyy-MM-dd HH:mm:ss", kMicros), "2023-11-14 22:13:20");
  EXPECT_EQ(Fmt("yyMMdd", kMicros), "231114");
  EXPECT_EQ(Fmt("EEE, dd MMM yyyy hh:mm a", kMicros), "Tue, 14 Nov 2023 10:13 PM");
  EXPECT_EQ(Fmt("EEEE d MMMM y", kMicros), "Tuesday 14 November 2023");
  EXPECT_EQ(Fmt("'at' HH 'o''clock'", kMicros), "at 22 o'clock");
  EXPECT_EQ(Fmt("S SSSSSS", kMicros), "123 000123");  // S is milliseconds, as Java.
}

TEST(DateFormatTest, FormatsBeforeEpoch) {
  EXPECT_EQ(Fmt("yyyy-MM-dd HH:mm:ss.SSS", -1000), "1969-12-31 23:59:59.999");
  EXPECT_EQ(Fmt("yyyy-MM-dd", DaysFromCivil(1900, 2, 28) * kMicrosPerDay), "1900-02-28");
}

TEST(DateFormatTest, ParsesWithZones) {
  EXPECT_EQ(*Parse("yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2023-11-14T22:13:20.123+0000"), kMicros);
  EXPECT_EQ(*Parse("yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2023-11-14T23:13:20.123+0100"), kMicros);
  EXPECT_EQ(*Parse("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2023-11-14T22:13:20.123Z"), kMicros);
  EXPECT_EQ(*Parse("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2023-11-14T17:13:20.123-05:00"), kMicros);
  EXPECT_EQ(*Parse("yyyy-MM-dd HH:mm:ss.SSS z", "2023-11-14 22:13:20.123 UTC"), kMicros);
}

TEST(DateFormatTest, ParsesAbuttingFieldsByWidth) {
  EXPECT_EQ(*Parse("yyyyMMddHHmmssSSS", "20231114221320123"), kMicros);
}

TEST(DateFormatTest, ParsesLenientlyAsJava) {
  // Out-of-range fields roll over.
  EXPECT_EQ(*Parse("yyyy-MM-dd", "2023-13-01"), DaysFromCivil(2024, 1, 1) * kMicrosPerDay);
  EXPECT_EQ(*Parse("yyyy-MM-dd", "2023-02-30"), DaysFromCivil(2023, 3, 2) * kMicrosPerDay);
  // Fewer digits than the pattern letters, and trailing text, are accepted.
  EXPECT_EQ(*Parse("yyyy-MM-dd", "2023-1-5 and more"), DaysFromCivil(2023, 1, 5) * kMicrosPerDay);
  EXPECT_EQ(*Parse("dd MMM yyyy hh:mm a", "14 nov 2023 10:13 pm"),
            DaysFromCivil(2023, 11, 14) * kMicrosPerDay + (22 * 3600 + 13 * 60) * kMicrosPerSecond);
}

TEST(DateFormatTest, RejectsMismatchingText) {
  absl::StatusOr<int64_t> r = Parse("yyyy-MM-dd", "2023/11/14");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "Unparseable date: \"2023/11/14\"");
  EXPECT_FALSE(Parse("yyyy-MM-dd", "").ok());
  EXPECT_FALSE(Parse("HH:mm", "ab:cd").ok());
}

TEST(DateFormatTest, CompileErrorsUseJavaWording) {
  EXPECT_EQ(DateFormat::Compile("yyyy-MM-dd'T").status().message(), "Unterminated quote");
  EXPECT_EQ(DateFormat::Compile("yyyy-qq").status().message(), "Illegal pattern character 'q'");
  EXPECT_EQ(DateFormat::Compile("XXXX").status().message(), "invalid ISO 8601 format: length=4");
  EXPECT_EQ(
      DateFormat::Compile("YYYY").status().message(),
      "Pattern letter 'Y' is not supported by ferry (supported: y M d H k K h a m s S E z Z X)");
}

TEST(DateFormatTest, CivilDaysRoundTrip) {
  for (int64_t days = -800000; days <= 800000; days += 997) {
    CivilDate d = CivilFromDays(days);
    EXPECT_EQ(DaysFromCivil(d.year, d.month, d.day), days);
  }
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
}

TEST(Rfc3339Test, ParsesCloudEventTimes) {
  EXPECT_EQ(*ParseLenientRfc3339Micros("2023-11-14T22:13:20.123Z"), kMicros);
  EXPECT_EQ(*ParseLenientRfc3339Micros("2023-11-14T22:13:20.123456Z"), kMicros + 456);
  EXPECT_EQ(*ParseLenientRfc3339Micros("2023-11-14T22:13:20.123456789Z"), kMicros + 456);
  EXPECT_EQ(*ParseLenientRfc3339Micros("2023-11-15T00:13:20.123+02:00"), kMicros);
  EXPECT_EQ(*ParseLenientRfc3339Micros("2023-11-14 22:13:20.123"), kMicros);
  EXPECT_EQ(*ParseLenientRfc3339Micros("2023-11-14T22:13Z"), kMicros - 20123000);
  EXPECT_FALSE(ParseLenientRfc3339Micros("2023-11-14").ok());
  EXPECT_FALSE(ParseLenientRfc3339Micros("2023-13-14T22:13:20Z").ok());
  EXPECT_FALSE(ParseLenientRfc3339Micros("2023-11-14T22:13:20Zjunk").ok());
  EXPECT_EQ(FormatIsoMillis(kMicros + 999), "2023-11-14T22:13:20.123Z");
}

}  // namespace
}  // namespace ferry
