#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "convert/converter.h"
#include "kafka/consumer.h"
#include "record/sink_record.h"
#include "sink/sink_writer.h"
#include "transform/transform_chain.h"

namespace ferry::runtime {

enum class TaskState { kUnassigned, kRunning, kPaused, kFailed, kRestarting, kStopped };
std::string_view TaskStateName(TaskState state);

// How a task treats errors, from Connect's errors.* keys (the DLQ comes with
// the errors module).
struct ErrorPolicy {
  bool tolerate_all = false;  // errors.tolerance=all
  bool log_errors = false;    // errors.log.enable
  bool log_messages = false;  // errors.log.include.messages
  // Retriable write failures are retried with backoff from 300 ms doubling up
  // to this, for as long as the task runs (Connect redelivers the batch).
  std::chrono::milliseconds retry_delay_max{60000};
  // ferry.kafka.retention.loss.skip: continue past offsets the broker deleted
  // before they were processed (default: stop the task).
  bool skip_retention_loss = false;
};

struct TaskOptions {
  std::string connector_name;
  int task_id = 0;
  kafka::ConsumerOptions consumer;  // listener is set by the task.
  int max_poll_records = 5000;
  std::chrono::milliseconds poll_timeout{200};
  std::chrono::milliseconds offset_flush_interval{60000};
  ErrorPolicy errors;
  // Called after the task's final commit and before it leaves the group.
  // The worker uses it to hold every task of a connector until all have
  // committed: a member leaving starts a rebalance, during which the others'
  // commits would be refused.
  std::function<void()> before_close;
};

// One error kept for status (the last N per task).
struct TaskError {
  std::chrono::system_clock::time_point time;
  std::string stage;  // KEY_CONVERTER, VALUE_CONVERTER, HEADER_CONVERTER, TRANSFORMATION, TASK_PUT,
                      // KAFKA_CONSUME
  std::string message;  // with topic/partition/offset context.
};

struct TaskStatus {
  TaskState state = TaskState::kUnassigned;
  std::string trace;  // the failure, when FAILED.
  // When the first record arrived (throughput is measured from here: the
  // group join before it is not the pipeline's cost).
  std::optional<std::chrono::steady_clock::time_point> first_record_time;
  int64_t records_consumed = 0;
  int64_t records_written = 0;
  int64_t records_filtered = 0;
  int64_t records_skipped = 0;  // record-fatal errors tolerated.
  int64_t write_retries = 0;
  int64_t offsets_lost_to_retention = 0;
  std::vector<kafka::LostRange> lost_ranges;
  std::vector<TaskError> recent_errors;
  // Written position (next offset) and last known high watermark per
  // assigned partition; the drain check compares the two.
  std::map<kafka::TopicPartition, std::pair<int64_t, int64_t>> progress;
};

struct TaskComponents {
  std::unique_ptr<Converter> key_converter;
  std::unique_ptr<Converter> value_converter;
  std::unique_ptr<HeaderConverter> header_converter;
  std::unique_ptr<TransformChain> transforms;
  std::unique_ptr<SinkWriter> writer;
};

// A sink task: poll → convert → transform → write → commit, on its own thread.
// Offsets are committed only for records that are written (or filtered, or
// tolerated failures), as a contiguous prefix per partition.
class SinkTask : public kafka::RebalanceListener {
 public:
  SinkTask(TaskOptions options, TaskComponents components);
  ~SinkTask() override;

  // The task thread's body: returns when Stop() is called or the task fails.
  void Run();
  // Asks Run() to return (thread-safe).
  void Stop();

  TaskStatus Status() const;  // thread-safe snapshot.

  // RebalanceListener (called on the task thread from Poll).
  void OnAssigned(const std::map<kafka::TopicPartition, kafka::OffsetAndMetadata>& start) override;
  void OnRevoked(const std::vector<kafka::TopicPartition>& partitions) override;
  void OnLost(const std::vector<kafka::TopicPartition>& partitions) override;
  // Drops the task's state of partitions it no longer owns.
  void Forget(const std::vector<kafka::TopicPartition>& partitions);

 private:
  // Outcome of processing one polled batch; a non-OK status fails the task.
  absl::Status ProcessBatch(std::vector<RawRecord>& batch);
  absl::StatusOr<SinkRecord> Convert(const std::shared_ptr<const RawRecord>& raw,
                                     std::string* stage);
  absl::Status HandleLost(const std::vector<kafka::LostRange>& lost);
  // Writes records, retrying retriable results until each is delivered or
  // rejected (or the task is stopped). `resolved[i]` tells which finished.
  absl::Status WriteWithRetry(const std::vector<const SinkRecord*>& records,
                              std::vector<RecordResult>* results);
  absl::Status CommitPending(bool sync);
  // The writer's Checkpoint: commits the partitions' current positions with
  // the writer's metadata, synchronously.
  absl::Status Checkpoint(const std::vector<kafka::TopicPartition>& partitions);
  void RecordError(std::string stage, std::string message);
  void Fail(const absl::Status& status);
  std::string Context(const RawRecord& raw) const;

  const TaskOptions options_;
  TaskComponents c_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::atomic<bool> stop_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;

  // Task-thread only: next offset to commit per partition (what is written).
  std::map<kafka::TopicPartition, int64_t> next_offset_;
  // Task-thread only: the metadata last sent with each partition's commit.
  std::map<kafka::TopicPartition, std::string> sent_metadata_;
  // Set when the writer refused an assignment (its Open failed).
  absl::Status open_error_;
  std::chrono::steady_clock::time_point last_commit_;

  mutable std::mutex mu_;
  TaskStatus status_;  // guarded by mu_
};

}  // namespace ferry::runtime
