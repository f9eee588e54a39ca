// InsertAllWriter against ferry's BigQuery emulator: the real emulator, the
// emulator's REST routes with small insertAll limits, and a local proxy that
// injects failures in front of it.
#include "bigquery/insert_all_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bigquery/json_rows.h"
#include "bigquery/rest_client.h"
#include "emulator/emulator.h"
#include "emulator/insert_all.h"
#include "emulator/rest_api.h"
#include "emulator/store.h"

namespace ferry::bigquery {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

// Runs an httplib server on a free local port until destroyed.
class LocalServer {
 public:
  LocalServer() = default;
  void Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
  }
  virtual ~LocalServer() { Stop(); }
  // Derived servers stop before their members, which handlers use, go away.
  void Stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string endpoint() const { return absl::StrCat("http://127.0.0.1:", port_); }

 protected:
  httplib::Server server_;

 private:
  int port_ = 0;
  std::thread thread_;
};

// The emulator's REST API with its insertAll limits set by the test.
class SmallLimitsEmulator : public LocalServer {
 public:
  explicit SmallLimitsEmulator(emulator::InsertAllOptions options) {
    store_ = *emulator::Store::Open(":memory:");
    emulator::InstallInsertAll(server_, *store_, std::move(options));  // ahead of the default.
    emulator::InstallRestApi(server_, *store_);
    Start();
  }
  ~SmallLimitsEmulator() override { Stop(); }

 private:
  std::unique_ptr<emulator::Store> store_;
};

// Answers the first `failures` insertAll requests with `status` and `body`, and
// forwards everything else to `upstream`.
class FaultyProxy : public LocalServer {
 public:
  FaultyProxy(const std::string& upstream, int failures, int status, std::string body)
      : failures_(failures) {
    auto forward = [upstream](const httplib::Request& req, httplib::Response& res) {
      httplib::Client client(upstream);
      client.set_read_timeout(60, 0);
      httplib::Result r = req.method == "POST"
                              ? client.Post(req.target, req.body, "application/json")
                              : client.Get(req.target);
      if (!r) {
        res.status = 502;
        return;
      }
      res.status = r->status;
      res.set_content(r->body, r->get_header_value("Content-Type"));
    };
    server_.Post(".*", [=, this](const httplib::Request& req, httplib::Response& res) {
      if (absl::EndsWith(req.path, "/insertAll")) {
        ++insert_alls_;
        if (failures_-- > 0) {
          res.status = status;
          res.set_content(body, "application/json; charset=UTF-8");
          return;
        }
      }
      forward(req, res);
    });
    server_.Get(".*", forward);
    Start();
  }
  ~FaultyProxy() override { Stop(); }
  int insert_alls() const { return insert_alls_; }

 private:
  std::atomic<int> failures_;
  std::atomic<int> insert_alls_{0};
};

std::string GoogleError(int code, const std::string& reason, const std::string& status) {
  return json({{"error",
                {{"code", code},
                 {"message", "injected"},
                 {"errors", {{{"message", "injected"}, {"domain", "global"}, {"reason", reason}}}},
                 {"status", status}}}})
      .dump();
}

const TableReference kTable{"p", "d", "t"};

class InsertAllWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto emulator = emulator::Emulator::Start({});
    ASSERT_TRUE(emulator.ok()) << emulator.status();
    emulator_ = *std::move(emulator);
    admin_ = Client(emulator_->rest_endpoint());
    CreateTable(*admin_);
  }

  static std::unique_ptr<RestClient> Client(const std::string& endpoint) {
    RestClientOptions options;
    options.endpoint = endpoint;
    auto rest = RestClient::Create(options);
    EXPECT_TRUE(rest.ok()) << rest.status();
    return *std::move(rest);
  }

  static TableSchema Schema() {
    TableSchema schema;
    TableFieldSchema id;
    id.name = "id";
    id.type = FieldType::kInteger;
    id.mode = FieldMode::kRequired;
    TableFieldSchema s;
    s.name = "s";
    TableFieldSchema ts;
    ts.name = "ts";
    ts.type = FieldType::kTimestamp;
    schema.fields = {id, s, ts};
    return schema;
  }

  static void CreateTable(RestClient& rest) {
    ASSERT_TRUE(rest.InsertDataset("p", "d").ok());
    Table table;
    table.ref = kTable;
    table.schema = Schema();
    auto created = rest.InsertTable(table);
    ASSERT_TRUE(created.ok()) << created.status();
  }

  // Rows {"id": first..first+n-1, "s": filler}, insertIds "t-0-<id>".
  static std::vector<InsertAllRow> Rows(int first, int n, size_t filler = 1) {
    std::vector<InsertAllRow> rows;
    for (int i = first; i < first + n; ++i) {
      rows.push_back({absl::StrCat("t-0-", i),
                      json({{"id", std::to_string(i)}, {"s", std::string(filler, 'x')}}).dump()});
    }
    return rows;
  }

  // The ids in the table, in row order, through tabledata.list (paged).
  std::vector<std::string> Ids(RestClient& rest) {
    std::vector<std::string> ids;
    TableDataListOptions options;
    for (;;) {
      auto page = rest.ListTableData(kTable, options);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const json& row : page->value("rows", json::array())) {
        ids.push_back(row["f"][0]["v"].get<std::string>());
      }
      if (!page->contains("pageToken")) break;
      options.page_token = (*page)["pageToken"].get<std::string>();
    }
    return ids;
  }

  static std::vector<std::string> Range(int first, int n) {
    std::vector<std::string> out;
    for (int i = first; i < first + n; ++i) out.push_back(std::to_string(i));
    return out;
  }

  static InsertAllWriterOptions Fast() {
    InsertAllWriterOptions options;
    options.retry_wait = absl::Milliseconds(1);
    options.max_jitter = absl::ZeroDuration();
    return options;
  }

  static void ExpectAll(const std::vector<RecordResult>& results, WriteStatus status) {
    for (size_t i = 0; i < results.size(); ++i) {
      EXPECT_EQ(results[i].status, status) << i << ": " << results[i].reason;
    }
  }

  std::unique_ptr<emulator::Emulator> emulator_;
  std::unique_ptr<RestClient> admin_;
};

TEST_F(InsertAllWriterTest, EncodedRecordsArriveExactly) {
  auto encoder = JsonRowEncoder::Create(Schema(), {});
  ASSERT_TRUE(encoder.ok()) << encoder.status();
  std::vector<InsertAllRow> rows;
  for (int i = 0; i < 3; ++i) {
    SinkRecord record;
    record.topic = "t";
    record.offset = i;
    record.value = Value(Map{{Value("id"), Value(int64_t{i})},
                             {Value("ts"), Value(Timestamp{1714557600123456 + i})}});
    InsertAllRow row{KcbqInsertId(record), ""};
    ASSERT_FALSE((*encoder)->Encode(record, &row.json).has_value());
    rows.push_back(std::move(row));
  }
  InsertAllWriter writer(*admin_, Fast());
  auto results = writer.Insert(kTable, rows);
  ASSERT_TRUE(results.ok()) << results.status();
  ExpectAll(*results, WriteStatus::kDelivered);
  auto page = admin_->ListTableData(kTable);  // useInt64Timestamp: exact micros.
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ((*page)["rows"].size(), 3u);
  EXPECT_EQ((*page)["rows"][2]["f"][2]["v"], "1714557600123458");
}

