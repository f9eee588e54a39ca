#pragma once

// KIP-821 field paths: Kafka's org.apache.kafka.connect.transforms.field
// SingleFieldPath and FieldSyntaxVersion. Internal to the transform module.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config_def.h"
#include "record/schema.h"
#include "record/value.h"

namespace ferry::transform_internal {

// How a transform reads a field name (`field.syntax.version`).
enum class FieldSyntaxVersion {
  // The whole text is one field name at the root (before KIP-821).
  kV1,
  // Dot-separated steps into nested structs/maps; a step wrapped in backticks
  // may contain dots ("`foo.bar`.baz").
  kV2,
};

inline constexpr char kFieldSyntaxVersionConfig[] = "field.syntax.version";
inline constexpr char kFieldSyntaxVersionDefault[] = "V1";

std::string_view FieldSyntaxVersionName(FieldSyntaxVersion version);  // "V1", "V2"

// FieldSyntaxVersion.appendConfigTo: defines `field.syntax.version` (STRING,
// default V1, case-insensitively one of V1 V2, importance HIGH, Kafka's doc)
// so every transform that supports nested paths declares it the same way.
void AppendFieldSyntaxVersionConfig(ConfigDef* def);
// FieldSyntaxVersion.fromConfig, on a config whose table has the key.
FieldSyntaxVersion FieldSyntaxVersionFromConfig(const ParsedConfig& config);

// A path of one or more field names (steps) into a Struct or a schemaless
// Map, as Kafka's SingleFieldPath. Immutable.
class SingleFieldPath {
 public:
  // V1: the text is the single step. V2: split on dots; a step starting with
  // a backtick runs to the next backtick that is followed by a dot or ends the
  // text (`\`` before such a backtick keeps it, without the backslash); other
  // backticks are part of the name. A trailing dot adds an empty step; ""
  // has no steps. An unclosed backtick is Kafka's ConfigException text:
  // "Incomplete backtick pair in path: [<path>], consider adding a backslash
  // before backtick at position <n> to escape it".
  static absl::StatusOr<SingleFieldPath> Parse(std::string_view path, FieldSyntaxVersion version);

  FieldSyntaxVersion version() const { return version_; }
  const std::vector<std::string>& steps() const { return steps_; }
  // SingleFieldPath.isEmpty: no step, or only empty ones.
  bool IsEmpty() const;

  // The field at the path in a STRUCT schema, or nullptr when a step is
  // missing (fieldFrom). A step through a non-struct schema is Kafka's
  // DataException "Cannot look up fields on non-struct type". A path without
  // steps is an error (Kafka fails on it too).
  absl::StatusOr<const Field*> FieldFrom(const SchemaPtr& schema) const;

  // The value at the path (valueFrom), null when a step is missing or a
  // parent is null. `with_default`: a null field gives its schema's default
  // (Struct.get) rather than null (getWithoutDefault). A non-struct / non-map
  // parent on the way is Kafka's "nested field access" requirement error.
  absl::StatusOr<Value> ValueFrom(const Struct& root, bool with_default = true) const;
  absl::StatusOr<Value> ValueFrom(const Map& root) const;

  // "SingleFieldPath{version=V2, path=a.b}", as Kafka's toString.
  std::string DebugString() const;

  bool operator==(const SingleFieldPath& other) const { return steps_ == other.steps_; }

 private:
  SingleFieldPath(FieldSyntaxVersion version, std::vector<std::string> steps)
      : version_(version), steps_(std::move(steps)) {}

  FieldSyntaxVersion version_ = FieldSyntaxVersion::kV1;
  std::vector<std::string> steps_;
};

}  // namespace ferry::transform_internal
