// tabledata.insertAll over HTTP: the emulator's REST routes on a local port,
// with the insertAll options (limits, de-duplication clock) under test control.
#include "emulator/insert_all.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "emulator/emulator.h"
#include "emulator/rest_api.h"
#include "emulator/store.h"
#include "google/cloud/bigquery/storage/v1/storage.grpc.pb.h"

namespace ferry::emulator {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

constexpr char kProject[] = "proj";
constexpr char kDataset[] = "ds";

json ErrorProto(const std::string& reason, const std::string& location,
                const std::string& message) {
  return {{"reason", reason}, {"location", location}, {"debugInfo", ""}, {"message", message}};
}

json ErrorBody(int code, const std::string& message, const std::string& reason,
               const std::string& status) {
  return {
      {"error",
       {{"code", code},
        {"message", message},
        {"errors", json::array({{{"message", message}, {"domain", "global"}, {"reason", reason}}})},
        {"status", status}}}};
}

// The REST API with insertAll installed under `options`, on its own port.
class RestServer {
 public:
  explicit RestServer(InsertAllOptions options) {
    auto store = Store::Open(":memory:");
    EXPECT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    InstallInsertAll(server_, *store_, std::move(options));  // Ahead of the default one.
    InstallRestApi(server_, *store_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
  }
  ~RestServer() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  std::unique_ptr<Store> store_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

class InsertAllTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  void Start(InsertAllOptions options) {
    http_.reset();
    server_.reset();
    options.now = [this] {
      return absl::FromUnixSeconds(1700000000) + absl::Seconds(clock_s_.load());
    };
    server_ = std::make_unique<RestServer>(std::move(options));
    http_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    http_->set_read_timeout(60, 0);
    Call("POST", Base() + "/datasets", {{"datasetReference", {{"datasetId", kDataset}}}});
  }

  struct Reply {
    int status = 0;
    json body;
    std::string raw;
    std::string content_type;
  };
  Reply Send(const std::string& method, const std::string& path, const std::string& body) {
    httplib::Result r =
        method == "POST" ? http_->Post(path, body, "application/json") : http_->Get(path);
    Reply reply;
    if (!r) {
      ADD_FAILURE() << "HTTP " << method << " " << path << " failed";
      return reply;
    }
    reply.status = r->status;
    reply.raw = r->body;
    reply.content_type = r->get_header_value("Content-Type");
    if (!r->body.empty()) reply.body = json::parse(r->body, nullptr, false);
    return reply;
  }
  Reply Call(const std::string& method, const std::string& path, const json& body = nullptr) {
    return Send(method, path, body.is_null() ? "" : body.dump());
  }
  static std::string Base() { return absl::StrCat("/bigquery/v2/projects/", kProject); }
  static std::string TablePath(const std::string& table) {
    return absl::StrCat(Base(), "/datasets/", kDataset, "/tables/", table);
  }

  void CreateTable(const std::string& table, const json& fields) {
    Reply r = Call("POST", absl::StrCat(Base(), "/datasets/", kDataset, "/tables"),
                   {{"tableReference", {{"tableId", table}}}, {"schema", {{"fields", fields}}}});
    ASSERT_EQ(r.status, 200) << r.raw;
  }
  Reply InsertAll(const std::string& table, const json& request) {
    return Call("POST", TablePath(table) + "/insertAll", request);
  }
  // {"rows":[{"json":row}, ...]} plus `extra` top-level members.
  static json Request(const std::vector<json>& rows, json extra = json::object()) {
    json out = std::move(extra);
    out["rows"] = json::array();
    for (const json& row : rows) out["rows"].push_back({{"json", row}});
    return out;
  }
  json Rows(const std::string& table) {
    Reply r = Call("GET", TablePath(table) + "/data?formatOptions.useInt64Timestamp=true");
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body.value("rows", json::array());
  }

  std::atomic<int64_t> clock_s_{0};
  std::unique_ptr<RestServer> server_;
  std::unique_ptr<httplib::Client> http_;
};

json AllTypes() {
  return json::parse(R"([
    {"name":"s","type":"STRING"},
    {"name":"b","type":"BYTES"},
    {"name":"i","type":"INTEGER"},
    {"name":"f","type":"FLOAT"},
    {"name":"ok","type":"BOOLEAN"},
    {"name":"n","type":"NUMERIC"},
    {"name":"bn","type":"BIGNUMERIC"},
    {"name":"ts","type":"TIMESTAMP"},
    {"name":"d","type":"DATE"},
    {"name":"t","type":"TIME"},
    {"name":"dt","type":"DATETIME"},
    {"name":"g","type":"GEOGRAPHY"},
    {"name":"j","type":"JSON"},
    {"name":"tags","type":"STRING","mode":"REPEATED"},
    {"name":"rec","type":"RECORD","fields":[
      {"name":"x","type":"INTEGER","mode":"REQUIRED"},
      {"name":"y","type":"STRING"}]},
    {"name":"recs","type":"RECORD","mode":"REPEATED","fields":[{"name":"k","type":"STRING"}]}
  ])");
}

TEST_F(InsertAllTest, StoresEveryTypeAsTabledataListRendersIt) {
  CreateTable("all", AllTypes());
  Reply r = InsertAll("all", Request({json::parse(R"js({
      "s":"héllo", "b":"AAEC/w==", "i":"-9223372036854775808", "f":2.5, "ok":"TRUE",
      "n":"-12.500", "bn":"1e-38", "ts":"2024-05-01 12:00:00.123456+02:00",
      "d":"2024-02-29", "t":"23:59:59.5", "dt":"2024-05-01T01:02:03", "g":"POINT(1 2)",
      "j":"{\"b\":1,\"a\":[true,null]}", "tags":["a","b"],
      "rec":{"x":7,"Y":"why"}, "recs":[{"k":"one"},{"k":"two"}]})js"),
                                      json::parse(R"({
      "i":42, "f":"NaN", "ok":false, "n":3, "ts":1714557600.5, "j":{"z":1}, "tags":[],
      "rec":{"x":"8"}})")}));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body, json({{"kind", "bigquery#tableDataInsertAllResponse"}}));

  json rows = Rows("all");
  ASSERT_EQ(rows.size(), 2u);
  auto cell = [&](size_t row, size_t column) { return rows[row]["f"][column]["v"]; };
  EXPECT_EQ(cell(0, 0), "héllo");
  EXPECT_EQ(cell(0, 1), "AAEC/w==");
  EXPECT_EQ(cell(0, 2), "-9223372036854775808");
  EXPECT_EQ(cell(0, 3), "2.5");
  EXPECT_EQ(cell(0, 4), "true");
  EXPECT_EQ(cell(0, 5), "-12.5");
  EXPECT_EQ(cell(0, 6), "0.00000000000000000000000000000000000001");
  EXPECT_EQ(cell(0, 7), "1714557600123456");
  EXPECT_EQ(cell(0, 8), "2024-02-29");
  EXPECT_EQ(cell(0, 9), "23:59:59.500000");
  EXPECT_EQ(cell(0, 10), "2024-05-01T01:02:03");
  EXPECT_EQ(cell(0, 11), "POINT(1 2)");
  EXPECT_EQ(cell(0, 12), R"({"b":1,"a":[true,null]})");
  EXPECT_EQ(cell(0, 13), json::parse(R"([{"v":"a"},{"v":"b"}])"));
  EXPECT_EQ(cell(0, 14), json::parse(R"({"f":[{"v":"7"},{"v":"why"}]})"));
  EXPECT_EQ(cell(0, 15), json::parse(R"([{"v":{"f":[{"v":"one"}]}},{"v":{"f":[{"v":"two"}]}}])"));

  EXPECT_EQ(cell(1, 2), "42");
  EXPECT_EQ(cell(1, 3), "NaN");
  EXPECT_EQ(cell(1, 4), "false");
  EXPECT_EQ(cell(1, 5), "3");
  EXPECT_EQ(cell(1, 7), "1714557600500000");  // a number is seconds.
  EXPECT_EQ(cell(1, 12), R"({"z":1})");
  EXPECT_EQ(cell(1, 13), json::array());
  EXPECT_EQ(cell(1, 14), json::parse(R"({"f":[{"v":"8"},{"v":null}]})"));
  EXPECT_EQ(cell(1, 0), nullptr);
}

TEST_F(InsertAllTest, AnInvalidRowStopsTheWholeRequest) {
  CreateTable("t", json::parse(R"([{"name":"id","type":"INTEGER"},{"name":"s","type":"STRING"}])"));
  Reply r = InsertAll("t", Request({{{"id", 1}}, {{"id", "one"}}, {{"id", 3}, {"s", "x"}}}));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(
      r.body,
      json({{"kind", "bigquery#tableDataInsertAllResponse"},
            {"insertErrors",
             {{{"index", 0}, {"errors", {ErrorProto("stopped", "", "")}}},
              {{"index", 1},
               {"errors",
                {ErrorProto("invalid", "id", "Cannot convert value to integer (bad value):one")}}},
              {{"index", 2}, {"errors", {ErrorProto("stopped", "", "")}}}}}}));
  EXPECT_TRUE(Rows("t").empty());
}

TEST_F(InsertAllTest, SkipInvalidRowsInsertsTheValidOnes) {
  CreateTable("t", json::parse(R"([{"name":"id","type":"INTEGER"}])"));
  Reply r = InsertAll(
      "t", Request({{{"id", 1}}, {{"id", 1.5}}, {{"id", 3}}}, {{"skipInvalidRows", true}}));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(
      r.body["insertErrors"],
      json({{{"index", 1},
             {"errors",
              {ErrorProto("invalid", "id", "Cannot convert value to integer (bad value):1.5")}}}}));
  json rows = Rows("t");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["f"][0]["v"], "1");
  EXPECT_EQ(rows[1]["f"][0]["v"], "3");
}

TEST_F(InsertAllTest, UnknownFieldsAreInvalidUnlessIgnored) {
  CreateTable("t", json::parse(R"([{"name":"id","type":"INTEGER"},
      {"name":"rec","type":"RECORD","fields":[{"name":"a","type":"STRING"}]}])"));
  json row = {{"id", 1}, {"extra", "x"}, {"rec", {{"a", "y"}, {"b", 2}}}};
  Reply r = InsertAll("t", Request({row}));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["insertErrors"],
            json({{{"index", 0},
                   {"errors",
                    {ErrorProto("invalid", "extra", "no such field: extra."),
                     ErrorProto("invalid", "rec.b", "no such field: b.")}}}}));
  EXPECT_TRUE(Rows("t").empty());

