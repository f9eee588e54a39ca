#include "emulator/proto_rows.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "emulator/values.h"

namespace ferry::emulator {

using bigquery::FieldMode;
using bigquery::FieldType;
using bigquery::TableFieldSchema;
using google::protobuf::Descriptor;
using google::protobuf::DescriptorProto;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using json = nlohmann::json;

struct FieldBinding {
  const FieldDescriptor* field;
  const TableFieldSchema* column;
  std::string path;
  std::unique_ptr<MessageBinding> record;  // RECORD columns only.
};

struct MessageBinding {
  std::vector<FieldBinding> fields;
  std::vector<std::string> missing_required;  // REQUIRED columns the writer schema lacks.
};

namespace {

// Descriptors from proto3 sources carry proto3_optional with synthetic oneofs,
// which a proto2 file rejects. Rows are decoded with proto2 semantics (as
// BigQuery does), where every singular field has presence, so they are dropped.
void StripProto3Optional(DescriptorProto& message) {
  bool any = false;
  for (auto& field : *message.mutable_field()) {
    if (field.proto3_optional()) {
      field.clear_proto3_optional();
      field.clear_oneof_index();
      any = true;
    }
  }
  if (any) {
    std::map<int, int> remap;
    google::protobuf::RepeatedPtrField<google::protobuf::OneofDescriptorProto> kept;
    for (const auto& field : message.field()) {
      if (field.has_oneof_index() && !remap.count(field.oneof_index())) {
        const int next = static_cast<int>(remap.size());
        remap[field.oneof_index()] = next;
        *kept.Add() = message.oneof_decl(field.oneof_index());
      }
    }
    for (auto& field : *message.mutable_field()) {
      if (field.has_oneof_index()) field.set_oneof_index(remap[field.oneof_index()]);
    }
    message.mutable_oneof_decl()->Swap(&kept);
  }
  for (auto& nested : *message.mutable_nested_type()) StripProto3Optional(nested);
}

class CollectErrors : public google::protobuf::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string& element_name,
                const google::protobuf::Message* descriptor, ErrorLocation location,
                const std::string& message) override {
    if (!errors.empty()) errors += "; ";
    absl::StrAppend(&errors, element_name, ": ", message);
  }
  std::string errors;
};

bool IsInteger(FieldDescriptor::CppType t) {
  return t == FieldDescriptor::CPPTYPE_INT32 || t == FieldDescriptor::CPPTYPE_INT64 ||
         t == FieldDescriptor::CPPTYPE_UINT32 || t == FieldDescriptor::CPPTYPE_UINT64;
}

// BigQuery's documented proto -> column conversions
// (https://cloud.google.com/bigquery/docs/write-api#data_type_conversions), minus
// the packed encodings (BYTES NUMERIC, int64 DATETIME/TIME) which are not emulated.
bool Compatible(const FieldDescriptor& f, FieldType column) {
  const auto cpp = f.cpp_type();
  const bool is_string = f.type() == FieldDescriptor::TYPE_STRING;
  const bool is_bytes = f.type() == FieldDescriptor::TYPE_BYTES;
  switch (column) {
    case FieldType::kString:
      return is_string || cpp == FieldDescriptor::CPPTYPE_ENUM;
    case FieldType::kBytes:
      return is_bytes || is_string;
    case FieldType::kInteger:
      return IsInteger(cpp) || cpp == FieldDescriptor::CPPTYPE_ENUM;
    case FieldType::kFloat:
      return cpp == FieldDescriptor::CPPTYPE_FLOAT || cpp == FieldDescriptor::CPPTYPE_DOUBLE ||
             IsInteger(cpp);
    case FieldType::kBoolean:
      return cpp == FieldDescriptor::CPPTYPE_BOOL;
    case FieldType::kNumeric:
    case FieldType::kBignumeric:
      return is_string || IsInteger(cpp) || cpp == FieldDescriptor::CPPTYPE_FLOAT ||
             cpp == FieldDescriptor::CPPTYPE_DOUBLE;
    case FieldType::kTimestamp:
      return is_string || IsInteger(cpp);
    case FieldType::kDate:
      return is_string || cpp == FieldDescriptor::CPPTYPE_INT32 ||
             cpp == FieldDescriptor::CPPTYPE_INT64;
    case FieldType::kTime:
    case FieldType::kDatetime:
    case FieldType::kGeography:
    case FieldType::kJson:
      return is_string;
    case FieldType::kRecord:
      return cpp == FieldDescriptor::CPPTYPE_MESSAGE;
  }
  return false;
}

