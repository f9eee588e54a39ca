// RestClient::PatchTable against a local server that keeps one table and
// answers tables.get/tables.patch as BigQuery does: a new etag on every
// change, HTTP 412 when If-Match names an older one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bigquery/rest_client.h"
#include "bigquery/schema_evolution.h"

namespace ferry::bigquery {
namespace {

using ::testing::HasSubstr;

class TableServer {
 public:
  explicit TableServer(nlohmann::json table) : table_(std::move(table)) {
    table_["etag"] = Etag();
    const std::string path = "/bigquery/v2/projects/p/datasets/d/tables/t";
    server_.Get(path, [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      res.set_content(table_.dump(), "application/json");
    });
    server_.Patch(path, [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      if_match_.push_back(req.get_header_value("If-Match"));
      const std::string if_match = req.get_header_value("If-Match");
      if (!if_match.empty() && if_match != table_["etag"].get<std::string>()) {
        res.status = 412;
        res.set_content(
            nlohmann::json{
                {"error",
                 {{"code", 412},
                  {"message", "Precondition check failed."},
                  {"errors",
                   {{{"reason", "conditionNotMet"}, {"message", "Precondition check failed."}}}},
                  {"status", "FAILED_PRECONDITION"}}}}
                .dump(),
            "application/json");
        return;
      }
      nlohmann::json body = nlohmann::json::parse(req.body);
      // tables.patch replaces only the fields sent.
      for (auto& [key, value] : body.items()) table_[key] = value;
      ++version_;
      table_["etag"] = Etag();
      res.set_content(table_.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~TableServer() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const { return absl::StrCat("http://127.0.0.1:", port_); }
  // Someone else changes the table (another task's patch).
  void Touch() {
    std::lock_guard<std::mutex> lock(mu_);
    ++version_;
    table_["etag"] = Etag();
  }
  std::vector<std::string> if_match() {
    std::lock_guard<std::mutex> lock(mu_);
    return if_match_;
  }

 private:
  std::string Etag() const { return absl::StrCat("etag-", version_); }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  nlohmann::json table_;
  int version_ = 1;
  std::vector<std::string> if_match_;
};

TEST(RestClientPatchTest, PatchesTheSchemaHonouringTheEtag) {
  TableServer server(nlohmann::json::parse(R"({
    "tableReference": {"projectId": "p", "datasetId": "d", "tableId": "t"},
    "schema": {"fields": [{"name": "id", "type": "INTEGER", "mode": "REQUIRED"}]},
    "timePartitioning": {"type": "DAY"}
  })"));
  RestClientOptions options;
  options.endpoint = server.endpoint();
  auto client = RestClient::Create(options);
  ASSERT_TRUE(client.ok()) << client.status();
  TableReference ref{"p", "d", "t"};

  auto table = (*client)->GetTable(ref);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->etag, "etag-1");

  TableSchema proposal;
  proposal.fields = {TableFieldSchema{"id", FieldType::kInteger, FieldMode::kNullable, "", {}},
                     TableFieldSchema{"email", FieldType::kString, FieldMode::kNullable, "", {}}};
  EvolutionOptions evolution;
  evolution.allow_new_fields = true;
  evolution.allow_relaxation = true;
  SchemaEvolution next = EvolveSchema(table->schema, proposal, evolution);
  ASSERT_TRUE(next.changed());

  auto patched = (*client)->PatchTable(ref, next.schema, table->etag);
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ(patched->schema, next.schema);
  EXPECT_EQ(patched->etag, "etag-2");
  ASSERT_TRUE(patched->time_partitioning);  // untouched by a schema patch.

  // A patch computed from a stale read fails: read again and recompute.
  server.Touch();
  auto stale = (*client)->PatchTable(ref, next.schema, patched->etag);
  ASSERT_FALSE(stale.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(stale.status())) << stale.status();
  EXPECT_THAT(std::string(stale.status().message()), HasSubstr("Precondition check failed"));

  // Without an etag nothing is checked.
  EXPECT_TRUE((*client)->PatchTable(ref, next.schema).ok());
  EXPECT_EQ(server.if_match(), (std::vector<std::string>{"etag-1", "etag-2", ""}));
}

}  // namespace
}  // namespace ferry::bigquery
