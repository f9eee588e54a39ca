#include "emulator/write_service.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "emulator/proto_rows.h"
#include "emulator/store.h"

namespace ferry::emulator {
namespace {

namespace storage = google::cloud::bigquery::storage::v1;
using bigquery::FieldMode;
using bigquery::FieldType;

constexpr char kDefaultStream[] = "_default";

grpc::Status ToGrpc(grpc::StatusCode code, std::string message) {
  return grpc::Status(code, std::move(message));
}

std::string NotFoundMessage(std::string_view entity) {
  return absl::StrCat("Requested entity was not found. Entity: ", std::string(entity));
}

storage::TableFieldSchema::Type StorageType(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return storage::TableFieldSchema::STRING;
    case FieldType::kBytes:
      return storage::TableFieldSchema::BYTES;
    case FieldType::kInteger:
      return storage::TableFieldSchema::INT64;
    case FieldType::kFloat:
      return storage::TableFieldSchema::DOUBLE;
    case FieldType::kNumeric:
      return storage::TableFieldSchema::NUMERIC;
    case FieldType::kBignumeric:
      return storage::TableFieldSchema::BIGNUMERIC;
    case FieldType::kBoolean:
      return storage::TableFieldSchema::BOOL;
    case FieldType::kTimestamp:
      return storage::TableFieldSchema::TIMESTAMP;
    case FieldType::kDate:
      return storage::TableFieldSchema::DATE;
    case FieldType::kTime:
      return storage::TableFieldSchema::TIME;
    case FieldType::kDatetime:
      return storage::TableFieldSchema::DATETIME;
    case FieldType::kGeography:
      return storage::TableFieldSchema::GEOGRAPHY;
    case FieldType::kJson:
      return storage::TableFieldSchema::JSON;
    case FieldType::kRecord:
      return storage::TableFieldSchema::STRUCT;
  }
  return storage::TableFieldSchema::TYPE_UNSPECIFIED;
}

void ToStorageField(const bigquery::TableFieldSchema& field, storage::TableFieldSchema& out) {
  out.set_name(field.name);
  out.set_type(StorageType(field.type));
  switch (field.mode) {
    case FieldMode::kNullable:
      out.set_mode(storage::TableFieldSchema::NULLABLE);
      break;
    case FieldMode::kRequired:
      out.set_mode(storage::TableFieldSchema::REQUIRED);
      break;
    case FieldMode::kRepeated:
      out.set_mode(storage::TableFieldSchema::REPEATED);
      break;
  }
  if (!field.description.empty()) out.set_description(field.description);
  for (const bigquery::TableFieldSchema& sub : field.fields) ToStorageField(sub, *out.add_fields());
}

void SetMillis(int64_t ms, google::protobuf::Timestamp& ts) {
  ts.set_seconds(ms / 1000);
  ts.set_nanos(static_cast<int32_t>(ms % 1000) * 1000000);
}

}  // namespace

std::string StreamName::Canonical() const {
  return absl::StrCat(table.StoragePath(), "/streams/", stream_id);
}

absl::StatusOr<StreamName> ParseStreamName(std::string_view name) {
  std::vector<std::string> parts = absl::StrSplit(absl::string_view(name.data(), name.size()), '/');
  const bool full = parts.size() == 8 && parts[6] == "streams";
  const bool short_default = parts.size() == 7 && parts[6] == kDefaultStream;
  if ((!full && !short_default) || parts[0] != "projects" || parts[2] != "datasets" ||
      parts[4] != "tables" || parts[1].empty() || parts[3].empty() || parts[5].empty() ||
      (full && parts[7].empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid stream name: ", std::string(name),
                     ". Expected projects/{project}/datasets/{dataset}/tables/{table}/streams/"
                     "{stream}"));
  }
  StreamName out;
  out.table = {parts[1], parts[3], parts[5]};
  out.stream_id = full ? parts[7] : kDefaultStream;
  return out;
}

storage::TableSchema ToStorageSchema(const bigquery::TableSchema& schema) {
  storage::TableSchema out;
  for (const bigquery::TableFieldSchema& field : schema.fields) {
    ToStorageField(field, *out.add_fields());
  }
  return out;
}

grpc::Status WriteService::GetWriteStream(grpc::ServerContext* context,
                                          const storage::GetWriteStreamRequest* request,
                                          storage::WriteStream* response) {
  absl::StatusOr<StreamName> name = ParseStreamName(request->name());
  if (!name.ok()) {
    return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT, std::string(name.status().message()));
  }
  absl::StatusOr<StoredTable> table = store_.GetTable(name->table);
  if (!table.ok()) {
    if (table.status().code() == absl::StatusCode::kNotFound) {
      return ToGrpc(grpc::StatusCode::NOT_FOUND, NotFoundMessage(request->name()));
    }
    return ToGrpc(grpc::StatusCode::INTERNAL, std::string(table.status().message()));
  }
  if (name->stream_id != kDefaultStream) {
    return ToGrpc(grpc::StatusCode::NOT_FOUND, NotFoundMessage(request->name()));
  }
  response->set_name(name->Canonical());
  // The default stream behaves as a COMMITTED stream created with the table.
  response->set_type(storage::WriteStream::COMMITTED);
  SetMillis(table->creation_time_ms, *response->mutable_create_time());
  SetMillis(table->creation_time_ms, *response->mutable_commit_time());
  response->set_write_mode(storage::WriteStream::INSERT);
  response->set_location("US");
  if (request->view() == storage::FULL) {
    *response->mutable_table_schema() = ToStorageSchema(table->table.schema);
  }
  return grpc::Status::OK;
}