absl::Status Bind(const Descriptor& message, const std::vector<TableFieldSchema>& columns,
                  const std::string& prefix, MessageBinding& out, std::vector<std::string>& extra) {
  std::vector<bool> used(columns.size(), false);
  for (int i = 0; i < message.field_count(); ++i) {
    const FieldDescriptor* f = message.field(i);
    const std::string path = prefix.empty() ? f->name() : absl::StrCat(prefix, ".", f->name());
    const TableFieldSchema* column = nullptr;
    for (size_t c = 0; c < columns.size(); ++c) {
      if (absl::EqualsIgnoreCase(columns[c].name, f->name())) {
        column = &columns[c];
        used[c] = true;
        break;
      }
    }
    if (column == nullptr) {
      extra.push_back(path);
      continue;
    }
    if (!Compatible(*f, column->type)) {
      return absl::InvalidArgumentError(
          absl::StrCat("The proto field mismatched with BigQuery field at ", f->full_name(),
                       ", the proto field type ", f->type_name(), ", BigQuery field type ",
                       std::string(bigquery::FieldTypeName(column->type))));
    }
    if (f->is_repeated() != (column->mode == FieldMode::kRepeated)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "The proto field mismatched with BigQuery field at ", f->full_name(),
          ", the proto field mode ", f->is_repeated() ? "REPEATED" : "NULLABLE",
          ", BigQuery field mode ", std::string(bigquery::FieldModeName(column->mode))));
    }
    FieldBinding binding{f, column, path, nullptr};
    if (column->type == FieldType::kRecord) {
      binding.record = std::make_unique<MessageBinding>();
      if (absl::Status s = Bind(*f->message_type(), column->fields, path, *binding.record, extra);
          !s.ok()) {
        return s;
      }
    }
    out.fields.push_back(std::move(binding));
  }
  for (size_t c = 0; c < columns.size(); ++c) {
    if (!used[c] && columns[c].mode == FieldMode::kRequired) {
      out.missing_required.push_back(prefix.empty() ? columns[c].name
                                                    : absl::StrCat(prefix, ".", columns[c].name));
    }
  }
  return absl::OkStatus();
}

absl::Status RowError(std::string detail, const std::string& path) {
  return absl::InvalidArgumentError(absl::StrCat(detail, " on field ", path, "."));
}

absl::Status RowError(const absl::Status& status, const std::string& path) {
  return RowError(std::string(status.message()), path);
}

// One scalar of a proto field, read through reflection (index < 0: singular).
struct Scalar {
  const Message* message;
  const Reflection* reflection;
  const FieldDescriptor* field;
  int index;

  int64_t Int() const {
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return index < 0 ? reflection->GetInt32(*message, field)
                         : reflection->GetRepeatedInt32(*message, field, index);
      case FieldDescriptor::CPPTYPE_INT64:
        return index < 0 ? reflection->GetInt64(*message, field)
                         : reflection->GetRepeatedInt64(*message, field, index);
      case FieldDescriptor::CPPTYPE_UINT32:
        return index < 0 ? reflection->GetUInt32(*message, field)
                         : reflection->GetRepeatedUInt32(*message, field, index);
      case FieldDescriptor::CPPTYPE_ENUM:
        return index < 0 ? reflection->GetEnumValue(*message, field)
                         : reflection->GetRepeatedEnumValue(*message, field, index);
      default:
        return 0;
    }
  }
  uint64_t UInt64() const {
    return index < 0 ? reflection->GetUInt64(*message, field)
                     : reflection->GetRepeatedUInt64(*message, field, index);
  }
  double Double() const {
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
      return index < 0 ? reflection->GetFloat(*message, field)
                       : reflection->GetRepeatedFloat(*message, field, index);
    }
    return index < 0 ? reflection->GetDouble(*message, field)
                     : reflection->GetRepeatedDouble(*message, field, index);
  }
  bool Bool() const {
    return index < 0 ? reflection->GetBool(*message, field)
                     : reflection->GetRepeatedBool(*message, field, index);
  }
  std::string String() const {
    return index < 0 ? reflection->GetString(*message, field)
                     : reflection->GetRepeatedString(*message, field, index);
  }
  std::string EnumName() const {
    return index < 0 ? reflection->GetEnum(*message, field)->name()
                     : reflection->GetRepeatedEnum(*message, field, index)->name();
  }
  const Message& Sub() const {
    return index < 0 ? reflection->GetMessage(*message, field)
                     : reflection->GetRepeatedMessage(*message, field, index);
  }
  bool IsDouble() const {
    return field->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT ||
           field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE;
  }
};

