#include "convert/protobuf_data.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "convert/absl_compat.h"
#include "convert/java_numbers.h"
#include "convert/protobuf_schema.h"

namespace ferry::internal {
namespace {

namespace pb = ::google::protobuf;
using pb::Descriptor;
using pb::FieldDescriptor;
using pb::OneofDescriptor;

std::string S(std::string_view s) { return std::string(s); }

constexpr std::string_view kDecimalType = "confluent.type.Decimal";
constexpr std::string_view kDateType = "google.type.Date";
constexpr std::string_view kTimeType = "google.type.TimeOfDay";
constexpr std::string_view kTimestampType = "google.protobuf.Timestamp";
constexpr std::string_view kConnectType = "connect.type";
constexpr std::string_view kConnectPrecision = "connect.decimal.precision";
constexpr std::string_view kDefaultSchemaName = "ConnectDefault";

// Timestamps.checkValid's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

// The Connect type of each wrapper message (ProtobufData.toUnwrappedSchema).
std::optional<Type> WrapperType(const Descriptor& d) {
  static const auto* types = new std::map<std::string, Type, std::less<>>{
      {"google.protobuf.DoubleValue", Type::kFloat64},
      {"google.protobuf.FloatValue", Type::kFloat32},
      {"google.protobuf.Int64Value", Type::kInt64},
      {"google.protobuf.UInt64Value", Type::kInt64},
      {"google.protobuf.Int32Value", Type::kInt32},
      {"google.protobuf.UInt32Value", Type::kInt64},
      {"google.protobuf.BoolValue", Type::kBoolean},
      {"google.protobuf.StringValue", Type::kString},
      {"google.protobuf.BytesValue", Type::kBytes},
  };
  auto it = types->find(d.full_name());
  if (it == types->end()) return std::nullopt;
  return it->second;
}

// ProtobufData.isMapDescriptor: a repeated message named *Entry with exactly
// the fields key and value, neither repeated (protoc's map entries, and the
// entries ProtobufData writes for Connect maps).
bool IsMapField(const FieldDescriptor& f) {
  if (!f.is_repeated() || f.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return false;
  const Descriptor& d = *f.message_type();
  return absl::EndsWith(d.name(), "Entry") && d.field_count() == 2 && d.field(0)->name() == "key" &&
         d.field(1)->name() == "value" && !d.field(0)->is_repeated() && !d.field(1)->is_repeated();
}

// Guava's CaseFormat.UPPER_CAMEL.to(LOWER_UNDERSCORE, s).
std::string UpperCamelToLowerUnderscore(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (i > 0) out.push_back('_');
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Guava's CaseFormat.LOWER_UNDERSCORE.to(UPPER_CAMEL, s).
std::string LowerUnderscoreToUpperCamel(std::string_view s) {
  std::string out;
  bool upper = true;
  for (char c : s) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out.push_back(upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                        : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    upper = false;
  }
  return out;
}

// ProtobufSchema.toMapField: "pkg.MapTypeEntry" → "pkg.map_type".
std::string ToMapField(std::string_view name) {
  const size_t dot = name.rfind('.');
  std::string prefix = dot == std::string_view::npos ? "" : S(name.substr(0, dot + 1));
  std::string_view last = dot == std::string_view::npos ? name : name.substr(dot + 1);
  if (absl::EndsWith(internal::ToAbsl(last), "Entry")) {
    return prefix + UpperCamelToLowerUnderscore(last.substr(0, last.size() - 5));
  }
  return S(name);
}

// ProtobufSchema.toMapEntry: "map_type" → "MapTypeEntry".
std::string ToMapEntry(std::string_view s) {
  std::string name = s.find('_') != std::string_view::npos ? LowerUnderscoreToUpperCamel(s) : S(s);
  return name + "Entry";
}

std::string_view LowerTypeName(FieldDescriptor::Type t) {
  return FieldDescriptor::TypeName(t);  // "sint32", "fixed64", ...
}

std::string Param(const Schema& s, std::string_view key) {
  auto it = s.parameters().find(S(key));
  return it == s.parameters().end() ? "" : it->second;
}
bool HasParam(const Schema& s, std::string_view key) { return s.parameters().count(S(key)) > 0; }

// ---------------------------------------------------------------------------
// Protobuf → Connect schema.

class SchemaReader {
 public:
  explicit SchemaReader(const ProtobufDataOptions& o) : o_(o) {}

  absl::StatusOr<SchemaPtr> Root(const Descriptor& d, std::optional<int> version) {
    if (o_.wrapper_for_raw_primitives) {
      if (std::optional<Type> t = WrapperType(d)) {
        return SchemaBuilder(*t).Version(version).Build();
      }
    }
    absl::StatusOr<SchemaPtr> s = Struct(d);
    if (!s.ok()) return s.status();
    if (!version) return *s;
    return SchemaBuilder::From(**s).Version(version).Build();
  }

 private:
  absl::StatusOr<SchemaPtr> Struct(const Descriptor& d) {
    if (auto it = structs_.find(d.full_name()); it != structs_.end()) return it->second;
    if (!in_progress_.insert(d.full_name()).second) {
      return absl::InvalidArgumentError(
          Cat("message ", d.full_name(),
              " is recursive: ferry's Connect schemas cannot hold recursive types"));
    }
    SchemaBuilder b = SchemaBuilder::Struct();
    b.Name(o_.enhanced_schema_support ? d.full_name() : d.name());
    for (int i = 0; i < d.real_oneof_decl_count(); ++i) {
      const OneofDescriptor& oneof = *d.oneof_decl(i);
      if (o_.flatten_unions) {
        for (int j = 0; j < oneof.field_count(); ++j) {
          absl::StatusOr<SchemaPtr> f = Field(*oneof.field(j), true);
          if (!f.ok()) return f.status();
          b.AddField(oneof.field(j)->name(), *f);
        }
      } else {
        absl::StatusOr<SchemaPtr> u = Union(oneof);
        if (!u.ok()) return u.status();
        b.AddField(UnionFieldName(oneof), *u);
      }
    }
    for (int i = 0; i < d.field_count(); ++i) {
      const FieldDescriptor& f = *d.field(i);
      if (f.real_containing_oneof() != nullptr) continue;
      absl::StatusOr<SchemaPtr> s = Field(f, false);
      if (!s.ok()) return s.status();
      b.AddField(f.name(), *s);
    }
    in_progress_.erase(d.full_name());
    SchemaPtr out = b.Build();
    structs_[d.full_name()] = out;
    return out;
  }

  std::string UnionFieldName(const OneofDescriptor& oneof) const {
    return o_.generate_index_for_unions ? Cat(oneof.name(), "_", oneof.index()) : oneof.name();
  }

  absl::StatusOr<SchemaPtr> Union(const OneofDescriptor& oneof) {
    SchemaBuilder b = SchemaBuilder::Struct();
    if (o_.generalized_sum_type_support) {
      b.Name(oneof.name()).Parameter(S(kGeneralizedUnion), oneof.name());
    } else {
      b.Name(
          Cat(kProtobufUnionPrefix, o_.enhanced_schema_support ? oneof.full_name() : oneof.name()));
    }
    for (int j = 0; j < oneof.field_count(); ++j) {
      absl::StatusOr<SchemaPtr> f = Field(*oneof.field(j), true);
      if (!f.ok()) return f.status();
      b.AddField(oneof.field(j)->name(), *f);
    }
    return b.Optional().Build();
  }

  // The schema of one value of the field (an element when repeated).
  absl::StatusOr<SchemaBuilder> Element(const FieldDescriptor& f) {
    switch (f.type()) {
      case FieldDescriptor::TYPE_INT32:
      case FieldDescriptor::TYPE_SINT32:
      case FieldDescriptor::TYPE_SFIXED32: {
        const std::string connect_type = [&] {
          auto params = FieldMetaParams(f);
          auto it = params.find(S(kConnectType));
          return it == params.end() ? std::string() : it->second;
        }();
        if (connect_type == "int8") return SchemaBuilder(Type::kInt8);
        if (connect_type == "int16") return SchemaBuilder(Type::kInt16);
        SchemaBuilder b(Type::kInt32);
        if (f.type() != FieldDescriptor::TYPE_INT32) {
          b.Parameter(S(kProtobufType), S(LowerTypeName(f.type())));
        }
        return b;
      }
      case FieldDescriptor::TYPE_UINT32:
      case FieldDescriptor::TYPE_FIXED32:
      case FieldDescriptor::TYPE_INT64:
      case FieldDescriptor::TYPE_UINT64:
      case FieldDescriptor::TYPE_SINT64:
      case FieldDescriptor::TYPE_FIXED64:
      case FieldDescriptor::TYPE_SFIXED64: {
        SchemaBuilder b(Type::kInt64);
        if (f.type() != FieldDescriptor::TYPE_INT64) {
          b.Parameter(S(kProtobufType), S(LowerTypeName(f.type())));
        }
        return b;
      }
      case FieldDescriptor::TYPE_FLOAT:
        return SchemaBuilder(Type::kFloat32);
      case FieldDescriptor::TYPE_DOUBLE:
        return SchemaBuilder(Type::kFloat64);
      case FieldDescriptor::TYPE_BOOL:
        return SchemaBuilder(Type::kBoolean);
      case FieldDescriptor::TYPE_STRING:
        return SchemaBuilder(Type::kString);
      case FieldDescriptor::TYPE_BYTES:
        return SchemaBuilder(Type::kBytes);
      case FieldDescriptor::TYPE_ENUM: {
        const pb::EnumDescriptor& e = *f.enum_type();
        SchemaBuilder b(o_.int_for_enums ? Type::kInt32 : Type::kString);
        b.Name(o_.enhanced_schema_support ? e.full_name() : e.name());
        const std::string param =
            S(o_.generalized_sum_type_support ? kGeneralizedEnum : kProtobufEnum);
        b.Parameter(param, e.name());
        for (int i = 0; i < e.value_count(); ++i) {
          b.Parameter(Cat(param, ".", e.value(i)->name()), absl::StrCat(e.value(i)->number()));
        }
        return b.Optional();
      }
      case FieldDescriptor::TYPE_MESSAGE:
      case FieldDescriptor::TYPE_GROUP: {
        const Descriptor& m = *f.message_type();
        const std::string& full = m.full_name();
        std::optional<SchemaBuilder> b;
        if (full == kDecimalType) {
          std::map<std::string, std::string> params = FieldMetaParams(f);
          int scale = 0;
          if (auto it = params.find("scale"); it != params.end()) {
            int v = 0;
            if (absl::SimpleAtoi(it->second, &v)) scale = v;
          }
          b = SchemaBuilder::From(*Schema::Decimal(scale));
          if (auto it = params.find("precision"); it != params.end()) {
            int v = 0;
            if (absl::SimpleAtoi(it->second, &v))
              b->Parameter(S(kConnectPrecision), std::to_string(v));
          }
        } else if (full == kDateType) {
          b = SchemaBuilder::From(*Schema::Date());
        } else if (full == kTimeType) {
          b = SchemaBuilder::From(*Schema::Time());
        } else if (full == kTimestampType) {
          b = SchemaBuilder::From(*Schema::Timestamp());
        } else if (std::optional<Type> t = WrapperType(m); t && o_.wrapper_for_nullables) {
          b = SchemaBuilder(*t);
        } else if (IsMapField(f)) {
          absl::StatusOr<SchemaPtr> key = Field(*m.field(0), false);
          if (!key.ok()) return key.status();
          absl::StatusOr<SchemaPtr> value = Field(*m.field(1), false);
          if (!value.ok()) return value.status();
          b = SchemaBuilder::Map(*key, *value);
          b->Name(ToMapField(o_.enhanced_schema_support ? m.full_name() : m.name()));
        } else {
          absl::StatusOr<SchemaPtr> s = Struct(m);
          if (!s.ok()) return s.status();
          b = SchemaBuilder::From(**s);
        }
        return b->Optional();
      }
    }
    return absl::InvalidArgumentError(Cat("Unknown Connect schema type: ", f.type_name()));
  }

  absl::StatusOr<SchemaPtr> Field(const FieldDescriptor& f, bool oneof_member) {
    absl::StatusOr<SchemaBuilder> element = Element(f);
    if (!element.ok()) return element.status();
    SchemaBuilder b = std::move(*element);
    const bool is_map = IsMapField(f);
    if (f.is_repeated() && !is_map) {
      b = SchemaBuilder::Array(b.Optional().Build());
      b.Optional();
    }
    if (oneof_member) {
      b.Optional();
      if (o_.wrapper_for_nullables && f.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
          WrapperType(*f.message_type())) {
        b.Parameter(S(kProtobufWrapper), "true");
      }
    } else if (o_.optional_for_nullables) {
      if (f.has_optional_keyword()) b.Optional();
    } else if (!o_.wrapper_for_nullables || f.has_optional_keyword()) {
      // ProtobufData leaves a field with presence required under
      // wrapper.for.nullables although it reads null when unset; ferry keeps
      // it optional, so that the value matches its schema.
      b.Optional();
    }
    b.Parameter(S(kProtobufTag), absl::StrCat(f.number()));
    return b.Build();
  }

  const ProtobufDataOptions& o_;
  std::map<std::string, SchemaPtr> structs_;
  std::set<std::string> in_progress_;
};

// ---------------------------------------------------------------------------
// Protobuf → Connect value.

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int64_t IntField(const pb::Message& m, std::string_view name) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(S(name));
  if (f == nullptr || f->is_repeated()) return 0;
  const pb::Reflection& r = *m.GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return r.GetInt32(m, f);
    case FieldDescriptor::CPPTYPE_INT64:
      return r.GetInt64(m, f);
    case FieldDescriptor::CPPTYPE_UINT32:
      return r.GetUInt32(m, f);
    case FieldDescriptor::CPPTYPE_UINT64:
      return static_cast<int64_t>(r.GetUInt64(m, f));
    default:
      return 0;
  }
}

class ValueReader {
 public:
  explicit ValueReader(const ProtobufDataOptions& o) : o_(o) {}

