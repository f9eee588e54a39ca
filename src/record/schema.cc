#include "record/schema.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "record/value.h"

namespace ferry {
namespace {

constexpr std::pair<Type, std::string_view> kTypeNames[] = {
    {Type::kInt8, "INT8"},       {Type::kInt16, "INT16"},     {Type::kInt32, "INT32"},
    {Type::kInt64, "INT64"},     {Type::kFloat32, "FLOAT32"}, {Type::kFloat64, "FLOAT64"},
    {Type::kBoolean, "BOOLEAN"}, {Type::kString, "STRING"},   {Type::kBytes, "BYTES"},
    {Type::kArray, "ARRAY"},     {Type::kMap, "MAP"},         {Type::kStruct, "STRUCT"},
};

bool SchemaPtrEquals(const SchemaPtr& a, const SchemaPtr& b) {
  if (a == b) return true;
  if (!a || !b) return false;
  return a->Equals(*b);
}

}  // namespace

std::string_view TypeName(Type type) {
  for (const auto& [t, name] : kTypeNames) {
    if (t == type) return name;
  }
  return "UNKNOWN";
}

std::optional<Type> TypeFromName(std::string_view name) {
  std::string upper = absl::AsciiStrToUpper(std::string(name));
  for (const auto& [t, n] : kTypeNames) {
    if (n == upper) return t;
  }
  return std::nullopt;
}

bool IsPrimitive(Type type) {
  return type != Type::kArray && type != Type::kMap && type != Type::kStruct;
}

const Field* Schema::FindField(std::string_view name) const {
  for (const Field& f : fields_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

bool Schema::Equals(const Schema& o) const {
  if (type_ != o.type_ || optional_ != o.optional_ || name_ != o.name_ || version_ != o.version_ ||
      doc_ != o.doc_ || parameters_ != o.parameters_) {
    return false;
  }
  if ((default_value_ == nullptr) != (o.default_value_ == nullptr)) return false;
  if (default_value_ && !(*default_value_ == *o.default_value_)) return false;
  if (fields_.size() != o.fields_.size()) return false;
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name != o.fields_[i].name ||
        !SchemaPtrEquals(fields_[i].schema, o.fields_[i].schema)) {
      return false;
    }
  }
  return SchemaPtrEquals(key_schema_, o.key_schema_) &&
         SchemaPtrEquals(value_schema_, o.value_schema_);
}

std::string Schema::DebugString() const {
  std::string out = std::string(TypeName(type_));
  if (!name_.empty()) absl::StrAppend(&out, "(", name_, ")");
  if (optional_) absl::StrAppend(&out, "?");
  if (type_ == Type::kStruct) {
    std::vector<std::string> parts;
    for (const Field& f : fields_)
      parts.push_back(absl::StrCat(f.name, ":", f.schema->DebugString()));
    absl::StrAppend(&out, "{", absl::StrJoin(parts, ","), "}");
  } else if (type_ == Type::kArray) {
    absl::StrAppend(&out, "[", value_schema_ ? value_schema_->DebugString() : "null", "]");
  } else if (type_ == Type::kMap) {
    absl::StrAppend(&out, "<", key_schema_ ? key_schema_->DebugString() : "null", ",",
                    value_schema_ ? value_schema_->DebugString() : "null", ">");
  }
  return out;
}

#define FERRY_PRIMITIVE_SCHEMA(Fn, T)                                       \
  SchemaPtr Schema::Fn(bool optional) {                                     \
    static const SchemaPtr kRequired = SchemaBuilder(T).Build();            \
    static const SchemaPtr kOptional = SchemaBuilder(T).Optional().Build(); \
    return optional ? kOptional : kRequired;                                \
  }
FERRY_PRIMITIVE_SCHEMA(Int8, Type::kInt8)
FERRY_PRIMITIVE_SCHEMA(Int16, Type::kInt16)
FERRY_PRIMITIVE_SCHEMA(Int32, Type::kInt32)
FERRY_PRIMITIVE_SCHEMA(Int64, Type::kInt64)
FERRY_PRIMITIVE_SCHEMA(Float32, Type::kFloat32)
FERRY_PRIMITIVE_SCHEMA(Float64, Type::kFloat64)
FERRY_PRIMITIVE_SCHEMA(Boolean, Type::kBoolean)
FERRY_PRIMITIVE_SCHEMA(String, Type::kString)
FERRY_PRIMITIVE_SCHEMA(Bytes, Type::kBytes)
#undef FERRY_PRIMITIVE_SCHEMA

SchemaPtr Schema::Timestamp(bool optional) {
  return SchemaBuilder(Type::kInt64)
      .Name(std::string(logical::kTimestamp))
      .Version(1)
      .Optional(optional)
      .Build();
}
SchemaPtr Schema::Date(bool optional) {
  return SchemaBuilder(Type::kInt32)
      .Name(std::string(logical::kDate))
      .Version(1)
      .Optional(optional)
      .Build();
}
SchemaPtr Schema::Time(bool optional) {
  return SchemaBuilder(Type::kInt32)
      .Name(std::string(logical::kTime))
      .Version(1)
      .Optional(optional)
      .Build();
}
SchemaPtr Schema::Decimal(int scale, bool optional) {
  return SchemaBuilder(Type::kBytes)
      .Name(std::string(logical::kDecimal))
      .Version(1)
      .Parameter(std::string(logical::kDecimalScaleParam), std::to_string(scale))
      .Optional(optional)
      .Build();
}
SchemaPtr Schema::Json(bool optional) {
  return SchemaBuilder(Type::kString).Name(std::string(logical::kJson)).Optional(optional).Build();
}

SchemaBuilder::SchemaBuilder(Type type) { schema_.type_ = type; }

SchemaBuilder SchemaBuilder::Array(SchemaPtr value_schema) {
  SchemaBuilder b(Type::kArray);
  b.schema_.value_schema_ = std::move(value_schema);
  return b;
}

SchemaBuilder SchemaBuilder::Map(SchemaPtr key_schema, SchemaPtr value_schema) {
  SchemaBuilder b(Type::kMap);
  b.schema_.key_schema_ = std::move(key_schema);
  b.schema_.value_schema_ = std::move(value_schema);
  return b;
}

SchemaBuilder SchemaBuilder::From(const Schema& schema) {
  SchemaBuilder b(schema.type());
  b.schema_ = schema;
  return b;
}

SchemaBuilder& SchemaBuilder::Optional(bool optional) {
  schema_.optional_ = optional;
  return *this;
}
SchemaBuilder& SchemaBuilder::Name(std::string name) {
  schema_.name_ = std::move(name);
  return *this;
}
SchemaBuilder& SchemaBuilder::Version(std::optional<int> version) {
  schema_.version_ = version;
  return *this;
}
SchemaBuilder& SchemaBuilder::Doc(std::string doc) {
  schema_.doc_ = std::move(doc);
  return *this;
}
SchemaBuilder& SchemaBuilder::Parameter(std::string key, std::string value) {
  schema_.parameters_[std::move(key)] = std::move(value);
  return *this;
}
SchemaBuilder& SchemaBuilder::Parameters(std::map<std::string, std::string> parameters) {
  for (auto& [k, v] : parameters) schema_.parameters_[k] = v;
  return *this;
}
SchemaBuilder& SchemaBuilder::Default(Value value) {
  schema_.default_value_ = std::make_shared<const Value>(std::move(value));
  return *this;
}
SchemaBuilder& SchemaBuilder::AddField(std::string name, SchemaPtr schema) {
  for (Field& f : schema_.fields_) {
    if (f.name == name) {
      f.schema = std::move(schema);
      return *this;
    }
  }
  int index = static_cast<int>(schema_.fields_.size());
  schema_.fields_.push_back(Field{std::move(name), index, std::move(schema)});
  return *this;
}

SchemaPtr SchemaBuilder::Build() const { return std::make_shared<const Schema>(schema_); }

}  // namespace ferry
