#include "errors/dead_letter_queue.h"

#include <gtest/gtest.h>

#include "errors/reporter.h"

namespace ferry::errors {
namespace {

using Headers = std::vector<std::pair<std::string, std::optional<std::string>>>;

ErrorReport Report() {
  auto raw = std::make_shared<RawRecord>();
  raw->topic = "serverlog.member";
  raw->partition = 4;
  raw->offset = 1234;
  raw->timestamp_ms = 1764000000123;
  raw->timestamp_type = TimestampType::kCreateTime;
  raw->key = std::string("member-\x01\x02", 9);
  raw->value = std::string("{not json");
  raw->headers = {{"ce_id", std::string("e-1")}, {"empty", std::nullopt}};
  ErrorReport r;
  r.connector_name = "serverlog";
  r.task_id = 2;
  r.stage = Stage::kValueConverter;
  r.executing_class = "org.apache.kafka.connect.json.JsonConverter";
  r.exception_class = kDataException;
  r.message = "Converting byte[] to Kafka Connect data failed";
  r.raw = raw;
  return r;
}

TEST(DeadLetterRecordTest, CarriesTheRawRecordAndConnectsContextHeaders) {
  kafka::ProducerRecord r = DeadLetterRecord("serverlog-dlq", Report(), true);
  EXPECT_EQ(r.topic, "serverlog-dlq");
  EXPECT_EQ(r.partition, -1);
  EXPECT_EQ(r.key, std::string("member-\x01\x02", 9));
  EXPECT_EQ(r.value, "{not json");
  EXPECT_EQ(r.timestamp_ms, 1764000000123);
  const Headers expected = {
      {"ce_id", std::string("e-1")},
      {"empty", std::nullopt},
      {"__connect.errors.topic", std::string("serverlog.member")},
      {"__connect.errors.partition", std::string("4")},
      {"__connect.errors.offset", std::string("1234")},
      {"__connect.errors.connector.name", std::string("serverlog")},
      {"__connect.errors.task.id", std::string("2")},
      {"__connect.errors.stage", std::string("VALUE_CONVERTER")},
      {"__connect.errors.class.name", std::string("org.apache.kafka.connect.json.JsonConverter")},
      {"__connect.errors.exception.class.name",
       std::string("org.apache.kafka.connect.errors.DataException")},
      {"__connect.errors.exception.message",
       std::string("Converting byte[] to Kafka Connect data failed")},
      {"__connect.errors.exception.stacktrace",
       std::string("org.apache.kafka.connect.errors.DataException: Converting byte[] to Kafka "
                   "Connect data failed\n\tat org.apache.kafka.connect.json.JsonConverter (stage "
                   "VALUE_CONVERTER, connector serverlog, task 2)\n")},
  };
  EXPECT_EQ(r.headers, expected);
}

TEST(DeadLetterRecordTest, WithoutContextHeadersOnlyTheOriginalOnes) {
  kafka::ProducerRecord r = DeadLetterRecord("dlq", Report(), false);
  EXPECT_EQ(r.headers, (Headers{{"ce_id", std::string("e-1")}, {"empty", std::nullopt}}));
}

TEST(DeadLetterRecordTest, BigQueryRejectionsNameReasonLocationAndTable) {
  ErrorReport report = Report();
  report.stage = Stage::kTaskPut;
  report.bigquery_reason = "invalid";
  report.bigquery_location = "count";
  report.bigquery_table = "p.d.t";
  kafka::ProducerRecord r = DeadLetterRecord("dlq", report, true);
  ASSERT_GE(r.headers.size(), 3u);
  const size_t n = r.headers.size();
  EXPECT_EQ(r.headers[n - 3], (Headers::value_type{"__ferry.errors.bigquery.reason", "invalid"}));
  EXPECT_EQ(r.headers[n - 2], (Headers::value_type{"__ferry.errors.bigquery.location", "count"}));
  EXPECT_EQ(r.headers[n - 1], (Headers::value_type{"__ferry.errors.bigquery.table", "p.d.t"}));
}

TEST(DeadLetterRecordTest, NullKeyValueAndNoTimestampStayThat) {
  ErrorReport report = Report();
  auto raw = std::make_shared<RawRecord>(*report.raw);
  raw->key.reset();
  raw->value.reset();
  raw->timestamp_ms = -1;
  report.raw = raw;
  kafka::ProducerRecord r = DeadLetterRecord("dlq", report, false);
  EXPECT_FALSE(r.key.has_value());
  EXPECT_FALSE(r.value.has_value());
  EXPECT_EQ(r.timestamp_ms, 0);  // sent without one: the producer stamps it.
}

TEST(LogReporterTest, ConnectsWordingWithAndWithoutTheRecord) {
  EXPECT_EQ(LogReporter::Message(Report(), false),
            "Error encountered in task serverlog-2. Executing stage 'VALUE_CONVERTER' with class "
            "'org.apache.kafka.connect.json.JsonConverter'. "
            "org.apache.kafka.connect.errors.DataException: Converting byte[] to Kafka Connect "
            "data failed");
  EXPECT_EQ(LogReporter::Message(Report(), true),
            "Error encountered in task serverlog-2. Executing stage 'VALUE_CONVERTER' with class "
            "'org.apache.kafka.connect.json.JsonConverter', where consumed record is "
            "{topic='serverlog.member', partition=4, offset=1234, timestamp=1764000000123, "
            "timestampType=CreateTime}. org.apache.kafka.connect.errors.DataException: "
            "Converting byte[] to Kafka Connect data failed");
}

TEST(StageTest, NamesRoundTrip) {
  for (Stage s :
       {Stage::kKeyConverter, Stage::kValueConverter, Stage::kHeaderConverter,
        Stage::kTransformation, Stage::kTaskPut, Stage::kKafkaConsume, Stage::kKafkaProduce}) {
    EXPECT_EQ(StageFromName(StageName(s)), s);
  }
  EXPECT_EQ(StageFromName("PUT"), std::nullopt);
}

}  // namespace
}  // namespace ferry::errors
