#include "convert/simple_converters.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "convert/absl_compat.h"
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

// ---- Character sets ------------------------------------------------------

namespace {

struct CharsetNames {
  Charset charset;
  std::vector<std::string_view> names;  // canonical first, then Java's aliases.
};

const std::vector<CharsetNames>& AllCharsets() {
  static const auto* all = new std::vector<CharsetNames>{
      {Charset::kUtf8, {"UTF-8", "UTF8", "unicode-1-1-utf-8"}},
      {Charset::kUtf16, {"UTF-16", "UTF_16", "utf16", "unicode"}},
      {Charset::kUtf16Be,
       {"UTF-16BE", "UTF_16BE", "ISO-10646-UCS-2", "X-UTF-16BE", "UnicodeBigUnmarked"}},
      {Charset::kUtf16Le, {"UTF-16LE", "UTF_16LE", "X-UTF-16LE", "UnicodeLittleUnmarked"}},
      {Charset::kIso8859_1,
       {"ISO-8859-1", "iso-ir-100", "ISO_8859_1", "latin1", "l1", "IBM819", "cp819", "csISOLatin1",
        "819", "IBM-819", "ISO8859_1", "ISO_8859-1:1987", "ISO_8859-1", "8859_1", "ISO8859-1"}},
      {Charset::kUsAscii,
       {"US-ASCII", "iso-ir-6", "ANSI_X3.4-1986", "ISO_646.irv:1991", "ASCII", "iso_646.irv:1983",
        "ANSI_X3.4-1968", "ISO646-US", "default", "cp367", "csASCII", "us", "IBM367", "ascii7",
        "646"}},
  };
  return *all;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

constexpr uint32_t kReplacement = 0xFFFD;

std::string DecodeUtf16(std::string_view bytes, bool big_endian) {
  std::string out;
  out.reserve(bytes.size());
  const auto unit = [&](size_t i) -> uint32_t {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    const auto b1 = static_cast<unsigned char>(bytes[i + 1]);
    return big_endian ? (b0 << 8 | b1) : (b1 << 8 | b0);
  };
  // As Java's UnicodeDecoder with REPLACE: a high surrogate and the unit
  // after it are one malformed sequence unless that unit is a low surrogate;
  // an unpaired low surrogate is one; bytes left at the end (an odd byte, or
  // a high surrogate without a following unit) are one.
  size_t i = 0;
  while (i + 1 < bytes.size()) {
    const uint32_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 3 >= bytes.size()) break;  // the rest is one malformed tail.
      const uint32_t low = unit(i + 2);
      i += 4;
      if (low >= 0xDC00 && low <= 0xDFFF) {
        AppendUtf8(0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00), &out);
      } else {
        AppendUtf8(kReplacement, &out);
      }
      continue;
    }
    i += 2;
    AppendUtf8(u >= 0xDC00 && u <= 0xDFFF ? kReplacement : u, &out);
  }
  if (i < bytes.size()) AppendUtf8(kReplacement, &out);
  return out;
}

// The code points of valid UTF-8 text.
absl::StatusOr<std::vector<uint32_t>> CodePoints(std::string_view utf8) {
  if (!json::IsValidUtf8(utf8)) {
    return absl::InvalidArgumentError(
        "Failed to serialize to a string: the text is not valid UTF-8");
  }
  std::vector<uint32_t> out;
  out.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    const size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < n; ++k) cp = cp << 6 | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

void AppendUtf16Unit(uint32_t u, bool big_endian, std::string* out) {
  const char hi = static_cast<char>(u >> 8), lo = static_cast<char>(u & 0xFF);
  out->push_back(big_endian ? hi : lo);
  out->push_back(big_endian ? lo : hi);
}

}  // namespace

std::optional<Charset> CharsetForName(std::string_view name) {
  for (const CharsetNames& c : AllCharsets()) {
    for (std::string_view n : c.names) {
      if (absl::EqualsIgnoreCase(internal::ToAbsl(n), internal::ToAbsl(name))) return c.charset;
    }
  }
  return std::nullopt;
}

std::string_view CharsetName(Charset charset) {
  for (const CharsetNames& c : AllCharsets()) {
    if (c.charset == charset) return c.names.front();
  }
  return "";
}