// Every column type as JsonRowEncoder writes it is accepted by the emulator's
// insertAll and reads back as the Storage Write API's rows do.
TEST_F(InsertAllWriterTest, EveryColumnTypeRoundTrips) {
  auto schema = TableSchemaFromJson(json::parse(R"({"fields":[
      {"name":"s","type":"STRING"}, {"name":"b","type":"BYTES"}, {"name":"i","type":"INTEGER"},
      {"name":"f","type":"FLOAT"}, {"name":"ok","type":"BOOLEAN"},
      {"name":"ts","type":"TIMESTAMP"}, {"name":"d","type":"DATE"}, {"name":"t","type":"TIME"},
      {"name":"dt","type":"DATETIME"}, {"name":"n","type":"NUMERIC"},
      {"name":"bn","type":"BIGNUMERIC"}, {"name":"j","type":"JSON"},
      {"name":"tags","type":"STRING","mode":"REPEATED"},
      {"name":"attrs","type":"RECORD","mode":"REPEATED",
       "fields":[{"name":"key","type":"STRING"},{"name":"value","type":"INTEGER"}]}]})"));
  ASSERT_TRUE(schema.ok()) << schema.status();
  Table table;
  table.ref = TableReference{"p", "d", "all"};
  table.schema = *schema;
  ASSERT_TRUE(admin_->InsertTable(table).ok());
  auto encoder = JsonRowEncoder::Create(*schema, {});
  ASSERT_TRUE(encoder.ok()) << encoder.status();
  SinkRecord record;
  record.value = Value(Map{
      {Value("s"), Value("héllo")},
      {Value("b"), Value(Bytes{std::string("\x00\x01\xff", 3)})},
      {Value("i"), Value(int64_t{-9223372036854775807 - 1})},
      {Value("f"), Value(-0.25)},
      {Value("ok"), Value(true)},
      {Value("ts"), Value(Timestamp{-62135596800000000})},
      {Value("d"), Value(Date{2932896})},
      {Value("t"), Value(TimeOfDay{86399999999})},
      {Value("dt"), Value(Timestamp{1714557600000001})},
      {Value("n"), Value(*Decimal::FromString("-99999999999999999999999999999.999999999"))},
      {Value("bn"), Value("0.00000000000000000000000000000000000001")},
      {Value("j"), Value(Map{{Value("k"), Value(Array{Value(int64_t{1}), Value()})}})},
      {Value("tags"), Value(Array{Value("a"), Value("b")})},
      {Value("attrs"), Value(Map{{Value("x"), Value(int64_t{1})}})},
  });
  InsertAllRow row{"all-0-0", ""};
  std::optional<RowError> error = (*encoder)->Encode(record, &row.json);
  ASSERT_FALSE(error.has_value()) << error->column << ": " << error->message;
  InsertAllWriter writer(*admin_, Fast());
  auto results = writer.Insert(table.ref, {row});
  ASSERT_TRUE(results.ok()) << results.status();
  ExpectAll(*results, WriteStatus::kDelivered);
  auto page = admin_->ListTableData(table.ref);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ((*page)["rows"][0], json::parse(R"js({"f":[
      {"v":"héllo"}, {"v":"AAH/"}, {"v":"-9223372036854775808"}, {"v":"-0.25"}, {"v":"true"},
      {"v":"-62135596800000000"}, {"v":"9999-12-31"}, {"v":"23:59:59.999999"},
      {"v":"2024-05-01T10:00:00.000001"}, {"v":"-99999999999999999999999999999.999999999"},
      {"v":"0.00000000000000000000000000000000000001"}, {"v":"{\"k\":[1,null]}"},
      {"v":[{"v":"a"},{"v":"b"}]},
      {"v":[{"v":{"f":[{"v":"x"},{"v":"1"}]}}]}]})js"));
}

TEST_F(InsertAllWriterTest, InvalidRowsAreRejectedAndTheStoppedOnesSentAgain) {
  std::vector<InsertAllRow> rows = Rows(0, 5);
  rows[1].json = R"({"id":"one"})";
  rows[3].json = R"({"id":"3","nope":1})";
  InsertAllWriter writer(*admin_, Fast());
  auto results = writer.Insert(kTable, rows);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 5u);
  EXPECT_EQ((*results)[0].status, WriteStatus::kDelivered);
  EXPECT_EQ((*results)[1].status, WriteStatus::kRejected);
  EXPECT_EQ((*results)[1].reason, "invalid: Cannot convert value to integer (bad value):one");
  EXPECT_EQ((*results)[1].location, "id");
  EXPECT_EQ((*results)[3].status, WriteStatus::kRejected);
  EXPECT_EQ((*results)[3].reason, "invalid: no such field: nope.");
  EXPECT_EQ((*results)[3].location, "nope");
  EXPECT_EQ((*results)[4].status, WriteStatus::kDelivered);
  EXPECT_EQ(Ids(*admin_), std::vector<std::string>({"0", "2", "4"}));
}

