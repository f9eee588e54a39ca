#include "convert/json_schema_data.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "convert/absl_compat.h"
#include "convert/java_numbers.h"
#include "convert/json_text.h"

namespace ferry::internal {
namespace {

using ojson = nlohmann::ordered_json;

std::string S(std::string_view s) { return std::string(s); }

constexpr std::string_view kConnectType = "connect.type";
constexpr std::string_view kConnectVersion = "connect.version";
constexpr std::string_view kConnectParameters = "connect.parameters";
constexpr std::string_view kConnectIndex = "connect.index";
constexpr std::string_view kGeneralizedUnion = "org.apache.kafka.connect.data.Union";
constexpr std::string_view kGeneralizedEnum = "org.apache.kafka.connect.data.Enum";
constexpr std::string_view kGeneralizedUnionPrefix = "connect_union_";
constexpr std::string_view kGeneralizedUnionFieldPrefix = "connect_union_field_";
constexpr std::string_view kNullMarker = "<NULL>";
constexpr size_t kMaxDepth = 512;
// $refs nest at most this deep while one schema is converted.
constexpr int kMaxRefDepth = 64;

// ---------------------------------------------------------------------------
// Parsing payloads.

class Builder : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return Add(JsonValue{}); }
  bool boolean(bool v) override {
    JsonValue j;
    j.kind = JsonValue::Kind::kBool;
    j.boolean = v;
    return Add(std::move(j));
  }
  bool number_integer(number_integer_t v) override {
    JsonValue j;
    j.kind = JsonValue::Kind::kInteger;
    j.fits_int64 = true;
    j.integer = v;
    j.number = static_cast<double>(v);
    j.text = absl::StrCat(v);
    return Add(std::move(j));
  }
  bool number_unsigned(number_unsigned_t v) override {
    JsonValue j;
    j.kind = JsonValue::Kind::kInteger;
    j.fits_int64 = v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    j.integer = static_cast<int64_t>(v);
    j.number = static_cast<double>(v);
    j.text = absl::StrCat(v);
    return Add(std::move(j));
  }
  bool number_float(number_float_t v, const string_t& s) override {
    JsonValue j;
    // Integers beyond 64 bits come here too; Jackson reads them as
    // BigIntegers (integral numbers).
    j.kind = s.find_first_of(".eE") == std::string::npos ? JsonValue::Kind::kInteger
                                                         : JsonValue::Kind::kNumber;
    j.number = v;
    j.text = s;
    return Add(std::move(j));
  }
  bool string(string_t& v) override {
    JsonValue j;
    j.kind = JsonValue::Kind::kString;
    j.text = std::move(v);
    return Add(std::move(j));
  }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override {
    JsonValue j;
    j.kind = JsonValue::Kind::kObject;
    return Push(std::move(j));
  }
  bool key(string_t& k) override {
    key_ = std::move(k);
    return true;
  }
  bool end_object() override { return Pop(); }
  bool start_array(std::size_t) override {
    JsonValue j;
    j.kind = JsonValue::Kind::kArray;
    return Push(std::move(j));
  }
  bool end_array() override { return Pop(); }
  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& ex) override {
    error_ = ex.what();
    return false;
  }

  std::string error_;
  bool too_deep_ = false;
  std::optional<JsonValue> result_;

 private:
  struct Open {
    JsonValue value;
    std::string key;  // The member name it goes under in its parent.
  };

  bool Add(JsonValue v) {
    if (stack_.empty()) {
      result_ = std::move(v);
      return true;
    }
    JsonValue& top = stack_.back().value;
    if (top.kind == JsonValue::Kind::kArray) {
      top.items.push_back(std::move(v));
    } else {
      for (auto& [k, existing] : top.members) {
        if (k == key_) {
          existing = std::move(v);  // Jackson keeps the last of repeated members.
          return true;
        }
      }
      top.members.emplace_back(std::move(key_), std::move(v));
    }
    return true;
  }
  bool Push(JsonValue v) {
    if (stack_.size() >= kMaxDepth) {
      too_deep_ = true;
      return false;
    }
    stack_.push_back(Open{std::move(v), key_});
    return true;
  }
  bool Pop() {
    Open open = std::move(stack_.back());
    stack_.pop_back();
    key_ = std::move(open.key);
    return Add(std::move(open.value));
  }

  std::vector<Open> stack_;
  std::string key_;
};

void DumpTo(const JsonValue& v, std::string* out) {
  switch (v.kind) {
    case JsonValue::Kind::kNull:
      out->append("null");
      return;
    case JsonValue::Kind::kBool:
      out->append(v.boolean ? "true" : "false");
      return;
    case JsonValue::Kind::kInteger:
    case JsonValue::Kind::kNumber:
      out->append(v.text);
      return;
    case JsonValue::Kind::kString:
      json::AppendString(v.text, out);
      return;
    case JsonValue::Kind::kArray:
      out->push_back('[');
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i > 0) out->push_back(',');
        DumpTo(v.items[i], out);
      }
      out->push_back(']');
      return;
    case JsonValue::Kind::kObject:
      out->push_back('{');
      for (size_t i = 0; i < v.members.size(); ++i) {
        if (i > 0) out->push_back(',');
        json::AppendString(v.members[i].first, out);
        out->push_back(':');
        DumpTo(v.members[i].second, out);
      }
      out->push_back('}');
      return;
  }
}

// A schema document's JSON (defaults, consts, enums) as a JsonValue.
JsonValue FromOjson(const ojson& j) {
  JsonValue v;
  switch (j.type()) {
    case ojson::value_t::null:
      return v;
    case ojson::value_t::boolean:
      v.kind = JsonValue::Kind::kBool;
      v.boolean = j.get<bool>();
      return v;
    case ojson::value_t::number_integer:
      v.kind = JsonValue::Kind::kInteger;
      v.fits_int64 = true;
      v.integer = j.get<int64_t>();
      v.number = static_cast<double>(v.integer);
      v.text = absl::StrCat(v.integer);
      return v;
    case ojson::value_t::number_unsigned: {
      const uint64_t u = j.get<uint64_t>();
      v.kind = JsonValue::Kind::kInteger;
      v.fits_int64 = u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
      v.integer = static_cast<int64_t>(u);
      v.number = static_cast<double>(u);
      v.text = absl::StrCat(u);
      return v;
    }
    case ojson::value_t::number_float:
      v.kind = JsonValue::Kind::kNumber;
      v.number = j.get<double>();
      v.text = j.dump();
      return v;
    case ojson::value_t::string:
      v.kind = JsonValue::Kind::kString;
      v.text = j.get<std::string>();
      return v;
    case ojson::value_t::array:
      v.kind = JsonValue::Kind::kArray;
      for (const ojson& e : j) v.items.push_back(FromOjson(e));
      return v;
    case ojson::value_t::object:
      v.kind = JsonValue::Kind::kObject;
      for (auto it = j.begin(); it != j.end(); ++it) {
        v.members.emplace_back(it.key(), FromOjson(it.value()));
      }
      return v;
    default:
      return v;
  }
}

// JSON pointer evaluation ("/definitions/a~1b").
const ojson* Pointer(const ojson& root, std::string_view pointer) {
  const ojson* at = &root;
  if (pointer.empty()) return at;
  if (pointer[0] != '/') return nullptr;
  size_t start = 1;
  while (true) {
    const size_t slash = pointer.find('/', start);
    std::string token =
        S(pointer.substr(start, slash == std::string_view::npos ? slash : slash - start));
    std::string decoded;
    for (size_t i = 0; i < token.size(); ++i) {
      if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
        decoded.push_back(token[i + 1] == '0' ? '~' : '/');
        ++i;
      } else {
        decoded.push_back(token[i]);
      }
    }
    // Percent-encoded fragments.
    std::string unescaped;
    for (size_t i = 0; i < decoded.size(); ++i) {
      int hi = 0, lo = 0;
      auto hex = [](char c, int* out) {
        if (c >= '0' && c <= '9')
          *out = c - '0';
        else if (c >= 'a' && c <= 'f')
          *out = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
          *out = c - 'A' + 10;
        else
          return false;
        return true;
      };
      if (decoded[i] == '%' && i + 2 < decoded.size() && hex(decoded[i + 1], &hi) &&
          hex(decoded[i + 2], &lo)) {
        unescaped.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
      } else {
        unescaped.push_back(decoded[i]);
      }
    }
    if (at->is_object()) {
      auto it = at->find(unescaped);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array()) {
      size_t index = 0;
      if (!absl::SimpleAtoi(unescaped, &index) || index >= at->size()) return nullptr;
      at = &(*at)[index];
    } else {
      return nullptr;
    }
    if (slash == std::string_view::npos) return at;
    start = slash + 1;
  }
}