std::string DecodeCharset(Charset charset, std::string_view bytes) {
  switch (charset) {
    case Charset::kUtf8:
      return DecodeUtf8Lossy(bytes);
    case Charset::kUtf16: {
      if (bytes.size() >= 2) {
        const auto b0 = static_cast<unsigned char>(bytes[0]);
        const auto b1 = static_cast<unsigned char>(bytes[1]);
        if (b0 == 0xFE && b1 == 0xFF) return DecodeUtf16(bytes.substr(2), true);
        if (b0 == 0xFF && b1 == 0xFE) return DecodeUtf16(bytes.substr(2), false);
      }
      return DecodeUtf16(bytes, true);
    }
    case Charset::kUtf16Be:
      return DecodeUtf16(bytes, true);
    case Charset::kUtf16Le:
      return DecodeUtf16(bytes, false);
    case Charset::kIso8859_1:
    case Charset::kUsAscii: {
      std::string out;
      out.reserve(bytes.size());
      for (char ch : bytes) {
        const auto b = static_cast<unsigned char>(ch);
        AppendUtf8(charset == Charset::kUsAscii && b >= 0x80 ? kReplacement : b, &out);
      }
      return out;
    }
  }
  return std::string(bytes);
}

absl::StatusOr<std::string> EncodeCharset(Charset charset, std::string_view utf8) {
  if (charset == Charset::kUtf8) return std::string(utf8);
  absl::StatusOr<std::vector<uint32_t>> cps = CodePoints(utf8);
  if (!cps.ok()) return cps.status();
  std::string out;
  switch (charset) {
    case Charset::kUtf16:
    case Charset::kUtf16Be:
    case Charset::kUtf16Le: {
      const bool be = charset != Charset::kUtf16Le;
      out.reserve(cps->size() * 2 + 2);
      // String.getBytes writes nothing at all for "", not even the mark.
      if (charset == Charset::kUtf16 && !cps->empty()) AppendUtf16Unit(0xFEFF, true, &out);
      for (uint32_t cp : *cps) {
        if (cp >= 0x10000) {
          AppendUtf16Unit(0xD800 + ((cp - 0x10000) >> 10), be, &out);
          AppendUtf16Unit(0xDC00 + ((cp - 0x10000) & 0x3FF), be, &out);
        } else {
          AppendUtf16Unit(cp, be, &out);
        }
      }
      return out;
    }
    default: {
      const uint32_t max = charset == Charset::kUsAscii ? 0x7F : 0xFF;
      out.reserve(cps->size());
      for (uint32_t cp : *cps) {
        if (cp > max) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "Failed to serialize to a string: character U+%04X cannot be encoded in %s (Java "
              "would write '?')",
              cp, std::string(CharsetName(charset))));
        }
        out.push_back(static_cast<char>(cp));
      }
      return out;
    }
  }
}

// ---- StringConverter ------------------------------------------------------

namespace {

// Object.toString() of the value as Connect holds it: a List prints as
// "[a, b]" and a Map as "{k=v, k2=v2}" (elements by their own toString);
// a Struct as Struct.toString() ("Struct{a=1}"); everything else as
// ValueToString, which matches Java's text for numbers, booleans and
// Decimals (BigDecimal.toString).
void AppendJavaString(const SchemaPtr& schema, const Value& value, std::string* out) {
  switch (value.kind()) {
    case Value::Kind::kNull:
      out->append("null");
      return;
    case Value::Kind::kString:
      out->append(value.as_string());
      return;
    case Value::Kind::kArray: {
      const SchemaPtr elem = schema ? schema->value_schema() : nullptr;
      out->push_back('[');
      bool first = true;
      for (const Value& e : value.as_array()) {
        if (!first) out->append(", ");
        first = false;
        AppendJavaString(elem, e, out);
      }
      out->push_back(']');
      return;
    }
    case Value::Kind::kMap: {
      const SchemaPtr ks = schema ? schema->key_schema() : nullptr;
      const SchemaPtr vs = schema ? schema->value_schema() : nullptr;
      out->push_back('{');
      bool first = true;
      for (const auto& [k, v] : value.as_map()) {
        if (!first) out->append(", ");
        first = false;
        AppendJavaString(ks, k, out);
        out->push_back('=');
        AppendJavaString(vs, v, out);
      }
      out->push_back('}');
      return;
    }
    case Value::Kind::kStruct:
      out->append(StructToJavaString(value.as_struct()));
      return;
    default:
      out->append(ValueToString(schema, value));
  }
}

std::string ValidateEncoding(const ConfigValue& v) {
  if (CharsetForName(v.s)) return "";
  return "ferry supports the character sets UTF-8, UTF-16, UTF-16BE, UTF-16LE, ISO-8859-1 and "
         "US-ASCII (by Java's names and aliases)";
}

}  // namespace

