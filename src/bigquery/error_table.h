#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "bigquery/auth.h"
#include "bigquery/insert_all_writer.h"
#include "bigquery/rest_client.h"
#include "bigquery/retry_budget.h"
#include "bigquery/schema_mapping.h"
#include "bigquery/sink_config.h"
#include "bigquery/table_schema.h"
#include "config/config_def.h"
#include "errors/error_report.h"

// The optional BigQuery error table: every failed record, with why it failed,
// as one row of `<table>_errors` next to the table its topic is written to, for
// inspection with SQL. Schema and behaviour: README.md, "Error table".
namespace ferry::bigquery {

namespace error_table_keys {
inline constexpr char kEnable[] = "ferry.errors.bigquery.table.enable";
inline constexpr char kSuffix[] = "ferry.errors.bigquery.table.suffix";
inline constexpr char kRetries[] = "ferry.errors.bigquery.table.retries";
inline constexpr char kPartitionExpirationMs[] =
    "ferry.errors.bigquery.table.partition.expiration.ms";
}  // namespace error_table_keys

// The ferry.errors.bigquery.table.* keys (group "Error table"). The BigQuery
// keys the error table also uses (project, defaultDataset, topic2TableMap,
// sanitizeTopics, credentials, endpoints, bigQueryRetryWait, autoCreateTables)
// are BigQuerySinkConfigDef()'s.
const ConfigDef& ErrorTableConfigDef();

// The fixed schema of every error table, in column order.
TableSchema ErrorTableSchema();

// The validated form an ErrorTableWriter is built from.
struct ErrorTableSettings {
  std::string suffix = "_errors";
  // Retries of one Write, shared by all its calls (table and insertAll).
  int retries = 3;
  absl::Duration retry_wait = absl::Seconds(1);  // bigQueryRetryWait.
  // Up to this much random extra wait before each insertAll retry, as the
  // sink's insertAll path (kcbq's jitter).
  absl::Duration max_jitter = absl::Seconds(1);
  std::optional<int64_t> partition_expiration_ms;  // for tables it creates.
  // Create a missing dataset (autoCreateTables, as the sink would); else a
  // missing dataset is a NotFound from Write.
  bool create_datasets = true;
  BigQuerySinkSettings sink;  // project, dataset, routing, endpoints, credentials.
};

// nullopt when ferry.errors.bigquery.table.enable is false (the BigQuery keys
// are then not looked at); InvalidArgument listing every problem, by key,
// otherwise.
absl::StatusOr<std::optional<ErrorTableSettings>> ParseErrorTableSettings(
    const std::map<std::string, std::string>& connector_props);

// The insertAll `json` object of a report's row (compact JSON; invalid UTF-8 in
// text is replaced by U+FFFD). Without the payload, key, value and headers
// are left out and payload_omitted is true.
std::string ErrorRowJson(const errors::ErrorReport& report, bool with_payload = true);

// The row's insertId: a digest of connector, topic, partition, offset and
// stage, so that the same failure reported again within BigQuery's
// de-duplication window (about a minute) is stored once.
std::string ErrorRowInsertId(const errors::ErrorReport& report);

// Writes ErrorReports to error tables through tabledata.insertAll.
//
// Thread-safe: Write may be called from any thread; calls are serialised.
class ErrorTableWriter {
 public:
  // From a connector's properties. nullptr when the feature is off;
  // InvalidArgument for bad keys (the error table's or the BigQuery sink's).
  static absl::StatusOr<std::unique_ptr<ErrorTableWriter>> Create(
      const std::map<std::string, std::string>& connector_props);
  // From parsed settings with the credentials to use (null = anonymous).
  static absl::StatusOr<std::unique_ptr<ErrorTableWriter>> Create(
      ErrorTableSettings settings, std::shared_ptr<TokenSource> token_source);

  ErrorTableWriter(const ErrorTableWriter&) = delete;
  ErrorTableWriter& operator=(const ErrorTableWriter&) = delete;

  // The error table of records read from `topic`: the table the sink routes
  // the topic to (topic2TableMap, sanitizeTopics), with the suffix.
  absl::StatusOr<TableReference> TableFor(const std::string& topic) const;

  // Writes one row per report to the error table of report.raw->topic,
  // creating the table (and with create_datasets its dataset) when missing,
  // and adding columns an existing one lacks. Transient failures are retried
  // out of one budget of `retries`. A row BigQuery refuses (in practice: too
  // large) is written again without its payload. Reports without a raw record
  // have no table and are skipped (logged). OK: every row is written. Non-OK:
  // some rows are not known to be written (the message says how many, and
  // why); writing the same reports again stores the written ones once if it
  // happens within the de-duplication window.
  [[nodiscard]] absl::Status Write(absl::Span<const errors::ErrorReport> reports);

 private:
  ErrorTableWriter(ErrorTableSettings settings, std::unique_ptr<RestClient> rest);

  absl::Status EnsureTable(const TableReference& ref, RetryBudget& budget);
  absl::Status CreateTable(const TableReference& ref, RetryBudget& budget);
  absl::Status CheckTable(const Table& table, RetryBudget& budget);
  // Inserts rows (insertAll results per row); a table gone meanwhile is
  // created again.
  absl::StatusOr<std::vector<RecordResult>> Insert(const TableReference& ref,
                                                   const std::vector<InsertAllRow>& rows,
                                                   RetryBudget& budget);

  const ErrorTableSettings settings_;
  const TableRouter router_;
  std::mutex mu_;
  std::unique_ptr<RestClient> rest_;         // Guarded by mu_.
  std::unique_ptr<InsertAllWriter> insert_;  // Guarded by mu_.
  std::set<std::string> ready_;              // Guarded by mu_. Tables known to fit.
};

}  // namespace ferry::bigquery
