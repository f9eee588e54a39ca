#include "convert/protobuf_schema.h"

#include <google/protobuf/any.pb.h>
#include <google/protobuf/api.pb.h>
#include <google/protobuf/compiler/parser.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/empty.pb.h>
#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/source_context.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/type.pb.h>
#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/wrappers.pb.h>

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "convert/absl_compat.h"

namespace ferry::internal {
namespace {

namespace pb = ::google::protobuf;

// Imports nest at most this deep.
constexpr int kMaxImportDepth = 64;

class ParserErrors : public pb::io::ErrorCollector {
 public:
  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    // The tokenizer counts from 0; people count from 1.
    errors_.push_back(absl::StrCat(line + 1, ":", column + 1, ": ", message));
  }
  std::string Text() const { return absl::StrJoin(errors_, "; "); }
  bool empty() const { return errors_.empty(); }

 private:
  std::vector<std::string> errors_;
};

class BuildErrors : public pb::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string& element_name,
                const pb::Message* descriptor, ErrorLocation location,
                const std::string& message) override {
    errors_.push_back(element_name.empty() ? message : absl::StrCat(element_name, ": ", message));
  }
  std::string Text() const { return absl::StrJoin(errors_, "; "); }

 private:
  std::vector<std::string> errors_;
};

// The google/type and confluent files of Confluent's KNOWN_DEPENDENCIES
// (their messages, enums and imports; comments and language options left out).
constexpr std::pair<const char*, const char*> kKnownTexts[] = {
    {"confluent/meta.proto", R"(syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
  repeated Rule rules = 4;
}
message Rule {
  string name = 1;
  string doc = 2;
  string expr = 3;
  string sql = 4;
}
extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }
)"},
    {"confluent/type/decimal.proto", R"(syntax = "proto3";
package confluent.type;
message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}
)"},
    {"confluent/type/variant.proto", R"(syntax = "proto3";
package confluent.type;
message Variant {
  bytes metadata = 1;
  bytes value = 2;
}
)"},
    {"google/type/calendar_period.proto", R"(syntax = "proto3";
package google.type;
enum CalendarPeriod {
  CALENDAR_PERIOD_UNSPECIFIED = 0; DAY = 1; WEEK = 2; FORTNIGHT = 3; MONTH = 4; QUARTER = 5;
  HALF = 6; YEAR = 7;
}
)"},
    {"google/type/color.proto", R"(syntax = "proto3";
package google.type;
import "google/protobuf/wrappers.proto";
message Color {
  float red = 1;
  float green = 2;
  float blue = 3;
  google.protobuf.FloatValue alpha = 4;
}
)"},
    {"google/type/date.proto", R"(syntax = "proto3";
package google.type;
message Date {
  int32 year = 1;
  int32 month = 2;
  int32 day = 3;
}
)"},
    {"google/type/datetime.proto", R"(syntax = "proto3";
package google.type;
import "google/protobuf/duration.proto";
message DateTime {
  int32 year = 1;
  int32 month = 2;
  int32 day = 3;
  int32 hours = 4;
  int32 minutes = 5;
  int32 seconds = 6;
  int32 nanos = 7;
  oneof time_offset {
    google.protobuf.Duration utc_offset = 8;
    TimeZone time_zone = 9;
  }
}
message TimeZone {
  string id = 1;
  string version = 2;
}
)"},
    {"google/type/dayofweek.proto", R"(syntax = "proto3";
package google.type;
enum DayOfWeek {
  DAY_OF_WEEK_UNSPECIFIED = 0; MONDAY = 1; TUESDAY = 2; WEDNESDAY = 3; THURSDAY = 4; FRIDAY = 5;
  SATURDAY = 6; SUNDAY = 7;
}
)"},
    {"google/type/decimal.proto", R"(syntax = "proto3";
package google.type;
message Decimal { string value = 1; }
)"},
    {"google/type/expr.proto", R"(syntax = "proto3";
package google.type;
message Expr {
  string expression = 1;
  string title = 2;
  string description = 3;
  string location = 4;
}
)"},
    {"google/type/fraction.proto", R"(syntax = "proto3";
package google.type;
message Fraction {
  int64 numerator = 1;
  int64 denominator = 2;
}
)"},
    {"google/type/interval.proto", R"(syntax = "proto3";
package google.type;
import "google/protobuf/timestamp.proto";
message Interval {
  google.protobuf.Timestamp start_time = 1;
  google.protobuf.Timestamp end_time = 2;
}
)"},
    {"google/type/latlng.proto", R"(syntax = "proto3";
package google.type;
message LatLng {
  double latitude = 1;
  double longitude = 2;
}
)"},
    {"google/type/money.proto", R"(syntax = "proto3";
package google.type;
message Money {
  string currency_code = 1;
  int64 units = 2;
  int32 nanos = 3;
}
)"},
    {"google/type/month.proto", R"(syntax = "proto3";
package google.type;
enum Month {
  MONTH_UNSPECIFIED = 0; JANUARY = 1; FEBRUARY = 2; MARCH = 3; APRIL = 4; MAY = 5; JUNE = 6;
  JULY = 7; AUGUST = 8; SEPTEMBER = 9; OCTOBER = 10; NOVEMBER = 11; DECEMBER = 12;
}
)"},
    {"google/type/phone_number.proto", R"(syntax = "proto3";
package google.type;
message PhoneNumber {
  message ShortCode {
    string region_code = 1;
    string number = 2;
  }
  oneof kind {
    string e164_number = 1;
    ShortCode short_code = 2;
  }
  string extension = 3;
}
)"},
    {"google/type/postal_address.proto", R"(syntax = "proto3";
package google.type;
message PostalAddress {
  int32 revision = 1;
  string region_code = 2;
  string language_code = 3;
  string postal_code = 4;
  string sorting_code = 5;
  string administrative_area = 6;
  string locality = 7;
  string sublocality = 8;
  repeated string address_lines = 9;
  repeated string recipients = 10;
  string organization = 11;
}
)"},
    {"google/type/quaternion.proto", R"(syntax = "proto3";
package google.type;
message Quaternion {
  double x = 1;
  double y = 2;
  double z = 3;
  double w = 4;
}
)"},
    {"google/type/timeofday.proto", R"(syntax = "proto3";
package google.type;
message TimeOfDay {
  int32 hours = 1;
  int32 minutes = 2;
  int32 seconds = 3;
  int32 nanos = 4;
}
)"},
};

