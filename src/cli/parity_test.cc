#include "cli/parity.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace ferry::cli {
namespace {

TEST(ParityTest, EventTypeAsTheParityQueryDerivesIt) {
  EXPECT_EQ(EventTypeOfSubject("serverlog.member.LOGIN"), "login");
  EXPECT_EQ(EventTypeOfSubject("a.b.Password_Changed.extra"), "password_changed");
  EXPECT_EQ(EventTypeOfSubject("a.b"), "(null)");
  EXPECT_EQ(EventTypeOfSubject(""), "(null)");
}

TEST(ParityTest, DayIsUtcTruncation) {
  EXPECT_EQ(DayOf(1793491200LL * 1000000), "2026-11-01");
  EXPECT_EQ(DayOf(1793491200LL * 1000000 - 1), "2026-10-31");
  EXPECT_EQ(DayOf(std::nullopt), "(null)");
  EXPECT_EQ(DayOf(-1), "1969-12-31");
}

TEST(ParityTest, CountsDifferingRows) {
  ParityCounts kafka{{{"2026-11-01", "login"}, 10}, {{"2026-11-01", "logout"}, 5}};
  ParityCounts bq{
      {{"2026-11-01", "login"}, 10}, {{"2026-11-01", "logout"}, 4}, {{"2026-11-02", "login"}, 1}};
  std::FILE* sink = std::tmpfile();
  EXPECT_EQ(PrintParity(kafka, bq, "kafka", "bigquery", sink), 2);
  EXPECT_EQ(PrintParity(kafka, kafka, "kafka", "bigquery", sink), 0);
  std::fclose(sink);
}

}  // namespace
}  // namespace ferry::cli
