#include "emulator/emulator.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/cloud/bigquery/storage/v1/storage.grpc.pb.h"

namespace ferry::emulator {
namespace {

namespace storage = google::cloud::bigquery::storage::v1;
using google::protobuf::DescriptorProto;
using google::protobuf::FieldDescriptorProto;
using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kProject[] = "proj";
constexpr auto kRpcTimeout = std::chrono::seconds(60);

// Encodes protobuf wire format by hand, so the tests do not share the server's
// decoding code.
class Wire {
 public:
  Wire& Varint(int field, uint64_t v) {
    Tag(field, 0);
    PutVarint(v);
    return *this;
  }
  Wire& Int(int field, int64_t v) { return Varint(field, static_cast<uint64_t>(v)); }
  Wire& Bool(int field, bool v) { return Varint(field, v ? 1 : 0); }
  Wire& Bytes(int field, std::string_view s) {
    Tag(field, 2);
    PutVarint(s.size());
    out_.append(s);
    return *this;
  }
  Wire& Double(int field, double d) {
    Tag(field, 1);
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof(bits));
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
    return *this;
  }
  const std::string& str() const { return out_; }

 private:
  void Tag(int field, int wire_type) { PutVarint((static_cast<uint64_t>(field) << 3) | wire_type); }
  void PutVarint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  std::string out_;
};

void AddField(DescriptorProto& d, const std::string& name, int number,
              FieldDescriptorProto::Type type,
              FieldDescriptorProto::Label label = FieldDescriptorProto::LABEL_OPTIONAL,
              const std::string& type_name = "") {
  FieldDescriptorProto* f = d.add_field();
  f->set_name(name);
  f->set_number(number);
  f->set_type(type);
  f->set_label(label);
  if (!type_name.empty()) f->set_type_name(type_name);
}

class EmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override { StartEmulator(":memory:"); }

  void StartEmulator(const std::string& db_path) {
    EmulatorOptions options;
    options.db_path = db_path;
    absl::StatusOr<std::unique_ptr<Emulator>> emulator = Emulator::Start(options);
    ASSERT_TRUE(emulator.ok()) << emulator.status();
    emulator_ = *std::move(emulator);
    http_ = std::make_unique<httplib::Client>("127.0.0.1", emulator_->rest_port());
    http_->set_read_timeout(60, 0);
    stub_ = storage::BigQueryWrite::NewStub(
        grpc::CreateChannel(emulator_->grpc_endpoint(), grpc::InsecureChannelCredentials()));
  }

  struct Reply {
    int status = 0;
    json body;
  };
  Reply Call(const std::string& method, const std::string& path, const json& body = nullptr) {
    httplib::Result r = method == "POST"     ? http_->Post(path, body.dump(), "application/json")
                        : method == "DELETE" ? http_->Delete(path)
                                             : http_->Get(path);
    Reply reply;
    if (!r) {
      ADD_FAILURE() << "HTTP " << method << " " << path << " failed";
      return reply;
    }
    reply.status = r->status;
    if (!r->body.empty()) reply.body = json::parse(r->body, nullptr, false);
    return reply;
  }
  static std::string Base() { return absl::StrCat("/bigquery/v2/projects/", kProject); }

  void CreateDataset(const std::string& dataset) {
    Reply r = Call("POST", Base() + "/datasets", {{"datasetReference", {{"datasetId", dataset}}}});
    ASSERT_EQ(r.status, 200) << r.body;
  }
  void CreateTable(const std::string& dataset, const std::string& table, const json& fields) {
    Reply r = Call(
        "POST", absl::StrCat(Base(), "/datasets/", dataset, "/tables"),
        {{"tableReference", {{"projectId", kProject}, {"datasetId", dataset}, {"tableId", table}}},
         {"schema", {{"fields", fields}}}});
    ASSERT_EQ(r.status, 200) << r.body;
  }
  json ListData(const std::string& dataset, const std::string& table,
                const std::string& query = "") {
    Reply r = Call("GET", absl::StrCat(Base(), "/datasets/", dataset, "/tables/", table, "/data",
                                       query.empty() ? "" : "?", query));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  }
  static std::string StreamOf(const std::string& dataset, const std::string& table) {
    return absl::StrCat("projects/", kProject, "/datasets/", dataset, "/tables/", table,
                        "/streams/_default");
  }

  // One AppendRows connection.
  class Connection {
   public:
    explicit Connection(storage::BigQueryWrite::Stub& stub) {
      context_.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
      stream_ = stub.AppendRows(&context_);
    }
    // Sends `request` and reads its response; false when the server ended the RPC.
    bool Append(const storage::AppendRowsRequest& request, storage::AppendRowsResponse& response) {
      if (!stream_->Write(request)) return false;
      return stream_->Read(&response);
    }
    grpc::Status Finish() {
      stream_->WritesDone();
      return stream_->Finish();
    }

   private:
    grpc::ClientContext context_;
    std::unique_ptr<
        grpc::ClientReaderWriter<storage::AppendRowsRequest, storage::AppendRowsResponse>>
        stream_;
  };

  static storage::AppendRowsRequest Request(const std::string& stream,
                                            const DescriptorProto* schema,
                                            const std::vector<std::string>& rows) {
    storage::AppendRowsRequest request;
    if (!stream.empty()) request.set_write_stream(stream);
    if (schema != nullptr) {
      *request.mutable_proto_rows()->mutable_writer_schema()->mutable_proto_descriptor() = *schema;
    }
    auto* serialized = request.mutable_proto_rows()->mutable_rows();
    for (const std::string& row : rows) serialized->add_serialized_rows(row);
    return request;
  }

