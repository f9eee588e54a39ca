#pragma once

// Confluent's io.confluent.connect.json.JsonSchemaData: JSON Schema documents
// and JSON values ⇄ Connect schemas and values, and the payload validation of
// json.fail.invalid.schema. Internal to convert/ (JsonSchemaConverter).

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "record/schema.h"
#include "record/value.h"

namespace ferry::internal {

// JsonSchemaDataConfig's keys, as JsonSchemaConverter reads them.
struct JsonSchemaDataOptions {
  bool use_optional_for_nonrequired = false;  // use.optional.for.nonrequired
  bool object_additional_properties = true;   // object.additional.properties
  bool decimal_numeric = false;               // decimal.format=NUMERIC
  bool flatten_singleton_unions = true;       // flatten.singleton.unions
  bool generalized_sum_type_support = false;  // generalized.sum.type.support
  bool ignore_default_for_nullables = false;  // ignore.default.for.nullables
};

// Names and parameters JsonSchemaData uses.
inline constexpr std::string_view kJsonOneOf = "io.confluent.connect.json.OneOf";
inline constexpr std::string_view kJsonEnum = "io.confluent.connect.json.Enum";
inline constexpr std::string_view kJsonNamespace = "io.confluent.connect.json";

// A JSON value as the payload has it: numbers keep their text, so decimals
// are exact, and object members their order.
struct JsonValue {
  enum class Kind { kNull, kBool, kInteger, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  // kInteger: the value when it fits an int64 (fits_int64), and always the
  // number's text; kNumber: the double and the text.
  bool fits_int64 = false;
  int64_t integer = 0;
  double number = 0;
  std::string text;  // kString: the decoded string; numbers: as written.
  std::vector<JsonValue> items;
  std::vector<std::pair<std::string, JsonValue>> members;  // Last one wins on repeats.

  const JsonValue* Find(std::string_view key) const;
  // Jackson's JsonNodeType name ("OBJECT", "NUMBER", ...).
  std::string_view TypeName() const;
  // Minified JSON text.
  std::string Dump() const;
};

// Parses UTF-8 JSON text (one value, nothing after it). InvalidArgument with
// the parser's message for malformed text, invalid UTF-8 or nesting deeper
// than 512.
absl::StatusOr<JsonValue> ParseJsonValue(std::string_view text);

// A registered JSON Schema and the documents its references name, with $ref
// resolution (local JSON pointers "#/definitions/X", "#/$defs/X", and other
// documents by their reference name or $id, with an optional fragment).
class JsonSchemaDocuments {
 public:
  struct Reference {
    std::string name;  // As the referring document's $ref names it.
    std::string text;
  };
  // InvalidArgument when a document is not JSON.
  static absl::StatusOr<std::unique_ptr<JsonSchemaDocuments>> Create(
      std::string_view root, const std::vector<Reference>& references);

  const nlohmann::ordered_json& root() const { return docs_[0].json; }
  // The root's "title" (JsonSchema.name(): the record name of the subject
  // name strategies), "" when it has none.
  std::string Title() const;

  // JsonSchemaData.toConnectSchema; `version`: the schema's version in its
  // subject (connect.version wins). InvalidArgument for what JsonSchemaData
  // refuses (an array without items, an unknown connect.type, ...) and for
  // recursive $refs, which a Connect schema in ferry cannot hold.
  absl::StatusOr<SchemaPtr> ToConnectSchema(std::optional<int> version,
                                            const JsonSchemaDataOptions& options) const;

  // json.fail.invalid.schema: the value against the root schema (type, enum,
  // const, properties, required, additionalProperties, items, min/max
  // items/length/properties, minimum, maximum, exclusive bounds, multipleOf,
  // pattern, allOf/anyOf/oneOf/not, $ref). InvalidArgument listing the
  // problems as everit does ("#/age: expected type: Integer, found: String").
  absl::Status Validate(const JsonValue& value) const;

  struct Doc {
    std::string name;
    nlohmann::ordered_json json;
  };
  // The document and schema node a $ref names, seen from `from`.
  absl::StatusOr<std::pair<const Doc*, const nlohmann::ordered_json*>> Resolve(
      const Doc& from, const std::string& ref) const;
  const Doc& root_doc() const { return docs_[0]; }

 private:
  std::vector<Doc> docs_;
};

// JsonSchemaData.toConnectData: `value` (nullptr: absent) as a value of
// `schema`. InvalidArgument for JSON that does not match the schema (wrong
// kinds, numbers out of range, a missing or null required field).
absl::StatusOr<Value> JsonToConnectValue(const SchemaPtr& schema, const JsonValue* value,
                                         const JsonSchemaDataOptions& options);

// JsonSchemaData.fromConnectSchema: the JSON Schema document's text.
absl::StatusOr<std::string> ConnectToJsonSchema(const Schema& schema,
                                                const JsonSchemaDataOptions& options);

// JsonSchemaData.fromConnectData: the value as JSON text (nullopt: nothing,
// a null value without a schema default).
absl::StatusOr<std::string> ConnectToJsonText(const Schema& schema, const Value& value,
                                              const JsonSchemaDataOptions& options);

}  // namespace ferry::internal
