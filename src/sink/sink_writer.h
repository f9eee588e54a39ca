#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "record/sink_record.h"
#include "record/topic_partition.h"

namespace ferry {

// What became of one record handed to a writer (Vector's event status).
enum class WriteStatus {
  kDelivered,  // durably in the destination.
  kRetriable,  // not written; the same record may be written again later.
  kRejected,   // the destination refuses this record; it goes to the DLQ.
};

struct RecordResult {
  WriteStatus status = WriteStatus::kRetriable;
  std::string reason;    // for kRetriable / kRejected: why, as the destination said it.
  std::string location;  // for kRejected: the field or column at fault, if known.
};

// The seam between the task loop and a destination. One instance per task;
// thread-compatible (called from the task's thread only). Implementations
// must report errors found in a successful response (BigQuery row_errors /
// insertErrors) as kRejected records, never as success.
class SinkWriter {
 public:
  SinkWriter() = default;
  SinkWriter(const SinkWriter&) = delete;
  SinkWriter& operator=(const SinkWriter&) = delete;
  virtual ~SinkWriter() = default;

  // Writes a batch. Returns exactly one result per record, in order. A non-OK
  // status means the batch as a whole hit a task-level problem (auth,
  // permission, a missing table that may not be created): nothing in it is
  // known to be written, and the task should fail with this status.
  [[nodiscard]] virtual absl::StatusOr<std::vector<RecordResult>> Write(
      absl::Span<const SinkRecord* const> records) = 0;

  // Partition lifecycle, as Connect's SinkTask open/close/preCommit. Writers
  // that keep state with the Kafka offsets (exactly-once) override these; the
  // defaults suit a stateless writer.
  //
  // Makes the current commit position of the given partitions durable with
  // their current CommitMetadata(), synchronously. Set by the task before
  // any Open(); a writer calls it from inside Write() before it first uses
  // state that a restart must find (e.g. a new write stream).
  using Checkpoint = std::function<absl::Status(const std::vector<TopicPartition>&)>;
  virtual void SetCheckpoint(Checkpoint checkpoint) { (void)checkpoint; }

  // Partitions were assigned; `committed_metadata` holds the metadata that
  // was committed with each one's offset ("" when none). Records of these
  // partitions are written only after this returns OK; non-OK fails the task.
  [[nodiscard]] virtual absl::Status Open(
      const std::map<TopicPartition, std::string>& committed_metadata) {
    (void)committed_metadata;
    return absl::OkStatus();
  }

  // The metadata to commit with `offset` of the partition, an offset
  // Committable() gave. Called when the task commits; offsets never decrease
  // between calls.
  virtual std::string CommitMetadata(const TopicPartition& tp, int64_t offset) {
    (void)tp;
    (void)offset;
    return std::string();
  }

  // Connect's flush: makes records written but not durable yet (batch mode's
  // PENDING streams) durable when due, or now when `all` (before the final
  // commit at revocation and shutdown). Called by the task between batches.
  // Transient trouble is the writer's to retry later; non-OK fails the task.
  [[nodiscard]] virtual absl::Status Flush(bool all) {
    (void)all;
    return absl::OkStatus();
  }

  // Connect's preCommit: the offset the task may commit for a partition whose
  // records below `resolved` were all resolved by Write(). A writer holding
  // written records that are not durable yet returns a lower offset (the
  // first such record's); the default is `resolved`. Non-decreasing.
  virtual int64_t Committable(const TopicPartition& tp, int64_t resolved) {
    (void)tp;
    return resolved;
  }

  // The partitions were lost to another member without a revocation: drop
  // their state without finalizing, committing or flushing anything of it.
  virtual void Abandon(const std::vector<TopicPartition>& partitions) { (void)partitions; }

  // The partitions are let go (on revocation and at shutdown). Everything
  // they wrote is already resolved. A writer may end what it holds open for
  // them (e.g. finalize write streams) and must keep their CommitMetadata()
  // saying so: the task makes its final commit after Close(), then calls
  // Abandon() to drop their state.
  virtual void Close(const std::vector<TopicPartition>& partitions) { (void)partitions; }
};

}  // namespace ferry
