#pragma once

// Confluent's io.confluent.connect.avro.AvroData: Avro schemas and datums ⇄
// Connect schemas and values. Datums are libavro generic values; schemas are
// AvroSchema trees (which keep the attributes AvroData reads). Internal to
// convert/ (AvroConverter).

#include <avro.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "convert/avro_schema.h"
#include "record/schema.h"
#include "record/value.h"

namespace ferry::internal {

// AvroDataConfig's keys, as AvroConverter reads them.
struct AvroDataOptions {
  bool connect_meta_data = true;         // connect.meta.data
  bool enhanced_schema_support = false;  // enhanced.avro.schema.support
  bool scrub_invalid_names = false;      // scrub.invalid.names
  bool flatten_singleton_unions = true;  // flatten.singleton.unions
  bool allow_optional_map_keys = false;  // allow.optional.map.keys
};

// Names AvroData uses.
inline constexpr std::string_view kAvroNamespace = "io.confluent.connect.avro";
inline constexpr std::string_view kAvroUnion = "io.confluent.connect.avro.Union";
inline constexpr std::string_view kAvroEnum = "io.confluent.connect.avro.Enum";
inline constexpr std::string_view kConnectFixedSize = "connect.fixed.size";
inline constexpr std::string_view kConnectDecimalPrecision = "connect.decimal.precision";

// AvroData.toConnectSchema. `version`: the schema's version in its subject,
// used when the schema has no connect.version. InvalidArgument for what
// AvroData refuses (a standalone null, names that clash in a union, …) and for
// recursive records, which a Connect schema in ferry cannot hold.
absl::StatusOr<SchemaPtr> AvroToConnectSchema(const AvroNode& root, std::optional<int> version,
                                              const AvroDataOptions& options);

// AvroData.toConnectData: a datum read by libavro with
// AvroSchema::ToLibavroJson()'s schema, as a value of `schema` (the result of
// AvroToConnectSchema for `root`).
absl::StatusOr<Value> AvroToConnectValue(const AvroNode& root, const SchemaPtr& schema,
                                         avro_value_t* datum, const AvroDataOptions& options);

// AvroData.fromConnectSchema.
absl::StatusOr<std::shared_ptr<const AvroSchema>> ConnectToAvroSchema(
    const Schema& schema, const AvroDataOptions& options);

// AvroData.fromConnectData: fills `datum` (a libavro generic value of
// `target`'s ToLibavroJson() schema) with `value` of `schema`. `target` is
// ConnectToAvroSchema(schema) or, with use.latest.version, a registered
// schema whose fields are matched by name.
absl::Status ConnectToAvroValue(const Schema& schema, const Value& value, const AvroNode& target,
                                avro_value_t* datum, const AvroDataOptions& options);

// The full name AvroSchema.name() gives for subject name strategies: a named
// type's full name, otherwise the type's name ("string", "array", "union").
std::string AvroSchemaName(const AvroNode& root);

}  // namespace ferry::internal
