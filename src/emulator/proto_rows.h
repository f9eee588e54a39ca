#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "bigquery/table_schema.h"

// Decoding of Storage Write API proto rows into stored rows, with BigQuery's
// validation. See README.md for the proto <-> column type mapping.
namespace ferry::emulator {

// A writer schema (ProtoSchema.proto_descriptor) compiled into a descriptor pool.
// Immutable once built; safe to share between threads.
class WriterSchema {
 public:
  // InvalidArgument when the descriptor is not self-contained or otherwise invalid.
  static absl::StatusOr<std::shared_ptr<const WriterSchema>> Build(
      const google::protobuf::DescriptorProto& proto);

  const google::protobuf::Descriptor* descriptor() const { return descriptor_; }
  const google::protobuf::Message* prototype() const { return prototype_; }

 private:
  WriterSchema() = default;
  // Declaration order matters: the factory's prototypes refer to the pool's descriptors.
  google::protobuf::DescriptorPool pool_;
  google::protobuf::DynamicMessageFactory factory_;
  const google::protobuf::Descriptor* descriptor_ = nullptr;
  const google::protobuf::Message* prototype_ = nullptr;
};

struct MessageBinding;

// A writer schema bound to a table schema: which proto field feeds which column.
class RowDecoder {
 public:
  // InvalidArgument, worded as BigQuery's, when a proto field has no column
  // ("Input schema has more fields than BigQuery schema, extra fields: 'a,b.c'") or
  // a proto field's type or label cannot feed its column.
  static absl::StatusOr<std::unique_ptr<RowDecoder>> Create(
      std::shared_ptr<const WriterSchema> writer, const bigquery::TableSchema& table_schema);
  ~RowDecoder();

  // One serialized row -> stored row JSON text (README.md). On a bad row, an
  // InvalidArgument whose message names the field, as BigQuery's row_errors do.
  absl::StatusOr<std::string> Decode(std::string_view serialized) const;

 private:
  RowDecoder() = default;
  std::shared_ptr<const WriterSchema> writer_;
  bigquery::TableSchema schema_;  // MessageBinding points into it.
  std::unique_ptr<MessageBinding> binding_;
};

}  // namespace ferry::emulator
