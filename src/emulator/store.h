#pragma once

#include <cstdint>
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
  bigquery::Table table;  // num_rows is always set.
  int64_t num_bytes = 0;
  int64_t creation_time_ms = 0;
  int64_t last_modified_time_ms = 0;
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
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path);
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

  // Appends `rows` (stored row JSON) through the stream `stream_id` of the table
  // whose table_pk is `table_pk`, all or nothing in one transaction. Returns the
  // stream offset of the first row. NotFound when the table was deleted meanwhile.
  absl::StatusOr<int64_t> AppendRows(int64_t table_pk, std::string_view stream_id,
                                     const std::vector<std::string>& rows);

  // Rows [start_index, start_index + max_rows), stopping early once `max_bytes`
  // of row data were read (at least one row is always returned).
  absl::StatusOr<RowPage> ReadRows(const bigquery::TableReference& ref, int64_t start_index,
                                   int64_t max_rows, int64_t max_bytes);

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  absl::Status Exec(const char* sql);
  absl::StatusOr<StoredTable> GetTableLocked(const bigquery::TableReference& ref);
  absl::StatusOr<bool> DatasetExistsLocked(const std::string& project_id,
                                           const std::string& dataset_id);

  std::mutex mu_;
  sqlite3* db_;  // Guarded by mu_.
};

}  // namespace ferry::emulator