// ignoreUnknownFields sends ignoreUnknownValues=true: a field the table
// lacks is then dropped by BigQuery instead of refusing the row.
TEST_F(InsertAllWriterTest, IgnoreUnknownValuesDropsFieldsTheTableLacks) {
  std::vector<InsertAllRow> rows = {{"t-0-0", R"({"id":"0","nope":1})"}};
  InsertAllWriter strict(*admin_, Fast());
  auto results = strict.Insert(kTable, rows);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].status, WriteStatus::kRejected);
  InsertAllWriterOptions options = Fast();
  options.ignore_unknown_values = true;
  InsertAllWriter lenient(*admin_, options);
  results = lenient.Insert(kTable, rows);
  ASSERT_TRUE(results.ok()) << results.status();
  ExpectAll(*results, WriteStatus::kDelivered);
  EXPECT_EQ(Ids(*admin_), std::vector<std::string>({"0"}));
}

TEST_F(InsertAllWriterTest, BatchesByRowsAndBytes) {
  FaultyProxy proxy(emulator_->rest_endpoint(), 0, 0, "");
  auto rest = Client(proxy.endpoint());
  InsertAllWriterOptions options = Fast();
  options.max_rows = 4;
  InsertAllWriter by_rows(*rest, options);
  auto results = by_rows.Insert(kTable, Rows(0, 10));
  ASSERT_TRUE(results.ok()) << results.status();
  ExpectAll(*results, WriteStatus::kDelivered);
  EXPECT_EQ(proxy.insert_alls(), 3);

  options = Fast();
  options.max_request_bytes = 3000;  // about two rows of 1,000 bytes.
  InsertAllWriter by_bytes(*rest, options);
  results = by_bytes.Insert(kTable, Rows(10, 6, 1000));
  ASSERT_TRUE(results.ok()) << results.status();
  ExpectAll(*results, WriteStatus::kDelivered);
  EXPECT_EQ(proxy.insert_alls(), 3 + 3);
  EXPECT_EQ(Ids(*admin_), Range(0, 16));
}

TEST_F(InsertAllWriterTest, RequestsTooLargeAreSplitInHalves) {
  emulator::InsertAllOptions limits;
  limits.max_request_bytes = 4000;
  SmallLimitsEmulator small(limits);
  auto rest = Client(small.endpoint());
  CreateTable(*rest);
  std::vector<InsertAllRow> rows = Rows(0, 12, 900);
  rows[5] = Rows(5, 1, 5000)[0];  // too large even alone.
  InsertAllWriterOptions options = Fast();
  options.max_request_bytes = 1 << 20;  // one request, which the server refuses.
  InsertAllWriter writer(*rest, options);
  auto results = writer.Insert(kTable, rows);
  ASSERT_TRUE(results.ok()) << results.status();
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i == 5) continue;
    EXPECT_EQ((*results)[i].status, WriteStatus::kDelivered) << i << ": " << (*results)[i].reason;
  }
  EXPECT_EQ((*results)[5].status, WriteStatus::kRejected);
  EXPECT_THAT((*results)[5].reason,
              HasSubstr("too large for an insertAll request: HTTP 400 (badRequest): Request "
                        "payload size exceeds the limit: 4000 bytes."));
  std::vector<std::string> expected = Range(0, 12);
  expected.erase(expected.begin() + 5);
  EXPECT_EQ(Ids(*rest), expected);
}

TEST_F(InsertAllWriterTest, FrontEnd413AndTooManyRowsAreSplitToo) {
  emulator::InsertAllOptions limits;
  limits.front_end_max_request_bytes = 3000;
  limits.max_rows = 3;
  SmallLimitsEmulator small(limits);
  auto rest = Client(small.endpoint());
  CreateTable(*rest);
  InsertAllWriterOptions options = Fast();
  options.max_request_bytes = 1 << 20;
  InsertAllWriter writer(*rest, options);
  auto results = writer.Insert(kTable, Rows(0, 8, 600));  // 413 HTML, then too many rows.
  ASSERT_TRUE(results.ok()) << results.status();
  ExpectAll(*results, WriteStatus::kDelivered);
  EXPECT_EQ(Ids(*rest), Range(0, 8));

  results = writer.Insert(kTable, Rows(8, 1, 4000));
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].status, WriteStatus::kRejected);
  EXPECT_THAT((*results)[0].reason, HasSubstr("HTTP 413: Error 413 (Request Entity Too Large)!!1"));
}

