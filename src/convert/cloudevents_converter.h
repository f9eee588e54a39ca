#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "convert/converter.h"
#include "convert/json_text.h"

namespace ferry {

// io.ferry.converters.CloudEventsConverter (value side only): a CloudEvents 1.0
// event, in either mode of the Kafka protocol binding, → one Struct of
// EventSchema(), the default BigQuery layout (see README.md for the rules).
//
//   binary mode      attributes in ce_* headers, `content-type` header =
//                    datacontenttype, the Kafka value is the data;
//   structured mode  `content-type: application/cloudevents+json` (or no
//                    content-type and no ce_* headers, with a JSON object
//                    value): the value is the whole event as JSON.
//
// Invalid events (missing/empty id, source, specversion or type; specversion
// other than "1.0"; a time that is not RFC 3339; an extension name that is not
// lower-case alphanumeric; malformed JSON) are InvalidArgument naming the
// attribute and where it came from: never a row of nulls.
class CloudEventsConverter final : public Converter {
 public:
  // Field order of EventSchema().
  enum FieldIndex {
    kId = 0,
    kSource,
    kSpecVersion,
    kType,
    kSubject,
    kTime,
    kDataContentType,
    kExtensions,
    kData,
    kFieldCount,
  };

  // ce_id, ce_source (STRING), ce_specversion (optional STRING), ce_type
  // (STRING), ce_subject (optional STRING), ce_time (optional Timestamp),
  // ce_datacontenttype (optional STRING), ce_extensions and data (optional
  // STRING named logical::kJson). Built once and shared.
  static const SchemaPtr& EventSchema();
  static const ConfigDef& Definition();

  const ConfigDef& config_def() const override { return Definition(); }
  // Refuses is_key=true: keys use StringConverter or ByteArrayConverter.
  absl::Status Configure(const std::map<std::string, std::string>& props, bool is_key) override;
  absl::StatusOr<SchemaAndValue> ToConnectData(std::string_view topic, const Headers& headers,
                                               const std::optional<std::string>& bytes) override;
  // Writes the event in structured mode (application/cloudevents+json).
  absl::StatusOr<std::optional<std::string>> FromConnectData(std::string_view topic,
                                                             const SchemaPtr& schema,
                                                             const Value& value) override;

 private:
  struct Attributes {
    std::optional<std::string_view> values[7];  // kId..kDataContentType.
    // Extension name → JSON text of its value, in first-seen order.
    std::vector<std::pair<std::string_view, std::string>> extensions;
  };

  absl::StatusOr<SchemaAndValue> FromBinary(const Headers& headers,
                                            const std::optional<std::string>& bytes,
                                            std::optional<std::string_view> content_type);
  absl::StatusOr<SchemaAndValue> FromStructured(std::string_view bytes, bool detected);
  absl::StatusOr<SchemaAndValue> Finish(Attributes& attrs, std::optional<std::string> data,
                                        std::string_view mode, bool binary);
  absl::Status AppendData(std::string_view bytes, std::string_view content_type, bool json,
                          bool text, std::string_view mode, std::string* out);

  json::DomParser parser_;
  json::DomParser data_parser_;  // data_base64 holding JSON, checked while the event is live.
  std::vector<json::RawMember> members_;
};

}  // namespace ferry