const std::map<std::string, pb::FileDescriptorProto, std::less<>>& KnownFiles() {
  static const auto* files = [] {
    auto* out = new std::map<std::string, pb::FileDescriptorProto, std::less<>>();
    // libprotobuf's generated descriptors, named through their classes so
    // that the linker keeps them.
    for (const pb::FileDescriptor* f :
         {pb::Any::descriptor()->file(), pb::Api::descriptor()->file(),
          pb::DescriptorProto::descriptor()->file(), pb::Duration::descriptor()->file(),
          pb::Empty::descriptor()->file(), pb::FieldMask::descriptor()->file(),
          pb::SourceContext::descriptor()->file(), pb::Struct::descriptor()->file(),
          pb::Timestamp::descriptor()->file(), pb::Type::descriptor()->file(),
          pb::DoubleValue::descriptor()->file()}) {
      f->CopyTo(&(*out)[f->name()]);
    }
    for (const auto& [name, text] : kKnownTexts) {
      absl::StatusOr<pb::FileDescriptorProto> parsed = ParseProtoText(name, text);
      // The texts are constants of this file, checked by its tests.
      if (parsed.ok()) (*out)[name] = std::move(*parsed);
    }
    return out;
  }();
  return *files;
}

// Kafka's ByteUtils.readVarint: a zigzag-encoded int of at most 5 bytes.
absl::StatusOr<int32_t> ReadZigZagVarint(std::string_view* in) {
  uint32_t raw = 0;
  for (int i = 0; i < 5; ++i) {
    if (in->empty()) return absl::InvalidArgumentError("message indexes: the varint is truncated");
    const uint8_t b = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    if (i == 4 && (b & 0xf0) != 0) {
      return absl::InvalidArgumentError("message indexes: varint is too long");
    }
    raw |= static_cast<uint32_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      return static_cast<int32_t>((raw >> 1) ^ (~(raw & 1) + 1));
    }
  }
  return absl::InvalidArgumentError("message indexes: varint is too long");
}

