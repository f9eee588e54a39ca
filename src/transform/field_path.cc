#include "transform/field_path.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "transform/internal.h"

namespace ferry::transform_internal {
namespace {

constexpr char kBacktick = '`';
constexpr char kDot = '.';
constexpr char kBackslash = '\\';
constexpr char kNestedPurpose[] = "nested field access";

absl::Status IncompleteBacktickPair(std::string_view path, size_t backtick_at) {
  return absl::InvalidArgumentError(absl::StrCat(
      "Incomplete backtick pair in path: [", std::string(path),
      "], consider adding a backslash before backtick at position ", backtick_at, " to escape it"));
}

// SingleFieldPath.buildFieldPathV2, step for step.
absl::StatusOr<std::vector<std::string>> ParseV2(std::string_view path) {
  std::vector<std::string> steps;
  size_t idx = 0;
  bool more = true;
  while (more && idx < path.size()) {
    if (path[idx] != kBacktick) {
      size_t start = idx;
      idx = path.find(kDot, idx);
      if (idx != std::string_view::npos) {
        steps.emplace_back(path.substr(start, idx - start));
        ++idx;
      } else {
        steps.emplace_back(path.substr(start));
        more = false;
      }
      continue;
    }
    const size_t backtick_at = idx;
    ++idx;
    std::string field;
    size_t start = idx;
    while (true) {
      idx = path.find(kBacktick, idx);
      if (idx == std::string_view::npos) return IncompleteBacktickPair(path, backtick_at);
      const bool escaped = path[idx - 1] == kBackslash;
      if (idx + 1 >= path.size()) {  // the backtick ends the path.
        if (escaped) return IncompleteBacktickPair(path, backtick_at);
        field.append(path.substr(start, idx - start));
        steps.push_back(std::move(field));
        ++idx;
        break;
      }
      if (path[idx + 1] != kDot) {  // not closing: part of the name.
        ++idx;
        continue;
      }
      if (escaped) {  // "\`." keeps the backtick, drops the backslash.
        field.append(path.substr(start, idx - 1 - start));
        field.push_back(kBacktick);
        ++idx;
        start = idx;
        continue;
      }
      field.append(path.substr(start, idx - start));
      steps.push_back(std::move(field));
      idx += 2;  // the backtick and the dot after it.
      break;
    }
  }
  if (!path.empty() && path.back() == kDot) steps.emplace_back();
  return steps;
}

const Field* LookupField(const Schema& schema, const std::string& name, absl::Status* error) {
  if (schema.type() != Type::kStruct) {
    *error = absl::InvalidArgumentError("Cannot look up fields on non-struct type");
    return nullptr;
  }
  return schema.FindField(name);
}

// Struct.get / getWithoutDefault.
Value FieldValue(const Struct& s, const Field& field, bool with_default) {
  const Value& v = s.values[field.index];
  if (v.is_null() && with_default && field.schema->default_value() != nullptr) {
    return *field.schema->default_value();
  }
  return v;
}

absl::Status NoSteps(const SingleFieldPath& path) {
  return absl::InvalidArgumentError(absl::StrCat("Field path has no steps: ", path.DebugString()));
}

}  // namespace

std::string_view FieldSyntaxVersionName(FieldSyntaxVersion version) {
  return version == FieldSyntaxVersion::kV2 ? "V2" : "V1";
}

void AppendFieldSyntaxVersionConfig(ConfigDef* def) {
  ConfigKey key;
  key.name = kFieldSyntaxVersionConfig;
  key.type = ConfigType::kString;
  key.default_value = kFieldSyntaxVersionDefault;
  key.importance = Importance::kHigh;
  key.doc =
      "Defines the version of the syntax to access fields. If set to <code>V1</code>, then the "
      "field paths are limited to access the elements at the root level of the struct or map. If "
      "set to <code>V2</code>, the syntax will support accessing nested elements. To access "
      "nested elements, dotted notation is used. If dots are already included in the field name, "
      "then backtick pairs can be used to wrap field names containing dots. E.g. to access the "
      "subfield <code>baz</code> from a field named \"foo.bar\" in a struct/map the following "
      "format can be used to access its elements: \"<code>foo.bar</code>.baz\".";
  key.validator = validators::OneOf({"V1", "V2"}, /*case_insensitive=*/true);
  key.valid_values = "(case insensitive) [V1, V2]";
  def->Define(std::move(key));
}

FieldSyntaxVersion FieldSyntaxVersionFromConfig(const ParsedConfig& config) {
  return absl::AsciiStrToUpper(config.GetString(kFieldSyntaxVersionConfig)) == "V2"
             ? FieldSyntaxVersion::kV2
             : FieldSyntaxVersion::kV1;
}

absl::StatusOr<SingleFieldPath> SingleFieldPath::Parse(std::string_view path,
                                                       FieldSyntaxVersion version) {
  if (version == FieldSyntaxVersion::kV1) {
    return SingleFieldPath(version, {std::string(path)});
  }
  absl::StatusOr<std::vector<std::string>> steps = ParseV2(path);
  if (!steps.ok()) return steps.status();
  return SingleFieldPath(version, *std::move(steps));
}

bool SingleFieldPath::IsEmpty() const {
  for (const std::string& step : steps_) {
    if (!step.empty()) return false;
  }
  return true;
}

absl::StatusOr<const Field*> SingleFieldPath::FieldFrom(const SchemaPtr& schema) const {
  if (schema == nullptr) return nullptr;
  if (steps_.empty()) return NoSteps(*this);
  const Schema* current = schema.get();
  absl::Status error;
  for (size_t i = 0; i + 1 < steps_.size(); ++i) {
    const Field* field = LookupField(*current, steps_[i], &error);
    if (!error.ok()) return error;
    if (field == nullptr) return nullptr;
    current = field->schema.get();
  }
  const Field* field = LookupField(*current, steps_.back(), &error);
  if (!error.ok()) return error;
  return field;
}

absl::StatusOr<Value> SingleFieldPath::ValueFrom(const Struct& root, bool with_default) const {
  if (steps_.empty()) return NoSteps(*this);
  const Struct* current = &root;
  Value holder;  // keeps the current nested struct alive.
  for (size_t i = 0; i + 1 < steps_.size(); ++i) {
    const Field* field = current->schema->FindField(steps_[i]);
    if (field == nullptr) return Value();
    // Kafka descends with Struct.get (defaults substituted) whatever
    // with_default says; it applies only to the last step.
    Value sub = FieldValue(*current, *field, /*with_default=*/true);
    if (sub.is_null()) return Value();
    if (absl::Status s = RequireStruct(sub, kNestedPurpose); !s.ok()) return s;
    holder = std::move(sub);
    current = &holder.as_struct();
  }
  const Field* field = current->schema->FindField(steps_.back());
  if (field == nullptr) return Value();
  return FieldValue(*current, *field, with_default);
}

absl::StatusOr<Value> SingleFieldPath::ValueFrom(const Map& root) const {
  if (steps_.empty()) return NoSteps(*this);
  Value holder;
  const Map* current = &root;
  auto get = [](const Map& map, const std::string& key) -> Value {
    for (const auto& [k, v] : map) {
      if (k.kind() == Value::Kind::kString && k.as_string() == key) return v;
    }
    return Value();
  };
  for (size_t i = 0; i + 1 < steps_.size(); ++i) {
    Value sub = get(*current, steps_[i]);
    if (sub.is_null()) return Value();
    if (absl::Status s = RequireMap(sub, kNestedPurpose); !s.ok()) return s;
    holder = std::move(sub);
    current = &holder.as_map();
  }
  return get(*current, steps_.back());
}

std::string SingleFieldPath::DebugString() const {
  return absl::StrCat("SingleFieldPath{version=", std::string(FieldSyntaxVersionName(version_)),
                      ", path=", absl::StrJoin(steps_, "."), "}");
}

}  // namespace ferry::transform_internal
