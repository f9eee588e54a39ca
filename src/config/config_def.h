#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ferry {

// A component's configuration keys as data, after Kafka's ConfigDef: name, type,
// default, importance, documentation, validator. Every component (connector,
// converter, transform, writer, worker) declares one table; validation reports
// every problem at once by key; the component is built only from the parsed,
// validated form.

enum class ConfigType { kBoolean, kString, kInt, kLong, kDouble, kList, kClass, kPassword };
enum class Importance { kHigh, kMedium, kLow };

std::string_view ConfigTypeName(ConfigType type);  // "BOOLEAN", ... as Kafka.

// One problem with one key.
struct ConfigError {
  std::string key;
  std::string message;
  // A key that nothing defines (unknown, or removed in kcbq 2.0): Kafka
  // Connect runs such a config and only logs a warning, so ferry's runtime
  // does too, while `ferry validate` (strict, for CI) reports it as an error.
  bool ignorable = false;
  bool operator==(const ConfigError&) const = default;
};
// GoogleTest prints a ConfigError as {key, "message"[, ignorable]}.
void PrintTo(const ConfigError& e, std::ostream* os);

// The errors that stop a config from running (not ignorable), and the rest.
std::vector<ConfigError> BlockingErrors(const std::vector<ConfigError>& errors);
std::vector<ConfigError> IgnorableErrors(const std::vector<ConfigError>& errors);

// A value as parsed from its string form.
struct ConfigValue {
  ConfigType type = ConfigType::kString;
  std::optional<std::string> raw;  // as written; nullopt when absent and no default.
  bool b = false;
  int64_t i = 0;  // kInt and kLong.
  double d = 0;
  std::string s;                  // kString, kClass, kPassword.
  std::vector<std::string> list;  // kList: comma separated, trimmed, empties dropped.
};

// Returns an error message for a bad value, or "" if it is fine.
using Validator = std::function<std::string(const ConfigValue& value)>;

namespace validators {
Validator AtLeast(int64_t min);
Validator Between(int64_t min, int64_t max);
Validator OneOf(std::vector<std::string> allowed, bool case_insensitive = true);
Validator NonEmptyString();
// Connect's NonEmptyStringWithoutControlChars (used for connector names).
Validator NonEmptyStringWithoutControlChars();
// LIST items must be distinct ("Duplicate alias provided.", as Connect's
// transforms/predicates).
Validator UniqueListItems();
// The first failing validator's message.
Validator All(std::vector<Validator> validators);
}  // namespace validators

// A rule across several keys, over the raw properties (as Connect's
// SinkConnectorConfig.validate). Returns one error per key it concerns.
using CrossKeyCheck =
    std::function<std::vector<ConfigError>(const std::map<std::string, std::string>& props)>;

struct ConfigKey {
  std::string name;
  ConfigType type = ConfigType::kString;
  // Absent default = the key is required. An empty default ("") is Kafka's
  // null default: the key is optional and, when not set, has no value
  // (Has() is false, the getters return zero/empty, the validator is not run).
  std::optional<std::string> default_value;
  Importance importance = Importance::kMedium;
  std::string doc;
  Validator validator;       // may be empty.
  std::string group;         // for generated docs.
  std::string valid_values;  // human text for docs, e.g. "[none, all]".
};

class ParsedConfig;

class ConfigDef {
 public:
  ConfigDef& Define(ConfigKey key);
  // Shorthand for the common case.
  ConfigDef& Define(std::string name, ConfigType type, std::optional<std::string> default_value,
                    Importance importance, std::string doc, Validator validator = nullptr);
  // Defining a name again replaces the earlier definition in place, so a
  // component may tighten a common key's default or validator.
  // Adds every key (last definition wins) and cross-key check of another
  // definition (e.g. common Connect keys).
  ConfigDef& Merge(const ConfigDef& other);
  // Adds a cross-key rule, run by Validate/Parse after the per-key checks.
  ConfigDef& Check(CrossKeyCheck check);

  const std::vector<ConfigKey>& keys() const { return keys_; }
  const ConfigKey* Find(std::string_view name) const;

  // Checks types, validators and required keys of the keys this table knows;
  // keys it does not know are ignored here (the caller decides what may be
  // unknown). Returns every problem found.
  std::vector<ConfigError> Validate(const std::map<std::string, std::string>& props) const;

  // Validates and returns the typed view; on any problem, InvalidArgument whose
  // message lists every error as "key: message" lines.
  absl::StatusOr<ParsedConfig> Parse(const std::map<std::string, std::string>& props) const;

  // A Markdown table of the keys (name, type, default, importance, doc).
  // Keys are ordered as Kafka's docs (required, importance, name); one section
  // per group when keys declare groups. PASSWORD defaults print as [hidden].
  std::string ToMarkdown() const;

 private:
  std::vector<ConfigError> ParseInto(const std::map<std::string, std::string>& props,
                                     std::map<std::string, ConfigValue>* values) const;

  std::vector<ConfigKey> keys_;
  std::vector<CrossKeyCheck> checks_;
};

// The validated, typed configuration of one component.
class ParsedConfig {
 public:
  ParsedConfig() = default;
  ParsedConfig(std::map<std::string, ConfigValue> values,
               std::map<std::string, std::string> originals)
      : values_(std::move(values)), originals_(std::move(originals)) {}

  bool GetBool(std::string_view key) const;
  int32_t GetInt(std::string_view key) const;
  int64_t GetLong(std::string_view key) const;
  double GetDouble(std::string_view key) const;
  const std::string& GetString(std::string_view key) const;  // also kClass, kPassword.
  const std::vector<std::string>& GetList(std::string_view key) const;
  // True when the key was set explicitly or has a default.
  bool Has(std::string_view key) const;
  // All the raw properties as given (including keys the table does not know).
  const std::map<std::string, std::string>& originals() const { return originals_; }
  // Keys starting with prefix, with the prefix stripped (Kafka's originalsWithPrefix).
  std::map<std::string, std::string> OriginalsWithPrefix(std::string_view prefix) const;
  // "key = value" lines of the defined keys, PASSWORD values as [hidden]; for
  // logs. originals() is never printed, as it may hold secrets of unknown keys.
  std::string DebugString() const;

 private:
  const ConfigValue& Get(std::string_view key) const;  // aborts on an undefined key: a bug.
  std::map<std::string, ConfigValue> values_;
  std::map<std::string, std::string> originals_;
};

// Formats errors one per line as "key: message".
std::string FormatConfigErrors(const std::vector<ConfigError>& errors);

}  // namespace ferry
