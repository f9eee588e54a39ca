#include "emulator/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <random>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ferry::emulator {
namespace {

using json = nlohmann::json;

// Version 2 of the on-disk schema, kept in PRAGMA user_version. Documented in
// README.md; Store::Open migrates version 1 forward.
constexpr int kSchemaVersion = 2;
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
  meta_version INTEGER NOT NULL DEFAULT 1,
  prev_schema TEXT,
  prev_schema_version INTEGER NOT NULL DEFAULT 0,
  schema_changed_ms INTEGER NOT NULL DEFAULT 0,
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
  flushed_rows INTEGER NOT NULL DEFAULT 0,
  finalize_time_ms INTEGER,
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
CREATE TABLE IF NOT EXISTS pending_rows (
  table_pk INTEGER NOT NULL,
  stream_id TEXT NOT NULL,
  stream_offset INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (table_pk, stream_id, stream_offset)
) WITHOUT ROWID;
)sql";
// Version 1 -> 2: explicit streams, schema updates.
constexpr char kMigrateV1Sql[] = R"sql(
ALTER TABLE tables ADD COLUMN meta_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tables ADD COLUMN prev_schema TEXT;
ALTER TABLE tables ADD COLUMN prev_schema_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tables ADD COLUMN schema_changed_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE streams ADD COLUMN flushed_rows INTEGER NOT NULL DEFAULT 0;
ALTER TABLE streams ADD COLUMN finalize_time_ms INTEGER;
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
  Stmt& BindNull(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
  }
  Stmt& Bind(int index, std::optional<int64_t> value) {
    return value ? Bind(index, *value) : BindNull(index);
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
  std::optional<int64_t> OptInt(int col) {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return Int(col);
  }
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

// The one row a query selects, read by `read` (Stmt& -> T or absl::StatusOr<T>),
// or nullopt when it selects none. `args` are bound to its parameters in order.
template <typename T, typename Read, typename... Args>
absl::StatusOr<std::optional<T>> SelectOne(sqlite3* db, const std::string& sql, Read read,
                                           const Args&... args) {
  Stmt stmt(db, sql.c_str());
  if (absl::Status s = stmt.status(); !s.ok()) return s;
  int index = 0;
  (stmt.Bind(++index, args), ...);
  const int rc = stmt.Step();
  if (rc == SQLITE_DONE) return std::optional<T>();
  if (rc != SQLITE_ROW) return stmt.Error();
  absl::StatusOr<T> row = read(stmt);
  if (!row.ok()) return row.status();
  return std::optional<T>(*std::move(row));
}

int64_t FirstInt(Stmt& stmt) { return stmt.Int(0); }

// Appends rows to a table's readable `rows` (row_index after its last) and
// adds them to its num_rows and num_bytes, for the _default stream's appends
// and the publishing of explicit streams' rows alike.
class RowAppender {
 public:
  RowAppender(sqlite3* db, int64_t table_pk)
      : db_(db),
        table_pk_(table_pk),
        insert_(db,
                "INSERT INTO rows (table_pk, row_index, stream_id, stream_offset, data) "
                "VALUES (?, ?, ?, ?, ?)") {}

  // Finds where the table's rows end; false when the table is gone.
  absl::StatusOr<bool> Start() {
    if (absl::Status s = insert_.status(); !s.ok()) return s;
    absl::StatusOr<std::optional<int64_t>> num_rows = SelectOne<int64_t>(
        db_, "SELECT num_rows FROM tables WHERE table_pk = ?", FirstInt, table_pk_);
    if (!num_rows.ok()) return num_rows.status();
    if (!*num_rows) return false;
    next_index_ = **num_rows;
    return true;
  }
  absl::Status Add(std::string_view stream_id, int64_t stream_offset, std::string_view data) {
    insert_.Bind(1, table_pk_)
        .Bind(2, next_index_ + rows_)
        .Bind(3, stream_id)
        .Bind(4, stream_offset)
        .Bind(5, data);
    if (absl::Status s = insert_.StepDone(); !s.ok()) return s;
    insert_.Reset();
    ++rows_;
    bytes_ += static_cast<int64_t>(data.size());
    return absl::OkStatus();
  }
  int64_t rows() const { return rows_; }
  // Counts the added rows into the table, last modified at `now_ms`.
  absl::Status Finish(int64_t now_ms) {
    Stmt update(db_,
                "UPDATE tables SET num_rows = num_rows + ?, num_bytes = num_bytes + ?, "
                "last_modified_time_ms = ? WHERE table_pk = ?");
    if (absl::Status s = update.status(); !s.ok()) return s;
    update.Bind(1, rows_).Bind(2, bytes_).Bind(3, now_ms).Bind(4, table_pk_);
    return update.StepDone();
  }

 private:
  sqlite3* db_;
  const int64_t table_pk_;
  Stmt insert_;
  int64_t next_index_ = 0;
  int64_t rows_ = 0;
  int64_t bytes_ = 0;
};

std::string DatasetName(const std::string& p, const std::string& d) {
  return absl::StrCat(p, ":", d);
}
std::string TableName(const bigquery::TableReference& ref) {
  return absl::StrCat(ref.project_id, ":", ref.dataset_id, ".", ref.table_id);
}

// Columns: table_pk, resource, num_rows, num_bytes, creation_time_ms,
// last_modified_time_ms, schema_version, meta_version, prev_schema,
// prev_schema_version, schema_changed_ms.
constexpr char kSelectTable[] =
    "SELECT table_pk, resource, num_rows, num_bytes, creation_time_ms, last_modified_time_ms, "
    "schema_version, meta_version, prev_schema, prev_schema_version, schema_changed_ms "
    "FROM tables ";

// Opaque, as Google's; changes with every tables.patch/update, not with appends.
std::string Etag(int64_t table_pk, int64_t creation_time_ms, int64_t meta_version) {
  return absl::Base64Escape(absl::StrCat(table_pk, ":", creation_time_ms, ":", meta_version));
}

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
  out.schema_version = stmt.Int(6);
  out.table.etag = Etag(out.table_pk, out.creation_time_ms, stmt.Int(7));
  if (!stmt.TextView(8).empty()) {
    json prev = json::parse(stmt.TextView(8), nullptr, /*allow_exceptions=*/false);
    absl::StatusOr<bigquery::TableSchema> schema = bigquery::TableSchemaFromJson(prev);
    if (!schema.ok()) return schema.status();
    out.previous_schema = *std::move(schema);
  }
  out.previous_schema_version = stmt.Int(9);
  out.schema_changed_ms = stmt.Int(10);
  return out;
}

