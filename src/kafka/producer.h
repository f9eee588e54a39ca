#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct rd_kafka_s;

namespace ferry::kafka {

struct ProducerRecord {
  std::string topic;
  int32_t partition = -1;  // -1 = by key (librdkafka's partitioner).
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  int64_t timestamp_ms = 0;  // 0 = now.
};

// An idempotent (acks=all) librdkafka producer. Send() queues; Flush() waits
// for every queued record to be acknowledged and reports the first failure.
// Thread-safe as librdkafka's producer is.
class Producer {
 public:
  static absl::StatusOr<std::unique_ptr<Producer>> Create(
      std::map<std::string, std::string> properties);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Queues a record, waiting for queue space if the local queue is full.
  absl::Status Send(const ProducerRecord& record);
  // Waits until every queued record is acknowledged (or timeout). Non-OK
  // when some record sent since the previous Flush() was not delivered.
  absl::Status Flush(int timeout_ms);

  int64_t delivered() const { return delivered_.load(); }
  int64_t failed() const { return failed_.load(); }

  // The client's own errors since the last call (librdkafka's error
  // callback: brokers unreachable, all brokers down, authentication failed),
  // which it retries by itself, each as "<error> (<code>): <reason>". Serves
  // the producer's pending callbacks first (a poll that does not wait).
  std::vector<std::string> TakeClientErrors();

 private:
  Producer() = default;
  void OnClientError(std::string error);
  std::mutex client_errors_mu_;  // librdkafka calls back from its threads.
  std::vector<std::string> client_errors_;
  rd_kafka_s* rk_ = nullptr;
  std::atomic<int64_t> delivered_{0};
  std::atomic<int64_t> failed_{0};
  std::atomic<int64_t> failed_since_flush_{0};
  std::atomic<int> first_error_{0};  // of those since the previous Flush().
};

// Creates a topic with CreateTopics unless it exists. An existing topic (or
// one created concurrently) with a different partition count is
// FailedPrecondition naming both counts; partitions <= 0 accepts any count.
absl::Status EnsureTopic(const std::string& bootstrap_servers, const std::string& topic,
                         int partitions, int replication_factor, int timeout_ms = 30000);

// Creates a topic unless it exists (checked first with an all-topics metadata
// request, so that asking never auto-creates it). Whatever partition count an
// existing topic has is accepted. A cluster that refuses or does not answer
// CreateTopics is an error saying what to do: the topic is never left to the
// broker's auto-creation, whose partition count would be the broker's.
absl::Status CreateTopicIfMissing(const std::string& bootstrap_servers, const std::string& topic,
                                  int partitions, int replication_factor);

// Number of brokers in the cluster, from metadata.
absl::StatusOr<int> BrokerCount(const std::string& bootstrap_servers);

// Partition count of a topic, from metadata.
absl::StatusOr<int> PartitionCount(const std::string& bootstrap_servers, const std::string& topic);
// The cluster's id, as its brokers' metadata gives it (Connect's
// kafka_cluster_id). Unavailable when no broker answered within 10 s.
absl::StatusOr<std::string> ClusterId(const std::string& bootstrap_servers);

}  // namespace ferry::kafka