  std::unique_ptr<Emulator> emulator_;
  std::unique_ptr<httplib::Client> http_;
  std::unique_ptr<storage::BigQueryWrite::Stub> stub_;
};

json ErrorBody(int code, const std::string& message, const std::string& reason,
               const std::string& status) {
  return {
      {"error",
       {{"code", code},
        {"message", message},
        {"errors", json::array({{{"message", message}, {"domain", "global"}, {"reason", reason}}})},
        {"status", status}}}};
}

TEST_F(EmulatorTest, EndpointsNameThePorts) {
  EXPECT_GT(emulator_->rest_port(), 0);
  EXPECT_GT(emulator_->grpc_port(), 0);
  EXPECT_EQ(emulator_->rest_endpoint(), absl::StrCat("http://127.0.0.1:", emulator_->rest_port()));
  EXPECT_EQ(emulator_->grpc_endpoint(), absl::StrCat("127.0.0.1:", emulator_->grpc_port()));
}

// The OAuth 2.0 token endpoint that keyfile credentials are exchanged at
// (ferry.bigquery.token.endpoint=<rest endpoint>/token).
TEST_F(EmulatorTest, TokenEndpointChecksTheJwtGrantAsGoogleDoes) {
  auto jwt = [](const json& claims, const std::string& alg = "RS256") {
    return absl::StrCat(absl::WebSafeBase64Escape(json{{"alg", alg}, {"typ", "JWT"}}.dump()), ".",
                        absl::WebSafeBase64Escape(claims.dump()), ".c2lnbmF0dXJl");
  };
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  const json good = {{"iss", "ferry@test.iam.gserviceaccount.com"},
                     {"scope", "https://www.googleapis.com/auth/bigquery"},
                     {"aud", emulator_->rest_endpoint() + "/token"},
                     {"iat", now},
                     {"exp", now + 3600}};
  auto post = [&](const httplib::Params& form) { return http_->Post("/token", form); };
  const std::string bearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";

  auto ok = post({{"grant_type", bearer}, {"assertion", jwt(good)}});
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->status, 200) << ok->body;
  json token = json::parse(ok->body);
  EXPECT_THAT(token["access_token"].get<std::string>(), ::testing::StartsWith("ya29."));
  EXPECT_EQ(token["token_type"], "Bearer");
  EXPECT_EQ(token["expires_in"], 3599);

  json expired = good;
  expired["iat"] = now - 7200;
  expired["exp"] = now - 3600;
  auto late = post({{"grant_type", bearer}, {"assertion", jwt(expired)}});
  ASSERT_TRUE(late);
  EXPECT_EQ(late->status, 400);
  EXPECT_EQ(json::parse(late->body)["error"], "invalid_grant");

  auto hs = post({{"grant_type", bearer}, {"assertion", jwt(good, "HS256")}});
  ASSERT_TRUE(hs);
  EXPECT_EQ(hs->status, 400);
  auto garbage = post({{"grant_type", bearer}, {"assertion", "not-a-jwt"}});
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 400);
  EXPECT_EQ(json::parse(garbage->body)["error"], "invalid_grant");
  auto other = post({{"grant_type", "password"}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 400);
  EXPECT_EQ(json::parse(other->body)["error"], "unsupported_grant_type");

  auto refresh = post({{"grant_type", "refresh_token"},
                       {"refresh_token", "1//r"},
                       {"client_id", "c.apps.googleusercontent.com"},
                       {"client_secret", "s"}});
  ASSERT_TRUE(refresh);
  EXPECT_EQ(refresh->status, 200) << refresh->body;
}

TEST_F(EmulatorTest, DatasetCrudAndErrors) {
  Reply created = Call("POST", Base() + "/datasets",
                       {{"datasetReference", {{"projectId", kProject}, {"datasetId", "ds"}}},
                        {"description", "events"}});
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.body["id"], "proj:ds");
  EXPECT_EQ(created.body["kind"], "bigquery#dataset");
  EXPECT_EQ(created.body["description"], "events");
  EXPECT_TRUE(created.body["creationTime"].is_string());

  Reply got = Call("GET", Base() + "/datasets/ds");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body["datasetReference"]["datasetId"], "ds");

  Reply dup = Call("POST", Base() + "/datasets", {{"datasetReference", {{"datasetId", "ds"}}}});
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.body,
            ErrorBody(409, "Already Exists: Dataset proj:ds", "duplicate", "ALREADY_EXISTS"));

  Reply missing = Call("GET", Base() + "/datasets/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, ErrorBody(404, "Not found: Dataset proj:nope", "notFound", "NOT_FOUND"));

  Reply bad = Call("POST", Base() + "/datasets", {{"datasetReference", {{"datasetId", "a-b"}}}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["error"]["errors"][0]["reason"], "invalid");

  CreateDataset("other");
  Reply list = Call("GET", Base() + "/datasets");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["datasets"].size(), 2u);
  EXPECT_EQ(list.body["datasets"][0]["datasetReference"]["datasetId"], "ds");
  EXPECT_EQ(list.body["datasets"][1]["datasetReference"]["datasetId"], "other");

  CreateTable("ds", "t", json::array({{{"name", "a"}, {"type", "STRING"}}}));
  Reply in_use = Call("DELETE", Base() + "/datasets/ds");
  EXPECT_EQ(in_use.status, 400);
  EXPECT_EQ(in_use.body["error"]["errors"][0]["reason"], "resourceInUse");
  EXPECT_EQ(Call("DELETE", Base() + "/datasets/ds?deleteContents=true").status, 204);
  EXPECT_EQ(Call("GET", Base() + "/datasets/ds").status, 404);
  EXPECT_EQ(Call("GET", Base() + "/datasets/ds/tables/t").status, 404);
}

