#include "replay/replay_filter.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::replay {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kNov1Millis = 1793491200000;  // 2026-11-01T00:00:00Z

DlqEntry Entry(std::string topic, errors::Stage stage, std::string exception_class,
               int64_t timestamp_ms) {
  DlqEntry e;
  e.original.topic = std::move(topic);
  e.original.timestamp_ms = timestamp_ms;
  e.stage = stage;
  e.stage_name = std::string(errors::StageName(stage));
  e.exception_class = std::move(exception_class);
  return e;
}

const DlqEntry kPutFailure =
    Entry("serverlog.member", errors::Stage::kTaskPut,
          "com.wepay.kafka.connect.bigquery.exception.BigQueryConnectException", kNov1Millis);
const DlqEntry kConverterFailure =
    Entry("serverlog.admin", errors::Stage::kValueConverter,
          "org.apache.kafka.connect.errors.DataException", kNov1Millis + 86400000);

absl::StatusOr<ReplayFilter> Parse(ReplayFilterFlags flags) { return ParseReplayFilter(flags); }

TEST(ReplayFilterTest, EmptySelectsEverything) {
  ReplayFilter filter;
  EXPECT_TRUE(filter.SelectsEverything());
  EXPECT_EQ(filter.Describe(), "every record");
  EXPECT_TRUE(filter.Matches(kPutFailure));
  EXPECT_TRUE(filter.Matches(kConverterFailure));
  EXPECT_TRUE(filter.Matches(DlqEntry{}));
}

TEST(ReplayFilterTest, Stage) {
  ReplayFilter filter;
  filter.stages = {errors::Stage::kTaskPut};
  EXPECT_TRUE(filter.Matches(kPutFailure));
  EXPECT_FALSE(filter.Matches(kConverterFailure));
  filter.stages.insert(errors::Stage::kValueConverter);
  EXPECT_TRUE(filter.Matches(kConverterFailure));

  DlqEntry unknown_stage = kPutFailure;
  unknown_stage.stage = std::nullopt;
  unknown_stage.stage_name = "TASK_POLL";
  EXPECT_FALSE(filter.Matches(unknown_stage));
}

TEST(ReplayFilterTest, ExceptionClassFullOrSimpleName) {
  ReplayFilter filter;
  filter.exception_classes = {"DataException"};
  EXPECT_TRUE(filter.Matches(kConverterFailure));
  EXPECT_FALSE(filter.Matches(kPutFailure));

  filter.exception_classes = {"org.apache.kafka.connect.errors.DataException"};
  EXPECT_TRUE(filter.Matches(kConverterFailure));

  // Neither a partial package nor a different case.
  filter.exception_classes = {"errors.DataException"};
  EXPECT_FALSE(filter.Matches(kConverterFailure));
  filter.exception_classes = {"dataexception"};
  EXPECT_FALSE(filter.Matches(kConverterFailure));

  // A class without a package is its own simple name.
  filter.exception_classes = {"Oops"};
  EXPECT_TRUE(filter.Matches(Entry("t", errors::Stage::kTaskPut, "Oops", 0)));
  // An entry without an exception never matches.
  filter.exception_classes = {""};
  EXPECT_FALSE(filter.Matches(Entry("t", errors::Stage::kTaskPut, "", 0)));
}

TEST(ReplayFilterTest, Topic) {
  ReplayFilter filter;
  filter.topics = {"serverlog.member", "other"};
  EXPECT_TRUE(filter.Matches(kPutFailure));
  EXPECT_FALSE(filter.Matches(kConverterFailure));
}

TEST(ReplayFilterTest, TimeRangeIsHalfOpen) {
  ReplayFilter filter;
  filter.from_micros = kNov1Millis * 1000;
  filter.to_micros = (kNov1Millis + 1000) * 1000;
  auto at = [](int64_t millis) { return Entry("t", errors::Stage::kTaskPut, "x.Y", millis); };
  EXPECT_FALSE(filter.Matches(at(kNov1Millis - 1)));
  EXPECT_TRUE(filter.Matches(at(kNov1Millis)));
  EXPECT_TRUE(filter.Matches(at(kNov1Millis + 999)));
  EXPECT_FALSE(filter.Matches(at(kNov1Millis + 1000)));
  // No timestamp: outside any range.
  EXPECT_FALSE(filter.Matches(at(-1)));

  // Bounds finer than a millisecond.
  filter.from_micros = kNov1Millis * 1000 + 1;
  filter.to_micros = kNov1Millis * 1000 + 1001;
  EXPECT_FALSE(filter.Matches(at(kNov1Millis)));
  EXPECT_TRUE(filter.Matches(at(kNov1Millis + 1)));
  EXPECT_FALSE(filter.Matches(at(kNov1Millis + 2)));

  // One bound only.
  filter.from_micros.reset();
  EXPECT_TRUE(filter.Matches(at(0)));
  EXPECT_FALSE(filter.Matches(at(-1)));
  filter.to_micros.reset();
  filter.from_micros = -62135596800000000;  // 0001-01-01
  EXPECT_TRUE(filter.Matches(at(0)));
}

