#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

class Value;

// Kafka Connect's schema types (org.apache.kafka.connect.data.Schema.Type).
enum class Type {
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFloat32,
  kFloat64,
  kBoolean,
  kString,
  kBytes,
  kArray,
  kMap,
  kStruct,
};

std::string_view TypeName(Type type);                     // "INT8", "STRUCT", ... as Connect.
std::optional<Type> TypeFromName(std::string_view name);  // case-insensitive.
bool IsPrimitive(Type type);

// Names of Connect's logical types, and ferry's own.
namespace logical {
inline constexpr std::string_view kTimestamp = "org.apache.kafka.connect.data.Timestamp";
inline constexpr std::string_view kDate = "org.apache.kafka.connect.data.Date";
inline constexpr std::string_view kTime = "org.apache.kafka.connect.data.Time";
inline constexpr std::string_view kDecimal = "org.apache.kafka.connect.data.Decimal";
inline constexpr std::string_view kDecimalScaleParam = "scale";
// A STRING whose text is a JSON document; maps to BigQuery's JSON type.
inline constexpr std::string_view kJson = "io.ferry.data.Json";
}  // namespace logical

class Schema;
using SchemaPtr = std::shared_ptr<const Schema>;

struct Field {
  std::string name;
  int index = 0;
  SchemaPtr schema;
};

// An immutable Connect schema. Build with SchemaBuilder; share by SchemaPtr.
class Schema {
 public:
  Type type() const { return type_; }
  bool optional() const { return optional_; }
  const std::shared_ptr<const Value>& default_value() const { return default_value_; }
  const std::string& name() const { return name_; }
  std::optional<int> version() const { return version_; }
  const std::string& doc() const { return doc_; }
  const std::map<std::string, std::string>& parameters() const { return parameters_; }

  // STRUCT only.
  const std::vector<Field>& fields() const { return fields_; }
  const Field* FindField(std::string_view name) const;
  // MAP only.
  const SchemaPtr& key_schema() const { return key_schema_; }
  // MAP and ARRAY.
  const SchemaPtr& value_schema() const { return value_schema_; }

  bool IsLogical(std::string_view logical_name) const { return name_ == logical_name; }

  // Structural equality, as Connect's ConnectSchema.equals.
  bool Equals(const Schema& other) const;
  std::string DebugString() const;

  // Common schemas, as Connect's Schema.*_SCHEMA constants.
  static SchemaPtr Int8(bool optional = false);
  static SchemaPtr Int16(bool optional = false);
  static SchemaPtr Int32(bool optional = false);
  static SchemaPtr Int64(bool optional = false);
  static SchemaPtr Float32(bool optional = false);
  static SchemaPtr Float64(bool optional = false);
  static SchemaPtr Boolean(bool optional = false);
  static SchemaPtr String(bool optional = false);
  static SchemaPtr Bytes(bool optional = false);
  static SchemaPtr Timestamp(bool optional = false);
  static SchemaPtr Date(bool optional = false);
  static SchemaPtr Time(bool optional = false);
  static SchemaPtr Decimal(int scale, bool optional = false);
  static SchemaPtr Json(bool optional = false);

 private:
  friend class SchemaBuilder;
  Type type_ = Type::kStruct;
  bool optional_ = false;
  std::shared_ptr<const Value> default_value_;
  std::string name_;
  std::optional<int> version_;
  std::string doc_;
  std::map<std::string, std::string> parameters_;
  std::vector<Field> fields_;
  SchemaPtr key_schema_;
  SchemaPtr value_schema_;
};

// Mirrors org.apache.kafka.connect.data.SchemaBuilder.
class SchemaBuilder {
 public:
  explicit SchemaBuilder(Type type);
  static SchemaBuilder Struct() { return SchemaBuilder(Type::kStruct); }
  static SchemaBuilder Array(SchemaPtr value_schema);
  static SchemaBuilder Map(SchemaPtr key_schema, SchemaPtr value_schema);
  // Starts from an existing schema (all properties and fields copied).
  static SchemaBuilder From(const Schema& schema);

  SchemaBuilder& Optional(bool optional = true);
  SchemaBuilder& Name(std::string name);
  SchemaBuilder& Version(std::optional<int> version);
  SchemaBuilder& Doc(std::string doc);
  SchemaBuilder& Parameter(std::string key, std::string value);
  SchemaBuilder& Parameters(std::map<std::string, std::string> parameters);
  SchemaBuilder& Default(Value value);
  // STRUCT only; replaces a field of the same name.
  SchemaBuilder& AddField(std::string name, SchemaPtr schema);

  SchemaPtr Build() const;

 private:
  Schema schema_;
};

}  // namespace ferry
