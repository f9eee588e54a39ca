#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "config/config_def.h"
#include "record/schema.h"
#include "record/sink_record.h"
#include "record/value.h"

namespace ferry {

struct SchemaAndValue {
  SchemaPtr schema;  // null = schemaless.
  Value value;
};

// Kafka Connect's org.apache.kafka.connect.storage.Converter: Kafka bytes ⇄
// Connect data. One instance per task and role (key or value); the instance
// keeps parse buffers and caches between calls, so it is thread-compatible,
// not thread-safe. Configure is called once, before any conversion.
//
// Errors are InvalidArgument (record-fatal: the record goes to the DLQ) with
// Connect's message text where Connect has one. Any other code says the
// converter could not judge the record (a Schema Registry that cannot be
// reached: Unavailable; refused credentials: Unauthenticated or
// PermissionDenied): the runtime retries retriable codes under Connect's
// errors.retry.timeout, then stops the task before the record (restartable),
// never dead-lettering it.
class Converter {
 public:
  Converter() = default;
  Converter(const Converter&) = delete;
  Converter& operator=(const Converter&) = delete;
  virtual ~Converter() = default;

  virtual const ConfigDef& config_def() const = 0;
  // props: the converter's own keys (prefix "key.converter."/"value.converter."
  // already stripped). Keys the converter does not define are ignored here (the
  // worker reports unknown keys).
  virtual absl::Status Configure(const std::map<std::string, std::string>& props, bool is_key) = 0;
  // bytes == nullopt: Kafka null (tombstone / null key).
  //
  // headers: the record's headers. Connect hands converters Kafka's raw
  // headers; pass RawKafkaHeaders(raw.headers) to give the exact bytes. A
  // header whose value is STRING or BYTES is read as its text/bytes; values
  // already parsed by a header converter (e.g. SimpleHeaderConverter turns
  // "1.0" into INT8 1) no longer carry the original text.
  virtual absl::StatusOr<SchemaAndValue> ToConnectData(std::string_view topic,
                                                       const Headers& headers,
                                                       const std::optional<std::string>& bytes) = 0;
  // Returns nullopt for a Kafka null.
  virtual absl::StatusOr<std::optional<std::string>> FromConnectData(std::string_view topic,
                                                                     const SchemaPtr& schema,
                                                                     const Value& value) = 0;
};

// Kafka Connect's HeaderConverter: one header's raw bytes ⇄ a Connect value.
// Same lifecycle and threading as Converter.
class HeaderConverter {
 public:
  HeaderConverter() = default;
  HeaderConverter(const HeaderConverter&) = delete;
  HeaderConverter& operator=(const HeaderConverter&) = delete;
  virtual ~HeaderConverter() = default;

  virtual const ConfigDef& config_def() const = 0;
  virtual absl::Status Configure(const std::map<std::string, std::string>& props) = 0;
  virtual absl::StatusOr<SchemaAndValue> ToConnectHeader(
      std::string_view topic, std::string_view key, const std::optional<std::string>& bytes) = 0;
  virtual absl::StatusOr<std::optional<std::string>> FromConnectHeader(std::string_view topic,
                                                                       std::string_view key,
                                                                       const SchemaPtr& schema,
                                                                       const Value& value) = 0;
};

// Connect's ConverterConfig key "converter.type" (key, value or header), which
// every converter but CloudEventsConverter defines. Users do not set it: as
// the Connect worker does, Configure(props, is_key) sets it to key or value
// and HeaderConverter::Configure to header, replacing any value in props.
ConfigKey ConverterTypeConfigKey();
// props with converter.type set to `type`.
std::map<std::string, std::string> WithConverterType(std::map<std::string, std::string> props,
                                                     std::string_view type);

// By full class name as users write them
// ("org.apache.kafka.connect.json.JsonConverter",
// "org.apache.kafka.connect.storage.StringConverter",
// "org.apache.kafka.connect.converters.ByteArrayConverter",
// "io.ferry.converters.CloudEventsConverter") or by simple name
// ("JsonConverter", "CloudEventsConverter"). NotFound for any other name.
// The full class name of a converter or header converter named by its full
// or simple name ("JsonConverter" → "org.apache.kafka.connect.json.JsonConverter");
// the name itself when it is not one ferry has.
std::string CanonicalConverterClass(std::string_view class_name);

absl::StatusOr<std::unique_ptr<Converter>> CreateConverter(std::string_view class_name);

// "org.apache.kafka.connect.storage.SimpleHeaderConverter" (Connect's default),
// StringConverter, ByteArrayConverter, JsonConverter; full or simple names.
absl::StatusOr<std::unique_ptr<HeaderConverter>> CreateHeaderConverter(std::string_view class_name);

// The record's Kafka headers as Connect passes them to
// Converter.toConnectData: each value is the header's exact bytes (BYTES,
// optional schema; null stays null).
Headers RawKafkaHeaders(
    const std::vector<std::pair<std::string, std::optional<std::string>>>& headers);

}  // namespace ferry
