#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bigquery/table_schema.h"
#include "google/cloud/bigquery/storage/v1/storage.grpc.pb.h"

namespace ferry::emulator {

class FaultInjector;
class Store;

// BigQuery's limit on one AppendRows request, serialized.
inline constexpr int64_t kAppendRowsRequestLimit = 10 * 1024 * 1024;

struct StreamName {
  bigquery::TableReference table;
  std::string stream_id;          // "_default" or a generated id
  std::string Canonical() const;  // ".../tables/t/streams/<id>"
  bool is_default() const { return stream_id == "_default"; }
};
// Accepts "projects/p/datasets/d/tables/t/streams/s" and the short
// "projects/p/datasets/d/tables/t/_default" some clients send.
absl::StatusOr<StreamName> ParseStreamName(std::string_view name);
// "projects/p/datasets/d/tables/t".
absl::StatusOr<bigquery::TableReference> ParseTableName(std::string_view name);
// True for ids shaped as the emulator (and BigQuery) generates them: base64url
// of a proto whose field 1 is "<uuid>:s<n>". Other ids are "Invalid stream name".
bool IsWellFormedStreamId(std::string_view id);

struct WriteServiceOptions {
  // Clock for stream times, stream expiry and schema propagation.
  std::function<absl::Time()> now = [] { return absl::Now(); };
  // How long after a schema change AppendRows still sees the old schema.
  absl::Duration schema_propagation_delay = absl::ZeroDuration();
  // false: errors carry their status code alone, without BigQuery's
  // StorageError detail, and a finalized stream is FAILED_PRECONDITION - as
  // an independent Storage Write server answers. Clients must cope.
  bool storage_error_details = true;
};

// The REST table schema as the Storage API's TableSchema proto.
google::cloud::bigquery::storage::v1::TableSchema ToStorageSchema(
    const bigquery::TableSchema& schema);

// google.cloud.bigquery.storage.v1.BigQueryWrite on gRPC's sync server: each
// AppendRows connection runs on one gRPC thread for its lifetime, holding only
// its own destination and writer schema; all shared state lives in `store`.
// `store` and `faults` must outlive the service. README.md lists the errors.
class WriteService final : public google::cloud::bigquery::storage::v1::BigQueryWrite::Service {
 public:
  WriteService(Store& store, FaultInjector& faults, WriteServiceOptions options = {})
      : store_(store), faults_(faults), options_(std::move(options)) {}

  grpc::Status CreateWriteStream(
      grpc::ServerContext* context,
      const google::cloud::bigquery::storage::v1::CreateWriteStreamRequest* request,
      google::cloud::bigquery::storage::v1::WriteStream* response) override;

  grpc::Status GetWriteStream(
      grpc::ServerContext* context,
      const google::cloud::bigquery::storage::v1::GetWriteStreamRequest* request,
      google::cloud::bigquery::storage::v1::WriteStream* response) override;

  grpc::Status AppendRows(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<google::cloud::bigquery::storage::v1::AppendRowsResponse,
                               google::cloud::bigquery::storage::v1::AppendRowsRequest>* stream)
      override;

  grpc::Status FinalizeWriteStream(
      grpc::ServerContext* context,
      const google::cloud::bigquery::storage::v1::FinalizeWriteStreamRequest* request,
      google::cloud::bigquery::storage::v1::FinalizeWriteStreamResponse* response) override;

  grpc::Status BatchCommitWriteStreams(
      grpc::ServerContext* context,
      const google::cloud::bigquery::storage::v1::BatchCommitWriteStreamsRequest* request,
      google::cloud::bigquery::storage::v1::BatchCommitWriteStreamsResponse* response) override;

  grpc::Status FlushRows(
      grpc::ServerContext* context,
      const google::cloud::bigquery::storage::v1::FlushRowsRequest* request,
      google::cloud::bigquery::storage::v1::FlushRowsResponse* response) override;

 private:
  grpc::Status CreateWriteStreamImpl(
      grpc::ServerContext* context,
      const google::cloud::bigquery::storage::v1::CreateWriteStreamRequest* request,
      google::cloud::bigquery::storage::v1::WriteStream* response);
  grpc::Status GetWriteStreamImpl(
      grpc::ServerContext* context,
      const google::cloud::bigquery::storage::v1::GetWriteStreamRequest* request,
      google::cloud::bigquery::storage::v1::WriteStream* response);
  grpc::Status AppendRowsImpl(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<google::cloud::bigquery::storage::v1::AppendRowsResponse,
                               google::cloud::bigquery::storage::v1::AppendRowsRequest>* stream);
  grpc::Status FinalizeWriteStreamImpl(
      grpc::ServerContext* context,
      const google::cloud::bigquery::storage::v1::FinalizeWriteStreamRequest* request,
      google::cloud::bigquery::storage::v1::FinalizeWriteStreamResponse* response);
  grpc::Status BatchCommitWriteStreamsImpl(
      grpc::ServerContext* context,
      const google::cloud::bigquery::storage::v1::BatchCommitWriteStreamsRequest* request,
      google::cloud::bigquery::storage::v1::BatchCommitWriteStreamsResponse* response);
  grpc::Status FlushRowsImpl(grpc::ServerContext* context,
                             const google::cloud::bigquery::storage::v1::FlushRowsRequest* request,
                             google::cloud::bigquery::storage::v1::FlushRowsResponse* response);
  // A status or in-band response as options_ say errors are sent.
  grpc::Status Answer(grpc::Status status) const;
  bool Send(
      grpc::ServerReaderWriter<google::cloud::bigquery::storage::v1::AppendRowsResponse,
                               google::cloud::bigquery::storage::v1::AppendRowsRequest>* stream,
      google::cloud::bigquery::storage::v1::AppendRowsResponse& response) const;
  int64_t NowMs() const;

  Store& store_;
  FaultInjector& faults_;
  const WriteServiceOptions options_;
};

}  // namespace ferry::emulator
