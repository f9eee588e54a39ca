#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "errors/error_report.h"
#include "record/sink_record.h"

namespace ferry::replay {

// True for a __connect.errors.* or __ferry.errors.* header key (the context
// headers errors/dead_letter_queue.h names): the headers ParseDlqRecord removes
// from the original record.
bool IsErrorContextHeader(std::string_view key);

// Where a record sits in the dead-letter queue topic.
struct DlqPosition {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
};

// "dlq-topic/2@1234", as error messages name a DLQ record.
std::string DescribeDlqPosition(const DlqPosition& position);

// One DLQ record taken apart: the original record as it was consumed when it
// last failed, and the context of that failure.
struct DlqEntry {
  // topic/partition/offset from the context headers; key, value, timestamp
  // and timestamp type from the DLQ record itself (Connect copies the
  // original's key, value and timestamp); headers are the DLQ record's
  // without any __connect.errors.* / __ferry.errors.* header, in order.
  RawRecord original;

  // The latest failure (the last set of context headers).
  std::string connector_name;
  std::optional<int32_t> task_id;  // nullopt when the header is absent.
  // The stage as written ("TASK_PUT"); `stage` is nullopt for a name ferry
  // has no Stage for (Connect's TASK_POLL, which only source tasks have).
  std::string stage_name;
  std::optional<errors::Stage> stage;
  std::string executing_class;  // __connect.errors.class.name
  std::string exception_class;  // empty when Connect had no exception.
  std::string message;          // empty when absent or null.
  std::string stacktrace;       // empty when absent.
  std::string bigquery_reason;  // empty unless BigQuery rejected the row.
  std::string bigquery_location;
  std::string bigquery_table;

  // How many sets of context headers the DLQ record carries: 1 for a record
  // that failed once; more when a record that already carried a set failed
  // again and went to a DLQ with its headers kept (Connect keeps every
  // header of the record it consumed).
  int failure_count = 0;

  DlqPosition dlq;
};

// Takes a record read from a dead-letter queue topic apart.
//
// A record may carry several sets of context headers (it was replayed and
// failed again, or went through a chain of DLQs); the latest failure is the
// last set. A set ends where one of its keys repeats, so a later failure
// never inherits an optional header (exception, BigQuery reason) of an
// earlier one.
//
// Errors, each naming the DLQ position:
//   FailedPrecondition: no __connect.errors.* header at all (the connector
//     ran with errors.deadletterqueue.context.headers.enable=false, so the
//     original topic, partition and offset are unknown).
//   InvalidArgument: the latest set lacks topic, partition, offset or stage,
//     or one of them (or task.id) is null, empty, not a decimal number, out
//     of range, or negative.
absl::StatusOr<DlqEntry> ParseDlqRecord(const RawRecord& dlq);

}  // namespace ferry::replay
