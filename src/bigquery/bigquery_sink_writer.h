#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "bigquery/auth.h"
#include "bigquery/sink_config.h"
#include "sink/sink_writer.h"

namespace ferry::bigquery {

// The BigQuery SinkWriter, built from a connector's properties (kcbq keys and
// ferry.bigquery.*; other keys are ignored here). Fails with InvalidArgument
// listing every configuration problem, including what ferry refuses.
//
// Write() routes each record to its table (topic2TableMap / sanitizeTopics),
// makes sure the table exists (autoCreateTables: created from the record's
// Connect schema with the configured partitioning and clustering, the dataset
// too; a concurrent creation's 409 counts as success), caches the table's
// schema, encodes rows (records BigQuery would refuse are kRejected before
// anything is sent, with the column named), and appends them to the table's
// _default stream. A missing table with autoCreateTables=false, a schemaless
// record for a table that must be created, and authentication/permission
// errors are task-level (non-OK) results.
//
// With settings.dry_run (ferry replay --dry-run), Write() reads tables but
// creates, patches and appends nothing: a record is kDelivered when it would
// be written (it encodes, fits after an allowed schema update, or its table
// would be created) and kRejected as Write() would reject it; there is no
// exactly-once state, so nothing asks for a checkpoint.
//
// One instance per task; Write() is called from the task's thread only.
absl::StatusOr<std::unique_ptr<SinkWriter>> CreateBigQuerySinkWriter(
    const std::map<std::string, std::string>& connector_props);

// The credentials the settings ask for: anonymous for a non-Google endpoint
// without a keyfile; else keyfile/keySource, or application default
// credentials when no keyfile is given.
absl::StatusOr<std::shared_ptr<TokenSource>> TokenSourceFor(const BigQuerySinkSettings& settings);

// As above from parsed settings, with the credentials to use (the seam for
// keyfile / application default credentials; null = anonymous).
absl::StatusOr<std::unique_ptr<SinkWriter>> CreateBigQuerySinkWriter(
    const BigQuerySinkSettings& settings, std::shared_ptr<TokenSource> token_source);

}  // namespace ferry::bigquery