TEST_F(EmulatorTest, TableCrud) {
  CreateDataset("serverlog");
  json body = {
      {"tableReference",
       {{"projectId", kProject}, {"datasetId", "serverlog"}, {"tableId", "serverlog_kafka"}}},
      {"schema",
       {{"fields",
         {{{"name", "ce_id"}, {"type", "STRING"}, {"mode", "REQUIRED"}},
          {{"name", "ce_time"}, {"type", "TIMESTAMP"}},
          {{"name", "ce_type"}, {"type", "STRING"}},
          {{"name", "ce_subject"}, {"type", "STRING"}},
          {{"name", "kafka"},
           {"type", "RECORD"},
           {"fields", {{{"name", "topic"}, {"type", "STRING"}}}}}}}}},
      {"timePartitioning", {{"type", "DAY"}, {"field", "ce_time"}, {"expirationMs", "86400000"}}},
      {"clustering", {{"fields", {"ce_type", "ce_subject"}}}}};
  Reply created = Call("POST", Base() + "/datasets/serverlog/tables", body);
  ASSERT_EQ(created.status, 200) << created.body;

  Reply got = Call("GET", Base() + "/datasets/serverlog/tables/serverlog_kafka");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body["numRows"], "0");
  EXPECT_EQ(got.body["id"], "proj:serverlog.serverlog_kafka");
  EXPECT_EQ(got.body["schema"]["fields"][0]["mode"], "REQUIRED");
  EXPECT_EQ(got.body["schema"]["fields"][4]["fields"][0]["name"], "topic");
  EXPECT_EQ(got.body["timePartitioning"],
            json({{"type", "DAY"}, {"field", "ce_time"}, {"expirationMs", "86400000"}}));
  EXPECT_EQ(got.body["clustering"]["fields"], json({"ce_type", "ce_subject"}));
  EXPECT_EQ(got.body["type"], "TABLE");

  Reply dup = Call("POST", Base() + "/datasets/serverlog/tables", body);
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.body, ErrorBody(409, "Already Exists: Table proj:serverlog.serverlog_kafka",
                                "duplicate", "ALREADY_EXISTS"));

  Reply no_dataset = Call("POST", Base() + "/datasets/nope/tables", body);
  EXPECT_EQ(no_dataset.status, 404);
  EXPECT_EQ(no_dataset.body["error"]["message"], "Not found: Dataset proj:nope");

  CreateTable("serverlog", "another", json::array({{{"name", "a"}, {"type", "INT64"}}}));
  Reply list = Call("GET", Base() + "/datasets/serverlog/tables");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body["totalItems"], 2);
  ASSERT_EQ(list.body["tables"].size(), 2u);
  EXPECT_EQ(list.body["tables"][0]["tableReference"]["tableId"], "another");
  EXPECT_EQ(list.body["tables"][1]["timePartitioning"]["field"], "ce_time");
  Reply page = Call("GET", Base() + "/datasets/serverlog/tables?maxResults=1");
  EXPECT_EQ(page.body["tables"].size(), 1u);
  EXPECT_EQ(page.body["nextPageToken"], "1");

  EXPECT_EQ(Call("DELETE", Base() + "/datasets/serverlog/tables/serverlog_kafka").status, 204);
  Reply gone = Call("GET", Base() + "/datasets/serverlog/tables/serverlog_kafka");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body, ErrorBody(404, "Not found: Table proj:serverlog.serverlog_kafka", "notFound",
                                 "NOT_FOUND"));
  EXPECT_EQ(Call("DELETE", Base() + "/datasets/serverlog/tables/serverlog_kafka").status, 404);
}

// BigQuery echoes a table as given: no "mode" where none was sent, and labels,
// friendlyName, description and expirationTime kept; selfLink is a full URL.
TEST_F(EmulatorTest, TableResourceKeepsWhatWasGiven) {
  Reply dataset = Call("POST", Base() + "/datasets", {{"datasetReference", {{"datasetId", "ds"}}}});
  ASSERT_EQ(dataset.status, 200) << dataset.body;
  const std::string base_url = absl::StrCat("http://127.0.0.1:", emulator_->rest_port());
  EXPECT_EQ(dataset.body["selfLink"], base_url + "/bigquery/v2/projects/proj/datasets/ds");
  EXPECT_EQ(Call("GET", Base() + "/datasets/ds").body["selfLink"], dataset.body["selfLink"]);

  const json schema = {{"fields",
                        {{{"name", "a"}, {"type", "STRING"}},
                         {{"name", "b"}, {"type", "INTEGER"}, {"mode", "NULLABLE"}},
                         {{"name", "c"}, {"type", "STRING"}, {"mode", "REQUIRED"}},
                         {{"name", "r"},
                          {"type", "RECORD"},
                          {"mode", "REPEATED"},
                          {"fields", {{{"name", "x"}, {"type", "BOOL"}}}}}}}};
  const json given = {{"tableReference", {{"tableId", "t"}}},
                      {"schema", schema},
                      {"labels", {{"team", "ingest"}, {"env", "dev"}}},
                      {"friendlyName", "Events"},
                      {"description", "all events"},
                      {"expirationTime", "4102444800000"}};
  Reply created = Call("POST", Base() + "/datasets/ds/tables", given);
  ASSERT_EQ(created.status, 200) << created.body;
  Reply got = Call("GET", Base() + "/datasets/ds/tables/t");
  ASSERT_EQ(got.status, 200) << got.body;
  for (const Reply* r : {&created, &got}) {
    // BOOL is BigQuery's alias; the resource names the canonical type.
    json expected_schema = schema;
    expected_schema["fields"][3]["fields"][0]["type"] = "BOOLEAN";
    EXPECT_EQ(r->body["schema"], expected_schema);
    EXPECT_EQ(r->body["labels"], given["labels"]);
    EXPECT_EQ(r->body["friendlyName"], "Events");
    EXPECT_EQ(r->body["description"], "all events");
    EXPECT_EQ(r->body["expirationTime"], "4102444800000");
    EXPECT_EQ(r->body["selfLink"], base_url + "/bigquery/v2/projects/proj/datasets/ds/tables/t");
  }
  Reply list = Call("GET", Base() + "/datasets/ds/tables");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["tables"].size(), 1u);
  EXPECT_EQ(list.body["tables"][0]["labels"], given["labels"]);
  EXPECT_EQ(list.body["tables"][0]["friendlyName"], "Events");
  EXPECT_EQ(list.body["tables"][0]["expirationTime"], "4102444800000");

  // Malformed members are refused as BigQuery refuses them.
  json bad = given;
  bad["tableReference"]["tableId"] = "u";
  bad["labels"] = {{"team", 7}};
  EXPECT_EQ(Call("POST", Base() + "/datasets/ds/tables", bad).status, 400);
  bad["labels"] = json::object();
  bad["expirationTime"] = "tomorrow";
  EXPECT_EQ(Call("POST", Base() + "/datasets/ds/tables", bad).status, 400);

  // The resource goes through the store, so a restart on the same file keeps it (see
  // DataSurvivesRestartWithAFile).
}

