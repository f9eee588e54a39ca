#include "emulator/store.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ferry::emulator {
namespace {

using json = nlohmann::json;

// Version 1 of the on-disk schema, kept in PRAGMA user_version. Documented in README.md;
// later versions migrate forward in Store::Open.
constexpr int kSchemaVersion = 1;
constexpr char kSchemaSql[] = R"sql(
CREATE TABLE IF NOT EXISTS datasets (
  project_id TEXT NOT NULL,
  dataset_id TEXT NOT NULL,
  resource TEXT NOT NULL,
  creation_time_ms INTEGER NOT NULL,
  PRIMARY KEY (project_id, dataset_id)
);
CREATE TABLE IF NOT EXISTS tables (
  table_pk INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  dataset_id TEXT NOT NULL,
  table_id TEXT NOT NULL,
  resource TEXT NOT NULL,
  schema_version INTEGER NOT NULL DEFAULT 1,
  num_rows INTEGER NOT NULL DEFAULT 0,
  num_bytes INTEGER NOT NULL DEFAULT 0,
  creation_time_ms INTEGER NOT NULL,
  last_modified_time_ms INTEGER NOT NULL,
  UNIQUE (project_id, dataset_id, table_id)
);
CREATE TABLE IF NOT EXISTS streams (
  table_pk INTEGER NOT NULL,
  stream_id TEXT NOT NULL,
  type TEXT NOT NULL,
  state TEXT NOT NULL,
  next_offset INTEGER NOT NULL DEFAULT 0,
  create_time_ms INTEGER NOT NULL,
  commit_time_ms INTEGER,
  PRIMARY KEY (table_pk, stream_id)
);
CREATE TABLE IF NOT EXISTS rows (
  table_pk INTEGER NOT NULL,
  row_index INTEGER NOT NULL,
  stream_id TEXT NOT NULL,
  stream_offset INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (table_pk, row_index)
) WITHOUT ROWID;
)sql";

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

// A prepared statement; finalized on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  absl::Status status() const {
    if (rc_ == SQLITE_OK) return absl::OkStatus();
    return absl::InternalError(absl::StrCat("sqlite prepare: ", sqlite3_errmsg(db_)));
  }
  Stmt& Bind(int index, int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Stmt& Bind(int index, std::string_view value) {
    sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }
  absl::Status StepDone() {
    const int rc = Step();
    if (rc == SQLITE_DONE) return absl::OkStatus();
    return absl::InternalError(absl::StrCat("sqlite step: ", sqlite3_errmsg(db_)));
  }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return text == nullptr ? std::string() : std::string(text, sqlite3_column_bytes(stmt_, col));
  }
  std::string_view TextView(int col) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return text == nullptr ? std::string_view()
                           : std::string_view(text, sqlite3_column_bytes(stmt_, col));
  }
  absl::Status Error() const {
    return absl::InternalError(absl::StrCat("sqlite: ", sqlite3_errmsg(db_)));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

// Rolls back unless Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {
    began_ = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~Transaction() {
    if (began_ && !committed_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  absl::Status status() const {
    if (began_) return absl::OkStatus();
    return absl::InternalError(absl::StrCat("sqlite begin: ", sqlite3_errmsg(db_)));
  }
  absl::Status Commit() {
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return absl::InternalError(absl::StrCat("sqlite commit: ", sqlite3_errmsg(db_)));
    }
    committed_ = true;
    return absl::OkStatus();
  }

 private:
  sqlite3* db_;
  bool began_ = false;
  bool committed_ = false;
};

std::string DatasetName(const std::string& p, const std::string& d) {
  return absl::StrCat(p, ":", d);
}
std::string TableName(const bigquery::TableReference& ref) {
  return absl::StrCat(ref.project_id, ":", ref.dataset_id, ".", ref.table_id);
}

// Columns: table_pk, resource, num_rows, num_bytes, creation_time_ms, last_modified_time_ms.
constexpr char kSelectTable[] =
    "SELECT table_pk, resource, num_rows, num_bytes, creation_time_ms, last_modified_time_ms "
    "FROM tables ";

absl::StatusOr<StoredTable> ReadTableRow(Stmt& stmt) {
  StoredTable out;
  out.table_pk = stmt.Int(0);
  json resource = json::parse(stmt.TextView(1), nullptr, /*allow_exceptions=*/false);
  if (resource.is_discarded()) return absl::InternalError("corrupt table resource in store");
  absl::StatusOr<bigquery::Table> table = bigquery::TableFromJson(resource);
  if (!table.ok()) return table.status();
  out.table = *std::move(table);
  out.table.num_rows = stmt.Int(2);
  out.num_bytes = stmt.Int(3);
  out.creation_time_ms = stmt.Int(4);
  out.last_modified_time_ms = stmt.Int(5);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return absl::UnavailableError(absl::StrCat("cannot open ", path, ": ", message));
  }
  std::unique_ptr<Store> store(new Store(db));
  // WAL lets a reader of a big tabledata page not block the writer's fsync; NORMAL
  // is durable across process crashes, which is what the emulator promises.
  for (const char* sql :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000"}) {
    if (absl::Status s = store->Exec(sql); !s.ok()) return s;
  }
  if (absl::Status s = store->Exec(kSchemaSql); !s.ok()) return s;
  Stmt version(db, "PRAGMA user_version");
  if (version.Step() != SQLITE_ROW) return version.Error();
  const int64_t have = version.Int(0);
  if (have > kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " was written by a newer emulator (schema version ", have, ")"));
  }
  if (have < kSchemaVersion) {
    if (absl::Status s = store->Exec(absl::StrCat("PRAGMA user_version=", kSchemaVersion).c_str());
        !s.ok()) {
      return s;
    }
  }
  return store;
}