grpc::Status WriteService::AppendRows(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<storage::AppendRowsResponse, storage::AppendRowsRequest>* stream) {
  // Connection state: the destination and writer schema persist across requests
  // that omit them, as the API specifies.
  std::string stream_name;
  StreamName destination;
  std::shared_ptr<const WriterSchema> writer;
  storage::AppendRowsRequest request;
  while (stream->Read(&request)) {
    const size_t size = request.ByteSizeLong();
    if (size > static_cast<size_t>(kAppendRowsRequestLimit)) {
      return ToGrpc(
          grpc::StatusCode::INVALID_ARGUMENT,
          absl::StrCat("AppendRows request too large: ", size, " limit ", kAppendRowsRequestLimit));
    }
    if (!request.write_stream().empty() && request.write_stream() != stream_name) {
      absl::StatusOr<StreamName> parsed = ParseStreamName(request.write_stream());
      if (!parsed.ok()) {
        return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT, std::string(parsed.status().message()));
      }
      destination = *std::move(parsed);
      stream_name = request.write_stream();
    } else if (stream_name.empty()) {
      return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT,
                    "write_stream must be set in the first request of a connection");
    }
    if (destination.stream_id != kDefaultStream) {
      return ToGrpc(grpc::StatusCode::NOT_FOUND, NotFoundMessage(stream_name));
    }
    if (request.has_offset()) {
      return ToGrpc(
          grpc::StatusCode::INVALID_ARGUMENT,
          absl::StrCat("Offset is not supported on the default stream. Entity: ", stream_name));
    }
    if (request.rows_case() != storage::AppendRowsRequest::kProtoRows) {
      return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT,
                    absl::StrCat("The emulator accepts proto_rows only. Entity: ", stream_name));
    }
    const storage::AppendRowsRequest::ProtoData& data = request.proto_rows();
    if (data.has_writer_schema()) {
      absl::StatusOr<std::shared_ptr<const WriterSchema>> built =
          WriterSchema::Build(data.writer_schema().proto_descriptor());
      if (!built.ok()) {
        return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT,
                      absl::StrCat(built.status().message(), " Entity: ", stream_name));
      }
      writer = *std::move(built);
    }
    if (writer == nullptr) {
      return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT,
                    absl::StrCat("The writer schema must be set in the first request of a "
                                 "connection. Entity: ",
                                 stream_name));
    }
    absl::StatusOr<StoredTable> table = store_.GetTable(destination.table);
    if (!table.ok()) {
      if (table.status().code() == absl::StatusCode::kNotFound) {
        return ToGrpc(grpc::StatusCode::NOT_FOUND, NotFoundMessage(stream_name));
      }
      return ToGrpc(grpc::StatusCode::INTERNAL, std::string(table.status().message()));
    }
    // Bound per request so a schema change made through REST applies at once.
    absl::StatusOr<std::unique_ptr<RowDecoder>> decoder =
        RowDecoder::Create(writer, table->table.schema);
    if (!decoder.ok()) {
      return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT,
                    absl::StrCat(decoder.status().message(), " Entity: ", stream_name));
    }

    storage::AppendRowsResponse response;
    response.set_write_stream(stream_name);
    std::vector<std::string> rows;
    rows.reserve(static_cast<size_t>(data.rows().serialized_rows_size()));
    for (int i = 0; i < data.rows().serialized_rows_size(); ++i) {
      absl::StatusOr<std::string> row = (*decoder)->Decode(data.rows().serialized_rows(i));
      if (!row.ok()) {
        storage::RowError* error = response.add_row_errors();
        error->set_index(i);
        error->set_code(storage::RowError::FIELDS_ERROR);
        error->set_message(std::string(row.status().message()));
        continue;
      }
      rows.push_back(*std::move(row));
    }
    if (response.row_errors_size() > 0) {
      // BigQuery rejects the whole request when any row is bad.
      response.mutable_error()->set_code(grpc::StatusCode::INVALID_ARGUMENT);
      response.mutable_error()->set_message(absl::StrCat(
          "Errors found while processing rows. Please refer to the row_errors field for "
          "details. The list may not be complete because of the size limitations. Entity: ",
          stream_name));
    } else {
      absl::StatusOr<int64_t> offset = store_.AppendRows(table->table_pk, kDefaultStream, rows);
      if (!offset.ok()) {
        if (offset.status().code() == absl::StatusCode::kNotFound) {
          return ToGrpc(grpc::StatusCode::NOT_FOUND, NotFoundMessage(stream_name));
        }
        response.mutable_error()->set_code(grpc::StatusCode::INTERNAL);
        response.mutable_error()->set_message(std::string(offset.status().message()));
      } else {
        // No offset: the default stream does not report one.
        response.mutable_append_result();
      }
    }
    if (!stream->Write(response)) break;
  }
  return grpc::Status::OK;
}

}  // namespace ferry::emulator