StreamType ParseStreamType(std::string_view s) {
  if (s == "DEFAULT") return StreamType::kDefault;
  if (s == "PENDING") return StreamType::kPending;
  if (s == "BUFFERED") return StreamType::kBuffered;
  return StreamType::kCommitted;
}
StreamState ParseStreamState(std::string_view s) {
  if (s == "FINALIZED") return StreamState::kFinalized;
  if (s == "COMMITTED") return StreamState::kCommitted;
  if (s == "GARBAGE") return StreamState::kGarbage;
  return StreamState::kOpen;
}

// Columns: table_pk, stream_id, type, state, next_offset, flushed_rows,
// create_time_ms, finalize_time_ms, commit_time_ms.
constexpr char kSelectStream[] =
    "SELECT table_pk, stream_id, type, state, next_offset, flushed_rows, create_time_ms, "
    "finalize_time_ms, commit_time_ms FROM streams ";

StoredStream ReadStreamRow(Stmt& stmt) {
  StoredStream out;
  out.table_pk = stmt.Int(0);
  out.stream_id = stmt.Text(1);
  out.type = ParseStreamType(stmt.TextView(2));
  out.state = ParseStreamState(stmt.TextView(3));
  out.next_offset = stmt.Int(4);
  out.flushed_rows = stmt.Int(5);
  out.create_time_ms = stmt.Int(6);
  out.finalize_time_ms = stmt.OptInt(7);
  out.commit_time_ms = stmt.OptInt(8);
  return out;
}

