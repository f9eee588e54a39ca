#include "transform/java_time_format.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace ferry {
namespace {

std::string Format(std::string_view pattern, std::string_view zone, int64_t ms) {
  absl::StatusOr<JavaZoneId> z = JavaZoneId::Of(zone);
  if (!z.ok()) return absl::StrCat("ZONE ERR ", z.status().message());
  absl::StatusOr<JavaDateTimeFormatter> f = JavaDateTimeFormatter::Create(pattern, *z);
  if (!f.ok()) return absl::StrCat("PAT ERR ", f.status().message());
  absl::StatusOr<std::string> s = f->Format(ms);
  if (!s.ok()) return absl::StrCat("ERR ", s.status().message());
  return *s;
}

// Every line of testdata/java_time_format_java.tsv is Java 17's own output
// (testdata/JavaTimeGolden.java): F = formatter.withZone(zone).format(instant),
// ZONE = ZoneId.of(id), PAT = DateTimeFormatter.ofPattern(pattern).
TEST(JavaTimeFormatTest, AgreesWithJava17) {
  std::ifstream in(FERRY_JAVA_TIME_GOLDEN);
  ASSERT_TRUE(in.good());
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> cols = absl::StrSplit(line, '\t');
    if (cols[0] == "F") {
      ASSERT_EQ(cols.size(), 5u) << line;
      int64_t ms = 0;
      ASSERT_TRUE(absl::SimpleAtoi(cols[3], &ms));
      EXPECT_EQ(Format(cols[1], cols[2], ms), cols[4]) << line;
    } else if (cols[0] == "ZONE") {
      ASSERT_GE(cols.size(), 3u) << line;
      absl::StatusOr<JavaZoneId> z = JavaZoneId::Of(cols[1]);
      if (absl::StartsWith(cols[2], "ERR ")) {
        EXPECT_EQ(absl::StrCat("ERR ", z.status().message()), cols[2]) << line;
      } else {
        if (!z.ok()) {
          // IDs Java knows whose rules this machine's tz database lacks
          // (SystemV/*) are refused, not guessed.
          EXPECT_TRUE(absl::StartsWith(z.status().message(), "ferry cannot load the rules"))
              << line << z.status();
          continue;
        }
        ASSERT_EQ(cols.size(), 4u) << line;
        EXPECT_EQ(z->id(), cols[2]) << line;
        EXPECT_EQ(z->is_offset(), cols[3] == "ZoneOffset") << line;
      }
    } else if (cols[0] == "PAT") {
      ASSERT_EQ(cols.size(), 3u) << line;
      absl::StatusOr<JavaDateTimeFormatter> f =
          JavaDateTimeFormatter::Create(cols[1], *JavaZoneId::Of("UTC"));
      if (cols[2] == "OK") {
        // Letters Java accepts and ferry does not implement: refused, naming
        // the letter (never formatted differently).
        if (f.ok()) continue;
        EXPECT_TRUE(absl::StrContains(f.status().message(), "ferry does not implement")) << line;
      } else {
        EXPECT_EQ(absl::StrCat("ERR ", f.status().message()), cols[2]) << line;
      }
    } else {
      ADD_FAILURE() << "unexpected line " << line;
    }
    ++checked;
  }
  EXPECT_GT(checked, 1400);
}

TEST(JavaTimeFormatTest, RefusesLettersItDoesNotImplement) {
  for (std::string_view p : {"B", "qqq", "w", "ppH", "D", "LLL", "k", "O", "G", "zzzz", "ZZZZ"}) {
    absl::StatusOr<JavaDateTimeFormatter> f =
        JavaDateTimeFormatter::Create(p, *JavaZoneId::Of("UTC"));
    ASSERT_FALSE(f.ok()) << p;
    EXPECT_TRUE(absl::StrContains(
        f.status().message(), absl::StrCat("pattern letter '", std::string(p.substr(0, 1)), "'")))
        << f.status();
  }
}

TEST(JavaTimeFormatTest, PatternsAreCaseInsensitiveConstantNames) {
  // JsonDateTimeAsStringConverter switches on dateTimeFormat.toUpperCase().
  EXPECT_EQ(Format("iso_local_date", "UTC", 1670068800123), "2022-12-03");
  // null / "" is ISO_INSTANT.
  EXPECT_EQ(Format("", "CET", 1670068800123), "2022-12-03T12:00:00.123Z");
}

TEST(JavaTimeFormatTest, ShortZoneNamesFollowDaylightTime) {
  // Java 17 (TimeZone.getDisplayName, Locale.US) as java_zones.inc lists them.
  EXPECT_EQ(Format("z", "Europe/Zurich", 1688212800100), "CEST");
  EXPECT_EQ(Format("z", "Europe/Zurich", 1670068800123), "CET");
  EXPECT_EQ(Format("z", "America/New_York", 1688212800100), "EDT");
  EXPECT_EQ(Format("z", "Europe/London", 1670068800123), "GMT");
  EXPECT_EQ(Format("z", "Europe/London", 1688212800100), "BST");
}

}  // namespace
}  // namespace ferry
