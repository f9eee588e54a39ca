#include "replay/dlq_entry.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::replay {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using HeaderList = std::vector<std::pair<std::string, std::optional<std::string>>>;

// The context headers Connect's DeadLetterQueueReporter appends, in its order
// (names spelled out here, independently of errors/dead_letter_queue.h).
HeaderList ConnectContext(std::string topic, std::string partition, std::string offset,
                          std::string stage, std::string exception_class,
                          std::optional<std::string> message) {
  return {
      {"__connect.errors.topic", std::move(topic)},
      {"__connect.errors.partition", std::move(partition)},
      {"__connect.errors.offset", std::move(offset)},
      {"__connect.errors.connector.name", "serverlog-sink"},
      {"__connect.errors.task.id", "3"},
      {"__connect.errors.stage", std::move(stage)},
      {"__connect.errors.class.name", "org.apache.kafka.connect.json.JsonConverter"},
      {"__connect.errors.exception.class.name", std::move(exception_class)},
      {"__connect.errors.exception.message", std::move(message)},
      {"__connect.errors.exception.stacktrace", "trace\n\tat somewhere\n"},
  };
}

HeaderList BigQueryContext(std::string reason, std::string location, std::string table) {
  return {
      {"__ferry.errors.bigquery.reason", std::move(reason)},
      {"__ferry.errors.bigquery.location", std::move(location)},
      {"__ferry.errors.bigquery.table", std::move(table)},
  };
}

void Append(HeaderList* to, const HeaderList& from) {
  to->insert(to->end(), from.begin(), from.end());
}

RawRecord DlqRecord(HeaderList headers) {
  RawRecord r;
  r.topic = "serverlog.dlq";
  r.partition = 0;
  r.offset = 41;
  r.timestamp_ms = 1793491200123;  // 2026-11-01T00:00:00.123Z
  r.timestamp_type = TimestampType::kCreateTime;
  r.key = "member-17";
  r.value = R"({"specversion":"1.0"})";
  r.headers = std::move(headers);
  return r;
}

TEST(ParseDlqRecordTest, AllHeaders) {
  HeaderList headers = {{"ce_type", "member.login"}, {"traceparent", std::nullopt}};
  Append(&headers, ConnectContext("serverlog.member", "5", "123456", "TASK_PUT",
                                  "com.wepay.kafka.connect.bigquery.exception."
                                  "BigQueryConnectException",
                                  "no such field: nickname"));
  Append(&headers, BigQueryContext("invalid", "nickname", "proj.serverlog.member"));
  absl::StatusOr<DlqEntry> entry = ParseDlqRecord(DlqRecord(headers));
  ASSERT_TRUE(entry.ok()) << entry.status();

  const RawRecord& original = entry->original;
  EXPECT_EQ(original.topic, "serverlog.member");
  EXPECT_EQ(original.partition, 5);
  EXPECT_EQ(original.offset, 123456);
  EXPECT_EQ(original.timestamp_ms, 1793491200123);
  EXPECT_EQ(original.timestamp_type, TimestampType::kCreateTime);
  EXPECT_EQ(original.key, "member-17");
  EXPECT_EQ(original.value, R"({"specversion":"1.0"})");
  EXPECT_THAT(original.headers,
              ElementsAre(Pair("ce_type", std::optional<std::string>("member.login")),
                          Pair("traceparent", std::nullopt)));

  EXPECT_EQ(entry->connector_name, "serverlog-sink");
  EXPECT_EQ(entry->task_id, 3);
  EXPECT_EQ(entry->stage_name, "TASK_PUT");
  EXPECT_EQ(entry->stage, errors::Stage::kTaskPut);
  EXPECT_EQ(entry->executing_class, "org.apache.kafka.connect.json.JsonConverter");
  EXPECT_EQ(entry->exception_class,
            "com.wepay.kafka.connect.bigquery.exception.BigQueryConnectException");
  EXPECT_EQ(entry->message, "no such field: nickname");
  EXPECT_EQ(entry->stacktrace, "trace\n\tat somewhere\n");
  EXPECT_EQ(entry->bigquery_reason, "invalid");
  EXPECT_EQ(entry->bigquery_location, "nickname");
  EXPECT_EQ(entry->bigquery_table, "proj.serverlog.member");
  EXPECT_EQ(entry->failure_count, 1);
  EXPECT_EQ(entry->dlq.topic, "serverlog.dlq");
  EXPECT_EQ(entry->dlq.partition, 0);
  EXPECT_EQ(entry->dlq.offset, 41);
}

