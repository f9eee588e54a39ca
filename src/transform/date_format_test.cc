#include "transform/date_format.h"

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace ferry {
namespace {

constexpr int64_t kMicros = int64_t{1700000000123} * 1000;  // 2023-11-14T22:13:20.123Z (Tue)
// The instant of java.text.SimpleDateFormat's javadoc examples, in UTC:
// 2001-07-04T12:08:56.235Z, a Wednesday.
constexpr int64_t kJavadoc = int64_t{994248536235} * 1000;

std::string Fmt(std::string_view pattern, int64_t micros) {
  absl::StatusOr<DateFormat> f = DateFormat::Compile(pattern);
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() ? f->Format(micros) : "";
}

absl::StatusOr<int64_t> Parse(std::string_view pattern, std::string_view text) {
  absl::StatusOr<DateFormat> f = DateFormat::Compile(pattern);
  EXPECT_TRUE(f.ok()) << f.status();
  if (!f.ok()) return f.status();
  return f->Parse(text);
}

// An RFC 3339 instant ("2024-12-30T00:00:00Z") as micros, for expectations.
int64_t At(std::string_view rfc3339) {
  absl::StatusOr<int64_t> micros = ParseLenientRfc3339Micros(rfc3339);
  EXPECT_TRUE(micros.ok()) << rfc3339;
  return micros.value_or(0);
}

struct FormatCase {
  const char* pattern;
  const char* expected;
};

TEST(DateFormatTest, FormatsJavadocExamples) {
  // The examples of the java.text.SimpleDateFormat javadoc (US locale), whose
  // instant is 2001-07-04 12:08:56.235 in America/Los_Angeles; here it is the
  // same wall time in UTC, as Kafka's transforms format, so "PDT" / "-0700" /
  // "-07:00" become "UTC" / "+0000" / "Z" and the rest is the javadoc's text.
  const FormatCase kCases[] = {
      {"yyyy.MM.dd G 'at' HH:mm:ss z", "2001.07.04 AD at 12:08:56 UTC"},
      {"EEE, MMM d, ''yy", "Wed, Jul 4, '01"},
      {"h:mm a", "12:08 PM"},
      {"hh 'o''clock' a, zzzz", "12 o'clock PM, Coordinated Universal Time"},
      {"K:mm a, z", "0:08 PM, UTC"},
      {"yyyyy.MMMMM.dd GGG hh:mm aaa", "02001.July.04 AD 12:08 PM"},
      {"EEE, d MMM yyyy HH:mm:ss Z", "Wed, 4 Jul 2001 12:08:56 +0000"},
      {"yyMMddHHmmssZ", "010704120856+0000"},
      {"yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2001-07-04T12:08:56.235+0000"},
      {"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2001-07-04T12:08:56.235Z"},
      {"YYYY-'W'ww-u", "2001-W27-3"},
  };
  for (const FormatCase& c : kCases) EXPECT_EQ(Fmt(c.pattern, kJavadoc), c.expected) << c.pattern;
}

TEST(DateFormatTest, FormatsEveryLetter) {
  // Java 17 output for each letter and width at the javadoc instant (checked
  // against java.text.SimpleDateFormat with Locale.US and UTC).
  const FormatCase kCases[] = {
      {"G GG GGG GGGG", "AD AD AD AD"},  // Java has no long form for GGGG.
      {"y yy yyy yyyy yyyyy", "2001 01 2001 2001 02001"},
      {"Y YY YYY YYYY", "2001 01 2001 2001"},
      {"M MM MMM MMMM MMMMM", "7 07 Jul July July"},
      {"L LL LLL LLLL", "7 07 Jul July"},
      {"w ww W WW", "27 27 1 01"},
      {"D DDD DDDD", "185 185 0185"},
      {"d dd F FF", "4 04 1 01"},
      {"E EE EEE EEEE EEEEE", "Wed Wed Wed Wednesday Wednesday"},
      {"u uu", "3 03"},
      {"a aa aaaa", "PM PM PM"},
      {"H HH k kk K KK h hh", "12 12 12 12 0 00 12 12"},
      {"m mm s ss", "8 08 56 56"},
      {"S SS SSS SSSS", "235 235 235 0235"},
      {"z zz zzz zzzz zzzzz", "UTC UTC UTC Coordinated Universal Time Coordinated Universal Time"},
      {"Z ZZ ZZZZ", "+0000 +0000 +0000"},
      {"X XX XXX", "Z Z Z"},  // Java prints "Z" for a zero offset at every width.
  };
  for (const FormatCase& c : kCases) EXPECT_EQ(Fmt(c.pattern, kJavadoc), c.expected) << c.pattern;
  // Midnight: k is 1-24, K 0-11, h 1-12.
  EXPECT_EQ(Fmt("a H k K h", 0), "AM 0 24 0 12");
  EXPECT_EQ(Fmt("a H k K h", At("1970-01-01T23:00:00Z")), "PM 23 23 11 11");
}

TEST(DateFormatTest, FormatsWeekFieldsAtYearBoundariesWithUsRules) {
  // java.util.GregorianCalendar for Locale.US: weeks start on Sunday and the
  // minimal days in the first week is 1, so week 1 of a year is the
  // Sunday-to-Saturday week containing January 1, and a late-December day in
  // that week is in week 1 of the next week year (Y).
  //
  // - 2024-12-29 is a Sunday; 2025-01-01 is the Wednesday of the week Sun
  //   12-29 .. Sat 01-04, so 12-29 is week 1 of week year 2025 (while y is
  //   still 2024). 12-28, the Saturday before, is week 52 of 2024: 2024-01-01
  //   was a Monday, week 1 of 2024 began Sun 2023-12-31, and 12-28 is
  //   363 days after that, in week 363/7 + 1 = 52.
  // - 2021-01-01 is a Friday: week 1 of 2021 is Sun 2020-12-27 .. Sat 01-02,
  //   so 2020-12-31 (Thursday) is also week 1 of week year 2021.
  // - 2022-01-01 is a Saturday: week 1 of 2022 is Sun 2021-12-26 .. that
  //   Saturday, so 2021-12-31 is week 1 of 2022 and Sunday 2022-01-02 starts
  //   week 2. 2021-12-25 (Saturday) is in week 52 of 2021.
  // W (week in month) follows the same rule within the month; F is
  // (day - 1) / 7 + 1; u counts from Monday = 1 to Sunday = 7.
  const struct {
    const char* instant;
    const char* expected;  // "yyyy-MM-dd EEE YYYY ww W F D u"
  } kCases[] = {
      {"2024-12-28T12:00:00Z", "2024-12-28 Sat 2024 52 4 4 363 6"},
      {"2024-12-29T00:00:00Z", "2024-12-29 Sun 2025 01 5 5 364 7"},
      {"2020-12-31T00:00:00Z", "2020-12-31 Thu 2021 01 5 5 366 4"},
      {"2021-01-01T00:00:00Z", "2021-01-01 Fri 2021 01 1 1 1 5"},
      {"2021-12-25T00:00:00Z", "2021-12-25 Sat 2021 52 4 4 359 6"},
      {"2021-12-31T00:00:00Z", "2021-12-31 Fri 2022 01 5 5 365 5"},
      {"2022-01-01T00:00:00Z", "2022-01-01 Sat 2022 01 1 1 1 6"},
      {"2022-01-02T00:00:00Z", "2022-01-02 Sun 2022 02 2 1 2 7"},
      {"2023-12-31T00:00:00Z", "2023-12-31 Sun 2024 01 6 5 365 7"},
      {"2024-01-01T00:00:00Z", "2024-01-01 Mon 2024 01 1 1 1 1"},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(Fmt("yyyy-MM-dd EEE YYYY ww W F D u", At(c.instant)), c.expected) << c.instant;
  }
}

TEST(DateFormatTest, FormatsEraAndYearsBeforeOneAd) {
  // Proleptic Gregorian: year 0 is 1 BC. y is the year of era; Y is the
  // astronomical week year, as GregorianCalendar.getWeekYear returns it.
  int64_t year0 = DaysFromCivil(0, 1, 1) * kMicrosPerDay;
  EXPECT_EQ(Fmt("G y yy Y YY yyyy-MM-dd E", year0), "BC 1 01 0 00 0001-01-01 Sat");
  EXPECT_EQ(Fmt("G y yy Y YY yyyy-MM-dd E", DaysFromCivil(1, 1, 1) * kMicrosPerDay),
            "AD 1 01 1 01 0001-01-01 Mon");
  EXPECT_EQ(Fmt("G y yy Y YY yyyy-MM-dd E", DaysFromCivil(-4, 12, 31) * kMicrosPerDay),
            "BC 5 05 -3 -03 0005-12-31 Tue");
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

TEST(DateFormatTest, ParsesJavadocExamples) {
  // Fields a pattern lacks take Java's defaults (1970-01-01, midnight).
  const struct {
    const char* pattern;
    const char* text;
    const char* expected;
  } kCases[] = {
      {"yyyy.MM.dd G 'at' HH:mm:ss z", "2001.07.04 AD at 12:08:56 UTC", "2001-07-04T12:08:56Z"},
      {"EEE, MMM d, ''yy", "Wed, Jul 4, '01", "2001-07-04T00:00:00Z"},
      {"h:mm a", "12:08 PM", "1970-01-01T12:08:00Z"},
      {"hh 'o''clock' a, zzzz", "12 o'clock PM, Coordinated Universal Time",
       "1970-01-01T12:00:00Z"},
      {"K:mm a, z", "0:08 PM, UTC", "1970-01-01T12:08:00Z"},
      {"yyyyy.MMMMM.dd GGG hh:mm aaa", "02001.July.04 AD 12:08 PM", "2001-07-04T12:08:00Z"},
      {"EEE, d MMM yyyy HH:mm:ss Z", "Wed, 4 Jul 2001 12:08:56 +0000", "2001-07-04T12:08:56Z"},
      {"yyMMddHHmmssZ", "010704120856+0000", "2001-07-04T12:08:56Z"},
      {"yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2001-07-04T12:08:56.235+0000", "2001-07-04T12:08:56.235Z"},
      {"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2001-07-04T12:08:56.235Z", "2001-07-04T12:08:56.235Z"},
      {"YYYY-'W'ww-u", "2001-W27-3", "2001-07-04T00:00:00Z"},
      // The javadoc's own zones: offsets adjust the instant.
      {"yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2001-07-04T12:08:56.235-0700", "2001-07-04T19:08:56.235Z"},
      {"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2001-07-04T12:08:56.235-07:00", "2001-07-04T19:08:56.235Z"},
  };
  for (const auto& c : kCases) {
    absl::StatusOr<int64_t> r = Parse(c.pattern, c.text);
    ASSERT_TRUE(r.ok()) << c.pattern << ": " << r.status();
    EXPECT_EQ(*r, At(c.expected)) << c.pattern;
  }
}

TEST(DateFormatTest, ParseRoundTripsEveryLetter) {
  // Each pattern determines the instant fully (to the millisecond), so
  // Parse(Format(t)) == t; together they use every pattern letter.
  const char* kPatterns[] = {
      "G yyyy-MM-dd HH:mm:ss.SSS",
      "yyyy-MM-dd'T'HH:mm:ss.SSSZ",
      "yyyy-MM-dd HH:mm:ss.SSS z",
      "yyyy-MM-dd HH:mm:ss.SSS zzzz",
      "yyyy-MM-dd HH:mm:ss.SSS X",
      "yyyy-MM-dd HH:mm:ss.SSS XX",
      "yyyy-MM-dd HH:mm:ss.SSS XXX",
      "yyyyMMddHHmmssSSS",
      "YYYY-ww-u HH:mm:ss.SSS",
      "YYYY-'W'ww-EEE HH:mm:ss.SSS",
      "YYYY ww EEEE HH:mm:ss.SSS",
      "yyyy-DDD HH:mm:ss.SSS",
      "yyyy-MMM-dd kk:mm:ss.SSS",
      "yyyy-MMMM-dd hh:mm:ss.SSS a",
      "yyyy-LLL-dd KK:mm:ss.SSS aaaa",
      "yyyy-LL-W-EEE HH:mm:ss.SSS",
      "yyyy-LLLL-F-E HH:mm:ss.SSS",
      "EEE, d MMM yyyy HH:mm:ss.SSS Z",
      "yyyy-MM-dd-u-ww-W-F-D kk:mm:ss:SSS",
  };
  const char* kInstants[] = {
      "2001-07-04T12:08:56.235Z", "2024-12-29T23:59:59.999Z", "2024-12-28T00:00:00Z",
      "2020-12-31T12:00:00.5Z",   "2021-01-01T00:00:00Z",     "2022-01-01T11:59:59.001Z",
      "2020-02-29T13:14:15.016Z", "1970-01-01T00:00:00Z",     "1969-12-31T23:59:59.999Z",
      "1600-03-01T06:00:00Z",     "2099-12-31T18:30:00Z",
  };
  for (const char* pattern : kPatterns) {
    absl::StatusOr<DateFormat> f = DateFormat::Compile(pattern);
    ASSERT_TRUE(f.ok()) << pattern;
    for (const char* instant : kInstants) {
      std::string text = f->Format(At(instant));
      absl::StatusOr<int64_t> back = f->Parse(text);
      ASSERT_TRUE(back.ok()) << pattern << " " << text;
      EXPECT_EQ(*back, At(instant)) << pattern << " " << text;
    }
  }
}

TEST(DateFormatTest, ParsesNamesCaseInsensitivelyInShortOrLongForm) {
  EXPECT_EQ(*Parse("yyyy-MMM-dd", "2001-jul-04"), At("2001-07-04T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy-MMM-dd", "2001-JULY-04"), At("2001-07-04T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy-MMMM-dd", "2001-Jul-04"), At("2001-07-04T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy-LLL-dd", "2001-August-04"), At("2001-08-04T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy-L-d", "2001-8-4"), At("2001-08-04T00:00:00Z"));
  EXPECT_FALSE(Parse("yyyy-MMM-dd", "2001-Sept-04").ok());  // Not a US name.
  EXPECT_FALSE(Parse("yyyy-MMM-dd", "2001-07-04").ok());    // MMM wants a name.
  EXPECT_FALSE(Parse("yyyy-MM-dd", "2001-Jul-04").ok());    // MM wants a number.
  EXPECT_EQ(*Parse("yyyy GGGG", "2001 Anno Domini"), At("2001-01-01T00:00:00Z"));
  const int64_t two_bc = DaysFromCivil(-1, 1, 1) * kMicrosPerDay;  // 2 BC is year -1.
  EXPECT_EQ(*Parse("yyyy G", "2 bc"), two_bc);
  EXPECT_EQ(*Parse("yyyy G", "2 Before Christ"), two_bc);
  EXPECT_FALSE(Parse("G yyyy", "CE 5").ok());
  EXPECT_EQ(*Parse("hh:mm a", "12:30 am"), At("1970-01-01T00:30:00Z"));
  EXPECT_FALSE(Parse("hh:mm a", "12:30 a.m.").ok());
  // A day name alone resolves as Java's Calendar does (the first such day of
  // the month), and is ignored next to a day of month.
  EXPECT_EQ(*Parse("yyyy E", "2001 WEDNESDAY"), At("2001-01-03T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy EEEE", "2001 thu"), At("2001-01-04T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy-MM-dd EEE", "2001-07-04 monday"), At("2001-07-04T00:00:00Z"));
}

TEST(DateFormatTest, ParsesHoursAsJava) {
  EXPECT_EQ(*Parse("hh:mm a", "12:30 PM"), At("1970-01-01T12:30:00Z"));
  EXPECT_EQ(*Parse("KK:mm a", "11:30 pm"), At("1970-01-01T23:30:00Z"));
  EXPECT_EQ(*Parse("kk:mm", "24:30"), At("1970-01-01T00:30:00Z"));
  EXPECT_EQ(*Parse("h", "5"), At("1970-01-01T05:00:00Z"));
  EXPECT_EQ(*Parse("a", "PM"), At("1970-01-01T12:00:00Z"));
  // The newest of H and h/K with a decides: a after H is ignored.
  EXPECT_EQ(*Parse("HH:mm a", "10:00 PM"), At("1970-01-01T10:00:00Z"));
  EXPECT_EQ(*Parse("hh a HH", "10 PM 03"), At("1970-01-01T03:00:00Z"));
  EXPECT_EQ(*Parse("HH hh a", "03 10 PM"), At("1970-01-01T22:00:00Z"));
}

TEST(DateFormatTest, ParsesWithZones) {
  EXPECT_EQ(*Parse("yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2023-11-14T22:13:20.123+0000"), kMicros);
  EXPECT_EQ(*Parse("yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2023-11-14T23:13:20.123+0100"), kMicros);
  EXPECT_EQ(*Parse("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2023-11-14T22:13:20.123Z"), kMicros);
  EXPECT_EQ(*Parse("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2023-11-14T17:13:20.123-05:00"), kMicros);
  EXPECT_EQ(*Parse("yyyy-MM-dd HH:mm:ss.SSS z", "2023-11-14 22:13:20.123 UTC"), kMicros);

  const struct {
    const char* pattern;
    const char* zone;
    const char* expected;  // nullptr: Java fails too
  } kCases[] = {
      // Z and z share Java's parser: RFC 822, GMT[+h:mm], UTC/GMT names.
      {"Z", "+0130", "2024-03-10T10:30:00Z"},
      {"Z", "-0800", "2024-03-10T20:00:00Z"},
      {"Z", "+01:30", nullptr},  // RFC 822 has no colon.
      {"Z", "GMT+01:30", "2024-03-10T10:30:00Z"},
      {"Z", "UTC", "2024-03-10T12:00:00Z"},
      {"Z", "Z", nullptr},
      {"z", "GMT-5:00", "2024-03-10T17:00:00Z"},
      {"z", "gmt", "2024-03-10T12:00:00Z"},
      {"z", "GMT+1", nullptr},  // GMT+ needs minutes.
      {"z", "utc", "2024-03-10T12:00:00Z"},
      {"z", "Coordinated Universal Time", "2024-03-10T12:00:00Z"},
      {"z", "Greenwich Mean Time", "2024-03-10T12:00:00Z"},
      {"z", "+0530", "2024-03-10T06:30:00Z"},
      {"z", "+2400", nullptr},
      // Java would take "PST" from its time-zone database; ferry rejects it.
      {"z", "PST", nullptr},
      // X: "Z", or exactly the ISO form its width names.
      {"X", "Z", "2024-03-10T12:00:00Z"},
      {"X", "+05", "2024-03-10T07:00:00Z"},
      {"X", "z", nullptr},
      {"XX", "-0330", "2024-03-10T15:30:00Z"},
      {"XX", "-03:30", nullptr},
      {"XXX", "-03:30", "2024-03-10T15:30:00Z"},
      {"XXX", "-0330", nullptr},
      {"XXX", "Z", "2024-03-10T12:00:00Z"},
  };
  for (const auto& c : kCases) {
    std::string pattern = absl::StrCat("yyyy-MM-dd HH:mm ", c.pattern);
    std::string text = absl::StrCat("2024-03-10 12:00 ", c.zone);
    absl::StatusOr<int64_t> r = Parse(pattern, text);
    if (c.expected == nullptr) {
      EXPECT_FALSE(r.ok()) << pattern << " | " << text;
    } else {
      ASSERT_TRUE(r.ok()) << pattern << " | " << text;
      EXPECT_EQ(*r, At(c.expected)) << pattern << " | " << text;
    }
  }
}

TEST(DateFormatTest, ParsesWeekDatesAsJavaCalendar) {
  // A week year takes the date from w (default 1) and E/u (default Sunday)
  // only: week 1 of 2025 runs Sun 2024-12-29 .. Sat 2025-01-04.
  EXPECT_EQ(*Parse("YYYY", "2025"), At("2024-12-29T00:00:00Z"));
  EXPECT_EQ(*Parse("YYYY-ww", "2025-01"), At("2024-12-29T00:00:00Z"));
  EXPECT_EQ(*Parse("YYYY-ww-u", "2025-01-1"), At("2024-12-30T00:00:00Z"));  // Monday
  EXPECT_EQ(*Parse("YYYY-ww-u", "2025-01-7"), At("2024-12-29T00:00:00Z"));  // Sunday
  EXPECT_EQ(*Parse("YYYY-ww-E", "2025-01-Sat"), At("2025-01-04T00:00:00Z"));
  EXPECT_EQ(*Parse("YYYY-ww-u HH:mm", "2025-01-1 23:30"), At("2024-12-30T23:30:00Z"));
  EXPECT_EQ(*Parse("YYYY-ww-u", "2021-01-5"), At("2021-01-01T00:00:00Z"));
  EXPECT_EQ(*Parse("YYYY-ww-u", "2022-01-6"), At("2022-01-01T00:00:00Z"));
  // Lenient u outside 1..7 rolls into the neighbouring weeks (ISO-numbered).
  EXPECT_EQ(*Parse("YYYY-ww-u", "2025-01-0"), At("2024-12-22T00:00:00Z"));
  EXPECT_EQ(*Parse("YYYY-ww-u", "2025-01-8"), At("2025-01-06T00:00:00Z"));
  // Java's well-known trap: month and day are ignored next to a week year,
  // giving the Sunday that starts week 1 (2024's began on 2023-12-31).
  EXPECT_EQ(*Parse("YYYY-MM-dd", "2024-05-17"), At("2023-12-31T00:00:00Z"));
  // A later y wins over Y: then w and u count within the calendar year.
  EXPECT_EQ(*Parse("YYYY yyyy ww u", "2020 2024 10 1"), At("2024-03-04T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy YYYY ww u", "2020 2024 10 1"), At("2024-03-04T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy-ww", "2024-01"), At("2023-12-31T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy-ww-u", "2024-52-1"), At("2024-12-23T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy w", "2024 10"), At("2024-03-03T00:00:00Z"));
  // Week of month, and day-of-week in month (-1 = the last).
  EXPECT_EQ(*Parse("yyyy-MM-W-u", "2024-05-1-1"), At("2024-04-29T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy-MM-W", "2024-05-3"), At("2024-05-12T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy-MM-F-E", "2024-05-2-Mon"), At("2024-05-13T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy-MM-F", "2024-05-2"), At("2024-05-12T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy-MM-F-E", "2024-05--1-Mon"), At("2024-05-27T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy-MM E", "2024-05 Fri"), At("2024-05-03T00:00:00Z"));
}

TEST(DateFormatTest, ResolvesConflictingFieldsAsJavaCalendar) {
  // The most recently parsed complete combination decides the date.
  EXPECT_EQ(*Parse("yyyy-DDD", "2024-366"), At("2024-12-31T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy-DDD-MM-dd", "2024-100-05-01"), At("2024-05-01T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy-MM-dd-DDD", "2024-05-01-100"), At("2024-04-09T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy-MM-dd u", "2024-05-01 1"), At("2024-05-01T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy-MM-dd-ww-u", "2024-05-01-10-1"), At("2024-03-04T00:00:00Z"));
}

TEST(DateFormatTest, ParsesEraAndYearsBeforeOneAd) {
  // Proleptic Gregorian (Java's own calendar is Julian before 1582-10-15).
  EXPECT_EQ(*Parse("yyyy-MM-dd G", "0001-01-01 BC"), DaysFromCivil(0, 1, 1) * kMicrosPerDay);
  EXPECT_EQ(*Parse("yyyy G", "0 AD"), DaysFromCivil(0, 1, 1) * kMicrosPerDay);
  EXPECT_EQ(*Parse("yyyy-MM-dd", "-2023-01-01"), DaysFromCivil(-2023, 1, 1) * kMicrosPerDay);
  EXPECT_EQ(*Parse("YYYY-ww-u", "0-01-1"), DaysFromCivil(-1, 12, 27) * kMicrosPerDay);
}

TEST(DateFormatTest, ParsesTwoDigitYearsInJavasDefaultCentury) {
  // yy (and y, Y, YY) with exactly two digits: within 80 years before and 20
  // after now.
  auto now = std::chrono::system_clock::now().time_since_epoch();
  int64_t today = std::chrono::duration_cast<std::chrono::hours>(now).count() / 24;
  int64_t year = CivilFromDays(today).year;
  auto two = [](int64_t y) { return absl::StrCat(y % 100 < 10 ? "0" : "", y % 100); };
  for (const char* pattern : {"yy-MM-dd", "y-MM-dd"}) {
    EXPECT_EQ(*Parse(pattern, two(year - 79) + "-06-15"),
              DaysFromCivil(year - 79, 6, 15) * kMicrosPerDay);
    EXPECT_EQ(*Parse(pattern, two(year + 19) + "-06-15"),
              DaysFromCivil(year + 19, 6, 15) * kMicrosPerDay);
    // The year 80 years ago is the later century when the date falls
    // before the century start (now minus 80 years).
    EXPECT_EQ(*Parse(pattern, two(year - 80) + "-01-01"),
              DaysFromCivil(year + 20, 1, 1) * kMicrosPerDay);
  }
  // Three letters, or other than two digits, are taken literally.
  EXPECT_EQ(*Parse("yyy-MM-dd", "45-01-01"), DaysFromCivil(45, 1, 1) * kMicrosPerDay);
  EXPECT_EQ(*Parse("yy-MM-dd", "045-01-01"), DaysFromCivil(45, 1, 1) * kMicrosPerDay);
  EXPECT_EQ(*Parse("YY-ww-u", two(year + 5) + "-10-1"),
            *Parse("YYYY-ww-u", absl::StrCat(year + 5, "-10-1")));
}

TEST(DateFormatTest, ParsesAbuttingFieldsByWidth) {
  EXPECT_EQ(*Parse("yyyyMMddHHmmssSSS", "20231114221320123"), kMicros);
  EXPECT_EQ(*Parse("yyyyMMdd", "20010704"), At("2001-07-04T00:00:00Z"));
  EXPECT_EQ(*Parse("Hmm", "905"), At("1970-01-01T09:05:00Z"));
  // Only a following numeric field limits the width: H reads "10" here.
  EXPECT_EQ(*Parse("Ha", "10PM"), At("1970-01-01T10:00:00Z"));
  EXPECT_EQ(*Parse("MMMdd", "Jul04"), At("1970-07-04T00:00:00Z"));
  // Java counts the width from before skipped whitespace: HH takes " 1".
  EXPECT_EQ(*Parse("HHmm", " 1230"), At("1970-01-01T04:50:00Z"));
}

TEST(DateFormatTest, SkipsWhitespaceOnlyBeforeNumbersAndZones) {
  EXPECT_EQ(*Parse("yyyy MM", "2001  07"), At("2001-07-01T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy MM", "2001 \t07"), At("2001-07-01T00:00:00Z"));
  EXPECT_EQ(*Parse("yyyy Z", "2001  +0100"), At("2000-12-31T23:00:00Z"));
  EXPECT_FALSE(Parse("yyyy MMM", "2001  Jul").ok());
  EXPECT_FALSE(Parse("yyyy EEE", "2001  Wed").ok());
  EXPECT_FALSE(Parse("yyyy a", "2001  PM").ok());
  EXPECT_FALSE(Parse("yyyy G", "2001  AD").ok());
}

TEST(DateFormatTest, ParsesNumbersAsJavaDecimalFormat) {
  EXPECT_EQ(*Parse("yyyy-MM-dd", "2023-1E1-01"), At("2023-10-01T00:00:00Z"));  // Exponent.
  EXPECT_EQ(*Parse("S", "15E-1"), 1000);                                       // 1.5, truncated.
  EXPECT_EQ(*Parse("S", "1E"), 1000);   // Not an exponent: "E" is left over.
  EXPECT_EQ(*Parse("S", "1.5"), 1000);  // Integers only.
  EXPECT_EQ(*Parse("SSSSSS", "123456"), At("1970-01-01T00:02:03.456Z"));
  // Java ints: long values wrap, larger ones saturate.
  EXPECT_EQ(*Parse("S", "4294967297"), 1000);
  EXPECT_EQ(*Parse("S", "2147483648"), int64_t{-2147483648} * 1000);
  EXPECT_EQ(*Parse("S", "99999999999999999999"), int64_t{2147483647} * 1000);
  EXPECT_EQ(*Parse("yyyy-MM-dd", "2023-NaN-01"), At("2022-12-01T00:00:00Z"));  // NaN is 0.
  EXPECT_FALSE(Parse("yyyy-MM-dd", "+2023-01-01").ok());
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
  EXPECT_FALSE(Parse("yyyy'x'", "2001X").ok());  // Literals match exactly.
  // Beyond the range of int64 microseconds.
  EXPECT_FALSE(Parse("yyyy", "300000").ok());
}

TEST(DateFormatTest, CompileErrorsUseJavaWording) {
  EXPECT_EQ(DateFormat::Compile("yyyy-MM-dd'T").status().message(), "Unterminated quote");
  EXPECT_EQ(DateFormat::Compile("yyyy-qq").status().message(), "Illegal pattern character 'q'");
  EXPECT_EQ(DateFormat::Compile("b").status().message(), "Illegal pattern character 'b'");
  EXPECT_EQ(DateFormat::Compile("XXXX").status().message(), "invalid ISO 8601 format: length=4");
  // Every letter Java defines compiles.
  EXPECT_TRUE(DateFormat::Compile("G y Y M L w W D d F E u a H k K h m s S z Z X").ok());
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

// Every row of testdata/date_format_java.tsv, written by Java 17's
// SimpleDateFormat itself (testdata/JavaDateFormatGolden.java): each pattern
// formats ~40 instants around year and week boundaries, and each parse case
// gives Java's instant or its ParseException.
TEST(DateFormatTest, AgreesWithJavasSimpleDateFormat) {
  std::ifstream in(FERRY_DATE_FORMAT_JAVA_GOLDEN);
  ASSERT_TRUE(in) << FERRY_DATE_FORMAT_JAVA_GOLDEN;
  int formats = 0;
  int parses = 0;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    ASSERT_EQ(f.size(), 4u) << line;
    absl::StatusOr<DateFormat> format = DateFormat::Compile(f[1]);
    ASSERT_TRUE(format.ok()) << f[1] << ": " << format.status();
    if (f[0] == "F") {
      int64_t millis = 0;
      ASSERT_TRUE(absl::SimpleAtoi(f[2], &millis)) << line;
      EXPECT_EQ(format->Format(millis * 1000), f[3]) << "format \"" << f[1] << "\" at " << millis;
      ++formats;
    } else {
      ASSERT_EQ(f[0], "P") << line;
      absl::StatusOr<int64_t> micros = format->Parse(f[2]);
      if (f[3] == "ERROR") {
        EXPECT_FALSE(micros.ok()) << "parse \"" << f[1] << "\" of \"" << f[2] << "\" gave "
                                  << *micros;
      } else {
        int64_t millis = 0;
        ASSERT_TRUE(absl::SimpleAtoi(f[3], &millis)) << line;
        EXPECT_EQ(micros.value_or(-1), millis * 1000)
            << "parse \"" << f[1] << "\" of \"" << f[2] << "\": " << micros.status();
      }
      ++parses;
    }
  }
  EXPECT_GT(formats, 1000);
  EXPECT_GT(parses, 50);
}

}  // namespace
}  // namespace ferry
