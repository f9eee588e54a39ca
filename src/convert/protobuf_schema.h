#pragma once

// Protobuf schemas as the Confluent Schema Registry holds them: .proto text
// parsed with libprotoc's parser into descriptors, the files every Confluent
// client resolves without the registry (google/protobuf/*, google/type/*,
// confluent/*), and the message indexes of the wire format. Internal to
// src/convert (ProtobufConverter).

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ferry::internal {

// Parses .proto text into a FileDescriptorProto named `name`.
// InvalidArgument with the parser's "line:column: message" texts.
absl::StatusOr<google::protobuf::FileDescriptorProto> ParseProtoText(std::string_view name,
                                                                     std::string_view text);

// The files Confluent's ProtobufSchema resolves without references
// (KNOWN_DEPENDENCIES): google/protobuf/*.proto (libprotobuf's own
// descriptors), google/type/*.proto, confluent/meta.proto,
// confluent/type/decimal.proto and confluent/type/variant.proto. nullptr for
// any other name.
const google::protobuf::FileDescriptorProto* KnownProtobufFile(std::string_view name);

// A set of .proto files built into one pool: the registry schema and what it
// imports. Owns the pool; descriptors live as long as it does.
class ProtobufFiles {
 public:
  // Gives the parsed file an import names (a reference of the schema), or
  // NotFound when there is no such reference; other codes pass through.
  using Resolver =
      std::function<absl::StatusOr<google::protobuf::FileDescriptorProto>(const std::string&)>;

  // Builds `root` and, first, its imports: each from `resolve`, else a known
  // file (KnownProtobufFile). InvalidArgument when a file does not build (its
  // errors), an import is neither a reference nor known, or imports form a
  // cycle; resolve's other errors pass through.
  static absl::StatusOr<std::unique_ptr<ProtobufFiles>> Build(
      const google::protobuf::FileDescriptorProto& root, const Resolver& resolve);

  const google::protobuf::DescriptorPool& pool() const { return *pool_; }
  const google::protobuf::FileDescriptor* root() const { return root_; }

 private:
  ProtobufFiles() = default;
  absl::Status BuildFile(const google::protobuf::FileDescriptorProto& file, const Resolver& resolve,
                         int depth);

  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
  const google::protobuf::FileDescriptor* root_ = nullptr;
};

// Confluent's message indexes: the path of a message in its file (top-level
// message index, then nested message indexes; map entries are not counted).
// Reads them from the front of `payload` (a zigzag varint count, then that
// many zigzag varint indexes; count 0 means [0]) and advances past them.
// InvalidArgument when truncated or negative.
absl::StatusOr<std::vector<int>> ReadMessageIndexes(std::string_view* payload);
// The bytes of indexes as Confluent writes them ([0] as the single byte 0).
std::string WriteMessageIndexes(const std::vector<int>& indexes);
// The message at `indexes` in `file`; InvalidArgument "Invalid message
// indexes: [1, 2]" when there is none.
absl::StatusOr<const google::protobuf::Descriptor*> MessageAtIndexes(
    const google::protobuf::FileDescriptor& file, const std::vector<int>& indexes);
// The indexes of a message of its file.
std::vector<int> MessageIndexesOf(const google::protobuf::Descriptor& message);

// A field's confluent.field_meta params ([(confluent.field_meta).params = {key:
// "scale", value: "2"}]), read from the options' unknown fields; empty when
// there are none.
std::map<std::string, std::string> FieldMetaParams(const google::protobuf::FieldDescriptor& field);

}  // namespace ferry::internal
