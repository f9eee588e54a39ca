#include "convert/converter.h"

#include "absl/strings/str_cat.h"
#include "convert/avro_converter.h"
#include "convert/cloudevents_converter.h"
#include "convert/json_converter.h"
#include "convert/json_schema_converter.h"
#include "convert/protobuf_converter.h"
#include "convert/simple_converters.h"

namespace ferry {
namespace {

// Matches a full class name or its simple name (after the last '.').
bool Names(std::string_view class_name, std::string_view full) {
  if (class_name == full) return true;
  return class_name == full.substr(full.rfind('.') + 1);
}

constexpr char kJson[] = "org.apache.kafka.connect.json.JsonConverter";
constexpr char kString[] = "org.apache.kafka.connect.storage.StringConverter";
constexpr char kByteArray[] = "org.apache.kafka.connect.converters.ByteArrayConverter";
constexpr char kCloudEvents[] = "io.ferry.converters.CloudEventsConverter";
constexpr char kAvro[] = "io.confluent.connect.avro.AvroConverter";
constexpr char kProtobuf[] = "io.confluent.connect.protobuf.ProtobufConverter";
constexpr char kJsonSchema[] = "io.confluent.connect.json.JsonSchemaConverter";
constexpr char kSimpleHeader[] = "org.apache.kafka.connect.storage.SimpleHeaderConverter";

}  // namespace

ConfigKey ConverterTypeConfigKey() {
  return ConfigKey{
      .name = "converter.type",
      .type = ConfigType::kString,
      .default_value = std::nullopt,
      .importance = Importance::kLow,
      .doc =
          "How this converter will be used. (ferry: set from the converter's role, key, value "
          "or header, as the Connect worker does; a value in the config is replaced)",
      .validator = validators::OneOf({"key", "value", "header"}, /*case_insensitive=*/false),
      .valid_values = "[key, value, header]",
  };
}

std::map<std::string, std::string> WithConverterType(std::map<std::string, std::string> props,
                                                     std::string_view type) {
  props["converter.type"] = std::string(type);
  return props;
}

std::string CanonicalConverterClass(std::string_view class_name) {
  for (const char* full :
       {kJson, kString, kByteArray, kCloudEvents, kSimpleHeader, kAvro, kProtobuf, kJsonSchema}) {
    if (Names(class_name, full)) return full;
  }
  return std::string(class_name);
}

absl::StatusOr<std::unique_ptr<Converter>> CreateConverter(std::string_view class_name) {
  if (Names(class_name, kJson)) return std::make_unique<JsonConverter>();
  if (Names(class_name, kString)) return std::make_unique<StringConverter>();
  if (Names(class_name, kByteArray)) return std::make_unique<ByteArrayConverter>();
  if (Names(class_name, kCloudEvents)) return std::make_unique<CloudEventsConverter>();
  if (Names(class_name, kAvro)) return std::make_unique<AvroConverter>();
  if (Names(class_name, kProtobuf)) return std::make_unique<ProtobufConverter>();
  if (Names(class_name, kJsonSchema)) return std::make_unique<JsonSchemaConverter>();
  return absl::NotFoundError(absl::StrCat(
      "Converter class ", std::string(class_name), " is not available in ferry; available: ", kJson,
      ", ", kString, ", ", kByteArray, ", ", kCloudEvents, ", ", kAvro, ", ", kProtobuf, ", ", kJsonSchema));
}

absl::StatusOr<std::unique_ptr<HeaderConverter>> CreateHeaderConverter(
    std::string_view class_name) {
  if (Names(class_name, kSimpleHeader)) return std::make_unique<SimpleHeaderConverter>();
  if (Names(class_name, kString)) return std::make_unique<StringConverter>();
  if (Names(class_name, kByteArray)) return std::make_unique<ByteArrayConverter>();
  if (Names(class_name, kJson)) return std::make_unique<JsonConverter>();
  return absl::NotFoundError(absl::StrCat("HeaderConverter class ", std::string(class_name),
                                          " is not available in ferry; available: ", kSimpleHeader,
                                          ", ", kString, ", ", kByteArray, ", ", kJson));
}

Headers RawKafkaHeaders(
    const std::vector<std::pair<std::string, std::optional<std::string>>>& headers) {
  Headers out;
  for (const auto& [key, value] : headers) {
    out.Add(key, Schema::Bytes(true), value ? Value(Bytes{*value}) : Value());
  }
  return out;
}

}  // namespace ferry
