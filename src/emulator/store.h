#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bigquery/table_schema.h"

struct sqlite3;

namespace ferry::emulator {

// A table as stored, with the server-side metadata tables.get reports.
struct StoredTable {
  int64_t table_pk = 0;   // Never reused, so rows of a deleted table can't resurface.
  bigquery::Table table;  // num_rows and etag are always set.
  int64_t num_bytes = 0;
  int64_t creation_time_ms = 0;
  int64_t last_modified_time_ms = 0;
  // Bumped by every schema change (tables.patch/update that changes `schema`).
  int64_t schema_version = 1;
  // The schema before the latest change, while the Storage Write API may still
  // see it (EmulatorOptions::schema_propagation_delay), and its version.
  std::optional<bigquery::TableSchema> previous_schema;
  int64_t previous_schema_version = 0;
  int64_t schema_changed_ms = 0;
};

// Write stream types and states, as stored in `streams` (README.md).
enum class StreamType { kDefault, kCommitted, kPending, kBuffered };
enum class StreamState {
  kOpen,       // Accepts appends.
  kFinalized,  // FinalizeWriteStream was called.
  kCommitted,  // PENDING stream committed by BatchCommitWriteStreams.
  kGarbage,    // Expired uncommitted PENDING stream; its rows are gone.
};
std::string_view StreamTypeName(StreamType type);     // "DEFAULT", "COMMITTED", ...
std::string_view StreamStateName(StreamState state);  // "OPEN", "FINALIZED", ...

struct StoredStream {
  int64_t table_pk = 0;
  std::string stream_id;
  StreamType type = StreamType::kCommitted;
  StreamState state = StreamState::kOpen;
  int64_t next_offset = 0;   // Rows appended so far = the offset the next append gets.
  int64_t flushed_rows = 0;  // BUFFERED: rows [0, flushed_rows) are visible.
  int64_t create_time_ms = 0;
  std::optional<int64_t> finalize_time_ms;
  std::optional<int64_t> commit_time_ms;  // PENDING: when committed.
};

// When uncommitted PENDING streams are garbage-collected (README.md gives
// BigQuery's figures). Zero or negative = never.
struct StreamExpiry {
  int64_t pending_ttl_ms = 24 * 3600 * 1000;   // From creation, unless committed.
  int64_t finalized_ttl_ms = 4 * 3600 * 1000;  // From finalization, unless committed.
};

// One stream's failure in BatchCommitWriteStreams, with the StorageError code
// (google.cloud.bigquery.storage.v1.StorageError.StorageErrorCode) to report.
struct CommitError {
  int storage_error_code = 0;
  std::string stream_id;
  std::string message;
};
struct CommitResult {
  std::optional<int64_t> commit_time_ms;  // Set only when every stream was committed.
  std::vector<CommitError> errors;        // Non-empty = nothing was committed.
};

struct RowPage {
  std::vector<std::string> rows;      // Stored row JSON (see README.md), in row order.
  std::optional<int64_t> next_index;  // Row index of the next page, if any.
  int64_t total_rows = 0;
};

// The emulator's persistent state in one SQLite database (schema in README.md).
//
// Thread safety: every method may be called from any thread; one mutex guards
// the connection, and every mutation is one transaction. Errors carry BigQuery's
// REST wording ("Not found: Table p:d.t", "Already Exists: ...").
class Store {
 public:
  // `path` is a file name or ":memory:".
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path,
                                                     StreamExpiry expiry = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // `resource` is the REST body; the returned resource has the server fields set.
  absl::StatusOr<nlohmann::json> InsertDataset(const std::string& project_id,
                                               const std::string& dataset_id,
                                               nlohmann::json resource);
  absl::StatusOr<nlohmann::json> GetDataset(const std::string& project_id,
                                            const std::string& dataset_id);
  absl::StatusOr<std::vector<nlohmann::json>> ListDatasets(const std::string& project_id);
  // FailedPrecondition when the dataset holds tables and !delete_contents.
  absl::Status DeleteDataset(const std::string& project_id, const std::string& dataset_id,
                             bool delete_contents);

  // The table must already be valid (bigquery::ValidateTable). Creates its _default stream.
  absl::StatusOr<StoredTable> InsertTable(const bigquery::Table& table);
  absl::StatusOr<StoredTable> GetTable(const bigquery::TableReference& ref);
  absl::StatusOr<std::vector<StoredTable>> ListTables(const std::string& project_id,
                                                      const std::string& dataset_id);
  absl::Status DeleteTable(const bigquery::TableReference& ref);