Store::~Store() { sqlite3_close(db_); }

absl::Status Store::Exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    absl::Status status = absl::InternalError(absl::StrCat("sqlite: ", error ? error : "?"));
    sqlite3_free(error);
    return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> Store::DatasetExistsLocked(const std::string& project_id,
                                                const std::string& dataset_id) {
  Stmt stmt(db_, "SELECT 1 FROM datasets WHERE project_id = ? AND dataset_id = ?");
  if (absl::Status s = stmt.status(); !s.ok()) return s;
  stmt.Bind(1, project_id).Bind(2, dataset_id);
  const int rc = stmt.Step();
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return stmt.Error();
}

absl::StatusOr<json> Store::InsertDataset(const std::string& project_id,
                                          const std::string& dataset_id, json resource) {
  const int64_t now = NowMs();
  resource["kind"] = "bigquery#dataset";
  resource["id"] = DatasetName(project_id, dataset_id);
  resource["datasetReference"] = {{"projectId", project_id}, {"datasetId", dataset_id}};
  if (!resource.contains("location")) resource["location"] = "US";
  resource["creationTime"] = std::to_string(now);
  resource["lastModifiedTime"] = std::to_string(now);
  resource["etag"] = absl::StrCat(now);
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<bool> exists = DatasetExistsLocked(project_id, dataset_id);
  if (!exists.ok()) return exists.status();
  if (*exists) {
    return absl::AlreadyExistsError(
        absl::StrCat("Already Exists: Dataset ", DatasetName(project_id, dataset_id)));
  }
  Stmt stmt(db_,
            "INSERT INTO datasets (project_id, dataset_id, resource, creation_time_ms) "
            "VALUES (?, ?, ?, ?)");
  if (absl::Status s = stmt.status(); !s.ok()) return s;
  stmt.Bind(1, project_id).Bind(2, dataset_id).Bind(3, resource.dump()).Bind(4, now);
  if (absl::Status s = stmt.StepDone(); !s.ok()) return s;
  return resource;
}

absl::StatusOr<json> Store::GetDataset(const std::string& project_id,
                                       const std::string& dataset_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt stmt(db_, "SELECT resource FROM datasets WHERE project_id = ? AND dataset_id = ?");
  if (absl::Status s = stmt.status(); !s.ok()) return s;
  stmt.Bind(1, project_id).Bind(2, dataset_id);
  const int rc = stmt.Step();
  if (rc == SQLITE_DONE) {
    return absl::NotFoundError(
        absl::StrCat("Not found: Dataset ", DatasetName(project_id, dataset_id)));
  }
  if (rc != SQLITE_ROW) return stmt.Error();
  return json::parse(stmt.TextView(0), nullptr, false);
}

