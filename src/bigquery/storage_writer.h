#pragma once

#include <google/protobuf/descriptor.pb.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "bigquery/auth.h"
#include "bigquery/retry_budget.h"
#include "bigquery/table_schema.h"
#include "sink/sink_writer.h"

namespace ferry::bigquery {

struct StorageWriterOptions {
  // "host:port" (TLS when the port is 443 or the host is *.googleapis.com,
  // plaintext otherwise, e.g. the emulator), "https://host:port" (TLS) or
  // "http://host:port" (plaintext).
  std::string endpoint = "bigquerystorage.googleapis.com:443";
  std::shared_ptr<TokenSource> token_source;  // null = anonymous.
  int64_t max_request_bytes = 10 * 1024 * 1024 - 512 * 1024;
  // Requests kept in flight on one stream before waiting for a response.
  int max_in_flight = 10;
  // Retries after a retriable failure (kcbq's bigQueryRetry), waiting
  // retry_wait, 2x, 4x, ... capped at max_retry_wait (bigQueryRetryWait).
  int retries = 0;
  absl::Duration retry_wait = absl::Seconds(1);
  absl::Duration max_retry_wait = absl::Seconds(60);
  // A response not received within this is treated as a broken connection.
  absl::Duration response_timeout = absl::Seconds(120);
  // Streams are reopened after this long (BigQuery closes idle ones anyway).
  absl::Duration stream_lifetime = absl::Minutes(30);
};

enum class WriteStreamType { kCommitted, kPending };

// What AppendAt did with a run of rows bound to consecutive stream offsets.
struct OffsetAppendResult {
  // One per row: kDelivered rows are in the stream at their offsets and form
  // a prefix of the rows not kRejected; kRejected rows (BigQuery's row_errors,
  // or too large for a request) took no offset; the rest are kRetriable.
  std::vector<RecordResult> results;
  // The stream's end after the delivered rows (first_offset + delivered).
  int64_t next_offset = 0;
  // Non-OK when the stream takes no more rows (finalized, not found, a schema
  // it refuses): the caller must move to a new stream; `finalized` tells
  // which, as the rows already in it then count.
  absl::Status stream_problem;
  bool finalized = false;
  // The server named no StorageError (the status code alone, as servers
  // other than BigQuery may send): the caller asks it what the stream is
  // (GetWriteStream, FinalizeWriteStream) rather than trust the code.
  bool unexplained = false;
};

// What GetWriteStream says of an explicit stream.
struct WriteStreamInfo {
  WriteStreamType type = WriteStreamType::kCommitted;
  bool committed = false;  // a PENDING stream's rows were committed (commit_time set).
};

// Appends serialized proto rows to tables' `_default` streams through the
// Storage Write API (BigQueryWrite.AppendRows), at-least-once.
//
// One long-lived bidi stream per table on one shared channel. The first
// request on a stream carries write_stream and the writer schema; later ones
// only rows (and the schema again if it changed). A batch is split into
// requests under max_request_bytes; up to max_in_flight requests are
// pipelined and responses matched to them in order (BigQuery answers a
// connection's requests in order). A response with row_errors rejected the
// whole request: the named rows are kRejected with BigQuery's message and the
// others are sent again. A broken stream is reopened; requests without a
// response are sent again (they may have been appended: the _default stream
// is at-least-once). UNAVAILABLE, INTERNAL, RESOURCE_EXHAUSTED,
// DEADLINE_EXCEEDED, ABORTED and CANCELLED are retried with backoff, then
// reported kRetriable.
//
// Thread-compatible: one task thread calls Append; an internal watchdog
// thread only cancels streams whose response is overdue.
class StorageWriter {
 public:
  static absl::StatusOr<std::unique_ptr<StorageWriter>> Create(StorageWriterOptions options);
  ~StorageWriter();
  StorageWriter(const StorageWriter&) = delete;
  StorageWriter& operator=(const StorageWriter&) = delete;

  // One result per row, in order. Non-OK: a task-level problem (table not
  // found, permission, authentication, a writer schema the table refuses) -
  // rows may have been appended before it was found.
  //
  // Every call below retries out of `budget` when one is given (shared by the
  // calls of one sink Write; a spent budget makes a call return at once, its
  // rows kRetriable or its status UNAVAILABLE), else out of a budget of its
  // own of options.retries.
  [[nodiscard]] absl::StatusOr<std::vector<RecordResult>> Append(
      const TableReference& table, const google::protobuf::DescriptorProto& descriptor,
      absl::Span<const std::string> rows, RetryBudget* budget = nullptr);

  // Closes the table's stream (e.g. after its schema changed).
  void Reset(const TableReference& table);

  // Explicit streams (exactly-once and batch modes).
  //
  // CreateWriteStream: the new stream's full name.
  [[nodiscard]] absl::StatusOr<std::string> CreateWriteStream(const TableReference& table,
                                                              WriteStreamType type,
                                                              RetryBudget* budget = nullptr);
  // FinalizeWriteStream: the number of rows in the stream. Finalizing a
  // finalized stream again reports its row count as well.
  [[nodiscard]] absl::StatusOr<int64_t> FinalizeWriteStream(const std::string& stream,
                                                            RetryBudget* budget = nullptr);
  // GetWriteStream: NOT_FOUND when the stream (or its table) is gone.
  [[nodiscard]] absl::StatusOr<WriteStreamInfo> GetWriteStream(const std::string& stream,
                                                               RetryBudget* budget = nullptr);
  // BatchCommitWriteStreams of finalized PENDING streams of one table.
  [[nodiscard]] absl::Status BatchCommitWriteStreams(const TableReference& table,
                                                     const std::vector<std::string>& streams,
                                                     RetryBudget* budget = nullptr);

  // Appends rows to `stream` with explicit offsets: the k-th row not rejected
  // goes to offset first_offset + k. An offset BigQuery already has
  // (ALREADY_EXISTS) holds that same row from an earlier attempt - rows are a
  // deterministic function of the Kafka records - so it counts as delivered;
  // the stream's true end is found by probing with single-row appends when
  // only part of a request was there. Retriable failures are retried as in
  // Append. Non-OK: a task-level problem, as in Append.
  [[nodiscard]] absl::StatusOr<OffsetAppendResult> AppendAt(
      const std::string& stream, const google::protobuf::DescriptorProto& descriptor,
      absl::Span<const std::string> rows, int64_t first_offset, RetryBudget* budget = nullptr);
  // Closes the connection of an explicit stream (e.g. before finalizing it).
  void CloseStream(const std::string& stream);

  class Impl;

 private:
  explicit StorageWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Whether a Storage Write API status code is worth retrying.
bool IsRetriableCode(int grpc_code);

}  // namespace ferry::bigquery
