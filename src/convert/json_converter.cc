#include "convert/json_converter.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "convert/absl_compat.h"
#include "convert/java_numbers.h"

namespace ferry {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr char kEnvelopeError[] =
    "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not "
    "contain additional fields. If you are trying to deserialize plain JSON data, set "
    "schemas.enable=false in your converter configuration.";
constexpr char kDeserializeError[] =
    "Converting byte[] to Kafka Connect data failed due to serialization error: ";

absl::Status DataError(std::string_view message) {
  return absl::InvalidArgumentError(std::string(message));
}

std::string TypeNameLower(Type type) {
  switch (type) {
    case Type::kFloat32:
      return "float";
    case Type::kFloat64:
      return "double";
    default:
      return absl::AsciiStrToLower(std::string(TypeName(type)));
  }
}

std::optional<Type> TypeFromJsonName(std::string_view name) {
  if (name == "float") return Type::kFloat32;
  if (name == "double") return Type::kFloat64;
  if (name == "boolean") return Type::kBoolean;
  for (Type t : {Type::kInt8, Type::kInt16, Type::kInt32, Type::kInt64, Type::kBytes, Type::kString,
                 Type::kArray, Type::kMap, Type::kStruct}) {
    if (name == TypeNameLower(t)) return t;
  }
  return std::nullopt;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// The JSON number's value as exact integer, if it is one (1.0 counts).
std::optional<int64_t> IntegralValue(const element& e) {
  switch (e.type()) {
    case element_type::INT64:
      return int64_t(e.get_int64());
    case element_type::DOUBLE: {
      double d = e.get_double();
      if (std::trunc(d) == d && d >= -9.2233720368547758e18 && d < 9.2233720368547758e18) {
        return static_cast<int64_t>(d);
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

std::string NumberText(const element& e) {
  char buf[32];
  switch (e.type()) {
    case element_type::INT64:
      return absl::StrCat(int64_t(e.get_int64()));
    case element_type::UINT64:
      return absl::StrCat(uint64_t(e.get_uint64()));
    default: {
      auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), double(e.get_double()));
      return std::string(buf, end);
    }
  }
}

std::string_view RawAt(const std::vector<std::string_view>& items, size_t i) {
  return i < items.size() ? items[i] : std::string_view();
}

bool IsNumber(const element& e) {
  element_type t = e.type();
  return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
}

absl::Status Mismatch(Type type, std::string_view expected, const element& e) {
  return absl::InvalidArgumentError(
      absl::StrCat("Invalid value for ", std::string(TypeName(type)), " field: expected ",
                   std::string(expected), " but found ", std::string(json::NodeTypeName(e))));
}

// Connect's Decimal.scale(schema): the "scale" parameter, which must be there
// and be an int.
absl::StatusOr<int32_t> DecimalScale(const Schema& schema) {
  auto it = schema.parameters().find(std::string(logical::kDecimalScaleParam));
  if (it == schema.parameters().end()) {
    return DataError("Invalid Decimal schema: scale parameter not found.");
  }
  int32_t scale = 0;
  if (!absl::SimpleAtoi(it->second, &scale)) {
    return DataError(absl::StrCat(
        "Invalid scale parameter found in Decimal schema: For input string: \"", it->second, "\""));
  }
  return scale;
}

// Whether a value of this schema can hold a Decimal.
bool HasDecimal(const Schema& schema) {
  if (schema.name() == logical::kDecimal) return true;
  switch (schema.type()) {
    case Type::kArray:
      return HasDecimal(*schema.value_schema());
    case Type::kMap:
      return HasDecimal(*schema.key_schema()) || HasDecimal(*schema.value_schema());
    case Type::kStruct:
      for (const Field& f : schema.fields()) {
        if (HasDecimal(*f.schema)) return true;
      }
      return false;
    default:
      return false;
  }
}

// The exact text of the first member named `key` of the object `json`, whose
// text is `raw` ("" when `raw` is "" or there is no such member). The member
// is found in the DOM (keys decoded, the first of duplicates, as its lookup)
// and its text taken at the same position of json::SplitObject, so an escaped
// key ("def\u0061ult") cannot pair a DOM value with another member's text.
std::string_view RawMemberText(const simdjson::dom::element& json, std::string_view raw,
                               std::string_view key) {
  simdjson::dom::object object;
  if (raw.empty() || json.get_object().get(object)) return {};
  size_t position = 0;
  for (simdjson::dom::key_value_pair member : object) {
    if (member.key == key) break;
    ++position;
  }
  std::vector<json::RawMember> members;
  json::SplitObject(raw, &members);
  return position < members.size() ? members[position].value : std::string_view();
}

}  // namespace

std::optional<Decimal> DecimalFromNumberText(std::string_view text, int32_t scale) {
  std::optional<JavaBigDecimal> number = JavaParseBigDecimal(text);
  if (!number) return std::nullopt;
  std::optional<JavaBigDecimal> rescaled = JavaSetScaleExact(*number, scale);
  if (!rescaled) return std::nullopt;
  return ToDecimal(*rescaled);
}

const ConfigDef& JsonConverter::Definition() {
  static const ConfigDef* def = [] {
    auto* d = new ConfigDef();
    d->Define(ConverterTypeConfigKey());
    d->Define("schemas.enable", ConfigType::kBoolean, "true", Importance::kHigh,
              "Include schemas within each of the serialized values and keys.");
    d->Define("schemas.cache.size", ConfigType::kInt, "1000", Importance::kHigh,
              "The maximum number of schemas that can be cached in this converter instance.",
              validators::AtLeast(0));
    d->Define(ConfigKey{
        .name = "decimal.format",
        .type = ConfigType::kString,
        .default_value = "BASE64",
        .importance = Importance::kLow,
        .doc = "Controls which format this converter will serialize decimals in. This value is "
               "case insensitive and can be either 'BASE64' (default) or 'NUMERIC'",
        .validator = validators::OneOf({"BASE64", "NUMERIC"}),
        .valid_values = "[BASE64, NUMERIC]",
    });
    d->Define("replace.null.with.default", ConfigType::kBoolean, "true", Importance::kLow,
              "Whether to replace fields that have a default value and that are null to the "
              "default value. When set to true, the default value is used, otherwise null is "
              "used.");
    return d;
  }();
  return *def;
}

absl::Status JsonConverter::Configure(const std::map<std::string, std::string>& props,
                                      bool is_key) {
  return ConfigureAs(props, is_key ? "key" : "value");
}

absl::Status JsonConverter::Configure(const std::map<std::string, std::string>& props) {
  return ConfigureAs(props, "header");
}

absl::Status JsonConverter::ConfigureAs(const std::map<std::string, std::string>& props,
                                        std::string_view type) {
  absl::StatusOr<ParsedConfig> config = Definition().Parse(WithConverterType(props, type));
  if (!config.ok()) return config.status();
  schemas_enable_ = config->GetBool("schemas.enable");
  cache_size_ = static_cast<size_t>(config->GetInt("schemas.cache.size"));
  decimal_format_ = absl::AsciiStrToUpper(config->GetString("decimal.format")) == "NUMERIC"
                        ? DecimalFormat::kNumeric
                        : DecimalFormat::kBase64;
  replace_null_with_default_ = config->GetBool("replace.null.with.default");
  to_connect_cache_.clear();
  to_json_cache_.clear();
  return absl::OkStatus();
}

// ---- bytes → Connect -------------------------------------------------------

absl::StatusOr<SchemaAndValue> JsonConverter::ToConnectData(
    std::string_view, const Headers&, const std::optional<std::string>& bytes) {
  if (!bytes) return SchemaAndValue{};
  std::string_view text = *bytes;
  element root;
  simdjson::error_code err = parser_.Parse(text, &root);
  if (err == simdjson::EMPTY) {
    // Jackson reads empty input as "no value".
    if (schemas_enable_) return DataError(kEnvelopeError);
    return SchemaAndValue{};
  }
  if (err) return DataError(absl::StrCat(kDeserializeError, simdjson::error_message(err)));

  if (!schemas_enable_) {
    absl::StatusOr<Value> v = ToConnectSchemaless(root);
    if (!v.ok()) return v.status();
    return SchemaAndValue{nullptr, *std::move(v)};
  }

  simdjson::dom::object envelope;
  if (root.get_object().get(envelope) || envelope.size() != 2) return DataError(kEnvelopeError);
  element schema_json, payload_json;
  if (envelope["schema"].get(schema_json) || envelope["payload"].get(payload_json)) {
    return DataError(kEnvelopeError);
  }
  SchemaPtr schema;
  std::string_view payload_raw;
  if (!schema_json.is_null()) {
    // The envelope's members by their DOM keys (decoded), their text by
    // position (see RawMemberText).
    json::SplitObject(text, &members_);
    std::string_view raw;
    size_t position = 0;
    for (simdjson::dom::key_value_pair member : envelope) {
      if (position < members_.size()) {
        if (member.key == "schema") raw = members_[position].value;
        if (member.key == "payload") payload_raw = members_[position].value;
      }
      ++position;
    }
    absl::StatusOr<ConnectSchema> s = CachedConnectSchema(raw, schema_json);
    if (!s.ok()) return s.status();
    schema = std::move(s->schema);
    if (!s->needs_text) payload_raw = {};
  }
  absl::StatusOr<Value> v = ToConnect(schema, &payload_json, payload_raw);
  if (!v.ok()) return v.status();
  return SchemaAndValue{std::move(schema), *std::move(v)};
}

absl::StatusOr<JsonConverter::ConnectSchema> JsonConverter::CachedConnectSchema(
    std::string_view raw, const element& json) {
  if (!raw.empty()) {
    auto it = to_connect_cache_.find(internal::ToAbsl(raw));
    if (it != to_connect_cache_.end()) return it->second;
  }
  absl::StatusOr<SchemaPtr> schema = AsConnectSchema(json, raw);
  if (!schema.ok()) return schema.status();
  ConnectSchema out{*schema, *schema && HasDecimal(**schema)};
  if (raw.empty() || cache_size_ == 0) return out;
  if (to_connect_cache_.size() >= cache_size_) to_connect_cache_.clear();
  to_connect_cache_.emplace(std::string(raw), out);
  return out;
}

absl::StatusOr<SchemaPtr> JsonConverter::AsConnectSchema(const element& json,
                                                         std::string_view raw) {
  if (json.is_null()) return SchemaPtr();
  std::string_view type_name;
  if (json["type"].get_string().get(type_name)) {
    return DataError("Schema must contain 'type' field");
  }
  std::optional<Type> type = TypeFromJsonName(type_name);
  if (!type) return DataError(absl::StrCat("Unknown schema type: ", std::string(type_name)));

  std::optional<SchemaBuilder> builder;
  switch (*type) {
    case Type::kArray: {
      element items;
      if (json["items"].get(items) || items.is_null()) {
        return DataError("Array schema did not specify the element type");
      }
      absl::StatusOr<SchemaPtr> elem = AsConnectSchema(items, RawMemberText(json, raw, "items"));
      if (!elem.ok()) return elem.status();
      builder.emplace(SchemaBuilder::Array(*elem));
      break;
    }
    case Type::kMap: {
      element keys, values;
      if (json["keys"].get(keys)) return DataError("Map schema did not specify the key type");
      if (json["values"].get(values)) return DataError("Map schema did not specify the value type");
      absl::StatusOr<SchemaPtr> k = AsConnectSchema(keys, RawMemberText(json, raw, "keys"));
      if (!k.ok()) return k.status();
      absl::StatusOr<SchemaPtr> v = AsConnectSchema(values, RawMemberText(json, raw, "values"));
      if (!v.ok()) return v.status();
      // Connect's SchemaBuilder.map texts.
      if (!*k) return DataError("keySchema cannot be null.");
      if (!*v) return DataError("valueSchema cannot be null.");
      builder.emplace(SchemaBuilder::Map(*k, *v));
      break;
    }
    case Type::kStruct: {
      builder.emplace(SchemaBuilder::Struct());
      simdjson::dom::array fields;
      if (json["fields"].get_array().get(fields)) {
        return DataError("Struct schema's \"fields\" argument is not an array.");
      }
      std::vector<std::string_view> raw_fields;
      json::SplitArray(RawMemberText(json, raw, "fields"), &raw_fields);
      size_t k = 0;
      absl::flat_hash_set<std::string_view> names;
      for (element field : fields) {
        std::string_view raw_field = k < raw_fields.size() ? raw_fields[k] : std::string_view();
        ++k;
        std::string_view name;
        if (field["field"].get_string().get(name)) {
          return DataError("Struct schema's field name not specified properly");
        }
        absl::StatusOr<SchemaPtr> fs = AsConnectSchema(field, raw_field);
        if (!fs.ok()) return fs.status();
        // Connect's SchemaBuilder.field texts.
        if (name.empty()) return DataError("fieldName cannot be null.");
        if (!names.insert(name).second) {
          return DataError(absl::StrCat("Cannot create field because of field name duplication ",
                                        std::string(name)));
        }
        builder->AddField(std::string(name), *fs);
      }
      break;
    }
    default:
      builder.emplace(*type);
  }

  bool optional = false;
  if (json["optional"].get_bool().get(optional) == simdjson::SUCCESS) builder->Optional(optional);
  std::string_view text;
  if (json["name"].get_string().get(text) == simdjson::SUCCESS) builder->Name(std::string(text));
  int64_t version;
  if (json["version"].get_int64().get(version) == simdjson::SUCCESS) {
    builder->Version(static_cast<int>(version));
  }
  if (json["doc"].get_string().get(text) == simdjson::SUCCESS) builder->Doc(std::string(text));
  simdjson::dom::object params;
  if (json["parameters"].get_object().get(params) == simdjson::SUCCESS) {
    for (auto [key, value] : params) {
      std::string_view pv;
      if (value.get_string().get(pv))
        return DataError("Schema parameters must have string values.");
      builder->Parameter(std::string(key), std::string(pv));
    }
  }
  element default_json;
  if (json["default"].get(default_json) == simdjson::SUCCESS) {
    SchemaPtr without_default = builder->Build();
    absl::StatusOr<Value> def =
        ToConnect(without_default, &default_json, RawMemberText(json, raw, "default"));
    if (!def.ok()) return def.status();
    if (!def->is_null()) builder->Default(*std::move(def));
  }
  return builder->Build();
}

absl::StatusOr<Value> JsonConverter::ToConnectSchemaless(const element& e) {
  switch (e.type()) {
    case element_type::NULL_VALUE:
      return Value();
    case element_type::BOOL:
      return Value(bool(e.get_bool()));
    case element_type::INT64:
      return Value(int64_t(e.get_int64()));
    case element_type::UINT64:
      return DataError(absl::StrCat("Integer ", uint64_t(e.get_uint64()), " does not fit INT64"));
    case element_type::DOUBLE:
      return Value(double(e.get_double()));
    case element_type::STRING:
      return Value(std::string_view(e.get_string()));
    case element_type::ARRAY: {
      simdjson::dom::array arr = e.get_array();
      Array out;
      out.reserve(arr.size());
      for (element item : arr) {
        absl::StatusOr<Value> v = ToConnectSchemaless(item);
        if (!v.ok()) return v.status();
        out.push_back(*std::move(v));
      }
      return Value(std::move(out));
    }
    case element_type::OBJECT: {
      Map out;
      for (auto [key, item] : e.get_object()) {
        absl::StatusOr<Value> v = ToConnectSchemaless(item);
        if (!v.ok()) return v.status();
        out.emplace_back(Value(key), *std::move(v));
      }
      return Value(std::move(out));
    }
  }
  return DataError("Unknown schema type: null");
}

absl::StatusOr<Value> JsonConverter::ToConnect(const SchemaPtr& schema, const element* json,
                                               std::string_view raw) {
  if (!schema) return json ? ToConnectSchemaless(*json) : Value();
  const Type type = schema->type();
  if (json == nullptr || json->is_null()) {
    if (schema->default_value() && replace_null_with_default_) return *schema->default_value();
    if (schema->optional()) return Value();
    return DataError(
        absl::StrCat("Invalid null value for required ", std::string(TypeName(type)), " field"));
  }
  const element& e = *json;
  const std::string& name = schema->name();
  if (!name.empty()) {
    if (name == logical::kDecimal) {
      absl::StatusOr<int32_t> scale = DecimalScale(*schema);
      if (!scale.ok()) return scale.status();
      if (IsNumber(e)) {
        // The number as written: simdjson's double would lose digits past
        // about 15 significant ones.
        const std::string text = raw.empty() ? NumberText(e) : std::string(raw);
        std::optional<Decimal> d = DecimalFromNumberText(text, *scale);
        if (!d) {
          return DataError(absl::StrCat("Invalid value for Decimal field: ", text,
                                        " is not exact at scale ", *scale));
        }
        return Value(*std::move(d));
      }
      if (e.is_string()) {
        std::string bytes;
        std::string_view b64 = e.get_string();
        if (!absl::Base64Unescape(absl::string_view(b64.data(), b64.size()), &bytes) ||
            bytes.empty()) {
          return DataError("Invalid bytes for Decimal field");
        }
        return Value(Decimal{std::move(bytes), *scale});
      }
      return DataError(absl::StrCat(
          "Invalid type for Decimal, underlying representation should be numeric or bytes but was ",
          std::string(json::NodeTypeName(e))));
    }
    if (name == logical::kDate) {
      std::optional<int64_t> v =
          e.is_int64() ? std::optional<int64_t>(e.get_int64()) : std::nullopt;
      if (!v || *v < INT32_MIN || *v > INT32_MAX) {
        return DataError(absl::StrCat(
            "Invalid type for Date, underlying representation should be integer but was ",
            std::string(json::NodeTypeName(e))));
      }
      return Value(Date{static_cast<int32_t>(*v)});
    }
    if (name == logical::kTime) {
      std::optional<int64_t> v =
          e.is_int64() ? std::optional<int64_t>(e.get_int64()) : std::nullopt;
      if (!v || *v < INT32_MIN || *v > INT32_MAX) {
        return DataError(absl::StrCat(
            "Invalid type for Time, underlying representation should be integer but was ",
            std::string(json::NodeTypeName(e))));
      }
      if (*v < 0 || *v > 86'400'000) {
        return DataError(
            "Kafka Connect Time type should not have any date fields set to non-zero values.");
      }
      return Value(TimeOfDay{*v * 1000});
    }
    if (name == logical::kTimestamp) {
      if (!e.is_int64()) {
        return DataError(absl::StrCat(
            "Invalid type for Timestamp, underlying representation should be integral but was ",
            std::string(json::NodeTypeName(e))));
      }
      const int64_t millis = e.get_int64();
      if (millis > INT64_MAX / 1000 || millis < INT64_MIN / 1000) {
        return DataError(absl::StrCat("Timestamp ", millis, " ms is out of range"));
      }
      return Value(Timestamp{millis * 1000});
    }
  }

  switch (type) {
    case Type::kInt8:
    case Type::kInt16:
    case Type::kInt32:
    case Type::kInt64: {
      std::optional<int64_t> v = IntegralValue(e);
      if (!v) return Mismatch(type, "an integral JSON number", e);
      const int64_t lo = type == Type::kInt8    ? INT8_MIN
                         : type == Type::kInt16 ? INT16_MIN
                         : type == Type::kInt32 ? INT32_MIN
                                                : INT64_MIN;
      const int64_t hi = type == Type::kInt8    ? INT8_MAX
                         : type == Type::kInt16 ? INT16_MAX
                         : type == Type::kInt32 ? INT32_MAX
                                                : INT64_MAX;
      if (*v < lo || *v > hi) {
        return DataError(absl::StrCat("Invalid value for ", std::string(TypeName(type)),
                                      " field: ", *v, " is out of range"));
      }
      return Value(*v);
    }
    case Type::kFloat32:
    case Type::kFloat64: {
      double d;
      if (e.is_number()) {
        d = e.get_double();
      } else if (e.is_string()) {
        std::string_view s = e.get_string();
        if (s == "NaN") {
          d = std::numeric_limits<double>::quiet_NaN();
        } else if (s == "Infinity") {
          d = std::numeric_limits<double>::infinity();
        } else if (s == "-Infinity") {
          d = -std::numeric_limits<double>::infinity();
        } else {
          return Mismatch(type, "a JSON number", e);
        }
      } else {
        return Mismatch(type, "a JSON number", e);
      }
      if (type == Type::kFloat32) d = static_cast<float>(d);
      return Value(d);
    }
    case Type::kBoolean:
      if (!e.is_bool()) return Mismatch(type, "a JSON boolean", e);
      return Value(bool(e.get_bool()));
    case Type::kString:
      if (!e.is_string()) return Mismatch(type, "a JSON string", e);
      return Value(std::string_view(e.get_string()));
    case Type::kBytes: {
      if (!e.is_string()) return Mismatch(type, "a base64 JSON string", e);
      std::string_view b64 = e.get_string();
      std::string bytes;
      if (!absl::Base64Unescape(absl::string_view(b64.data(), b64.size()), &bytes)) {
        return DataError("Invalid bytes field");
      }
      return Value(Bytes{std::move(bytes)});
    }
    case Type::kArray: {
      simdjson::dom::array arr;
      if (e.get_array().get(arr)) return Mismatch(type, "a JSON array", e);
      std::vector<std::string_view> raw_items;
      if (!raw.empty()) json::SplitArray(raw, &raw_items);
      Array out;
      out.reserve(arr.size());
      size_t k = 0;
      for (element item : arr) {
        absl::StatusOr<Value> v = ToConnect(schema->value_schema(), &item, RawAt(raw_items, k++));
        if (!v.ok()) return v.status();
        out.push_back(*std::move(v));
      }
      return Value(std::move(out));
    }
    case Type::kMap: {
      Map out;
      if (schema->key_schema()->type() == Type::kString) {
        simdjson::dom::object obj;
        if (e.get_object().get(obj)) {
          return DataError(
              absl::StrCat("Maps with string fields should be encoded as JSON objects, but found ",
                           std::string(json::NodeTypeName(e))));
        }
        std::vector<json::RawMember> raw_members;
        if (!raw.empty()) json::SplitObject(raw, &raw_members);
        size_t k = 0;
        for (auto [key, item] : obj) {
          std::string_view item_raw = k < raw_members.size() ? raw_members[k].value : "";
          ++k;
          absl::StatusOr<Value> v = ToConnect(schema->value_schema(), &item, item_raw);
          if (!v.ok()) return v.status();
          out.emplace_back(Value(key), *std::move(v));
        }
        return Value(std::move(out));
      }
      simdjson::dom::array arr;
      if (e.get_array().get(arr)) {
        return DataError(absl::StrCat(
            "Maps with non-string fields should be encoded as JSON array of tuples, but found ",
            std::string(json::NodeTypeName(e))));
      }
      std::vector<std::string_view> raw_entries, raw_pair;
      if (!raw.empty()) json::SplitArray(raw, &raw_entries);
      size_t k = 0;
      for (element entry : arr) {
        raw_pair.clear();
        if (std::string_view r = RawAt(raw_entries, k++); !r.empty())
          json::SplitArray(r, &raw_pair);
        simdjson::dom::array pair;
        if (entry.get_array().get(pair)) {
          return DataError(absl::StrCat("Found invalid map entry instead of array tuple: ",
                                        std::string(json::NodeTypeName(entry))));
        }
        if (pair.size() != 2) {
          return DataError(
              absl::StrCat("Found invalid map entry, expected length 2 but found :", pair.size()));
        }
        element key = pair.at(0), v = pair.at(1);
        absl::StatusOr<Value> kv = ToConnect(schema->key_schema(), &key, RawAt(raw_pair, 0));
        if (!kv.ok()) return kv.status();
        absl::StatusOr<Value> vv = ToConnect(schema->value_schema(), &v, RawAt(raw_pair, 1));
        if (!vv.ok()) return vv.status();
        out.emplace_back(*std::move(kv), *std::move(vv));
      }
      return Value(std::move(out));
    }
    case Type::kStruct: {
      simdjson::dom::object obj;
      if (e.get_object().get(obj)) {
        return DataError(absl::StrCat("Structs should be encoded as JSON objects, but found ",
                                      std::string(json::NodeTypeName(e))));
      }
      const std::vector<Field>& fields = schema->fields();
      std::vector<json::RawMember> raw_members;
      if (!raw.empty()) json::SplitObject(raw, &raw_members);
      // Last duplicate wins, as Jackson's tree model.
      std::vector<std::optional<element>> found(fields.size());
      std::vector<std::string_view> found_raw(raw.empty() ? 0 : fields.size());
      size_t k = 0;
      for (auto [key, item] : obj) {
        if (const Field* f = schema->FindField(key)) {
          found[f->index] = item;
          if (k < raw_members.size() && !found_raw.empty()) {
            found_raw[f->index] = raw_members[k].value;
          }
        }
        ++k;
      }
      std::vector<Value> values;
      values.reserve(fields.size());
      for (const Field& f : fields) {
        absl::StatusOr<Value> v =
            ToConnect(f.schema, found[f.index] ? &*found[f.index] : nullptr,
                      found_raw.empty() ? std::string_view() : found_raw[f.index]);
        if (!v.ok()) return v.status();
        values.push_back(*std::move(v));
      }
      return Value(Struct{schema, std::move(values)});
    }
  }
  return DataError(absl::StrCat("Unknown schema type: ", std::string(TypeName(type))));
}

// ---- Connect → bytes -------------------------------------------------------

absl::StatusOr<std::optional<std::string>> JsonConverter::FromConnectData(std::string_view,
                                                                          const SchemaPtr& schema,
                                                                          const Value& value) {
  if (!schema && value.is_null()) return std::optional<std::string>();
  std::string out;
  if (schemas_enable_) {
    out.append("{\"schema\":");
    if (schema) {
      if (absl::Status s = AppendCachedJsonSchema(schema, &out); !s.ok()) return s;
    } else {
      out.append("null");
    }
    out.append(",\"payload\":");
    if (absl::Status s = ToJson(schema, value, &out); !s.ok()) return s;
    out.push_back('}');
  } else {
    if (absl::Status s = ToJson(schema, value, &out); !s.ok()) return s;
  }
  return std::optional<std::string>(std::move(out));
}

absl::Status JsonConverter::AppendJsonSchema(const Schema& schema, std::string* out) {
  return AppendJsonSchemaUncached(schema, "", out);
}

absl::Status JsonConverter::AppendCachedJsonSchema(const SchemaPtr& schema, std::string* out) {
  auto it = to_json_cache_.find(schema.get());
  if (it != to_json_cache_.end()) {
    out->append(it->second.second);
    return absl::OkStatus();
  }
  std::string text;
  if (absl::Status s = AppendJsonSchemaUncached(*schema, "", &text); !s.ok()) return s;
  out->append(text);
  if (cache_size_ > 0) {
    if (to_json_cache_.size() >= cache_size_) to_json_cache_.clear();
    to_json_cache_.emplace(schema.get(), std::make_pair(schema, std::move(text)));
  }
  return absl::OkStatus();
}

absl::Status JsonConverter::AppendOptionalJsonSchema(const SchemaPtr& schema, std::string* out) {
  if (!schema) {
    out->append("null");
    return absl::OkStatus();
  }
  return AppendJsonSchemaUncached(*schema, "", out);
}

absl::Status JsonConverter::AppendJsonSchemaUncached(const Schema& schema,
                                                     std::string_view field_name,
                                                     std::string* out) {
  out->append("{\"type\":");
  json::AppendString(TypeNameLower(schema.type()), out);
  switch (schema.type()) {
    // A missing element schema (SimpleHeaderConverter's schemaless ARRAY/MAP
    // headers) is written as null, as Connect's asJsonSchema(null).
    case Type::kArray:
      out->append(",\"items\":");
      if (absl::Status s = AppendOptionalJsonSchema(schema.value_schema(), out); !s.ok()) {
        return s;
      }
      break;
    case Type::kMap:
      out->append(",\"keys\":");
      if (absl::Status s = AppendOptionalJsonSchema(schema.key_schema(), out); !s.ok()) {
        return s;
      }
      out->append(",\"values\":");
      if (absl::Status s = AppendOptionalJsonSchema(schema.value_schema(), out); !s.ok()) {
        return s;
      }
      break;
    case Type::kStruct: {
      out->append(",\"fields\":[");
      bool first = true;
      for (const Field& f : schema.fields()) {
        if (!first) out->push_back(',');
        first = false;
        if (absl::Status s = AppendJsonSchemaUncached(*f.schema, f.name, out); !s.ok()) return s;
      }
      out->push_back(']');
      break;
    }
    default:
      break;
  }
  absl::StrAppend(out, ",\"optional\":", schema.optional() ? "true" : "false");
  if (!schema.name().empty()) {
    out->append(",\"name\":");
    json::AppendString(schema.name(), out);
  }
  if (schema.version()) absl::StrAppend(out, ",\"version\":", *schema.version());
  if (!schema.doc().empty()) {
    out->append(",\"doc\":");
    json::AppendString(schema.doc(), out);
  }
  if (!schema.parameters().empty()) {
    out->append(",\"parameters\":{");
    bool first = true;
    for (const auto& [k, v] : schema.parameters()) {
      if (!first) out->push_back(',');
      first = false;
      json::AppendString(k, out);
      out->push_back(':');
      json::AppendString(v, out);
    }
    out->push_back('}');
  }
  if (schema.default_value()) {
    out->append(",\"default\":");
    // The default is written with the schema itself so that its logical type
    // applies; a shared_ptr that does not own the schema avoids a copy.
    SchemaPtr self(SchemaPtr(), &schema);
    if (absl::Status s = ToJson(self, *schema.default_value(), out); !s.ok()) return s;
  }
  if (!field_name.empty()) {
    out->append(",\"field\":");
    json::AppendString(field_name, out);
  }
  out->push_back('}');
  return absl::OkStatus();
}

absl::Status JsonConverter::ToJson(const SchemaPtr& schema, const Value& value, std::string* out) {
  if (value.is_null()) {
    if (!schema) {
      out->append("null");
      return absl::OkStatus();
    }
    if (schema->default_value() && replace_null_with_default_) {
      return ToJson(schema, *schema->default_value(), out);
    }
    if (schema->optional()) {
      out->append("null");
      return absl::OkStatus();
    }
    return DataError(
        "Conversion error: null value for field that is required and has no default value");
  }
  const Value::Kind kind = value.kind();
  if (schema && !schema->name().empty()) {
    const std::string& name = schema->name();
    if (name == logical::kDecimal) {
      if (kind != Value::Kind::kDecimal) {
        return DataError(absl::StrCat(
            "Invalid type for Decimal, expected BigDecimal but was class ", JavaClassName(value)));
      }
      const Decimal& d = value.as_decimal();
      if (decimal_format_ == DecimalFormat::kNumeric) {
        std::string text = d.ToString();
        if (text.empty() || text[0] == '<') return DataError("Decimal value out of range");
        out->append(text);
        return absl::OkStatus();
      }
      absl::StatusOr<int32_t> scale = DecimalScale(*schema);
      if (!scale.ok()) return scale.status();
      if (d.scale != *scale) {
        return DataError("BigDecimal has mismatching scale value for given Decimal schema");
      }
      json::AppendString(absl::Base64Escape(d.unscaled), out);
      return absl::OkStatus();
    }
    if (name == logical::kDate) {
      if (kind != Value::Kind::kDate) {
        return DataError(absl::StrCat("Invalid type for Date, expected Date but was class ",
                                      JavaClassName(value)));
      }
      absl::StrAppend(out, value.as_date().days);
      return absl::OkStatus();
    }
    if (name == logical::kTime) {
      if (kind != Value::Kind::kTime) {
        return DataError(absl::StrCat("Invalid type for Time, expected Date but was class ",
                                      JavaClassName(value)));
      }
      absl::StrAppend(out, FloorDiv(value.as_time().micros, 1000));
      return absl::OkStatus();
    }
    if (name == logical::kTimestamp) {
      if (kind != Value::Kind::kTimestamp) {
        return DataError(absl::StrCat("Invalid type for Timestamp, expected Date but was class ",
                                      JavaClassName(value)));
      }
      absl::StrAppend(out, FloorDiv(value.as_timestamp().micros, 1000));
      return absl::OkStatus();
    }
  }

  std::optional<Type> type;
  if (schema) {
    type = schema->type();
  } else {
    switch (kind) {
      case Value::Kind::kBool:
        type = Type::kBoolean;
        break;
      case Value::Kind::kInt:
        type = Type::kInt64;
        break;
      case Value::Kind::kFloat:
        type = Type::kFloat64;
        break;
      case Value::Kind::kString:
        type = Type::kString;
        break;
      case Value::Kind::kBytes:
        type = Type::kBytes;
        break;
      case Value::Kind::kArray:
        type = Type::kArray;
        break;
      case Value::Kind::kMap:
        type = Type::kMap;
        break;
      case Value::Kind::kStruct:
        type = Type::kStruct;
        break;
      default:
        // Connect prints value.getClass(): "class java.util.Date".
        return DataError(absl::StrCat("Java class class ", JavaClassName(value),
                                      " does not have corresponding schema type."));
    }
  }
  auto invalid = [&]() {
    return DataError(absl::StrCat("Invalid type for ",
                                  schema ? std::string(TypeName(*type)) : "unknown schema",
                                  ": class ", JavaClassName(value)));
  };
  switch (*type) {
    case Type::kInt8:
    case Type::kInt16:
    case Type::kInt32:
    case Type::kInt64:
      if (kind != Value::Kind::kInt) return invalid();
      absl::StrAppend(out, value.as_int());
      return absl::OkStatus();
    case Type::kFloat32:
      if (kind != Value::Kind::kFloat) return invalid();
      json::AppendFloat(static_cast<float>(value.as_float()), out);
      return absl::OkStatus();
    case Type::kFloat64:
      if (kind != Value::Kind::kFloat) return invalid();
      json::AppendDouble(value.as_float(), out);
      return absl::OkStatus();
    case Type::kBoolean:
      if (kind != Value::Kind::kBool) return invalid();
      out->append(value.as_bool() ? "true" : "false");
      return absl::OkStatus();
    case Type::kString:
      if (kind != Value::Kind::kString) return invalid();
      json::AppendString(value.as_string(), out);
      return absl::OkStatus();
    case Type::kBytes:
      if (kind != Value::Kind::kBytes) {
        return DataError(
            absl::StrCat("Invalid type for bytes type: ", std::string(ValueKindName(kind))));
      }
      json::AppendString(absl::Base64Escape(value.as_bytes().data), out);
      return absl::OkStatus();
    case Type::kArray: {
      if (kind != Value::Kind::kArray) return invalid();
      SchemaPtr elem = schema ? schema->value_schema() : nullptr;
      out->push_back('[');
      bool first = true;
      for (const Value& v : value.as_array()) {
        if (!first) out->push_back(',');
        first = false;
        if (absl::Status s = ToJson(elem, v, out); !s.ok()) return s;
      }
      out->push_back(']');
      return absl::OkStatus();
    }
    case Type::kMap: {
      if (kind != Value::Kind::kMap) return invalid();
      const Map& map = value.as_map();
      SchemaPtr ks = schema ? schema->key_schema() : nullptr;
      SchemaPtr vs = schema ? schema->value_schema() : nullptr;
      bool object_mode = true;
      if (ks) {
        object_mode = ks->type() == Type::kString;
      } else {
        // Schemaless, or a MAP schema without a key schema (a SimpleHeaderConverter
        // header such as {"a":1,2:3}); Connect fails on the latter.
        for (const auto& [k, v] : map) object_mode &= k.kind() == Value::Kind::kString;
      }
      out->push_back(object_mode ? '{' : '[');
      bool first = true;
      for (const auto& [k, v] : map) {
        if (!first) out->push_back(',');
        first = false;
        if (object_mode) {
          if (k.kind() != Value::Kind::kString) return invalid();
          json::AppendString(k.as_string(), out);
          out->push_back(':');
          if (absl::Status s = ToJson(vs, v, out); !s.ok()) return s;
        } else {
          out->push_back('[');
          if (absl::Status s = ToJson(ks, k, out); !s.ok()) return s;
          out->push_back(',');
          if (absl::Status s = ToJson(vs, v, out); !s.ok()) return s;
          out->push_back(']');
        }
      }
      out->push_back(object_mode ? '}' : ']');
      return absl::OkStatus();
    }
    case Type::kStruct: {
      if (kind != Value::Kind::kStruct) return invalid();
      const Struct& st = value.as_struct();
      // Connect compares the Struct's schema with the given one, so a Struct
      // with no schema given is refused too.
      if (!schema || (st.schema.get() != schema.get() && !st.schema->Equals(*schema))) {
        return DataError("Mismatching schema.");
      }
      const SchemaPtr& ss = schema;
      out->push_back('{');
      bool first = true;
      for (const Field& f : ss->fields()) {
        if (!first) out->push_back(',');
        first = false;
        json::AppendString(f.name, out);
        out->push_back(':');
        if (absl::Status s = ToJson(f.schema, st.values[f.index], out); !s.ok()) return s;
      }
      out->push_back('}');
      return absl::OkStatus();
    }
  }
  return invalid();
}

absl::StatusOr<SchemaAndValue> JsonConverter::ToConnectHeader(
    std::string_view topic, std::string_view, const std::optional<std::string>& bytes) {
  return ToConnectData(topic, Headers(), bytes);
}

absl::StatusOr<std::optional<std::string>> JsonConverter::FromConnectHeader(std::string_view topic,
                                                                            std::string_view,
                                                                            const SchemaPtr& schema,
                                                                            const Value& value) {
  return FromConnectData(topic, schema, value);
}

}  // namespace ferry