absl::StatusOr<json> DecodeMessage(const Message& message, const MessageBinding& binding);

// Integer of any proto width as int64; uint64 past INT64_MAX is out of range.
absl::StatusOr<int64_t> AsInt64(const Scalar& v) {
  if (v.field->cpp_type() == FieldDescriptor::CPPTYPE_UINT64) {
    const uint64_t u = v.UInt64();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return absl::InvalidArgumentError(absl::StrCat("Integer value is out of range: ", u));
    }
    return static_cast<int64_t>(u);
  }
  return v.Int();
}

absl::StatusOr<std::string> Utf8String(const Scalar& v) {
  std::string s = v.String();
  if (!values::IsValidUtf8(s)) {
    return absl::InvalidArgumentError("String field contains invalid UTF-8");
  }
  return s;
}

absl::StatusOr<json> DecodeScalar(const Scalar& v, const FieldBinding& b) {
  const bool is_string = v.field->type() == FieldDescriptor::TYPE_STRING;
  switch (b.column->type) {
    case FieldType::kString: {
      if (v.field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) return v.EnumName();
      absl::StatusOr<std::string> s = Utf8String(v);
      if (!s.ok()) return s.status();
      return *std::move(s);
    }
    case FieldType::kBytes:
      return absl::Base64Escape(v.String());
    case FieldType::kInteger: {
      absl::StatusOr<int64_t> i = AsInt64(v);
      if (!i.ok()) return i.status();
      return *i;
    }
    case FieldType::kFloat: {
      double d;
      if (v.IsDouble()) {
        d = v.Double();
      } else {
        absl::StatusOr<int64_t> i = AsInt64(v);
        if (!i.ok()) return i.status();
        d = static_cast<double>(*i);
      }
      // JSON has no NaN or infinities; they are stored as Java spells them.
      if (!std::isfinite(d)) return values::JavaDoubleString(d);
      return d;
    }
    case FieldType::kBoolean:
      return v.Bool();
    case FieldType::kNumeric:
    case FieldType::kBignumeric: {
      const bool big = b.column->type == FieldType::kBignumeric;
      absl::StatusOr<std::string> n;
      if (is_string) {
        n = values::ParseNumeric(v.String(), big);
      } else if (v.IsDouble()) {
        n = values::NumericFromDouble(v.Double(), big);
      } else if (v.field->cpp_type() == FieldDescriptor::CPPTYPE_UINT64) {
        n = std::to_string(v.UInt64());
      } else {
        n = std::to_string(v.Int());
      }
      if (!n.ok()) return n.status();
      return *std::move(n);
    }
    case FieldType::kTimestamp: {
      absl::StatusOr<int64_t> micros;
      if (is_string) {
        absl::StatusOr<std::string> s = Utf8String(v);
        if (!s.ok()) return s.status();
        micros = values::ParseTimestamp(*s);
      } else {
        absl::StatusOr<int64_t> i = AsInt64(v);
        if (!i.ok()) return i.status();
        micros = values::CheckTimestampMicros(*i);
      }
      if (!micros.ok()) return micros.status();
      return *micros;
    }
    case FieldType::kDate: {
      absl::StatusOr<std::string> date =
          is_string ? values::ParseDate(v.String()) : values::DateFromDays(v.Int());
      if (!date.ok()) return date.status();
      return *std::move(date);
    }
    case FieldType::kDatetime:
    case FieldType::kTime: {
      absl::StatusOr<std::string> s = b.column->type == FieldType::kTime
                                          ? values::ParseTime(v.String())
                                          : values::ParseDatetime(v.String());
      if (!s.ok()) return s.status();
      return *std::move(s);
    }
    case FieldType::kGeography: {
      absl::StatusOr<std::string> s = Utf8String(v);
      if (!s.ok()) return s.status();
      return *std::move(s);
    }
    case FieldType::kJson: {
      absl::StatusOr<std::string> s = Utf8String(v);
      if (!s.ok()) return s.status();
      // BigQuery stores JSON normalised; object member order is kept.
      nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(*s, nullptr, false);
      if (parsed.is_discarded()) {
        return absl::InvalidArgumentError(absl::StrCat("Invalid JSON value: '", *s, "'"));
      }
      return parsed.dump();
    }
    case FieldType::kRecord:
      return DecodeMessage(v.Sub(), *b.record);
  }
  return absl::InternalError("unhandled column type");
}

