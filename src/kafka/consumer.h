#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "record/sink_record.h"
#include "record/topic_partition.h"

struct rd_kafka_s;
struct rd_kafka_topic_partition_list_s;

namespace ferry::kafka {

using ::ferry::TopicPartition;

struct OffsetAndMetadata {
  int64_t offset = -1;  // next offset to consume; -1 = none committed.
  std::string metadata;
};

// Told about partition ownership changes. Called on the consumer's polling
// thread, from inside Poll(), so a listener may flush and commit synchronously
// before a revoked partition is let go (Connect's onPartitionsRevoked).
class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // `start` holds where consumption of each partition begins (the committed
  // offset, or -1 when the group has none and auto.offset.reset applies).
  virtual void OnAssigned(const std::map<TopicPartition, OffsetAndMetadata>& start) = 0;
  // Partitions are about to be taken away; commit what is done now.
  virtual void OnRevoked(const std::vector<TopicPartition>& partitions) = 0;
  // Partitions were lost (this member left the group, e.g. after
  // max.poll.interval.ms without a poll): another member may own them
  // already, so nothing may be committed or closed for them; forget them.
  virtual void OnLost(const std::vector<TopicPartition>& partitions) { (void)partitions; }
};

// A range of offsets that the broker no longer has and that this consumer
// had not processed: data lost to retention.
struct LostRange {
  TopicPartition tp;
  int64_t from = 0;  // first lost offset (the position we wanted).
  int64_t to = 0;    // first offset still available (exclusive end).
};

struct ConsumerOptions {
  // librdkafka properties (bootstrap.servers, group.id, overrides...).
  std::map<std::string, std::string> properties;
  std::vector<std::string> topics;
  std::string topics_regex;               // used when topics is empty.
  RebalanceListener* listener = nullptr;  // not owned; may be null.
  // Where a partition with no committed offset starts: "earliest" or "latest".
  std::string auto_offset_reset = "earliest";
  // Java's default.api.timeout.ms: bounds the blocking calls the consumer
  // makes for the task (committed offsets on assignment, watermarks). 0 =
  // ferry's defaults (30 s, 10 s).
  int api_timeout_ms = 0;
};

// A librdkafka consumer in a consumer group, with offsets committed only
// explicitly (enable.auto.commit=false) and an out-of-range position on a
// committed offset reported as a LostRange instead of being reset silently.
// Thread-compatible: use from one thread.
class Consumer {
 public:
  static absl::StatusOr<std::unique_ptr<Consumer>> Create(ConsumerOptions options);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Appends up to max_records records to out, waiting at most timeout_ms for
  // the first. Serves rebalance callbacks. A position that fell out of range
  // is appended to lost (the consumer stays where it was until Seek()).
  absl::Status Poll(int max_records, int timeout_ms, std::vector<RawRecord>* out,
                    std::vector<LostRange>* lost);

  // Commits the given positions (next offset to consume) with metadata. An
  // asynchronous commit's outcome arrives later, in a Poll(); either way only
  // acknowledged positions show in Acknowledged().
  absl::Status Commit(const std::map<TopicPartition, OffsetAndMetadata>& offsets, bool sync);
  // Positions the broker has acknowledged as committed by this consumer.
  const std::map<TopicPartition, int64_t>& Acknowledged() const { return acknowledged_; }
  // The last commit failure seen (OK if none since the last call).
  absl::Status TakeCommitError();

  // Moves consumption of a partition to offset, e.g. past a lost range. Works
  // also on a partition whose fetcher stopped on an out-of-range error (where
  // a plain seek is refused), by re-assigning it; other partitions keep their
  // positions.
  absl::Status Seek(const TopicPartition& tp, int64_t offset);

  // Low and high watermarks as last seen by the fetcher (cached; no request).
  bool CachedWatermarks(const TopicPartition& tp, int64_t* low, int64_t* high) const;
  // Low and high watermarks from the broker.
  absl::Status QueryWatermarks(const TopicPartition& tp, int64_t* low, int64_t* high,
                               int timeout_ms);

  std::vector<TopicPartition> Assignment() const;

  // Pauses (or resumes) fetching of every assigned partition, and of those
  // assigned later while paused; Poll() keeps serving the group meanwhile.
  // Records fetched but not returned yet are fetched again on resume.
  absl::Status SetPaused(bool paused);
  bool paused() const { return paused_; }
  const std::string& group_id() const { return group_id_; }

  // Leaves the group (revoking, so the listener commits) and closes.
  void Close();

  // The client's errors seen by Poll() since the last call (a broker that
  // cannot be reached, with its address; all brokers down; authentication),
  // which librdkafka survives by retrying: the caller reports them.
  std::vector<std::string> TakeClientErrors();

 private:
  Consumer() = default;
  void OnCommitResult(int err, rd_kafka_topic_partition_list_s* offsets);
  void OnClientError(std::string error);
  static void RebalanceTrampoline(rd_kafka_s* rk, int err, rd_kafka_topic_partition_list_s* parts,
                                  void* opaque);
  void OnRebalance(int err, rd_kafka_topic_partition_list_s* parts);

  rd_kafka_s* rk_ = nullptr;
  RebalanceListener* listener_ = nullptr;
  // Where each assigned partition was started (offset or logical), for
  // re-assignments before anything of it was consumed.
  std::map<TopicPartition, int64_t> assigned_start_;
  std::map<TopicPartition, int64_t> acknowledged_;
  absl::Status commit_error_;
  std::string group_id_;
  std::string auto_offset_reset_;
  bool closed_ = false;
  bool paused_ = false;
  absl::Status rebalance_error_;
  int api_timeout_ms_ = 0;
  std::mutex client_errors_mu_;  // librdkafka may call back from its threads.
  std::vector<std::string> client_errors_;
};

// Reads a topic from its beginning to the end it has when reading starts,
// with a throwaway consumer group, handing each record to on_record. Offsets
// the broker no longer has are DataLoss; taking longer than timeout is
// DeadlineExceeded.
absl::Status ReadTopicToEnd(const std::string& bootstrap_servers, const std::string& topic,
                            const std::function<void(const RawRecord&)>& on_record,
                            std::chrono::milliseconds timeout);

// The offsets a consumer group has committed for the partitions of a topic
// (-1 for a partition without one), read with a consumer of that group that
// does not join it.
absl::StatusOr<std::map<int32_t, int64_t>> CommittedOffsets(const std::string& bootstrap_servers,
                                                            const std::string& group,
                                                            const std::string& topic,
                                                            int partitions);

// The low and high watermarks (first offset still held, next offset to be
// written) of each partition of a topic, from the broker.
absl::StatusOr<std::map<int32_t, std::pair<int64_t, int64_t>>> Watermarks(
    const std::string& bootstrap_servers, const std::string& topic, int partitions);

// Checks one consumer property as librdkafka would take it; "" when fine,
// else librdkafka's message (e.g. an unknown or Java-only property).
std::string CheckConsumerProperty(const std::string& key, const std::string& value);

// Formats librdkafka's error code as "Local: Broker transport failure (-195)".
std::string KafkaErrorString(int err);

}  // namespace ferry::kafka