  r = InsertAll("t", Request({row}, {{"ignoreUnknownValues", true}}));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_FALSE(r.body.contains("insertErrors")) << r.body;
  json rows = Rows("t");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["f"][1]["v"], json::parse(R"({"f":[{"v":"y"}]})"));
}

TEST_F(InsertAllTest, EachValueCheckNamesItsLocation) {
  CreateTable("all", AllTypes());
  struct Case {
    json row;
    std::string location;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{{"s", 5}}, "s", "Could not convert value to string."},
      {{{"b", "not base64!"}}, "b", "Could not decode base64 string to bytes."},
      {{{"i", "9223372036854775808"}},
       "i",
       "Cannot convert value to integer (bad value):9223372036854775808"},
      {{{"f", "abc"}}, "f", "Cannot convert value to floating point (bad value):abc"},
      {{{"ok", "yes"}}, "ok", "Cannot convert value to boolean (bad value):yes"},
      {{{"n", "123456789012345678901234567890"}},
       "n",
       "NUMERIC value is out of range: 123456789012345678901234567890"},
      {{{"n", "0.0000000001"}},
       "n",
       "NUMERIC value has more than 9 fractional digits: 0.0000000001"},
      {{{"ts", "2024-13-01 00:00:00"}},
       "ts",
       "Could not parse '2024-13-01 00:00:00' as a timestamp. Required format is YYYY-MM-DD "
       "HH:MM[:SS[.SSSSSS]]"},
      {{{"ts", 253402300800}}, "ts", "Timestamp field value is out of range: 253402300800"},
      {{{"d", "2023-02-29"}}, "d", "Could not parse '2023-02-29' as a date"},
      {{{"t", "24:00:00"}}, "t", "Could not parse '24:00:00' as a time"},
      {{{"dt", "2024-05-01X01:02"}}, "dt", "Could not parse '2024-05-01X01:02' as a datetime"},
      {{{"j", "{not json"}}, "j", "Invalid JSON value: '{not json'"},
      {{{"tags", "a"}}, "tags", "Repeated field must be imported as a JSON array: tags."},
      {{{"tags", {"a", nullptr}}}, "tags[1]", "Null value in repeated field: tags."},
      {{{"s", {"a"}}}, "s", "Array specified for non-repeated field: s."},
      {{{"s", {{"a", 1}}}}, "s", "JSON object specified for non-record field: s."},
      {{{"rec", "x"}}, "rec", "This field: rec is not a record."},
      {{{"rec", {{"y", "no x"}}}}, "rec.x", "Missing required field: rec.x."},
      {{{"recs", {{{"k", 1}}}}}, "recs[0].k", "Could not convert value to string."},
  };
  for (const Case& c : cases) {
    Reply r = InsertAll("all", Request({c.row}));
    ASSERT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body["insertErrors"],
              json({{{"index", 0}, {"errors", {ErrorProto("invalid", c.location, c.message)}}}}))
        << c.row;
  }
  EXPECT_TRUE(Rows("all").empty());
}

