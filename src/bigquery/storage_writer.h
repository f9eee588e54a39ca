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
  [[nodiscard]] absl::StatusOr<std::vector<RecordResult>> Append(
      const TableReference& table, const google::protobuf::DescriptorProto& descriptor,
      absl::Span<const std::string> rows);

  // Closes the table's stream (e.g. after its schema changed).
  void Reset(const TableReference& table);

  class Impl;

 private:
  explicit StorageWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Whether a Storage Write API status code is worth retrying.
bool IsRetriableCode(int grpc_code);

}  // namespace ferry::bigquery
