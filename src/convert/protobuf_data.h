#pragma once

// Confluent's io.confluent.connect.protobuf.ProtobufData: Protobuf
// descriptors and messages ⇄ Connect schemas and values. Messages are
// libprotobuf messages read through reflection (DynamicMessage). Internal to
// convert/ (ProtobufConverter).

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "record/schema.h"
#include "record/value.h"

namespace ferry::internal {

// ProtobufDataConfig's keys, as ProtobufConverter reads them.
struct ProtobufDataOptions {
  bool enhanced_schema_support = false;       // enhanced.protobuf.schema.support
  bool scrub_invalid_names = false;           // scrub.invalid.names
  bool int_for_enums = false;                 // int.for.enums
  bool optional_for_nullables = false;        // optional.for.nullables
  bool optional_for_proto2 = true;            // optional.for.proto2
  bool wrapper_for_nullables = false;         // wrapper.for.nullables
  bool wrapper_for_raw_primitives = true;     // wrapper.for.raw.primitives
  bool generate_struct_for_nulls = false;     // generate.struct.for.nulls
  bool generate_index_for_unions = true;      // generate.index.for.unions
  bool flatten_unions = false;                // flatten.unions
  bool generalized_sum_type_support = false;  // generalized.sum.type.support
  bool ignore_default_for_nullables = false;  // ignore.default.for.nullables
};

// Names and parameters ProtobufData uses.
inline constexpr std::string_view kProtobufNamespace = "io.confluent.connect.protobuf";
inline constexpr std::string_view kProtobufEnum = "io.confluent.connect.protobuf.Enum";
inline constexpr std::string_view kProtobufUnionPrefix = "io.confluent.connect.protobuf.Union.";
inline constexpr std::string_view kProtobufTag = "io.confluent.connect.protobuf.Tag";
inline constexpr std::string_view kProtobufType = "io.confluent.connect.protobuf.Type";
inline constexpr std::string_view kProtobufWrapper = "io.confluent.connect.protobuf.Wrapper";
inline constexpr std::string_view kGeneralizedUnion = "org.apache.kafka.connect.data.Union";
inline constexpr std::string_view kGeneralizedEnum = "org.apache.kafka.connect.data.Enum";

// ProtobufData.toConnectSchema for the message `message` (the one the
// record's message indexes name). `version`: the schema's version in its
// subject. InvalidArgument for recursive messages, which a Connect schema in
// ferry cannot hold.
absl::StatusOr<SchemaPtr> ProtobufToConnectSchema(const google::protobuf::Descriptor& message,
                                                  std::optional<int> version,
                                                  const ProtobufDataOptions& options);

// ProtobufData.toConnectData: `message` (of the descriptor given to
// ProtobufToConnectSchema) as a value of `schema`. InvalidArgument for values
// Connect cannot hold (an invalid google.type.Date, a Timestamp out of
// range, a decimal that does not fit its schema's scale).
absl::StatusOr<Value> ProtobufToConnectValue(const google::protobuf::Message& message,
                                             const SchemaPtr& schema,
                                             const ProtobufDataOptions& options);

// ProtobufData.fromConnectSchema: a proto3 file (package from the schema's
// name) whose first message is the Connect STRUCT `schema` (or the wrapper
// message of a primitive), importing only files KnownProtobufFile has.
// `message_name` is set to the message's full name.
absl::StatusOr<google::protobuf::FileDescriptorProto> ConnectToProtobufSchema(
    const Schema& schema, const ProtobufDataOptions& options, std::string* message_name);

// ProtobufData.fromConnectData: fills `out` (a message of `schema`'s
// ConnectToProtobufSchema descriptor, or a registered one whose fields are
// matched by name) with `value`.
absl::Status ConnectToProtobufMessage(const Schema& schema, const Value& value,
                                      const ProtobufDataOptions& options,
                                      google::protobuf::Message* out);

}  // namespace ferry::internal
