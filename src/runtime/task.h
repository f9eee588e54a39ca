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
#include "errors/error_report.h"
#include "errors/reporter.h"
#include "errors/retry.h"
#include "kafka/consumer.h"
#include "record/sink_record.h"
#include "sink/sink_writer.h"
#include "transform/transform_chain.h"

namespace ferry::runtime {

enum class TaskState { kUnassigned, kRunning, kPaused, kFailed, kRestarting, kStopped };
std::string_view TaskStateName(TaskState state);

// How a task treats errors: Connect's errors.* keys and ferry's own.
struct ErrorPolicy {
  bool tolerate_all = false;  // errors.tolerance=all
  // errors.retry.timeout / errors.retry.delay.max.ms: transient failures at
  // any stage (converters, transforms, BigQuery) are retried on Connect's
  // schedule until the timeout; a write still failing then fails the task.
  errors::RetryPolicy retry;
  // ferry.kafka.retention.loss.skip: continue past offsets the broker deleted
  // before they were processed (default: stop the task).
  bool skip_retention_loss = false;
  size_t recent_errors = 20;  // ferry.task.errors.recent.max
};

// ferry.task.restart.*: what happens to a task that failed.
struct RestartPolicy {
  bool enabled = true;  // ferry.task.restart.policy=on-failure (never: stays FAILED)
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{60000};
  int max_attempts = -1;  // consecutive restarts before giving up; -1 = no limit.
};

// What became of a record processed in place of a consumed one
// (TaskOptions::substitute), as TaskOptions::on_outcome hears it.
enum class RecordOutcome {
  kWritten,   // the writer delivered it.
  kFiltered,  // a transform or predicate dropped it.
  kFailed,    // failed at some stage; reported (tolerance all).
};

struct TaskOptions {
  std::string connector_name;
  int task_id = 0;
  kafka::ConsumerOptions consumer;  // listener is set by the task.
  int max_poll_records = 5000;
  std::chrono::milliseconds poll_timeout{200};
  std::chrono::milliseconds offset_flush_interval{60000};
  ErrorPolicy errors;
  RestartPolicy restart;
  // Told when the task has made its final commit before leaving the group
  // because it was asked to stop (not when it failed); returns once every
  // other stopping task of the connector has too. A member leaving starts a
  // rebalance, during which the others' commits would be refused.
  std::function<void()> before_close;
  // Told when the task starts running (joins) and when it leaves without
  // waiting in before_close (it failed).
  std::function<void()> on_join;
  std::function<void()> on_leave;
  // Replays (replay/replayer.h): the record to process in place of each
  // consumed one. Its key, value, headers, timestamp, topic, partition and
  // offset are what the converters, transforms and writer see and what a
  // failure reports; null passes over the consumed record (committed past,
  // counted as filtered). The consumed record's position still drives the
  // commits and the writer's exactly-once ledger. Unset: records are
  // processed as consumed.
  std::function<std::shared_ptr<const RawRecord>(const RawRecord& consumed)> substitute;
  // Told what became of each record that substitute gave.
  std::function<void(const RawRecord& consumed, RecordOutcome outcome)> on_outcome;
  // false: no offset is ever committed (dry runs; the writer must not ask
  // for a checkpoint).
  bool commit_offsets = true;
};

// One error kept for status (the last N per task), with its context.
struct TaskError {
  std::chrono::system_clock::time_point time;
  std::string stage;  // KEY_CONVERTER, VALUE_CONVERTER, HEADER_CONVERTER, TRANSFORMATION, TASK_PUT,
                      // KAFKA_CONSUME, KAFKA_PRODUCE
  std::string message;  // with topic/partition/offset context.
  std::string topic;    // the record's, when the error is about one record.
  int32_t partition = -1;
  int64_t offset = -1;
  std::string exception_class;
};

struct TaskStatus {
  TaskState state = TaskState::kUnassigned;
  std::string trace;  // the failure, when FAILED (and kept while RESTARTING).
  // When the first record arrived (throughput is measured from here: the
  // group join before it is not the pipeline's cost).
  std::optional<std::chrono::steady_clock::time_point> first_record_time;
  int64_t records_consumed = 0;
  int64_t records_written = 0;
  int64_t records_filtered = 0;
  int64_t records_skipped = 0;        // record-fatal errors tolerated.
  int64_t records_dead_lettered = 0;  // of those, acknowledged by the dead-letter queue.
  int64_t bigquery_rejections = 0;    // rows BigQuery refused (tolerated or not).
  int64_t write_retries = 0;
  int64_t restarts = 0;
  int64_t offsets_lost_to_retention = 0;
  // Errors the Kafka client reported and retries past (an unreachable
  // broker, all brokers down); each is in recent_errors too.
  int64_t kafka_client_errors = 0;
  std::vector<kafka::LostRange> lost_ranges;
  std::vector<TaskError> recent_errors;
  // Written position (next offset) and last known high watermark per
  // assigned partition; the drain check compares the two.
  std::map<kafka::TopicPartition, std::pair<int64_t, int64_t>> progress;
  // Records behind the high watermark, over the assigned partitions.
  int64_t Lag() const;
};

struct TaskComponents {
  std::unique_ptr<Converter> key_converter;
  std::unique_ptr<Converter> value_converter;
  std::unique_ptr<HeaderConverter> header_converter;
  std::unique_ptr<TransformChain> transforms;
  std::unique_ptr<SinkWriter> writer;
  // The classes as Connect names them (__connect.errors.class.name).
  std::string key_converter_class;
  std::string value_converter_class;
  std::string header_converter_class;
  // Where tolerated failures go: the log, the dead-letter queue, the error
  // table (in this order). Empty = counted and kept in status only.
  std::vector<std::unique_ptr<errors::ErrorReporter>> reporters;
  bool has_dead_letter_queue = false;
};

// Builds a task's components: at start and again for every restart.
using ComponentsFactory = std::function<absl::StatusOr<TaskComponents>()>;

// A sink task: poll → convert → transform → write → commit, on its own thread.
// Offsets are committed only for records that are written (or filtered, or
// tolerated failures), as a contiguous prefix per partition.
class SinkTask : public kafka::RebalanceListener {
 public:
  SinkTask(TaskOptions options, ComponentsFactory factory);
  ~SinkTask() override;