absl::StatusOr<std::vector<json>> Store::ListDatasets(const std::string& project_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt stmt(db_, "SELECT resource FROM datasets WHERE project_id = ? ORDER BY dataset_id");
  if (absl::Status s = stmt.status(); !s.ok()) return s;
  stmt.Bind(1, project_id);
  std::vector<json> out;
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) {
    out.push_back(json::parse(stmt.TextView(0), nullptr, false));
  }
  if (rc != SQLITE_DONE) return stmt.Error();
  return out;
}

absl::Status Store::DeleteDataset(const std::string& project_id, const std::string& dataset_id,
                                  bool delete_contents) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction txn(db_);
  if (absl::Status s = txn.status(); !s.ok()) return s;
  absl::StatusOr<bool> exists = DatasetExistsLocked(project_id, dataset_id);
  if (!exists.ok()) return exists.status();
  if (!*exists) {
    return absl::NotFoundError(
        absl::StrCat("Not found: Dataset ", DatasetName(project_id, dataset_id)));
  }
  std::vector<int64_t> table_pks;
  {
    Stmt stmt(db_, "SELECT table_pk FROM tables WHERE project_id = ? AND dataset_id = ?");
    if (absl::Status s = stmt.status(); !s.ok()) return s;
    stmt.Bind(1, project_id).Bind(2, dataset_id);
    while (stmt.Step() == SQLITE_ROW) table_pks.push_back(stmt.Int(0));
  }
  if (!table_pks.empty() && !delete_contents) {
    return absl::FailedPreconditionError(
        absl::StrCat("Dataset ", DatasetName(project_id, dataset_id), " is still in use"));
  }
  for (const char* sql :
       {"DELETE FROM rows WHERE table_pk = ?", "DELETE FROM streams WHERE table_pk = ?",
        "DELETE FROM tables WHERE table_pk = ?"}) {
    Stmt stmt(db_, sql);
    if (absl::Status s = stmt.status(); !s.ok()) return s;
    for (int64_t pk : table_pks) {
      stmt.Bind(1, pk);
      if (absl::Status s = stmt.StepDone(); !s.ok()) return s;
      stmt.Reset();
    }
  }
  Stmt stmt(db_, "DELETE FROM datasets WHERE project_id = ? AND dataset_id = ?");
  if (absl::Status s = stmt.status(); !s.ok()) return s;
  stmt.Bind(1, project_id).Bind(2, dataset_id);
  if (absl::Status s = stmt.StepDone(); !s.ok()) return s;
  return txn.Commit();
}

