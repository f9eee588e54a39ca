#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "bigquery/table_schema.h"

namespace httplib {
class Server;
}

// tables.patch and tables.update with BigQuery's schema-evolution rules.
namespace ferry::emulator {

class Store;

// BigQuery's rules for replacing a table's schema: every existing column stays
// (same name, same type, recursively for RECORDs), a REQUIRED column may become
// NULLABLE, and new columns are NULLABLE or REPEATED (nested ones too).
// InvalidArgument otherwise, worded as BigQuery's: "Provided Schema does not
// match Table p:d.t. Field a is missing in new schema" / "Field a has changed
// type from STRING to INTEGER" / "Field a has changed mode from NULLABLE to
// REQUIRED" / "Cannot add required fields to an existing schema. (field: a)".
absl::Status CheckSchemaUpdate(const bigquery::TableSchema& current,
                               const bigquery::TableSchema& updated, const std::string& table_name);

struct TableUpdateOptions {
  std::function<absl::Time()> now = [] { return absl::Now(); };
  // How long AppendRows keeps seeing the old schema (Store::UpdateTable).
  absl::Duration schema_propagation_delay = absl::ZeroDuration();
};

// Installs PATCH (tables.patch) and PUT (tables.update) on
// /bigquery/v2/projects/{p}/datasets/{d}/tables/{t}; install before any catch-all
// route. Both honour If-Match (412 conditionNotMet when the etag is stale).
// Handlers run on httplib's workers; `store` must outlive the server.
void InstallTableUpdate(httplib::Server& server, Store& store, TableUpdateOptions options = {});

}  // namespace ferry::emulator