  absl::StatusOr<Value> Root(const pb::Message& m, const SchemaPtr& s) {
    if (s->type() != Type::kStruct) return Unwrapped(m, s);
    return StructOf(m, s);
  }

 private:
  absl::StatusOr<Value> StructOf(const pb::Message& m, const SchemaPtr& s) {
    const Descriptor& d = *m.GetDescriptor();
    const pb::Reflection& r = *m.GetReflection();
    std::vector<Value> values(s->fields().size());
    for (int i = 0; i < d.real_oneof_decl_count(); ++i) {
      const OneofDescriptor& oneof = *d.oneof_decl(i);
      if (!r.HasOneof(m, &oneof)) continue;
      const FieldDescriptor& f = *r.GetOneofFieldDescriptor(m, &oneof);
      if (o_.flatten_unions) {
        const ::ferry::Field* field = s->FindField(f.name());
        if (field == nullptr) return absl::InvalidArgumentError(Cat("no field ", f.name()));
        absl::StatusOr<Value> v = Single(m, f, field->schema);
        if (!v.ok()) return v.status();
        values[field->index] = std::move(*v);
        continue;
      }
      const std::string union_name =
          o_.generate_index_for_unions ? Cat(oneof.name(), "_", oneof.index()) : oneof.name();
      const ::ferry::Field* union_field = s->FindField(union_name);
      if (union_field == nullptr) return absl::InvalidArgumentError(Cat("no field ", union_name));
      const SchemaPtr& union_schema = union_field->schema;
      const ::ferry::Field* member = union_schema->FindField(f.name());
      if (member == nullptr) return absl::InvalidArgumentError(Cat("no union member ", f.name()));
      absl::StatusOr<Value> v = Single(m, f, member->schema);
      if (!v.ok()) return v.status();
      std::vector<Value> members(union_schema->fields().size());
      members[member->index] = std::move(*v);
      values[union_field->index] = Value(::ferry::Struct{union_schema, std::move(members)});
    }
    for (int i = 0; i < d.field_count(); ++i) {
      const FieldDescriptor& f = *d.field(i);
      if (f.real_containing_oneof() != nullptr) continue;
      const bool primitive_or_repeated =
          f.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f.is_repeated();
      const bool optional =
          f.has_optional_keyword() &&
          (f.file()->syntax() != pb::FileDescriptor::SYNTAX_PROTO2 || o_.optional_for_proto2);
      if (!((primitive_or_repeated && !optional) || o_.generate_struct_for_nulls ||
            r.HasField(m, &f))) {
        continue;
      }
      const ::ferry::Field* field = s->FindField(f.name());
      if (field == nullptr) return absl::InvalidArgumentError(Cat("no field ", f.name()));
      absl::StatusOr<Value> v = FieldValue(m, f, field->schema);
      if (!v.ok())
        return absl::Status(v.status().code(), Cat(f.name(), ": ", v.status().message()));
      values[field->index] = std::move(*v);
    }
    return Value(::ferry::Struct{s, std::move(values)});
  }