TEST_F(EmulatorTest, RejectsInvalidTables) {
  CreateDataset("ds");
  auto insert = [&](const json& fields, const json& extra = json::object()) {
    json body = {{"tableReference", {{"tableId", "t"}}}, {"schema", {{"fields", fields}}}};
    body.update(extra);
    return Call("POST", Base() + "/datasets/ds/tables", body);
  };
  struct Case {
    json fields;
    json extra;
    std::string message;
  };
  const json ts = {{"name", "ts"}, {"type", "TIMESTAMP"}};
  const json s = {{"name", "s"}, {"type", "STRING"}};
  std::vector<Case> cases = {
      {json::array({s, {{"name", "S"}, {"type", "INTEGER"}}}), json::object(),
       "Field S already exists in schema"},
      {json::array({{{"name", "bad-name"}, {"type", "STRING"}}}), json::object(),
       "Invalid field name \"bad-name\""},
      {json::array({{{"name", "x"}, {"type", "VARCHAR"}}}), json::object(),
       "Invalid value for type: VARCHAR is not a valid value"},
      {json::array({{{"name", "r"}, {"type", "RECORD"}}}), json::object(),
       "Field r is type RECORD but has no schema"},
      {json::array({ts, s}),
       {{"timePartitioning", {{"type", "DAY"}, {"field", "s"}}}},
       "The field specified for partitioning can only be of type TIMESTAMP, DATE or DATETIME"},
      {json::array({ts, s}),
       {{"timePartitioning", {{"type", "DAY"}, {"field", "missing"}}}},
       "The field specified for partitioning cannot be found in the schema"},
      {json::array({ts,
                    s,
                    {{"name", "a"}, {"type", "STRING"}},
                    {{"name", "b"}, {"type", "STRING"}},
                    {{"name", "c"}, {"type", "STRING"}}}),
       {{"clustering", {{"fields", {"ts", "s", "a", "b", "c"}}}}},
       "5 clustering fields specified, exceeding the limit of 4."},
  };
  for (const Case& c : cases) {
    Reply r = insert(c.fields, c.extra);
    EXPECT_EQ(r.status, 400) << c.message;
    EXPECT_THAT(r.body["error"]["message"].get<std::string>(), HasSubstr(c.message));
    EXPECT_EQ(r.body["error"]["errors"][0]["reason"], "invalid");
    EXPECT_EQ(r.body["error"]["status"], "INVALID_ARGUMENT");
  }
  EXPECT_EQ(Call("GET", Base() + "/datasets/ds/tables/t").status, 404);
}

TEST_F(EmulatorTest, UnknownUrlGetsGoogleStyle404) {
  Reply r = Call("GET", "/bigquery/v2/nothing/here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body["error"]["status"], "NOT_FOUND");
}

TEST_F(EmulatorTest, GetWriteStreamHonoursView) {
  CreateDataset("ds");
  CreateTable("ds", "t",
              json::array({{{"name", "id"}, {"type", "STRING"}, {"mode", "REQUIRED"}},
                           {{"name", "kafka"},
                            {"type", "RECORD"},
                            {"fields", {{{"name", "offset"}, {"type", "INTEGER"}}}}}}));
  storage::GetWriteStreamRequest request;
  request.set_name(StreamOf("ds", "t"));
  storage::WriteStream basic;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->GetWriteStream(&context, request, &basic).ok());
  }
  EXPECT_EQ(basic.name(), StreamOf("ds", "t"));
  EXPECT_EQ(basic.type(), storage::WriteStream::COMMITTED);
  EXPECT_FALSE(basic.has_table_schema());

  request.set_view(storage::FULL);
  storage::WriteStream full;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->GetWriteStream(&context, request, &full).ok());
  }
  ASSERT_EQ(full.table_schema().fields_size(), 2);
  EXPECT_EQ(full.table_schema().fields(0).name(), "id");
  EXPECT_EQ(full.table_schema().fields(0).type(), storage::TableFieldSchema::STRING);
  EXPECT_EQ(full.table_schema().fields(0).mode(), storage::TableFieldSchema::REQUIRED);
  EXPECT_EQ(full.table_schema().fields(1).type(), storage::TableFieldSchema::STRUCT);
  EXPECT_EQ(full.table_schema().fields(1).fields(0).type(), storage::TableFieldSchema::INT64);

  // The short form some clients use names the same stream.
  request.set_name(absl::StrCat("projects/", kProject, "/datasets/ds/tables/t/_default"));
  storage::WriteStream short_form;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->GetWriteStream(&context, request, &short_form).ok());
  }
  EXPECT_EQ(short_form.name(), StreamOf("ds", "t"));

  request.set_name(StreamOf("ds", "missing"));
  grpc::ClientContext context;
  storage::WriteStream ignored;
  grpc::Status status = stub_->GetWriteStream(&context, request, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr(StreamOf("ds", "missing")));
}