// The stream `stream_id` of the table `table_pk`, garbage-collected or not.
absl::StatusOr<std::optional<StoredStream>> FindStream(sqlite3* db, int64_t table_pk,
                                                       const std::string& stream_id) {
  return SelectOne<StoredStream>(
      db, absl::StrCat(kSelectStream, "WHERE table_pk = ? AND stream_id = ?"), ReadStreamRow,
      table_pk, stream_id);
}

// "<uuid>:s<n>" as a length-delimited proto field 1, base64url without padding:
// the shape of BigQuery's stream ids ("Cic2ZTQx...6czQ").
std::string NewStreamId() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  static uint64_t counter = 0;
  uint64_t hi, lo, n;
  {
    std::lock_guard<std::mutex> lock(mu);
    hi = rng();
    lo = rng();
    n = ++counter;
  }
  const std::string uuid = absl::StrFormat(
      "%08x-%04x-%04x-%04x-%012x", static_cast<uint32_t>(hi >> 32),
      static_cast<uint32_t>((hi >> 16) & 0xffff), static_cast<uint32_t>(hi & 0xffff),
      static_cast<uint32_t>(lo >> 48), lo & 0xffffffffffffULL);
  const std::string inner = absl::StrCat(uuid, ":s", n % 64);
  std::string wire;
  wire.push_back('\x0a');
  wire.push_back(static_cast<char>(inner.size()));
  wire += inner;
  return absl::WebSafeBase64Escape(wire);
}

absl::Status FinalizedError() {
  return absl::FailedPreconditionError("Stream has been finalized and cannot be appended.");
}

}  // namespace

// What every Storage Write API call starts with: the store's lock, one
// transaction, and the PENDING streams that expired by `now_ms`
// garbage-collected in it. Rolls back unless committed.
class Store::StreamCall {
 public:
  StreamCall(Store& store, int64_t now_ms) : store_(store), lock_(store.mu_), txn_(store.db_) {
    status_ = txn_.status();
    if (status_.ok()) status_ = store.ExpireStreamsLocked(now_ms);
  }
  // Non-OK when the call cannot go on.
  const absl::Status& status() const { return status_; }
  // The table `ref` ("Not found: Table ..."), once status() is OK.
  absl::StatusOr<StoredTable> Table(const bigquery::TableReference& ref) {
    if (!status_.ok()) return status_;
    return store_.GetTableLocked(ref);
  }
  absl::Status Commit() { return txn_.Commit(); }
  // Ends a call that fails with `error`, keeping what expiry changed.
  absl::Status Fail(absl::Status error) {
    if (absl::Status s = txn_.Commit(); !s.ok()) return s;
    return error;
  }

 private:
  Store& store_;
  std::lock_guard<std::mutex> lock_;
  Transaction txn_;
  absl::Status status_;
};

std::string_view StreamTypeName(StreamType type) {
  switch (type) {
    case StreamType::kDefault:
      return "DEFAULT";
    case StreamType::kCommitted:
      return "COMMITTED";
    case StreamType::kPending:
      return "PENDING";
    case StreamType::kBuffered:
      return "BUFFERED";
  }
  return "COMMITTED";
}

std::string_view StreamStateName(StreamState state) {
  switch (state) {
    case StreamState::kOpen:
      return "OPEN";
    case StreamState::kFinalized:
      return "FINALIZED";
    case StreamState::kCommitted:
      return "COMMITTED";
    case StreamState::kGarbage:
      return "GARBAGE";
  }
  return "OPEN";
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path, StreamExpiry expiry) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return absl::UnavailableError(absl::StrCat("cannot open ", path, ": ", message));
  }
  std::unique_ptr<Store> store(new Store(db, expiry));
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
    if (absl::Status s = store->Migrate(have); !s.ok()) return s;
  }
  return store;
}

