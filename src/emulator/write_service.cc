#include "emulator/write_service.h"

#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "emulator/faults.h"
#include "emulator/proto_rows.h"
#include "emulator/store.h"
#include "google/rpc/status.pb.h"

namespace ferry::emulator {
namespace {

namespace storage = google::cloud::bigquery::storage::v1;
using bigquery::FieldMode;
using bigquery::FieldType;

constexpr char kDefaultStream[] = "_default";

grpc::Status ToGrpc(grpc::StatusCode code, std::string message) {
  return grpc::Status(code, std::move(message));
}

using StorageCode = storage::StorageError::StorageErrorCode;

std::string NotFoundMessage(std::string_view entity) {
  return absl::StrCat("Requested entity was not found. Entity: ", std::string(entity));
}

google::rpc::Status RpcStatus(grpc::StatusCode code, const std::string& message,
                              std::optional<StorageCode> storage_code, const std::string& entity) {
  google::rpc::Status rpc;
  rpc.set_code(code);
  rpc.set_message(message);
  if (storage_code) {
    storage::StorageError error;
    error.set_code(*storage_code);
    error.set_entity(entity);
    error.set_error_message(message);
    rpc.add_details()->PackFrom(error);
  }
  return rpc;
}

// An RPC status carrying a google.rpc.Status with a StorageError detail, as
// BigQuery's (clients read it from the grpc-status-details-bin trailer).
grpc::Status StorageErrorStatus(grpc::StatusCode code, const std::string& message,
                                StorageCode storage_code, const std::string& entity) {
  return grpc::Status(code, message,
                      RpcStatus(code, message, storage_code, entity).SerializeAsString());
}

// An in-band AppendRows error: the request failed, the connection stays open.
void SetError(storage::AppendRowsResponse& response, grpc::StatusCode code,
              const std::string& message, std::optional<StorageCode> storage_code,
              const std::string& entity) {
  *response.mutable_error() = RpcStatus(code, message, storage_code, entity);
}

grpc::Status StreamNotFound(const std::string& name) {
  return StorageErrorStatus(grpc::StatusCode::NOT_FOUND, NotFoundMessage(name),
                            storage::StorageError::STREAM_NOT_FOUND, name);
}

grpc::Status InvalidStreamName(const std::string& name) {
  return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT,
                absl::StrCat("Invalid stream name. Entity: ", name));
}

grpc::Status Internal(const absl::Status& status) {
  return ToGrpc(grpc::StatusCode::INTERNAL, std::string(status.message()));
}

storage::WriteStream::Type ProtoType(StreamType type) {
  switch (type) {
    case StreamType::kPending:
      return storage::WriteStream::PENDING;
    case StreamType::kBuffered:
      return storage::WriteStream::BUFFERED;
    default:
      return storage::WriteStream::COMMITTED;
  }
}

// The schema AppendRows binds against: the previous one while a change is
// still propagating.
struct VisibleSchema {
  const bigquery::TableSchema* schema;
  int64_t version;
};
VisibleSchema Visible(const StoredTable& table, int64_t now_ms, absl::Duration delay) {
  if (table.previous_schema &&
      now_ms < table.schema_changed_ms + absl::ToInt64Milliseconds(delay)) {
    return {&*table.previous_schema, table.previous_schema_version};
  }
  return {&table.table.schema, table.schema_version};
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

absl::StatusOr<bigquery::TableReference> ParseTableName(std::string_view name) {
  std::vector<std::string> parts = absl::StrSplit(absl::string_view(name.data(), name.size()), '/');
  if (parts.size() != 6 || parts[0] != "projects" || parts[2] != "datasets" ||
      parts[4] != "tables" || parts[1].empty() || parts[3].empty() || parts[5].empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid table name: ", std::string(name),
                     ". Expected projects/{project}/datasets/{dataset}/tables/{table}"));
  }
  return bigquery::TableReference{parts[1], parts[3], parts[5]};
}

bool IsWellFormedStreamId(std::string_view id) {
  std::string wire;
  if (!absl::WebSafeBase64Unescape(absl::string_view(id.data(), id.size()), &wire)) return false;
  if (wire.size() < 3 || wire[0] != '\x0a') return false;
  const auto length = static_cast<unsigned char>(wire[1]);
  if (length >= 0x80 || wire.size() != 2 + static_cast<size_t>(length)) return false;
  return absl::StrContains(wire.substr(2), ":s");
}

