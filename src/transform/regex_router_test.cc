#include "gtest/gtest.h"
#include "transform/transform_test_util.h"

namespace ferry {
namespace {

using testing::ApplyOk;
using testing::Configured;
using testing::MakeRecord;

constexpr char kRouter[] = "org.apache.kafka.connect.transforms.RegexRouter";

std::string Route(const std::string& regex, const std::string& replacement,
                  const std::string& topic) {
  auto t = Configured(kRouter, {{"regex", regex}, {"replacement", replacement}});
  return ApplyOk(*t, MakeRecord(nullptr, Value("v"), topic)).topic;
}

TEST(RegexRouterTest, RewritesFullMatches) {
  EXPECT_EQ(Route("(.*)-(\\d+)", "$1_$2", "orders-2024"), "orders_2024");
  EXPECT_EQ(Route("serverlog\\.(.*)", "bq_$1", "serverlog.member"), "bq_member");
  EXPECT_EQ(Route(".*", "fixed", "anything"), "fixed");
}

TEST(RegexRouterTest, LeavesNonMatchingTopicsAlone) {
  // matches() needs the whole topic, so a substring match does nothing.
  EXPECT_EQ(Route("foo", "bar", "foobar"), "foobar");
  EXPECT_EQ(Route("a(.*)", "b$1", "xyz"), "xyz");
}

TEST(RegexRouterTest, JavaReplacementSyntax) {
  // "$10" with one group is group 1 followed by '0', as Java.
  EXPECT_EQ(Route("(a)", "$10", "a"), "a0");
  EXPECT_EQ(Route("(a)", "\\$1\\\\", "a"), "$1\\");
  // A group that did not take part gives "".
  EXPECT_EQ(Route("(a)|(b)", "[$2]", "a"), "[]");
}

TEST(RegexRouterTest, KeepsEverythingButTheTopic) {
  auto t = Configured(kRouter, {{"regex", "o(.*)"}, {"replacement", "x$1"}});
  SinkRecord in = MakeRecord(Schema::String(), Value("v"));
  in.headers.Add("h", Schema::String(), Value("1"));
  SinkRecord out = ApplyOk(*t, in);
  EXPECT_EQ(out.topic, "xrders");
  EXPECT_EQ(out.partition, in.partition);
  EXPECT_EQ(out.offset, in.offset);
  EXPECT_EQ(out.timestamp_ms, in.timestamp_ms);
  EXPECT_EQ(out.value, in.value);
  EXPECT_EQ(out.headers.size(), 1u);
}

TEST(RegexRouterTest, BadConfig) {
  auto t = CreateTransformation(kRouter);
  ASSERT_TRUE(t.ok());
  std::vector<ConfigError> missing = (*t)->Validate({});
  EXPECT_EQ(missing,
            (std::vector<ConfigError>{
                {"regex", "Missing required configuration \"regex\" which has no default value."},
                {"replacement",
                 "Missing required configuration \"replacement\" which has no default value."}}));
  std::vector<ConfigError> bad = (*t)->Validate({{"regex", "(unclosed"}, {"replacement", "x"}});
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].key, "regex");
  EXPECT_TRUE(bad[0].message.starts_with(
      "Invalid value (unclosed for configuration regex: Invalid regex: "))
      << bad[0].message;
  EXPECT_EQ((*t)->Validate({{"regex", "(a)"}, {"replacement", "$2"}}),
            (std::vector<ConfigError>{
                {"replacement", "Invalid value $2 for configuration replacement: No group 2"}}));
  EXPECT_EQ(
      (*t)->Validate({{"regex", "(a)"}, {"replacement", "x$"}}),
      (std::vector<ConfigError>{{"replacement",
                                 "Invalid value x$ for configuration replacement: Illegal group "
                                 "reference: group index is missing"}}));
}

TEST(FilterTest, DropsEveryRecord) {
  auto t = Configured("org.apache.kafka.connect.transforms.Filter", {});
  absl::StatusOr<std::optional<SinkRecord>> out = t->Apply(MakeRecord(nullptr, Value("v")));
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->has_value());
}

}  // namespace
}  // namespace ferry