absl::StatusOr<StoredTable> Store::InsertTable(const bigquery::Table& table) {
  const bigquery::TableReference& ref = table.ref;
  bigquery::Table resource_table = table;
  resource_table.num_rows.reset();
  const int64_t now = NowMs();
  std::lock_guard<std::mutex> lock(mu_);
  Transaction txn(db_);
  if (absl::Status s = txn.status(); !s.ok()) return s;
  absl::StatusOr<bool> exists = DatasetExistsLocked(ref.project_id, ref.dataset_id);
  if (!exists.ok()) return exists.status();
  if (!*exists) {
    return absl::NotFoundError(
        absl::StrCat("Not found: Dataset ", DatasetName(ref.project_id, ref.dataset_id)));
  }
  {
    Stmt stmt(db_, "SELECT 1 FROM tables WHERE project_id = ? AND dataset_id = ? AND table_id = ?");
    if (absl::Status s = stmt.status(); !s.ok()) return s;
    stmt.Bind(1, ref.project_id).Bind(2, ref.dataset_id).Bind(3, ref.table_id);
    if (stmt.Step() == SQLITE_ROW) {
      return absl::AlreadyExistsError(absl::StrCat("Already Exists: Table ", TableName(ref)));
    }
  }
  Stmt insert(db_,
              "INSERT INTO tables (project_id, dataset_id, table_id, resource, creation_time_ms, "
              "last_modified_time_ms) VALUES (?, ?, ?, ?, ?, ?)");
  if (absl::Status s = insert.status(); !s.ok()) return s;
  insert.Bind(1, ref.project_id)
      .Bind(2, ref.dataset_id)
      .Bind(3, ref.table_id)
      .Bind(4, bigquery::ToJson(resource_table).dump())
      .Bind(5, now)
      .Bind(6, now);
  if (absl::Status s = insert.StepDone(); !s.ok()) return s;
  const int64_t table_pk = sqlite3_last_insert_rowid(db_);
  Stmt stream(db_,
              "INSERT INTO streams (table_pk, stream_id, type, state, create_time_ms, "
              "commit_time_ms) VALUES (?, '_default', 'DEFAULT', 'OPEN', ?, ?)");
  if (absl::Status s = stream.status(); !s.ok()) return s;
  stream.Bind(1, table_pk).Bind(2, now).Bind(3, now);
  if (absl::Status s = stream.StepDone(); !s.ok()) return s;
  if (absl::Status s = txn.Commit(); !s.ok()) return s;
  StoredTable out;
  out.table_pk = table_pk;
  out.table = std::move(resource_table);
  out.table.num_rows = 0;
  out.creation_time_ms = now;
  out.last_modified_time_ms = now;
  return out;
}

absl::StatusOr<StoredTable> Store::GetTableLocked(const bigquery::TableReference& ref) {
  Stmt stmt(db_,
            absl::StrCat(kSelectTable, "WHERE project_id = ? AND dataset_id = ? AND table_id = ?")
                .c_str());
  if (absl::Status s = stmt.status(); !s.ok()) return s;
  stmt.Bind(1, ref.project_id).Bind(2, ref.dataset_id).Bind(3, ref.table_id);
  const int rc = stmt.Step();
  if (rc == SQLITE_DONE) {
    return absl::NotFoundError(absl::StrCat("Not found: Table ", TableName(ref)));
  }
  if (rc != SQLITE_ROW) return stmt.Error();
  return ReadTableRow(stmt);
}

absl::StatusOr<StoredTable> Store::GetTable(const bigquery::TableReference& ref) {
  std::lock_guard<std::mutex> lock(mu_);
  return GetTableLocked(ref);
}

absl::StatusOr<std::vector<StoredTable>> Store::ListTables(const std::string& project_id,
                                                           const std::string& dataset_id) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<bool> exists = DatasetExistsLocked(project_id, dataset_id);
  if (!exists.ok()) return exists.status();
  if (!*exists) {
    return absl::NotFoundError(
        absl::StrCat("Not found: Dataset ", DatasetName(project_id, dataset_id)));
  }
  Stmt stmt(db_,
            absl::StrCat(kSelectTable, "WHERE project_id = ? AND dataset_id = ? ORDER BY table_id")
                .c_str());
  if (absl::Status s = stmt.status(); !s.ok()) return s;
  stmt.Bind(1, project_id).Bind(2, dataset_id);
  std::vector<StoredTable> out;
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) {
    absl::StatusOr<StoredTable> t = ReadTableRow(stmt);
    if (!t.ok()) return t.status();
    out.push_back(*std::move(t));
  }
  if (rc != SQLITE_DONE) return stmt.Error();
  return out;
}

absl::Status Store::DeleteTable(const bigquery::TableReference& ref) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction txn(db_);
  if (absl::Status s = txn.status(); !s.ok()) return s;
  absl::StatusOr<StoredTable> table = GetTableLocked(ref);
  if (!table.ok()) return table.status();
  for (const char* sql :
       {"DELETE FROM rows WHERE table_pk = ?", "DELETE FROM streams WHERE table_pk = ?",
        "DELETE FROM tables WHERE table_pk = ?"}) {
    Stmt stmt(db_, sql);
    if (absl::Status s = stmt.status(); !s.ok()) return s;
    stmt.Bind(1, table->table_pk);
    if (absl::Status s = stmt.StepDone(); !s.ok()) return s;
  }
  return txn.Commit();
}

