// Explicit write streams, schema updates and fault injection, through the real
// gRPC stubs and the REST API over HTTP.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "emulator/emulator.h"
#include "google/cloud/bigquery/storage/v1/storage.grpc.pb.h"
#include "google/rpc/status.pb.h"

namespace ferry::emulator {
namespace {

namespace storage = google::cloud::bigquery::storage::v1;
using google::protobuf::DescriptorProto;
using google::protobuf::FieldDescriptorProto;
using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kProject[] = "proj";
constexpr int64_t kStartMs = 1700000000000;
constexpr auto kRpcTimeout = std::chrono::seconds(60);

// Protobuf wire format by hand, so the tests share no decoding code with the server.
std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string StringField(int field, const std::string& s) {
  return Varint((static_cast<uint64_t>(field) << 3) | 2) + Varint(s.size()) + s;
}

void AddField(DescriptorProto& d, const std::string& name, int number,
              FieldDescriptorProto::Type type) {
  FieldDescriptorProto* f = d.add_field();
  f->set_name(name);
  f->set_number(number);
  f->set_type(type);
  f->set_label(FieldDescriptorProto::LABEL_OPTIONAL);
}

// Writer schema {s: string = 1} (+ {b: string = 2} with `with_b`).
DescriptorProto RowSchema(bool with_b = false) {
  DescriptorProto d;
  d.set_name("Row");
  AddField(d, "s", 1, FieldDescriptorProto::TYPE_STRING);
  if (with_b) AddField(d, "b", 2, FieldDescriptorProto::TYPE_STRING);
  return d;
}

// The StorageError packed in a google.rpc.Status, if any.
std::optional<storage::StorageError> StorageErrorOf(const google::rpc::Status& status) {
  for (const auto& detail : status.details()) {
    storage::StorageError error;
    if (detail.UnpackTo(&error)) return error;
  }
  return std::nullopt;
}
std::optional<storage::StorageError> StorageErrorOf(const grpc::Status& status) {
  google::rpc::Status rpc;
  if (!rpc.ParseFromString(status.error_details())) return std::nullopt;
  EXPECT_EQ(rpc.code(), status.error_code());
  EXPECT_EQ(rpc.message(), status.error_message());
  return StorageErrorOf(rpc);
}

class StreamsTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(":memory:"); }

  void Start(const std::string& db_path, absl::Duration propagation = absl::ZeroDuration(),
             bool storage_error_details = true) {
    emulator_.reset();
    EmulatorOptions options;
    options.db_path = db_path;
    options.storage_error_details = storage_error_details;
    options.now = [this] { return absl::FromUnixMillis(now_ms_.load()); };
    options.schema_propagation_delay = propagation;
    absl::StatusOr<std::unique_ptr<Emulator>> emulator = Emulator::Start(options);
    ASSERT_TRUE(emulator.ok()) << emulator.status();
    emulator_ = *std::move(emulator);
    http_ = std::make_unique<httplib::Client>("127.0.0.1", emulator_->rest_port());
    http_->set_read_timeout(60, 0);
    stub_ = storage::BigQueryWrite::NewStub(
        grpc::CreateChannel(emulator_->grpc_endpoint(), grpc::InsecureChannelCredentials()));
  }

  void Advance(absl::Duration d) { now_ms_ += absl::ToInt64Milliseconds(d); }

  struct Reply {
    int status = 0;
    json body;
    std::string raw;
    std::string content_type;
  };
  Reply Call(const std::string& method, const std::string& path, const json& body = nullptr,
             const httplib::Headers& headers = {}) {
    const std::string text = body.is_null() ? "" : body.dump();
    httplib::Result r = method == "POST"     ? http_->Post(path, headers, text, "application/json")
                        : method == "PATCH"  ? http_->Patch(path, headers, text, "application/json")
                        : method == "PUT"    ? http_->Put(path, headers, text, "application/json")
                        : method == "DELETE" ? http_->Delete(path, headers)
                                             : http_->Get(path, headers);
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
  static std::string Base() { return absl::StrCat("/bigquery/v2/projects/", kProject); }
  static std::string TablePath(const std::string& table) {
    return absl::StrCat(Base(), "/datasets/ds/tables/", table);
  }
  static std::string Parent(const std::string& table) {
    return absl::StrCat("projects/", kProject, "/datasets/ds/tables/", table);
  }

  // Dataset "ds" and a table with a REQUIRED STRING s.
  void CreateTable(const std::string& table, json fields = nullptr) {
    if (!dataset_created_) {
      Reply r = Call("POST", Base() + "/datasets", {{"datasetReference", {{"datasetId", "ds"}}}});
      ASSERT_EQ(r.status, 200) << r.body;
      dataset_created_ = true;
    }
    if (fields.is_null()) fields = json::array({{{"name", "s"}, {"type", "STRING"}}});
    Reply r = Call("POST", Base() + "/datasets/ds/tables",
                   {{"tableReference", {{"tableId", table}}}, {"schema", {{"fields", fields}}}});
    ASSERT_EQ(r.status, 200) << r.body;
  }
  std::vector<std::string> Values(const std::string& table) {
    Reply r = Call("GET", TablePath(table) + "/data");
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    for (const json& row : r.body.value("rows", json::array())) {
      out.push_back(row["f"][0]["v"].is_null() ? "NULL" : row["f"][0]["v"].get<std::string>());
    }
    return out;
  }

  storage::WriteStream CreateStream(const std::string& table, storage::WriteStream::Type type) {
    storage::CreateWriteStreamRequest request;
    request.set_parent(Parent(table));
    request.mutable_write_stream()->set_type(type);
    storage::WriteStream stream;
    grpc::ClientContext context;
    grpc::Status status = stub_->CreateWriteStream(&context, request, &stream);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return stream;
  }
  grpc::Status GetStream(const std::string& name, storage::WriteStream* out,
                         storage::WriteStreamView view = storage::BASIC) {
    storage::GetWriteStreamRequest request;
    request.set_name(name);
    request.set_view(view);
    grpc::ClientContext context;
    return stub_->GetWriteStream(&context, request, out);
  }
  grpc::Status Finalize(const std::string& name, int64_t* row_count = nullptr) {
    storage::FinalizeWriteStreamRequest request;
    request.set_name(name);
    storage::FinalizeWriteStreamResponse response;
    grpc::ClientContext context;
    grpc::Status status = stub_->FinalizeWriteStream(&context, request, &response);
    if (row_count != nullptr) *row_count = response.row_count();
    return status;
  }
  grpc::Status Commit(const std::string& table, const std::vector<std::string>& streams,
                      storage::BatchCommitWriteStreamsResponse* response) {
    storage::BatchCommitWriteStreamsRequest request;
    request.set_parent(Parent(table));
    for (const std::string& s : streams) request.add_write_streams(s);
    grpc::ClientContext context;
    return stub_->BatchCommitWriteStreams(&context, request, response);
  }
  grpc::Status Flush(const std::string& name, int64_t offset, int64_t* flushed = nullptr) {
    storage::FlushRowsRequest request;
    request.set_write_stream(name);
    request.mutable_offset()->set_value(offset);
    storage::FlushRowsResponse response;
    grpc::ClientContext context;
    grpc::Status status = stub_->FlushRows(&context, request, &response);
    if (flushed != nullptr) *flushed = response.offset();
    return status;
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

  // Rows {s: value} for each value, at `offset` when given.
  static storage::AppendRowsRequest Rows(const std::string& stream,
                                         const std::vector<std::string>& values,
                                         std::optional<int64_t> offset = std::nullopt,
                                         const DescriptorProto* schema = nullptr) {
    storage::AppendRowsRequest request;
    if (!stream.empty()) request.set_write_stream(stream);
    if (offset) request.mutable_offset()->set_value(*offset);
    static const DescriptorProto kDefaultSchema = RowSchema();
    *request.mutable_proto_rows()->mutable_writer_schema()->mutable_proto_descriptor() =
        schema != nullptr ? *schema : kDefaultSchema;
    for (const std::string& v : values) {
      request.mutable_proto_rows()->mutable_rows()->add_serialized_rows(StringField(1, v));
    }
    return request;
  }

  std::atomic<int64_t> now_ms_{kStartMs};
  bool dataset_created_ = false;
  std::unique_ptr<Emulator> emulator_;
  std::unique_ptr<httplib::Client> http_;
  std::unique_ptr<storage::BigQueryWrite::Stub> stub_;
};

TEST_F(StreamsTest, CreateAndGetWriteStreams) {
  CreateTable("t", json::array({{{"name", "s"}, {"type", "STRING"}, {"mode", "REQUIRED"}}}));
  for (auto type : {storage::WriteStream::COMMITTED, storage::WriteStream::PENDING,
                    storage::WriteStream::BUFFERED}) {
    storage::WriteStream created = CreateStream("t", type);
    EXPECT_THAT(created.name(), StartsWith(Parent("t") + "/streams/"));
    EXPECT_EQ(created.type(), type);
    EXPECT_EQ(created.create_time().seconds(), kStartMs / 1000);
    // Only COMMITTED streams have a commit time before BatchCommitWriteStreams.
    EXPECT_EQ(created.has_commit_time(), type == storage::WriteStream::COMMITTED);
    EXPECT_EQ(created.write_mode(), storage::WriteStream::INSERT);
    EXPECT_EQ(created.location(), "US");
    ASSERT_EQ(created.table_schema().fields_size(), 1);
    EXPECT_EQ(created.table_schema().fields(0).mode(), storage::TableFieldSchema::REQUIRED);

    storage::WriteStream basic;
    ASSERT_TRUE(GetStream(created.name(), &basic).ok());
    EXPECT_EQ(basic.name(), created.name());
    EXPECT_EQ(basic.type(), type);
    EXPECT_EQ(basic.create_time().seconds(), created.create_time().seconds());
    EXPECT_FALSE(basic.has_table_schema());
    storage::WriteStream full;
    ASSERT_TRUE(GetStream(created.name(), &full, storage::FULL).ok());
    EXPECT_EQ(full.table_schema().fields(0).name(), "s");
  }
  // Ids are unique.
  EXPECT_NE(CreateStream("t", storage::WriteStream::PENDING).name(),
            CreateStream("t", storage::WriteStream::PENDING).name());

  // The default stream: COMMITTED, no create or commit time.
  storage::WriteStream default_stream;
  ASSERT_TRUE(GetStream(Parent("t") + "/streams/_default", &default_stream).ok());
  EXPECT_EQ(default_stream.type(), storage::WriteStream::COMMITTED);
  EXPECT_FALSE(default_stream.has_create_time());
  EXPECT_FALSE(default_stream.has_commit_time());

  // A well-formed id that names no stream: NOT_FOUND with STREAM_NOT_FOUND.
  const std::string other = CreateStream("t", storage::WriteStream::PENDING).name();
  CreateTable("u");
  const std::string unknown = Parent("u") + "/streams/" + other.substr(other.rfind('/') + 1);
  storage::WriteStream ignored;
  grpc::Status missing = GetStream(unknown, &ignored);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(missing.error_message(), "Requested entity was not found. Entity: " + unknown);
  std::optional<storage::StorageError> error = StorageErrorOf(missing);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), storage::StorageError::STREAM_NOT_FOUND);
  EXPECT_EQ(error->entity(), unknown);

