#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace httplib {
class Server;
struct Request;
}  // namespace httplib

namespace ferry::emulator {

class Store;
struct StoredTable;

// "http://host:port", the emulator's base URL as the client addressed it (the Host
// header; the socket's local address for a request without one).
std::string BaseUrl(const httplib::Request& req);

// The table resource as tables.get returns it (tables.insert, patch and update return the
// same): the stored table plus the server's fields, `selfLink` under `base_url` as
// BigQuery's is under https://bigquery.googleapis.com.
nlohmann::json TableResource(const StoredTable& stored, const std::string& base_url);

// Installs BigQuery v2 REST routes (datasets, tables, tabledata.list) under
// /bigquery/v2 on `server`. Handlers run on httplib's worker threads and only
// touch `store`, which must outlive the server.
void InstallRestApi(httplib::Server& server, Store& store);

}  // namespace ferry::emulator