TEST(ParseDlqRecordTest, RepeatedSetsTheLastIsTheLatestFailure) {
  // First failure: BigQuery rejected the row. Replayed, it failed again in
  // the value converter, which has no BigQuery context.
  HeaderList headers = {{"ce_type", "member.login"}};
  Append(&headers, ConnectContext("serverlog.member", "5", "123456", "TASK_PUT",
                                  "com.wepay.kafka.connect.bigquery.exception."
                                  "BigQueryConnectException",
                                  "no such field: nickname"));
  Append(&headers, BigQueryContext("invalid", "nickname", "proj.serverlog.member"));
  Append(&headers, ConnectContext("serverlog.member", "2", "99", "VALUE_CONVERTER",
                                  "org.apache.kafka.connect.errors.DataException",
                                  "Converting byte[] to Kafka Connect data failed"));
  headers.emplace_back("after", "x");  // a header some tool added later still passes through.

  absl::StatusOr<DlqEntry> entry = ParseDlqRecord(DlqRecord(headers));
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->failure_count, 2);
  EXPECT_EQ(entry->original.partition, 2);
  EXPECT_EQ(entry->original.offset, 99);
  EXPECT_EQ(entry->stage, errors::Stage::kValueConverter);
  EXPECT_EQ(entry->exception_class, "org.apache.kafka.connect.errors.DataException");
  EXPECT_EQ(entry->message, "Converting byte[] to Kafka Connect data failed");
  // Not inherited from the first failure.
  EXPECT_EQ(entry->bigquery_reason, "");
  EXPECT_EQ(entry->bigquery_location, "");
  EXPECT_EQ(entry->bigquery_table, "");
  EXPECT_THAT(entry->original.headers,
              ElementsAre(Pair("ce_type", std::optional<std::string>("member.login")),
                          Pair("after", std::optional<std::string>("x"))));
}

TEST(ParseDlqRecordTest, ThreeSetsWithBigQueryContextInTheLast) {
  HeaderList headers;
  Append(&headers, ConnectContext("t", "0", "1", "VALUE_CONVERTER", "a.First", "first"));
  Append(&headers, ConnectContext("t", "0", "2", "TASK_PUT", "b.Second", "second"));
  Append(&headers, BigQueryContext("invalid", "a", "p.d.t1"));
  Append(&headers, ConnectContext("t", "0", "3", "TASK_PUT", "c.Third", "third"));
  Append(&headers, BigQueryContext("stopped", "", "p.d.t2"));
  absl::StatusOr<DlqEntry> entry = ParseDlqRecord(DlqRecord(headers));
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->failure_count, 3);
  EXPECT_EQ(entry->original.offset, 3);
  EXPECT_EQ(entry->exception_class, "c.Third");
  EXPECT_EQ(entry->bigquery_reason, "stopped");
  EXPECT_EQ(entry->bigquery_location, "");
  EXPECT_EQ(entry->bigquery_table, "p.d.t2");
  EXPECT_TRUE(entry->original.headers.empty());
}

