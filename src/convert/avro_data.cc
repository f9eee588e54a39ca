#include "convert/avro_data.h"

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "convert/absl_compat.h"

namespace ferry::internal {
namespace {

using json = nlohmann::ordered_json;

constexpr char kDefaultSchemaName[] = "ConnectDefault";
constexpr char kDefaultSchemaFullName[] = "io.confluent.connect.avro.ConnectDefault";
constexpr char kMapEntry[] = "MapEntry";
constexpr char kConnectName[] = "connect.name";
constexpr char kConnectDoc[] = "connect.doc";
constexpr char kConnectVersion[] = "connect.version";
constexpr char kConnectDefault[] = "connect.default";
constexpr char kConnectParameters[] = "connect.parameters";
constexpr char kConnectInternalType[] = "connect.internal.type";
constexpr char kConnectType[] = "connect.type";
constexpr char kRecordDoc[] = "io.confluent.connect.avro.record.doc";
constexpr char kEnumDocPrefix[] = "io.confluent.connect.avro.enum.doc.";
constexpr char kFieldDocPrefix[] = "io.confluent.connect.avro.field.doc.";
constexpr char kFieldDefaultFlag[] = "io.confluent.connect.avro.field.default";
constexpr char kEnumDefaultPrefix[] = "io.confluent.connect.avro.enum.default.";
constexpr int kDefaultDecimalPrecision = 64;

absl::Status DataError(std::string message) {
  return absl::InvalidArgumentError(std::move(message));
}

std::string S(std::string_view s) { return std::string(s); }

bool IsUnionSchema(const Schema& s) { return s.name() == kAvroUnion; }

bool IsEnumSchema(const Schema& s) {
  return s.type() == Type::kString && s.parameters().count(S(kAvroEnum)) > 0;
}

bool IsFixedSchema(const Schema& s) {
  return s.type() == Type::kBytes && !s.name().empty() &&
         s.parameters().count(S(kConnectFixedSize)) > 0;
}

// The "avro*" attributes AvroData copies into parameters, as Java's
// JsonNode.toString() / String prints them.
std::string PropText(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

bool IsNullNode(const AvroNode* n) { return n->kind == AvroKind::kNull; }

// How AvroData reads a union: flattened (one branch), optional (null and
// one other), or a Connect Union struct.
enum class UnionShape { kFlattened, kOptional, kStruct };

UnionShape ShapeOf(const AvroNode& u, const AvroDataOptions& options) {
  if (u.branches.size() == 1 && options.flatten_singleton_unions) return UnionShape::kFlattened;
  if (u.branches.size() == 2 && (IsNullNode(u.branches[0]) || IsNullNode(u.branches[1]))) {
    return UnionShape::kOptional;
  }
  return UnionShape::kStruct;
}

const AvroNode* NonNullBranch(const AvroNode& u) {
  return IsNullNode(u.branches[0]) ? u.branches[1] : u.branches[0];
}

std::string UnionMemberFieldName(const AvroNode& n, const AvroDataOptions& options) {
  if (n.named()) {
    return options.enhanced_schema_support ? n.full_name : S(n.SimpleName());
  }
  return S(AvroKindName(n.kind));
}

bool IsMapEntry(const AvroNode& n) {
  if (n.kind != AvroKind::kRecord) return false;
  if (n.Namespace() == kAvroNamespace && n.SimpleName() == kMapEntry) return true;
  return n.StringProp(kConnectInternalType) == std::optional<std::string>(kMapEntry);
}

// UTF-8 text of a JSON default whose code points are bytes (Avro's JSON
// encoding of bytes and fixed: ISO-8859-1).
std::optional<std::string> Latin1Bytes(const std::string& utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else if ((c & 0xE0) == 0xC0 && i + 1 < utf8.size()) {
      const uint32_t cp = ((c & 0x1F) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3F);
      if (cp > 0xFF) return std::nullopt;
      out.push_back(static_cast<char>(cp));
      i += 2;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::string Latin1ToUtf8(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

// BigInteger(bytes).toByteArray(): the shortest two's complement form.
std::string MinimalTwosComplement(std::string b) {
  size_t i = 0;
  while (i + 1 < b.size() && ((b[i] == 0 && (static_cast<unsigned char>(b[i + 1]) & 0x80) == 0) ||
                              (static_cast<unsigned char>(b[i]) == 0xFF &&
                               (static_cast<unsigned char>(b[i + 1]) & 0x80) != 0))) {
    ++i;
  }
  return b.substr(i);
}

int DecimalScale(const Schema& s) {
  int scale = 0;
  if (auto it = s.parameters().find(S(logical::kDecimalScaleParam)); it != s.parameters().end()) {
    (void)absl::SimpleAtoi(it->second, &scale);
  }
  return scale;
}

// Connect logical conversion of a primitive (Date, Time, Timestamp, Decimal).
absl::StatusOr<Value> ToLogical(const Schema& s, Value v) {
  if (v.is_null()) return v;
  const std::string& name = s.name();
  if (name == logical::kDecimal) {
    if (v.kind() != Value::Kind::kBytes) {
      return DataError("Invalid type for Decimal, underlying representation should be bytes");
    }
    if (v.as_bytes().data.empty()) {
      return DataError("Invalid Decimal: zero length unscaled value (BigInteger)");
    }
    return Value(Decimal{MinimalTwosComplement(v.as_bytes().data), DecimalScale(s)});
  }
  if (name == logical::kDate) {
    return Value(Date{static_cast<int32_t>(v.as_int())});
  }
  if (name == logical::kTime) {
    return Value(TimeOfDay{v.as_int() * 1000});
  }
  if (name == logical::kTimestamp) {
    const int64_t ms = v.as_int();
    if (ms > std::numeric_limits<int64_t>::max() / 1000 ||
        ms < std::numeric_limits<int64_t>::min() / 1000) {
      return DataError(Cat("Timestamp ", ms, " ms is out of range"));
    }
    return Value(Timestamp{ms * 1000});
  }
  return v;
}

// ---------------------------------------------------------------------------
// Avro → Connect schema

class ToConnect {
 public:
  explicit ToConnect(const AvroDataOptions& options) : options_(options) {}

  absl::StatusOr<SchemaPtr> Convert(const AvroNode& n, bool force_optional,
                                    const json* field_default,
                                    const std::optional<std::string>& doc_default,
                                    std::optional<int> version) {
    const std::optional<std::string> type = n.StringProp(kConnectType);
    const std::optional<std::string> logical_type = n.StringProp("logicalType");
    std::optional<SchemaBuilder> builder;
    switch (n.kind) {
      case AvroKind::kBoolean:
        builder.emplace(Type::kBoolean);
        break;
      case AvroKind::kBytes:
      case AvroKind::kFixed:
        if (logical_type && absl::EqualsIgnoreCase(*logical_type, "decimal")) {
          int scale = 0;
          if (const json* sc = n.Prop("scale"); sc != nullptr && sc->is_number()) {
            scale = sc->get<int>();
          }
          builder.emplace(SchemaBuilder::From(*Schema::Decimal(scale)));
          if (const json* p = n.Prop("precision"); p != nullptr) {
            if (!p->is_number()) {
              return DataError(
                  "precision property must be a JSON Integer. "
                  "https://avro.apache.org/docs/1.9.1/spec.html#Decimal");
            }
            const int precision = p->get<int>();
            if (precision != kDefaultDecimalPrecision) {
              builder->Parameter(S(kConnectDecimalPrecision), std::to_string(precision));
            }
          }
        } else {
          builder.emplace(Type::kBytes);
        }
        if (n.kind == AvroKind::kFixed) {
          builder->Parameter(S(kConnectFixedSize), std::to_string(n.size));
        }
        break;
      case AvroKind::kDouble:
        builder.emplace(Type::kFloat64);
        break;
      case AvroKind::kFloat:
        builder.emplace(Type::kFloat32);
        break;
      case AvroKind::kInt:
        if (!type && !logical_type) {
          builder.emplace(Type::kInt32);
        } else if (logical_type) {
          if (absl::EqualsIgnoreCase(*logical_type, "date")) {
            builder.emplace(SchemaBuilder::From(*Schema::Date()));
          } else if (absl::EqualsIgnoreCase(*logical_type, "time-millis")) {
            builder.emplace(SchemaBuilder::From(*Schema::Time()));
          } else {
            builder.emplace(Type::kInt32);
          }
        } else if (*type == "int8") {
          builder.emplace(Type::kInt8);
        } else if (*type == "int16") {
          builder.emplace(Type::kInt16);
        } else {
          return DataError("Connect type annotation for Avro int field is null");
        }
        break;
      case AvroKind::kLong:
        if (logical_type && absl::EqualsIgnoreCase(*logical_type, "timestamp-millis")) {
          builder.emplace(SchemaBuilder::From(*Schema::Timestamp()));
        } else {
          builder.emplace(Type::kInt64);
        }
        break;
      case AvroKind::kString:
        builder.emplace(Type::kString);
        break;
      case AvroKind::kArray: {
        const AvroNode& elem = *n.items;
        if (IsMapEntry(elem)) {
          const AvroField* key = nullptr;
          const AvroField* value = nullptr;
          for (const AvroField& f : elem.fields) {
            if (f.name == "key") key = &f;
            if (f.name == "value") value = &f;
          }
          if (elem.fields.size() != 2 || key == nullptr || value == nullptr) {
            return DataError(
                "Found map encoded as array of key-value pairs, but array elements do not match "
                "the expected format.");
          }
          absl::StatusOr<SchemaPtr> k = Convert(*key->type, false, nullptr, std::nullopt, {});
          if (!k.ok()) return k.status();
          absl::StatusOr<SchemaPtr> v = Convert(*value->type, false, nullptr, std::nullopt, {});
          if (!v.ok()) return v.status();
          builder.emplace(SchemaBuilder::Map(*k, *v));
        } else {
          absl::StatusOr<SchemaPtr> items = Convert(elem, false, nullptr, std::nullopt, {});
          if (!items.ok()) return items.status();
          builder.emplace(SchemaBuilder::Array(*items));
        }
        break;
      }
      case AvroKind::kMap: {
        absl::StatusOr<SchemaPtr> values = Convert(*n.items, false, nullptr, std::nullopt, {});
        if (!values.ok()) return values.status();
        builder.emplace(SchemaBuilder::Map(Schema::String(), *values));
        break;
      }
      case AvroKind::kRecord: {
        for (const AvroNode* open : stack_) {
          if (open == &n) {
            return DataError(Cat("record ", n.full_name,
                                 " contains itself; recursive Avro schemas have no "
                                 "Connect schema in ferry"));
          }
        }
        stack_.push_back(&n);
        builder.emplace(SchemaBuilder::Struct());
        if (options_.connect_meta_data && n.doc) builder->Parameter(kRecordDoc, *n.doc);
        for (const AvroField& f : n.fields) {
          if (options_.connect_meta_data && f.doc) {
            builder->Parameter(Cat(kFieldDocPrefix, f.name), *f.doc);
          }
          const json* def = f.default_value ? &*f.default_value : nullptr;
          absl::StatusOr<SchemaPtr> fs = Convert(*f.type, false, def, f.doc, {});
          if (!fs.ok()) {
            stack_.pop_back();
            return fs.status();
          }
          SchemaPtr field_schema = *fs;
          if (options_.connect_meta_data) {
            auto params = f.props.find(kConnectParameters);
            if (params != f.props.end() && params->is_object()) {
              field_schema = WithFieldParameters(field_schema, *params);
            }
          }
          builder->AddField(f.name, field_schema);
        }
        stack_.pop_back();
        break;
      }
      case AvroKind::kEnum: {
        builder.emplace(Type::kString);
        if (options_.connect_meta_data) {
          if (n.doc) builder->Parameter(Cat(kEnumDocPrefix, n.SimpleName()), *n.doc);
          if (n.enum_default) {
            builder->Parameter(Cat(kEnumDefaultPrefix, n.SimpleName()), *n.enum_default);
          }
        }
        builder->Parameter(S(kAvroEnum), n.full_name);
        for (const std::string& symbol : n.symbols) {
          builder->Parameter(Cat(kAvroEnum, ".", symbol), symbol);
        }
        break;
      }
      case AvroKind::kUnion: {
        switch (ShapeOf(n, options_)) {
          case UnionShape::kFlattened:
            return Convert(*n.branches[0], false, nullptr, doc_default, {});
          case UnionShape::kOptional:
            return Convert(*NonNullBranch(n), true, nullptr, doc_default, {});
          case UnionShape::kStruct:
            break;
        }
        builder.emplace(SchemaBuilder::Struct());
        builder->Name(S(kAvroUnion));
        std::set<std::string> names;
        for (const AvroNode* member : n.branches) {
          if (IsNullNode(member)) {
            builder->Optional();
            continue;
          }
          const std::string name = UnionMemberFieldName(*member, options_);
          if (!names.insert(name).second) {
            return DataError("Multiple union schemas map to the Connect union field name");
          }
          absl::StatusOr<SchemaPtr> ms = Convert(*member, true, nullptr, std::nullopt, {});
          if (!ms.ok()) return ms.status();
          builder->AddField(name, *ms);
        }
        break;
      }
      case AvroKind::kNull:
        return DataError("Standalone null schemas are not supported by this converter");
    }

    if (options_.connect_meta_data) {
      if (std::optional<std::string> doc = n.StringProp(kConnectDoc)) builder->Doc(*doc);
    }
    std::optional<int> connect_version;
    if (const json* v = n.Prop(kConnectVersion); v != nullptr) {
      if (!v->is_number()) return DataError(Cat("Invalid Connect version found: ", v->dump()));
      connect_version = v->get<int>();
    } else if (version) {
      connect_version = version;
    }
    SchemaPtr sofar = builder->Build();
    if (connect_version && *connect_version >= 0) {
      if (sofar->version() && *sofar->version() != *connect_version) {
        return DataError(Cat("Mismatched versions: version already added to SchemaBuilder (",
                             *sofar->version(), ") differs from version in source schema (",
                             *connect_version, ")"));
      }
      builder->Version(connect_version);
    }
    if (options_.connect_meta_data) {
      if (const json* params = n.Prop(kConnectParameters); params != nullptr) {
        if (!params->is_object()) {
          return DataError(
              Cat("Expected JSON object for schema parameters but found: ", params->dump()));
        }
        for (auto it = params->begin(); it != params->end(); ++it) {
          if (!it.value().is_string()) {
            return DataError(Cat("Expected schema parameters values to be strings but found: ",
                                 it.value().dump()));
          }
          builder->Parameter(it.key(), it.value().get<std::string>());
        }
      }
    }
    for (auto it = n.props.begin(); it != n.props.end(); ++it) {
      if (absl::StartsWith(it.key(), "avro")) builder->Parameter(it.key(), PropText(it.value()));
    }
    const json* connect_default = n.Prop(kConnectDefault);
    const json* default_json = field_default;
    if (default_json == nullptr) {
      default_json = connect_default;
    } else if (options_.connect_meta_data && connect_default == nullptr) {
      builder->Parameter(kFieldDefaultFlag, "true");
    }

    std::string name;
    if (const json* cn = n.Prop(kConnectName); cn != nullptr) {
      if (!cn->is_string()) return DataError(Cat("Invalid schema name: ", cn->dump()));
      name = cn->get<std::string>();
    } else if (n.kind == AvroKind::kRecord || n.kind == AvroKind::kEnum) {
      name = n.full_name;
    } else if (n.kind == AvroKind::kFixed && sofar->name() != logical::kDecimal) {
      name = n.full_name;
    }
    if (!name.empty() && !absl::StartsWith(name, kDefaultSchemaFullName)) {
      if (!sofar->name().empty()) {
        if (name != sofar->name()) {
          return DataError(Cat("Mismatched names: name already added to SchemaBuilder (",
                               sofar->name(), ") differs from name in source schema (", name, ")"));
        }
      } else {
        builder->Name(name);
      }
    }
    if (force_optional) builder->Optional();
    if (default_json != nullptr) {
      // A default that does not fit is dropped, as AvroData logs and ignores it.
      SchemaPtr without = builder->Build();
      absl::StatusOr<Value> def = DefaultFromAvro(*without, n, *default_json);
      if (def.ok() && !def->is_null() && ValidateValue(*without, *def).empty()) {
        builder->Default(*def);
      }
    }
    return builder->Build();
  }

 private:
  // AvroData.applyFieldLevelParams.
  static SchemaPtr WithFieldParameters(const SchemaPtr& original, const json& params) {
    bool same = true;
    for (auto it = params.begin(); it != params.end(); ++it) {
      auto p = original->parameters().find(it.key());
      if (p == original->parameters().end() || p->second != PropText(it.value())) same = false;
    }
    if (same) return original;
    SchemaBuilder b = SchemaBuilder::From(*original);
    for (auto it = params.begin(); it != params.end(); ++it) {
      b.Parameter(it.key(), PropText(it.value()));
    }
    return b.Build();
  }

 public:
  // AvroData.defaultValueFromAvro for JSON defaults.
  absl::StatusOr<Value> DefaultFromAvro(const Schema& s, const AvroNode& n, const json& j) {
    absl::StatusOr<Value> raw = DefaultWithoutLogical(s, n, j);
    if (!raw.ok()) return raw.status();
    return ToLogical(s, std::move(*raw));
  }

 private:
  absl::StatusOr<Value> DefaultWithoutLogical(const Schema& s, const AvroNode& n, const json& j) {
    if (j.is_null()) return Value();
    auto bad = [&] {
      return DataError(Cat("Invalid default for ", AvroKindName(n.kind), ": ", j.dump()));
    };
    switch (n.kind) {
      case AvroKind::kInt:
      case AvroKind::kLong:
        if (!j.is_number_integer()) return bad();
        return Value(j.get<int64_t>());
      case AvroKind::kFloat:
        if (!j.is_number()) return bad();
        return Value(static_cast<double>(static_cast<float>(j.get<double>())));
      case AvroKind::kDouble:
        if (!j.is_number()) return bad();
        return Value(j.get<double>());
      case AvroKind::kBoolean:
        if (!j.is_boolean()) return bad();
        return Value(j.get<bool>());
      case AvroKind::kNull:
        return Value();
      case AvroKind::kString:
      case AvroKind::kEnum:
        if (!j.is_string()) return bad();
        return Value(j.get<std::string>());
      case AvroKind::kBytes:
      case AvroKind::kFixed: {
        if (!j.is_string()) return bad();
        std::optional<std::string> bytes = Latin1Bytes(j.get<std::string>());
        if (!bytes) return DataError("Invalid binary data in default value");
        return Value(Bytes{*bytes});
      }
      case AvroKind::kArray: {
        if (!j.is_array() || s.type() != Type::kArray) {
          return DataError("Invalid JSON for array default value");
        }
        Array out;
        for (const json& e : j) {
          absl::StatusOr<Value> v = DefaultFromAvro(*s.value_schema(), *n.items, e);
          if (!v.ok()) return v.status();
          out.push_back(std::move(*v));
        }
        return Value(std::move(out));
      }
      case AvroKind::kMap: {
        if (!j.is_object() || s.type() != Type::kMap) {
          return DataError("Invalid JSON for map default value");
        }
        Map out;
        for (auto it = j.begin(); it != j.end(); ++it) {
          absl::StatusOr<Value> v = DefaultFromAvro(*s.value_schema(), *n.items, it.value());
          if (!v.ok()) return v.status();
          out.emplace_back(Value(it.key()), std::move(*v));
        }
        return Value(std::move(out));
      }
      case AvroKind::kRecord: {
        if (!j.is_object() || s.type() != Type::kStruct) {
          return DataError("Invalid JSON for record default value");
        }
        std::vector<Value> values;
        for (size_t i = 0; i < n.fields.size() && i < s.fields().size(); ++i) {
          auto it = j.find(n.fields[i].name);
          absl::StatusOr<Value> v = DefaultFromAvro(*s.fields()[i].schema, *n.fields[i].type,
                                                    it == j.end() ? json(nullptr) : *it);
          if (!v.ok()) return v.status();
          values.push_back(std::move(*v));
        }
        return Value(Struct{std::make_shared<Schema>(s), std::move(values)});
      }
      case AvroKind::kUnion: {
        // Defaults match a union's first branch.
        const AvroNode* first = n.branches.empty() ? nullptr : n.branches[0];
        if (first == nullptr || IsNullNode(first)) return Value();
        if (IsUnionSchema(s)) return bad();
        return DefaultFromAvro(s, *first, j);
      }
    }
    return bad();
  }

  const AvroDataOptions& options_;
  std::vector<const AvroNode*> stack_;
};

// ---------------------------------------------------------------------------
// Avro datum → Connect value

class ToValue {
 public:
  explicit ToValue(const AvroDataOptions& options) : options_(options) {}

  absl::StatusOr<Value> Convert(const AvroNode& n, const SchemaPtr& sp, avro_value_t* v) {
    const Schema& s = *sp;
    switch (n.kind) {
      case AvroKind::kNull:
        return Value();
      case AvroKind::kBoolean: {
        int b = 0;
        if (avro_value_get_boolean(v, &b) != 0) return LibavroError();
        return Value(b != 0);
      }
      case AvroKind::kInt: {
        int32_t i = 0;
        if (avro_value_get_int(v, &i) != 0) return LibavroError();
        if (s.type() == Type::kInt8 && (i < INT8_MIN || i > INT8_MAX)) {
          return DataError(Cat("Invalid value ", i, " for INT8 (connect.type int8)"));
        }
        if (s.type() == Type::kInt16 && (i < INT16_MIN || i > INT16_MAX)) {
          return DataError(Cat("Invalid value ", i, " for INT16 (connect.type int16)"));
        }
        return ToLogical(s, Value(static_cast<int64_t>(i)));
      }
      case AvroKind::kLong: {
        int64_t l = 0;
        if (avro_value_get_long(v, &l) != 0) return LibavroError();
        return ToLogical(s, Value(l));
      }
      case AvroKind::kFloat: {
        float f = 0;
        if (avro_value_get_float(v, &f) != 0) return LibavroError();
        return Value(static_cast<double>(f));
      }
      case AvroKind::kDouble: {
        double d = 0;
        if (avro_value_get_double(v, &d) != 0) return LibavroError();
        return Value(d);
      }
      case AvroKind::kBytes:
      case AvroKind::kFixed: {
        const void* buf = nullptr;
        size_t size = 0;
        const int rc = n.kind == AvroKind::kBytes ? avro_value_get_bytes(v, &buf, &size)
                                                  : avro_value_get_fixed(v, &buf, &size);
        if (rc != 0) return LibavroError();
        return ToLogical(s, Value(Bytes{std::string(static_cast<const char*>(buf), size)}));
      }
      case AvroKind::kString: {
        const char* str = nullptr;
        size_t size = 0;
        if (avro_value_get_string(v, &str, &size) != 0) return LibavroError();
        return Value(std::string(str, size > 0 ? size - 1 : 0));  // size counts the NUL.
      }
      case AvroKind::kEnum: {
        int index = 0;
        if (avro_value_get_enum(v, &index) != 0) return LibavroError();
        if (index < 0 || index >= static_cast<int>(n.symbols.size())) {
          return DataError(Cat("enum index ", index, " out of range"));
        }
        return Value(n.symbols[index]);
      }
      case AvroKind::kRecord: {
        std::vector<Value> values;
        values.reserve(n.fields.size());
        for (size_t i = 0; i < n.fields.size(); ++i) {
          avro_value_t child;
          if (avro_value_get_by_index(v, i, &child, nullptr) != 0) return LibavroError();
          absl::StatusOr<Value> fv = Convert(*n.fields[i].type, s.fields()[i].schema, &child);
          if (!fv.ok()) return fv.status();
          values.push_back(std::move(*fv));
        }
        return Value(Struct{sp, std::move(values)});
      }
      case AvroKind::kArray: {
        size_t count = 0;
        if (avro_value_get_size(v, &count) != 0) return LibavroError();
        if (s.type() == Type::kMap) {  // An array of MapEntry records.
          const AvroNode& entry = *n.items;
          size_t key_index = 0, value_index = 1;
          for (size_t i = 0; i < entry.fields.size(); ++i) {
            if (entry.fields[i].name == "key") key_index = i;
            if (entry.fields[i].name == "value") value_index = i;
          }
          Map out;
          out.reserve(count);
          for (size_t i = 0; i < count; ++i) {
            avro_value_t rec, key, value;
            if (avro_value_get_by_index(v, i, &rec, nullptr) != 0 ||
                avro_value_get_by_index(&rec, key_index, &key, nullptr) != 0 ||
                avro_value_get_by_index(&rec, value_index, &value, nullptr) != 0) {
              return LibavroError();
            }
            absl::StatusOr<Value> k = Convert(*entry.fields[key_index].type, s.key_schema(), &key);
            if (!k.ok()) return k.status();
            absl::StatusOr<Value> val =
                Convert(*entry.fields[value_index].type, s.value_schema(), &value);
            if (!val.ok()) return val.status();
            out.emplace_back(std::move(*k), std::move(*val));
          }
          return Value(std::move(out));
        }
        Array out;
        out.reserve(count);
        for (size_t i = 0; i < count; ++i) {
          avro_value_t child;
          if (avro_value_get_by_index(v, i, &child, nullptr) != 0) return LibavroError();
          absl::StatusOr<Value> e = Convert(*n.items, s.value_schema(), &child);
          if (!e.ok()) return e.status();
          out.push_back(std::move(*e));
        }
        return Value(std::move(out));
      }
      case AvroKind::kMap: {
        size_t count = 0;
        if (avro_value_get_size(v, &count) != 0) return LibavroError();
        Map out;
        out.reserve(count);
        for (size_t i = 0; i < count; ++i) {
          avro_value_t child;
          const char* key = nullptr;
          if (avro_value_get_by_index(v, i, &child, &key) != 0) return LibavroError();
          absl::StatusOr<Value> e = Convert(*n.items, s.value_schema(), &child);
          if (!e.ok()) return e.status();
          out.emplace_back(Value(std::string(key)), std::move(*e));
        }
        return Value(std::move(out));
      }
      case AvroKind::kUnion: {
        int discriminant = 0;
        avro_value_t branch;
        if (avro_value_get_discriminant(v, &discriminant) != 0 ||
            avro_value_get_current_branch(v, &branch) != 0) {
          return LibavroError();
        }
        if (discriminant < 0 || discriminant >= static_cast<int>(n.branches.size())) {
          return DataError("Did not find matching union field for data");
        }
        const AvroNode& member = *n.branches[discriminant];
        switch (ShapeOf(n, options_)) {
          case UnionShape::kFlattened:
          case UnionShape::kOptional:
            if (IsNullNode(&member)) return Value();
            return Convert(member, sp, &branch);
          case UnionShape::kStruct:
            break;
        }
        if (IsNullNode(&member)) return Value();
        int field = 0;
        for (int i = 0; i < discriminant; ++i) {
          if (!IsNullNode(n.branches[i])) ++field;
        }
        absl::StatusOr<Value> inner = Convert(member, s.fields()[field].schema, &branch);
        if (!inner.ok()) return inner.status();
        std::vector<Value> values(s.fields().size());
        values[field] = std::move(*inner);
        return Value(Struct{sp, std::move(values)});
      }
    }
    return DataError("Unknown Avro type");
  }

 private:
  static absl::Status LibavroError() { return DataError(Cat("libavro: ", avro_strerror())); }

  const AvroDataOptions& options_;
};

// ---------------------------------------------------------------------------
// Connect schema → Avro

std::string ScrubName(const std::string& name, bool scrub) {
  if (!scrub || name.empty()) return name;
  bool ok = !(name[0] >= '0' && name[0] <= '9');
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') ok = false;
  }
  if (ok) return name;
  // URLEncoder.encode, then every character that is not a letter, digit or
  // '_' becomes '_'.
  std::string encoded;
  for (unsigned char c : name) {
    if (absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '*' || c == '_') {
      encoded.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      encoded.push_back('+');
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      encoded.push_back('%');
      encoded.push_back(kHex[c >> 4]);
      encoded.push_back(kHex[c & 0xF]);
    }
  }
  if (encoded[0] >= '0' && encoded[0] <= '9') encoded = "x" + encoded;
  for (char& c : encoded) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  }
  return encoded;
}

class FromConnect {
 public:
  FromConnect(AvroSchema* out, const AvroDataOptions& options) : out_(out), options_(options) {}

  absl::StatusOr<const AvroNode*> Convert(const Schema& s, bool ignore_optional) {
    if (!IsUnionSchema(s) && !s.optional()) {
      for (const auto& [seen, node] : seen_) {
        if (seen->Equals(s)) return node;
      }
    }
    std::optional<std::string> connect_type;
    AvroNode* base = nullptr;
    switch (s.type()) {
      case Type::kInt8:
        connect_type = "int8";
        base = out_->NewNode(AvroKind::kInt);
        break;
      case Type::kInt16:
        connect_type = "int16";
        base = out_->NewNode(AvroKind::kInt);
        break;
      case Type::kInt32:
        base = out_->NewNode(AvroKind::kInt);
        break;
      case Type::kInt64:
        base = out_->NewNode(AvroKind::kLong);
        break;
      case Type::kFloat32:
        base = out_->NewNode(AvroKind::kFloat);
        break;
      case Type::kFloat64:
        base = out_->NewNode(AvroKind::kDouble);
        break;
      case Type::kBoolean:
        base = out_->NewNode(AvroKind::kBoolean);
        break;
      case Type::kString:
        if (options_.enhanced_schema_support && IsEnumSchema(s)) {
          base = out_->NewNode(AvroKind::kEnum);
          const std::string prefix = Cat(kAvroEnum, ".");
          for (const auto& [k, v] : s.parameters()) {
            if (absl::StartsWith(k, prefix)) base->symbols.push_back(k.substr(prefix.size()));
          }
          base->full_name = s.parameters().at(S(kAvroEnum));
          const std::string simple = SplitName(s.name()).second;
          if (auto d = s.parameters().find(Cat(kEnumDocPrefix, simple));
              d != s.parameters().end()) {
            base->doc = d->second;
          }
          if (auto d = s.parameters().find(Cat(kEnumDefaultPrefix, simple));
              d != s.parameters().end()) {
            base->enum_default = d->second;
          }
        } else {
          base = out_->NewNode(AvroKind::kString);
        }
        break;
      case Type::kBytes:
        if (IsFixedSchema(s)) {
          base = out_->NewNode(AvroKind::kFixed);
          base->full_name = FullName(s.name());
          (void)absl::SimpleAtoi(s.parameters().at(S(kConnectFixedSize)), &base->size);
        } else {
          base = out_->NewNode(AvroKind::kBytes);
        }
        if (s.name() == logical::kDecimal) {
          base->props["scale"] = DecimalScale(s);
          int precision = kDefaultDecimalPrecision;
          if (auto p = s.parameters().find(S(kConnectDecimalPrecision));
              p != s.parameters().end()) {
            (void)absl::SimpleAtoi(p->second, &precision);
          }
          base->props["precision"] = precision;
        }
        break;
      case Type::kArray: {
        base = out_->NewNode(AvroKind::kArray);
        absl::StatusOr<const AvroNode*> items = Convert(*s.value_schema(), false);
        if (!items.ok()) return items.status();
        base->items = *items;
        break;
      }
      case Type::kMap:
        if (s.key_schema()->type() == Type::kString &&
            (!s.key_schema()->optional() || options_.allow_optional_map_keys)) {
          base = out_->NewNode(AvroKind::kMap);
          absl::StatusOr<const AvroNode*> values = Convert(*s.value_schema(), false);
          if (!values.ok()) return values.status();
          base->items = *values;
        } else {
          AvroNode* entry = out_->NewNode(AvroKind::kRecord);
          if (s.name().empty()) {
            entry->full_name = Cat(kAvroNamespace, ".", kMapEntry);
          } else {
            entry->full_name = FullName(s.name());
            entry->props[kConnectInternalType] = kMapEntry;
          }
          for (const auto& [name, fs] :
               {std::pair{"key", s.key_schema()}, std::pair{"value", s.value_schema()}}) {
            absl::StatusOr<AvroField> f = RecordField(name, *fs, std::nullopt);
            if (!f.ok()) return f.status();
            entry->fields.push_back(std::move(*f));
          }
          base = out_->NewNode(AvroKind::kArray);
          base->items = entry;
        }
        break;
      case Type::kStruct:
        if (IsUnionSchema(s)) {
          AvroNode* u = out_->NewNode(AvroKind::kUnion);
          if (s.optional()) u->branches.push_back(out_->NewNode(AvroKind::kNull));
          for (const Field& f : s.fields()) {
            absl::StatusOr<const AvroNode*> member = Convert(*NonOptional(*f.schema), true);
            if (!member.ok()) return member.status();
            u->branches.push_back(*member);
          }
          return u;
        }
        if (s.optional()) {
          AvroNode* u = out_->NewNode(AvroKind::kUnion);
          u->branches.push_back(out_->NewNode(AvroKind::kNull));
          absl::StatusOr<const AvroNode*> inner = Convert(*NonOptional(s), false);
          if (!inner.ok()) return inner.status();
          u->branches.push_back(*inner);
          return u;
        }
        base = out_->NewNode(AvroKind::kRecord);
        base->full_name = FullName(s.name());
        if (auto d = s.parameters().find(kRecordDoc); d != s.parameters().end()) {
          base->doc = d->second;
        }
        for (const Field& f : s.fields()) {
          std::optional<std::string> doc;
          if (auto d = s.parameters().find(Cat(kFieldDocPrefix, f.name));
              d != s.parameters().end()) {
            doc = d->second;
          }
          absl::StatusOr<AvroField> field =
              RecordField(ScrubName(f.name, options_.scrub_invalid_names), *f.schema, doc);
          if (!field.ok()) return field.status();
          base->fields.push_back(std::move(*field));
        }
        break;
    }

    if (options_.connect_meta_data) {
      if (!s.doc().empty()) base->props[kConnectDoc] = s.doc();
      if (s.version()) base->props[kConnectVersion] = *s.version();
      json params = json::object();
      for (const auto& [k, v] : s.parameters()) {
        if (k != kFieldDefaultFlag) params[k] = v;
      }
      if (!params.empty()) base->props[kConnectParameters] = std::move(params);
      if (s.default_value() && !s.parameters().count(kFieldDefaultFlag)) {
        absl::StatusOr<json> d = DefaultJson(s, *s.default_value());
        if (!d.ok()) return d.status();
        base->props[kConnectDefault] = std::move(*d);
      }
      if (!s.name().empty()) base->props[kConnectName] = s.name();
      if (connect_type) base->props[kConnectType] = *connect_type;
    }
    if (s.name() == logical::kDecimal) {
      // LogicalTypes.decimal(precision, scale), or the legacy attribute when
      // scale and precision break the spec: "logicalType":"decimal" either way.
      base->props["logicalType"] = "decimal";
    } else if (s.name() == logical::kTime) {
      base->props["logicalType"] = "time-millis";
    } else if (s.name() == logical::kTimestamp) {
      base->props["logicalType"] = "timestamp-millis";
    } else if (s.name() == logical::kDate) {
      base->props["logicalType"] = "date";
    }
    for (const auto& [k, v] : s.parameters()) {
      if (absl::StartsWith(k, "avro")) base->props[k] = v;
    }
    const AvroNode* result = base;
    if (!ignore_optional && s.optional()) {
      AvroNode* u = out_->NewNode(AvroKind::kUnion);
      if (s.default_value()) {
        u->branches = {base, out_->NewNode(AvroKind::kNull)};
      } else {
        u->branches = {out_->NewNode(AvroKind::kNull), base};
      }
      result = u;
    }
    if (!s.optional()) seen_.emplace_back(std::make_shared<Schema>(s), result);
    return result;
  }

  // AvroData.defaultValueFromConnect.
  absl::StatusOr<json> DefaultJson(const Schema& s, const Value& v) {
    if (v.is_null()) return json(nullptr);
    switch (v.kind()) {
      case Value::Kind::kDecimal:
        return json(Latin1ToUtf8(v.as_decimal().unscaled));
      case Value::Kind::kDate:
        return json(v.as_date().days);
      case Value::Kind::kTime:
        return json(v.as_time().micros / 1000);
      case Value::Kind::kTimestamp:
        return json(FloorDiv(v.as_timestamp().micros, 1000));
      default:
        break;
    }
    switch (s.type()) {
      case Type::kInt8:
      case Type::kInt16:
      case Type::kInt32:
      case Type::kInt64:
        if (v.kind() != Value::Kind::kInt) break;
        return json(v.as_int());
      case Type::kFloat32:
      case Type::kFloat64:
        if (v.kind() != Value::Kind::kFloat) break;
        return json(v.as_float());
      case Type::kBoolean:
        if (v.kind() != Value::Kind::kBool) break;
        return json(v.as_bool());
      case Type::kString:
        if (v.kind() != Value::Kind::kString) break;
        return json(v.as_string());
      case Type::kBytes:
        if (v.kind() != Value::Kind::kBytes) break;
        return json(Latin1ToUtf8(v.as_bytes().data));
      case Type::kArray: {
        if (v.kind() != Value::Kind::kArray) break;
        json out = json::array();
        for (const Value& e : v.as_array()) {
          absl::StatusOr<json> j = DefaultJson(*s.value_schema(), e);
          if (!j.ok()) return j.status();
          out.push_back(std::move(*j));
        }
        return out;
      }
      case Type::kMap: {
        if (v.kind() != Value::Kind::kMap) break;
        const bool object = s.key_schema()->type() == Type::kString &&
                            (!s.key_schema()->optional() || options_.allow_optional_map_keys);
        json out = object ? json::object() : json::array();
        for (const auto& [k, e] : v.as_map()) {
          absl::StatusOr<json> j = DefaultJson(*s.value_schema(), e);
          if (!j.ok()) return j.status();
          if (object) {
            if (k.kind() != Value::Kind::kString) break;
            out[k.as_string()] = std::move(*j);
          } else {
            absl::StatusOr<json> kj = DefaultJson(*s.key_schema(), k);
            if (!kj.ok()) return kj.status();
            out.push_back(json::array({std::move(*kj), std::move(*j)}));
          }
        }
        return out;
      }
      case Type::kStruct: {
        if (v.kind() != Value::Kind::kStruct) break;
        json out = json::object();
        const Struct& st = v.as_struct();
        for (size_t i = 0; i < s.fields().size() && i < st.values.size(); ++i) {
          absl::StatusOr<json> j = DefaultJson(*s.fields()[i].schema, st.values[i]);
          if (!j.ok()) return j.status();
          if (IsUnionSchema(s)) {
            if (!st.values[i].is_null()) return j;
            continue;
          }
          out[ScrubName(s.fields()[i].name, options_.scrub_invalid_names)] = std::move(*j);
        }
        return IsUnionSchema(s) ? json(nullptr) : out;
      }
    }
    return DataError(Cat("Invalid type used for default value of ", TypeName(s.type()),
                         " field: ", JavaClassName(v)));
  }

 private:
  static int64_t FloorDiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  }

  static SchemaPtr NonOptional(const Schema& s) {
    return SchemaBuilder::From(s).Optional(false).Build();
  }

  std::pair<std::string, std::string> SplitName(const std::string& full) const {
    std::vector<std::string> parts = absl::StrSplit(full, '.');
    for (std::string& p : parts) p = ScrubName(p, options_.scrub_invalid_names);
    std::string last = parts.back();
    parts.pop_back();
    return {absl::StrJoin(parts, "."), last};
  }

  // The Avro full name of a Connect name, or io.confluent.connect.avro.ConnectDefault[N].
  std::string FullName(const std::string& name) {
    if (name.empty()) {
      ++default_names_;
      return Cat(kAvroNamespace, ".", kDefaultSchemaName,
                 default_names_ > 1 ? std::to_string(default_names_) : "");
    }
    auto [ns, simple] = SplitName(name);
    return ns.empty() ? simple : Cat(ns, ".", simple);
  }

  absl::StatusOr<AvroField> RecordField(std::string name, const Schema& fs,
                                        std::optional<std::string> doc) {
    AvroField f;
    f.name = std::move(name);
    f.doc = std::move(doc);
    absl::StatusOr<const AvroNode*> type = Convert(fs, false);
    if (!type.ok()) return type.status();
    f.type = *type;
    if (fs.default_value()) {
      absl::StatusOr<json> d = DefaultJson(fs, *fs.default_value());
      if (!d.ok()) return d.status();
      f.default_value = std::move(*d);
    } else if (fs.optional()) {
      f.default_value = json(nullptr);
    }
    return f;
  }

  AvroSchema* out_;
  const AvroDataOptions& options_;
  std::vector<std::pair<SchemaPtr, const AvroNode*>> seen_;
  int default_names_ = 0;
};

// ---------------------------------------------------------------------------
// Connect value → Avro datum

class FromValue {
 public:
  explicit FromValue(const AvroDataOptions& options) : options_(options) {}

  absl::Status Convert(const Schema& s, const Value& v, const AvroNode& n, avro_value_t* out) {
    if (v.is_null() && !s.optional()) {
      return DataError("Found null value for non-optional schema");
    }
    if (n.kind == AvroKind::kUnion) return Union(s, v, n, out);
    if (v.is_null()) return DataError("Found null value for non-optional schema");
    auto invalid = [&] {
      return DataError(Cat("Invalid type for ", TypeName(s.type()), ": ", JavaClassName(v)));
    };
    switch (n.kind) {
      case AvroKind::kBoolean:
        if (v.kind() != Value::Kind::kBool) return invalid();
        return Check(avro_value_set_boolean(out, v.as_bool() ? 1 : 0));
      case AvroKind::kInt: {
        int64_t i;
        if (v.kind() == Value::Kind::kDate) {
          i = v.as_date().days;
        } else if (v.kind() == Value::Kind::kTime) {
          i = v.as_time().micros / 1000;
        } else if (v.kind() == Value::Kind::kInt) {
          i = v.as_int();
        } else {
          return invalid();
        }
        if (i < INT32_MIN || i > INT32_MAX) {
          return DataError(Cat("Invalid value ", i, " for an Avro int"));
        }
        return Check(avro_value_set_int(out, static_cast<int32_t>(i)));
      }
      case AvroKind::kLong: {
        int64_t l;
        if (v.kind() == Value::Kind::kTimestamp) {
          const int64_t us = v.as_timestamp().micros;
          l = us / 1000 - ((us % 1000 != 0 && us < 0) ? 1 : 0);
        } else if (v.kind() == Value::Kind::kInt) {
          l = v.as_int();
        } else {
          return invalid();
        }
        return Check(avro_value_set_long(out, l));
      }
      case AvroKind::kFloat:
        if (v.kind() != Value::Kind::kFloat) return invalid();
        return Check(avro_value_set_float(out, static_cast<float>(v.as_float())));
      case AvroKind::kDouble:
        if (v.kind() != Value::Kind::kFloat) return invalid();
        return Check(avro_value_set_double(out, v.as_float()));
      case AvroKind::kString:
        if (v.kind() != Value::Kind::kString) return invalid();
        return Check(
            avro_value_set_string_len(out, v.as_string().c_str(), v.as_string().size() + 1));
      case AvroKind::kEnum: {
        if (v.kind() != Value::Kind::kString) return invalid();
        for (size_t i = 0; i < n.symbols.size(); ++i) {
          if (n.symbols[i] == v.as_string()) {
            return Check(avro_value_set_enum(out, static_cast<int>(i)));
          }
        }
        return DataError(Cat("\"", v.as_string(), "\" is not a symbol of enum ", n.full_name));
      }
      case AvroKind::kBytes:
      case AvroKind::kFixed: {
        std::string bytes;
        if (v.kind() == Value::Kind::kDecimal) {
          if (v.as_decimal().scale != DecimalScale(s)) {
            return DataError("BigDecimal has mismatching scale value for given Decimal schema");
          }
          bytes = v.as_decimal().unscaled;
          if (bytes.empty()) bytes = std::string(1, '\0');
          if (n.kind == AvroKind::kFixed) {
            if (static_cast<int64_t>(bytes.size()) > n.size) {
              return DataError(Cat("Unscaled value byte array length ", bytes.size(),
                                   " is greater than fixed size ", n.size));
            }
            const char pad = (static_cast<unsigned char>(bytes[0]) & 0x80) ? '\xFF' : '\0';
            bytes.insert(0, static_cast<size_t>(n.size) - bytes.size(), pad);
          }
        } else if (v.kind() == Value::Kind::kBytes) {
          bytes = v.as_bytes().data;
        } else {
          return invalid();
        }
        if (n.kind == AvroKind::kFixed) {
          if (static_cast<int64_t>(bytes.size()) != n.size) {
            return DataError(Cat("Fixed size ", n.size, " does not fit ", bytes.size(), " bytes"));
          }
          return Check(avro_value_set_fixed(out, bytes.data(), bytes.size()));
        }
        return Check(avro_value_set_bytes(out, bytes.data(), bytes.size()));
      }
      case AvroKind::kArray: {
        if (s.type() == Type::kMap) {  // MapEntry records.
          if (v.kind() != Value::Kind::kMap) return invalid();
          const AvroNode& entry = *n.items;
          for (const auto& [k, e] : v.as_map()) {
            avro_value_t rec;
            if (avro_value_append(out, &rec, nullptr) != 0) return LibavroError();
            for (size_t i = 0; i < entry.fields.size(); ++i) {
              avro_value_t field;
              if (avro_value_get_by_index(&rec, i, &field, nullptr) != 0) return LibavroError();
              const bool is_key = entry.fields[i].name == "key";
              absl::Status st = Convert(is_key ? *s.key_schema() : *s.value_schema(),
                                        is_key ? k : e, *entry.fields[i].type, &field);
              if (!st.ok()) return st;
            }
          }
          return absl::OkStatus();
        }
        if (v.kind() != Value::Kind::kArray || s.type() != Type::kArray) return invalid();
        for (const Value& e : v.as_array()) {
          avro_value_t child;
          if (avro_value_append(out, &child, nullptr) != 0) return LibavroError();
          if (absl::Status st = Convert(*s.value_schema(), e, *n.items, &child); !st.ok()) {
            return st;
          }
        }
        return absl::OkStatus();
      }
      case AvroKind::kMap: {
        if (v.kind() != Value::Kind::kMap || s.type() != Type::kMap) return invalid();
        for (const auto& [k, e] : v.as_map()) {
          if (k.kind() != Value::Kind::kString) {
            return DataError(Cat("Invalid type for map key: ", JavaClassName(k)));
          }
          avro_value_t child;
          if (avro_value_add(out, k.as_string().c_str(), &child, nullptr, nullptr) != 0) {
            return LibavroError();
          }
          if (absl::Status st = Convert(*s.value_schema(), e, *n.items, &child); !st.ok()) {
            return st;
          }
        }
        return absl::OkStatus();
      }
      case AvroKind::kRecord: {
        if (v.kind() != Value::Kind::kStruct || s.type() != Type::kStruct) return invalid();
        const Struct& st = v.as_struct();
        if (st.schema.get() != &s && (!st.schema || !st.schema->Equals(s))) {
          return DataError("Mismatching struct schema");
        }
        for (size_t i = 0; i < n.fields.size(); ++i) {
          const AvroField& af = n.fields[i];
          avro_value_t child;
          if (avro_value_get_by_index(out, i, &child, nullptr) != 0) return LibavroError();
          const Field* cf = nullptr;
          for (const Field& f : s.fields()) {
            if (ScrubName(f.name, options_.scrub_invalid_names) == af.name) cf = &f;
          }
          if (cf == nullptr) {
            // A field of a registered schema (use.latest.version) that the
            // value lacks: its null default, or a failure as GenericRecordBuilder's.
            if (af.type->kind == AvroKind::kUnion && af.default_value &&
                af.default_value->is_null()) {
              for (size_t b = 0; b < af.type->branches.size(); ++b) {
                if (IsNullNode(af.type->branches[b])) {
                  avro_value_t branch;
                  if (avro_value_set_branch(&child, static_cast<int>(b), &branch) != 0) {
                    return LibavroError();
                  }
                  break;
                }
              }
              continue;
            }
            return DataError(Cat("Field ", af.name, " not set and has no default value"));
          }
          absl::Status fs = Convert(*cf->schema, st.values[cf->index], *af.type, &child);
          if (!fs.ok()) return fs;
        }
        return absl::OkStatus();
      }
      case AvroKind::kNull:
      case AvroKind::kUnion:
        break;
    }
    return invalid();
  }

 private:
  absl::Status Union(const Schema& s, const Value& v, const AvroNode& n, avro_value_t* out) {
    int index = -1;
    const Schema* schema = &s;
    const Value* value = &v;
    if (v.is_null()) {
      for (size_t i = 0; i < n.branches.size(); ++i) {
        if (IsNullNode(n.branches[i])) index = static_cast<int>(i);
      }
      if (index < 0) return DataError("Found null value for non-optional schema");
    } else if (IsUnionSchema(s)) {
      if (v.kind() != Value::Kind::kStruct) {
        return DataError(Cat("Invalid type for STRUCT: ", JavaClassName(v)));
      }
      const Struct& st = v.as_struct();
      for (size_t f = 0; f < s.fields().size() && f < st.values.size(); ++f) {
        if (st.values[f].is_null()) continue;
        for (size_t i = 0; i < n.branches.size(); ++i) {
          if (!IsNullNode(n.branches[i]) &&
              UnionMemberFieldName(*n.branches[i], options_) == s.fields()[f].name) {
            index = static_cast<int>(i);
          }
        }
        schema = s.fields()[f].schema.get();
        value = &st.values[f];
        break;
      }
      if (value == &v) {  // Every field is null.
        for (size_t i = 0; i < n.branches.size(); ++i) {
          if (IsNullNode(n.branches[i])) index = static_cast<int>(i);
        }
        if (index < 0) return DataError("Found null value for non-optional schema");
        avro_value_t branch;
        return Check(avro_value_set_branch(out, index, &branch));
      }
      if (index < 0) return DataError("Did not find matching union field for data");
    } else {
      index = MatchingBranch(s, n);
      if (index < 0) {
        return DataError(Cat("No branch of the Avro union matches ", TypeName(s.type())));
      }
    }
    avro_value_t branch;
    if (avro_value_set_branch(out, index, &branch) != 0) return LibavroError();
    if (value->is_null()) return absl::OkStatus();
    return Convert(*schema, *value, *n.branches[index], &branch);
  }

  // The branch GenericData.resolveUnion would pick for a value of `s`: the
  // named type of that name, else the first of a compatible kind.
  static int MatchingBranch(const Schema& s, const AvroNode& u) {
    for (size_t i = 0; i < u.branches.size(); ++i) {
      if (u.branches[i]->named() && !s.name().empty() && u.branches[i]->full_name == s.name()) {
        return static_cast<int>(i);
      }
    }
    for (size_t i = 0; i < u.branches.size(); ++i) {
      const AvroKind k = u.branches[i]->kind;
      bool ok = false;
      switch (s.type()) {
        case Type::kInt8:
        case Type::kInt16:
        case Type::kInt32:
          ok = k == AvroKind::kInt;
          break;
        case Type::kInt64:
          ok = k == AvroKind::kLong;
          break;
        case Type::kFloat32:
          ok = k == AvroKind::kFloat;
          break;
        case Type::kFloat64:
          ok = k == AvroKind::kDouble;
          break;
        case Type::kBoolean:
          ok = k == AvroKind::kBoolean;
          break;
        case Type::kString:
          ok = k == AvroKind::kString || k == AvroKind::kEnum;
          break;
        case Type::kBytes:
          ok = k == AvroKind::kBytes || k == AvroKind::kFixed;
          break;
        case Type::kArray:
          ok = k == AvroKind::kArray;
          break;
        case Type::kMap:
          ok = k == AvroKind::kMap || k == AvroKind::kArray;
          break;
        case Type::kStruct:
          ok = k == AvroKind::kRecord;
          break;
      }
      if (ok) return static_cast<int>(i);
    }
    return -1;
  }

  static absl::Status Check(int rc) { return rc == 0 ? absl::OkStatus() : LibavroError(); }
  static absl::Status LibavroError() { return DataError(Cat("libavro: ", avro_strerror())); }

  const AvroDataOptions& options_;
};

}  // namespace

absl::StatusOr<SchemaPtr> AvroToConnectSchema(const AvroNode& root, std::optional<int> version,
                                              const AvroDataOptions& options) {
  ToConnect c(options);
  return c.Convert(root, false, nullptr, std::nullopt, version);
}

absl::StatusOr<Value> AvroToConnectValue(const AvroNode& root, const SchemaPtr& schema,
                                         avro_value_t* datum, const AvroDataOptions& options) {
  ToValue c(options);
  return c.Convert(root, schema, datum);
}

absl::StatusOr<std::shared_ptr<const AvroSchema>> ConnectToAvroSchema(
    const Schema& schema, const AvroDataOptions& options) {
  auto out = std::make_shared<AvroSchema>();
  FromConnect c(out.get(), options);
  absl::StatusOr<const AvroNode*> root = c.Convert(schema, false);
  if (!root.ok()) return root.status();
  out->SetRoot(*root);
  return out;
}

absl::Status ConnectToAvroValue(const Schema& schema, const Value& value, const AvroNode& target,
                                avro_value_t* datum, const AvroDataOptions& options) {
  FromValue c(options);
  return c.Convert(schema, value, target, datum);
}

std::string AvroSchemaName(const AvroNode& root) {
  return root.named() ? root.full_name : std::string(AvroKindName(root.kind));
}

}  // namespace ferry::internal