  // The task thread's body: returns when Stop() is called, or when the task
  // failed and is not restarted (policy never, attempts used up, or a
  // failure a restart cannot fix). A failed task is restarted with fresh
  // components after a backoff, keeping its status and counters.
  void Run();
  // Asks Run() to return (thread-safe).
  void Stop();
  // Pauses or resumes consumption (thread-safe): a paused task stays in its
  // group and keeps its partitions, but takes no records (PAUSED).
  void Pause();
  void Resume();
  // Whether Run() ended with the task FAILED for good.
  bool FailedForGood() const;

  TaskStatus Status() const;  // thread-safe snapshot.

  // RebalanceListener (called on the task thread from Poll).
  void OnAssigned(const std::map<kafka::TopicPartition, kafka::OffsetAndMetadata>& start) override;
  void OnRevoked(const std::vector<kafka::TopicPartition>& partitions) override;
  void OnLost(const std::vector<kafka::TopicPartition>& partitions) override;
  // Drops the task's state of partitions it no longer owns.
  void Forget(const std::vector<kafka::TopicPartition>& partitions);

 private:
  // One run: join, poll → process → commit until stopped or failed. Returns
  // the failure (OK when stopped), and whether a restart may fix it.
  absl::Status RunOnce(bool* restartable);
  // Outcome of processing one polled batch; a non-OK status fails the task.
  absl::Status ProcessBatch(std::vector<RawRecord>& batch, bool* restartable);
  // Converts and transforms one record; on failure, fills `report` with the
  // stage, executing class and exception.
  // `raw` is what is converted; `consumed` what was read (they differ only
  // with TaskOptions::substitute).
  absl::StatusOr<std::optional<SinkRecord>> ConvertAndTransform(
      const std::shared_ptr<const RawRecord>& raw, const std::shared_ptr<const RawRecord>& consumed,
      errors::ErrorReport* report);
  // Runs one stage's operation, retrying transient failures per the policy.
  template <typename Op>
  auto WithRetry(Op op) -> decltype(op());
  // Waits, or returns false early when the task is asked to stop.
  bool WaitUnlessStopped(std::chrono::milliseconds delay);
  // A tolerated failure: to the reporters, counted and kept.
  absl::Status Tolerate(const errors::ErrorReport& report);
  absl::Status HandleLost(const std::vector<kafka::LostRange>& lost);
  // Writes records, retrying retriable results per the retry policy until
  // each is delivered or rejected, or the task is stopped. Retriable results
  // left when the policy's timeout has passed fail the task (Unavailable).
  absl::Status WriteWithRetry(const std::vector<const SinkRecord*>& records,
                              std::vector<RecordResult>* results);
  absl::Status CommitPending(bool sync);
  // The writer's Checkpoint: commits the partitions' current positions with
  // the writer's metadata, synchronously.
  absl::Status Checkpoint(const std::vector<kafka::TopicPartition>& partitions);
  void RecordError(std::string stage, std::string message, const RawRecord* raw = nullptr,
                   std::string exception_class = "");
  void Fail(const absl::Status& status);
  std::string Context(const RawRecord& raw) const;

  const TaskOptions options_;
  ComponentsFactory factory_;
  TaskComponents c_;
  std::atomic<bool> pause_requested_{false};
  std::atomic<bool> failed_for_good_{false};
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
  bool tombstone_logged_ = false;  // task-thread only: the first skip is logged.

  mutable std::mutex mu_;
  TaskStatus status_;  // guarded by mu_
};

}  // namespace ferry::runtime