TEST_F(InsertAllTest, RequiredColumnsMustBePresentAndNotNull) {
  CreateTable("t", json::parse(R"([{"name":"id","type":"STRING","mode":"REQUIRED"}])"));
  Reply r = InsertAll("t", Request({json::object(), {{"id", nullptr}}}));
  ASSERT_EQ(r.status, 200) << r.raw;
  const json missing = {ErrorProto("invalid", "id", "Missing required field: id.")};
  EXPECT_EQ(r.body["insertErrors"],
            json({{{"index", 0}, {"errors", missing}}, {{"index", 1}, {"errors", missing}}}));
}

TEST_F(InsertAllTest, RequestLimits) {
  CreateTable("t", json::parse(R"([{"name":"s","type":"STRING"}])"));
  Reply r = InsertAll("t", Request({}));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            ErrorBody(400, "No rows present in the request.", "invalid", "INVALID_ARGUMENT"));

  r = InsertAll("t", Request(std::vector<json>(50001, json::object())));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, ErrorBody(400,
                              "too many rows present in the request, limit: 50000 row "
                              "count: 50001.",
                              "invalid", "INVALID_ARGUMENT"));
  r = InsertAll("t", Request(std::vector<json>(50000, json::object())));
  EXPECT_EQ(r.status, 200) << r.raw.substr(0, 300);

  // 10,485,760 bytes is BigQuery's limit on the HTTP body.
  const std::string prefix = R"({"rows":[{"json":{"s":")";
  const std::string suffix = R"("}}]})";
  std::string body = prefix + std::string(10485760 - prefix.size() - suffix.size(), 'x') + suffix;
  ASSERT_EQ(body.size(), 10485760u);
  r = Send("POST", TablePath("t") + "/insertAll", body);
  EXPECT_EQ(r.status, 200) << r.raw.substr(0, 300);
  body.insert(prefix.size(), "y");
  r = Send("POST", TablePath("t") + "/insertAll", body);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, ErrorBody(400, "Request payload size exceeds the limit: 10485760 bytes.",
                              "badRequest", "INVALID_ARGUMENT"));
}