  // tables.patch/update: `mutate` gets the current table (under the store's lock,
  // so check-then-write is atomic) and returns the new resource, or an error
  // which is returned as is. The new resource replaces the old; when its schema
  // differs, schema_version is bumped and the old schema kept as previous_schema
  // for `propagation_delay_ms` (unless an older one is still within its window).
  absl::StatusOr<StoredTable> UpdateTable(
      const bigquery::TableReference& ref,
      const std::function<absl::StatusOr<bigquery::Table>(const StoredTable&)>& mutate,
      int64_t now_ms, int64_t propagation_delay_ms);

  // Appends `rows` (stored row JSON) through the stream `stream_id` of the table
  // whose table_pk is `table_pk`, all or nothing in one transaction. Returns the
  // stream offset of the first row. NotFound when the table was deleted meanwhile.
  absl::StatusOr<int64_t> AppendRows(int64_t table_pk, std::string_view stream_id,
                                     const std::vector<std::string>& rows);

  // --- Storage Write API streams. Every call first garbage-collects expired
  // PENDING streams (StreamExpiry, measured against `now_ms`). NotFound errors
  // name no entity; the caller words them.

  // A new COMMITTED, PENDING or BUFFERED stream with a generated id.
  absl::StatusOr<StoredStream> CreateStream(const bigquery::TableReference& ref, StreamType type,
                                            int64_t now_ms);
  // NotFound for a missing table or stream and for a garbage-collected stream.
  // "_default" is reported as an OPEN kDefault stream created with the table.
  absl::StatusOr<StoredStream> GetStream(const bigquery::TableReference& ref,
                                         const std::string& stream_id, int64_t now_ms);
  // Appends to an explicit stream, all or nothing. With `offset`, the append
  // happens only at the stream's end: AlreadyExists "The offset is within
  // stream, expected offset N, received M" when it is before,
  // OutOfRange "The offset is beyond stream, expected offset N, received M"
  // when after. FailedPrecondition "Stream has been finalized" (finalized or
  // committed); NotFound (missing or garbage-collected). Rows of COMMITTED
  // streams become visible at once, PENDING ones on commit, BUFFERED ones on
  // flush. Returns the offset of the first row.
  absl::StatusOr<int64_t> AppendToStream(int64_t table_pk, const std::string& stream_id,
                                         std::optional<int64_t> offset,
                                         const std::vector<std::string>& rows, int64_t now_ms);
  // Finalizes an explicit stream and returns its row count. Finalizing again (or
  // after commit) returns the same count. NotFound as GetStream.
  absl::StatusOr<int64_t> FinalizeStream(const bigquery::TableReference& ref,
                                         const std::string& stream_id, int64_t now_ms);
  // Makes a BUFFERED stream's rows up to and including `offset` visible.
  // FailedPrecondition "type" for a non-BUFFERED stream, FailedPrecondition
  // "finalized" for a finalized one, OutOfRange past the last appended row,
  // AlreadyExists when rows through `offset` were already flushed.
  absl::StatusOr<int64_t> FlushStream(const bigquery::TableReference& ref,
                                      const std::string& stream_id, int64_t offset, int64_t now_ms);
  // Commits PENDING, finalized streams of one table atomically, in the given
  // order. NotFound only for a missing table; per-stream problems are returned
  // in CommitResult::errors and nothing is committed.
  absl::StatusOr<CommitResult> CommitStreams(const bigquery::TableReference& ref,
                                             const std::vector<std::string>& stream_ids,
                                             int64_t now_ms);

  // Rows [start_index, start_index + max_rows), stopping early once `max_bytes`
  // of row data were read (at least one row is always returned).
  absl::StatusOr<RowPage> ReadRows(const bigquery::TableReference& ref, int64_t start_index,
                                   int64_t max_rows, int64_t max_bytes);

 private:
  // The lock, transaction and stream expiry every Storage Write API call starts with.
  class StreamCall;

  Store(sqlite3* db, StreamExpiry expiry) : db_(db), expiry_(expiry) {}
  absl::Status Exec(const char* sql);
  absl::Status Migrate(int64_t from_version);
  absl::Status ExpireStreamsLocked(int64_t now_ms);
  absl::StatusOr<StoredStream> GetStreamLocked(int64_t table_pk, const std::string& stream_id);
  // Moves `stream_id`'s pending rows with stream_offset < `end_offset` into `rows`.
  absl::Status PublishLocked(int64_t table_pk, const std::string& stream_id, int64_t end_offset,
                             int64_t now_ms);
  absl::StatusOr<StoredTable> GetTableLocked(const bigquery::TableReference& ref);
  absl::StatusOr<bool> DatasetExistsLocked(const std::string& project_id,
                                           const std::string& dataset_id);

  std::mutex mu_;
  sqlite3* db_;  // Guarded by mu_.
  const StreamExpiry expiry_;
};

}  // namespace ferry::emulator