void WriteZigZagVarint(int32_t v, std::string* out) {
  uint32_t raw = (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
  while ((raw & ~0x7fu) != 0) {
    out->push_back(static_cast<char>((raw & 0x7f) | 0x80));
    raw >>= 7;
  }
  out->push_back(static_cast<char>(raw));
}

// Nested messages as Confluent counts them: map entries are not messages of
// the schema text.
std::vector<const pb::Descriptor*> NestedMessages(const pb::Descriptor& d) {
  std::vector<const pb::Descriptor*> out;
  for (int i = 0; i < d.nested_type_count(); ++i) {
    if (!d.nested_type(i)->options().map_entry()) out.push_back(d.nested_type(i));
  }
  return out;
}

}  // namespace

absl::StatusOr<pb::FileDescriptorProto> ParseProtoText(std::string_view name,
                                                       std::string_view text) {
  pb::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
  ParserErrors errors;
  pb::io::Tokenizer tokenizer(&input, &errors);
  pb::compiler::Parser parser;
  parser.RecordErrorsTo(&errors);
  pb::FileDescriptorProto file;
  const bool ok = parser.Parse(&tokenizer, &file);
  if (!ok || !errors.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the .proto text does not parse: ", errors.Text()));
  }
  file.set_name(std::string(name));
  return file;
}

const pb::FileDescriptorProto* KnownProtobufFile(std::string_view name) {
  const auto& files = KnownFiles();
  auto it = files.find(name);
  return it == files.end() ? nullptr : &it->second;
}

absl::StatusOr<std::unique_ptr<ProtobufFiles>> ProtobufFiles::Build(
    const pb::FileDescriptorProto& root, const Resolver& resolve) {
  std::unique_ptr<ProtobufFiles> files(new ProtobufFiles());
  files->pool_ = std::make_unique<pb::DescriptorPool>();
  if (absl::Status s = files->BuildFile(root, resolve, 0); !s.ok()) return s;
  files->root_ = files->pool_->FindFileByName(root.name());
  if (files->root_ == nullptr) return absl::InternalError("the schema's file is not in its pool");
  return files;
}

