#pragma once

#include <cstdint>
#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace httplib {
class Server;
}

// tabledata.insertAll, BigQuery's legacy streaming API, over the emulator's Store.
// See README.md ("tabledata.insertAll") for the behaviour emulated.
namespace ferry::emulator {

class Store;

struct InsertAllOptions {
  // BigQuery's limits (https://cloud.google.com/bigquery/quotas#streaming_inserts).
  int64_t max_request_bytes = 10 * 1024 * 1024;  // 400 "Request payload size exceeds..."
  int64_t max_rows = 50000;                      // 400 "too many rows present..."
  int64_t max_row_bytes = 10 * 1024 * 1024;      // per-row "invalid"
  int64_t max_insert_id_chars = 128;             // per-row "invalid"
  // Bodies past this never reach BigQuery: Google's front end answers 413 with
  // an HTML page. BigQuery does not document the threshold (50 MB bodies have
  // drawn either answer); 32 MiB is the emulator's choice. 0 = never.
  int64_t front_end_max_request_bytes = 32 * 1024 * 1024;
  // insertId de-duplication window (BigQuery: "at least one minute").
  absl::Duration dedup_window = absl::Minutes(1);
  // The clock the de-duplication window is measured with (tests use a fake one).
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

// Installs POST /bigquery/v2/projects/{p}/datasets/{d}/tables/{t}/insertAll on
// `server`; it must be installed before any catch-all route. Rows are validated
// against the table schema with the same value checks as the Storage Write API
// (values.h) and appended to the table's `_default` stream, so they are visible
// through tabledata.list next to Storage Write rows.
//
// Threads: handlers run on httplib's workers. The insertId de-duplication state
// lives in memory (owned by the route, so it lives as long as `server`), is
// guarded by one mutex held across check, append and record, and is lost on
// restart, as BigQuery's best-effort de-duplication may lose it. `store` must
// outlive the server.
void InstallInsertAll(httplib::Server& server, Store& store, InsertAllOptions options = {});

}  // namespace ferry::emulator
