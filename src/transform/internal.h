#pragma once

// Helpers shared by ferry's built-in transforms. Not part of the module's API.

#include <functional>
#include <memory>
#include <optional>
#include <regex>
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
#include "transform/transformation.h"

namespace ferry::transform_internal {

// Which part of the record a `$Key` / `$Value` transform works on.
enum class Target { kKey, kValue };

const SchemaPtr& OperatingSchema(const SinkRecord& record, Target target);
const Value& OperatingValue(const SinkRecord& record, Target target);
// A copy of `record` with the key or value (and its schema) replaced.
SinkRecord WithOperating(const SinkRecord& record, Target target, SchemaPtr schema, Value value);

// KIP-1040's `replace.null.with.default` (BOOLEAN, default true), the one
// definition of the key for the transforms that take it.
inline constexpr char kReplaceNullWithDefault[] = "replace.null.with.default";
void AppendReplaceNullWithDefaultConfig(ConfigDef* def);

// Kafka's Requirements.requireMap / requireStruct messages.
absl::Status RequireMap(const Value& value, std::string_view purpose);
absl::Status RequireStruct(const Value& value, std::string_view purpose);

// SchemaUtil.copySchemaBasics: a STRUCT builder with the name, version, doc
// and parameters of `schema` (not its optionality or default).
SchemaBuilder CopySchemaBasics(const Schema& schema);

// HashMap.put on an ordered Map: replaces the entry with this string key in
// place, or appends.
void MapPut(Map* map, const std::string& key, Value value);

// The record timestamp as Connect sees it: absent (Java null) when Kafka gave
// none.
std::optional<int64_t> RecordTimestampMs(const SinkRecord& record);

// Java's String.split(regex-free separator): trailing empty strings dropped.
std::vector<std::string> JavaSplit(std::string_view text, char separator);

// A small cache of derived schemas, keyed by the input schema (pointer first,
// then structural equality), as Kafka's LRUCache(16) in the transforms. Not
// thread-safe: transforms are thread-compatible.
class SchemaCache {
 public:
  SchemaPtr Get(const SchemaPtr& key) const;
  void Put(const SchemaPtr& key, SchemaPtr value);

 private:
  static constexpr size_t kCapacity = 16;
  std::vector<std::pair<SchemaPtr, SchemaPtr>> entries_;  // most recent last.
};

// Validates `props` against `def` and, when the table is happy, parses and
// hands the typed view to `load`, which adds cross-key problems. Returns every
// problem found.
std::vector<ConfigError> LoadConfig(
    const ConfigDef& def, const Transformation::Props& props,
    const std::function<void(const ParsedConfig&, std::vector<ConfigError>*)>& load);
absl::Status ErrorsToStatus(const std::vector<ConfigError>& errors);

// Kafka's ConfigException(name, value, message) text.
std::string InvalidValue(std::string_view key, std::string_view value, absl::string_view message);

// Compiles a user's Java regex with std::regex (ECMAScript grammar, which
// shares Java's common syntax; Java-only constructs such as possessive
// quantifiers, named groups or \p{..} classes are rejected as invalid).
absl::StatusOr<std::shared_ptr<const std::regex>> CompileRegex(std::string_view pattern);

// The field of `struct_schema` (a STRUCT) named `name` (at the root, dots
// included, as Cast and MaskField take names), or nullptr.
const Field* LookupStructField(const Schema& struct_schema, std::string_view name);
// The entry of `map` (a Map value) whose string key is `name`, or nullptr.
const Value* LookupMapField(const Value& map, std::string_view name);

// Validators with Kafka's wording.
Validator NonEmptyStringValidator();  // "String must be non-empty"
Validator RegexValidator();           // "Invalid regex: ..."

// Kafka's NonEmptyListValidator on LIST `key`, as a table check so that its
// message shows the parsed list as Java does: "Invalid value [] for
// configuration fields: Empty list". Runs only when the key is set.
CrossKeyCheck NonEmptyListCheck(std::string key);

// Kafka's "Invalid value: null used for required field: "f", schema type: T"
// (ConnectSchema.validateValue on Struct.put) when `value` is null and
// `field` is required; "" otherwise.
std::string NullForRequiredField(const Field& field, const Value& value);

// A Transformation whose settings are loaded by one function, shared by
// Validate and Configure so the two can never disagree.
template <typename Settings>
class ConfiguredTransformation : public Transformation {
 public:
  std::vector<ConfigError> Validate(const Props& props) const override {
    Settings s;
    return Load(props, &s);
  }
  absl::Status Configure(const Props& props) override {
    Settings s;
    std::vector<ConfigError> errors = Load(props, &s);
    if (!errors.empty()) return ErrorsToStatus(errors);
    settings_ = std::move(s);
    return absl::OkStatus();
  }

 protected:
  virtual std::vector<ConfigError> Load(const Props& props, Settings* out) const = 0;
  Settings settings_;
};

template <typename Settings>
class ConfiguredPredicate : public Predicate {
 public:
  std::vector<ConfigError> Validate(const Props& props) const override {
    Settings s;
    return Load(props, &s);
  }
  absl::Status Configure(const Props& props) override {
    Settings s;
    std::vector<ConfigError> errors = Load(props, &s);
    if (!errors.empty()) return ErrorsToStatus(errors);
    settings_ = std::move(s);
    return absl::OkStatus();
  }

 protected:
  virtual std::vector<ConfigError> Load(const Props& props, Settings* out) const = 0;
  Settings settings_;
};

// Factories of the built-ins (registry.cc maps class names to them).
std::unique_ptr<Transformation> NewInsertField(Target target);
std::unique_ptr<Transformation> NewReplaceField(Target target);
std::unique_ptr<Transformation> NewTimestampConverter(Target target);
std::unique_ptr<Transformation> NewHeaderToField(Target target);
std::unique_ptr<Transformation> NewRecord2JsonString(Target target);
std::unique_ptr<Transformation> NewFlatten(Target target);
std::unique_ptr<Transformation> NewHoistField(Target target);
std::unique_ptr<Transformation> NewSetSchemaMetadata(Target target);
std::unique_ptr<Transformation> NewExtractField(Target target);
std::unique_ptr<Transformation> NewHeaderFrom(Target target);
std::unique_ptr<Transformation> NewValueToKey();
std::unique_ptr<Transformation> NewCast(Target target);
std::unique_ptr<Transformation> NewMaskField(Target target);
std::unique_ptr<Transformation> NewRegexRouter();
std::unique_ptr<Transformation> NewTimestampRouter();
std::unique_ptr<Transformation> NewInsertHeader();
std::unique_ptr<Transformation> NewDropHeaders();
std::unique_ptr<Transformation> NewFilter();
std::unique_ptr<Predicate> NewTopicNameMatches();
std::unique_ptr<Predicate> NewHasHeaderKey();
std::unique_ptr<Predicate> NewRecordIsTombstone();

}  // namespace ferry::transform_internal