TEST(ParseDlqRecordTest, WithoutContextHeadersIsFailedPrecondition) {
  absl::StatusOr<DlqEntry> entry = ParseDlqRecord(DlqRecord({{"ce_type", "member.login"}}));
  ASSERT_FALSE(entry.ok());
  EXPECT_EQ(entry.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(entry.status().message(), HasSubstr("serverlog.dlq/0@41"));
  EXPECT_THAT(entry.status().message(),
              HasSubstr("errors.deadletterqueue.context.headers.enable=true"));
}

TEST(ParseDlqRecordTest, OnlyFerryHeadersIsFailedPrecondition) {
  absl::StatusOr<DlqEntry> entry =
      ParseDlqRecord(DlqRecord(BigQueryContext("invalid", "a", "p.d.t")));
  EXPECT_EQ(entry.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ParseDlqRecordTest, MissingRequiredHeader) {
  for (const std::string missing : {"__connect.errors.topic", "__connect.errors.partition",
                                    "__connect.errors.offset", "__connect.errors.stage"}) {
    HeaderList headers;
    for (auto& h : ConnectContext("t", "1", "2", "TASK_PUT", "x.Y", "m")) {
      if (h.first != missing) headers.push_back(h);
    }
    absl::StatusOr<DlqEntry> entry = ParseDlqRecord(DlqRecord(headers));
    ASSERT_FALSE(entry.ok()) << missing;
    EXPECT_EQ(entry.status().code(), absl::StatusCode::kInvalidArgument) << missing;
    EXPECT_EQ(entry.status().message(),
              "DLQ record serverlog.dlq/0@41: header " + missing + " is missing");
  }
}

TEST(ParseDlqRecordTest, NullOrEmptyTopic) {
  HeaderList headers = ConnectContext("", "1", "2", "TASK_PUT", "x.Y", "m");
  EXPECT_EQ(ParseDlqRecord(DlqRecord(headers)).status().message(),
            "DLQ record serverlog.dlq/0@41: header __connect.errors.topic is empty");
  headers[0].second = std::nullopt;
  EXPECT_EQ(ParseDlqRecord(DlqRecord(headers)).status().message(),
            "DLQ record serverlog.dlq/0@41: header __connect.errors.topic is null");
}

TEST(ParseDlqRecordTest, BadNumbers) {
  struct Case {
    std::string partition, offset, task_id, message;
  };
  const Case cases[] = {
      {"x", "2", "0", "header __connect.errors.partition is \"x\", which is not a decimal number"},
      {" 1", "2", "0",
       "header __connect.errors.partition is \" 1\", which is not a decimal number"},
      {"+1", "2", "0",
       "header __connect.errors.partition is \"+1\", which is not a decimal number"},
      {"-1", "2", "0", "header __connect.errors.partition is \"-1\", which is negative"},
      {"2147483648", "2", "0",
       "header __connect.errors.partition is \"2147483648\", which is out of range"},
      {"1", "-1", "0", "header __connect.errors.offset is \"-1\", which is negative"},
      {"1", "12a", "0", "header __connect.errors.offset is \"12a\", which is not a decimal number"},
      {"1", "9223372036854775808", "0",
       "header __connect.errors.offset is \"9223372036854775808\", which is out of range"},
      {"1", "2", "three",
       "header __connect.errors.task.id is \"three\", which is not a decimal number"},
      {"1", "\xff\x01", "0",
       "header __connect.errors.offset is \"\\xff\\x01\", which is not a decimal number"},
  };
  for (const Case& c : cases) {
    HeaderList headers = ConnectContext("t", c.partition, c.offset, "TASK_PUT", "x.Y", "m");
    headers[4].second = c.task_id;  // __connect.errors.task.id
    absl::StatusOr<DlqEntry> entry = ParseDlqRecord(DlqRecord(headers));
    ASSERT_FALSE(entry.ok()) << c.message;
    EXPECT_EQ(entry.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(entry.status().message(), "DLQ record serverlog.dlq/0@41: " + c.message);
  }
}

TEST(ParseDlqRecordTest, LargestNumbers) {
  absl::StatusOr<DlqEntry> entry = ParseDlqRecord(
      DlqRecord(ConnectContext("t", "2147483647", "9223372036854775807", "TASK_PUT", "x.Y", "m")));
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->original.partition, 2147483647);
  EXPECT_EQ(entry->original.offset, 9223372036854775807);
}

TEST(ParseDlqRecordTest, BinaryKeyAndValueAndNullValuePassThrough) {
  const std::string binary_key("\x00\xff\x10k", 4);
  RawRecord dlq = DlqRecord(ConnectContext("t", "0", "7", "KEY_CONVERTER", "x.Y", "m"));
  dlq.key = binary_key;
  dlq.value = std::nullopt;
  dlq.headers.insert(dlq.headers.begin(), {"bin", std::string("\x00\x01", 2)});
  absl::StatusOr<DlqEntry> entry = ParseDlqRecord(dlq);
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->original.key, binary_key);
  EXPECT_EQ(entry->original.value, std::nullopt);
  EXPECT_THAT(entry->original.headers,
              ElementsAre(Pair("bin", std::optional<std::string>(std::string("\x00\x01", 2)))));

  dlq.key = std::nullopt;
  dlq.value = std::string("\x00\x00\x00\x00\x01", 5);  // Avro/Protobuf wire format
  entry = ParseDlqRecord(dlq);
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->original.key, std::nullopt);
  EXPECT_EQ(entry->original.value, std::string("\x00\x00\x00\x00\x01", 5));
}

