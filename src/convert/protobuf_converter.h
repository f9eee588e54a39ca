#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "convert/converter.h"
#include "convert/protobuf_data.h"
#include "convert/protobuf_schema.h"
#include "schemaregistry/client.h"

namespace ferry {

// io.confluent.connect.protobuf.ProtobufConverter: Protobuf in Confluent's
// wire format (magic byte 0, the schema's registry id, the message indexes,
// the Protobuf binary message), schemas from a Confluent Schema Registry
// (schemaregistry/client.h) as .proto text with their imports as references,
// parsed by libprotoc and decoded by libprotobuf's DynamicMessage, Connect
// schemas and values as Confluent's ProtobufData makes them.
//
// ToConnectData: the schema by id and its references (by subject and
// version, recursively; google/protobuf/*, google/type/* and confluent/*
// imports resolve without the registry), the message the indexes name, the
// schema's version in the subject of the subject name strategy (POST
// /subjects/{subject}, as Confluent's deserializer asks it); all cached.
// Messages become STRUCTs named by the message (every field optional, each
// with its io.confluent.connect.protobuf.Tag), oneofs STRUCTs named
// io.confluent.connect.protobuf.Union.<oneof> under the field <oneof>_<index>,
// enums STRINGs with io.confluent.connect.protobuf.Enum parameters, repeated
// fields ARRAYs, maps MAPs, uint32/fixed32 and the 64-bit types INT64,
// google.protobuf.Timestamp Timestamp, google.type.Date Date,
// google.type.TimeOfDay Time, confluent.type.Decimal Decimal, a wrapper
// message at the root its primitive.
//
// FromConnectData: ProtobufData.fromConnectSchema as a proto3 file,
// registered under the subject (auto.register.schemas) or looked up
// (use.latest.version: the subject's latest schema, matched by field name),
// then the wire format.
//
// Errors: InvalidArgument (record-fatal, the record goes to the DLQ) with
// Confluent's texts ("Failed to deserialize data for topic t to Protobuf: …",
// "Unknown magic byte!") for what is wrong with the record: its bytes, its
// message indexes, or an id or version the registry does not have. A registry
// that cannot be reached is Unavailable, refused credentials Unauthenticated
// or PermissionDenied: not the record's fault, so the runtime retries or
// stops the task instead of dead-lettering it.
class ProtobufConverter final : public Converter {
 public:
  ProtobufConverter();
  ~ProtobufConverter() override;

  static const ConfigDef& Definition();
  const ConfigDef& config_def() const override { return Definition(); }
  absl::Status Configure(const std::map<std::string, std::string>& props, bool is_key) override;
  absl::StatusOr<SchemaAndValue> ToConnectData(std::string_view topic, const Headers& headers,
                                               const std::optional<std::string>& bytes) override;
  absl::StatusOr<std::optional<std::string>> FromConnectData(std::string_view topic,
                                                             const SchemaPtr& schema,
                                                             const Value& value) override;

  // The registry client (tests count its requests).
  schemaregistry::SchemaRegistryClient* registry() const { return registry_.get(); }

 private:
  // One registered schema built into a descriptor pool.
  struct Parsed {
    schemaregistry::RegisteredSchema registered;
    std::unique_ptr<internal::ProtobufFiles> files;
    std::unique_ptr<google::protobuf::DynamicMessageFactory> factory;
  };
  // One message of a registered schema, ready to read: a reusable message and
  // the Connect schema. Members are destroyed in reverse order: the message
  // before the factory and pool it comes from.
  struct Reader {
    std::shared_ptr<const Parsed> parsed;
    const google::protobuf::Descriptor* descriptor = nullptr;
    std::unique_ptr<google::protobuf::Message> message;
    SchemaPtr connect;
  };
  struct Writer {
    SchemaPtr connect;
    std::string subject;
    int id = 0;
    std::shared_ptr<const Parsed> parsed;
    const google::protobuf::Descriptor* descriptor = nullptr;
    std::string indexes;  // The wire format's message indexes.
  };
  // A referenced file: its text parsed, and its own references.
  struct Reference {
    google::protobuf::FileDescriptorProto file;
    std::vector<schemaregistry::SchemaReference> references;
  };

  absl::StatusOr<Reader*> ReaderFor(std::string_view topic, int id,
                                    const std::vector<int>& indexes);
  absl::StatusOr<std::shared_ptr<const Parsed>> Parse(
      const schemaregistry::RegisteredSchema& schema, std::string_view root_name);
  absl::StatusOr<std::shared_ptr<const Parsed>> ParsedById(int id);
  absl::Status CollectReferences(const std::vector<schemaregistry::SchemaReference>& refs,
                                 std::map<std::string, google::protobuf::FileDescriptorProto>* out,
                                 int depth);
  absl::StatusOr<Writer*> WriterFor(std::string_view topic, const SchemaPtr& schema);
  schemaregistry::SubjectNameStrategy strategy() const;

  bool is_key_ = false;
  bool configured_ = false;
  internal::ProtobufDataOptions options_;
  size_t cache_size_ = 1000;
  std::unique_ptr<schemaregistry::SchemaRegistryClient> registry_;
  // Parsed schemas by id; readers by (id, message indexes, topic): the
  // schema's version in the topic's subject is part of the Connect schema.
  // Oldest evicted first beyond schemas.cache.config.
  std::map<int, std::shared_ptr<const Parsed>> parsed_;
  std::deque<int> parsed_order_;
  using ReaderKey = std::tuple<int, std::vector<int>, std::string>;
  std::map<ReaderKey, std::unique_ptr<Reader>> readers_;
  std::deque<ReaderKey> reader_order_;
  // Referenced files by (subject, version).
  std::map<std::pair<std::string, int>, Reference> references_;
  std::vector<std::unique_ptr<Writer>> writers_;
};

}  // namespace ferry