  absl::StatusOr<Value> FieldValue(const pb::Message& m, const FieldDescriptor& f,
                                   const SchemaPtr& s) {
    if (!f.is_repeated()) return Single(m, f, s);
    const pb::Reflection& r = *m.GetReflection();
    const int n = r.FieldSize(m, &f);
    if (s->type() == Type::kMap) {
      const FieldDescriptor& kf = *f.message_type()->field(0);
      const FieldDescriptor& vf = *f.message_type()->field(1);
      ::ferry::Map out;
      absl::flat_hash_map<std::string, size_t> seen;
      for (int i = 0; i < n; ++i) {
        const pb::Message& entry = r.GetRepeatedMessage(m, &f, i);
        absl::StatusOr<Value> k = Single(entry, kf, s->key_schema());
        if (!k.ok()) return k.status();
        absl::StatusOr<Value> v = Single(entry, vf, s->value_schema());
        if (!v.ok()) return v.status();
        // Java's HashMap: a repeated key keeps its last value.
        auto [it, inserted] = seen.emplace(k->DebugString(), out.size());
        if (inserted) {
          out.emplace_back(std::move(*k), std::move(*v));
        } else {
          out[it->second].second = std::move(*v);
        }
      }
      return Value(std::move(out));
    }
    ::ferry::Array out;
    out.reserve(n);
    for (int i = 0; i < n; ++i) {
      absl::StatusOr<Value> v = Scalar(m, f, i, s->value_schema());
      if (!v.ok()) return v.status();
      out.push_back(std::move(*v));
    }
    return Value(std::move(out));
  }

  absl::StatusOr<Value> Single(const pb::Message& m, const FieldDescriptor& f, const SchemaPtr& s) {
    return Scalar(m, f, -1, s);
  }

  // One value of field f (index -1: a singular field; else an element).
  absl::StatusOr<Value> Scalar(const pb::Message& m, const FieldDescriptor& f, int index,
                               const SchemaPtr& sp) {
    const Schema& s = *sp;
    const pb::Reflection& r = *m.GetReflection();
    const bool rep = index >= 0;
    switch (f.cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const pb::Message& sub = rep ? r.GetRepeatedMessage(m, &f, index) : r.GetMessage(m, &f);
        if (s.IsLogical(logical::kDecimal)) return DecimalOf(sub, s);
        if (s.IsLogical(logical::kDate)) return DateOf(sub);
        if (s.IsLogical(logical::kTime)) return TimeOf(sub);
        if (s.IsLogical(logical::kTimestamp)) return TimestampOf(sub);
        if (s.type() == Type::kStruct) return StructOf(sub, sp);
        return Unwrapped(sub, sp);
      }
      case FieldDescriptor::CPPTYPE_INT32: {
        const int64_t v = rep ? r.GetRepeatedInt32(m, &f, index) : r.GetInt32(m, &f);
        return Integer(v, s);
      }
      case FieldDescriptor::CPPTYPE_INT64:
        return Integer(rep ? r.GetRepeatedInt64(m, &f, index) : r.GetInt64(m, &f), s);
      case FieldDescriptor::CPPTYPE_UINT32: {
        const int64_t v = rep ? r.GetRepeatedUInt32(m, &f, index) : r.GetUInt32(m, &f);
        return Integer(v, s);
      }
      case FieldDescriptor::CPPTYPE_UINT64:
        // Java's long holds the bits: values above 2^63 - 1 read negative.
        return Integer(
            static_cast<int64_t>(rep ? r.GetRepeatedUInt64(m, &f, index) : r.GetUInt64(m, &f)), s);
      case FieldDescriptor::CPPTYPE_FLOAT:
        return Value(
            static_cast<double>(rep ? r.GetRepeatedFloat(m, &f, index) : r.GetFloat(m, &f)));
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return Value(rep ? r.GetRepeatedDouble(m, &f, index) : r.GetDouble(m, &f));
      case FieldDescriptor::CPPTYPE_BOOL:
        return Value(rep ? r.GetRepeatedBool(m, &f, index) : r.GetBool(m, &f));
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string v = rep ? r.GetRepeatedString(m, &f, index) : r.GetString(m, &f);
        if (f.type() == FieldDescriptor::TYPE_BYTES) return Value(Bytes{std::move(v)});
        return Value(std::move(v));
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const pb::EnumValueDescriptor* e = rep ? r.GetRepeatedEnum(m, &f, index) : r.GetEnum(m, &f);
        // An unknown number reads as UNKNOWN_ENUM_VALUE_<Enum>_<number>, as
        // in Java.
        if (s.type() == Type::kString) return Value(e->name());
        return Value(static_cast<int64_t>(e->number()));
      }
    }
    return absl::InvalidArgumentError(Cat("Unknown Connect schema type: ", TypeName(s.type())));
  }

