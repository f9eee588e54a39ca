#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "record/sink_record.h"

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
};

}  // namespace ferry