// A table with every column type, and the hand-built writer schema for it.
class AllTypesTest : public EmulatorTest {
 protected:
  void SetUp() override {
    EmulatorTest::SetUp();
    CreateDataset("ds");
    CreateTable("ds", "all",
                json::array({
                    {{"name", "s"}, {"type", "STRING"}, {"mode", "REQUIRED"}},
                    {{"name", "b"}, {"type", "BYTES"}},
                    {{"name", "i"}, {"type", "INTEGER"}},
                    {{"name", "f"}, {"type", "FLOAT"}},
                    {{"name", "bo"}, {"type", "BOOLEAN"}},
                    {{"name", "ts"}, {"type", "TIMESTAMP"}},
                    {{"name", "ts_s"}, {"type", "TIMESTAMP"}},
                    {{"name", "d"}, {"type", "DATE"}},
                    {{"name", "d_s"}, {"type", "DATE"}},
                    {{"name", "dt"}, {"type", "DATETIME"}},
                    {{"name", "t"}, {"type", "TIME"}},
                    {{"name", "n"}, {"type", "NUMERIC"}},
                    {{"name", "bn"}, {"type", "BIGNUMERIC"}},
                    {{"name", "g"}, {"type", "GEOGRAPHY"}},
                    {{"name", "j"}, {"type", "JSON"}},
                    {{"name", "tags"}, {"type", "STRING"}, {"mode", "REPEATED"}},
                    {{"name", "kafka"},
                     {"type", "RECORD"},
                     {"fields",
                      {{{"name", "topic"}, {"type", "STRING"}},
                       {{"name", "partition"}, {"type", "INTEGER"}},
                       {{"name", "offset"}, {"type", "INTEGER"}},
                       {{"name", "timestamp"}, {"type", "TIMESTAMP"}}}}},
                    {{"name", "nums"}, {"type", "INTEGER"}, {"mode", "REPEATED"}},
                    {{"name", "items"},
                     {"type", "RECORD"},
                     {"mode", "REPEATED"},
                     {"fields", {{{"name", "name"}, {"type", "STRING"}}}}},
                }));
    using F = FieldDescriptorProto;
    schema_.set_name("Row");
    AddField(schema_, "s", 1, F::TYPE_STRING);
    AddField(schema_, "b", 2, F::TYPE_BYTES);
    AddField(schema_, "i", 3, F::TYPE_INT64);
    AddField(schema_, "f", 4, F::TYPE_DOUBLE);
    AddField(schema_, "bo", 5, F::TYPE_BOOL);
    AddField(schema_, "ts", 6, F::TYPE_INT64);
    AddField(schema_, "ts_s", 7, F::TYPE_STRING);
    AddField(schema_, "d", 8, F::TYPE_INT32);
    AddField(schema_, "d_s", 9, F::TYPE_STRING);
    AddField(schema_, "dt", 10, F::TYPE_STRING);
    AddField(schema_, "t", 11, F::TYPE_STRING);
    AddField(schema_, "n", 12, F::TYPE_STRING);
    AddField(schema_, "bn", 13, F::TYPE_STRING);
    AddField(schema_, "g", 14, F::TYPE_STRING);
    AddField(schema_, "j", 15, F::TYPE_STRING);
    AddField(schema_, "tags", 16, F::TYPE_STRING, F::LABEL_REPEATED);
    AddField(schema_, "kafka", 17, F::TYPE_MESSAGE, F::LABEL_OPTIONAL, "Kafka");
    AddField(schema_, "nums", 18, F::TYPE_INT64, F::LABEL_REPEATED);
    AddField(schema_, "items", 19, F::TYPE_MESSAGE, F::LABEL_REPEATED, "Item");
    DescriptorProto* kafka = schema_.add_nested_type();
    kafka->set_name("Kafka");
    AddField(*kafka, "topic", 1, F::TYPE_STRING);
    AddField(*kafka, "partition", 2, F::TYPE_INT64);
    AddField(*kafka, "offset", 3, F::TYPE_INT64);
    AddField(*kafka, "timestamp", 4, F::TYPE_INT64);
    DescriptorProto* item = schema_.add_nested_type();
    item->set_name("Item");
    AddField(*item, "name", 1, F::TYPE_STRING);
  }