TEST_F(InsertAllWriterTest, ARealOverTheLimitRequestIsSplit) {
  InsertAllWriterOptions options = Fast();
  options.max_request_bytes = 12 << 20;  // lets one request exceed BigQuery's 10 MB.
  InsertAllWriter writer(*admin_, options);
  auto results = writer.Insert(kTable, Rows(0, 12, 900 * 1024));
  ASSERT_TRUE(results.ok()) << results.status();
  ExpectAll(*results, WriteStatus::kDelivered);
  EXPECT_EQ(Ids(*admin_), Range(0, 12));
}

TEST_F(InsertAllWriterTest, RetriesTransientFailures) {
  struct Case {
    int status;
    std::string reason;
    std::string google_status;
  };
  const std::vector<Case> cases = {{503, "backendError", "UNAVAILABLE"},
                                   {500, "internalError", "INTERNAL"},
                                   {403, "quotaExceeded", "PERMISSION_DENIED"},
                                   {403, "rateLimitExceeded", "PERMISSION_DENIED"},
                                   {429, "rateLimitExceeded", "RESOURCE_EXHAUSTED"}};
  int next = 0;
  for (const Case& c : cases) {
    FaultyProxy proxy(emulator_->rest_endpoint(), 2, c.status,
                      GoogleError(c.status, c.reason, c.google_status));
    auto rest = Client(proxy.endpoint());
    InsertAllWriterOptions options = Fast();
    options.retries = 2;
    InsertAllWriter writer(*rest, options);
    auto results = writer.Insert(kTable, Rows(next, 3));
    ASSERT_TRUE(results.ok()) << results.status();
    ExpectAll(*results, WriteStatus::kDelivered);
    EXPECT_EQ(proxy.insert_alls(), 3) << c.reason;
    next += 3;
  }
  EXPECT_EQ(Ids(*admin_), Range(0, next));
}

TEST_F(InsertAllWriterTest, RowsAreRetriableWhenRetriesRunOut) {
  FaultyProxy proxy(emulator_->rest_endpoint(), 100, 503,
                    GoogleError(503, "backendError", "UNAVAILABLE"));
  auto rest = Client(proxy.endpoint());
  InsertAllWriterOptions options = Fast();
  options.retries = 2;
  InsertAllWriter writer(*rest, options);
  auto results = writer.Insert(kTable, Rows(0, 2));
  ASSERT_TRUE(results.ok()) << results.status();
  ExpectAll(*results, WriteStatus::kRetriable);
  EXPECT_THAT((*results)[0].reason, HasSubstr("HTTP 503 (backendError): injected"));
  EXPECT_EQ(proxy.insert_alls(), 3);
  EXPECT_TRUE(Ids(*admin_).empty());

  auto unreachable = Client("http://127.0.0.1:1");  // nothing listens there.
  InsertAllWriter offline(*unreachable, options);
  results = offline.Insert(kTable, Rows(0, 1));
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].status, WriteStatus::kRetriable);
}

TEST_F(InsertAllWriterTest, OtherErrorsAreTaskLevel) {
  FaultyProxy proxy(emulator_->rest_endpoint(), 1, 403,
                    GoogleError(403, "accessDenied", "PERMISSION_DENIED"));
  auto rest = Client(proxy.endpoint());
  InsertAllWriterOptions options = Fast();
  options.retries = 5;
  InsertAllWriter writer(*rest, options);
  auto results = writer.Insert(kTable, Rows(0, 1));
  EXPECT_TRUE(absl::IsPermissionDenied(results.status())) << results.status();
  EXPECT_EQ(proxy.insert_alls(), 1);

  results = writer.Insert(TableReference{"p", "d", "missing"}, Rows(0, 1));
  EXPECT_TRUE(absl::IsNotFound(results.status())) << results.status();
  EXPECT_THAT(std::string(results.status().message()), HasSubstr("Not found: Table p:d.missing"));
}

TEST_F(InsertAllWriterTest, InsertIdsMakeASecondWriteANoOp) {
  InsertAllWriter writer(*admin_, Fast());
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto results = writer.Insert(kTable, Rows(0, 4));
    ASSERT_TRUE(results.ok()) << results.status();
    ExpectAll(*results, WriteStatus::kDelivered);
  }
  EXPECT_EQ(Ids(*admin_), Range(0, 4));
}

}  // namespace
}  // namespace ferry::bigquery