  absl::StatusOr<Value> Integer(int64_t v, const Schema& s) {
    switch (s.type()) {
      case Type::kInt8:
        if (v < -128 || v > 127) {
          return absl::InvalidArgumentError(
              Cat(v, " does not fit the field's INT8 (connect.type int8)"));
        }
        return Value(v);
      case Type::kInt16:
        if (v < -32768 || v > 32767) {
          return absl::InvalidArgumentError(
              Cat(v, " does not fit the field's INT16 (connect.type int16)"));
        }
        return Value(v);
      case Type::kInt32:
      case Type::kInt64:
        return Value(v);
      default:
        return absl::InvalidArgumentError(
            Cat("Invalid type for ", TypeName(s.type()), ": integer"));
    }
  }

  // A wrapper message (google.protobuf.StringValue, …) read as its value.
  absl::StatusOr<Value> Unwrapped(const pb::Message& m, const SchemaPtr& s) {
    const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName("value");
    if (f == nullptr || f->is_repeated() || f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InvalidArgumentError(Cat("Invalid type for ", TypeName(s->type()), ": message ",
                                            m.GetDescriptor()->full_name()));
    }
    return Single(m, *f, s);
  }

  absl::StatusOr<Value> DecimalOf(const pb::Message& m, const Schema& s) {
    const FieldDescriptor* vf = m.GetDescriptor()->FindFieldByName("value");
    std::string bytes;
    if (vf != nullptr && vf->type() == FieldDescriptor::TYPE_BYTES && !vf->is_repeated()) {
      bytes = m.GetReflection()->GetString(m, vf);
    }
    if (bytes.empty()) {
      return absl::InvalidArgumentError(
          "confluent.type.Decimal without a value: Zero length BigInteger");
    }
    const int64_t scale = IntField(m, "scale");
    const int64_t precision = IntField(m, "precision");
    const Decimal d{std::move(bytes), static_cast<int32_t>(scale)};
    const JavaBigDecimal big = FromDecimal(d);
    if (precision > 0 && static_cast<int64_t>(big.digits.size()) > precision) {
      return absl::InvalidArgumentError(Cat("decimal ", BigDecimalToString(big),
                                            " has more digits than its precision ", precision,
                                            " (Java would round it)"));
    }
    int target = 0;
    if (!absl::SimpleAtoi(Param(s, logical::kDecimalScaleParam), &target)) target = 0;
    std::optional<JavaBigDecimal> scaled = JavaSetScaleExact(big, target);
    std::optional<Decimal> out = scaled ? ToDecimal(*scaled) : std::nullopt;
    if (!out) {
      return absl::InvalidArgumentError(
          Cat("decimal ", BigDecimalToString(big), " does not fit the schema's scale ", target));
    }
    return Value(std::move(*out));
  }

  absl::StatusOr<Value> DateOf(const pb::Message& m) {
    const int64_t y = IntField(m, "year"), mo = IntField(m, "month"), d = IntField(m, "day");
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || y > 292278994 || mo < 1 || mo > 12 || d < 1 ||
        d > kDays[mo - 1] + (mo == 2 && IsLeap(y) ? 1 : 0)) {
      return absl::InvalidArgumentError(
          Cat("google.type.Date {year: ", y, ", month: ", mo, ", day: ", d,
              "} is not a valid date (Java's non-lenient Calendar refuses it)"));
    }
    return Value(Date{static_cast<int32_t>(DaysFromCivil(y, mo, d))});
  }

  absl::StatusOr<Value> TimeOf(const pb::Message& m) {
    const int64_t h = IntField(m, "hours"), mi = IntField(m, "minutes"),
                  sec = IntField(m, "seconds"), nanos = IntField(m, "nanos");
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || nanos < 0 ||
        nanos > 999999999) {
      return absl::InvalidArgumentError(Cat("google.type.TimeOfDay {hours: ", h, ", minutes: ", mi,
                                            ", seconds: ", sec, ", nanos: ", nanos,
                                            "} is not a valid time (LocalTime.of refuses it)"));
    }
    // Connect's Time counts milliseconds.
    const int64_t millis = ((h * 60 + mi) * 60 + sec) * 1000 + nanos / 1000000;
    return Value(TimeOfDay{millis * 1000});
  }

  absl::StatusOr<Value> TimestampOf(const pb::Message& m) {
    const int64_t sec = IntField(m, "seconds"), nanos = IntField(m, "nanos");
    if (sec < kMinTimestampSeconds || sec > kMaxTimestampSeconds || nanos < 0 ||
        nanos > 999999999) {
      return absl::InvalidArgumentError(
          Cat("Timestamp is not valid. See proto definition for valid "
              "values. Seconds (",
              sec,
              ") must be in range [-62,135,596,800, "
              "+253,402,300,799]. Nanos (",
              nanos, ") must be in range [0, +999,999,999]."));
    }
    // Connect's Timestamp counts milliseconds (Timestamps.toMillis).
    const int64_t millis = sec * 1000 + nanos / 1000000;
    return Value(Timestamp{millis * 1000});
  }

  const ProtobufDataOptions& o_;
};

// ---------------------------------------------------------------------------
// Connect schema → Protobuf.

// ProtobufData.doScrubName: names outside [A-Za-z0-9_], or starting with a
// digit or '_', become URL-encoded with every other character as '_'.
std::string ScrubName(std::string_view name) {
  if (name.empty()) return S(name);
  bool ok = !(name[0] >= '0' && name[0] <= '9') && name[0] != '_';
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') ok = false;
  }
  if (ok) return S(name);
  std::string encoded;  // URLEncoder.encode(name, "UTF-8")
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '*' || c == '_') {
      encoded.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      encoded.push_back('+');
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      encoded.push_back('%');
      encoded.push_back(kHex[c >> 4]);
      encoded.push_back(kHex[c & 15]);
    }
  }
  if ((encoded[0] >= '0' && encoded[0] <= '9') || encoded[0] == '_') encoded = "x" + encoded;
  for (char& c : encoded) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  }
  return encoded;
}

struct KnownType {
  std::string_view full_name;
  std::string_view file;
};