storage::TableSchema ToStorageSchema(const bigquery::TableSchema& schema) {
  storage::TableSchema out;
  for (const bigquery::TableFieldSchema& field : schema.fields) {
    ToStorageField(field, *out.add_fields());
  }
  return out;
}

int64_t WriteService::NowMs() const { return absl::ToUnixMillis(options_.now()); }

grpc::Status WriteService::CreateWriteStreamImpl(grpc::ServerContext* context,
                                                 const storage::CreateWriteStreamRequest* request,
                                                 storage::WriteStream* response) {
  if (std::optional<Fault> f = faults_.OnCall("CreateWriteStream");
      f && f->kind == FaultKind::kError) {
    return GrpcFaultStatus(*f);
  }
  absl::StatusOr<bigquery::TableReference> ref = ParseTableName(request->parent());
  if (!ref.ok()) {
    return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT, std::string(ref.status().message()));
  }
  StreamType type;
  switch (request->write_stream().type()) {
    case storage::WriteStream::COMMITTED:
      type = StreamType::kCommitted;
      break;
    case storage::WriteStream::PENDING:
      type = StreamType::kPending;
      break;
    case storage::WriteStream::BUFFERED:
      type = StreamType::kBuffered;
      break;
    default:
      return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT,
                    absl::StrCat("Invalid write stream type: ",
                                 storage::WriteStream::Type_Name(request->write_stream().type()),
                                 ". Entity: ", request->parent()));
  }
  const int64_t now = NowMs();
  absl::StatusOr<StoredStream> stream = store_.CreateStream(*ref, type, now);
  if (!stream.ok()) {
    if (stream.status().code() == absl::StatusCode::kNotFound) {
      return StorageErrorStatus(grpc::StatusCode::NOT_FOUND, NotFoundMessage(request->parent()),
                                storage::StorageError::TABLE_NOT_FOUND, request->parent());
    }
    return Internal(stream.status());
  }
  absl::StatusOr<StoredTable> table = store_.GetTable(*ref);
  if (!table.ok()) return Internal(table.status());
  response->set_name(StreamName{*ref, stream->stream_id}.Canonical());
  response->set_type(ProtoType(type));
  SetMillis(stream->create_time_ms, *response->mutable_create_time());
  if (stream->commit_time_ms) SetMillis(*stream->commit_time_ms, *response->mutable_commit_time());
  // CreateWriteStream returns the FULL projection.
  *response->mutable_table_schema() =
      ToStorageSchema(*Visible(*table, now, options_.schema_propagation_delay).schema);
  response->set_write_mode(storage::WriteStream::INSERT);
  response->set_location("US");
  return grpc::Status::OK;
}

grpc::Status WriteService::GetWriteStreamImpl(grpc::ServerContext* context,
                                              const storage::GetWriteStreamRequest* request,
                                              storage::WriteStream* response) {
  if (std::optional<Fault> f = faults_.OnCall("GetWriteStream");
      f && f->kind == FaultKind::kError) {
    return GrpcFaultStatus(*f);
  }
  absl::StatusOr<StreamName> name = ParseStreamName(request->name());
  if (!name.ok()) {
    return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT, std::string(name.status().message()));
  }
  if (!name->is_default() && !IsWellFormedStreamId(name->stream_id)) {
    return InvalidStreamName(request->name());
  }
  const int64_t now = NowMs();
  absl::StatusOr<StoredStream> stream = store_.GetStream(name->table, name->stream_id, now);
  if (!stream.ok()) {
    if (stream.status().code() == absl::StatusCode::kNotFound) {
      return StreamNotFound(request->name());
    }
    return Internal(stream.status());
  }
  absl::StatusOr<StoredTable> table = store_.GetTable(name->table);
  if (!table.ok()) {
    if (table.status().code() == absl::StatusCode::kNotFound) {
      return StreamNotFound(request->name());
    }
    return Internal(table.status());
  }
  response->set_name(name->Canonical());
  // The default stream behaves as a COMMITTED stream; BigQuery reports no
  // create or commit time for it.
  response->set_type(ProtoType(stream->type));
  if (!name->is_default()) {
    SetMillis(stream->create_time_ms, *response->mutable_create_time());
    if (stream->commit_time_ms) {
      SetMillis(*stream->commit_time_ms, *response->mutable_commit_time());
    }
  }
  response->set_write_mode(storage::WriteStream::INSERT);
  response->set_location("US");
  if (request->view() == storage::FULL) {
    *response->mutable_table_schema() =
        ToStorageSchema(*Visible(*table, now, options_.schema_propagation_delay).schema);
  }
  return grpc::Status::OK;
}

