#include "convert/simple_converters.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "convert/json_text.h"
#include "convert/values.h"

namespace ferry {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  }
  return n;
}

}  // namespace

std::string DecodeUtf8Lossy(std::string_view bytes) {
  if (json::IsValidUtf8(bytes)) return std::string(bytes);
  std::string out;
  out.reserve(bytes.size() + 8);
  for (size_t i = 0; i < bytes.size();) {
    size_t n = Utf8SequenceLength(bytes, i);
    if (n == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
    } else {
      out.append(bytes.data() + i, n);
      i += n;
    }
  }
  return out;
}

// ---- StringConverter ------------------------------------------------------

const ConfigDef& StringConverter::Definition() {
  static const ConfigDef* def = [] {
    auto* d = new ConfigDef();
    d->Define(ConfigKey{
        .name = "converter.encoding",
        .type = ConfigType::kString,
        .default_value = "UTF8",
        .importance = Importance::kHigh,
        .doc = "The name of the Java character set used to encode strings. ferry supports UTF-8 "
               "only (UTF8 and UTF-8 are accepted).",
        .validator = [](const ConfigValue& v) -> std::string {
          std::string e = absl::AsciiStrToUpper(v.s);
          if (e == "UTF8" || e == "UTF-8") return "";
          return absl::StrCat("Unsupported encoding '", v.s,
                              "': ferry's StringConverter supports UTF-8 only");
        },
        .valid_values = "[UTF8, UTF-8]",
    });
    return d;
  }();
  return *def;
}

absl::Status StringConverter::Configure(const std::map<std::string, std::string>& props, bool) {
  return Configure(props);
}

absl::Status StringConverter::Configure(const std::map<std::string, std::string>& props) {
  return Definition().Parse(props).status();
}

absl::StatusOr<SchemaAndValue> StringConverter::ToConnectData(
    std::string_view, const Headers&, const std::optional<std::string>& bytes) {
  if (!bytes) return SchemaAndValue{Schema::String(true), Value()};
  return SchemaAndValue{Schema::String(true), Value(DecodeUtf8Lossy(*bytes))};
}

absl::StatusOr<std::optional<std::string>> StringConverter::FromConnectData(std::string_view,
                                                                            const SchemaPtr& schema,
                                                                            const Value& value) {
  if (value.is_null()) return std::optional<std::string>();
  if (value.kind() == Value::Kind::kString) return std::optional<std::string>(value.as_string());
  if (value.kind() == Value::Kind::kStruct) {
    return std::optional<std::string>(StructToJavaString(value.as_struct()));
  }
  return std::optional<std::string>(ValueToString(schema, value));
}

absl::StatusOr<SchemaAndValue> StringConverter::ToConnectHeader(
    std::string_view topic, std::string_view, const std::optional<std::string>& bytes) {
  return ToConnectData(topic, Headers(), bytes);
}

absl::StatusOr<std::optional<std::string>> StringConverter::FromConnectHeader(
    std::string_view topic, std::string_view, const SchemaPtr& schema, const Value& value) {
  return FromConnectData(topic, schema, value);
}

// ---- ByteArrayConverter ---------------------------------------------------

const ConfigDef& ByteArrayConverter::Definition() {
  static const ConfigDef* def = new ConfigDef();
  return *def;
}

absl::Status ByteArrayConverter::Configure(const std::map<std::string, std::string>& props, bool) {
  return Configure(props);
}

absl::Status ByteArrayConverter::Configure(const std::map<std::string, std::string>& props) {
  return Definition().Parse(props).status();
}

absl::StatusOr<SchemaAndValue> ByteArrayConverter::ToConnectData(
    std::string_view, const Headers&, const std::optional<std::string>& bytes) {
  if (!bytes) return SchemaAndValue{Schema::Bytes(true), Value()};
  return SchemaAndValue{Schema::Bytes(true), Value(Bytes{*bytes})};
}

absl::StatusOr<std::optional<std::string>> ByteArrayConverter::FromConnectData(
    std::string_view, const SchemaPtr& schema, const Value& value) {
  if (schema && schema->type() != Type::kBytes) {
    return absl::InvalidArgumentError(absl::StrCat("Invalid schema type for ByteArrayConverter: ",
                                                   std::string(TypeName(schema->type()))));
  }
  if (value.is_null()) return std::optional<std::string>();
  if (value.kind() != Value::Kind::kBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("ByteArrayConverter is not compatible with objects of type ",
                     std::string(ValueKindName(value.kind()))));
  }
  return std::optional<std::string>(value.as_bytes().data);
}

absl::StatusOr<SchemaAndValue> ByteArrayConverter::ToConnectHeader(
    std::string_view topic, std::string_view, const std::optional<std::string>& bytes) {
  return ToConnectData(topic, Headers(), bytes);
}

absl::StatusOr<std::optional<std::string>> ByteArrayConverter::FromConnectHeader(
    std::string_view topic, std::string_view, const SchemaPtr& schema, const Value& value) {
  return FromConnectData(topic, schema, value);
}

// ---- SimpleHeaderConverter ------------------------------------------------

const ConfigDef& SimpleHeaderConverter::Definition() {
  static const ConfigDef* def = new ConfigDef();
  return *def;
}

absl::Status SimpleHeaderConverter::Configure(const std::map<std::string, std::string>& props) {
  return Definition().Parse(props).status();
}

absl::StatusOr<SchemaAndValue> SimpleHeaderConverter::ToConnectHeader(
    std::string_view, std::string_view, const std::optional<std::string>& bytes) {
  if (!bytes) return SchemaAndValue{};
  std::string text = DecodeUtf8Lossy(*bytes);
  return ParseValueString(text);
}

absl::StatusOr<std::optional<std::string>> SimpleHeaderConverter::FromConnectHeader(
    std::string_view, std::string_view, const SchemaPtr& schema, const Value& value) {
  if (value.is_null()) return std::optional<std::string>();
  return std::optional<std::string>(ValueToString(schema, value));
}

}  // namespace ferry
