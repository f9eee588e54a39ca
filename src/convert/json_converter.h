#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "convert/converter.h"
#include "convert/json_text.h"

namespace ferry {

// org.apache.kafka.connect.json.JsonConverter.
//
// schemas.enable=true (default): the Kafka bytes are Connect's envelope
// {"schema": <Connect JSON schema>, "payload": <value>}; schemas.enable=false:
// plain JSON, read schemaless (objects → MAP with string keys, arrays → ARRAY,
// integral numbers → INT64, other numbers → FLOAT64, strings, booleans, null).
// Logical types Timestamp/Date/Time travel as epoch millis / epoch days /
// millis of day; Decimal as base64 of the unscaled two's complement bytes, or as
// a JSON number with decimal.format=NUMERIC (numbers are read either way).
//
// Where Connect silently coerces a mismatched JSON value (a string read into an
// INT32 field as 0, an out-of-range number wrapped, a non-array read as an
// empty array), ferry rejects the record instead: it never changes a value.
// Numbers are parsed by simdjson into int64/uint64/double; where the schema
// has a Decimal, a number is read from its exact text instead, so NUMERIC
// decimals keep every digit. Integers beyond 64 bits are refused.
class JsonConverter final : public Converter, public HeaderConverter {
 public:
  enum class DecimalFormat { kBase64, kNumeric };

  static const ConfigDef& Definition();
  const ConfigDef& config_def() const override { return Definition(); }
  absl::Status Configure(const std::map<std::string, std::string>& props, bool is_key) override;
  absl::Status Configure(const std::map<std::string, std::string>& props) override;
  absl::StatusOr<SchemaAndValue> ToConnectData(std::string_view topic, const Headers& headers,
                                               const std::optional<std::string>& bytes) override;
  absl::StatusOr<std::optional<std::string>> FromConnectData(std::string_view topic,
                                                             const SchemaPtr& schema,
                                                             const Value& value) override;
  absl::StatusOr<SchemaAndValue> ToConnectHeader(std::string_view topic, std::string_view key,
                                                 const std::optional<std::string>& bytes) override;
  absl::StatusOr<std::optional<std::string>> FromConnectHeader(std::string_view topic,
                                                               std::string_view key,
                                                               const SchemaPtr& schema,
                                                               const Value& value) override;

  // Connect's JSON form of a schema (JsonConverter.asJsonSchema).
  absl::Status AppendJsonSchema(const Schema& schema, std::string* out);

 private:
  // A schema read from JSON, and whether reading a payload with it needs the
  // payload's exact text (it has a Decimal, whose numbers must not go through
  // a double).
  struct ConnectSchema {
    SchemaPtr schema;
    bool needs_text = false;
  };
  // `raw`: the exact text of `json` ("" when not known).
  absl::StatusOr<SchemaPtr> AsConnectSchema(const simdjson::dom::element& json,
                                            std::string_view raw);
  absl::StatusOr<ConnectSchema> CachedConnectSchema(std::string_view raw,
                                                    const simdjson::dom::element& json);
  // `json` null = the member is absent. `raw`: the exact text of `json`, or ""
  // when not needed (only Decimal numbers read it).
  absl::StatusOr<Value> ToConnect(const SchemaPtr& schema, const simdjson::dom::element* json,
                                  std::string_view raw);
  // converter.type: "key", "value" or "header".
  absl::Status ConfigureAs(const std::map<std::string, std::string>& props, std::string_view type);
  absl::StatusOr<Value> ToConnectSchemaless(const simdjson::dom::element& json);
  absl::Status ToJson(const SchemaPtr& schema, const Value& value, std::string* out);
  absl::Status AppendCachedJsonSchema(const SchemaPtr& schema, std::string* out);
  absl::Status AppendJsonSchemaUncached(const Schema& schema, std::string_view field_name,
                                        std::string* out);
  // "null" for a missing element schema.
  absl::Status AppendOptionalJsonSchema(const SchemaPtr& schema, std::string* out);

  bool schemas_enable_ = true;
  DecimalFormat decimal_format_ = DecimalFormat::kBase64;
  bool replace_null_with_default_ = true;
  size_t cache_size_ = 1000;

  json::DomParser parser_;
  std::vector<json::RawMember> members_;
  // Both caches are emptied when full: schemas rarely vary within a topic, so
  // an LRU's bookkeeping would buy nothing on the hot path.
  absl::flat_hash_map<std::string, ConnectSchema> to_connect_cache_;  // by schema JSON text.
  // Keeps the schema alive so that its address cannot be reused while cached.
  absl::flat_hash_map<const Schema*, std::pair<SchemaPtr, std::string>> to_json_cache_;
};

// A decimal from number text ("12.3", "-1e-2", "100"), at exactly `scale`;
// nullopt if the text is not a number or is not exact at that scale.
std::optional<Decimal> DecimalFromNumberText(std::string_view text, int32_t scale);

}  // namespace ferry
