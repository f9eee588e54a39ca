#pragma once

namespace httplib {
class Server;
}

namespace ferry::emulator {

class Store;

// Installs BigQuery v2 REST routes (datasets, tables, tabledata.list) under
// /bigquery/v2 on `server`. Handlers run on httplib's worker threads and only
// touch `store`, which must outlive the server.
void InstallRestApi(httplib::Server& server, Store& store);

}  // namespace ferry::emulator