Store::~Store() { sqlite3_close(db_); }

absl::Status Store::Migrate(int64_t from_version) {
  Transaction txn(db_);
  if (absl::Status s = txn.status(); !s.ok()) return s;
  // Version 0 is a new file: kSchemaSql already created the current schema.
  if (from_version == 1) {
    if (absl::Status s = Exec(kMigrateV1Sql); !s.ok()) return s;
  }
  if (absl::Status s = Exec(absl::StrCat("PRAGMA user_version=", kSchemaVersion).c_str());
      !s.ok()) {
    return s;
  }
  return txn.Commit();
}

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
  absl::StatusOr<std::optional<bool>> found = SelectOne<bool>(
      db_, "SELECT 1 FROM datasets WHERE project_id = ? AND dataset_id = ?",
      [](Stmt&) { return true; }, project_id, dataset_id);
  if (!found.ok()) return found.status();
  return found->has_value();
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
       {"DELETE FROM rows WHERE table_pk = ?", "DELETE FROM pending_rows WHERE table_pk = ?",
        "DELETE FROM streams WHERE table_pk = ?", "DELETE FROM tables WHERE table_pk = ?"}) {
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
  out.table.etag = Etag(table_pk, now, 1);
  out.creation_time_ms = now;
  out.last_modified_time_ms = now;
  return out;
}

