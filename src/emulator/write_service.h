#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "bigquery/table_schema.h"
#include "google/cloud/bigquery/storage/v1/storage.grpc.pb.h"

namespace ferry::emulator {

class Store;

// BigQuery's limit on one AppendRows request, serialized.
inline constexpr int64_t kAppendRowsRequestLimit = 10 * 1024 * 1024;

struct StreamName {
  bigquery::TableReference table;
  std::string stream_id;          // "_default"
  std::string Canonical() const;  // ".../tables/t/streams/<id>"
};
// Accepts "projects/p/datasets/d/tables/t/streams/s" and the short
// "projects/p/datasets/d/tables/t/_default" some clients send.
absl::StatusOr<StreamName> ParseStreamName(std::string_view name);

// The REST table schema as the Storage API's TableSchema proto.
google::cloud::bigquery::storage::v1::TableSchema ToStorageSchema(
    const bigquery::TableSchema& schema);

// google.cloud.bigquery.storage.v1.BigQueryWrite on gRPC's sync server: each
// AppendRows connection runs on one gRPC thread for its lifetime, holding only
// its own writer schema; all shared state lives in `store` (which must outlive
// the service). Only the _default stream exists for now.
class WriteService final : public google::cloud::bigquery::storage::v1::BigQueryWrite::Service {
 public:
  explicit WriteService(Store& store) : store_(store) {}

  grpc::Status GetWriteStream(
      grpc::ServerContext* context,
      const google::cloud::bigquery::storage::v1::GetWriteStreamRequest* request,
      google::cloud::bigquery::storage::v1::WriteStream* response) override;

  grpc::Status AppendRows(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<google::cloud::bigquery::storage::v1::AppendRowsResponse,
                               google::cloud::bigquery::storage::v1::AppendRowsRequest>* stream)
      override;

 private:
  Store& store_;
};

}  // namespace ferry::emulator
