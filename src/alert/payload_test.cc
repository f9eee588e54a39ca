#include "alert/payload.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "alert/testing/slack_format_check.h"

namespace ferry::alert {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);  // 2023-11-14T22:13:20Z

AlertEvent TaskFailure(std::string trace) {
  AlertEvent e;
  e.connector = "serverlog";
  e.task = 2;
  e.condition = Condition::kTaskFailed;
  e.state = AlertState::kFiring;
  e.value = 1;
  e.threshold = 1;
  e.window = absl::Minutes(5);
  e.task_state = "FAILED";
  e.trace = std::move(trace);
  e.message = "Task 2 of connector serverlog failed.";
  e.time = kT0 + absl::Seconds(5);
  e.since = kT0;
  return e;
}

AlertEvent DlqResolved() {
  AlertEvent e;
  e.connector = "serverlog";
  e.condition = Condition::kDlqRecords;
  e.state = AlertState::kResolved;
  e.value = 0;
  e.threshold = 10;
  e.window = absl::Minutes(5);
  e.message = "Connector serverlog: dead-letter queue records are back under the threshold.";
  e.time = kT0 + absl::Minutes(7);
  e.since = kT0;
  return e;
}

TEST(SlackPayloadTest, TaskFailureIsABlockKitMessageWithTheTrace) {
  const json payload = json::parse(
      SlackPayload(TaskFailure("java.lang.IllegalStateException: x\n\tat A.b(A.java:1)")));
  EXPECT_THAT(testing::SlackFormatProblems(payload), IsEmpty()) << payload.dump(2);
  EXPECT_EQ(payload["text"], "[FIRING] Task 2 of connector serverlog failed.");
  const json& blocks = payload["blocks"];
  ASSERT_EQ(blocks.size(), 4u);
  EXPECT_EQ(blocks[0]["type"], "header");
  EXPECT_EQ(blocks[0]["text"]["type"], "plain_text");
  EXPECT_EQ(blocks[0]["text"]["text"], ":rotating_light: Task 2 failed");
  EXPECT_EQ(blocks[1]["type"], "section");
  EXPECT_EQ(blocks[1]["text"]["type"], "mrkdwn");
  EXPECT_EQ(blocks[1]["text"]["text"], "Task 2 of connector serverlog failed.");
  ASSERT_EQ(blocks[1]["fields"].size(), 4u);
  EXPECT_EQ(blocks[1]["fields"][0]["text"], "*Connector*\nserverlog");
  EXPECT_EQ(blocks[1]["fields"][1]["text"], "*Condition*\ntask_failed");
  EXPECT_EQ(blocks[1]["fields"][2]["text"], "*Task*\n2");
  EXPECT_EQ(blocks[1]["fields"][3]["text"], "*State*\nFAILED");
  EXPECT_EQ(blocks[2]["type"], "section");
  EXPECT_EQ(blocks[2]["text"]["text"],
            "```java.lang.IllegalStateException: x\n\tat A.b(A.java:1)```");
  EXPECT_EQ(blocks[3]["type"], "context");
  EXPECT_EQ(blocks[3]["elements"][0]["type"], "mrkdwn");
  EXPECT_EQ(blocks[3]["elements"][0]["text"],
            "ferry · FIRING since <!date^1700000000^{date_short_pretty} {time_secs}|2023-11-14 "
            "22:13:20 UTC>");
}

TEST(SlackPayloadTest, ControlCharactersAreEscaped) {
  AlertEvent e = TaskFailure("a<b> & c");
  e.connector = "<!channel> & co";
  e.message = "Task 2 of connector <!channel> & co failed.";
  const json payload = json::parse(SlackPayload(e));
  EXPECT_THAT(testing::SlackFormatProblems(payload), IsEmpty()) << payload.dump(2);
  EXPECT_EQ(payload["text"], "[FIRING] Task 2 of connector &lt;!channel&gt; &amp; co failed.");
  EXPECT_EQ(payload["blocks"][1]["text"]["text"],
            "Task 2 of connector &lt;!channel&gt; &amp; co failed.");
  EXPECT_EQ(payload["blocks"][1]["fields"][0]["text"], "*Connector*\n&lt;!channel&gt; &amp; co");
  EXPECT_EQ(payload["blocks"][2]["text"]["text"], "```a&lt;b&gt; &amp; c```");
}