grpc::Status WriteService::FinalizeWriteStreamImpl(
    grpc::ServerContext* context, const storage::FinalizeWriteStreamRequest* request,
    storage::FinalizeWriteStreamResponse* response) {
  if (std::optional<Fault> f = faults_.OnCall("FinalizeWriteStream");
      f && f->kind == FaultKind::kError) {
    return GrpcFaultStatus(*f);
  }
  absl::StatusOr<StreamName> name = ParseStreamName(request->name());
  if (!name.ok()) {
    return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT, std::string(name.status().message()));
  }
  if (name->is_default()) {
    return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT,
                  absl::StrCat("FinalizeWriteStream is not supported on the default stream. "
                               "Entity: ",
                               request->name()));
  }
  if (!IsWellFormedStreamId(name->stream_id)) return InvalidStreamName(request->name());
  absl::StatusOr<int64_t> rows = store_.FinalizeStream(name->table, name->stream_id, NowMs());
  if (!rows.ok()) {
    if (rows.status().code() == absl::StatusCode::kNotFound) {
      return StreamNotFound(request->name());
    }
    return Internal(rows.status());
  }
  response->set_row_count(*rows);
  return grpc::Status::OK;
}

grpc::Status WriteService::BatchCommitWriteStreamsImpl(
    grpc::ServerContext* context, const storage::BatchCommitWriteStreamsRequest* request,
    storage::BatchCommitWriteStreamsResponse* response) {
  if (std::optional<Fault> f = faults_.OnCall("BatchCommitWriteStreams");
      f && f->kind == FaultKind::kError) {
    return GrpcFaultStatus(*f);
  }
  absl::StatusOr<bigquery::TableReference> ref = ParseTableName(request->parent());
  if (!ref.ok()) {
    return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT, std::string(ref.status().message()));
  }
  if (request->write_streams().empty()) {
    return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT,
                  absl::StrCat("write_streams must not be empty. Entity: ", request->parent()));
  }
  std::vector<std::string> ids;
  // Entity names as the request gave them, by stream id.
  std::map<std::string, std::string> entities;
  for (const std::string& stream : request->write_streams()) {
    absl::StatusOr<StreamName> name = ParseStreamName(stream);
    if (!name.ok() || name->is_default() || !IsWellFormedStreamId(name->stream_id)) {
      return InvalidStreamName(stream);
    }
    if (!(name->table == *ref)) {
      return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT,
                    absl::StrCat("Stream ", stream, " does not belong to table ", request->parent(),
                                 ". Entity: ", stream));
    }
    ids.push_back(name->stream_id);
    entities.emplace(name->stream_id, stream);
  }
  absl::StatusOr<CommitResult> result = store_.CommitStreams(*ref, ids, NowMs());
  if (!result.ok()) {
    if (result.status().code() == absl::StatusCode::kNotFound) {
      return StorageErrorStatus(grpc::StatusCode::NOT_FOUND, NotFoundMessage(request->parent()),
                                storage::StorageError::TABLE_NOT_FOUND, request->parent());
    }
    return Internal(result.status());
  }
  for (const CommitError& e : result->errors) {
    storage::StorageError* error = response->add_stream_errors();
    error->set_code(static_cast<StorageCode>(e.storage_error_code));
    error->set_entity(entities[e.stream_id]);
    error->set_error_message(e.message);
  }
  if (result->commit_time_ms) {
    // BigQuery reports commit times in microseconds.
    SetMillis(*result->commit_time_ms, *response->mutable_commit_time());
  }
  return grpc::Status::OK;
}

