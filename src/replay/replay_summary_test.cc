#include "replay/replay_summary.h"

#include <string>

#include "gtest/gtest.h"
#include "replay/format.h"

namespace ferry::replay {
namespace {

DlqEntry Entry(std::string topic, std::string stage_name) {
  DlqEntry e;
  e.original.topic = std::move(topic);
  e.stage = errors::StageFromName(stage_name);
  e.stage_name = std::move(stage_name);
  return e;
}

void AddN(ReplaySummary* summary, const DlqEntry& entry, ReplayOutcome outcome, int n) {
  for (int i = 0; i < n; ++i) summary->Add(entry, outcome);
}

// The example in replay_summary.h.
ReplaySummary Example() {
  ReplaySummary s;
  const DlqEntry put = Entry("serverlog.member", "TASK_PUT");
  const DlqEntry convert = Entry("serverlog.admin", "VALUE_CONVERTER");
  AddN(&s, put, ReplayOutcome::kLoaded, 5000);
  AddN(&s, put, ReplayOutcome::kFailedAgain, 12);
  AddN(&s, convert, ReplayOutcome::kLoaded, 120);
  AddN(&s, convert, ReplayOutcome::kFailedAgain, 3);
  AddN(&s, convert, ReplayOutcome::kNotSelected, 10);
  s.AddUnreadable();
  s.Add(DlqEntry{}, ReplayOutcome::kUnreadable);
  return s;
}

TEST(ReplaySummaryTest, Counts) {
  ReplaySummary s = Example();
  EXPECT_EQ(s.Count(ReplayOutcome::kLoaded), 5120);
  EXPECT_EQ(s.Count(ReplayOutcome::kFailedAgain), 15);
  EXPECT_EQ(s.Count(ReplayOutcome::kDroppedByTransform), 0);
  EXPECT_EQ(s.Count(ReplayOutcome::kNotSelected), 10);
  EXPECT_EQ(s.Count(ReplayOutcome::kUnreadable), 2);
  EXPECT_EQ(s.Total(), 5147);
  EXPECT_EQ(s.CountForStage(ReplayOutcome::kLoaded, "TASK_PUT"), 5000);
  EXPECT_EQ(s.CountForStage(ReplayOutcome::kFailedAgain, "VALUE_CONVERTER"), 3);
  EXPECT_EQ(s.CountForStage(ReplayOutcome::kLoaded, "KEY_CONVERTER"), 0);
  EXPECT_EQ(s.CountForTopic(ReplayOutcome::kLoaded, "serverlog.admin"), 120);
  EXPECT_EQ(s.CountForTopic(ReplayOutcome::kUnreadable, "serverlog.admin"), 0);
}

TEST(ReplaySummaryTest, TableByStage) {
  EXPECT_EQ(Example().RenderTable(),
            "by stage              VALUE_CONVERTER  TASK_PUT  total\n"
            "loaded                            120     5,000  5,120\n"
            "failed again                        3        12     15\n"
            "dropped by transform                0         0      0\n"
            "not selected                       10         0     10\n"
            "unreadable                          -         -      2\n"
            "total                             133     5,012  5,147\n");
}

TEST(ReplaySummaryTest, TableByTopic) {
  EXPECT_EQ(Example().RenderTable({.columns = SummaryTableOptions::Columns::kByTopic}),
            "by topic              serverlog.admin  serverlog.member  total\n"
            "loaded                            120             5,000  5,120\n"
            "failed again                        3                12     15\n"
            "dropped by transform                0                 0      0\n"
            "not selected                       10                 0     10\n"
            "unreadable                          -                 -      2\n"
            "total                             133             5,012  5,147\n");
}

TEST(ReplaySummaryTest, DryRunTable) {
  ReplaySummary s;
  AddN(&s, Entry("t", "TASK_PUT"), ReplayOutcome::kLoaded, 7);
  AddN(&s, Entry("t", "TRANSFORMATION"), ReplayOutcome::kFailedAgain, 1234567);
  AddN(&s, Entry("t", "TRANSFORMATION"), ReplayOutcome::kDroppedByTransform, 2);
  EXPECT_EQ(s.RenderTable({.dry_run = true}),
            "by stage                       TRANSFORMATION  TASK_PUT      total\n"
            "would load                                  0         7          7\n"
            "would fail again                    1,234,567         0  1,234,567\n"
            "would be dropped by transform               2         0          2\n"
            "not selected                                0         0          0\n"
            "unreadable                                  -         -          0\n"
            "total                               1,234,569         7  1,234,576\n");
}

TEST(ReplaySummaryTest, StageColumnsInPipelineOrderThenUnknownNames) {
  ReplaySummary s;
  for (const char* stage : {"TASK_POLL", "KAFKA_PRODUCE", "KEY_CONVERTER", "AAA", "TASK_PUT"}) {
    s.Add(Entry("t", stage), ReplayOutcome::kLoaded);
  }
  const std::string table = s.RenderTable();
  EXPECT_EQ(table.substr(0, table.find('\n')),
            "by stage              KEY_CONVERTER  TASK_PUT  KAFKA_PRODUCE  AAA  TASK_POLL  total");
}

TEST(ReplaySummaryTest, EmptyTable) {
  EXPECT_EQ(ReplaySummary().RenderTable(),
            "by stage              total\n"
            "loaded                    0\n"
            "failed again              0\n"
            "dropped by transform      0\n"
            "not selected              0\n"
            "unreadable                0\n"
            "total                     0\n");
}

TEST(ReplaySummaryTest, Merge) {
  ReplaySummary a = Example();
  ReplaySummary b;
  b.Add(Entry("serverlog.member", "TASK_PUT"), ReplayOutcome::kLoaded);
  b.Add(Entry("x", "KEY_CONVERTER"), ReplayOutcome::kDroppedByTransform);
  b.AddUnreadable();
  a.Merge(b);
  EXPECT_EQ(a.Count(ReplayOutcome::kLoaded), 5121);
  EXPECT_EQ(a.CountForStage(ReplayOutcome::kDroppedByTransform, "KEY_CONVERTER"), 1);
  EXPECT_EQ(a.Count(ReplayOutcome::kUnreadable), 3);
  EXPECT_EQ(a.Total(), 5150);
}

TEST(ReplayOutcomeLabelTest, Labels) {
  EXPECT_EQ(ReplayOutcomeLabel(ReplayOutcome::kLoaded), "loaded");
  EXPECT_EQ(ReplayOutcomeLabel(ReplayOutcome::kLoaded, true), "would load");
  EXPECT_EQ(ReplayOutcomeLabel(ReplayOutcome::kFailedAgain, true), "would fail again");
  EXPECT_EQ(ReplayOutcomeLabel(ReplayOutcome::kNotSelected, true), "not selected");
}

TEST(FormatTest, Count) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(1000), "1,000");
  EXPECT_EQ(FormatCount(1234567), "1,234,567");
  EXPECT_EQ(FormatCount(-1234), "-1,234");
  EXPECT_EQ(FormatCount(INT64_MIN), "-9,223,372,036,854,775,808");
}

TEST(FormatTest, ShortDuration) {
  EXPECT_EQ(FormatShortDuration(absl::ZeroDuration()), "0s");
  EXPECT_EQ(FormatShortDuration(absl::Seconds(-3)), "0s");
  EXPECT_EQ(FormatShortDuration(absl::Milliseconds(1)), "1s");
  EXPECT_EQ(FormatShortDuration(absl::Seconds(59)), "59s");
  EXPECT_EQ(FormatShortDuration(absl::Milliseconds(59001)), "1m00s");
  EXPECT_EQ(FormatShortDuration(absl::Seconds(65)), "1m05s");
  EXPECT_EQ(FormatShortDuration(absl::Seconds(3599)), "59m59s");
  EXPECT_EQ(FormatShortDuration(absl::Seconds(3600)), "1h00m");
  EXPECT_EQ(FormatShortDuration(absl::Seconds(3601)), "1h01m");
  EXPECT_EQ(FormatShortDuration(absl::Hours(26) + absl::Minutes(3)), "26h03m");
}

}  // namespace
}  // namespace ferry::replay