TEST(SlackPayloadTest, LongTraceIsTruncatedWithinSlackLimitsAtCharacterBoundaries) {
  std::string trace;
  while (trace.size() < 20000) trace += "é<>```\n";  // Multi-byte, escapes, fences.
  const std::string text = SlackPayload(TaskFailure(trace));
  const json payload = json::parse(text);  // Throws on invalid UTF-8.
  EXPECT_THAT(testing::SlackFormatProblems(payload), IsEmpty());
  const std::string shown = payload["blocks"][2]["text"]["text"];
  EXPECT_THAT(shown, HasSubstr("… (truncated)```"));
  EXPECT_THAT(shown.substr(3, shown.size() - 6), Not(HasSubstr("```")));
  EXPECT_LE(shown.size(), 3000u);
}

TEST(SlackPayloadTest, EmptyTraceSaysSo) {
  const json payload = json::parse(SlackPayload(TaskFailure("")));
  EXPECT_EQ(payload["blocks"][2]["text"]["text"], "_The task reported no trace._");
}

TEST(SlackPayloadTest, ResolvedCounterCondition) {
  const json payload = json::parse(SlackPayload(DlqResolved()));
  EXPECT_THAT(testing::SlackFormatProblems(payload), IsEmpty()) << payload.dump(2);
  EXPECT_EQ(payload["text"],
            "[RESOLVED] Connector serverlog: dead-letter queue records are back under the "
            "threshold.");
  const json& blocks = payload["blocks"];
  ASSERT_EQ(blocks.size(), 3u);  // No trace.
  EXPECT_EQ(blocks[0]["text"]["text"], ":white_check_mark: Dead-letter queue: resolved");
  ASSERT_EQ(blocks[1]["fields"].size(), 5u);
  EXPECT_EQ(blocks[1]["fields"][1]["text"], "*Condition*\ndlq_records");
  EXPECT_EQ(blocks[1]["fields"][2]["text"], "*Value*\n0");
  EXPECT_EQ(blocks[1]["fields"][3]["text"], "*Threshold*\n10");
  EXPECT_EQ(blocks[1]["fields"][4]["text"], "*Window*\n5m");
  EXPECT_THAT(blocks[2]["elements"][0]["text"].get<std::string>(),
              HasSubstr("RESOLVED at <!date^1700000420^"));
}

TEST(GenericPayloadTest, TaskFailure) {
  const json payload = json::parse(GenericPayload(TaskFailure("boom")));
  EXPECT_EQ(payload, json::parse(R"({
    "source": "ferry", "connector": "serverlog", "task": 2, "condition": "task_failed",
    "state": "firing", "repeat": false, "value": 1, "threshold": 1, "window_ms": 300000,
    "message": "Task 2 of connector serverlog failed.", "time": "2023-11-14T22:13:25.000Z",
    "since": "2023-11-14T22:13:20.000Z", "task_state": "FAILED", "trace": "boom",
    "trace_truncated": false})"));
}

TEST(GenericPayloadTest, ResolvedCounterConditionHasNoTask) {
  const json payload = json::parse(GenericPayload(DlqResolved()));
  EXPECT_EQ(payload, json::parse(R"({
    "source": "ferry", "connector": "serverlog", "task": null, "condition": "dlq_records",
    "state": "resolved", "repeat": false, "value": 0, "threshold": 10, "window_ms": 300000,
    "message": "Connector serverlog: dead-letter queue records are back under the threshold.",
    "time": "2023-11-14T22:20:20.000Z", "since": "2023-11-14T22:13:20.000Z"})"));
}

TEST(GenericPayloadTest, LongOrInvalidUtf8TraceStaysValidJson) {
  std::string trace(20000, 'x');
  trace[kGenericTraceMaxBytes - 1] = static_cast<char>(0xC3);  // Cut inside a character.
  trace[kGenericTraceMaxBytes] = static_cast<char>(0xA9);
  trace[10] = static_cast<char>(0xFF);  // Not UTF-8 at all.
  const json payload = json::parse(GenericPayload(TaskFailure(trace)));
  EXPECT_TRUE(payload["trace_truncated"].get<bool>());
  EXPECT_LE(payload["trace"].get<std::string>().size(), kGenericTraceMaxBytes + 2);
}

TEST(EscapeTest, TruncatesAtWholeEscapesAndCharacters) {
  bool truncated = false;
  EXPECT_EQ(internal::SlackEscape("a&b", 5, &truncated), "a");
  EXPECT_TRUE(truncated);
  EXPECT_EQ(internal::SlackEscape("a&b", 6, &truncated), "a&amp;");
  EXPECT_EQ(internal::SlackEscape("a&b", 7, &truncated), "a&amp;b");
  EXPECT_FALSE(truncated);
  EXPECT_EQ(internal::TruncateUtf8("éé", 3, &truncated), "é");
  EXPECT_TRUE(truncated);
  EXPECT_EQ(internal::TruncateUtf8("éé", 4, &truncated), "éé");
  EXPECT_FALSE(truncated);
}

}  // namespace
}  // namespace ferry::alert