TEST_F(InsertAllTest, OversizedRowsAndFrontEndLimit) {
  InsertAllOptions options;
  options.max_request_bytes = 4000;
  options.max_row_bytes = 1000;
  options.front_end_max_request_bytes = 8000;
  Start(options);
  CreateTable("t", json::parse(R"([{"name":"s","type":"STRING"}])"));
  Reply r = InsertAll("t", Request({{{"s", std::string(1200, 'x')}}, {{"s", "small"}}},
                                   {{"skipInvalidRows", true}}));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["insertErrors"],
            json({{{"index", 0},
                   {"errors",
                    {ErrorProto("invalid", "",
                                "Maximum allowed row size exceeded. Allowed: 1000 Row size: "
                                "1208")}}}}));
  EXPECT_EQ(Rows("t").size(), 1u);

  r = InsertAll("t", Request({{{"s", std::string(5000, 'x')}}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["message"], "Request payload size exceeds the limit: 4000 bytes.");

  r = InsertAll("t", Request({{{"s", std::string(9000, 'x')}}}));
  EXPECT_EQ(r.status, 413);
  EXPECT_THAT(r.content_type, HasSubstr("text/html"));
  EXPECT_THAT(r.raw, HasSubstr("Error 413 (Request Entity Too Large)!!1"));
}

TEST_F(InsertAllTest, MalformedRequests) {
  CreateTable("t", json::parse(R"([{"name":"s","type":"STRING"}])"));
  Reply r = Send("POST", TablePath("t") + "/insertAll", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["message"], "Invalid JSON payload received.");

  r = InsertAll("t", {{"rows", {{{"json", {{"s", "a"}}}}}}, {"bogus", 1}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["message"],
            "Invalid JSON payload received. Unknown name \"bogus\": Cannot find field.");

  r = InsertAll("t", {{"rows", {{{"json", {{"s", "a"}}}, {"id", "x"}}}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["message"],
            "Invalid JSON payload received. Unknown name \"id\" at 'rows[0]': Cannot find field.");

  r = InsertAll("t", {{"rows", {{{"json", "a"}}}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["message"], "Invalid value at 'rows[0].json', \"a\"");

  r = InsertAll("missing", Request({{{"s", "a"}}}));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, ErrorBody(404, "Not found: Table proj:ds.missing", "notFound", "NOT_FOUND"));
  EXPECT_TRUE(Rows("t").empty());
}

TEST_F(InsertAllTest, InsertIdsAreDeduplicatedWithinTheWindow) {
  CreateTable("t", json::parse(R"([{"name":"s","type":"STRING"}])"));
  CreateTable("u", json::parse(R"([{"name":"s","type":"STRING"}])"));
  auto rows = [](std::vector<std::pair<std::string, std::string>> items) {
    json out = {{"rows", json::array()}};
    for (auto& [id, s] : items) {
      json row = {{"json", {{"s", s}}}};
      if (!id.empty()) row["insertId"] = id;
      out["rows"].push_back(row);
    }
    return out;
  };
  // Duplicates inside one request, and rows without insertId, which are never merged.
  Reply r = InsertAll("t", rows({{"t-0-1", "a"}, {"t-0-1", "a again"}, {"", "b"}, {"", "b"}}));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_FALSE(r.body.contains("insertErrors"));
  EXPECT_EQ(Rows("t").size(), 3u);

  clock_s_ = 59;  // Within the minute: acknowledged, not stored again.
  r = InsertAll("t", rows({{"t-0-1", "a"}, {"t-0-2", "c"}}));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_FALSE(r.body.contains("insertErrors"));
  EXPECT_EQ(Rows("t").size(), 4u);
  r = InsertAll("u", rows({{"t-0-1", "a"}}));  // Other tables have their own ids.
  EXPECT_EQ(Rows("u").size(), 1u);

  clock_s_ = 61;  // t-0-1 (seen at 0) expired; t-0-2 (seen at 59) did not.
  r = InsertAll("t", rows({{"t-0-1", "a"}, {"t-0-2", "c"}}));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(Rows("t").size(), 5u);

  // A request refused for an invalid row records no insertId.
  r = InsertAll("t", {{"rows",
                       {{{"insertId", "t-0-9"}, {"json", {{"s", "d"}}}},
                        {{"insertId", "t-0-10"}, {"json", {{"s", 1}}}}}}});
  EXPECT_TRUE(r.body.contains("insertErrors"));
  r = InsertAll("t", rows({{"t-0-9", "d"}}));
  EXPECT_EQ(Rows("t").size(), 6u);

  r = InsertAll("t", rows({{std::string(129, 'i'), "long id"}}));
  EXPECT_EQ(r.body["insertErrors"][0]["errors"][0],
            ErrorProto("invalid", "", "insertId is longer than 128 characters: 129"));
}

TEST_F(InsertAllTest, ConcurrentRequestsWithOneInsertIdStoreItOnce) {
  CreateTable("t", json::parse(R"([{"name":"s","type":"STRING"}])"));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  // 4 clients: httplib listens with a backlog of 5, and a dropped SYN costs a 1 s retry.
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      httplib::Client client("127.0.0.1", server_->port());
      json request = {{"rows", {{{"insertId", "same"}, {"json", {{"s", std::to_string(i)}}}}}}};
      auto r = client.Post(TablePath("t") + "/insertAll", request.dump(), "application/json");
      if (r && r->status == 200) ++ok;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok, 4);
  EXPECT_EQ(Rows("t").size(), 1u);
}

TEST_F(InsertAllTest, TemplateSuffixCreatesTheInstanceTable) {
  CreateTable("base", json::parse(R"([{"name":"s","type":"STRING","mode":"REQUIRED"}])"));
  Reply r = InsertAll("base", Request({{{"s", "a"}}}, {{"templateSuffix", "_20240501"}}));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_TRUE(Rows("base").empty());
  EXPECT_EQ(Rows("base_20240501").size(), 1u);
  Reply table = Call("GET", TablePath("base_20240501"));
  ASSERT_EQ(table.status, 200);
  EXPECT_EQ(table.body["schema"]["fields"][0]["mode"], "REQUIRED");
  r = InsertAll("base", Request({json::object()}, {{"templateSuffix", "_20240501"}}));
  EXPECT_EQ(r.body["insertErrors"][0]["errors"][0]["message"], "Missing required field: s.");
}

// The real emulator: insertAll is routed, and its rows share storage with the
// Storage Write API's _default stream.
TEST(InsertAllEmulatorTest, RowsLandBesideStorageWriteRows) {
  namespace storage = google::cloud::bigquery::storage::v1;
  auto emulator = Emulator::Start({});
  ASSERT_TRUE(emulator.ok()) << emulator.status();
  httplib::Client http("127.0.0.1", (*emulator)->rest_port());
  const std::string base = "/bigquery/v2/projects/p";
  ASSERT_EQ(
      http.Post(base + "/datasets", R"({"datasetReference":{"datasetId":"d"}})", "application/json")
          ->status,
      200);
  ASSERT_EQ(http.Post(base + "/datasets/d/tables",
                      R"({"tableReference":{"tableId":"t"},
                          "schema":{"fields":[{"name":"s","type":"STRING"}]}})",
                      "application/json")
                ->status,
            200);

  auto stub = storage::BigQueryWrite::NewStub(
      grpc::CreateChannel((*emulator)->grpc_endpoint(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto stream = stub->AppendRows(&context);
  storage::AppendRowsRequest request;
  request.set_write_stream("projects/p/datasets/d/tables/t/streams/_default");
  auto* descriptor =
      request.mutable_proto_rows()->mutable_writer_schema()->mutable_proto_descriptor();
  descriptor->set_name("Row");
  auto* field = descriptor->add_field();
  field->set_name("s");
  field->set_number(1);
  field->set_type(google::protobuf::FieldDescriptorProto::TYPE_STRING);
  field->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  request.mutable_proto_rows()->mutable_rows()->add_serialized_rows(
      std::string("\x0a\x05write", 7));
  ASSERT_TRUE(stream->Write(request));
  storage::AppendRowsResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_FALSE(response.has_error()) << response.DebugString();
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());

  auto r = http.Post(base + "/datasets/d/tables/t/insertAll",
                     R"({"rows":[{"insertId":"1","json":{"s":"insertAll"}}]})", "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto list = http.Get(base + "/datasets/d/tables/t/data");
  ASSERT_TRUE(list);
  json body = json::parse(list->body);
  EXPECT_EQ(body["totalRows"], "2");
  EXPECT_EQ(body["rows"], json::parse(R"([{"f":[{"v":"write"}]},{"f":[{"v":"insertAll"}]}])"));
}

}  // namespace
}  // namespace ferry::emulator