absl::StatusOr<int64_t> Store::AppendRows(int64_t table_pk, std::string_view stream_id,
                                          const std::vector<std::string>& rows) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction txn(db_);
  if (absl::Status s = txn.status(); !s.ok()) return s;
  int64_t next_index = 0;
  {
    Stmt stmt(db_, "SELECT num_rows FROM tables WHERE table_pk = ?");
    if (absl::Status s = stmt.status(); !s.ok()) return s;
    stmt.Bind(1, table_pk);
    if (stmt.Step() != SQLITE_ROW) return absl::NotFoundError("Not found: Table");
    next_index = stmt.Int(0);
  }
  int64_t first_offset = 0;
  {
    Stmt stmt(db_, "SELECT next_offset FROM streams WHERE table_pk = ? AND stream_id = ?");
    if (absl::Status s = stmt.status(); !s.ok()) return s;
    stmt.Bind(1, table_pk).Bind(2, stream_id);
    if (stmt.Step() != SQLITE_ROW) {
      return absl::NotFoundError(absl::StrCat("Not found: stream ", std::string(stream_id)));
    }
    first_offset = stmt.Int(0);
  }
  Stmt insert(db_,
              "INSERT INTO rows (table_pk, row_index, stream_id, stream_offset, data) "
              "VALUES (?, ?, ?, ?, ?)");
  if (absl::Status s = insert.status(); !s.ok()) return s;
  int64_t bytes = 0;
  const auto n = static_cast<int64_t>(rows.size());
  for (int64_t i = 0; i < n; ++i) {
    const std::string& row = rows[static_cast<size_t>(i)];
    insert.Bind(1, table_pk)
        .Bind(2, next_index + i)
        .Bind(3, stream_id)
        .Bind(4, first_offset + i)
        .Bind(5, row);
    if (absl::Status s = insert.StepDone(); !s.ok()) return s;
    insert.Reset();
    bytes += static_cast<int64_t>(row.size());
  }
  Stmt update_table(db_,
                    "UPDATE tables SET num_rows = num_rows + ?, num_bytes = num_bytes + ?, "
                    "last_modified_time_ms = ? WHERE table_pk = ?");
  if (absl::Status s = update_table.status(); !s.ok()) return s;
  update_table.Bind(1, n).Bind(2, bytes).Bind(3, NowMs()).Bind(4, table_pk);
  if (absl::Status s = update_table.StepDone(); !s.ok()) return s;
  Stmt update_stream(db_,
                     "UPDATE streams SET next_offset = next_offset + ? "
                     "WHERE table_pk = ? AND stream_id = ?");
  if (absl::Status s = update_stream.status(); !s.ok()) return s;
  update_stream.Bind(1, n).Bind(2, table_pk).Bind(3, stream_id);
  if (absl::Status s = update_stream.StepDone(); !s.ok()) return s;
  if (absl::Status s = txn.Commit(); !s.ok()) return s;
  return first_offset;
}

absl::StatusOr<RowPage> Store::ReadRows(const bigquery::TableReference& ref, int64_t start_index,
                                        int64_t max_rows, int64_t max_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<StoredTable> table = GetTableLocked(ref);
  if (!table.ok()) return table.status();
  RowPage page;
  page.total_rows = *table->table.num_rows;
  Stmt stmt(db_,
            "SELECT data FROM rows WHERE table_pk = ? AND row_index >= ? "
            "ORDER BY row_index LIMIT ?");
  if (absl::Status s = stmt.status(); !s.ok()) return s;
  stmt.Bind(1, table->table_pk).Bind(2, start_index).Bind(3, max_rows);
  int64_t bytes = 0;
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) {
    std::string_view data = stmt.TextView(0);
    if (!page.rows.empty() && bytes + static_cast<int64_t>(data.size()) > max_bytes) break;
    bytes += static_cast<int64_t>(data.size());
    page.rows.emplace_back(data);
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return stmt.Error();
  const int64_t next = start_index + static_cast<int64_t>(page.rows.size());
  if (next < page.total_rows && !page.rows.empty()) page.next_index = next;
  return page;
}

}  // namespace ferry::emulator
