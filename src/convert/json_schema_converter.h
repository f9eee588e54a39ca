#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "convert/converter.h"
#include "convert/json_schema_data.h"
#include "schemaregistry/client.h"

namespace ferry {

// io.confluent.connect.json.JsonSchemaConverter: JSON in Confluent's wire
// format (magic byte 0, the schema's registry id, UTF-8 JSON), schemas from a
// Confluent Schema Registry (schemaregistry/client.h) as JSON Schema
// documents with their $ref'd documents as references, Connect schemas and
// values as Confluent's JsonSchemaData makes them.
//
// ToConnectData: the schema by id and its references (recursively), the
// schema's version in the subject of the subject name strategy (POST
// /subjects/{subject}); both cached. Objects with properties become STRUCTs
// (property order, or connect.index), "title" names a schema, integer INT64
// and number FLOAT64 unless connect.type says int8…float64 or bytes, string
// STRING (connect.type bytes: BYTES, base64), boolean BOOLEAN, arrays ARRAY,
// connect.type map objects and arrays MAP, oneOf/anyOf with null an optional
// schema and other oneOfs the io.confluent.connect.json.OneOf STRUCT, enums
// STRINGs with io.confluent.connect.json.Enum parameters, and the logical
// types Connect's JSON Schemas carry by title (Decimal as a number or base64
// bytes with connect.parameters scale, Date as days, Time as ms of the day,
// Timestamp as epoch ms). json.fail.invalid.schema=true validates the
// payload against the schema first.
//
// FromConnectData: JsonSchemaData.fromConnectSchema, registered under the
// subject (auto.register.schemas) or looked up (use.latest.version: the
// subject's latest schema's id), then the wire format.
//
// Errors: InvalidArgument (record-fatal, the record goes to the DLQ) with
// Confluent's texts ("Converting byte[] to Kafka Connect data failed due to
// serialization error of topic t: …", "Unknown magic byte!") for what is
// wrong with the record; a registry that cannot be reached is Unavailable,
// refused credentials Unauthenticated or PermissionDenied.
class JsonSchemaConverter final : public Converter {
 public:
  JsonSchemaConverter();
  ~JsonSchemaConverter() override;

  static const ConfigDef& Definition();
  const ConfigDef& config_def() const override { return Definition(); }
  absl::Status Configure(const std::map<std::string, std::string>& props, bool is_key) override;
  absl::StatusOr<SchemaAndValue> ToConnectData(std::string_view topic, const Headers& headers,
                                               const std::optional<std::string>& bytes) override;
  absl::StatusOr<std::optional<std::string>> FromConnectData(std::string_view topic,
                                                             const SchemaPtr& schema,
                                                             const Value& value) override;

  schemaregistry::SchemaRegistryClient* registry() const { return registry_.get(); }

 private:
  struct Reader {
    std::unique_ptr<internal::JsonSchemaDocuments> docs;
    SchemaPtr connect;
  };
  struct Writer {
    SchemaPtr connect;
    std::string subject;
    int id = 0;
    std::unique_ptr<internal::JsonSchemaDocuments> docs;  // For validation.
  };

  absl::StatusOr<Reader*> ReaderFor(std::string_view topic, int id);
  absl::StatusOr<std::unique_ptr<internal::JsonSchemaDocuments>> Documents(
      const schemaregistry::RegisteredSchema& schema);
  absl::Status CollectReferences(const std::vector<schemaregistry::SchemaReference>& refs,
                                 std::vector<internal::JsonSchemaDocuments::Reference>* out,
                                 int depth);
  absl::StatusOr<Writer*> WriterFor(std::string_view topic, const SchemaPtr& schema);
  schemaregistry::SubjectNameStrategy strategy() const;

  bool is_key_ = false;
  bool configured_ = false;
  bool validate_ = false;  // json.fail.invalid.schema
  internal::JsonSchemaDataOptions options_;
  size_t cache_size_ = 1000;
  std::unique_ptr<schemaregistry::SchemaRegistryClient> registry_;
  // Readers by (id, topic); oldest evicted first beyond schemas.cache.config.
  std::map<std::pair<int, std::string>, std::unique_ptr<Reader>> readers_;
  std::deque<std::pair<int, std::string>> reader_order_;
  // Referenced documents by (subject, version): text and references.
  std::map<std::pair<std::string, int>, schemaregistry::RegisteredSchema> references_;
  std::vector<std::unique_ptr<Writer>> writers_;
};

}  // namespace ferry