const ConfigDef& StringConverter::Definition() {
  static const ConfigDef* def = [] {
    auto* d = new ConfigDef();
    d->Define(ConverterTypeConfigKey());
    d->Define(ConfigKey{
        .name = "converter.encoding",
        .type = ConfigType::kString,
        .default_value = "UTF-8",
        .importance = Importance::kHigh,
        .doc = "The name of the Java character set to use for encoding strings as byte arrays. "
               "(ferry: UTF-8, UTF-16, UTF-16BE, UTF-16LE, ISO-8859-1 and US-ASCII, by Java's "
               "names and aliases; a character the set cannot hold is an error, not '?')",
        .validator = ValidateEncoding,
    });
    return d;
  }();
  return *def;
}

absl::Status StringConverter::Configure(const std::map<std::string, std::string>& props,
                                        bool is_key) {
  return ConfigureAs(props, is_key ? "key" : "value");
}

absl::Status StringConverter::Configure(const std::map<std::string, std::string>& props) {
  return ConfigureAs(props, "header");
}

absl::Status StringConverter::ConfigureAs(const std::map<std::string, std::string>& props,
                                          std::string_view type) {
  absl::StatusOr<ParsedConfig> config = Definition().Parse(WithConverterType(props, type));
  if (!config.ok()) return config.status();
  const Charset encoding = *CharsetForName(config->GetString("converter.encoding"));
  // As StringSerializer/StringDeserializer.configure(configs, isKey): the
  // role's own key wins over converter.encoding (header converters count as
  // values).
  const std::string role = type == "key" ? "key." : "value.";
  auto pick = [&](std::string_view what, Charset* out) -> absl::Status {
    *out = encoding;
    auto it = props.find(absl::StrCat(role, std::string(what), ".encoding"));
    if (it == props.end()) return absl::OkStatus();
    std::optional<Charset> c = CharsetForName(it->second);
    if (!c) {
      return absl::InvalidArgumentError(absl::StrCat(it->first, ": Invalid value ", it->second,
                                                     " for configuration ", it->first, ": ",
                                                     ValidateEncoding(ConfigValue{})));
    }
    *out = *c;
    return absl::OkStatus();
  };
  if (absl::Status s = pick("serializer", &serialize_); !s.ok()) return s;
  return pick("deserializer", &deserialize_);
}

absl::StatusOr<SchemaAndValue> StringConverter::ToConnectData(
    std::string_view, const Headers&, const std::optional<std::string>& bytes) {
  if (!bytes) return SchemaAndValue{Schema::String(true), Value()};
  return SchemaAndValue{Schema::String(true), Value(DecodeCharset(deserialize_, *bytes))};
}

absl::StatusOr<std::optional<std::string>> StringConverter::FromConnectData(std::string_view,
                                                                            const SchemaPtr& schema,
                                                                            const Value& value) {
  if (value.is_null()) return std::optional<std::string>();
  std::string text;
  AppendJavaString(schema, value, &text);
  absl::StatusOr<std::string> bytes = EncodeCharset(serialize_, text);
  if (!bytes.ok()) return bytes.status();
  return std::optional<std::string>(*std::move(bytes));
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
  static const ConfigDef* def = [] {
    auto* d = new ConfigDef();
    d->Define(ConverterTypeConfigKey());
    return d;
  }();
  return *def;
}

absl::Status ByteArrayConverter::Configure(const std::map<std::string, std::string>& props,
                                           bool is_key) {
  return Definition().Parse(WithConverterType(props, is_key ? "key" : "value")).status();
}

absl::Status ByteArrayConverter::Configure(const std::map<std::string, std::string>& props) {
  return Definition().Parse(WithConverterType(props, "header")).status();
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