absl::StatusOr<StoredTable> Store::GetTableLocked(const bigquery::TableReference& ref) {
  absl::StatusOr<std::optional<StoredTable>> table = SelectOne<StoredTable>(
      db_, absl::StrCat(kSelectTable, "WHERE project_id = ? AND dataset_id = ? AND table_id = ?"),
      ReadTableRow, ref.project_id, ref.dataset_id, ref.table_id);
  if (!table.ok()) return table.status();
  if (!*table) return absl::NotFoundError(absl::StrCat("Not found: Table ", TableName(ref)));
  return **std::move(table);
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
       {"DELETE FROM rows WHERE table_pk = ?", "DELETE FROM pending_rows WHERE table_pk = ?",
        "DELETE FROM streams WHERE table_pk = ?", "DELETE FROM tables WHERE table_pk = ?"}) {
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
  RowAppender appender(db_, table_pk);
  absl::StatusOr<bool> table_found = appender.Start();
  if (!table_found.ok()) return table_found.status();
  if (!*table_found) return absl::NotFoundError("Not found: Table");
  absl::StatusOr<std::optional<int64_t>> next_offset = SelectOne<int64_t>(
      db_, "SELECT next_offset FROM streams WHERE table_pk = ? AND stream_id = ?", FirstInt,
      table_pk, stream_id);
  if (!next_offset.ok()) return next_offset.status();
  if (!*next_offset) {
    return absl::NotFoundError(absl::StrCat("Not found: stream ", std::string(stream_id)));
  }
  const int64_t first_offset = **next_offset;
  const auto n = static_cast<int64_t>(rows.size());
  for (int64_t i = 0; i < n; ++i) {
    if (absl::Status s = appender.Add(stream_id, first_offset + i, rows[static_cast<size_t>(i)]);
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = appender.Finish(NowMs()); !s.ok()) return s;
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

absl::StatusOr<StoredTable> Store::UpdateTable(
    const bigquery::TableReference& ref,
    const std::function<absl::StatusOr<bigquery::Table>(const StoredTable&)>& mutate,
    int64_t now_ms, int64_t propagation_delay_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction txn(db_);
  if (absl::Status s = txn.status(); !s.ok()) return s;
  absl::StatusOr<StoredTable> current = GetTableLocked(ref);
  if (!current.ok()) return current.status();
  absl::StatusOr<bigquery::Table> updated = mutate(*current);
  if (!updated.ok()) return updated.status();
  bigquery::Table resource = *std::move(updated);
  resource.ref = current->table.ref;
  resource.num_rows.reset();
  resource.etag.clear();
  StoredTable out = *current;
  // lastModifiedTime moves forward even for two updates within one millisecond.
  out.last_modified_time_ms = std::max(now_ms, current->last_modified_time_ms + 1);
  if (!(resource.schema == current->table.schema)) {
    const bool previous_still_visible = current->previous_schema.has_value() &&
                                        now_ms < current->schema_changed_ms + propagation_delay_ms;
    if (!previous_still_visible) {
      out.previous_schema = current->table.schema;
      out.previous_schema_version = current->schema_version;
    }
    out.schema_version = current->schema_version + 1;
    out.schema_changed_ms = now_ms;
  }
  Stmt stmt(db_,
            "UPDATE tables SET resource = ?, last_modified_time_ms = ?, schema_version = ?, "
            "meta_version = meta_version + 1, prev_schema = ?, prev_schema_version = ?, "
            "schema_changed_ms = ? WHERE table_pk = ?");
  if (absl::Status s = stmt.status(); !s.ok()) return s;
  stmt.Bind(1, bigquery::ToJson(resource).dump())
      .Bind(2, out.last_modified_time_ms)
      .Bind(3, out.schema_version);
  if (out.previous_schema) {
    stmt.Bind(4, bigquery::ToJson(*out.previous_schema).dump());
  } else {
    stmt.BindNull(4);
  }
  stmt.Bind(5, out.previous_schema_version).Bind(6, out.schema_changed_ms).Bind(7, out.table_pk);
  if (absl::Status s = stmt.StepDone(); !s.ok()) return s;
  if (absl::Status s = txn.Commit(); !s.ok()) return s;
  absl::StatusOr<StoredTable> reread = GetTableLocked(ref);
  return reread;
}

absl::Status Store::ExpireStreamsLocked(int64_t now_ms) {
  const bool by_age = expiry_.pending_ttl_ms > 0;
  const bool by_finalize = expiry_.finalized_ttl_ms > 0;
  if (!by_age && !by_finalize) return absl::OkStatus();
  // A stream that is past either deadline and was never committed is garbage.
  Stmt select(db_,
              "SELECT table_pk, stream_id FROM streams WHERE type = 'PENDING' AND "
              "state IN ('OPEN', 'FINALIZED') AND (create_time_ms <= ? OR "
              "(finalize_time_ms IS NOT NULL AND finalize_time_ms <= ?))");
  if (absl::Status s = select.status(); !s.ok()) return s;
  select.Bind(1, by_age ? now_ms - expiry_.pending_ttl_ms : std::numeric_limits<int64_t>::min())
      .Bind(2,
            by_finalize ? now_ms - expiry_.finalized_ttl_ms : std::numeric_limits<int64_t>::min());
  std::vector<std::pair<int64_t, std::string>> expired;
  int rc;
  while ((rc = select.Step()) == SQLITE_ROW) expired.emplace_back(select.Int(0), select.Text(1));
  if (rc != SQLITE_DONE) return select.Error();
  if (expired.empty()) return absl::OkStatus();
  Stmt mark(db_, "UPDATE streams SET state = 'GARBAGE' WHERE table_pk = ? AND stream_id = ?");
  Stmt drop(db_, "DELETE FROM pending_rows WHERE table_pk = ? AND stream_id = ?");
  if (absl::Status s = mark.status(); !s.ok()) return s;
  if (absl::Status s = drop.status(); !s.ok()) return s;
  for (const auto& [pk, id] : expired) {
    for (Stmt* stmt : {&mark, &drop}) {
      stmt->Bind(1, pk).Bind(2, id);
      if (absl::Status s = stmt->StepDone(); !s.ok()) return s;
      stmt->Reset();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<StoredStream> Store::GetStreamLocked(int64_t table_pk,
                                                    const std::string& stream_id) {
  absl::StatusOr<std::optional<StoredStream>> stream = FindStream(db_, table_pk, stream_id);
  if (!stream.ok()) return stream.status();
  if (!*stream) return absl::NotFoundError("stream not found");
  if ((*stream)->state == StreamState::kGarbage) {
    return absl::NotFoundError("stream garbage-collected");
  }
  return **std::move(stream);
}

absl::StatusOr<StoredStream> Store::CreateStream(const bigquery::TableReference& ref,
                                                 StreamType type, int64_t now_ms) {
  StreamCall call(*this, now_ms);
  absl::StatusOr<StoredTable> table = call.Table(ref);
  if (!table.ok()) return table.status();
  StoredStream out;
  out.table_pk = table->table_pk;
  out.stream_id = NewStreamId();
  out.type = type;
  out.state = StreamState::kOpen;
  out.create_time_ms = now_ms;
  if (type == StreamType::kCommitted) out.commit_time_ms = now_ms;
  Stmt insert(db_,
              "INSERT INTO streams (table_pk, stream_id, type, state, create_time_ms, "
              "commit_time_ms) VALUES (?, ?, ?, 'OPEN', ?, ?)");
  if (absl::Status s = insert.status(); !s.ok()) return s;
  insert.Bind(1, out.table_pk)
      .Bind(2, out.stream_id)
      .Bind(3, StreamTypeName(type))
      .Bind(4, now_ms)
      .Bind(5, out.commit_time_ms);
  if (absl::Status s = insert.StepDone(); !s.ok()) return s;
  if (absl::Status s = call.Commit(); !s.ok()) return s;
  return out;
}

absl::StatusOr<StoredStream> Store::GetStream(const bigquery::TableReference& ref,
                                              const std::string& stream_id, int64_t now_ms) {
  StreamCall call(*this, now_ms);
  absl::StatusOr<StoredTable> table = call.Table(ref);
  if (!table.ok()) return table.status();
  absl::StatusOr<StoredStream> stream = GetStreamLocked(table->table_pk, stream_id);
  if (!stream.ok()) return stream.status();
  if (absl::Status s = call.Commit(); !s.ok()) return s;
  return stream;
}

absl::Status Store::PublishLocked(int64_t table_pk, const std::string& stream_id,
                                  int64_t end_offset, int64_t now_ms) {
  RowAppender appender(db_, table_pk);
  absl::StatusOr<bool> table_found = appender.Start();
  if (!table_found.ok()) return table_found.status();
  if (!*table_found) return absl::NotFoundError("table not found");
  Stmt select(db_,
              "SELECT stream_offset, data FROM pending_rows WHERE table_pk = ? AND stream_id = ? "
              "AND stream_offset < ? ORDER BY stream_offset");
  if (absl::Status s = select.status(); !s.ok()) return s;
  select.Bind(1, table_pk).Bind(2, stream_id).Bind(3, end_offset);
  int rc;
  while ((rc = select.Step()) == SQLITE_ROW) {
    if (absl::Status s = appender.Add(stream_id, select.Int(0), select.TextView(1)); !s.ok()) {
      return s;
    }
  }
  if (rc != SQLITE_DONE) return select.Error();
  if (appender.rows() == 0) return absl::OkStatus();
  Stmt drop(db_,
            "DELETE FROM pending_rows WHERE table_pk = ? AND stream_id = ? AND stream_offset < ?");
  if (absl::Status s = drop.status(); !s.ok()) return s;
  drop.Bind(1, table_pk).Bind(2, stream_id).Bind(3, end_offset);
  if (absl::Status s = drop.StepDone(); !s.ok()) return s;
  return appender.Finish(now_ms);
}

absl::StatusOr<int64_t> Store::AppendToStream(int64_t table_pk, const std::string& stream_id,
                                              std::optional<int64_t> offset,
                                              const std::vector<std::string>& rows,
                                              int64_t now_ms) {
  StreamCall call(*this, now_ms);
  if (!call.status().ok()) return call.status();
  absl::StatusOr<StoredStream> stream = GetStreamLocked(table_pk, stream_id);
  // Expiry may have changed state: keep it even though the append fails.
  if (!stream.ok()) return call.Fail(stream.status());
  if (stream->state != StreamState::kOpen) return call.Fail(FinalizedError());
  const int64_t end = stream->next_offset;
  if (offset && *offset < end) {
    return call.Fail(absl::AlreadyExistsError(absl::StrCat(
        "The offset is within stream, expected offset ", end, ", received ", *offset)));
  }
  if (offset && *offset > end) {
    return call.Fail(absl::OutOfRangeError(absl::StrCat(
        "The offset is beyond stream, expected offset ", end, ", received ", *offset)));
  }
  const auto n = static_cast<int64_t>(rows.size());
  Stmt insert(db_,
              "INSERT INTO pending_rows (table_pk, stream_id, stream_offset, data) "
              "VALUES (?, ?, ?, ?)");
  if (absl::Status s = insert.status(); !s.ok()) return s;
  for (int64_t i = 0; i < n; ++i) {
    insert.Bind(1, table_pk)
        .Bind(2, stream_id)
        .Bind(3, end + i)
        .Bind(4, rows[static_cast<size_t>(i)]);
    if (absl::Status s = insert.StepDone(); !s.ok()) return s;
    insert.Reset();
  }
  Stmt update(db_, "UPDATE streams SET next_offset = ? WHERE table_pk = ? AND stream_id = ?");
  if (absl::Status s = update.status(); !s.ok()) return s;
  update.Bind(1, end + n).Bind(2, table_pk).Bind(3, stream_id);
  if (absl::Status s = update.StepDone(); !s.ok()) return s;
  // COMMITTED streams publish at once; the pending_rows detour keeps one code path.
  if (stream->type == StreamType::kCommitted) {
    if (absl::Status s = PublishLocked(table_pk, stream_id, end + n, now_ms); !s.ok()) return s;
  }
  if (absl::Status s = call.Commit(); !s.ok()) return s;
  return end;
}

absl::StatusOr<int64_t> Store::FinalizeStream(const bigquery::TableReference& ref,
                                              const std::string& stream_id, int64_t now_ms) {
  StreamCall call(*this, now_ms);
  absl::StatusOr<StoredTable> table = call.Table(ref);
  if (!table.ok()) return table.status();
  absl::StatusOr<StoredStream> stream = GetStreamLocked(table->table_pk, stream_id);
  if (!stream.ok()) return call.Fail(stream.status());
  if (stream->state == StreamState::kOpen) {
    Stmt update(db_,
                "UPDATE streams SET state = 'FINALIZED', finalize_time_ms = ? "
                "WHERE table_pk = ? AND stream_id = ?");
    if (absl::Status s = update.status(); !s.ok()) return s;
    update.Bind(1, now_ms).Bind(2, table->table_pk).Bind(3, stream_id);
    if (absl::Status s = update.StepDone(); !s.ok()) return s;
  }
  if (absl::Status s = call.Commit(); !s.ok()) return s;
  return stream->next_offset;
}

absl::StatusOr<int64_t> Store::FlushStream(const bigquery::TableReference& ref,
                                           const std::string& stream_id, int64_t offset,
                                           int64_t now_ms) {
  StreamCall call(*this, now_ms);
  absl::StatusOr<StoredTable> table = call.Table(ref);
  if (!table.ok()) return table.status();
  absl::StatusOr<StoredStream> stream = GetStreamLocked(table->table_pk, stream_id);
  absl::Status error;
  if (!stream.ok()) {
    error = stream.status();
  } else if (stream->type != StreamType::kBuffered) {
    error = absl::FailedPreconditionError(absl::StrCat(
        "type: stream is ", std::string(StreamTypeName(stream->type)), ", not BUFFERED"));
  } else if (stream->state != StreamState::kOpen) {
    error = absl::FailedPreconditionError("finalized");
  } else if (offset < 0 || offset >= stream->next_offset) {
    error = absl::OutOfRangeError(absl::StrCat("The offset is beyond stream, expected offset <= ",
                                               stream->next_offset - 1, ", received ", offset));
  } else if (offset < stream->flushed_rows) {
    error = absl::AlreadyExistsError(
        absl::StrCat("The offset has been flushed, expected offset >= ", stream->flushed_rows,
                     ", received ", offset));
  }
  if (!error.ok()) return call.Fail(error);
  if (absl::Status s = PublishLocked(table->table_pk, stream_id, offset + 1, now_ms); !s.ok()) {
    return s;
  }
  Stmt update(db_, "UPDATE streams SET flushed_rows = ? WHERE table_pk = ? AND stream_id = ?");
  if (absl::Status s = update.status(); !s.ok()) return s;
  update.Bind(1, offset + 1).Bind(2, table->table_pk).Bind(3, stream_id);
  if (absl::Status s = update.StepDone(); !s.ok()) return s;
  if (absl::Status s = call.Commit(); !s.ok()) return s;
  return offset;
}

absl::StatusOr<CommitResult> Store::CommitStreams(const bigquery::TableReference& ref,
                                                  const std::vector<std::string>& stream_ids,
                                                  int64_t now_ms) {
  // StorageError.StorageErrorCode values (storage.proto).
  constexpr int kStreamAlreadyCommitted = 2;
  constexpr int kStreamNotFound = 3;
  constexpr int kInvalidStreamType = 4;
  constexpr int kInvalidStreamState = 5;
  StreamCall call(*this, now_ms);
  absl::StatusOr<StoredTable> table = call.Table(ref);
  if (!table.ok()) return table.status();
  CommitResult result;
  std::vector<std::string> to_commit;
  for (const std::string& id : stream_ids) {
    if (std::find(to_commit.begin(), to_commit.end(), id) != to_commit.end()) continue;
    absl::StatusOr<std::optional<StoredStream>> found = FindStream(db_, table->table_pk, id);
    if (!found.ok()) return found.status();
    if (!*found) {
      result.errors.push_back({kStreamNotFound, id, "Stream is not found."});
      continue;
    }
    const StoredStream& stream = **found;
    if (stream.type != StreamType::kPending) {
      // BigQuery names COMMITTED streams by their internal type.
      const std::string actual(stream.type == StreamType::kCommitted ? "WRITE_OPTIMIZED"
                                                                     : StreamTypeName(stream.type));
      result.errors.push_back(
          {kInvalidStreamType, id,
           absl::StrCat("Stream must be created in pending mode, actual: ", actual)});
    } else if (stream.state == StreamState::kGarbage) {
      result.errors.push_back({kInvalidStreamState, id,
                               "Stream was not committed in time and has been garbage collected."});
    } else if (stream.state == StreamState::kCommitted) {
      result.errors.push_back({kStreamAlreadyCommitted, id, "Stream is already committed."});
    } else if (stream.state != StreamState::kFinalized) {
      result.errors.push_back(
          {kInvalidStreamState, id, "Stream is not finalized. Finalize it before committing."});
    } else {
      to_commit.push_back(id);
    }
  }
  if (!result.errors.empty()) {
    if (absl::Status s = call.Commit(); !s.ok()) return s;
    return result;
  }
  Stmt mark(db_,
            "UPDATE streams SET state = 'COMMITTED', commit_time_ms = ? "
            "WHERE table_pk = ? AND stream_id = ?");
  if (absl::Status s = mark.status(); !s.ok()) return s;
  for (const std::string& id : to_commit) {
    if (absl::Status s =
            PublishLocked(table->table_pk, id, std::numeric_limits<int64_t>::max(), now_ms);
        !s.ok()) {
      return s;
    }
    mark.Bind(1, now_ms).Bind(2, table->table_pk).Bind(3, id);
    if (absl::Status s = mark.StepDone(); !s.ok()) return s;
    mark.Reset();
  }
  if (absl::Status s = call.Commit(); !s.ok()) return s;
  result.commit_time_ms = now_ms;
  return result;
}

}  // namespace ferry::emulator
