#include "errors/dead_letter_queue.h"

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace ferry::errors {

std::string StackTrace(const ErrorReport& report) {
  return absl::StrCat(report.exception_class, ": ", report.message, "\n\tat ",
                      report.executing_class, " (stage ", StageName(report.stage), ", connector ",
                      report.connector_name, ", task ", report.task_id, ")\n");
}

kafka::ProducerRecord DeadLetterRecord(const std::string& topic, const ErrorReport& report,
                                       bool context_headers) {
  kafka::ProducerRecord out;
  out.topic = topic;
  out.partition = -1;  // Connect leaves it to the partitioner.
  if (report.raw != nullptr) {
    const RawRecord& r = *report.raw;
    out.key = r.key;
    out.value = r.value;
    out.headers = r.headers;
    // Connect: a record without a timestamp is sent without one (now).
    out.timestamp_ms = r.timestamp_ms >= 0 ? r.timestamp_ms : 0;
  }
  if (!context_headers) return out;
  auto add = [&out](const char* key, std::string value) {
    out.headers.emplace_back(key, std::move(value));
  };
  if (report.raw != nullptr) {
    add(kHeaderTopic, report.raw->topic);
    add(kHeaderPartition, absl::StrCat(report.raw->partition));
    add(kHeaderOffset, absl::StrCat(report.raw->offset));
  }
  add(kHeaderConnectorName, report.connector_name);
  add(kHeaderTaskId, absl::StrCat(report.task_id));
  add(kHeaderStage, StageName(report.stage));
  add(kHeaderExecutingClass, report.executing_class);
  add(kHeaderExceptionClass, report.exception_class);
  add(kHeaderExceptionMessage, report.message);
  add(kHeaderExceptionStacktrace, StackTrace(report));
  if (!report.bigquery_reason.empty()) add(kHeaderBigQueryReason, report.bigquery_reason);
  if (!report.bigquery_location.empty()) add(kHeaderBigQueryLocation, report.bigquery_location);
  if (!report.bigquery_table.empty()) add(kHeaderBigQueryTable, report.bigquery_table);
  return out;
}

absl::Status EnsureDeadLetterTopic(const std::string& bootstrap_servers, const std::string& topic,
                                   int replication_factor) {
  if (replication_factor > 0) {
    absl::StatusOr<int> brokers = kafka::BrokerCount(bootstrap_servers);
    if (!brokers.ok()) return brokers.status();
    if (*brokers > 0 && *brokers < replication_factor) {
      spdlog::warn(
          "dead-letter queue topic {}: errors.deadletterqueue.topic.replication.factor is {} but "
          "the cluster has {} broker(s); creating it with replication factor {}",
          topic, replication_factor, *brokers, *brokers);
      replication_factor = *brokers;
    }
  }
  return kafka::CreateTopicIfMissing(bootstrap_servers, topic, /*partitions=*/1,
                                     replication_factor);
}

absl::StatusOr<std::unique_ptr<DeadLetterQueueReporter>> DeadLetterQueueReporter::Create(
    DeadLetterQueueOptions options) {
  if (absl::Status s = EnsureDeadLetterTopic(options.bootstrap_servers, options.topic,
                                             options.replication_factor);
      !s.ok()) {
    return absl::Status(s.code(),
                        absl::StrCat("dead-letter queue topic ", options.topic, ": ", s.message()));
  }
  std::map<std::string, std::string> props = options.producer_properties;
  props["bootstrap.servers"] = options.bootstrap_servers;
  // Nothing lost, nothing doubled by the producer's own retries.
  props["enable.idempotence"] = "true";
  props["acks"] = "all";
  // Keyed records land where Java's default partitioner puts them.
  props.emplace("partitioner", "murmur2_random");
  props.emplace("client.id", "ferry-dlq-" + options.topic);
  auto producer = kafka::Producer::Create(std::move(props));
  if (!producer.ok()) return producer.status();
  std::unique_ptr<DeadLetterQueueReporter> r(new DeadLetterQueueReporter());
  r->options_ = std::move(options);
  r->producer_ = std::move(*producer);
  return r;
}

absl::Status DeadLetterQueueReporter::Report(const ErrorReport& report) {
  absl::Status s =
      producer_->Send(DeadLetterRecord(options_.topic, report, options_.context_headers));
  if (s.ok()) ++queued_;
  return s;
}

absl::Status DeadLetterQueueReporter::Flush() {
  if (queued_ == 0) return absl::OkStatus();
  absl::Status s = producer_->Flush(static_cast<int>(options_.flush_timeout.count()));
  if (!s.ok()) {
    return absl::Status(s.code(),
                        absl::StrCat("dead-letter queue ", options_.topic, ": ", s.message()));
  }
  sent_ += queued_;
  queued_ = 0;
  return absl::OkStatus();
}

}  // namespace ferry::errors
