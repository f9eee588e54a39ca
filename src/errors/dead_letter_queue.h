#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "errors/reporter.h"
#include "kafka/producer.h"

namespace ferry::errors {

// The __connect.errors.* context headers, as Connect's
// DeadLetterQueueReporter names them, and ferry's for BigQuery rejections.
inline constexpr char kHeaderPrefix[] = "__connect.errors.";
inline constexpr char kHeaderTopic[] = "__connect.errors.topic";
inline constexpr char kHeaderPartition[] = "__connect.errors.partition";
inline constexpr char kHeaderOffset[] = "__connect.errors.offset";
inline constexpr char kHeaderConnectorName[] = "__connect.errors.connector.name";
inline constexpr char kHeaderTaskId[] = "__connect.errors.task.id";
inline constexpr char kHeaderStage[] = "__connect.errors.stage";
inline constexpr char kHeaderExecutingClass[] = "__connect.errors.class.name";
inline constexpr char kHeaderExceptionClass[] = "__connect.errors.exception.class.name";
inline constexpr char kHeaderExceptionMessage[] = "__connect.errors.exception.message";
inline constexpr char kHeaderExceptionStacktrace[] = "__connect.errors.exception.stacktrace";
inline constexpr char kFerryHeaderPrefix[] = "__ferry.errors.";
inline constexpr char kHeaderBigQueryReason[] = "__ferry.errors.bigquery.reason";
inline constexpr char kHeaderBigQueryLocation[] = "__ferry.errors.bigquery.location";
inline constexpr char kHeaderBigQueryTable[] = "__ferry.errors.bigquery.table";

// What a failure's exception looks like to Connect tooling: converters and
// transformations fail with DataException, BigQuery rejections with kcbq's
// BigQueryConnectException.
inline constexpr char kDataException[] = "org.apache.kafka.connect.errors.DataException";
inline constexpr char kBigQueryConnectException[] =
    "com.wepay.kafka.connect.bigquery.exception.BigQueryConnectException";
// The executing class of stage TASK_PUT: kcbq's sink task.
inline constexpr char kBigQuerySinkTaskClass[] =
    "com.wepay.kafka.connect.bigquery.BigQuerySinkTask";

// A Java-style trace of the failure: "<exception class>: <message>" and an
// "\tat" line naming the executing class, stage, connector and task.
std::string StackTrace(const ErrorReport& report);

// The record Connect's DeadLetterQueueReporter produces for a failure: the
// original raw key, value, headers and timestamp (no partition: the
// producer's partitioner picks it from the key), and, when
// `context_headers`, the __connect.errors.* headers appended (UTF-8 text),
// plus ferry's __ferry.errors.bigquery.* ones for BigQuery rejections.
kafka::ProducerRecord DeadLetterRecord(const std::string& topic, const ErrorReport& report,
                                       bool context_headers);

struct DeadLetterQueueOptions {
  std::string bootstrap_servers;
  std::string topic;             // errors.deadletterqueue.topic.name
  int replication_factor = 3;    // ...topic.replication.factor; -1 = the broker default.
  bool context_headers = false;  // ...context.headers.enable
  // Producer properties: the worker's producer.* and the connector's
  // producer.override.* (idempotence and acks=all are always on).
  std::map<std::string, std::string> producer_properties;
  std::chrono::milliseconds flush_timeout{60000};
};

// errors.deadletterqueue.*: sends each failed record to the DLQ topic with an
// idempotent acks=all producer; Flush() waits for the acknowledgements.
// Creates the topic if it is missing (one partition, as Connect), with the
// replication factor lowered to the number of brokers when the cluster has
// fewer (a warning, where Connect fails).
class DeadLetterQueueReporter : public ErrorReporter {
 public:
  static absl::StatusOr<std::unique_ptr<DeadLetterQueueReporter>> Create(
      DeadLetterQueueOptions options);

  absl::Status Report(const ErrorReport& report) override;
  absl::Status Flush() override;

  int64_t sent() const { return sent_; }  // records acknowledged by the broker.
  std::vector<std::string> TakeClientErrors() override { return producer_->TakeClientErrors(); }

 private:
  DeadLetterQueueReporter() = default;
  DeadLetterQueueOptions options_;
  std::unique_ptr<kafka::Producer> producer_;
  int64_t queued_ = 0;  // since the last Flush.
  int64_t sent_ = 0;
};

// Creates a dead-letter queue topic if it is missing: one partition and the
// requested replication factor, lowered (with a warning) to the number of
// brokers when the cluster has fewer.
absl::Status EnsureDeadLetterTopic(const std::string& bootstrap_servers, const std::string& topic,
                                   int replication_factor);

}  // namespace ferry::errors