constexpr KnownType kKnownTypes[] = {
    {"confluent.type.Decimal", "confluent/type/decimal.proto"},
    {"google.type.Date", "google/type/date.proto"},
    {"google.type.TimeOfDay", "google/type/timeofday.proto"},
    {"google.protobuf.Timestamp", "google/protobuf/timestamp.proto"},
    {"google.protobuf.DoubleValue", "google/protobuf/wrappers.proto"},
    {"google.protobuf.FloatValue", "google/protobuf/wrappers.proto"},
    {"google.protobuf.Int64Value", "google/protobuf/wrappers.proto"},
    {"google.protobuf.UInt64Value", "google/protobuf/wrappers.proto"},
    {"google.protobuf.Int32Value", "google/protobuf/wrappers.proto"},
    {"google.protobuf.UInt32Value", "google/protobuf/wrappers.proto"},
    {"google.protobuf.BoolValue", "google/protobuf/wrappers.proto"},
    {"google.protobuf.StringValue", "google/protobuf/wrappers.proto"},
    {"google.protobuf.BytesValue", "google/protobuf/wrappers.proto"},
};

std::string_view KnownTypeFile(std::string_view full_name) {
  for (const KnownType& k : kKnownTypes) {
    if (k.full_name == full_name) return k.file;
  }
  return {};
}

bool IsEnumSchema(const Schema& s, const ProtobufDataOptions& o) {
  return HasParam(s, kGeneralizedEnum) || HasParam(s, kProtobufEnum);
}
bool IsUnionSchema(const Schema& s) {
  return absl::StartsWith(s.name(), "io.confluent.connect.protobuf.Union") ||
         HasParam(s, kGeneralizedUnion);
}

class SchemaWriter {
 public:
  explicit SchemaWriter(const ProtobufDataOptions& o) : o_(o) {}

  absl::StatusOr<pb::FileDescriptorProto> Root(const Schema& schema, std::string* message_name) {
    const std::string full = NameOrDefault(schema.name());
    auto [ns, name] = SplitName(full);
    if (schema.type() != Type::kStruct) {
      std::string_view wrapper;
      switch (schema.type()) {
        case Type::kInt8:
        case Type::kInt16:
        case Type::kInt32:
          wrapper = "google.protobuf.Int32Value";
          break;
        case Type::kInt64:
          wrapper = "google.protobuf.Int64Value";
          break;
        case Type::kFloat32:
          wrapper = "google.protobuf.FloatValue";
          break;
        case Type::kFloat64:
          wrapper = "google.protobuf.DoubleValue";
          break;
        case Type::kBoolean:
          wrapper = "google.protobuf.BoolValue";
          break;
        case Type::kString:
          wrapper = "google.protobuf.StringValue";
          break;
        case Type::kBytes:
          wrapper = "google.protobuf.BytesValue";
          break;
        default:
          return absl::InvalidArgumentError(
              Cat("Unsupported root schema of type ", TypeName(schema.type())));
      }
      *message_name = S(wrapper);
      return *KnownProtobufFile("google/protobuf/wrappers.proto");
    }
    file_.set_name(Cat(full, ".proto"));
    file_.set_syntax("proto3");
    if (!ns.empty()) file_.set_package(ns);
    pb::DescriptorProto* message = file_.add_message_type();
    if (absl::Status s = Message(schema, name, message); !s.ok()) return s;
    *message_name = ns.empty() ? name : Cat(ns, ".", name);
    return file_;
  }

