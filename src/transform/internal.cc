#include "transform/internal.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ferry::transform_internal {

const SchemaPtr& OperatingSchema(const SinkRecord& record, Target target) {
  return target == Target::kKey ? record.key_schema : record.value_schema;
}

const Value& OperatingValue(const SinkRecord& record, Target target) {
  return target == Target::kKey ? record.key : record.value;
}

SinkRecord WithOperating(const SinkRecord& record, Target target, SchemaPtr schema, Value value) {
  if (target == Target::kKey) {
    return record.NewRecord(record.topic, record.partition, std::move(schema), std::move(value),
                            record.value_schema, record.value, record.timestamp_ms);
  }
  return record.NewRecord(record.topic, record.partition, record.key_schema, record.key,
                          std::move(schema), std::move(value), record.timestamp_ms);
}

void AppendReplaceNullWithDefaultConfig(ConfigDef* def) {
  def->Define(kReplaceNullWithDefault, ConfigType::kBoolean, "true", Importance::kMedium,
              "Whether to replace fields that have a default value and that are null to the "
              "default value. When set to true, the default value is used, otherwise null is "
              "used.");
}

absl::Status RequireMap(const Value& value, std::string_view purpose) {
  if (value.kind() == Value::Kind::kMap) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("Only Map objects supported in absence of schema for [", std::string(purpose),
                   "], found: ", JavaClassName(value)));
}

absl::Status RequireStruct(const Value& value, std::string_view purpose) {
  if (value.kind() == Value::Kind::kStruct) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("Only Struct objects supported for [",
                                                 std::string(purpose),
                                                 "], found: ", JavaClassName(value)));
}

SchemaBuilder CopySchemaBasics(const Schema& schema) {
  SchemaBuilder builder = SchemaBuilder::Struct();
  builder.Name(schema.name()).Version(schema.version()).Doc(schema.doc());
  builder.Parameters(schema.parameters());
  return builder;
}

void MapPut(Map* map, const std::string& key, Value value) {
  for (auto& [k, v] : *map) {
    if (k.kind() == Value::Kind::kString && k.as_string() == key) {
      v = std::move(value);
      return;
    }
  }
  map->emplace_back(Value(key), std::move(value));
}

std::optional<int64_t> RecordTimestampMs(const SinkRecord& record) {
  // WorkerSinkTask passes null for NO_TIMESTAMP_TYPE; ferry also treats a
  // negative timestamp without a type as "none" so hand-built records behave.
  if (record.timestamp_type == TimestampType::kNoTimestamp && record.timestamp_ms < 0) {
    return std::nullopt;
  }
  return record.timestamp_ms;
}

std::vector<std::string> JavaSplit(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t at = text.find(separator, start);
    if (at == std::string_view::npos) {
      parts.emplace_back(text.substr(start));
      break;
    }
    parts.emplace_back(text.substr(start, at - start));
    start = at + 1;
  }
  while (!parts.empty() && parts.back().empty()) parts.pop_back();
  if (parts.empty() && text.empty()) parts.emplace_back();  // "".split(x) == [""]
  return parts;
}

SchemaPtr SchemaCache::Get(const SchemaPtr& key) const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->first == key) return it->second;
  }
  if (key == nullptr) return nullptr;
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->first != nullptr && it->first->Equals(*key)) return it->second;
  }
  return nullptr;
}

void SchemaCache::Put(const SchemaPtr& key, SchemaPtr value) {
  if (entries_.size() >= kCapacity) entries_.erase(entries_.begin());
  entries_.emplace_back(key, std::move(value));
}

std::vector<ConfigError> LoadConfig(
    const ConfigDef& def, const Transformation::Props& props,
    const std::function<void(const ParsedConfig&, std::vector<ConfigError>*)>& load) {
  std::vector<ConfigError> errors = def.Validate(props);
  if (!errors.empty()) return errors;
  absl::StatusOr<ParsedConfig> parsed = def.Parse(props);
  if (!parsed.ok()) {
    errors.push_back({"", std::string(parsed.status().message())});
    return errors;
  }
  load(*parsed, &errors);
  return errors;
}

absl::Status ErrorsToStatus(const std::vector<ConfigError>& errors) {
  if (errors.empty()) return absl::OkStatus();
  // "key: message" lines; a problem with no single key is just its message.
  std::string text;
  for (const ConfigError& e : errors) {
    if (!text.empty()) text += "\n";
    absl::StrAppend(&text, e.key.empty() ? "" : e.key + ": ", e.message);
  }
  return absl::InvalidArgumentError(text);
}

std::string InvalidValue(std::string_view key, std::string_view value, absl::string_view message) {
  std::string out =
      absl::StrCat("Invalid value ", std::string(value), " for configuration ", std::string(key));
  if (!message.empty()) absl::StrAppend(&out, ": ", std::string(message));
  return out;
}

absl::StatusOr<std::shared_ptr<const std::regex>> CompileRegex(std::string_view pattern) {
  try {
    return std::make_shared<const std::regex>(std::string(pattern), std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return absl::InvalidArgumentError(e.what());
  }
}

const Field* LookupStructField(const Schema& struct_schema, std::string_view name) {
  return struct_schema.FindField(name);
}

const Value* LookupMapField(const Value& map, std::string_view name) { return map.MapEntry(name); }

Validator NonEmptyStringValidator() {
  return [](const ConfigValue& v) -> std::string {
    return v.s.empty() ? "String must be non-empty" : "";
  };
}

Validator RegexValidator() {
  return [](const ConfigValue& v) -> std::string {
    absl::StatusOr<std::shared_ptr<const std::regex>> re = CompileRegex(v.s);
    if (re.ok()) return "";
    return absl::StrCat("Invalid regex: ", std::string(re.status().message()));
  };
}

CrossKeyCheck NonEmptyListCheck(std::string key) {
  return [key = std::move(key)](const std::map<std::string, std::string>& props) {
    std::vector<ConfigError> errors;
    auto it = props.find(key);
    if (it == props.end()) return errors;
    // ConfigDef's LIST parsing: comma separated, trimmed, empty items dropped.
    for (const std::string& item : JavaSplit(it->second, ',')) {
      if (!absl::StripAsciiWhitespace(item).empty()) return errors;
    }
    errors.push_back(
        {key, absl::StrCat("Invalid value [] for configuration ", key, ": Empty list")});
    return errors;
  };
}

std::string NullForRequiredField(const Field& field, const Value& value) {
  if (!value.is_null() || field.schema->optional()) return "";
  return absl::StrCat("Invalid value: null used for required field: \"", field.name,
                      "\", schema type: ", std::string(TypeName(field.schema->type())));
}

}  // namespace ferry::transform_internal
