#include "bigquery/rest_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <thread>
#include <vector>

namespace ferry::bigquery {
namespace {

using ::testing::HasSubstr;

struct Seen {
  std::string method;
  std::string path;
  std::string body;
  std::string authorization;
  std::map<std::string, std::string> params;
  int remote_port = 0;
};

// A stand-in BigQuery REST server: records requests, answers with the next
// canned (status, body).
class FakeBigQuery {
 public:
  FakeBigQuery() {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      Seen seen{req.method, req.path,       req.body, req.get_header_value("Authorization"),
                {},         req.remote_port};
      for (const auto& [k, v] : req.params) seen.params[k] = v;
      seen_.push_back(std::move(seen));
      res.status = status_;
      res.set_content(body_, "application/json");
    };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeBigQuery() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void Answer(int status, std::string body) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    body_ = std::move(body);
  }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  int status_ = 200;
  std::string body_ = "{}";
  std::vector<Seen> seen_;
};

class FixedToken : public TokenSource {
 public:
  absl::StatusOr<std::string> Token() override { return std::string("secret-token"); }
};

std::string GoogleError(int code, const std::string& reason, const std::string& message,
                        const std::string& status) {
  nlohmann::json j = {
      {"error",
       {{"code", code},
        {"message", message},
        {"errors", {{{"message", message}, {"domain", "global"}, {"reason", reason}}}},
        {"status", status}}}};
  return j.dump();
}

std::unique_ptr<RestClient> Client(const std::string& endpoint,
                                   std::shared_ptr<TokenSource> tokens = nullptr) {
  RestClientOptions options;
  options.endpoint = endpoint;
  options.token_source = std::move(tokens);
  options.request_timeout = absl::Seconds(10);
  auto client = RestClient::Create(options);
  EXPECT_TRUE(client.ok());
  return *std::move(client);
}

TEST(RestClientTest, GetTableParsesTheResourceAndSendsNoAuthWhenAnonymous) {
  FakeBigQuery server;
  server.Answer(200, R"({"kind":"bigquery#table","tableReference":{"projectId":"p","datasetId":"d",
    "tableId":"t"},"schema":{"fields":[{"name":"ce_id","type":"STRING","mode":"REQUIRED"},
    {"name":"ce_time","type":"TIMESTAMP"}]},"timePartitioning":{"type":"DAY","field":"ce_time"},
    "clustering":{"fields":["ce_type"]},"numRows":"12"})");
  auto client = Client(server.endpoint(), std::make_shared<AnonymousTokenSource>());
  auto table = client->GetTable({"p", "d", "t"});
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->schema.fields.size(), 2u);
  EXPECT_EQ(table->schema.fields[0].mode, FieldMode::kRequired);
  ASSERT_TRUE(table->time_partitioning.has_value());
  EXPECT_EQ(table->time_partitioning->field, "ce_time");
  EXPECT_EQ(table->clustering_fields, std::vector<std::string>{"ce_type"});
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].path, "/bigquery/v2/projects/p/datasets/d/tables/t");
  EXPECT_EQ(seen[0].authorization, "");
}

TEST(RestClientTest, InsertTableSendsGooglesTableResource) {
  FakeBigQuery server;
  server.Answer(200, R"({"tableReference":{"projectId":"p","datasetId":"d","tableId":"t"}})");
  auto client = Client(server.endpoint());
  Table table;
  table.ref = {"p", "d", "t"};
  TableFieldSchema id;
  id.name = "ce_id";
  id.type = FieldType::kString;
  id.mode = FieldMode::kRequired;
  TableFieldSchema time;
  time.name = "ce_time";
  time.type = FieldType::kTimestamp;
  table.schema.fields = {id, time};
  table.time_partitioning = TimePartitioning{"DAY", "ce_time", 86400000};
  table.clustering_fields = {"ce_type", "ce_subject"};
  ASSERT_TRUE(client->InsertTable(table).ok());
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/bigquery/v2/projects/p/datasets/d/tables");
  nlohmann::json body = nlohmann::json::parse(seen[0].body);
  EXPECT_EQ(body["tableReference"]["tableId"], "t");
  EXPECT_EQ(body["tableReference"]["datasetId"], "d");
  EXPECT_EQ(body["schema"]["fields"][0]["name"], "ce_id");
  EXPECT_EQ(body["schema"]["fields"][0]["mode"], "REQUIRED");
  EXPECT_EQ(body["schema"]["fields"][1]["type"], "TIMESTAMP");
  EXPECT_EQ(body["timePartitioning"]["type"], "DAY");
  EXPECT_EQ(body["timePartitioning"]["field"], "ce_time");
  EXPECT_EQ(body["timePartitioning"]["expirationMs"], "86400000");  // int64 as string.
  EXPECT_EQ(body["clustering"]["fields"], nlohmann::json({"ce_type", "ce_subject"}));
}

