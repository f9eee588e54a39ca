#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "convert/converter.h"

// Connect's simple converters. Each is usable both as a record converter and
// as a header converter, as in Connect.
namespace ferry {

// org.apache.kafka.connect.storage.StringConverter. Reads bytes as UTF-8 into
// an optional STRING (invalid sequences become U+FFFD, as Java's decoder does);
// writes any value as its Values.convertToString text. Only UTF-8 is supported
// for `converter.encoding`; other encodings are refused at Configure.
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
