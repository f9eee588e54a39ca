#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace ferry::emulator {

class Store;
struct StoredTable;

// A JSON response body, as BigQuery sends them.
void SendJson(httplib::Response& res, int code, const nlohmann::json& body);

// Google's error body, {"error":{"code","message","errors":[error],"status"}}, where
// `error` is `extra` plus message, domain "global" and reason.
void SendGoogleError(httplib::Response& res, int code, const std::string& reason,
                     const std::string& status, const std::string& message,
                     nlohmann::json extra = nlohmann::json::object());

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