  grpc::Status malformed = GetStream(Parent("t") + "/streams/nope", &ignored);
  EXPECT_EQ(malformed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(malformed.error_message(), StartsWith("Invalid stream name. Entity: "));

  storage::CreateWriteStreamRequest request;
  request.set_parent(Parent("missing"));
  request.mutable_write_stream()->set_type(storage::WriteStream::PENDING);
  {
    grpc::ClientContext context;
    grpc::Status status = stub_->CreateWriteStream(&context, request, &ignored);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    ASSERT_TRUE(StorageErrorOf(status).has_value());
    EXPECT_EQ(StorageErrorOf(status)->code(), storage::StorageError::TABLE_NOT_FOUND);
  }
  request.set_parent(Parent("t"));
  request.mutable_write_stream()->set_type(storage::WriteStream::TYPE_UNSPECIFIED);
  {
    grpc::ClientContext context;
    EXPECT_EQ(stub_->CreateWriteStream(&context, request, &ignored).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
}

TEST_F(StreamsTest, CommittedStreamOffsets) {
  CreateTable("t");
  const std::string name = CreateStream("t", storage::WriteStream::COMMITTED).name();
  Connection connection(*stub_);
  storage::AppendRowsResponse response;
  ASSERT_TRUE(connection.Append(Rows(name, {"a"}, 0), response));
  ASSERT_TRUE(response.has_append_result()) << response.DebugString();
  EXPECT_EQ(response.append_result().offset().value(), 0);
  EXPECT_EQ(response.write_stream(), name);
  EXPECT_EQ(Values("t"), std::vector<std::string>({"a"}));  // Visible at once.

  ASSERT_TRUE(connection.Append(Rows("", {"b", "c"}, 1), response));
  EXPECT_EQ(response.append_result().offset().value(), 1);

  // A retry of an append that already happened: in-band ALREADY_EXISTS.
  ASSERT_TRUE(connection.Append(Rows("", {"b", "c"}, 1), response));
  ASSERT_TRUE(response.has_error());
  EXPECT_EQ(response.error().code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(response.error().message(),
            "The offset is within stream, expected offset 3, received 1");
  std::optional<storage::StorageError> error = StorageErrorOf(response.error());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), storage::StorageError::OFFSET_ALREADY_EXISTS);
  EXPECT_EQ(error->entity(), name);

  // Past the end: in-band OUT_OF_RANGE.
  ASSERT_TRUE(connection.Append(Rows("", {"z"}, 10), response));
  EXPECT_EQ(response.error().code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(response.error().message(),
            "The offset is beyond stream, expected offset 3, received 10 Entity: " + name);
  EXPECT_EQ(StorageErrorOf(response.error())->code(), storage::StorageError::OFFSET_OUT_OF_RANGE);

  // A bad row rejects the request and leaves the offset where it was.
  storage::AppendRowsRequest bad = Rows("", {"ok"}, 3);
  bad.mutable_proto_rows()->mutable_rows()->add_serialized_rows("\xff\xff");
  ASSERT_TRUE(connection.Append(bad, response));
  EXPECT_EQ(response.error().code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(response.row_errors_size(), 1);

  // The connection is still usable; no offset appends at the end.
  ASSERT_TRUE(connection.Append(Rows("", {"d"}), response));
  EXPECT_EQ(response.append_result().offset().value(), 3);
  EXPECT_TRUE(connection.Finish().ok());
  EXPECT_EQ(Values("t"), std::vector<std::string>({"a", "b", "c", "d"}));

  // A new connection continues the stream.
  Connection again(*stub_);
  ASSERT_TRUE(again.Append(Rows(name, {"e"}, 4), response));
  EXPECT_EQ(response.append_result().offset().value(), 4);
}

TEST_F(StreamsTest, PendingStreamLifecycle) {
  CreateTable("t");
  const std::string name = CreateStream("t", storage::WriteStream::PENDING).name();
  Connection connection(*stub_);
  storage::AppendRowsResponse response;
  ASSERT_TRUE(connection.Append(Rows(name, {"a", "b"}, 0), response));
  EXPECT_EQ(response.append_result().offset().value(), 0);
  ASSERT_TRUE(connection.Append(Rows("", {"c"}, 2), response));
  EXPECT_EQ(response.append_result().offset().value(), 2);
  EXPECT_TRUE(Values("t").empty());  // Invisible until committed.

  storage::BatchCommitWriteStreamsResponse commit;
  ASSERT_TRUE(Commit("t", {name}, &commit).ok());
  ASSERT_EQ(commit.stream_errors_size(), 1);
  EXPECT_EQ(commit.stream_errors(0).code(), storage::StorageError::INVALID_STREAM_STATE);
  EXPECT_FALSE(commit.has_commit_time());

  int64_t rows = 0;
  Advance(absl::Seconds(5));
  ASSERT_TRUE(Finalize(name, &rows).ok());
  EXPECT_EQ(rows, 3);
  // Appends to a finalized stream fail in-band with STREAM_FINALIZED.
  ASSERT_TRUE(connection.Append(Rows("", {"late"}, 3), response));
  EXPECT_EQ(response.error().code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(response.error().message(), StartsWith("Stream has been finalized"));
  EXPECT_EQ(StorageErrorOf(response.error())->code(), storage::StorageError::STREAM_FINALIZED);
  // Finalizing again reports the same count.
  ASSERT_TRUE(Finalize(name, &rows).ok());
  EXPECT_EQ(rows, 3);
  EXPECT_TRUE(Values("t").empty());

  Advance(absl::Seconds(5));
  commit.Clear();
  ASSERT_TRUE(Commit("t", {name}, &commit).ok());
  EXPECT_EQ(commit.stream_errors_size(), 0);
  EXPECT_EQ(commit.commit_time().seconds(), (kStartMs + 10000) / 1000);
  EXPECT_EQ(Values("t"), std::vector<std::string>({"a", "b", "c"}));
  storage::WriteStream info;
  ASSERT_TRUE(GetStream(name, &info).ok());
  EXPECT_EQ(info.commit_time().seconds(), (kStartMs + 10000) / 1000);

  commit.Clear();
  ASSERT_TRUE(Commit("t", {name}, &commit).ok());
  ASSERT_EQ(commit.stream_errors_size(), 1);
  EXPECT_EQ(commit.stream_errors(0).code(), storage::StorageError::STREAM_ALREADY_COMMITTED);
  EXPECT_EQ(commit.stream_errors(0).entity(), name);
  EXPECT_FALSE(commit.has_commit_time());
  EXPECT_EQ(Values("t").size(), 3u);
  ASSERT_TRUE(Finalize(name, &rows).ok());
  EXPECT_EQ(rows, 3);
}

// As an independent Storage Write server answers: the status code alone.
TEST_F(StreamsTest, WithoutStorageErrorDetailsAFinalizedStreamIsFailedPrecondition) {
  Start(":memory:", absl::ZeroDuration(), /*storage_error_details=*/false);
  CreateTable("t");
  const std::string name = CreateStream("t", storage::WriteStream::COMMITTED).name();
  Connection connection(*stub_);
  storage::AppendRowsResponse response;
  ASSERT_TRUE(connection.Append(Rows(name, {"a", "b"}, 0), response));
  EXPECT_EQ(response.append_result().offset().value(), 0);
  // An offset past the end: OUT_OF_RANGE, no detail.
  ASSERT_TRUE(connection.Append(Rows("", {"x"}, 5), response));
  EXPECT_EQ(response.error().code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(response.error().details_size(), 0);
  int64_t rows = 0;
  ASSERT_TRUE(Finalize(name, &rows).ok());
  EXPECT_EQ(rows, 2);
  ASSERT_TRUE(connection.Append(Rows("", {"late"}, 2), response));
  EXPECT_EQ(response.error().code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(response.error().message(), StartsWith("Stream has been finalized"));
  EXPECT_EQ(response.error().details_size(), 0);
  EXPECT_FALSE(StorageErrorOf(response.error()).has_value());
  // Unary calls too: a missing stream is NOT_FOUND without the detail.
  storage::WriteStream info;
  grpc::Status missing =
      GetStream(Parent("u") + "/streams/" + name.substr(name.rfind('/') + 1), &info);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(missing.error_details().empty());
  EXPECT_EQ(Values("t"), std::vector<std::string>({"a", "b"}));
}

TEST_F(StreamsTest, BatchCommitIsAllOrNothing) {
  CreateTable("t");
  const std::string first = CreateStream("t", storage::WriteStream::PENDING).name();
  const std::string second = CreateStream("t", storage::WriteStream::PENDING).name();
  const std::string committed = CreateStream("t", storage::WriteStream::COMMITTED).name();
  for (const auto& [name, value] : {std::pair{first, "one"}, std::pair{second, "two"}}) {
    Connection connection(*stub_);
    storage::AppendRowsResponse response;
    ASSERT_TRUE(connection.Append(Rows(name, {value}, 0), response));
    ASSERT_TRUE(response.has_append_result());
  }
  ASSERT_TRUE(Finalize(first).ok());
  storage::BatchCommitWriteStreamsResponse commit;
  ASSERT_TRUE(Commit("t", {first, second, committed}, &commit).ok());
  ASSERT_EQ(commit.stream_errors_size(), 2);
  EXPECT_EQ(commit.stream_errors(0).code(), storage::StorageError::INVALID_STREAM_STATE);
  EXPECT_EQ(commit.stream_errors(0).entity(), second);
  EXPECT_EQ(commit.stream_errors(1).code(), storage::StorageError::INVALID_STREAM_TYPE);
  EXPECT_EQ(commit.stream_errors(1).error_message(),
            "Stream must be created in pending mode, actual: WRITE_OPTIMIZED");
  EXPECT_FALSE(commit.has_commit_time());
  EXPECT_TRUE(Values("t").empty());  // Not even the finalized stream was committed.

  CreateTable("other");
  const std::string foreign = CreateStream("other", storage::WriteStream::PENDING).name();
  const std::string unknown = Parent("t") + foreign.substr(foreign.rfind("/streams/"));
  commit.Clear();
  ASSERT_TRUE(Commit("t", {first, unknown}, &commit).ok());
  ASSERT_EQ(commit.stream_errors_size(), 1);
  EXPECT_EQ(commit.stream_errors(0).code(), storage::StorageError::STREAM_NOT_FOUND);
  EXPECT_EQ(commit.stream_errors(0).entity(), unknown);
  {
    // A stream of another table is refused outright.
    commit.Clear();
    EXPECT_EQ(Commit("t", {foreign}, &commit).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }

  ASSERT_TRUE(Finalize(second).ok());
  commit.Clear();
  ASSERT_TRUE(Commit("t", {second, first}, &commit).ok());
  EXPECT_EQ(commit.stream_errors_size(), 0);
  EXPECT_TRUE(commit.has_commit_time());
  EXPECT_EQ(Values("t"), std::vector<std::string>({"two", "one"}));  // In request order.

  commit.Clear();
  grpc::Status missing_table =
      Commit("missing", {Parent("missing") + first.substr(first.rfind("/streams/"))}, &commit);
  EXPECT_EQ(missing_table.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(StorageErrorOf(missing_table)->code(), storage::StorageError::TABLE_NOT_FOUND);
}

TEST_F(StreamsTest, BufferedStreamFlush) {
  CreateTable("t");
  const std::string name = CreateStream("t", storage::WriteStream::BUFFERED).name();
  Connection connection(*stub_);
  storage::AppendRowsResponse response;
  ASSERT_TRUE(connection.Append(Rows(name, {"a", "b", "c"}, 0), response));
  ASSERT_TRUE(response.has_append_result());
  EXPECT_TRUE(Values("t").empty());

  int64_t flushed = -1;
  ASSERT_TRUE(Flush(name, 0, &flushed).ok());
  EXPECT_EQ(flushed, 0);
  EXPECT_EQ(Values("t"), std::vector<std::string>({"a"}));
  ASSERT_TRUE(Flush(name, 2, &flushed).ok());
  EXPECT_EQ(flushed, 2);
  EXPECT_EQ(Values("t"), std::vector<std::string>({"a", "b", "c"}));

  grpc::Status again = Flush(name, 1);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(StorageErrorOf(again)->code(), storage::StorageError::OFFSET_ALREADY_EXISTS);
  grpc::Status beyond = Flush(name, 3);
  EXPECT_EQ(beyond.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(StorageErrorOf(beyond)->code(), storage::StorageError::OFFSET_OUT_OF_RANGE);

  const std::string committed = CreateStream("t", storage::WriteStream::COMMITTED).name();
  grpc::Status wrong_type = Flush(committed, 0);
  EXPECT_EQ(wrong_type.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(StorageErrorOf(wrong_type)->code(), storage::StorageError::INVALID_STREAM_TYPE);
  EXPECT_EQ(Flush(Parent("t") + "/streams/_default", 0).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  ASSERT_TRUE(connection.Append(Rows("", {"d"}, 3), response));
  int64_t rows = 0;
  ASSERT_TRUE(Finalize(name, &rows).ok());
  EXPECT_EQ(rows, 4);
  grpc::Status finalized = Flush(name, 3);
  EXPECT_EQ(finalized.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(StorageErrorOf(finalized)->code(), storage::StorageError::STREAM_FINALIZED);
  EXPECT_EQ(Values("t").size(), 3u);  // The unflushed tail never shows.
}

TEST_F(StreamsTest, UncommittedPendingStreamsExpire) {
  CreateTable("t");
  const std::string open = CreateStream("t", storage::WriteStream::PENDING).name();
  const std::string finalized = CreateStream("t", storage::WriteStream::PENDING).name();
  const std::string kept = CreateStream("t", storage::WriteStream::PENDING).name();
  const std::string buffered = CreateStream("t", storage::WriteStream::BUFFERED).name();
  for (const std::string& name : {open, finalized, kept}) {
    Connection connection(*stub_);
    storage::AppendRowsResponse response;
    ASSERT_TRUE(connection.Append(Rows(name, {"x"}, 0), response));
    ASSERT_TRUE(response.has_append_result());
  }
  ASSERT_TRUE(Finalize(kept).ok());
  storage::BatchCommitWriteStreamsResponse commit;
  ASSERT_TRUE(Commit("t", {kept}, &commit).ok());
  ASSERT_TRUE(commit.has_commit_time());

  Advance(absl::Hours(19));
  ASSERT_TRUE(Finalize(finalized).ok());
  Advance(absl::Hours(3));  // 22 h after creation, 3 h after finalization: all alive.
  storage::WriteStream info;
  EXPECT_TRUE(GetStream(open, &info).ok());
  EXPECT_TRUE(GetStream(finalized, &info).ok());

  Advance(absl::Hours(1));  // 23 h after creation, 4 h after finalization.
  grpc::Status gone = GetStream(finalized, &info);
  EXPECT_EQ(gone.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(StorageErrorOf(gone)->code(), storage::StorageError::STREAM_NOT_FOUND);
  EXPECT_TRUE(GetStream(open, &info).ok());

  Advance(absl::Hours(1));  // 24 h after creation.
  EXPECT_EQ(GetStream(open, &info).error_code(), grpc::StatusCode::NOT_FOUND);
  Connection connection(*stub_);
  storage::AppendRowsResponse response;
  EXPECT_FALSE(connection.Append(Rows(open, {"y"}, 1), response));
  grpc::Status append = connection.Finish();
  EXPECT_EQ(append.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(StorageErrorOf(append)->code(), storage::StorageError::STREAM_NOT_FOUND);
  commit.Clear();
  ASSERT_TRUE(Commit("t", {finalized}, &commit).ok());
  ASSERT_EQ(commit.stream_errors_size(), 1);
  EXPECT_EQ(commit.stream_errors(0).code(), storage::StorageError::INVALID_STREAM_STATE);

  // Committed PENDING and other stream types stay.
  EXPECT_TRUE(GetStream(kept, &info).ok());
  EXPECT_TRUE(GetStream(buffered, &info).ok());
  EXPECT_EQ(Values("t"), std::vector<std::string>({"x"}));
}

TEST_F(StreamsTest, StreamsSurviveRestart) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/emulator_streams_restart.db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  emulator_.reset();
  Start(path);
  CreateTable("t");
  const std::string pending = CreateStream("t", storage::WriteStream::PENDING).name();
  const std::string buffered = CreateStream("t", storage::WriteStream::BUFFERED).name();
  {
    Connection connection(*stub_);
    storage::AppendRowsResponse response;
    ASSERT_TRUE(connection.Append(Rows(pending, {"p0"}, 0), response));
    ASSERT_TRUE(connection.Append(Rows(buffered, {"b0", "b1"}, 0), response));
    ASSERT_TRUE(connection.Finish().ok());
  }
  ASSERT_TRUE(Flush(buffered, 0).ok());
  emulator_.reset();

  Start(path);
  {
    Connection connection(*stub_);
    storage::AppendRowsResponse response;
    ASSERT_TRUE(connection.Append(Rows(pending, {"p0"}, 0), response));
    EXPECT_EQ(response.error().code(), grpc::StatusCode::ALREADY_EXISTS);
    ASSERT_TRUE(connection.Append(Rows(pending, {"p1"}, 1), response));
    EXPECT_EQ(response.append_result().offset().value(), 1);
  }
  EXPECT_EQ(Values("t"), std::vector<std::string>({"b0"}));
  ASSERT_TRUE(Flush(buffered, 1).ok());
  ASSERT_TRUE(Finalize(pending).ok());
  storage::BatchCommitWriteStreamsResponse commit;
  ASSERT_TRUE(Commit("t", {pending}, &commit).ok());
  EXPECT_TRUE(commit.has_commit_time());
  EXPECT_EQ(Values("t"), std::vector<std::string>({"b0", "b1", "p0", "p1"}));
  emulator_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

// A file written by the previous emulator (schema version 1) opens, keeps its
// data and gains streams and schema updates.
TEST_F(StreamsTest, MigratesVersionOneFiles) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/emulator_v1.db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  emulator_.reset();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const char* v1 = R"sql(
      CREATE TABLE datasets (project_id TEXT NOT NULL, dataset_id TEXT NOT NULL,
        resource TEXT NOT NULL, creation_time_ms INTEGER NOT NULL,
        PRIMARY KEY (project_id, dataset_id));
      CREATE TABLE tables (table_pk INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL, dataset_id TEXT NOT NULL, table_id TEXT NOT NULL,
        resource TEXT NOT NULL, schema_version INTEGER NOT NULL DEFAULT 1,
        num_rows INTEGER NOT NULL DEFAULT 0, num_bytes INTEGER NOT NULL DEFAULT 0,
        creation_time_ms INTEGER NOT NULL, last_modified_time_ms INTEGER NOT NULL,
        UNIQUE (project_id, dataset_id, table_id));
      CREATE TABLE streams (table_pk INTEGER NOT NULL, stream_id TEXT NOT NULL,
        type TEXT NOT NULL, state TEXT NOT NULL, next_offset INTEGER NOT NULL DEFAULT 0,
        create_time_ms INTEGER NOT NULL, commit_time_ms INTEGER,
        PRIMARY KEY (table_pk, stream_id));
      CREATE TABLE rows (table_pk INTEGER NOT NULL, row_index INTEGER NOT NULL,
        stream_id TEXT NOT NULL, stream_offset INTEGER NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (table_pk, row_index)) WITHOUT ROWID;
      INSERT INTO datasets VALUES ('proj', 'ds',
        '{"datasetReference":{"projectId":"proj","datasetId":"ds"}}', 1);
      INSERT INTO tables (project_id, dataset_id, table_id, resource, num_rows, num_bytes,
        creation_time_ms, last_modified_time_ms) VALUES ('proj', 'ds', 't',
        '{"tableReference":{"projectId":"proj","datasetId":"ds","tableId":"t"},"schema":{"fields":[{"name":"s","type":"STRING","mode":"NULLABLE"}]}}',
        1, 10, 1, 1);
      INSERT INTO streams VALUES (1, '_default', 'DEFAULT', 'OPEN', 1, 1, 1);
      INSERT INTO rows VALUES (1, 0, '_default', 0, '{"s":"old"}');
      PRAGMA user_version = 1;
    )sql";
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, &error), SQLITE_OK) << error;
    sqlite3_close(db);
  }
  Start(path);
  dataset_created_ = true;
  EXPECT_EQ(Values("t"), std::vector<std::string>({"old"}));
  ASSERT_EQ(Call("PATCH", TablePath("t"),
                 {{"schema",
                   {{"fields", json::array({{{"name", "s"}, {"type", "STRING"}},
                                            {{"name", "b"}, {"type", "STRING"}}})}}}})
                .status,
            200);
  const std::string name = CreateStream("t", storage::WriteStream::PENDING).name();
  Connection connection(*stub_);
  storage::AppendRowsResponse response;
  ASSERT_TRUE(connection.Append(Rows(name, {"new"}, 0), response));
  ASSERT_TRUE(response.has_append_result()) << response.DebugString();
  ASSERT_TRUE(Finalize(name).ok());
  storage::BatchCommitWriteStreamsResponse commit;
  ASSERT_TRUE(Commit("t", {name}, &commit).ok());
  EXPECT_EQ(Values("t"), std::vector<std::string>({"old", "new"}));
  emulator_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

TEST_F(StreamsTest, TenMegabyteLimitOnExplicitStreams) {
  CreateTable("t");
  const std::string name = CreateStream("t", storage::WriteStream::COMMITTED).name();
  storage::AppendRowsRequest big =
      Rows(name, std::vector<std::string>(11, std::string(1 << 20, 'x')), 0);
  ASSERT_GT(big.ByteSizeLong(), 10485760u);
  Connection connection(*stub_);
  storage::AppendRowsResponse response;
  EXPECT_FALSE(connection.Append(big, response));
  grpc::Status status = connection.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("AppendRows request too large"));
  EXPECT_TRUE(Values("t").empty());
}

TEST_F(StreamsTest, SchemaUpdateRules) {
  CreateTable("t", json::array({{{"name", "s"}, {"type", "STRING"}, {"mode", "REQUIRED"}},
                                {{"name", "n"}, {"type", "INTEGER"}},
                                {{"name", "rec"},
                                 {"type", "RECORD"},
                                 {"fields", {{{"name", "x"}, {"type", "STRING"}}}}}}));
  Reply before = Call("GET", TablePath("t"));
  ASSERT_EQ(before.status, 200);
  const std::string etag = before.body["etag"];
  json fields = before.body["schema"]["fields"];

  auto patch = [&](const json& new_fields, const httplib::Headers& headers = {}) {
    return Call("PATCH", TablePath("t"), {{"schema", {{"fields", new_fields}}}}, headers);
  };
  struct Bad {
    json fields;
    std::string message;
  };
  const std::string prefix = "Provided Schema does not match Table proj:ds.t. ";
  json removed = fields;
  removed.erase(1);
  json retyped = fields;
  retyped[1]["type"] = "STRING";
  json tightened = fields;
  tightened[1]["mode"] = "REQUIRED";
  json required_added = fields;
  required_added.push_back({{"name", "r"}, {"type", "STRING"}, {"mode", "REQUIRED"}});
  json nested_required = fields;
  nested_required[2]["fields"].push_back({{"name", "y"}, {"type", "STRING"}, {"mode", "REQUIRED"}});
  json nested_removed = fields;
  nested_removed[2]["fields"] = json::array({{{"name", "z"}, {"type", "STRING"}}});
  std::vector<Bad> bad = {
      {removed, prefix + "Field n is missing in new schema"},
      {retyped, prefix + "Field n has changed type from INTEGER to STRING"},
      {tightened, prefix + "Field n has changed mode from NULLABLE to REQUIRED"},
      {required_added, prefix + "Cannot add required fields to an existing schema. (field: r)"},
      {nested_required,
       prefix + "Cannot add required fields to an existing schema. (field: rec.y)"},
      {nested_removed, prefix + "Field rec.x is missing in new schema"},
  };
  for (const Bad& b : bad) {
    Reply r = patch(b.fields);
    EXPECT_EQ(r.status, 400) << b.message;
    EXPECT_EQ(r.body["error"]["message"], b.message);
    EXPECT_EQ(r.body["error"]["errors"][0]["reason"], "invalid");
    EXPECT_EQ(r.body["error"]["status"], "INVALID_ARGUMENT");
  }
  EXPECT_EQ(Call("GET", TablePath("t")).body["etag"], etag);  // Nothing changed.

  // Allowed: new NULLABLE and REPEATED columns (nested too), REQUIRED -> NULLABLE.
  json grown = fields;
  grown[0]["mode"] = "NULLABLE";
  grown.push_back({{"name", "b"}, {"type", "STRING"}});
  grown.push_back({{"name", "tags"}, {"type", "STRING"}, {"mode", "REPEATED"}});
  grown[2]["fields"].push_back({{"name", "y"}, {"type", "INTEGER"}});
  Reply stale_ok = patch(grown, {{"If-Match", etag}});
  ASSERT_EQ(stale_ok.status, 200) << stale_ok.body;
  EXPECT_EQ(stale_ok.body["schema"]["fields"].size(), 5u);
  EXPECT_EQ(stale_ok.body["schema"]["fields"][0]["mode"], "NULLABLE");
  EXPECT_EQ(stale_ok.body["schema"]["fields"][2]["fields"][1]["name"], "y");
  EXPECT_NE(stale_ok.body["etag"], etag);
  Reply got = Call("GET", TablePath("t"));
  EXPECT_EQ(got.body["schema"], stale_ok.body["schema"]);
  EXPECT_EQ(got.body["etag"], stale_ok.body["etag"]);

  // If-Match with an old etag: 412.
  Reply stale = patch(grown, {{"If-Match", etag}});
  EXPECT_EQ(stale.status, 412);
  EXPECT_EQ(stale.body["error"]["errors"][0]["reason"], "conditionNotMet");
  EXPECT_EQ(stale.body["error"]["message"], "Precondition check failed.");

  // Appends do not change the etag.
  {
    Connection connection(*stub_);
    storage::AppendRowsResponse response;
    ASSERT_TRUE(connection.Append(Rows(Parent("t") + "/streams/_default", {"v"}), response));
    ASSERT_TRUE(response.has_append_result()) << response.DebugString();
  }
  EXPECT_EQ(Call("GET", TablePath("t")).body["etag"], got.body["etag"]);

  // tables.update (PUT) follows the same rules and replaces the description.
  json put_fields = grown;
  put_fields.push_back({{"name", "c"}, {"type", "FLOAT"}});
  Reply put = Call("PUT", TablePath("t"),
                   {{"tableReference", {{"tableId", "t"}}},
                    {"description", "d"},
                    {"schema", {{"fields", put_fields}}}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.body["description"], "d");
  EXPECT_EQ(put.body["schema"]["fields"].size(), 6u);
  EXPECT_EQ(put.body["numRows"], "1");
  Reply put_bad = Call("PUT", TablePath("t"), {{"schema", {{"fields", grown}}}});
  EXPECT_EQ(put_bad.status, 400);
  EXPECT_EQ(put_bad.body["error"]["message"], prefix + "Field c is missing in new schema");

  // Partitioning cannot change; unknown tables are 404.
  Reply partition = Call("PATCH", TablePath("t"), {{"timePartitioning", {{"type", "DAY"}}}});
  EXPECT_EQ(partition.status, 400);
  EXPECT_THAT(partition.body["error"]["message"].get<std::string>(),
              HasSubstr("Incompatible table partitioning specification"));
  EXPECT_EQ(Call("PATCH", TablePath("missing"), {{"description", "x"}}).status, 404);

  // Old rows read the new columns as NULL.
  Reply data = Call("GET", TablePath("t") + "/data");
  ASSERT_EQ(data.status, 200);
  EXPECT_EQ(data.body["rows"][0]["f"].size(), 6u);
  EXPECT_TRUE(data.body["rows"][0]["f"][3]["v"].is_null());
}

// After a schema change, connections whose writer schema predates it get
// updated_schema; the new columns can be written on the default stream and on
// explicit streams created before the change (as BigQuery does), once the
// writer sends a new writer schema.
TEST_F(StreamsTest, UpdatedSchemaAfterTableChange) {
  CreateTable("t");
  const std::string default_stream = Parent("t") + "/streams/_default";
  const std::string committed = CreateStream("t", storage::WriteStream::COMMITTED).name();
  const DescriptorProto with_b = RowSchema(/*with_b=*/true);

  // Before the change, a writer schema with a field the table lacks is refused.
  {
    Connection connection(*stub_);
    storage::AppendRowsResponse response;
    EXPECT_FALSE(connection.Append(Rows(committed, {"x"}, 0, &with_b), response));
    grpc::Status status = connection.Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(),
                StartsWith("Input schema has more fields than BigQuery schema, extra fields: 'b'"));
    std::optional<storage::StorageError> error = StorageErrorOf(status);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->code(), storage::StorageError::SCHEMA_MISMATCH_EXTRA_FIELDS);
    EXPECT_EQ(error->entity(), committed);
  }

  Connection on_default(*stub_);
  Connection on_explicit(*stub_);
  storage::AppendRowsResponse response;
  ASSERT_TRUE(on_default.Append(Rows(default_stream, {"d0"}), response));
  EXPECT_FALSE(response.has_updated_schema());
  ASSERT_TRUE(on_explicit.Append(Rows(committed, {"e0"}, 0), response));
  EXPECT_FALSE(response.has_updated_schema());

  Reply patched = Call("PATCH", TablePath("t"),
                       {{"schema",
                         {{"fields", json::array({{{"name", "s"}, {"type", "STRING"}},
                                                  {{"name", "b"}, {"type", "STRING"}}})}}}});
  ASSERT_EQ(patched.status, 200) << patched.body;

  storage::AppendRowsRequest old_rows = Rows("", {"d1"});
  old_rows.mutable_proto_rows()->clear_writer_schema();
  for (Connection* c : {&on_default, &on_explicit}) {
    ASSERT_TRUE(c->Append(old_rows, response));
    ASSERT_TRUE(response.has_append_result()) << response.DebugString();
    ASSERT_EQ(response.updated_schema().fields_size(), 2);
    EXPECT_EQ(response.updated_schema().fields(1).name(), "b");
    // Still sent until the writer schema is replaced.
    ASSERT_TRUE(c->Append(old_rows, response));
    EXPECT_TRUE(response.has_updated_schema());
  }
  storage::AppendRowsRequest new_rows;
  new_rows.mutable_proto_rows()->mutable_rows()->add_serialized_rows(StringField(1, "n") +
                                                                     StringField(2, "bee"));
  *new_rows.mutable_proto_rows()->mutable_writer_schema()->mutable_proto_descriptor() = with_b;
  for (Connection* c : {&on_default, &on_explicit}) {
    ASSERT_TRUE(c->Append(new_rows, response));
    ASSERT_TRUE(response.has_append_result()) << response.DebugString();
    EXPECT_FALSE(response.has_updated_schema());
    EXPECT_TRUE(c->Finish().ok());
  }
  Reply data = Call("GET", TablePath("t") + "/data");
  int with_b_values = 0;
  for (const json& row : data.body["rows"]) with_b_values += row["f"][1]["v"] == "bee" ? 1 : 0;
  EXPECT_EQ(with_b_values, 2);
  EXPECT_EQ(data.body["totalRows"], "8");

  // GetWriteStream FULL reports the current table schema for both streams.
  storage::WriteStream info;
  ASSERT_TRUE(GetStream(committed, &info, storage::FULL).ok());
  EXPECT_EQ(info.table_schema().fields_size(), 2);
}

// The Node.js client's Writer sends writer_schema with every request, and BigQuery
// still reports updated_schema to it (its system test 'should update proto descriptor
// automatically'): sending the same writer schema again changes nothing; a different
// one is a writer that knows the new schema.
TEST_F(StreamsTest, UpdatedSchemaReachesWritersThatResendTheirSchema) {
  CreateTable("t");
  const std::string committed = CreateStream("t", storage::WriteStream::COMMITTED).name();
  Connection connection(*stub_);
  storage::AppendRowsResponse response;
  ASSERT_TRUE(connection.Append(Rows(committed, {"a"}, 0), response));
  EXPECT_FALSE(response.has_updated_schema());
  ASSERT_TRUE(connection.Append(Rows("", {"b"}, 1), response));
  EXPECT_FALSE(response.has_updated_schema()) << "the same writer schema again";

  ASSERT_EQ(Call("PATCH", TablePath("t"),
                 {{"schema",
                   {{"fields", json::array({{{"name", "s"}, {"type", "STRING"}},
                                            {{"name", "b"}, {"type", "STRING"}}})}}}})
                .status,
            200);
  for (int64_t offset : {2, 3, 4}) {
    ASSERT_TRUE(connection.Append(Rows("", {"old"}, offset), response));
    ASSERT_TRUE(response.has_append_result()) << response.DebugString();
    ASSERT_EQ(response.updated_schema().fields_size(), 2) << "offset " << offset;
    EXPECT_EQ(response.updated_schema().fields(1).name(), "b");
  }
  // In-band errors carry it too.
  ASSERT_TRUE(connection.Append(Rows("", {"dup"}, 0), response));
  EXPECT_EQ(response.error().code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_TRUE(response.has_updated_schema());

  // The writer switches to the new schema: no more updated_schema, sent once or again.
  const DescriptorProto with_b = RowSchema(/*with_b=*/true);
  for (int64_t offset : {5, 6}) {
    storage::AppendRowsRequest request = Rows("", {}, offset, &with_b);
    request.mutable_proto_rows()->mutable_rows()->add_serialized_rows(StringField(1, "new") +
                                                                      StringField(2, "bee"));
    ASSERT_TRUE(connection.Append(request, response));
    ASSERT_TRUE(response.has_append_result()) << response.DebugString();
    EXPECT_FALSE(response.has_updated_schema()) << "offset " << offset;
  }
  EXPECT_TRUE(connection.Finish().ok());
  EXPECT_EQ(Values("t").size(), 7u);

  // A connection whose writer schema postdates the change gets none, even without the column.
  Connection late(*stub_);
  ASSERT_TRUE(late.Append(Rows(Parent("t") + "/streams/_default", {"late"}), response));
  ASSERT_TRUE(response.has_append_result()) << response.DebugString();
  EXPECT_FALSE(response.has_updated_schema());
}

// BigQuery refuses an append without rows in the response ("Rows must be specified.",
// its Node.js client's system test 'send empty rows request should return an error');
// nothing is appended and the connection stays usable.
TEST_F(StreamsTest, AppendWithoutRowsIsRefusedInTheResponse) {
  CreateTable("t");
  const std::string default_stream = Parent("t") + "/streams/_default";
  const std::string committed = CreateStream("t", storage::WriteStream::COMMITTED).name();
  for (const std::string& stream : {default_stream, committed}) {
    SCOPED_TRACE(stream);
    const std::optional<int64_t> offset =
        stream == committed ? std::optional<int64_t>(0) : std::nullopt;
    Connection connection(*stub_);
    storage::AppendRowsResponse response;
    // First request: a writer schema and no rows.
    ASSERT_TRUE(connection.Append(Rows(stream, {}, offset), response));
    EXPECT_FALSE(response.has_append_result());
    EXPECT_EQ(response.error().code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(response.error().message(), "Rows must be specified. Entity: " + stream);
    EXPECT_EQ(response.write_stream(), stream);
    // Later: a request whose rows are absent altogether.
    storage::AppendRowsRequest bare;
    if (offset) bare.mutable_offset()->set_value(*offset);
    ASSERT_TRUE(connection.Append(bare, response));
    EXPECT_EQ(response.error().code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(response.error().message(), StartsWith("Rows must be specified."));
    // Nothing was consumed: the next append lands at the same offset.
    ASSERT_TRUE(connection.Append(Rows("", {"x"}, offset), response));
    ASSERT_TRUE(response.has_append_result()) << response.DebugString();
    if (offset) {
      EXPECT_EQ(response.append_result().offset().value(), 0);
    }
    EXPECT_TRUE(connection.Finish().ok());
  }
  EXPECT_EQ(Values("t"), (std::vector<std::string>{"x", "x"}));
}

// tables.patch merges labels key by key (null deletes one, as the clients' DeleteLabel
// sends); tables.update replaces them with the body's.
TEST_F(StreamsTest, PatchMergesLabelsUpdateReplacesThem) {
  CreateTable("t");
  Reply r = Call("PATCH", TablePath("t"),
                 {{"labels", {{"team", "ingest"}, {"env", "dev"}}}, {"friendlyName", "T"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body["labels"], json({{"env", "dev"}, {"team", "ingest"}}));
  r = Call("PATCH", TablePath("t"), {{"labels", {{"env", nullptr}, {"tier", "gold"}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body["labels"], json({{"team", "ingest"}, {"tier", "gold"}}));
  EXPECT_EQ(r.body["friendlyName"], "T");
  EXPECT_EQ(Call("GET", TablePath("t")).body["labels"], r.body["labels"]);
  // The schema was created without modes and stays so through patches.
  EXPECT_EQ(r.body["schema"], json({{"fields", {{{"name", "s"}, {"type", "STRING"}}}}}));

  r = Call("PUT", TablePath("t"),
           {{"tableReference", {{"tableId", "t"}}}, {"labels", {{"only", "this"}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body["labels"], json({{"only", "this"}}));
  EXPECT_FALSE(r.body.contains("friendlyName"));
}

TEST_F(StreamsTest, SchemaChangeReachesAppendRowsAfterThePropagationDelay) {
  emulator_.reset();
  Start(":memory:", absl::Minutes(2));
  CreateTable("t");
  const std::string default_stream = Parent("t") + "/streams/_default";
  Connection old_writer(*stub_);
  storage::AppendRowsResponse response;
  ASSERT_TRUE(old_writer.Append(Rows(default_stream, {"a"}), response));

  ASSERT_EQ(Call("PATCH", TablePath("t"),
                 {{"schema",
                   {{"fields", json::array({{{"name", "s"}, {"type", "STRING"}},
                                            {{"name", "b"}, {"type", "STRING"}}})}}}})
                .status,
            200);
  EXPECT_EQ(Call("GET", TablePath("t")).body["schema"]["fields"].size(), 2u);  // REST: at once.
  const DescriptorProto with_b = RowSchema(/*with_b=*/true);
  {
    Connection early(*stub_);
    EXPECT_FALSE(early.Append(Rows(default_stream, {"x"}, std::nullopt, &with_b), response));
    EXPECT_EQ(StorageErrorOf(early.Finish())->code(),
              storage::StorageError::SCHEMA_MISMATCH_EXTRA_FIELDS);
  }
  storage::AppendRowsRequest old_rows = Rows("", {"b"});
  old_rows.mutable_proto_rows()->clear_writer_schema();
  ASSERT_TRUE(old_writer.Append(old_rows, response));
  EXPECT_FALSE(response.has_updated_schema());

  Advance(absl::Minutes(2));
  ASSERT_TRUE(old_writer.Append(old_rows, response));
  EXPECT_TRUE(response.has_updated_schema());
  Connection late(*stub_);
  ASSERT_TRUE(late.Append(Rows(default_stream, {"x"}, std::nullopt, &with_b), response));
  EXPECT_TRUE(response.has_append_result()) << response.DebugString();
}

TEST_F(StreamsTest, InjectedGrpcFaults) {
  CreateTable("t");
  Fault fault;
  fault.method = "CreateWriteStream";
  fault.times = 2;
  fault.grpc_code = grpc::StatusCode::UNAVAILABLE;
  ASSERT_TRUE(emulator_->faults().Add(fault).ok());
  for (int i = 0; i < 3; ++i) {
    storage::CreateWriteStreamRequest request;
    request.set_parent(Parent("t"));
    request.mutable_write_stream()->set_type(storage::WriteStream::COMMITTED);
    storage::WriteStream stream;
    grpc::ClientContext context;
    grpc::Status status = stub_->CreateWriteStream(&context, request, &stream);
    EXPECT_EQ(status.error_code(), i < 2 ? grpc::StatusCode::UNAVAILABLE : grpc::StatusCode::OK);
  }
  EXPECT_EQ(emulator_->faults().Counters()["CreateWriteStream"].calls, 3);
  EXPECT_EQ(emulator_->faults().Counters()["CreateWriteStream"].faults, 2);
  EXPECT_TRUE(emulator_->faults().Pending().empty());

  const std::string name = CreateStream("t", storage::WriteStream::COMMITTED).name();
  // An error ends the connection; nothing of that request is stored.
  fault = Fault();
  fault.method = "AppendRows";
  fault.grpc_code = grpc::StatusCode::RESOURCE_EXHAUSTED;
  fault.message = "Exceeds 'AppendRows throughput' quota";
  ASSERT_TRUE(emulator_->faults().Add(fault).ok());
  {
    Connection connection(*stub_);
    storage::AppendRowsResponse response;
    EXPECT_FALSE(connection.Append(Rows(name, {"lost"}, 0), response));
    grpc::Status status = connection.Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_EQ(status.error_message(), "Exceeds 'AppendRows throughput' quota");
  }
  EXPECT_TRUE(Values("t").empty());

  // Dropped before persisting: the retry at the same offset succeeds.
  fault = Fault();
  fault.method = "AppendRows";
  fault.kind = FaultKind::kDropBeforePersist;
  ASSERT_TRUE(emulator_->faults().Add(fault).ok());
  {
    Connection connection(*stub_);
    storage::AppendRowsResponse response;
    EXPECT_FALSE(connection.Append(Rows(name, {"a"}, 0), response));
    EXPECT_EQ(connection.Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  }
  EXPECT_TRUE(Values("t").empty());
  // Dropped after persisting: the rows are there and the retry is ALREADY_EXISTS.
  fault.kind = FaultKind::kDropAfterPersist;
  ASSERT_TRUE(emulator_->faults().Add(fault).ok());
  {
    Connection connection(*stub_);
    storage::AppendRowsResponse response;
    EXPECT_FALSE(connection.Append(Rows(name, {"a"}, 0), response));
    EXPECT_EQ(connection.Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  }
  EXPECT_EQ(Values("t"), std::vector<std::string>({"a"}));
  {
    Connection connection(*stub_);
    storage::AppendRowsResponse response;
    ASSERT_TRUE(connection.Append(Rows(name, {"a"}, 0), response));
    EXPECT_EQ(response.error().code(), grpc::StatusCode::ALREADY_EXISTS);
    ASSERT_TRUE(connection.Append(Rows("", {"b"}, 1), response));
    EXPECT_EQ(response.append_result().offset().value(), 1);
  }
  EXPECT_EQ(emulator_->faults().Counters()["AppendRows"].calls, 5);
  EXPECT_EQ(emulator_->faults().Counters()["AppendRows"].faults, 3);

  // Latency: the call succeeds, no sooner than the latency.
  fault = Fault();
  fault.method = "GetWriteStream";
  fault.kind = FaultKind::kLatency;
  fault.latency = absl::Milliseconds(200);
  ASSERT_TRUE(emulator_->faults().Add(fault).ok());
  const auto start = std::chrono::steady_clock::now();
  storage::WriteStream info;
  EXPECT_TRUE(GetStream(name, &info).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));

  // Every call until cleared.
  fault = Fault();
  fault.method = "FinalizeWriteStream";
  fault.times = -1;
  fault.grpc_code = grpc::StatusCode::INTERNAL;
  ASSERT_TRUE(emulator_->faults().Add(fault).ok());
  EXPECT_EQ(Finalize(name).error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(Finalize(name).error_code(), grpc::StatusCode::INTERNAL);
  emulator_->faults().Clear();
  EXPECT_TRUE(Finalize(name).ok());

  fault = Fault();
  fault.method = "tables.get";
  fault.kind = FaultKind::kDropAfterPersist;
  EXPECT_FALSE(emulator_->faults().Add(fault).ok());
  fault.method = "NoSuchMethod";
  EXPECT_FALSE(emulator_->faults().Add(fault).ok());
}

TEST_F(StreamsTest, FaultControlEndpoint) {
  CreateTable("t");
  Reply added = Call("POST", "/emulator/v1/faults",
                     {{"method", "tables.get"}, {"httpStatus", 503}, {"times", 1}});
  ASSERT_EQ(added.status, 200) << added.body;
  EXPECT_EQ(added.body["fault"]["method"], "tables.get");
  Reply listed = Call("GET", "/emulator/v1/faults");
  ASSERT_EQ(listed.body["faults"].size(), 1u);

  Reply unavailable = Call("GET", TablePath("t"));
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_EQ(unavailable.body["error"]["code"], 503);
  EXPECT_EQ(unavailable.body["error"]["status"], "UNAVAILABLE");
  EXPECT_EQ(unavailable.body["error"]["errors"][0]["reason"], "backendError");
  EXPECT_EQ(Call("GET", TablePath("t")).status, 200);

  ASSERT_EQ(
      Call("POST", "/emulator/v1/faults", {{"method", "tabledata.insertAll"}, {"httpStatus", 413}})
          .status,
      200);
  Reply too_large = Call("POST", TablePath("t") + "/insertAll", {{"rows", json::array()}});
  EXPECT_EQ(too_large.status, 413);
  EXPECT_THAT(too_large.content_type, StartsWith("text/html"));
  EXPECT_THAT(too_large.raw, HasSubstr("Error 413 (Request Entity Too Large)!!1"));

  ASSERT_EQ(Call("POST", "/emulator/v1/faults",
                 {{"method", "*"}, {"path", "/tables/other$"}, {"httpStatus", 429}})
                .status,
            200);
  EXPECT_EQ(Call("GET", TablePath("t")).status, 200);  // Path does not match.
  Reply throttled = Call("GET", TablePath("other"));
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(throttled.body["error"]["errors"][0]["reason"], "rateLimitExceeded");
  EXPECT_EQ(throttled.body["error"]["status"], "RESOURCE_EXHAUSTED");

  // gRPC faults over REST too.
  ASSERT_EQ(Call("POST", "/emulator/v1/faults",
                 {{"method", "AppendRows"}, {"grpcCode", "ABORTED"}, {"message", "go away"}})
                .status,
            200);
  {
    Connection connection(*stub_);
    storage::AppendRowsResponse response;
    EXPECT_FALSE(connection.Append(Rows(Parent("t") + "/streams/_default", {"x"}), response));
    grpc::Status status = connection.Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
    EXPECT_EQ(status.error_message(), "go away");
  }

  Reply bad = Call("POST", "/emulator/v1/faults", {{"method", "tables.get"}, {"kind", "explode"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Call("POST", "/emulator/v1/faults", {{"method", "nope"}}).status, 400);

  ASSERT_EQ(Call("POST", "/emulator/v1/faults", {{"method", "tables.list"}, {"times", -1}}).status,
            200);
  EXPECT_EQ(Call("GET", Base() + "/datasets/ds/tables").status, 503);
  EXPECT_EQ(Call("DELETE", "/emulator/v1/faults").status, 200);
  EXPECT_TRUE(Call("GET", "/emulator/v1/faults").body["faults"].empty());
  EXPECT_EQ(Call("GET", Base() + "/datasets/ds/tables").status, 200);

  Reply counters = Call("GET", "/emulator/v1/counters");
  ASSERT_EQ(counters.status, 200);
  EXPECT_EQ(counters.body["counters"]["tables.get"]["calls"], 4);
  EXPECT_EQ(counters.body["counters"]["tables.get"]["faults"], 2);
  EXPECT_EQ(counters.body["counters"]["tabledata.insertAll"]["faults"], 1);
  EXPECT_EQ(counters.body["counters"]["AppendRows"]["faults"], 1);
  EXPECT_EQ(Call("DELETE", "/emulator/v1/counters").status, 200);
  EXPECT_TRUE(Call("GET", "/emulator/v1/counters").body["counters"].empty());
}

}  // namespace
}  // namespace ferry::emulator