grpc::Status WriteService::FlushRowsImpl(grpc::ServerContext* context,
                                         const storage::FlushRowsRequest* request,
                                         storage::FlushRowsResponse* response) {
  if (std::optional<Fault> f = faults_.OnCall("FlushRows"); f && f->kind == FaultKind::kError) {
    return GrpcFaultStatus(*f);
  }
  const std::string& stream = request->write_stream();
  absl::StatusOr<StreamName> name = ParseStreamName(stream);
  if (!name.ok()) {
    return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT, std::string(name.status().message()));
  }
  if (name->is_default()) {
    return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT,
                  absl::StrCat("FlushRows is not supported on the default stream, which is not "
                               "BUFFERED. Entity: ",
                               stream));
  }
  if (!IsWellFormedStreamId(name->stream_id)) return InvalidStreamName(stream);
  if (!request->has_offset()) {
    return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT,
                  absl::StrCat("FlushRows requires an offset. Entity: ", stream));
  }
  absl::StatusOr<int64_t> flushed =
      store_.FlushStream(name->table, name->stream_id, request->offset().value(), NowMs());
  if (!flushed.ok()) {
    const absl::Status& s = flushed.status();
    const std::string message(s.message());
    switch (s.code()) {
      case absl::StatusCode::kNotFound:
        return StreamNotFound(stream);
      case absl::StatusCode::kFailedPrecondition:
        if (absl::StartsWith(message, "type")) {
          return StorageErrorStatus(grpc::StatusCode::INVALID_ARGUMENT,
                                    absl::StrCat("FlushRows is only supported on BUFFERED "
                                                 "streams. Entity: ",
                                                 stream),
                                    storage::StorageError::INVALID_STREAM_TYPE, stream);
        }
        return StorageErrorStatus(grpc::StatusCode::INVALID_ARGUMENT,
                                  absl::StrCat("Stream has been finalized. Entity: ", stream),
                                  storage::StorageError::STREAM_FINALIZED, stream);
      case absl::StatusCode::kOutOfRange:
        return StorageErrorStatus(grpc::StatusCode::OUT_OF_RANGE,
                                  absl::StrCat(message, " Entity: ", stream),
                                  storage::StorageError::OFFSET_OUT_OF_RANGE, stream);
      case absl::StatusCode::kAlreadyExists:
        return StorageErrorStatus(grpc::StatusCode::ALREADY_EXISTS,
                                  absl::StrCat(message, " Entity: ", stream),
                                  storage::StorageError::OFFSET_ALREADY_EXISTS, stream);
      default:
        return Internal(s);
    }
  }
  response->set_offset(*flushed);
  return grpc::Status::OK;
}