TEST(RestClientTest, DatasetsAndTableDataUseGooglesPaths) {
  FakeBigQuery server;
  auto client = Client(server.endpoint());
  ASSERT_TRUE(client->InsertDataset("p", "serverlog", "EU").ok());
  ASSERT_TRUE(client->GetDataset("p", "serverlog").ok());
  TableDataListOptions list;
  list.max_results = 100;
  list.page_token = "tok/1";
  ASSERT_TRUE(client->ListTableData({"p", "d", "t"}, list).ok());
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].path, "/bigquery/v2/projects/p/datasets");
  nlohmann::json body = nlohmann::json::parse(seen[0].body);
  EXPECT_EQ(body["datasetReference"]["projectId"], "p");
  EXPECT_EQ(body["datasetReference"]["datasetId"], "serverlog");
  EXPECT_EQ(body["location"], "EU");
  EXPECT_EQ(seen[1].method, "GET");
  EXPECT_EQ(seen[1].path, "/bigquery/v2/projects/p/datasets/serverlog");
  EXPECT_EQ(seen[2].path, "/bigquery/v2/projects/p/datasets/d/tables/t/data");
  EXPECT_EQ(seen[2].params["maxResults"], "100");
  EXPECT_EQ(seen[2].params["pageToken"], "tok/1");
  EXPECT_EQ(seen[2].params["formatOptions.useInt64Timestamp"], "true");
  // One easy handle: the connection is kept alive between calls.
  EXPECT_EQ(seen[0].remote_port, seen[2].remote_port);
}

TEST(RestClientTest, MapsHttpErrorsToStatusCodesWithTheServersMessage) {
  FakeBigQuery server;
  auto client = Client(server.endpoint(), std::make_shared<FixedToken>());
  struct Case {
    int http;
    std::string reason;
    absl::StatusCode code;
  };
  std::vector<Case> cases = {
      {400, "invalid", absl::StatusCode::kInvalidArgument},
      {401, "authError", absl::StatusCode::kUnauthenticated},
      {403, "accessDenied", absl::StatusCode::kPermissionDenied},
      {403, "rateLimitExceeded", absl::StatusCode::kResourceExhausted},
      {403, "quotaExceeded", absl::StatusCode::kResourceExhausted},
      {404, "notFound", absl::StatusCode::kNotFound},
      {409, "duplicate", absl::StatusCode::kAlreadyExists},
      {429, "rateLimitExceeded", absl::StatusCode::kResourceExhausted},
      {500, "backendError", absl::StatusCode::kUnavailable},
      {503, "backendError", absl::StatusCode::kUnavailable},
  };
  for (const Case& c : cases) {
    server.Answer(c.http, GoogleError(c.http, c.reason, "Not found: Table p:d.t", "X"));
    auto table = client->GetTable({"p", "d", "t"});
    ASSERT_FALSE(table.ok());
    EXPECT_EQ(table.status().code(), c.code) << c.http << " " << c.reason;
    EXPECT_THAT(std::string(table.status().message()), HasSubstr("Not found: Table p:d.t"));
    EXPECT_THAT(std::string(table.status().message()), HasSubstr(c.reason));
    EXPECT_THAT(std::string(table.status().message()), ::testing::Not(HasSubstr("secret-token")));
  }
  // The token is sent, as a bearer token.
  EXPECT_EQ(server.seen().back().authorization, "Bearer secret-token");
}

TEST(RestClientTest, NonJsonErrorBodiesAndConnectionFailures) {
  FakeBigQuery server;
  auto client = Client(server.endpoint());
  server.Answer(502, "<html>Bad Gateway</html>");
  auto status = client->GetDataset("p", "d").status();
  EXPECT_TRUE(absl::IsUnavailable(status));
  EXPECT_THAT(std::string(status.message()), HasSubstr("Bad Gateway"));

  // Nothing listens on port 1.
  auto dead = Client("http://127.0.0.1:1");
  EXPECT_TRUE(absl::IsUnavailable(dead->GetDataset("p", "d").status()));
}

TEST(StatusFromHttpTest, SuccessIsOk) {
  EXPECT_TRUE(StatusFromHttp(200, "{}", "x").ok());
  EXPECT_TRUE(StatusFromHttp(204, "", "x").ok());
  EXPECT_EQ(StatusFromHttp(412, "{}", "x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(StatusFromHttp(418, "{}", "x").code(), absl::StatusCode::kUnknown);
}

}  // namespace
}  // namespace ferry::bigquery