  static std::string FullRow() {
    Wire w;
    w.Bytes(1, "hello").Bytes(2, std::string("\x01\x02", 2)).Int(3, -42).Double(4, 3.5);
    w.Bool(5, true).Int(6, 1609459200123456).Bytes(7, "2021-01-01 00:00:00 UTC").Int(8, 18628);
    w.Bytes(9, "2024-02-29").Bytes(10, "2024-01-02 03:04:05").Bytes(11, "12:34:56.5");
    w.Bytes(12, "00123.4500").Bytes(13, "1e-20").Bytes(14, "POINT(1 2)");
    w.Bytes(15, R"({"b": 1, "a": [true, null]})").Bytes(16, "x").Bytes(16, "y");
    w.Bytes(17, Wire().Bytes(1, "events").Int(2, 3).Int(3, 99).Int(4, 0).str());
    w.Int(18, 1).Int(18, 2);
    w.Bytes(19, Wire().Bytes(1, "a").str()).Bytes(19, Wire().Bytes(1, "b").str());
    return w.str();
  }

  DescriptorProto schema_;
};

TEST_F(AllTypesTest, AppendsAndRendersEveryType) {
  Connection connection(*stub_);
  storage::AppendRowsResponse response;
  ASSERT_TRUE(connection.Append(
      Request(StreamOf("ds", "all"), &schema_, {FullRow(), Wire().Bytes(1, "only").str()}),
      response));
  EXPECT_TRUE(response.has_append_result()) << response.DebugString();
  EXPECT_FALSE(response.append_result().has_offset());
  EXPECT_EQ(response.row_errors_size(), 0);
  EXPECT_EQ(response.write_stream(), StreamOf("ds", "all"));

  // Later requests on the connection may omit the stream and the schema.
  ASSERT_TRUE(connection.Append(Request("", nullptr, {Wire().Bytes(1, "third").str()}), response));
  EXPECT_TRUE(response.has_append_result()) << response.DebugString();
  EXPECT_TRUE(connection.Finish().ok());

  json data = ListData("ds", "all");
  EXPECT_EQ(data["kind"], "bigquery#tableDataList");
  EXPECT_EQ(data["totalRows"], "3");
  EXPECT_FALSE(data.contains("pageToken"));
  ASSERT_EQ(data["rows"].size(), 3u);
  const json expected_full = json::parse(R"json({"f":[
    {"v":"hello"}, {"v":"AQI="}, {"v":"-42"}, {"v":"3.5"}, {"v":"true"},
    {"v":"1.609459200123456E9"}, {"v":"1.6094592E9"}, {"v":"2021-01-01"}, {"v":"2024-02-29"},
    {"v":"2024-01-02T03:04:05"}, {"v":"12:34:56.500000"}, {"v":"123.45"},
    {"v":"0.00000000000000000001"}, {"v":"POINT(1 2)"}, {"v":"{\"b\":1,\"a\":[true,null]}"},
    {"v":[{"v":"x"},{"v":"y"}]},
    {"v":{"f":[{"v":"events"},{"v":"3"},{"v":"99"},{"v":"0.0"}]}},
    {"v":[{"v":"1"},{"v":"2"}]},
    {"v":[{"v":{"f":[{"v":"a"}]}},{"v":{"f":[{"v":"b"}]}}]}
  ]})json");
  EXPECT_EQ(data["rows"][0], expected_full);
  json expected_sparse = {{"f", json::array()}};
  expected_sparse["f"].push_back({{"v", "only"}});
  for (int i = 1; i < 19; ++i) {
    const bool repeated = i == 15 || i == 17 || i == 18;
    expected_sparse["f"].push_back({{"v", repeated ? json::array() : json(nullptr)}});
  }
  EXPECT_EQ(data["rows"][1], expected_sparse);
  EXPECT_EQ(data["rows"][2]["f"][0]["v"], "third");

  json int64_ts = ListData("ds", "all", "formatOptions.useInt64Timestamp=true&maxResults=1");
  EXPECT_EQ(int64_ts["rows"][0]["f"][5]["v"], "1609459200123456");
  EXPECT_EQ(int64_ts["rows"][0]["f"][16]["v"]["f"][3]["v"], "0");
  EXPECT_EQ(int64_ts["pageToken"], "1");

  json selected = ListData("ds", "all", "selectedFields=kafka.offset,s&maxResults=1");
  EXPECT_EQ(selected["rows"][0], json::parse(R"({"f":[{"v":"hello"},{"v":{"f":[{"v":"99"}]}}]})"));

  Reply table = Call("GET", Base() + "/datasets/ds/tables/all");
  EXPECT_EQ(table.body["numRows"], "3");
}