std::vector<std::string> TypesOf(const ojson& n) {
  std::vector<std::string> out;
  auto it = n.find("type");
  if (it == n.end()) return out;
  if (it->is_string()) out.push_back(it->get<std::string>());
  if (it->is_array()) {
    for (const ojson& t : *it) {
      if (t.is_string()) out.push_back(t.get<std::string>());
    }
  }
  return out;
}

bool Has(const ojson& n, const char* key) { return n.is_object() && n.contains(key); }

// everit's type inference for a schema without "type": from its keywords.
std::string InferredType(const ojson& n) {
  for (const char* k : {"properties", "additionalProperties", "required", "patternProperties",
                        "minProperties", "maxProperties", "propertyNames", "dependencies"}) {
    if (Has(n, k)) return "object";
  }
  for (const char* k :
       {"items", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains"}) {
    if (Has(n, k)) return "array";
  }
  for (const char* k : {"minLength", "maxLength", "pattern", "format"}) {
    if (Has(n, k)) return "string";
  }
  for (const char* k :
       {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}) {
    if (Has(n, k)) return "number";
  }
  return "";
}

bool IsNullSchema(const ojson& n) {
  return n.is_object() && n.size() >= 1 && TypesOf(n) == std::vector<std::string>{"null"} &&
         !n.contains("$ref");
}

std::string ConnectTypeOf(const ojson& n) {
  auto it = n.find(S(kConnectType));
  return it != n.end() && it->is_string() ? it->get<std::string>() : "";
}

// ---------------------------------------------------------------------------
// JSON Schema → Connect schema.

class SchemaReader {
 public:
  SchemaReader(const JsonSchemaDocuments& docs, const JsonSchemaDataOptions& o)
      : docs_(docs), o_(o) {}

  absl::StatusOr<SchemaPtr> Convert(const JsonSchemaDocuments::Doc& doc, const ojson& n,
                                    std::optional<int> version, bool force_optional) {
    if (n.is_boolean()) {
      if (!n.get<bool>()) {
        return absl::InvalidArgumentError("the schema false accepts no value");
      }
      return Schema::Json(force_optional);
    }
    if (!n.is_object()) {
      return absl::InvalidArgumentError(Cat("a schema must be an object or a boolean: ", n.dump()));
    }
    if (auto ref = n.find("$ref"); ref != n.end() && ref->is_string()) {
      absl::StatusOr<std::pair<const JsonSchemaDocuments::Doc*, const ojson*>> target =
          docs_.Resolve(doc, ref->get<std::string>());
      if (!target.ok()) return target.status();
      if (std::find(refs_.begin(), refs_.end(), target->second) != refs_.end()) {
        return absl::InvalidArgumentError(
            Cat("$ref ", ref->get<std::string>(),
                " is recursive: ferry's Connect schemas cannot hold recursive types"));
      }
      if (refs_.size() >= kMaxRefDepth) {
        return absl::InvalidArgumentError("$refs nest too deep");
      }
      refs_.push_back(target->second);
      absl::StatusOr<SchemaPtr> out =
          Convert(*target->first, *target->second, version, force_optional);
      refs_.pop_back();
      return out;
    }
    std::vector<std::string> types = TypesOf(n);
    std::optional<SchemaBuilder> b;
    if (Has(n, "oneOf") || Has(n, "anyOf")) {
      const ojson& members = Has(n, "oneOf") ? n["oneOf"] : n["anyOf"];
      if (!members.is_array() || members.empty()) {
        return absl::InvalidArgumentError("oneOf/anyOf must be a non-empty array");
      }
      std::vector<const ojson*> list;
      for (const ojson& m : members) list.push_back(&m);
      return Union(doc, n, list, version, force_optional);
    }
    if (Has(n, "allOf")) return AllOf(doc, n, version, force_optional);
    if (types.size() > 1) {
      // everit reads "type": [a, b] as anyOf over one schema per type.
      std::vector<ojson> variants;
      for (const std::string& t : types) {
        ojson v = n;
        v["type"] = t;
        variants.push_back(std::move(v));
      }
      std::vector<const ojson*> list;
      for (const ojson& v : variants) list.push_back(&v);
      ojson annotations = ojson::object();
      return Union(doc, annotations, list, version, force_optional);
    }
    if (Has(n, "enum") || Has(n, "const")) {
      const bool numeric = !types.empty() && (types[0] == "integer" || types[0] == "number");
      if (!types.empty() && !numeric && types[0] != "string") {
        return absl::InvalidArgumentError(
            Cat("Unsupported criterion ALL_CRITERION for an enum of type ", types[0]));
      }
      if (!numeric) {
        b = Enum(Has(n, "enum") ? n["enum"] : ojson::array({n["const"]}));
      }
    }
    if (!b) {
      std::string type = types.empty() ? InferredType(n) : types[0];
      absl::StatusOr<SchemaBuilder> built = Typed(doc, n, type);
      if (!built.ok()) return built.status();
      b = std::move(*built);
    }
    return Annotate(n, std::move(*b), version, force_optional);
  }

 private:
  absl::StatusOr<SchemaBuilder> Typed(const JsonSchemaDocuments::Doc& doc, const ojson& n,
                                      const std::string& type) {
    const std::string connect_type = ConnectTypeOf(n);
    if (type == "boolean") return SchemaBuilder(Type::kBoolean);
    if (type == "integer" || type == "number") {
      if (connect_type.empty()) {
        return SchemaBuilder(type == "integer" ? Type::kInt64 : Type::kFloat64);
      }
      static const auto* kTypes = new std::map<std::string, Type>{
          {"int8", Type::kInt8},   {"int16", Type::kInt16},     {"int32", Type::kInt32},
          {"int64", Type::kInt64}, {"float32", Type::kFloat32}, {"float64", Type::kFloat64},
          {"bytes", Type::kBytes}};
      auto it = kTypes->find(connect_type);
      if (it == kTypes->end()) {
        return absl::InvalidArgumentError(Cat("Unsupported type ", connect_type));
      }
      return SchemaBuilder(it->second);
    }
    if (type == "string") {
      return SchemaBuilder(connect_type == "bytes" ? Type::kBytes : Type::kString);
    }
    if (type == "null") {
      return absl::InvalidArgumentError(
          "Unsupported schema type NullSchema (a null schema outside oneOf/anyOf)");
    }
    if (type == "array") {
      auto items = n.find("items");
      if (items == n.end() || items->is_array()) {
        return absl::InvalidArgumentError("Array schema did not specify the items type");
      }
      if (connect_type == "map" && items->is_object() && Has(*items, "properties") &&
          (*items)["properties"].is_object()) {
        const ojson& props = (*items)["properties"];
        const ojson key = props.contains("key") ? props["key"] : ojson(true);
        const ojson value = props.contains("value") ? props["value"] : ojson(true);
        absl::StatusOr<SchemaPtr> k = Convert(doc, key, std::nullopt, false);
        if (!k.ok()) return k.status();
        absl::StatusOr<SchemaPtr> v = Convert(doc, value, std::nullopt, false);
        if (!v.ok()) return v.status();
        return SchemaBuilder::Map(*k, *v);
      }
      absl::StatusOr<SchemaPtr> element = Convert(doc, *items, std::nullopt, false);
      if (!element.ok()) return element.status();
      return SchemaBuilder::Array(*element);
    }
    if (type == "object") {
      auto additional = n.find("additionalProperties");
      const bool has_properties =
          Has(n, "properties") && n["properties"].is_object() && !n["properties"].empty();
      if (connect_type == "map" || (!has_properties && additional != n.end() &&
                                    additional->is_object() && !additional->empty())) {
        const ojson value = additional != n.end() ? *additional : ojson(true);
        absl::StatusOr<SchemaPtr> v = Convert(doc, value, std::nullopt, false);
        if (!v.ok()) return v.status();
        return SchemaBuilder::Map(Schema::String(), *v);
      }
      if (!has_properties) {
        // A free-form object: ferry's JSON (JsonSchemaData makes an empty
        // STRUCT, which no BigQuery column can hold).
        return SchemaBuilder::From(*Schema::Json());
      }
      return Struct(doc, n);
    }
    if (type.empty()) return SchemaBuilder::From(*Schema::Json());  // {}: any value.
    return absl::InvalidArgumentError(Cat("Unsupported schema type ", type));
  }

  absl::StatusOr<SchemaBuilder> Struct(const JsonSchemaDocuments::Doc& doc, const ojson& n) {
    std::set<std::string> required;
    if (auto r = n.find("required"); r != n.end() && r->is_array()) {
      for (const ojson& name : *r) {
        if (name.is_string()) required.insert(name.get<std::string>());
      }
    }
    const ojson& props = n["properties"];
    // JsonSchemaData orders properties by connect.index (the others by their
    // position), as a TreeMap: a repeated index replaces the earlier one.
    std::map<int64_t, std::pair<std::string, const ojson*>> sorted;
    for (auto it = props.begin(); it != props.end(); ++it) {
      int64_t index = static_cast<int64_t>(sorted.size());
      if (it->is_object()) {
        auto ci = it->find(S(kConnectIndex));
        if (ci != it->end() && ci->is_number_integer()) index = ci->get<int64_t>();
      }
      sorted[index] = {it.key(), &it.value()};
    }
    SchemaBuilder b = SchemaBuilder::Struct();
    for (const auto& [index, prop] : sorted) {
      const bool optional = o_.use_optional_for_nonrequired && required.count(prop.first) == 0;
      absl::StatusOr<SchemaPtr> f = Convert(doc, *prop.second, std::nullopt, optional);
      if (!f.ok()) {
        return absl::Status(f.status().code(), Cat(prop.first, ": ", f.status().message()));
      }
      b.AddField(prop.first, *f);
    }
    return b;
  }

  SchemaBuilder Enum(const ojson& values) {
    SchemaBuilder b(Type::kString);
    const std::string param = S(o_.generalized_sum_type_support ? kGeneralizedEnum : kJsonEnum);
    b.Parameter(param, "");
    int index = 0;
    for (const ojson& v : values) {
      const std::string symbol =
          v.is_null() ? S(kNullMarker) : (v.is_string() ? v.get<std::string>() : v.dump());
      b.Parameter(Cat(param, ".", symbol),
                  o_.generalized_sum_type_support ? absl::StrCat(index) : symbol);
      ++index;
    }
    return b;
  }

  absl::StatusOr<SchemaPtr> Union(const JsonSchemaDocuments::Doc& doc, const ojson& n,
                                  const std::vector<const ojson*>& members,
                                  std::optional<int> version, bool force_optional) {
    if (members.size() == 1 && o_.flatten_singleton_unions) {
      return Convert(doc, *members[0], std::nullopt, force_optional);
    }
    if (members.size() == 2) {
      const bool first_null = IsNullSchema(*members[0]);
      const bool second_null = IsNullSchema(*members[1]);
      if (first_null != second_null) {
        return Convert(doc, first_null ? *members[1] : *members[0], version, true);
      }
    }
    const std::string name = o_.generalized_sum_type_support
                                 ? Cat(kGeneralizedUnionPrefix, union_index_++)
                                 : S(kJsonOneOf);
    SchemaBuilder b = SchemaBuilder::Struct();
    b.Name(name);
    if (o_.generalized_sum_type_support) b.Parameter(S(kGeneralizedUnion), name);
    int index = 0;
    for (const ojson* m : members) {
      if (IsNullSchema(*m)) {
        b.Optional();
        continue;
      }
      const std::string field = o_.generalized_sum_type_support
                                    ? Cat(kGeneralizedUnionFieldPrefix, index)
                                    : Cat(name, ".field.", index);
      absl::StatusOr<SchemaPtr> f = Convert(doc, *m, std::nullopt, true);
      if (!f.ok()) return f.status();
      b.AddField(field, *f);
      ++index;
    }
    return Annotate(n, std::move(b), version, force_optional);
  }

  // allOf: its members (and $refs among them) merged into one schema:
  // properties and required lists joined, other keywords of later members
  // winning. JsonSchemaData likewise joins the properties of allOf members
  // into one STRUCT, and otherwise keeps the most specific member.
  absl::StatusOr<SchemaPtr> AllOf(const JsonSchemaDocuments::Doc& doc, const ojson& n,
                                  std::optional<int> version, bool force_optional) {
    ojson merged = ojson::object();
    const JsonSchemaDocuments::Doc* merged_doc = &doc;
    absl::Status problem;
    std::function<void(const JsonSchemaDocuments::Doc&, const ojson&, int)> merge =
        [&](const JsonSchemaDocuments::Doc& d, const ojson& s, int depth) {
          if (!problem.ok() || !s.is_object()) return;
          if (depth > kMaxRefDepth) {
            problem = absl::InvalidArgumentError("allOf and $refs nest too deep");
            return;
          }
          if (auto ref = s.find("$ref"); ref != s.end() && ref->is_string()) {
            auto target = docs_.Resolve(d, ref->get<std::string>());
            if (!target.ok()) {
              problem = target.status();
              return;
            }
            if (target->first != &doc) merged_doc = target->first;
            merge(*target->first, *target->second, depth + 1);
            return;
          }
          for (auto it = s.begin(); it != s.end(); ++it) {
            if (it.key() == "allOf") {
              if (it->is_array()) {
                for (const ojson& m : *it) merge(d, m, depth + 1);
              }
            } else if (it.key() == "properties" && it->is_object()) {
              for (auto p = it->begin(); p != it->end(); ++p) merged["properties"][p.key()] = *p;
            } else if (it.key() == "required" && it->is_array()) {
              for (const ojson& r : *it) merged["required"].push_back(r);
            } else {
              merged[it.key()] = *it;
            }
          }
        };
    merge(doc, n, 0);
    if (!problem.ok()) return problem;
    if (merged.contains("properties") && !merged.contains("type")) merged["type"] = "object";
    return Convert(*merged_doc, merged, version, force_optional);
  }

  absl::StatusOr<SchemaPtr> Annotate(const ojson& n, SchemaBuilder b, std::optional<int> version,
                                     bool force_optional) {
    SchemaPtr probe = b.Build();
    if (auto t = n.find("title"); t != n.end() && t->is_string() && probe->name().empty()) {
      b.Name(t->get<std::string>());
    }
    if (auto v = n.find(S(kConnectVersion)); v != n.end() && v->is_number_integer()) {
      b.Version(static_cast<int>(v->get<int64_t>()));
    } else if (version) {
      b.Version(version);
    }
    if (auto d = n.find("description"); d != n.end() && d->is_string()) {
      b.Doc(d->get<std::string>());
    }
    if (auto p = n.find(S(kConnectParameters)); p != n.end() && p->is_object()) {
      for (auto it = p->begin(); it != p->end(); ++it) {
        b.Parameter(it.key(), it->is_string() ? it->get<std::string>() : it->dump());
      }
    }
    if (auto d = n.find("default"); d != n.end()) {
      JsonValue value = FromOjson(*d);
      SchemaPtr without_default = SchemaBuilder(b).Optional(true).Build();
      absl::StatusOr<Value> v = JsonToConnectValue(without_default, &value, o_);
      if (!v.ok()) {
        return absl::InvalidArgumentError(
            Cat("Invalid default value ", d->dump(), ": ", v.status().message()));
      }
      if (!v->is_null()) b.Default(std::move(*v));
    }
    if (force_optional) b.Optional();
    return b.Build();
  }

  const JsonSchemaDocuments& docs_;
  const JsonSchemaDataOptions& o_;
  std::vector<const ojson*> refs_;
  int union_index_ = 0;
};

// ---------------------------------------------------------------------------
// JSON value → Connect value.

absl::Status Mismatch(const Schema& s, const JsonValue& v) {
  return absl::InvalidArgumentError(Cat("a ", v.TypeName(), " is not a valid ", TypeName(s.type()),
                                        s.name().empty() ? "" : " (", s.name(),
                                        s.name().empty() ? "" : ")", " value"));
}

// An integral value of a JSON number: integers, and numbers whose value is
// integral (1.0, 1e3); nullopt when fractional or beyond int64.
std::optional<int64_t> Integral(const JsonValue& v) {
  if (v.kind == JsonValue::Kind::kInteger && v.fits_int64) return v.integer;
  if (v.kind == JsonValue::Kind::kInteger || v.kind == JsonValue::Kind::kNumber) {
    std::optional<JavaBigDecimal> d = JavaParseBigDecimal(v.text);
    if (!d) return std::nullopt;
    std::optional<JavaBigDecimal> whole = JavaSetScaleExact(*d, 0);
    if (!whole || whole->digits.size() > 19) return std::nullopt;
    uint64_t magnitude = 0;
    if (!absl::SimpleAtoi(whole->digits, &magnitude)) return std::nullopt;
    if (whole->negative) {
      if (magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) {
        return std::nullopt;
      }
      return static_cast<int64_t>(0 - magnitude);
    }
    if (magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<int64_t>(magnitude);
  }
  return std::nullopt;
}

bool IsNumber(const JsonValue& v) {
  return v.kind == JsonValue::Kind::kInteger || v.kind == JsonValue::Kind::kNumber;
}

// JsonSchemaData.isInstanceOfSchemaTypeForSimpleSchema.
bool SimpleMatch(const Schema& s, const JsonValue& v) {
  if (s.IsLogical(logical::kJson)) return true;
  switch (s.type()) {
    case Type::kInt8:
    case Type::kInt16:
    case Type::kInt32:
    case Type::kInt64:
      return v.kind == JsonValue::Kind::kInteger;
    case Type::kFloat32:
    case Type::kFloat64:
      return IsNumber(v);
    case Type::kBoolean:
      return v.kind == JsonValue::Kind::kBool;
    case Type::kString:
      return v.kind == JsonValue::Kind::kString;
    case Type::kBytes:
      // Jackson's text nodes are not binary; a Decimal member matches a
      // number, as Jackson's BigDecimal nodes do.
      return s.IsLogical(logical::kDecimal) && IsNumber(v);
    case Type::kArray:
      return v.kind == JsonValue::Kind::kArray;
    case Type::kMap:
      return v.kind == JsonValue::Kind::kObject || v.kind == JsonValue::Kind::kArray;
    case Type::kStruct:
      return false;
  }
  return false;
}

// JsonSchemaData.matchStructSchema.
int StructMatch(const Schema& s, const JsonValue& v) {
  if (s.type() != Type::kStruct || v.kind != JsonValue::Kind::kObject) return 0;
  int n = 0;
  for (const Field& f : s.fields()) {
    if (const JsonValue* child = v.Find(f.name)) n += 1 + StructMatch(*f.schema, *child);
  }
  return n;
}

bool IsUnion(const Schema& s) {
  return s.type() == Type::kStruct &&
         (s.name() == kJsonOneOf || s.parameters().count(S(kGeneralizedUnion)) > 0);
}

class ValueReader {
 public:
  explicit ValueReader(const JsonSchemaDataOptions& o) : o_(o) {}

  absl::StatusOr<Value> Read(const SchemaPtr& sp, const JsonValue* v) {
    const Schema& s = *sp;
    if (v == nullptr || v->kind == JsonValue::Kind::kNull) {
      if (s.default_value()) return *s.default_value();
      // A property the record leaves out is null even in a required field,
      // as JsonSchemaData's struct reader leaves it unset: downstream, a
      // REQUIRED column rejects the row, a NULLABLE one takes null.
      if (s.optional() || v == nullptr) return Value();
      return absl::InvalidArgumentError(
          Cat("Invalid null value for required ", TypeName(s.type()), " field"));
    }
    if (s.IsLogical(logical::kJson)) return Value(v->Dump());
    if (s.IsLogical(logical::kDecimal) && s.type() == Type::kBytes) return DecimalOf(s, *v);
    if (s.IsLogical(logical::kDate) && s.type() == Type::kInt32) {
      std::optional<int64_t> days =
          v->kind == JsonValue::Kind::kInteger ? Integral(*v) : std::nullopt;
      if (!days || *days < std::numeric_limits<int32_t>::min() ||
          *days > std::numeric_limits<int32_t>::max()) {
        return absl::InvalidArgumentError(
            Cat("Invalid type for Date, underlying representation should be integer but was ",
                v->TypeName(), " ", v->Dump()));
      }
      return Value(Date{static_cast<int32_t>(*days)});
    }
    if (s.IsLogical(logical::kTime) && s.type() == Type::kInt32) {
      std::optional<int64_t> millis =
          v->kind == JsonValue::Kind::kInteger ? Integral(*v) : std::nullopt;
      if (!millis || *millis < 0 || *millis >= 86400000) {
        return absl::InvalidArgumentError(
            Cat("Invalid type for Time, underlying representation should be integer (milliseconds "
                "of the day) but was ",
                v->TypeName(), " ", v->Dump()));
      }
      return Value(TimeOfDay{*millis * 1000});
    }
    if (s.IsLogical(logical::kTimestamp) && s.type() == Type::kInt64) {
      std::optional<int64_t> millis =
          v->kind == JsonValue::Kind::kInteger ? Integral(*v) : std::nullopt;
      constexpr int64_t kLimit = std::numeric_limits<int64_t>::max() / 1000;
      if (!millis || *millis > kLimit || *millis < -kLimit) {
        return absl::InvalidArgumentError(
            Cat("Invalid type for Timestamp, underlying representation should be integral but was ",
                v->TypeName(), " ", v->Dump()));
      }
      return Value(Timestamp{*millis * 1000});
    }
    switch (s.type()) {
      case Type::kBoolean:
        if (v->kind != JsonValue::Kind::kBool) return Mismatch(s, *v);
        return Value(v->boolean);
      case Type::kInt8:
      case Type::kInt16:
      case Type::kInt32:
      case Type::kInt64: {
        if (!IsNumber(*v)) return Mismatch(s, *v);
        std::optional<int64_t> i = Integral(*v);
        const int bits = s.type() == Type::kInt8    ? 8
                         : s.type() == Type::kInt16 ? 16
                         : s.type() == Type::kInt32 ? 32
                                                    : 64;
        const int64_t max =
            bits == 64 ? std::numeric_limits<int64_t>::max() : (int64_t{1} << (bits - 1)) - 1;
        const int64_t min = bits == 64 ? std::numeric_limits<int64_t>::min() : -max - 1;
        if (!i || *i < min || *i > max) {
          return absl::InvalidArgumentError(
              Cat(v->text, " is not a valid ", TypeName(s.type()), " value"));
        }
        return Value(*i);
      }
      case Type::kFloat32:
        if (!IsNumber(*v)) return Mismatch(s, *v);
        return Value(static_cast<double>(static_cast<float>(v->number)));
      case Type::kFloat64:
        if (!IsNumber(*v)) return Mismatch(s, *v);
        return Value(v->number);
      case Type::kString:
        if (v->kind != JsonValue::Kind::kString) return Mismatch(s, *v);
        return Value(v->text);
      case Type::kBytes: {
        if (v->kind != JsonValue::Kind::kString) return Mismatch(s, *v);
        std::string bytes;
        if (!absl::Base64Unescape(ToAbsl(v->text), &bytes)) {
          return absl::InvalidArgumentError("Invalid bytes field: not base64");
        }
        return Value(Bytes{std::move(bytes)});
      }
      case Type::kArray: {
        if (v->kind != JsonValue::Kind::kArray) return Mismatch(s, *v);
        ::ferry::Array out;
        out.reserve(v->items.size());
        for (size_t i = 0; i < v->items.size(); ++i) {
          absl::StatusOr<Value> e = Read(s.value_schema(), &v->items[i]);
          if (!e.ok())
            return absl::Status(e.status().code(), Cat("[", i, "]: ", e.status().message()));
          out.push_back(std::move(*e));
        }
        return Value(std::move(out));
      }
      case Type::kMap:
        return MapOf(s, *v);
      case Type::kStruct:
        if (IsUnion(s)) return UnionOf(sp, *v);
        return StructOf(sp, *v);
    }
    return Mismatch(s, *v);
  }

 private:
  absl::StatusOr<Value> DecimalOf(const Schema& s, const JsonValue& v) {
    int scale = 0;
    auto it = s.parameters().find(S(logical::kDecimalScaleParam));
    if (it == s.parameters().end() || !absl::SimpleAtoi(it->second, &scale)) {
      return absl::InvalidArgumentError("Invalid Decimal schema: scale parameter not found.");
    }
    if (IsNumber(v)) {
      std::optional<JavaBigDecimal> d = JavaParseBigDecimal(v.text);
      std::optional<JavaBigDecimal> scaled = d ? JavaSetScaleExact(*d, scale) : std::nullopt;
      std::optional<Decimal> out = scaled ? ToDecimal(*scaled) : std::nullopt;
      if (!out) {
        return absl::InvalidArgumentError(
            Cat("decimal ", v.text, " does not fit the schema's scale ", scale));
      }
      return Value(std::move(*out));
    }
    if (v.kind == JsonValue::Kind::kString) {
      std::string bytes;
      if (!absl::Base64Unescape(ToAbsl(v.text), &bytes) || bytes.empty()) {
        return absl::InvalidArgumentError("Invalid bytes for Decimal field: not base64");
      }
      if (bytes.size() > 16) {
        return absl::InvalidArgumentError("Invalid bytes for Decimal field: more than 38 digits");
      }
      return Value(Decimal{std::move(bytes), scale});
    }
    return absl::InvalidArgumentError(
        Cat("Invalid type for Decimal, underlying representation should be numeric or bytes but "
            "was ",
            v.TypeName()));
  }

  absl::StatusOr<Value> MapOf(const Schema& s, const JsonValue& v) {
    ::ferry::Map out;
    const Schema& key = *s.key_schema();
    if (key.type() == Type::kString && !key.optional()) {
      if (v.kind != JsonValue::Kind::kObject) {
        return absl::InvalidArgumentError(Cat(
            "Maps with string fields should be encoded as JSON objects, but found ", v.TypeName()));
      }
      for (const auto& [k, val] : v.members) {
        absl::StatusOr<Value> e = Read(s.value_schema(), &val);
        if (!e.ok()) return absl::Status(e.status().code(), Cat(k, ": ", e.status().message()));
        out.emplace_back(Value(k), std::move(*e));
      }
      return Value(std::move(out));
    }
    if (v.kind != JsonValue::Kind::kArray) {
      return absl::InvalidArgumentError(
          Cat("Maps with non-string fields should be encoded as JSON array of objects, but "
              "found ",
              v.TypeName()));
    }
    for (const JsonValue& entry : v.items) {
      if (entry.kind != JsonValue::Kind::kObject) {
        return absl::InvalidArgumentError(
            Cat("Found invalid map entry instead of object: ", entry.TypeName()));
      }
      if (entry.members.size() != 2) {
        return absl::InvalidArgumentError(
            Cat("Found invalid map entry, expected length 2 but found :", entry.members.size()));
      }
      absl::StatusOr<Value> k = Read(s.key_schema(), entry.Find("key"));
      if (!k.ok()) return k.status();
      absl::StatusOr<Value> val = Read(s.value_schema(), entry.Find("value"));
      if (!val.ok()) return val.status();
      out.emplace_back(std::move(*k), std::move(*val));
    }
    return Value(std::move(out));
  }

  absl::StatusOr<Value> UnionOf(const SchemaPtr& sp, const JsonValue& v) {
    const Schema& s = *sp;
    const Field* best = nullptr;
    int best_count = 0;
    for (const Field& f : s.fields()) {
      if (SimpleMatch(*f.schema, v)) {
        best = &f;
        break;
      }
      if (int n = StructMatch(*f.schema, v); n > best_count) {
        best_count = n;
        best = &f;
      }
    }
    if (best == nullptr) {
      return absl::InvalidArgumentError(
          Cat("Did not find matching oneof field for data: ", v.TypeName()));
    }
    absl::StatusOr<Value> member = Read(best->schema, &v);
    if (!member.ok()) return member.status();
    std::vector<Value> values(s.fields().size());
    values[best->index] = std::move(*member);
    return Value(::ferry::Struct{sp, std::move(values)});
  }

  absl::StatusOr<Value> StructOf(const SchemaPtr& sp, const JsonValue& v) {
    if (v.kind != JsonValue::Kind::kObject) {
      return absl::InvalidArgumentError(
          Cat("Structs should be encoded as JSON objects, but found ", v.TypeName()));
    }
    std::vector<Value> values(sp->fields().size());
    for (const Field& f : sp->fields()) {
      absl::StatusOr<Value> fv = Read(f.schema, v.Find(f.name));
      if (!fv.ok())
        return absl::Status(fv.status().code(), Cat(f.name, ": ", fv.status().message()));
      values[f.index] = std::move(*fv);
    }
    return Value(::ferry::Struct{sp, std::move(values)});
  }

  const JsonSchemaDataOptions& o_;
};

// ---------------------------------------------------------------------------
// Validation (json.fail.invalid.schema), as everit reports it.

std::string EveritType(const JsonValue& v) {
  switch (v.kind) {
    case JsonValue::Kind::kNull:
      return "null";
    case JsonValue::Kind::kBool:
      return "Boolean";
    case JsonValue::Kind::kInteger:
      return "Integer";
    case JsonValue::Kind::kNumber:
      return "Number";
    case JsonValue::Kind::kString:
      return "String";
    case JsonValue::Kind::kArray:
      return "JSONArray";
    case JsonValue::Kind::kObject:
      return "JSONObject";
  }
  return "?";
}

bool TypeMatches(const std::string& type, const JsonValue& v) {
  if (type == "null") return v.kind == JsonValue::Kind::kNull;
  if (type == "boolean") return v.kind == JsonValue::Kind::kBool;
  if (type == "integer") return v.kind == JsonValue::Kind::kInteger;
  if (type == "number") return IsNumber(v);
  if (type == "string") return v.kind == JsonValue::Kind::kString;
  if (type == "array") return v.kind == JsonValue::Kind::kArray;
  if (type == "object") return v.kind == JsonValue::Kind::kObject;
  return true;
}

bool JsonEquals(const JsonValue& a, const ojson& b) {
  switch (a.kind) {
    case JsonValue::Kind::kNull:
      return b.is_null();
    case JsonValue::Kind::kBool:
      return b.is_boolean() && b.get<bool>() == a.boolean;
    case JsonValue::Kind::kInteger:
    case JsonValue::Kind::kNumber:
      return b.is_number() && b.get<double>() == a.number;
    case JsonValue::Kind::kString:
      return b.is_string() && b.get<std::string>() == a.text;
    case JsonValue::Kind::kArray:
      if (!b.is_array() || b.size() != a.items.size()) return false;
      for (size_t i = 0; i < a.items.size(); ++i) {
        if (!JsonEquals(a.items[i], b[i])) return false;
      }
      return true;
    case JsonValue::Kind::kObject:
      if (!b.is_object() || b.size() != a.members.size()) return false;
      for (const auto& [k, v] : a.members) {
        auto it = b.find(k);
        if (it == b.end() || !JsonEquals(v, *it)) return false;
      }
      return true;
  }
  return false;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

class Validator {
 public:
  explicit Validator(const JsonSchemaDocuments& docs) : docs_(docs) {}

  void Check(const JsonSchemaDocuments::Doc& doc, const ojson& s, const JsonValue& v,
             const std::string& path, std::vector<std::string>* errors, int depth) {
    if (errors->size() >= 10) return;
    if (depth > kMaxRefDepth * 8) {
      errors->push_back(Cat(path, ": the schema nests too deep to validate"));
      return;
    }
    if (s.is_boolean()) {
      if (!s.get<bool>()) errors->push_back(Cat(path, ": false schema always fails"));
      return;
    }
    if (!s.is_object()) return;
    if (auto ref = s.find("$ref"); ref != s.end() && ref->is_string()) {
      auto target = docs_.Resolve(doc, ref->get<std::string>());
      if (!target.ok()) {
        errors->push_back(Cat(path, ": ", target.status().message()));
        return;
      }
      Check(*target->first, *target->second, v, path, errors, depth + 1);
      return;
    }
    if (auto t = s.find("type"); t != s.end()) {
      std::vector<std::string> types = TypesOf(s);
      bool ok = types.empty();
      for (const std::string& type : types) ok = ok || TypeMatches(type, v);
      if (!ok) {
        std::string expected = types.size() == 1 ? types[0] : absl::StrJoin(types, ", ");
        if (!expected.empty()) expected[0] = static_cast<char>(std::toupper(expected[0]));
        errors->push_back(Cat(path, ": expected type: ", expected, ", found: ", EveritType(v)));
        return;
      }
    }
    if (auto e = s.find("enum"); e != s.end() && e->is_array()) {
      bool found = false;
      for (const ojson& option : *e) found = found || JsonEquals(v, option);
      if (!found) errors->push_back(Cat(path, ": ", v.Dump(), " is not a valid enum value"));
    }
    if (auto c = s.find("const"); c != s.end() && !JsonEquals(v, *c)) {
      errors->push_back(Cat(path, ": ", v.Dump(), " is not the const value ", c->dump()));
    }
    if (IsNumber(v)) Numeric(s, v, path, errors);
    if (v.kind == JsonValue::Kind::kString) Text(s, v, path, errors);
    if (v.kind == JsonValue::Kind::kArray) {
      auto count = [&](const char* key, bool min) {
        if (auto m = s.find(key); m != s.end() && m->is_number()) {
          const double limit = m->get<double>();
          const double n = static_cast<double>(v.items.size());
          if (min ? n < limit : n > limit) {
            errors->push_back(Cat(path, ": expected ", min ? "minimum" : "maximum",
                                  " item count: ", m->dump(), ", found: ", v.items.size()));
          }
        }
      };
      count("minItems", true);
      count("maxItems", false);
      if (auto items = s.find("items"); items != s.end()) {
        for (size_t i = 0; i < v.items.size(); ++i) {
          const ojson* item_schema = &*items;
          if (items->is_array()) {
            if (i >= items->size()) {
              auto extra = s.find("additionalItems");
              if (extra == s.end()) break;
              item_schema = &*extra;
            } else {
              item_schema = &(*items)[i];
            }
          }
          Check(doc, *item_schema, v.items[i], Cat(path, "/", i), errors, depth + 1);
        }
      }
    }
    if (v.kind == JsonValue::Kind::kObject) Object(doc, s, v, path, errors, depth);
    if (auto all = s.find("allOf"); all != s.end() && all->is_array()) {
      for (const ojson& m : *all) Check(doc, m, v, path, errors, depth + 1);
    }
    if (auto any = s.find("anyOf"); any != s.end() && any->is_array()) {
      if (Matching(doc, *any, v, depth) == 0) {
        errors->push_back(
            Cat(path, ": #: no subschema matched out of the total ", any->size(), " subschemas"));
      }
    }
    if (auto one = s.find("oneOf"); one != s.end() && one->is_array()) {
      const size_t n = Matching(doc, *one, v, depth);
      if (n != 1) {
        errors->push_back(Cat(path, ": #: ", n, " subschemas matched instead of one"));
      }
    }
    if (auto no = s.find("not"); no != s.end()) {
      std::vector<std::string> inner;
      Check(doc, *no, v, path, &inner, depth + 1);
      if (inner.empty()) errors->push_back(Cat(path, ": subject must not be valid against schema"));
    }
  }

 private:
  size_t Matching(const JsonSchemaDocuments::Doc& doc, const ojson& members, const JsonValue& v,
                  int depth) {
    size_t n = 0;
    for (const ojson& m : members) {
      std::vector<std::string> inner;
      Check(doc, m, v, "#", &inner, depth + 1);
      n += inner.empty();
    }
    return n;
  }

  void Numeric(const ojson& s, const JsonValue& v, const std::string& path,
               std::vector<std::string>* errors) {
    const double x = v.number;
    auto bound = [&](const char* key, bool lower, bool exclusive_flag) {
      auto m = s.find(key);
      if (m == s.end() || !m->is_number()) return;
      const double limit = m->get<double>();
      // draft 4's boolean exclusiveMinimum/exclusiveMaximum.
      bool exclusive = exclusive_flag;
      const char* flag = lower ? "exclusiveMinimum" : "exclusiveMaximum";
      if (!exclusive_flag) {
        if (auto f = s.find(flag); f != s.end() && f->is_boolean()) exclusive = f->get<bool>();
      }
      const bool bad =
          lower ? (exclusive ? x <= limit : x < limit) : (exclusive ? x >= limit : x > limit);
      if (bad) {
        errors->push_back(Cat(path, ": ", v.text, " is not ",
                              lower ? (exclusive ? "greater than " : "greater or equal to ")
                                    : (exclusive ? "less than " : "less or equal to "),
                              m->dump()));
      }
    };
    bound("minimum", true, false);
    bound("maximum", false, false);
    bound("exclusiveMinimum", true, true);
    bound("exclusiveMaximum", false, true);
    if (auto m = s.find("multipleOf"); m != s.end() && m->is_number() && m->get<double>() > 0) {
      const double q = x / m->get<double>();
      if (std::abs(q - std::round(q)) > 1e-9 * std::max(1.0, std::abs(q))) {
        errors->push_back(Cat(path, ": ", v.text, " is not a multiple of ", m->dump()));
      }
    }
  }

  void Text(const ojson& s, const JsonValue& v, const std::string& path,
            std::vector<std::string>* errors) {
    const size_t n = CodePoints(v.text);
    if (auto m = s.find("minLength");
        m != s.end() && m->is_number() && static_cast<double>(n) < m->get<double>()) {
      errors->push_back(Cat(path, ": expected minLength: ", m->dump(), ", actual: ", n));
    }
    if (auto m = s.find("maxLength");
        m != s.end() && m->is_number() && static_cast<double>(n) > m->get<double>()) {
      errors->push_back(Cat(path, ": expected maxLength: ", m->dump(), ", actual: ", n));
    }
    if (auto p = s.find("pattern"); p != s.end() && p->is_string()) {
      const std::string pattern = p->get<std::string>();
      auto it = patterns_.find(pattern);
      if (it == patterns_.end()) {
        std::optional<std::regex> re;
        try {
          re.emplace(pattern, std::regex::ECMAScript);
        } catch (const std::regex_error&) {
          re.reset();
        }
        it = patterns_.emplace(pattern, std::move(re)).first;
      }
      if (!it->second) {
        errors->push_back(Cat(path, ": the schema's pattern ", pattern, " is not a valid regex"));
      } else if (!std::regex_search(v.text, *it->second)) {
        errors->push_back(Cat(path, ": string [", v.text, "] does not match pattern ", pattern));
      }
    }
  }

  void Object(const JsonSchemaDocuments::Doc& doc, const ojson& s, const JsonValue& v,
              const std::string& path, std::vector<std::string>* errors, int depth) {
    if (auto r = s.find("required"); r != s.end() && r->is_array()) {
      for (const ojson& name : *r) {
        if (name.is_string() && v.Find(name.get<std::string>()) == nullptr) {
          errors->push_back(Cat(path, ": required key [", name.get<std::string>(), "] not found"));
        }
      }
    }
    auto count = [&](const char* key, bool min) {
      if (auto m = s.find(key); m != s.end() && m->is_number()) {
        const double n = static_cast<double>(v.members.size());
        if (min ? n < m->get<double>() : n > m->get<double>()) {
          errors->push_back(Cat(path, ": ", min ? "minimum" : "maximum", " size: [", m->dump(),
                                "], found: [", v.members.size(), "]"));
        }
      }
    };
    count("minProperties", true);
    count("maxProperties", false);
    const ojson* props = nullptr;
    if (auto p = s.find("properties"); p != s.end() && p->is_object()) props = &*p;
    auto additional = s.find("additionalProperties");
    for (const auto& [k, member] : v.members) {
      if (props != nullptr) {
        if (auto p = props->find(k); p != props->end()) {
          Check(doc, *p, member, Cat(path, "/", k), errors, depth + 1);
          continue;
        }
      }
      if (additional == s.end()) continue;
      if (additional->is_boolean() && !additional->get<bool>()) {
        errors->push_back(Cat(path, ": extraneous key [", k, "] is not permitted"));
      } else if (additional->is_object()) {
        Check(doc, *additional, member, Cat(path, "/", k), errors, depth + 1);
      }
    }
  }

  const JsonSchemaDocuments& docs_;
  std::map<std::string, std::optional<std::regex>> patterns_;
};

// ---------------------------------------------------------------------------
// Connect → JSON Schema and JSON.

class SchemaWriter {
 public:
  explicit SchemaWriter(const JsonSchemaDataOptions& o) : o_(o) {}

  absl::StatusOr<ojson> Write(const Schema& s, std::optional<int> index, bool ignore_optional) {
    ojson out = ojson::object();
    bool combined = false;
    switch (s.type()) {
      case Type::kInt8:
      case Type::kInt16:
      case Type::kInt32:
      case Type::kInt64:
        out["type"] = "integer";
        out[S(kConnectType)] = s.type() == Type::kInt8    ? "int8"
                               : s.type() == Type::kInt16 ? "int16"
                               : s.type() == Type::kInt32 ? "int32"
                                                          : "int64";
        break;
      case Type::kFloat32:
      case Type::kFloat64:
        out["type"] = "number";
        out[S(kConnectType)] = s.type() == Type::kFloat32 ? "float32" : "float64";
        break;
      case Type::kBoolean:
        out["type"] = "boolean";
        break;
      case Type::kString: {
        const std::string param = S(o_.generalized_sum_type_support ? kGeneralizedEnum : kJsonEnum);
        if (s.parameters().count(S(kGeneralizedEnum)) > 0 ||
            s.parameters().count(S(kJsonEnum)) > 0) {
          ojson values = ojson::array();
          for (const auto& [k, v] : s.parameters()) {
            if (!absl::StartsWith(k, param + ".")) continue;
            const std::string symbol = k.substr(param.size() + 1);
            values.push_back(symbol == kNullMarker ? ojson(nullptr) : ojson(symbol));
          }
          out["enum"] = std::move(values);
        } else {
          out["type"] = "string";
        }
        break;
      }
      case Type::kBytes:
        out["type"] = s.IsLogical(logical::kDecimal) && o_.decimal_numeric ? "number" : "string";
        out[S(kConnectType)] = "bytes";
        break;
      case Type::kArray: {
        if (!s.value_schema()) return absl::InvalidArgumentError("an ARRAY without element schema");
        absl::StatusOr<ojson> items = Write(*s.value_schema(), std::nullopt, false);
        if (!items.ok()) return items.status();
        out["type"] = "array";
        out["items"] = std::move(*items);
        break;
      }
      case Type::kMap: {
        if (!s.key_schema() || !s.value_schema()) {
          return absl::InvalidArgumentError("a MAP without key or value schema");
        }
        if (s.key_schema()->type() == Type::kString && !s.key_schema()->optional()) {
          absl::StatusOr<ojson> value = Write(*s.value_schema(), std::nullopt, false);
          if (!value.ok()) return value.status();
          out["type"] = "object";
          out["additionalProperties"] = std::move(*value);
        } else {
          absl::StatusOr<ojson> key = Write(*s.key_schema(), 0, false);
          if (!key.ok()) return key.status();
          absl::StatusOr<ojson> value = Write(*s.value_schema(), 1, false);
          if (!value.ok()) return value.status();
          out["type"] = "array";
          out["items"] = {{"type", "object"},
                          {"properties", {{"key", std::move(*key)}, {"value", std::move(*value)}}}};
        }
        out[S(kConnectType)] = "map";
        break;
      }
      case Type::kStruct:
        if (IsUnion(s)) {
          ojson members = ojson::array();
          if (s.optional()) members.push_back({{"type", "null"}});
          for (const Field& f : s.fields()) {
            SchemaPtr required = SchemaBuilder::From(*f.schema).Optional(false).Build();
            absl::StatusOr<ojson> m = Write(*required, f.index, true);
            if (!m.ok()) return m.status();
            members.push_back(std::move(*m));
          }
          out["oneOf"] = std::move(members);
          combined = true;
        } else if (s.optional() && !ignore_optional) {
          SchemaPtr required = SchemaBuilder::From(s).Optional(false).Build();
          absl::StatusOr<ojson> inner = Write(*required, std::nullopt, false);
          if (!inner.ok()) return inner.status();
          out["oneOf"] = ojson::array({ojson{{"type", "null"}}, std::move(*inner)});
          combined = true;
        } else {
          ojson props = ojson::object();
          for (const Field& f : s.fields()) {
            absl::StatusOr<ojson> p = Write(*f.schema, f.index, false);
            if (!p.ok())
              return absl::Status(p.status().code(), Cat(f.name, ": ", p.status().message()));
            props[f.name] = std::move(*p);
          }
          out["type"] = "object";
          out["properties"] = std::move(props);
          if (!o_.object_additional_properties) out["additionalProperties"] = false;
        }
        break;
    }
    if (!combined) {
      if (!s.name().empty()) out["title"] = s.name();
      if (s.version()) out[S(kConnectVersion)] = *s.version();
      if (!s.doc().empty()) out["description"] = s.doc();
      ojson params = ojson::object();
      for (const auto& [k, v] : s.parameters()) {
        if (!absl::StartsWith(k, ToAbsl(kJsonNamespace))) params[k] = v;
      }
      if (!params.empty()) out[S(kConnectParameters)] = std::move(params);
      if (s.default_value()) {
        absl::StatusOr<std::string> d = ConnectToJsonText(s, *s.default_value(), o_);
        if (!d.ok()) return d.status();
        out["default"] = ojson::parse(*d);
      }
      if (!ignore_optional && s.optional()) {
        ojson wrapped = ojson::object();
        wrapped["oneOf"] = ojson::array({ojson{{"type", "null"}}, std::move(out)});
        if (index) wrapped[S(kConnectIndex)] = *index;
        return wrapped;
      }
    }
    if (index) out[S(kConnectIndex)] = *index;
    return out;
  }

 private:
  const JsonSchemaDataOptions& o_;
};

absl::Status WriteValue(const Schema& s, const Value& v, const JsonSchemaDataOptions& o,
                        std::string* out, bool* wrote) {
  *wrote = true;
  if (v.is_null()) {
    if (s.default_value() && !o.ignore_default_for_nullables) {
      return WriteValue(s, *s.default_value(), o, out, wrote);
    }
    if (s.optional()) {
      out->append("null");
      return absl::OkStatus();
    }
    *wrote = false;
    return absl::OkStatus();
  }
  auto mismatch = [&] {
    return absl::InvalidArgumentError(
        Cat("Invalid type for ", TypeName(s.type()), ": ", JavaClassName(v)));
  };
  if (s.IsLogical(logical::kDecimal)) {
    if (v.kind() != Value::Kind::kDecimal) return mismatch();
    if (o.decimal_numeric) {
      out->append(BigDecimalToString(FromDecimal(v.as_decimal())));
    } else {
      json::AppendString(absl::Base64Escape(v.as_decimal().unscaled), out);
    }
    return absl::OkStatus();
  }
  switch (v.kind()) {
    case Value::Kind::kDate:
      out->append(absl::StrCat(v.as_date().days));
      return absl::OkStatus();
    case Value::Kind::kTime:
      out->append(absl::StrCat(v.as_time().micros / 1000));
      return absl::OkStatus();
    case Value::Kind::kTimestamp: {
      int64_t micros = v.as_timestamp().micros;
      int64_t millis = micros / 1000 - (micros % 1000 < 0 ? 1 : 0);
      out->append(absl::StrCat(millis));
      return absl::OkStatus();
    }
    default:
      break;
  }
  if (s.IsLogical(logical::kJson) && v.kind() == Value::Kind::kString) {
    absl::StatusOr<JsonValue> parsed = ParseJsonValue(v.as_string());
    if (!parsed.ok()) return parsed.status();
    out->append(parsed->Dump());
    return absl::OkStatus();
  }
  switch (s.type()) {
    case Type::kInt8:
    case Type::kInt16:
    case Type::kInt32:
    case Type::kInt64:
      if (v.kind() != Value::Kind::kInt) return mismatch();
      out->append(absl::StrCat(v.as_int()));
      return absl::OkStatus();
    case Type::kFloat32:
      if (v.kind() != Value::Kind::kFloat) return mismatch();
      json::AppendFloat(static_cast<float>(v.as_float()), out);
      return absl::OkStatus();
    case Type::kFloat64:
      if (v.kind() != Value::Kind::kFloat) return mismatch();
      json::AppendDouble(v.as_float(), out);
      return absl::OkStatus();
    case Type::kBoolean:
      if (v.kind() != Value::Kind::kBool) return mismatch();
      out->append(v.as_bool() ? "true" : "false");
      return absl::OkStatus();
    case Type::kString:
      if (v.kind() != Value::Kind::kString) return mismatch();
      json::AppendString(v.as_string(), out);
      return absl::OkStatus();
    case Type::kBytes:
      if (v.kind() != Value::Kind::kBytes) return mismatch();
      json::AppendString(absl::Base64Escape(v.as_bytes().data), out);
      return absl::OkStatus();
    case Type::kArray: {
      if (v.kind() != Value::Kind::kArray) return mismatch();
      out->push_back('[');
      bool first = true;
      for (const Value& e : v.as_array()) {
        if (!first) out->push_back(',');
        first = false;
        bool w = false;
        if (absl::Status st = WriteValue(*s.value_schema(), e, o, out, &w); !st.ok()) return st;
        if (!w) out->append("null");
      }
      out->push_back(']');
      return absl::OkStatus();
    }
    case Type::kMap: {
      if (v.kind() != Value::Kind::kMap) return mismatch();
      const bool object = s.key_schema()->type() == Type::kString && !s.key_schema()->optional();
      out->push_back(object ? '{' : '[');
      bool first = true;
      for (const auto& [k, val] : v.as_map()) {
        if (!first) out->push_back(',');
        first = false;
        bool w = false;
        if (object) {
          if (k.kind() != Value::Kind::kString) return mismatch();
          json::AppendString(k.as_string(), out);
          out->push_back(':');
          if (absl::Status st = WriteValue(*s.value_schema(), val, o, out, &w); !st.ok()) return st;
          if (!w) out->append("null");
        } else {
          out->append("{\"key\":");
          if (absl::Status st = WriteValue(*s.key_schema(), k, o, out, &w); !st.ok()) return st;
          if (!w) out->append("null");
          out->append(",\"value\":");
          if (absl::Status st = WriteValue(*s.value_schema(), val, o, out, &w); !st.ok()) return st;
          if (!w) out->append("null");
          out->push_back('}');
        }
      }
      out->push_back(object ? '}' : ']');
      return absl::OkStatus();
    }
    case Type::kStruct: {
      if (v.kind() != Value::Kind::kStruct) return mismatch();
      const ::ferry::Struct& st = v.as_struct();
      if (st.schema != nullptr && st.schema.get() != &s && !st.schema->Equals(s)) {
        return absl::InvalidArgumentError("Mismatching schema.");
      }
      if (IsUnion(s)) {
        for (const Field& f : s.fields()) {
          const Value& member = st.values.at(f.index);
          if (!member.is_null()) return WriteValue(*f.schema, member, o, out, wrote);
        }
        // No member set: a null union.
        if (s.optional()) {
          out->append("null");
        } else {
          *wrote = false;
        }
        return absl::OkStatus();
      }
      out->push_back('{');
      bool first = true;
      for (const Field& f : s.fields()) {
        std::string member;
        bool w = false;
        if (absl::Status e = WriteValue(*f.schema, st.values.at(f.index), o, &member, &w);
            !e.ok()) {
          return absl::Status(e.code(), Cat(f.name, ": ", e.message()));
        }
        if (!w) continue;
        if (!first) out->push_back(',');
        first = false;
        json::AppendString(f.name, out);
        out->push_back(':');
        out->append(member);
      }
      out->push_back('}');
      return absl::OkStatus();
    }
  }
  return mismatch();
}

}  // namespace

const JsonValue* JsonValue::Find(std::string_view key) const {
  for (const auto& [k, v] : members) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string_view JsonValue::TypeName() const {
  switch (kind) {
    case Kind::kNull:
      return "NULL";
    case Kind::kBool:
      return "BOOLEAN";
    case Kind::kInteger:
    case Kind::kNumber:
      return "NUMBER";
    case Kind::kString:
      return "STRING";
    case Kind::kArray:
      return "ARRAY";
    case Kind::kObject:
      return "OBJECT";
  }
  return "MISSING";
}

std::string JsonValue::Dump() const {
  std::string out;
  DumpTo(*this, &out);
  return out;
}

absl::StatusOr<JsonValue> ParseJsonValue(std::string_view text) {
  Builder builder;
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(text.begin(), text.end(), &builder,
                                   nlohmann::json::input_format_t::json, /*strict=*/true);
  } catch (const std::exception& e) {
    builder.error_ = e.what();
    ok = false;
  }
  if (!ok || !builder.result_) {
    if (builder.too_deep_) {
      return absl::InvalidArgumentError(Cat("the JSON nests deeper than ", kMaxDepth, " levels"));
    }
    return absl::InvalidArgumentError(
        Cat("the payload is not JSON: ", builder.error_.empty() ? "incomplete" : builder.error_));
  }
  return std::move(*builder.result_);
}

absl::StatusOr<std::unique_ptr<JsonSchemaDocuments>> JsonSchemaDocuments::Create(
    std::string_view root, const std::vector<Reference>& references) {
  auto docs = std::unique_ptr<JsonSchemaDocuments>(new JsonSchemaDocuments());
  auto add = [&](std::string name, std::string_view text) -> absl::Status {
    ojson j = ojson::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      return absl::InvalidArgumentError(
          Cat(name.empty() ? std::string("the schema") : Cat("reference ", name),
              " is not a JSON document"));
    }
    docs->docs_.push_back(Doc{std::move(name), std::move(j)});
    return absl::OkStatus();
  };
  if (absl::Status s = add("", root); !s.ok()) return s;
  for (const Reference& r : references) {
    if (absl::Status s = add(r.name, r.text); !s.ok()) return s;
  }
  return docs;
}

std::string JsonSchemaDocuments::Title() const {
  const ojson& r = root();
  if (r.is_object()) {
    auto t = r.find("title");
    if (t != r.end() && t->is_string()) return t->get<std::string>();
  }
  return "";
}

absl::StatusOr<std::pair<const JsonSchemaDocuments::Doc*, const ojson*>>
JsonSchemaDocuments::Resolve(const Doc& from, const std::string& ref) const {
  const size_t hash = ref.find('#');
  const std::string base = ref.substr(0, hash);
  const std::string fragment = hash == std::string::npos ? "" : ref.substr(hash + 1);
  const Doc* doc = &from;
  if (!base.empty()) {
    doc = nullptr;
    for (const Doc& d : docs_) {
      std::string id;
      if (d.json.is_object()) {
        auto it = d.json.find("$id");
        if (it == d.json.end()) it = d.json.find("id");
        if (it != d.json.end() && it->is_string()) id = it->get<std::string>();
      }
      const std::string id_base = id.substr(0, id.find('#'));
      if ((!d.name.empty() && d.name == base) || (!id_base.empty() && id_base == base) ||
          (!id_base.empty() && absl::EndsWith(id_base, Cat("/", base)))) {
        doc = &d;
        break;
      }
    }
    if (doc == nullptr) {
      return absl::InvalidArgumentError(
          Cat("$ref ", ref, ": no reference of the schema is named ", base));
    }
  }
  const ojson* target = Pointer(doc->json, fragment);
  if (target == nullptr) {
    return absl::InvalidArgumentError(Cat("$ref ", ref, " points at nothing"));
  }
  return std::pair<const Doc*, const ojson*>{doc, target};
}

absl::StatusOr<SchemaPtr> JsonSchemaDocuments::ToConnectSchema(
    std::optional<int> version, const JsonSchemaDataOptions& options) const {
  SchemaReader reader(*this, options);
  return reader.Convert(root_doc(), root(), version, false);
}

absl::Status JsonSchemaDocuments::Validate(const JsonValue& value) const {
  Validator validator(*this);
  std::vector<std::string> errors;
  validator.Check(root_doc(), root(), value, "#", &errors, 0);
  if (errors.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
}

absl::StatusOr<Value> JsonToConnectValue(const SchemaPtr& schema, const JsonValue* value,
                                         const JsonSchemaDataOptions& options) {
  ValueReader reader(options);
  return reader.Read(schema, value);
}

absl::StatusOr<std::string> ConnectToJsonSchema(const Schema& schema,
                                                const JsonSchemaDataOptions& options) {
  SchemaWriter writer(options);
  absl::StatusOr<ojson> out = writer.Write(schema, std::nullopt, false);
  if (!out.ok()) return out.status();
  return out->dump();
}

absl::StatusOr<std::string> ConnectToJsonText(const Schema& schema, const Value& value,
                                              const JsonSchemaDataOptions& options) {
  std::string out;
  bool wrote = false;
  if (absl::Status s = WriteValue(schema, value, options, &out, &wrote); !s.ok()) return s;
  if (!wrote) return std::string("null");
  return out;
}

}  // namespace ferry::internal