grpc::Status WriteService::AppendRowsImpl(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<storage::AppendRowsResponse, storage::AppendRowsRequest>* stream) {
  // Connection state: the destination and writer schema persist across requests
  // that omit them, as the API specifies.
  std::string stream_name;
  StreamName destination;
  std::shared_ptr<const WriterSchema> writer;
  // The writer schema's descriptor as sent, to tell a changed writer schema from
  // the same one sent again (the Node.js client's Writer sends it with every request).
  std::string writer_descriptor;
  // The table schema version the writer schema was first given under; a newer
  // visible version earns the connection updated_schema in every response until
  // it sends a different writer schema (or another destination).
  int64_t writer_version = -1;
  bool destination_changed = false;
  storage::AppendRowsRequest request;
  while (stream->Read(&request)) {
    const std::optional<Fault> fault = faults_.OnCall("AppendRows");
    if (fault && fault->kind == FaultKind::kError) return GrpcFaultStatus(*fault);
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
      destination_changed = true;
    } else if (stream_name.empty()) {
      return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT,
                    "write_stream must be set in the first request of a connection");
    }
    const bool is_default = destination.is_default();
    if (!is_default && !IsWellFormedStreamId(destination.stream_id)) {
      return InvalidStreamName(stream_name);
    }
    if (is_default && request.has_offset()) {
      return ToGrpc(
          grpc::StatusCode::INVALID_ARGUMENT,
          absl::StrCat("Offset is not supported on the default stream. Entity: ", stream_name));
    }
    // No rows at all reads as an empty proto_rows: "Rows must be specified." below.
    if (request.rows_case() != storage::AppendRowsRequest::kProtoRows &&
        request.rows_case() != storage::AppendRowsRequest::ROWS_NOT_SET) {
      return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT,
                    absl::StrCat("The emulator accepts proto_rows only. Entity: ", stream_name));
    }
    const int64_t now = NowMs();
    std::optional<StoredStream> explicit_stream;
    if (!is_default) {
      absl::StatusOr<StoredStream> found =
          store_.GetStream(destination.table, destination.stream_id, now);
      if (!found.ok()) {
        if (found.status().code() == absl::StatusCode::kNotFound) {
          return StreamNotFound(stream_name);
        }
        return Internal(found.status());
      }
      explicit_stream = *std::move(found);
    }
    absl::StatusOr<StoredTable> table = store_.GetTable(destination.table);
    if (!table.ok()) {
      if (table.status().code() == absl::StatusCode::kNotFound) {
        return StorageErrorStatus(grpc::StatusCode::NOT_FOUND, NotFoundMessage(stream_name),
                                  is_default ? storage::StorageError::TABLE_NOT_FOUND
                                             : storage::StorageError::STREAM_NOT_FOUND,
                                  stream_name);
      }
      return Internal(table.status());
    }
    const VisibleSchema visible = Visible(*table, now, options_.schema_propagation_delay);
    const storage::AppendRowsRequest::ProtoData& data = request.proto_rows();
    bool writer_changed = false;
    if (data.has_writer_schema()) {
      std::string descriptor = data.writer_schema().proto_descriptor().SerializeAsString();
      if (writer == nullptr || descriptor != writer_descriptor) {
        absl::StatusOr<std::shared_ptr<const WriterSchema>> built =
            WriterSchema::Build(data.writer_schema().proto_descriptor());
        if (!built.ok()) {
          return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat(built.status().message(), " Entity: ", stream_name));
        }
        writer = *std::move(built);
        writer_descriptor = std::move(descriptor);
        writer_changed = true;
      }
    }
    if (writer_changed || destination_changed) writer_version = visible.version;
    destination_changed = false;
    if (writer == nullptr) {
      return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT,
                    absl::StrCat("The writer schema must be set in the first request of a "
                                 "connection. Entity: ",
                                 stream_name));
    }
    // Bound per request so a schema change made through REST applies at once.
    absl::StatusOr<std::unique_ptr<RowDecoder>> decoder =
        RowDecoder::Create(writer, *visible.schema);
    if (!decoder.ok()) {
      const std::string message =
          absl::StrCat(decoder.status().message(), " Entity: ", stream_name);
      if (absl::StartsWith(decoder.status().message(), "Input schema has more fields")) {
        return StorageErrorStatus(grpc::StatusCode::INVALID_ARGUMENT, message,
                                  storage::StorageError::SCHEMA_MISMATCH_EXTRA_FIELDS, stream_name);
      }
      return ToGrpc(grpc::StatusCode::INVALID_ARGUMENT, message);
    }

    storage::AppendRowsResponse response;
    response.set_write_stream(stream_name);
    if (writer_version < visible.version) {
      *response.mutable_updated_schema() = ToStorageSchema(*visible.schema);
    }
    if (data.rows().serialized_rows_size() == 0) {
      // BigQuery's words (its Node.js client's system test expects them); in-band, the
      // connection stays usable.
      SetError(response, grpc::StatusCode::INVALID_ARGUMENT,
               absl::StrCat("Rows must be specified. Entity: ", stream_name), std::nullopt,
               stream_name);
      if (!Send(stream, response)) break;
      continue;
    }
    if (explicit_stream && explicit_stream->state != StreamState::kOpen) {
      SetError(
          response, grpc::StatusCode::INVALID_ARGUMENT,
          absl::StrCat("Stream has been finalized and cannot be appended. Entity: ", stream_name),
          storage::StorageError::STREAM_FINALIZED, stream_name);
      if (!Send(stream, response)) break;
      continue;
    }
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
      SetError(response, grpc::StatusCode::INVALID_ARGUMENT,
               absl::StrCat("Errors found while processing rows. Please refer to the row_errors "
                            "field for details. The list may not be complete because of the size "
                            "limitations. Entity: ",
                            stream_name),
               std::nullopt, stream_name);
      if (!Send(stream, response)) break;
      continue;
    }
    if (fault && fault->kind == FaultKind::kDropBeforePersist) {
      return ToGrpc(grpc::StatusCode::UNAVAILABLE, "Connection reset by peer");
    }
    absl::StatusOr<int64_t> offset =
        is_default ? store_.AppendRows(table->table_pk, kDefaultStream, rows)
                   : store_.AppendToStream(table->table_pk, destination.stream_id,
                                           request.has_offset()
                                               ? std::optional<int64_t>(request.offset().value())
                                               : std::nullopt,
                                           rows, now);
    if (!offset.ok()) {
      const std::string message(offset.status().message());
      switch (offset.status().code()) {
        case absl::StatusCode::kNotFound:
          return StreamNotFound(stream_name);
        case absl::StatusCode::kAlreadyExists:
          // BigQuery leaves the entity out of this message (its clients rely on
          // it ending with the received offset).
          SetError(response, grpc::StatusCode::ALREADY_EXISTS, message,
                   storage::StorageError::OFFSET_ALREADY_EXISTS, stream_name);
          break;
        case absl::StatusCode::kOutOfRange:
          SetError(response, grpc::StatusCode::OUT_OF_RANGE,
                   absl::StrCat(message, " Entity: ", stream_name),
                   storage::StorageError::OFFSET_OUT_OF_RANGE, stream_name);
          break;
        case absl::StatusCode::kFailedPrecondition:
          SetError(response, grpc::StatusCode::INVALID_ARGUMENT,
                   absl::StrCat(message, " Entity: ", stream_name),
                   storage::StorageError::STREAM_FINALIZED, stream_name);
          break;
        default:
          SetError(response, grpc::StatusCode::INTERNAL, message, std::nullopt, stream_name);
      }
    } else {
      if (fault && fault->kind == FaultKind::kDropAfterPersist) {
        return ToGrpc(grpc::StatusCode::UNAVAILABLE, "Connection reset by peer");
      }
      // The default stream reports no offset.
      storage::AppendRowsResponse::AppendResult* result = response.mutable_append_result();
      if (!is_default) result->mutable_offset()->set_value(*offset);
    }
    if (!Send(stream, response)) break;
  }
  return grpc::Status::OK;
}