absl::Status ProtobufFiles::BuildFile(const pb::FileDescriptorProto& file, const Resolver& resolve,
                                      int depth) {
  if (depth > kMaxImportDepth) {
    return absl::InvalidArgumentError(
        absl::StrCat("imports nest deeper than ", kMaxImportDepth, " files (a cycle?)"));
  }
  for (const std::string& dep : file.dependency()) {
    if (pool_->FindFileByName(dep) != nullptr) continue;
    absl::StatusOr<pb::FileDescriptorProto> imported = resolve(dep);
    if (!imported.ok() && imported.status().code() != absl::StatusCode::kNotFound) {
      return imported.status();
    }
    if (!imported.ok()) {
      const pb::FileDescriptorProto* known = KnownProtobufFile(dep);
      if (known == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            file.name(), " imports ", dep,
            ", which is neither a reference of the schema nor a file Confluent knows"));
      }
      imported = *known;
    }
    imported->set_name(dep);
    if (absl::Status s = BuildFile(*imported, resolve, depth + 1); !s.ok()) return s;
  }
  if (pool_->FindFileByName(file.name()) != nullptr) return absl::OkStatus();
  BuildErrors errors;
  if (pool_->BuildFileCollectingErrors(file, &errors) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.name(), " is not a valid schema: ", errors.Text()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int>> ReadMessageIndexes(std::string_view* payload) {
  absl::StatusOr<int32_t> count = ReadZigZagVarint(payload);
  if (!count.ok()) return count.status();
  if (*count == 0) return std::vector<int>{0};
  // Each index takes at least one byte.
  if (*count < 0 || static_cast<size_t>(*count) > payload->size()) {
    return absl::InvalidArgumentError(absl::StrCat("message indexes: invalid count ", *count));
  }
  std::vector<int> out;
  out.reserve(*count);
  for (int i = 0; i < *count; ++i) {
    absl::StatusOr<int32_t> index = ReadZigZagVarint(payload);
    if (!index.ok()) return index.status();
    out.push_back(*index);
  }
  return out;
}

std::string WriteMessageIndexes(const std::vector<int>& indexes) {
  std::string out;
  if (indexes == std::vector<int>{0}) {
    out.push_back('\0');
    return out;
  }
  WriteZigZagVarint(static_cast<int32_t>(indexes.size()), &out);
  for (int i : indexes) WriteZigZagVarint(i, &out);
  return out;
}

absl::StatusOr<const pb::Descriptor*> MessageAtIndexes(const pb::FileDescriptor& file,
                                                       const std::vector<int>& indexes) {
  const pb::Descriptor* at = nullptr;
  for (size_t i = 0; i < indexes.size(); ++i) {
    const int index = indexes[i];
    if (i == 0) {
      if (index >= 0 && index < file.message_type_count()) at = file.message_type(index);
    } else {
      std::vector<const pb::Descriptor*> nested = NestedMessages(*at);
      at = index >= 0 && static_cast<size_t>(index) < nested.size() ? nested[index] : nullptr;
    }
    if (at == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("Invalid message indexes: [", absl::StrJoin(indexes, ", "), "]"));
    }
  }
  if (at == nullptr) return absl::InvalidArgumentError("Invalid message indexes: []");
  return at;
}

std::vector<int> MessageIndexesOf(const pb::Descriptor& message) {
  std::vector<int> out;
  for (const pb::Descriptor* d = &message; d != nullptr; d = d->containing_type()) {
    if (d->containing_type() == nullptr) {
      out.push_back(d->index());
    } else {
      std::vector<const pb::Descriptor*> nested = NestedMessages(*d->containing_type());
      for (size_t i = 0; i < nested.size(); ++i) {
        if (nested[i] == d) out.push_back(static_cast<int>(i));
      }
    }
  }
  return std::vector<int>(out.rbegin(), out.rend());
}

std::map<std::string, std::string> FieldMetaParams(const pb::FieldDescriptor& field) {
  constexpr int kFieldMeta = 1088;  // confluent.field_meta
  constexpr int kMetaParams = 2;    // confluent.Meta.params
  std::map<std::string, std::string> out;
  const pb::Message& options = field.options();
  const pb::UnknownFieldSet& unknown = options.GetReflection()->GetUnknownFields(options);
  for (int i = 0; i < unknown.field_count(); ++i) {
    const pb::UnknownField& meta = unknown.field(i);
    if (meta.number() != kFieldMeta || meta.type() != pb::UnknownField::TYPE_LENGTH_DELIMITED) {
      continue;
    }
    pb::UnknownFieldSet meta_fields;
    if (!meta_fields.ParseFromString(meta.length_delimited())) continue;
    for (int j = 0; j < meta_fields.field_count(); ++j) {
      const pb::UnknownField& entry = meta_fields.field(j);
      if (entry.number() != kMetaParams ||
          entry.type() != pb::UnknownField::TYPE_LENGTH_DELIMITED) {
        continue;
      }
      pb::UnknownFieldSet kv;
      if (!kv.ParseFromString(entry.length_delimited())) continue;
      std::string key, value;
      for (int k = 0; k < kv.field_count(); ++k) {
        if (kv.field(k).type() != pb::UnknownField::TYPE_LENGTH_DELIMITED) continue;
        if (kv.field(k).number() == 1) key = kv.field(k).length_delimited();
        if (kv.field(k).number() == 2) value = kv.field(k).length_delimited();
      }
      out[key] = value;
    }
  }
  return out;
}

}  // namespace ferry::internal
