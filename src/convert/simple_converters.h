#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "convert/converter.h"

// Connect's simple converters. Each is usable both as a record converter and
// as a header converter, as in Connect.
namespace ferry {

// The character sets StringConverter supports: Java's standard charsets.
enum class Charset { kUtf8, kUtf16, kUtf16Be, kUtf16Le, kIso8859_1, kUsAscii };

// Java's canonical name or one of its aliases, case-insensitive ("UTF8",
// "utf-16le", "latin1", "ASCII", ...); nullopt for any other name.
std::optional<Charset> CharsetForName(std::string_view name);
std::string_view CharsetName(Charset charset);  // Java's canonical name.

// Java's new String(bytes, charset), as UTF-8: malformed input becomes U+FFFD.
// UTF-16 reads a leading byte-order mark and defaults to big-endian;
// UTF-16BE/LE keep a leading U+FEFF as a character, as Java does.
std::string DecodeCharset(Charset charset, std::string_view bytes);
// String.getBytes(charset) of UTF-8 text, except that a character the charset
// cannot hold is an error (Java writes '?'). UTF-16 writes a big-endian
// byte-order mark first, as Java does.
absl::StatusOr<std::string> EncodeCharset(Charset charset, std::string_view utf8);

// org.apache.kafka.connect.storage.StringConverter. Reads bytes in
// `converter.encoding` (default UTF-8) into an optional STRING; writes any
// value as Java's toString() text (BYTES as base64, temporals as ISO-8601). Kafka's
// StringSerializer/StringDeserializer keys are honoured too:
// `key.`/`value.` + `serializer.encoding` / `deserializer.encoding` (by the
// converter's role) take precedence over `converter.encoding` for writing /
// reading.
class StringConverter final : public Converter, public HeaderConverter {
 public:
  static const ConfigDef& Definition();
  const ConfigDef& config_def() const override { return Definition(); }
  absl::Status Configure(const std::map<std::string, std::string>& props, bool is_key) override;
  absl::Status Configure(const std::map<std::string, std::string>& props) override;
  absl::StatusOr<SchemaAndValue> ToConnectData(std::string_view topic, const Headers& headers,
                                               const std::optional<std::string>& bytes) override;
  absl::StatusOr<std::optional<std::string>> FromConnectData(std::string_view topic,
                                                             const SchemaPtr& schema,
                                                             const Value& value) override;
  absl::StatusOr<SchemaAndValue> ToConnectHeader(std::string_view topic, std::string_view key,
                                                 const std::optional<std::string>& bytes) override;
  absl::StatusOr<std::optional<std::string>> FromConnectHeader(std::string_view topic,
                                                               std::string_view key,
                                                               const SchemaPtr& schema,
                                                               const Value& value) override;

 private:
  absl::Status ConfigureAs(const std::map<std::string, std::string>& props, std::string_view type);

  Charset serialize_ = Charset::kUtf8;
  Charset deserialize_ = Charset::kUtf8;
};

// org.apache.kafka.connect.converters.ByteArrayConverter: bytes pass through as
// optional BYTES; only BYTES values (or null) can be written.
class ByteArrayConverter final : public Converter, public HeaderConverter {
 public:
  static const ConfigDef& Definition();
  const ConfigDef& config_def() const override { return Definition(); }
  absl::Status Configure(const std::map<std::string, std::string>& props, bool is_key) override;
  absl::Status Configure(const std::map<std::string, std::string>& props) override;
  absl::StatusOr<SchemaAndValue> ToConnectData(std::string_view topic, const Headers& headers,
                                               const std::optional<std::string>& bytes) override;
  absl::StatusOr<std::optional<std::string>> FromConnectData(std::string_view topic,
                                                             const SchemaPtr& schema,
                                                             const Value& value) override;
  absl::StatusOr<SchemaAndValue> ToConnectHeader(std::string_view topic, std::string_view key,
                                                 const std::optional<std::string>& bytes) override;
  absl::StatusOr<std::optional<std::string>> FromConnectHeader(std::string_view topic,
                                                               std::string_view key,
                                                               const SchemaPtr& schema,
                                                               const Value& value) override;
};

// org.apache.kafka.connect.storage.SimpleHeaderConverter, Connect's default
// header.converter: reads a header with ParseValueString (see values.h for what
// is covered) and writes a value with ValueToString.
class SimpleHeaderConverter final : public HeaderConverter {
 public:
  static const ConfigDef& Definition();
  const ConfigDef& config_def() const override { return Definition(); }
  absl::Status Configure(const std::map<std::string, std::string>& props) override;
  absl::StatusOr<SchemaAndValue> ToConnectHeader(std::string_view topic, std::string_view key,
                                                 const std::optional<std::string>& bytes) override;
  absl::StatusOr<std::optional<std::string>> FromConnectHeader(std::string_view topic,
                                                               std::string_view key,
                                                               const SchemaPtr& schema,
                                                               const Value& value) override;
};

// Java's new String(bytes, UTF_8): valid UTF-8 is returned as is; each invalid
// sequence becomes U+FFFD.
std::string DecodeUtf8Lossy(std::string_view bytes);

}  // namespace ferry