// Without StorageError details (options_.storage_error_details false) a
// status carries its code alone, as servers other than BigQuery send it; a
// finalized stream is then FAILED_PRECONDITION.
namespace {
int PlainCode(int code, const google::rpc::Status& rpc) {
  for (const google::protobuf::Any& any : rpc.details()) {
    storage::StorageError error;
    if (any.UnpackTo(&error) && (error.code() == storage::StorageError::STREAM_FINALIZED ||
                                 error.code() == storage::StorageError::STREAM_ALREADY_COMMITTED)) {
      return grpc::StatusCode::FAILED_PRECONDITION;
    }
  }
  return code;
}
}  // namespace

grpc::Status WriteService::Answer(grpc::Status status) const {
  if (options_.storage_error_details || status.ok() || status.error_details().empty()) {
    return status;
  }
  google::rpc::Status rpc;
  if (!rpc.ParseFromString(status.error_details())) return status;
  return grpc::Status(static_cast<grpc::StatusCode>(PlainCode(status.error_code(), rpc)),
                      status.error_message());
}

bool WriteService::Send(
    grpc::ServerReaderWriter<storage::AppendRowsResponse, storage::AppendRowsRequest>* stream,
    storage::AppendRowsResponse& response) const {
  if (!options_.storage_error_details && response.has_error()) {
    google::rpc::Status& error = *response.mutable_error();
    error.set_code(PlainCode(error.code(), error));
    error.clear_details();
  }
  return stream->Write(response);
}

grpc::Status WriteService::CreateWriteStream(grpc::ServerContext* context,
                                             const storage::CreateWriteStreamRequest* request,
                                             storage::WriteStream* response) {
  return Answer(CreateWriteStreamImpl(context, request, response));
}
grpc::Status WriteService::GetWriteStream(grpc::ServerContext* context,
                                          const storage::GetWriteStreamRequest* request,
                                          storage::WriteStream* response) {
  return Answer(GetWriteStreamImpl(context, request, response));
}
grpc::Status WriteService::AppendRows(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<storage::AppendRowsResponse, storage::AppendRowsRequest>* stream) {
  return Answer(AppendRowsImpl(context, stream));
}
grpc::Status WriteService::FinalizeWriteStream(grpc::ServerContext* context,
                                               const storage::FinalizeWriteStreamRequest* request,
                                               storage::FinalizeWriteStreamResponse* response) {
  return Answer(FinalizeWriteStreamImpl(context, request, response));
}
grpc::Status WriteService::BatchCommitWriteStreams(
    grpc::ServerContext* context, const storage::BatchCommitWriteStreamsRequest* request,
    storage::BatchCommitWriteStreamsResponse* response) {
  return Answer(BatchCommitWriteStreamsImpl(context, request, response));
}
grpc::Status WriteService::FlushRows(grpc::ServerContext* context,
                                     const storage::FlushRowsRequest* request,
                                     storage::FlushRowsResponse* response) {
  return Answer(FlushRowsImpl(context, request, response));
}

}  // namespace ferry::emulator