 private:
  std::pair<std::string, std::string> SplitName(const std::string& full) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      size_t dot = full.find('.', start);
      parts.push_back(Scrub(full.substr(start, dot == std::string::npos ? dot : dot - start)));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    std::string name = parts.back();
    parts.pop_back();
    std::string ns;
    for (const std::string& p : parts) ns = ns.empty() ? p : Cat(ns, ".", p);
    return {ns, name};
  }

  std::string Scrub(std::string_view name) const {
    return o_.scrub_invalid_names ? ScrubName(name) : S(name);
  }
  std::string NameOrDefault(const std::string& name) {
    return name.empty() ? Cat(kDefaultSchemaName, ++name_index_) : name;
  }
  std::string Unqualified(const std::string& name) {
    const std::string full = NameOrDefault(name);
    const size_t dot = full.rfind('.');
    return Scrub(dot == std::string::npos ? full : full.substr(dot + 1));
  }

  void Import(std::string_view file) {
    for (const std::string& d : file_.dependency()) {
      if (d == file) return;
    }
    file_.add_dependency(S(file));
  }

  absl::Status Message(const Schema& schema, const std::string& name, pb::DescriptorProto* out) {
    out->set_name(name);
    int index = 1;
    std::vector<std::pair<std::string, pb::FieldDescriptorProto*>> synthetic;
    for (const ::ferry::Field& field : schema.fields()) {
      const Schema& fs = *field.schema;
      int tag = 0;
      if (!absl::SimpleAtoi(Param(fs, kProtobufTag), &tag)) tag = index++;
      absl::StatusOr<pb::FieldDescriptorProto*> f =
          FieldDef(fs, Scrub(field.name), tag, false, out);
      if (!f.ok()) return f.status();
      if (*f == nullptr) continue;
      if (o_.optional_for_nullables && fs.optional() && fs.type() != Type::kArray &&
          fs.type() != Type::kMap) {
        (*f)->set_proto3_optional(true);
        synthetic.emplace_back(Cat("_", (*f)->name()), *f);
      }
    }
    // Synthetic oneofs come after the real ones.
    for (auto& [oneof_name, f] : synthetic) {
      f->set_oneof_index(out->oneof_decl_size());
      out->add_oneof_decl()->set_name(oneof_name);
    }
    return absl::OkStatus();
  }

  // Adds the field to `message`; nullptr when the schema is a union, whose
  // members are added as a oneof.
  absl::StatusOr<pb::FieldDescriptorProto*> FieldDef(const Schema& field_schema,
                                                     const std::string& name, int tag,
                                                     bool oneof_member,
                                                     pb::DescriptorProto* message) {
    const Schema* fs = &field_schema;
    pb::FieldDescriptorProto::Label label = pb::FieldDescriptorProto::LABEL_OPTIONAL;
    if (fs->type() == Type::kArray || fs->type() == Type::kMap) {
      label = pb::FieldDescriptorProto::LABEL_REPEATED;
    }
    if (fs->type() == Type::kArray) {
      fs = fs->value_schema().get();
      if (fs == nullptr)
        return absl::InvalidArgumentError("an ARRAY schema without element schema");
    }
    std::map<std::string, std::string> params;
    absl::StatusOr<std::string> type = DataType(*fs, name, &params, oneof_member);
    if (!type.ok()) return type.status();
    pb::FieldDescriptorProto f;
    f.set_name(name);
    f.set_number(tag);
    f.set_label(label);
    if (fs->type() == Type::kStruct && !fs->IsLogical(logical::kDecimal)) {
      if (IsUnionSchema(*fs)) {
        const std::string union_name =
            o_.generalized_sum_type_support
                ? Param(*fs, kGeneralizedUnion)
                : Unqualified(fs->name().substr(kProtobufUnionPrefix.size()));
        if (absl::Status s = Oneof(*fs, union_name, message); !s.ok()) return s;
        return nullptr;
      }
      if (nested_.insert({message, *type}).second) {
        pb::DescriptorProto* nested = message->add_nested_type();
        if (absl::Status s = Message(*fs, *type, nested); !s.ok()) return s;
      }
      f.set_type_name(*type);
    } else if (fs->type() == Type::kMap) {
      if (nested_.insert({message, *type}).second) {
        pb::DescriptorProto* entry = message->add_nested_type();
        entry->set_name(*type);
        if (!fs->key_schema() || !fs->value_schema()) {
          return absl::InvalidArgumentError("a MAP schema without key or value schema");
        }
        absl::StatusOr<pb::FieldDescriptorProto*> k =
            FieldDef(*fs->key_schema(), "key", 1, false, entry);
        if (!k.ok()) return k.status();
        absl::StatusOr<pb::FieldDescriptorProto*> v =
            FieldDef(*fs->value_schema(), "value", 2, false, entry);
        if (!v.ok()) return v.status();
      }
      f.set_type_name(*type);
    } else if (IsEnumSchema(*fs, o_)) {
      const std::string enum_name = Unqualified(fs->name());
      bool exists = false;
      for (const auto& e : message->enum_type()) exists = exists || e.name() == enum_name;
      if (!exists) {
        if (absl::Status s = EnumDef(*fs, enum_name, message->add_enum_type()); !s.ok()) return s;
      }
      f.set_type_name(*type);
    } else if (std::string_view file = KnownTypeFile(*type); !file.empty()) {
      Import(file);
      f.set_type_name(Cat(".", *type));
    } else {
      static const auto* scalars = new std::map<std::string, pb::FieldDescriptorProto::Type>{
          {"int32", pb::FieldDescriptorProto::TYPE_INT32},
          {"sint32", pb::FieldDescriptorProto::TYPE_SINT32},
          {"sfixed32", pb::FieldDescriptorProto::TYPE_SFIXED32},
          {"uint32", pb::FieldDescriptorProto::TYPE_UINT32},
          {"fixed32", pb::FieldDescriptorProto::TYPE_FIXED32},
          {"int64", pb::FieldDescriptorProto::TYPE_INT64},
          {"sint64", pb::FieldDescriptorProto::TYPE_SINT64},
          {"sfixed64", pb::FieldDescriptorProto::TYPE_SFIXED64},
          {"uint64", pb::FieldDescriptorProto::TYPE_UINT64},
          {"fixed64", pb::FieldDescriptorProto::TYPE_FIXED64},
          {"float", pb::FieldDescriptorProto::TYPE_FLOAT},
          {"double", pb::FieldDescriptorProto::TYPE_DOUBLE},
          {"bool", pb::FieldDescriptorProto::TYPE_BOOL},
          {"string", pb::FieldDescriptorProto::TYPE_STRING},
          {"bytes", pb::FieldDescriptorProto::TYPE_BYTES},
      };
      auto it = scalars->find(*type);
      if (it == scalars->end()) {
        return absl::InvalidArgumentError(Cat("unknown protobuf type ", *type, " of field ", name));
      }
      f.set_type(it->second);
    }
    if (!params.empty()) {
      Import("confluent/meta.proto");
      SetFieldMeta(params, f.mutable_options());
    }
    pb::FieldDescriptorProto* added = message->add_field();
    *added = std::move(f);
    return added;
  }

  // [(confluent.field_meta).params = …] as the options' unknown field.
  static void SetFieldMeta(const std::map<std::string, std::string>& params,
                           pb::FieldOptions* options) {
    pb::UnknownFieldSet meta;
    for (const auto& [k, v] : params) {
      pb::UnknownFieldSet entry;
      entry.AddLengthDelimited(1, k);
      entry.AddLengthDelimited(2, v);
      std::string bytes;
      entry.SerializeToString(&bytes);
      meta.AddLengthDelimited(2, bytes);
    }
    std::string bytes;
    meta.SerializeToString(&bytes);
    options->GetReflection()->MutableUnknownFields(options)->AddLengthDelimited(1088, bytes);
  }

  absl::Status Oneof(const Schema& u, const std::string& name, pb::DescriptorProto* message) {
    const int oneof_index = message->oneof_decl_size();
    message->add_oneof_decl()->set_name(name);
    for (const ::ferry::Field& member : u.fields()) {
      int tag = 0;
      if (!absl::SimpleAtoi(Param(*member.schema, kProtobufTag), &tag)) tag = 0;
      absl::StatusOr<pb::FieldDescriptorProto*> f =
          FieldDef(*member.schema, Scrub(member.name), tag, true, message);
      if (!f.ok()) return f.status();
      if (*f != nullptr) (*f)->set_oneof_index(oneof_index);
    }
    return absl::OkStatus();
  }

  absl::Status EnumDef(const Schema& s, const std::string& name, pb::EnumDescriptorProto* out) {
    out->set_name(name);
    const std::string param = S(o_.generalized_sum_type_support ? kGeneralizedEnum : kProtobufEnum);
    std::vector<std::pair<int, std::string>> values;
    for (const auto& [k, v] : s.parameters()) {
      if (!absl::StartsWith(k, param + ".")) continue;
      int tag = 0;
      if (!absl::SimpleAtoi(v, &tag)) {
        return absl::InvalidArgumentError(Cat("enum ", name, ": symbol ", k, " has tag ", v));
      }
      values.emplace_back(tag, k.substr(param.size() + 1));
    }
    std::stable_sort(values.begin(), values.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [tag, symbol] : values) {
      pb::EnumValueDescriptorProto* v = out->add_value();
      v->set_name(symbol);
      v->set_number(tag);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> DataType(const Schema& s, const std::string& field_name,
                                       std::map<std::string, std::string>* params,
                                       bool oneof_member) {
    if (s.IsLogical(logical::kDecimal)) {
      if (HasParam(s, kConnectPrecision)) (*params)["precision"] = Param(s, kConnectPrecision);
      if (HasParam(s, logical::kDecimalScaleParam)) {
        (*params)["scale"] = Param(s, logical::kDecimalScaleParam);
      }
      return S(kDecimalType);
    }
    if (s.IsLogical(logical::kDate)) return S(kDateType);
    if (s.IsLogical(logical::kTime)) return S(kTimeType);
    if (s.IsLogical(logical::kTimestamp)) return S(kTimestampType);
    const bool wrap = o_.wrapper_for_nullables && s.optional() &&
                      (!oneof_member || Param(s, kProtobufWrapper) == "true");
    switch (s.type()) {
      case Type::kInt8:
      case Type::kInt16:
        (*params)[S(kConnectType)] = s.type() == Type::kInt8 ? "int8" : "int16";
        return wrap ? std::string("google.protobuf.Int32Value") : std::string("int32");
      case Type::kInt32: {
        if (HasParam(s, kProtobufEnum)) return Param(s, kProtobufEnum);
        std::string t = HasParam(s, kProtobufType) ? Param(s, kProtobufType) : "int32";
        return wrap ? std::string("google.protobuf.Int32Value") : t;
      }
      case Type::kInt64: {
        std::string t = HasParam(s, kProtobufType) ? Param(s, kProtobufType) : "int64";
        std::string w = "google.protobuf.Int64Value";
        if (t == "uint32" || t == "fixed32") w = "google.protobuf.UInt32Value";
        if (t == "uint64" || t == "fixed64") w = "google.protobuf.UInt64Value";
        return wrap ? w : t;
      }
      case Type::kFloat32:
        return wrap ? std::string("google.protobuf.FloatValue") : std::string("float");
      case Type::kFloat64:
        return wrap ? std::string("google.protobuf.DoubleValue") : std::string("double");
      case Type::kBoolean:
        return wrap ? std::string("google.protobuf.BoolValue") : std::string("bool");
      case Type::kString:
        if (HasParam(s, kGeneralizedEnum)) return Param(s, kGeneralizedEnum);
        if (HasParam(s, kProtobufEnum)) return Param(s, kProtobufEnum);
        return wrap ? std::string("google.protobuf.StringValue") : std::string("string");
      case Type::kBytes:
        return wrap ? std::string("google.protobuf.BytesValue") : std::string("bytes");
      case Type::kArray:
        return absl::InvalidArgumentError("Array cannot be nested");
      case Type::kMap:
        return ToMapEntry(Unqualified(s.name()));
      case Type::kStruct: {
        std::string name = Unqualified(s.name());
        if (name == field_name) name += "Message";
        return name;
      }
    }
    return absl::InvalidArgumentError(Cat("Unknown schema type: ", TypeName(s.type())));
  }

  const ProtobufDataOptions& o_;
  pb::FileDescriptorProto file_;
  int name_index_ = 0;
  std::set<std::pair<const pb::DescriptorProto*, std::string>> nested_;
};

// ---------------------------------------------------------------------------
// Connect value → Protobuf message.

class ValueWriter {
 public:
  explicit ValueWriter(const ProtobufDataOptions& o) : o_(o) {}

  absl::Status Root(const Schema& s, const Value& v, pb::Message* out) {
    if (s.type() != Type::kStruct) {
      const FieldDescriptor* f = out->GetDescriptor()->FindFieldByName("value");
      if (f == nullptr) {
        return absl::InvalidArgumentError(
            Cat("Unsupported root schema of type ", TypeName(s.type())));
      }
      return Set(s, v, *f, out);
    }
    return Fill(s, v, out);
  }

 private:
  absl::Status Fill(const Schema& s, const Value& v, pb::Message* out) {
    if (v.kind() != Value::Kind::kStruct) {
      return absl::InvalidArgumentError(Cat("Invalid type for STRUCT: ", JavaClassName(v)));
    }
    const ::ferry::Struct& st = v.as_struct();
    const Descriptor& d = *out->GetDescriptor();
    for (const ::ferry::Field& field : s.fields()) {
      const Value& fv = st.values.at(field.index);
      const Value* value = &fv;
      if (fv.is_null() && field.schema->default_value() && !o_.ignore_default_for_nullables) {
        value = field.schema->default_value().get();
      }
      if (value->is_null()) continue;
      const Schema& fs = *field.schema;
      if (fs.type() == Type::kStruct && IsUnionSchema(fs)) {
        const ::ferry::Struct& u = value->as_struct();
        bool found = false;
        for (const ::ferry::Field& member : fs.fields()) {
          const Value& mv = u.values.at(member.index);
          if (mv.is_null()) continue;
          const std::string name = o_.scrub_invalid_names ? ScrubName(member.name) : member.name;
          const FieldDescriptor* f = d.FindFieldByName(name);
          if (f == nullptr)
            return absl::InvalidArgumentError(Cat("Cannot find field with name ", name));
          if (absl::Status st2 = Set(*member.schema, mv, *f, out); !st2.ok()) return st2;
          found = true;
          break;
        }
        if (!found) return absl::InvalidArgumentError("Cannot find non-null field");
        continue;
      }
      const std::string name = o_.scrub_invalid_names ? ScrubName(field.name) : field.name;
      const FieldDescriptor* f = d.FindFieldByName(name);
      if (f == nullptr)
        return absl::InvalidArgumentError(Cat("Cannot find field with name ", name));
      if (absl::Status st2 = Set(fs, *value, *f, out); !st2.ok()) {
        return absl::Status(st2.code(), Cat(name, ": ", st2.message()));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Set(const Schema& s, const Value& v, const FieldDescriptor& f, pb::Message* out) {
    if (v.is_null()) return absl::OkStatus();
    const pb::Reflection& r = *out->GetReflection();
    if (f.is_repeated()) {
      if (s.type() == Type::kMap) {
        if (v.kind() != Value::Kind::kMap) {
          return absl::InvalidArgumentError(Cat("Invalid type for MAP: ", JavaClassName(v)));
        }
        const Descriptor& entry = *f.message_type();
        const FieldDescriptor* kf = entry.FindFieldByName("key");
        const FieldDescriptor* vf = entry.FindFieldByName("value");
        if (kf == nullptr || vf == nullptr) {
          return absl::InvalidArgumentError(Cat("field ", f.name(), " is not a map"));
        }
        for (const auto& [k, val] : v.as_map()) {
          pb::Message* e = r.AddMessage(out, &f);
          if (absl::Status st = Set(*s.key_schema(), k, *kf, e); !st.ok()) return st;
          if (absl::Status st = Set(*s.value_schema(), val, *vf, e); !st.ok()) return st;
        }
        return absl::OkStatus();
      }
      if (s.type() != Type::kArray || v.kind() != Value::Kind::kArray) {
        return absl::InvalidArgumentError(Cat("Invalid type for ARRAY: ", JavaClassName(v)));
      }
      for (const Value& e : v.as_array()) {
        if (e.is_null()) {
          return absl::InvalidArgumentError("a null element: Protobuf repeated fields hold none");
        }
        if (absl::Status st = One(*s.value_schema(), e, f, out, true); !st.ok()) return st;
      }
      return absl::OkStatus();
    }
    return One(s, v, f, out, false);
  }

  // Sets (or adds, for a repeated field) one value.
  absl::Status One(const Schema& s, const Value& v, const FieldDescriptor& f, pb::Message* out,
                   bool add) {
    const pb::Reflection& r = *out->GetReflection();
    auto mismatch = [&] {
      return absl::InvalidArgumentError(Cat("Invalid type for ", TypeName(s.type()), ": ",
                                            JavaClassName(v), " (field ", f.name(), " is ",
                                            f.type_name(), ")"));
    };
    switch (f.cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        pb::Message* m = add ? r.AddMessage(out, &f) : r.MutableMessage(out, &f);
        return Message(s, v, m);
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const pb::EnumDescriptor& e = *f.enum_type();
        const pb::EnumValueDescriptor* ev = nullptr;
        if (v.kind() == Value::Kind::kString) {
          ev = e.FindValueByName(v.as_string());
        } else if (v.kind() == Value::Kind::kInt) {
          ev = e.FindValueByNumber(static_cast<int>(v.as_int()));
        }
        if (ev == nullptr) {
          return absl::InvalidArgumentError(
              Cat("enum ", e.full_name(), " has no value ", v.DebugString()));
        }
        add ? r.AddEnum(out, &f, ev) : r.SetEnum(out, &f, ev);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_INT32:
        if (v.kind() != Value::Kind::kInt) return mismatch();
        add ? r.AddInt32(out, &f, static_cast<int32_t>(v.as_int()))
            : r.SetInt32(out, &f, static_cast<int32_t>(v.as_int()));
        return absl::OkStatus();
      case FieldDescriptor::CPPTYPE_INT64:
        if (v.kind() != Value::Kind::kInt) return mismatch();
        add ? r.AddInt64(out, &f, v.as_int()) : r.SetInt64(out, &f, v.as_int());
        return absl::OkStatus();
      case FieldDescriptor::CPPTYPE_UINT32:
        if (v.kind() != Value::Kind::kInt) return mismatch();
        add ? r.AddUInt32(out, &f, static_cast<uint32_t>(v.as_int()))
            : r.SetUInt32(out, &f, static_cast<uint32_t>(v.as_int()));
        return absl::OkStatus();
      case FieldDescriptor::CPPTYPE_UINT64:
        if (v.kind() != Value::Kind::kInt) return mismatch();
        add ? r.AddUInt64(out, &f, static_cast<uint64_t>(v.as_int()))
            : r.SetUInt64(out, &f, static_cast<uint64_t>(v.as_int()));
        return absl::OkStatus();
      case FieldDescriptor::CPPTYPE_FLOAT:
      case FieldDescriptor::CPPTYPE_DOUBLE: {
        double d = 0;
        if (v.kind() == Value::Kind::kFloat) {
          d = v.as_float();
        } else if (v.kind() == Value::Kind::kInt) {
          d = static_cast<double>(v.as_int());
        } else {
          return mismatch();
        }
        if (f.cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
          add ? r.AddFloat(out, &f, static_cast<float>(d))
              : r.SetFloat(out, &f, static_cast<float>(d));
        } else {
          add ? r.AddDouble(out, &f, d) : r.SetDouble(out, &f, d);
        }
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_BOOL:
        if (v.kind() != Value::Kind::kBool) return mismatch();
        add ? r.AddBool(out, &f, v.as_bool()) : r.SetBool(out, &f, v.as_bool());
        return absl::OkStatus();
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string text;
        if (v.kind() == Value::Kind::kString) {
          text = v.as_string();
        } else if (v.kind() == Value::Kind::kBytes) {
          text = v.as_bytes().data;
        } else {
          return mismatch();
        }
        add ? r.AddString(out, &f, std::move(text)) : r.SetString(out, &f, std::move(text));
        return absl::OkStatus();
      }
    }
    return mismatch();
  }

  // A message field's value: a logical type, a wrapper, or a struct.
  absl::Status Message(const Schema& s, const Value& v, pb::Message* m) {
    const Descriptor& d = *m->GetDescriptor();
    const std::string& full = d.full_name();
    const pb::Reflection& r = *m->GetReflection();
    auto set_int = [&](std::string_view name, int64_t x) {
      const FieldDescriptor* f = d.FindFieldByName(S(name));
      if (f == nullptr) return;
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_INT64) r.SetInt64(m, f, x);
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_INT32)
        r.SetInt32(m, f, static_cast<int32_t>(x));
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_UINT32)
        r.SetUInt32(m, f, static_cast<uint32_t>(x));
    };
    if (full == kDecimalType) {
      if (v.kind() != Value::Kind::kDecimal) {
        return absl::InvalidArgumentError(
            Cat("Invalid type for Decimal, expected BigDecimal but was ", JavaClassName(v)));
      }
      const Decimal& dec = v.as_decimal();
      const FieldDescriptor* vf = d.FindFieldByName("value");
      if (vf != nullptr)
        r.SetString(m, vf, dec.unscaled.empty() ? std::string(1, '\0') : dec.unscaled);
      set_int("precision", static_cast<int64_t>(FromDecimal(dec).digits.size()));
      set_int("scale", dec.scale);
      return absl::OkStatus();
    }
    if (full == kDateType) {
      if (v.kind() != Value::Kind::kDate) {
        return absl::InvalidArgumentError(
            Cat("Invalid type for Date, expected Date but was ", JavaClassName(v)));
      }
      // H. Hinnant's civil_from_days.
      int64_t z = v.as_date().days + 719468;
      const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
      const int64_t doe = z - era * 146097;
      const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
      const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
      const int64_t mp = (5 * doy + 2) / 153;
      const int64_t day = doy - (153 * mp + 2) / 5 + 1;
      const int64_t month = mp < 10 ? mp + 3 : mp - 9;
      const int64_t year = yoe + era * 400 + (month <= 2);
      set_int("year", year);
      set_int("month", month);
      set_int("day", day);
      return absl::OkStatus();
    }
    if (full == kTimeType) {
      if (v.kind() != Value::Kind::kTime) {
        return absl::InvalidArgumentError(
            Cat("Invalid type for Time, expected Date but was ", JavaClassName(v)));
      }
      const int64_t micros = v.as_time().micros;
      if (micros < 0 || micros >= int64_t{86400} * 1000000) {
        return absl::InvalidArgumentError(
            "Time values must use number of millis greater than 0 and less than 86400000");
      }
      set_int("hours", micros / 3600000000);
      set_int("minutes", micros / 60000000 % 60);
      set_int("seconds", micros / 1000000 % 60);
      set_int("nanos", micros % 1000000 * 1000);
      return absl::OkStatus();
    }
    if (full == kTimestampType) {
      if (v.kind() != Value::Kind::kTimestamp) {
        return absl::InvalidArgumentError(
            Cat("Invalid type for Timestamp, expected Date but was ", JavaClassName(v)));
      }
      const int64_t micros = v.as_timestamp().micros;
      int64_t sec = micros / 1000000, rem = micros % 1000000;
      if (rem < 0) {
        rem += 1000000;
        --sec;
      }
      set_int("seconds", sec);
      set_int("nanos", rem * 1000);
      return absl::OkStatus();
    }
    if (s.type() != Type::kStruct) {
      if (WrapperType(d)) {
        const FieldDescriptor* f = d.FindFieldByName("value");
        return One(s, v, *f, m, false);
      }
      return absl::InvalidArgumentError(
          Cat("Invalid type for ", TypeName(s.type()), ": message ", full, " expected"));
    }
    return Fill(s, v, m);
  }

  const ProtobufDataOptions& o_;
};

}  // namespace

absl::StatusOr<SchemaPtr> ProtobufToConnectSchema(const Descriptor& message,
                                                  std::optional<int> version,
                                                  const ProtobufDataOptions& options) {
  SchemaReader reader(options);
  return reader.Root(message, version);
}

absl::StatusOr<Value> ProtobufToConnectValue(const pb::Message& message, const SchemaPtr& schema,
                                             const ProtobufDataOptions& options) {
  ValueReader reader(options);
  return reader.Root(message, schema);
}

}  // namespace ferry::internal

namespace ferry::internal {

absl::StatusOr<pb::FileDescriptorProto> ConnectToProtobufSchema(const Schema& schema,
                                                                const ProtobufDataOptions& options,
                                                                std::string* message_name) {
  SchemaWriter writer(options);
  return writer.Root(schema, message_name);
}

absl::Status ConnectToProtobufMessage(const Schema& schema, const Value& value,
                                      const ProtobufDataOptions& options, pb::Message* out) {
  ValueWriter writer(options);
  return writer.Root(schema, value, out);
}

}  // namespace ferry::internal
