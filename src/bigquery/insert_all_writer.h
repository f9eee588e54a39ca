#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "bigquery/rest_client.h"
#include "bigquery/retry_budget.h"
#include "bigquery/table_schema.h"
#include "sink/sink_writer.h"

namespace ferry::bigquery {

struct InsertAllWriterOptions {
  // A request's body is kept under this many bytes when it holds more than one
  // row (BigQuery refuses bodies over 10,485,760 bytes; the headroom is for its
  // internal representation, which the quotas page warns can be larger).
  int64_t max_request_bytes = 10 * 1024 * 1024 - 512 * 1024;
  // Rows per request (BigQuery's limit; kcbq's bqStreamingMaxRowsPerRequest).
  int64_t max_rows = 50000;
  // kcbq's bigQueryRetry and bigQueryRetryWait: a retriable failure is tried
  // again up to `retries` times, each after retry_wait plus a uniformly random
  // jitter in [0, max_jitter) (kcbq adds up to 1 s).
  int retries = 0;
  absl::Duration retry_wait = absl::Seconds(1);
  absl::Duration max_jitter = absl::Seconds(1);
  // The request flags; kcbq sends both false.
  bool skip_invalid_rows = false;
  bool ignore_unknown_values = false;
};

// One row for tabledata.insertAll: its `json` object as JSON text (see
// json_rows.h) and its insertId (empty = none; kcbq's is KcbqInsertId()).
struct InsertAllRow {
  std::string insert_id;
  std::string json;
};

// Writes rows through tabledata.insertAll (kcbq's useStorageWriteApi=false
// path), at-least-once: BigQuery de-duplicates insertIds on a best-effort basis
// only (about a minute).
//
// Rows are sent in requests of at most max_rows rows and max_request_bytes
// bytes. Per request:
// - 200: rows without insertErrors are kDelivered. A row with an "invalid"
//   error (or any other non-transient reason) is kRejected with BigQuery's
//   message and location; rows only "stopped" by it are sent again at once
//   without it. Rows with a transient per-row reason (backendError,
//   internalError, timeout, quotaExceeded, rateLimitExceeded) are retried.
// - Too large (400 "Request payload size exceeds the limit", 400 "too many rows
//   present in the request", a 400 without Google's error body, or a 413 such
//   as Google's front end answers with an HTML page): the rows are split in
//   halves and each half is sent on its own; a single row still too large is
//   kRejected.
// - Retriable (5xx, any status with reason backendError or internalError, 403
//   or 429 with quotaExceeded / rateLimitExceeded, 429, no HTTP response at
//   all): sent again after the retry wait, up to `retries` times, each retry
//   logged (without request bodies or credentials); then the rows are
//   kRetriable with the last error.
// - Anything else (401, 403, 404, other 400s): the call returns that error
//   (a task-level problem); rows of earlier requests may have been written.
//
// Thread-compatible: one task thread calls Insert. The RestClient must outlive
// the writer.
class InsertAllWriter {
 public:
  InsertAllWriter(RestClient& rest, InsertAllWriterOptions options);
  InsertAllWriter(const InsertAllWriter&) = delete;
  InsertAllWriter& operator=(const InsertAllWriter&) = delete;

  // One result per row, in order. Retries come out of `budget` when given
  // (shared by the calls of one sink Write: once spent, no further request
  // is sent and the rows left are kRetriable), else out of options.retries.
  [[nodiscard]] absl::StatusOr<std::vector<RecordResult>> Insert(
      const TableReference& table, absl::Span<const InsertAllRow> rows,
      RetryBudget* budget = nullptr);

 private:
  absl::Status Send(const TableReference& table, const std::vector<std::string>& pieces,
                    std::vector<size_t> rows, std::vector<RecordResult>& results,
                    RetryBudget& budget);
  std::string Body(const std::vector<std::string>& pieces, const std::vector<size_t>& rows) const;
  void Wait();

  RestClient& rest_;
  InsertAllWriterOptions options_;
  std::mt19937_64 random_;
};

}  // namespace ferry::bigquery