TEST_F(AllTypesTest, BadRowsRejectTheWholeRequest) {
  std::vector<std::string> rows;
  for (int i = 0; i < 10; ++i) {
    Wire w;
    if (i != 9) w.Bytes(1, absl::StrCat("row", i));  // Row 9 lacks the REQUIRED s.
    if (i == 2) w.Int(6, 253402300800000000);        // Past 9999-12-31.
    if (i == 5) w.Bytes(15, "{not json");
    rows.push_back(w.str());
  }
  Connection connection(*stub_);
  storage::AppendRowsResponse response;
  ASSERT_TRUE(connection.Append(Request(StreamOf("ds", "all"), &schema_, rows), response));
  EXPECT_FALSE(response.has_append_result());
  ASSERT_TRUE(response.has_error());
  EXPECT_EQ(response.error().code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(response.error().message(), HasSubstr("Errors found while processing rows"));
  std::vector<int64_t> indices;
  for (const storage::RowError& e : response.row_errors()) {
    indices.push_back(e.index());
    EXPECT_EQ(e.code(), storage::RowError::FIELDS_ERROR);
  }
  EXPECT_THAT(indices, ElementsAre(2, 5, 9));
  EXPECT_EQ(response.row_errors(0).message(),
            "Timestamp field value is out of range: 253402300800000000 on field ts.");
  EXPECT_THAT(response.row_errors(1).message(), HasSubstr("on field j."));
  EXPECT_THAT(response.row_errors(2).message(), HasSubstr("on field s."));
  EXPECT_EQ(ListData("ds", "all")["totalRows"], "0");
  EXPECT_FALSE(ListData("ds", "all").contains("rows"));

  // The connection stays usable.
  ASSERT_TRUE(connection.Append(Request("", nullptr, {rows[0]}), response));
  EXPECT_TRUE(response.has_append_result()) << response.DebugString();
  EXPECT_EQ(ListData("ds", "all")["totalRows"], "1");
}

TEST_F(AllTypesTest, EachRowCheckNamesItsField) {
  struct Case {
    Wire row;
    std::string field;
  };
  auto base = [] {
    Wire w;
    w.Bytes(1, "ok");
    return w;
  };
  std::vector<Case> cases;
  cases.push_back({base().Bytes(7, "not a time"), "ts_s"});
  cases.push_back({base().Bytes(7, "10000-01-01 00:00:00"), "ts_s"});
  cases.push_back({base().Int(6, -62135596800000001), "ts"});
  cases.push_back({base().Int(8, 2932897), "d"});  // 10000-01-01.
  cases.push_back({base().Bytes(9, "2023-02-29"), "d_s"});
  cases.push_back({base().Bytes(12, "1" + std::string(29, '0')), "n"});
  cases.push_back({base().Bytes(12, "twelve"), "n"});
  cases.push_back({base().Bytes(10, "2024-01-02 25:00:00"), "dt"});
  cases.push_back({base().Bytes(11, "noon"), "t"});
  cases.push_back({base().Bytes(15, "[1,"), "j"});
  cases.push_back({base().Bytes(16, "ok").Bytes(16, "\xff\xfe"), "tags"});
  cases.push_back({Wire().Bytes(1, "bad \xc3\x28 utf8"), "s"});
  cases.push_back({base().Bytes(17, Wire().Int(4, 253402300800000000).str()), "kafka.timestamp"});
  for (const Case& c : cases) {
    Connection connection(*stub_);
    storage::AppendRowsResponse response;
    ASSERT_TRUE(connection.Append(
        Request(StreamOf("ds", "all"), &schema_, {Wire().Bytes(1, "fine").str(), c.row.str()}),
        response));
    ASSERT_EQ(response.row_errors_size(), 1) << c.field << ": " << response.DebugString();
    EXPECT_EQ(response.row_errors(0).index(), 1);
    EXPECT_THAT(response.row_errors(0).message(),
                HasSubstr(absl::StrCat("on field ", c.field, ".")));
  }
  EXPECT_EQ(ListData("ds", "all")["totalRows"], "0");
}

TEST_F(AllTypesTest, ExtraProtoFieldFailsTheStream) {
  DescriptorProto extra = schema_;
  AddField(extra, "bogus", 40, FieldDescriptorProto::TYPE_STRING);
  Connection connection(*stub_);
  storage::AppendRowsResponse response;
  EXPECT_FALSE(connection.Append(
      Request(StreamOf("ds", "all"), &extra, {Wire().Bytes(1, "x").str()}), response));
  grpc::Status status = connection.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(
      status.error_message(),
      HasSubstr("Input schema has more fields than BigQuery schema, extra fields: 'bogus'"));
  EXPECT_EQ(ListData("ds", "all")["totalRows"], "0");
}

TEST_F(AllTypesTest, IncompatibleProtoTypeFailsTheStream) {
  DescriptorProto wrong = schema_;
  wrong.mutable_field(4)->set_type(FieldDescriptorProto::TYPE_STRING);  // bo BOOLEAN <- string.
  Connection connection(*stub_);
  storage::AppendRowsResponse response;
  EXPECT_FALSE(connection.Append(
      Request(StreamOf("ds", "all"), &wrong, {Wire().Bytes(1, "x").str()}), response));
  grpc::Status status = connection.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("The proto field mismatched with BigQuery field"));
}