TEST(ReplayFilterTest, DimensionsCombineWithAnd) {
  absl::StatusOr<ReplayFilter> filter = Parse({.stages = {"TASK_PUT,VALUE_CONVERTER"},
                                               .exception_classes = {"DataException"},
                                               .topics = {"serverlog.admin"},
                                               .from = "2026-11-02T00:00:00Z",
                                               .to = "2026-11-03T00:00:00Z"});
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_FALSE(filter->Matches(kPutFailure));
  EXPECT_TRUE(filter->Matches(kConverterFailure));

  DlqEntry e = kConverterFailure;
  e.original.topic = "serverlog.member";
  EXPECT_FALSE(filter->Matches(e));
  e = kConverterFailure;
  e.exception_class = "org.apache.kafka.connect.errors.ConnectException";
  EXPECT_FALSE(filter->Matches(e));
  e = kConverterFailure;
  e.stage = errors::Stage::kKeyConverter;
  EXPECT_FALSE(filter->Matches(e));
  e = kConverterFailure;
  e.original.timestamp_ms = kNov1Millis + 2 * 86400000;
  EXPECT_FALSE(filter->Matches(e));

  EXPECT_EQ(filter->Describe(),
            "stage VALUE_CONVERTER or TASK_PUT; exception class DataException; original topic "
            "serverlog.admin; original timestamp in [2026-11-02T00:00:00Z, "
            "2026-11-03T00:00:00Z)");
}

TEST(ParseReplayFilterTest, RepeatedAndCommaSeparated) {
  absl::StatusOr<ReplayFilter> filter =
      Parse({.stages = {"task_put", " VALUE_CONVERTER , KEY_CONVERTER"},
             .exception_classes = {"DataException", "a.b.C,DataException"},
             .topics = {"a,b", "c"}});
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_EQ(filter->stages,
            (std::set<errors::Stage>{errors::Stage::kTaskPut, errors::Stage::kValueConverter,
                                     errors::Stage::kKeyConverter}));
  EXPECT_EQ(filter->exception_classes, (std::set<std::string>{"DataException", "a.b.C"}));
  EXPECT_EQ(filter->topics, (std::set<std::string>{"a", "b", "c"}));
  EXPECT_FALSE(filter->from_micros.has_value());
  EXPECT_FALSE(filter->to_micros.has_value());
}

TEST(ParseReplayFilterTest, TimesWithOffsetsAndOneSided) {
  absl::StatusOr<ReplayFilter> filter = Parse({.from = "2026-11-01T09:00:00+09:00"});
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_EQ(filter->from_micros, kNov1Millis * 1000);
  EXPECT_FALSE(filter->to_micros.has_value());
  EXPECT_EQ(filter->Describe(), "original timestamp at or after 2026-11-01T00:00:00Z");

  filter = Parse({.to = "2026-11-01T00:00:00.5Z"});
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_EQ(filter->to_micros, kNov1Millis * 1000 + 500000);
  EXPECT_EQ(filter->Describe(), "original timestamp before 2026-11-01T00:00:00.500Z");
}

TEST(ParseReplayFilterTest, UnknownStage) {
  absl::StatusOr<ReplayFilter> filter = Parse({.stages = {"TASK_PUTT"}});
  ASSERT_FALSE(filter.ok());
  EXPECT_EQ(filter.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(filter.status().message(),
            "--stage: unknown stage \"TASK_PUTT\" (one of KEY_CONVERTER, VALUE_CONVERTER, "
            "HEADER_CONVERTER, TRANSFORMATION, TASK_PUT, KAFKA_CONSUME, KAFKA_PRODUCE)");
}

TEST(ParseReplayFilterTest, EmptyItems) {
  EXPECT_EQ(Parse({.stages = {"TASK_PUT,"}}).status().message(),
            "--stage: empty item in \"TASK_PUT,\"");
  EXPECT_EQ(Parse({.exception_classes = {""}}).status().message(),
            "--exception-class: empty item in \"\"");
  EXPECT_EQ(Parse({.topics = {"a,,b"}}).status().message(), "--topic: empty item in \"a,,b\"");
}

TEST(ParseReplayFilterTest, IllegalTopic) {
  EXPECT_EQ(Parse({.topics = {"server log"}}).status().message(),
            "--topic: \"server log\" is not a legal Kafka topic name (ASCII letters, digits, "
            "'.', '_' and '-'; at most 249 characters)");
  EXPECT_FALSE(Parse({.topics = {".."}}).ok());
  EXPECT_FALSE(Parse({.topics = {std::string(250, 'a')}}).ok());
  EXPECT_TRUE(Parse({.topics = {std::string(249, 'a')}}).ok());
}

TEST(ParseReplayFilterTest, BadTimes) {
  absl::StatusOr<ReplayFilter> filter = Parse({.from = "2026-11-01", .to = "yesterday"});
  ASSERT_FALSE(filter.ok());
  EXPECT_EQ(filter.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(filter.status().message(),
              HasSubstr("--from: \"2026-11-01\" is not an RFC 3339 date-time ("));
  EXPECT_THAT(filter.status().message(),
              HasSubstr("; --to: \"yesterday\" is not an RFC 3339 date-time ("));
}

TEST(ParseReplayFilterTest, FromMustBeBeforeTo) {
  EXPECT_EQ(
      Parse({.from = "2026-11-02T00:00:00Z", .to = "2026-11-01T00:00:00Z"}).status().message(),
      "--from (2026-11-02T00:00:00Z) must be before --to (2026-11-01T00:00:00Z): the range "
      "is [from, to)");
  EXPECT_FALSE(Parse({.from = "2026-11-01T00:00:00Z", .to = "2026-11-01T09:00:00+09:00"}).ok());
}

TEST(ParseReplayFilterTest, EveryProblemAtOnce) {
  absl::StatusOr<ReplayFilter> filter = Parse({.stages = {"NOPE"}, .topics = {"a b"}, .from = "x"});
  ASSERT_FALSE(filter.ok());
  EXPECT_THAT(filter.status().message(), HasSubstr("--stage: unknown stage \"NOPE\""));
  EXPECT_THAT(filter.status().message(), HasSubstr("--topic: \"a b\""));
  EXPECT_THAT(filter.status().message(), HasSubstr("--from: \"x\""));
}

}  // namespace
}  // namespace ferry::replay
