#pragma once

#include <avro.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "convert/avro_data.h"
#include "convert/avro_schema.h"
#include "convert/converter.h"
#include "schemaregistry/client.h"

namespace ferry {

// io.confluent.connect.avro.AvroConverter: Avro in Confluent's wire format
// (magic byte 0, the schema's registry id, the Avro binary datum), schemas
// from a Confluent Schema Registry (schemaregistry/client.h), datums decoded
// and encoded by libavro (Debian's libavro-dev), Connect schemas and values as
// Confluent's AvroData makes them.
//
// ToConnectData: the writer schema by id (with its references), the schema's
// version in the subject of the key/value subject name strategy (POST
// /subjects/{subject}, as Confluent's deserializer asks it), both cached per
// id; records become STRUCTs, [null, X] an optional X, other unions Connect's
// io.confluent.connect.avro.Union struct, enums STRINGs with
// io.confluent.connect.avro.Enum parameters, fixed BYTES with
// connect.fixed.size, decimal Decimal, date Date, time-millis Time,
// timestamp-millis Timestamp; time-micros, timestamp-micros and
// local-timestamp-* stay INT64 and uuid STRING, as AvroData leaves them.
//
// FromConnectData: AvroData.fromConnectSchema, registered under the subject
// (auto.register.schemas) or looked up (use.latest.version: the subject's
// latest schema, matched by field name), then the wire format.
//
// Errors: InvalidArgument (record-fatal, the record goes to the DLQ) with
// Confluent's texts ("Failed to deserialize data for topic t to Avro: …",
// "Unknown magic byte!") for what is wrong with the record: its bytes, or an
// id or version the registry does not have. A registry that cannot be
// reached is Unavailable, refused credentials Unauthenticated or
// PermissionDenied: not the record's fault, so the runtime retries or stops
// the task instead of dead-lettering it.
class AvroConverter final : public Converter {
 public:
  AvroConverter() = default;
  ~AvroConverter() override;

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
  // One writer schema, ready to read datums: the tree, libavro's schema and a
  // reusable generic value of it, and the Connect schema.
  struct Reader {
    std::shared_ptr<const internal::AvroSchema> avro;
    avro_schema_t libavro = nullptr;
    avro_value_iface_t* iface = nullptr;
    avro_value_t datum{};
    bool has_datum = false;
    SchemaPtr connect;
    ~Reader();
  };
  // A Connect schema ready to write: its Avro form and libavro's.
  struct Writer {
    SchemaPtr connect;
    std::shared_ptr<const internal::AvroSchema> avro;
    std::string subject;
    int id = 0;
    avro_schema_t libavro = nullptr;
    avro_value_iface_t* iface = nullptr;
    ~Writer();
  };

  absl::StatusOr<Reader*> ReaderFor(std::string_view topic, int id);
  absl::StatusOr<std::shared_ptr<const internal::AvroSchema>> ParseRegistered(
      const schemaregistry::RegisteredSchema& schema, int depth);
  absl::StatusOr<Writer*> WriterFor(std::string_view topic, const SchemaPtr& schema);
  schemaregistry::SubjectNameStrategy strategy() const;

  bool is_key_ = false;
  bool configured_ = false;
  internal::AvroDataOptions options_;
  size_t cache_size_ = 1000;
  std::unique_ptr<schemaregistry::SchemaRegistryClient> registry_;
  // Readers by (id, topic): the schema's version in the topic's subject is
  // part of the Connect schema. Oldest evicted first beyond
  // schemas.cache.config.
  std::map<std::pair<int, std::string>, std::unique_ptr<Reader>> readers_;
  std::deque<std::pair<int, std::string>> reader_order_;
  // Referenced schemas by (subject, version).
  std::map<std::pair<std::string, int>, std::shared_ptr<const internal::AvroSchema>> references_;
  std::vector<std::unique_ptr<Writer>> writers_;
};

}  // namespace ferry