TEST_F(AllTypesTest, MissingTableIsNotFound) {
  Connection connection(*stub_);
  storage::AppendRowsResponse response;
  EXPECT_FALSE(connection.Append(
      Request(StreamOf("ds", "missing"), &schema_, {Wire().Bytes(1, "x").str()}), response));
  EXPECT_EQ(connection.Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(AllTypesTest, TenMegabyteLimit) {
  const std::string megabyte(1024 * 1024, 'x');
  std::vector<std::string> rows;
  for (int i = 0; i < 9; ++i) rows.push_back(Wire().Bytes(1, megabyte).str());
  {
    Connection connection(*stub_);
    storage::AppendRowsResponse response;
    ASSERT_TRUE(connection.Append(Request(StreamOf("ds", "all"), &schema_, rows), response));
    EXPECT_TRUE(response.has_append_result()) << response.error().message();
    EXPECT_TRUE(connection.Finish().ok());
  }
  rows.push_back(Wire().Bytes(1, megabyte).str());
  rows.push_back(Wire().Bytes(1, megabyte).str());
  storage::AppendRowsRequest big = Request(StreamOf("ds", "all"), &schema_, rows);
  ASSERT_GT(big.ByteSizeLong(), 10485760u);
  Connection connection(*stub_);
  storage::AppendRowsResponse response;
  EXPECT_FALSE(connection.Append(big, response));
  grpc::Status status = connection.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr(absl::StrCat("AppendRows request too large: ", big.ByteSizeLong(),
                                     " limit 10485760")));
  EXPECT_EQ(ListData("ds", "all", "maxResults=0")["totalRows"], "9");
}

TEST_F(EmulatorTest, PagesThroughManyRows) {
  CreateDataset("ds");
  CreateTable("ds", "seq", json::array({{{"name", "n"}, {"type", "INTEGER"}}}));
  DescriptorProto schema;
  schema.set_name("Seq");
  AddField(schema, "n", 1, FieldDescriptorProto::TYPE_INT64);
  constexpr int kRows = 100000;
  constexpr int kPerRequest = 20000;
  Connection connection(*stub_);
  for (int start = 0; start < kRows; start += kPerRequest) {
    std::vector<std::string> rows;
    for (int n = start; n < start + kPerRequest; ++n) rows.push_back(Wire().Int(1, n).str());
    storage::AppendRowsResponse response;
    ASSERT_TRUE(connection.Append(
        Request(start == 0 ? StreamOf("ds", "seq") : "", start == 0 ? &schema : nullptr, rows),
        response));
    ASSERT_TRUE(response.has_append_result()) << response.DebugString();
  }
  ASSERT_TRUE(connection.Finish().ok());

  int64_t expected = 0;
  std::string token;
  int pages = 0;
  do {
    json page = ListData(
        "ds", "seq", absl::StrCat("maxResults=30000", token.empty() ? "" : "&pageToken=", token));
    EXPECT_EQ(page["totalRows"], std::to_string(kRows));
    for (const json& row : page["rows"]) {
      ASSERT_EQ(row["f"][0]["v"], std::to_string(expected));
      ++expected;
    }
    token = page.value("pageToken", "");
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(expected, kRows);
  EXPECT_EQ(pages, 4);

  json tail = ListData("ds", "seq", "startIndex=99990");
  ASSERT_EQ(tail["rows"].size(), 10u);
  EXPECT_EQ(tail["rows"][0]["f"][0]["v"], "99990");
  EXPECT_FALSE(tail.contains("pageToken"));
}

TEST_F(EmulatorTest, ConcurrentWritersAndReaders) {
  CreateDataset("ds");
  CreateTable("ds", "c", json::array({{{"name", "w"}, {"type", "INTEGER"}}}));
  DescriptorProto schema;
  schema.set_name("C");
  AddField(schema, "w", 1, FieldDescriptorProto::TYPE_INT64);
  constexpr int kWriters = 4, kRequests = 20, kRowsPerRequest = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      Connection connection(*stub_);
      for (int r = 0; r < kRequests; ++r) {
        std::vector<std::string> rows(kRowsPerRequest, Wire().Int(1, w).str());
        storage::AppendRowsResponse response;
        if (!connection.Append(Request(StreamOf("ds", "c"), &schema, rows), response) ||
            !response.has_append_result()) {
          ++failures;
        }
      }
      if (!connection.Finish().ok()) ++failures;
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 20; ++i) {
      httplib::Client client("127.0.0.1", emulator_->rest_port());
      auto r = client.Get(Base() + "/datasets/ds/tables/c/data?maxResults=10");
      if (!r || r->status != 200) ++failures;
    }
  });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ListData("ds", "c", "maxResults=0")["totalRows"],
            std::to_string(kWriters * kRequests * kRowsPerRequest));
}

TEST_F(EmulatorTest, DataSurvivesRestartWithAFile) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/emulator_restart_test.db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  emulator_.reset();
  StartEmulator(path);
  CreateDataset("ds");
  CreateTable("ds", "t", json::array({{{"name", "s"}, {"type", "STRING"}}}));
  ASSERT_EQ(Call("POST", Base() + "/datasets/ds/tables",
                 {{"tableReference", {{"tableId", "labelled"}}},
                  {"schema", {{"fields", {{{"name", "s"}, {"type", "STRING"}}}}}},
                  {"labels", {{"team", "ingest"}}},
                  {"friendlyName", "Labelled"}})
                .status,
            200);
  DescriptorProto schema;
  schema.set_name("T");
  AddField(schema, "s", 1, FieldDescriptorProto::TYPE_STRING);
  {
    Connection connection(*stub_);
    storage::AppendRowsResponse response;
    ASSERT_TRUE(connection.Append(
        Request(StreamOf("ds", "t"), &schema, {Wire().Bytes(1, "kept").str()}), response));
    ASSERT_TRUE(response.has_append_result());
    ASSERT_TRUE(connection.Finish().ok());
  }
  emulator_->Stop();
  emulator_.reset();

  StartEmulator(path);
  EXPECT_GT(emulator_->rest_port(), 0);
  Reply table = Call("GET", Base() + "/datasets/ds/tables/t");
  ASSERT_EQ(table.status, 200) << table.body;
  EXPECT_EQ(table.body["numRows"], "1");
  json data = ListData("ds", "t");
  ASSERT_EQ(data["rows"].size(), 1u);
  EXPECT_EQ(data["rows"][0]["f"][0]["v"], "kept");
  Reply labelled = Call("GET", Base() + "/datasets/ds/tables/labelled");
  ASSERT_EQ(labelled.status, 200) << labelled.body;
  EXPECT_EQ(labelled.body["labels"], json({{"team", "ingest"}}));
  EXPECT_EQ(labelled.body["friendlyName"], "Labelled");
  EXPECT_EQ(labelled.body["schema"]["fields"][0], json({{"name", "s"}, {"type", "STRING"}}));
  emulator_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

TEST_F(EmulatorTest, WaitReturnsAfterStop) {
  std::thread waiter([&] { emulator_->Wait(); });
  emulator_->Stop();
  waiter.join();      // Hangs (and the test times out) if Wait missed the Stop.
  emulator_->Stop();  // Idempotent.
}

}  // namespace
}  // namespace ferry::emulator