absl::StatusOr<json> DecodeMessage(const Message& message, const MessageBinding& binding) {
  if (!binding.missing_required.empty()) {
    return RowError("Missing required value", binding.missing_required.front());
  }
  const Reflection* reflection = message.GetReflection();
  json out = json::object();
  for (const FieldBinding& b : binding.fields) {
    const std::string& column = b.column->name;
    if (b.field->is_repeated()) {
      json array = json::array();
      const int n = reflection->FieldSize(message, b.field);
      for (int i = 0; i < n; ++i) {
        absl::StatusOr<json> v = DecodeScalar(Scalar{&message, reflection, b.field, i}, b);
        if (!v.ok()) {
          // Nested errors already name their field.
          return b.record ? v.status() : RowError(v.status(), b.path);
        }
        array.push_back(*std::move(v));
      }
      out[column] = std::move(array);
      continue;
    }
    if (!reflection->HasField(message, b.field)) {
      if (b.column->mode == FieldMode::kRequired) return RowError("Missing required value", b.path);
      continue;
    }
    absl::StatusOr<json> v = DecodeScalar(Scalar{&message, reflection, b.field, -1}, b);
    if (!v.ok()) return b.record ? v.status() : RowError(v.status(), b.path);
    out[column] = *std::move(v);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const WriterSchema>> WriterSchema::Build(
    const DescriptorProto& proto) {
  if (proto.name().empty()) {
    return absl::InvalidArgumentError("Invalid proto schema: the descriptor has no name");
  }
  google::protobuf::FileDescriptorProto file;
  file.set_name("ferry_emulator_writer_schema.proto");
  file.set_syntax("proto2");
  DescriptorProto* message = file.add_message_type();
  *message = proto;
  StripProto3Optional(*message);
  std::shared_ptr<WriterSchema> schema(new WriterSchema());
  CollectErrors errors;
  if (schema->pool_.BuildFileCollectingErrors(file, &errors) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("Invalid proto schema: ", errors.errors));
  }
  schema->descriptor_ = schema->pool_.FindMessageTypeByName(proto.name());
  if (schema->descriptor_ == nullptr) {
    return absl::InvalidArgumentError("Invalid proto schema: message not found");
  }
  schema->prototype_ = schema->factory_.GetPrototype(schema->descriptor_);
  return schema;
}

RowDecoder::~RowDecoder() = default;

absl::StatusOr<std::unique_ptr<RowDecoder>> RowDecoder::Create(
    std::shared_ptr<const WriterSchema> writer, const bigquery::TableSchema& table_schema) {
  std::unique_ptr<RowDecoder> decoder(new RowDecoder());
  decoder->writer_ = std::move(writer);
  decoder->schema_ = table_schema;
  decoder->binding_ = std::make_unique<MessageBinding>();
  std::vector<std::string> extra;
  if (absl::Status s = Bind(*decoder->writer_->descriptor(), decoder->schema_.fields, "",
                            *decoder->binding_, extra);
      !s.ok()) {
    return s;
  }
  if (!extra.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Input schema has more fields than BigQuery schema, extra fields: '",
                     absl::StrJoin(extra, ","), "'"));
  }
  return decoder;
}

absl::StatusOr<std::string> RowDecoder::Decode(std::string_view serialized) const {
  std::unique_ptr<Message> message(writer_->prototype()->New());
  // Partial: a missing proto2 `required` field is reported by name below, not as a
  // parse failure.
  if (!message->ParsePartialFromArray(serialized.data(), static_cast<int>(serialized.size()))) {
    return absl::InvalidArgumentError(absl::StrCat("Could not parse the serialized row as ",
                                                   writer_->descriptor()->full_name(),
                                                   ": invalid protobuf wire format"));
  }
  absl::StatusOr<json> row = DecodeMessage(*message, *binding_);
  if (!row.ok()) return row.status();
  return row->dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ferry::emulator