TEST(ParseDlqRecordTest, NoTimestampAndLogAppendTimePassThrough) {
  RawRecord dlq = DlqRecord(ConnectContext("t", "0", "7", "TASK_PUT", "x.Y", "m"));
  dlq.timestamp_ms = -1;
  dlq.timestamp_type = TimestampType::kNoTimestamp;
  absl::StatusOr<DlqEntry> entry = ParseDlqRecord(dlq);
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->original.timestamp_ms, -1);
  EXPECT_EQ(entry->original.timestamp_type, TimestampType::kNoTimestamp);

  dlq.timestamp_ms = 5;
  dlq.timestamp_type = TimestampType::kLogAppendTime;
  entry = ParseDlqRecord(dlq);
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->original.timestamp_ms, 5);
  EXPECT_EQ(entry->original.timestamp_type, TimestampType::kLogAppendTime);
}

TEST(ParseDlqRecordTest, OptionalHeadersAbsentOrNull) {
  // Connect writes no exception headers when the context has no error, and a
  // null message when Throwable.getMessage() is null.
  HeaderList headers = {
      {"__connect.errors.topic", "t"},
      {"__connect.errors.partition", "0"},
      {"__connect.errors.offset", "1"},
      {"__connect.errors.stage", "TASK_POLL"},
      {"__connect.errors.exception.message", std::nullopt},
  };
  absl::StatusOr<DlqEntry> entry = ParseDlqRecord(DlqRecord(headers));
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->task_id, std::nullopt);
  EXPECT_EQ(entry->connector_name, "");
  EXPECT_EQ(entry->stage_name, "TASK_POLL");  // a stage ferry has no Stage for
  EXPECT_EQ(entry->stage, std::nullopt);
  EXPECT_EQ(entry->exception_class, "");
  EXPECT_EQ(entry->message, "");
  EXPECT_EQ(entry->stacktrace, "");
}

TEST(IsErrorContextHeaderTest, Prefixes) {
  EXPECT_TRUE(IsErrorContextHeader("__connect.errors.topic"));
  EXPECT_TRUE(IsErrorContextHeader("__connect.errors.anything.else"));
  EXPECT_TRUE(IsErrorContextHeader("__ferry.errors.bigquery.reason"));
  EXPECT_FALSE(IsErrorContextHeader("__connect.error.topic"));
  EXPECT_FALSE(IsErrorContextHeader("__connect.errors"));
  EXPECT_FALSE(IsErrorContextHeader("ce_type"));
}

}  // namespace
}  // namespace ferry::replay
