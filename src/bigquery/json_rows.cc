#include "bigquery/json_rows.h"

#include <google/protobuf/io/coded_stream.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace ferry::bigquery {
namespace {

using google::protobuf::io::CodedInputStream;
using json = nlohmann::json;

constexpr uint32_t kVarint = 0;
constexpr uint32_t kFixed64 = 1;
constexpr uint32_t kLengthDelimited = 2;

absl::Status Malformed(const std::string& path, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("not a row of the table schema at column '", path, "': ", std::string(what)));
}

// BigQuery wants four-digit years (absl's %Y writes year 1 as "1").
std::string DateText(const absl::CivilDay& day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

// "YYYY-MM-DDTHH:MM:SS.ffffffZ", exact to the microsecond.
std::string TimestampText(int64_t micros) {
  int64_t seconds = micros / 1000000;
  int64_t fraction = micros % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    --seconds;
  }
  const absl::CivilSecond t =
      absl::ToCivilSecond(absl::FromUnixSeconds(seconds), absl::UTCTimeZone());
  return absl::StrFormat("%sT%02d:%02d:%02d.%06dZ", DateText(absl::CivilDay(t)), t.hour(),
                         t.minute(), t.second(), fraction);
}

absl::StatusOr<json> DecodeMessage(const std::vector<TableFieldSchema>& fields,
                                   CodedInputStream& in, const std::string& prefix);

// One value of `field` whose wire type is `wire_type`.
absl::StatusOr<json> DecodeValue(const TableFieldSchema& field, uint32_t wire_type,
                                 CodedInputStream& in, const std::string& path) {
  const FieldType type = field.type;
  const bool varint_column = type == FieldType::kInteger || type == FieldType::kTimestamp ||
                             type == FieldType::kDate || type == FieldType::kBoolean;
  if (varint_column) {
    uint64_t raw = 0;
    if (wire_type != kVarint || !in.ReadVarint64(&raw)) return Malformed(path, "bad varint");
    const auto value = static_cast<int64_t>(raw);
    switch (type) {
      case FieldType::kInteger:
        return json(absl::StrCat(value));
      case FieldType::kBoolean:
        return json(value != 0);
      case FieldType::kTimestamp:
        return json(TimestampText(value));
      default:  // DATE: int32 days since the epoch.
        return json(DateText(absl::CivilDay(1970, 1, 1) + static_cast<int32_t>(value)));
    }
  }
  if (type == FieldType::kFloat) {
    uint64_t bits = 0;
    if (wire_type != kFixed64 || !in.ReadLittleEndian64(&bits)) {
      return Malformed(path, "bad double");
    }
    double d = 0;
    std::memcpy(&d, &bits, sizeof d);
    if (std::isnan(d)) return json("NaN");
    if (std::isinf(d)) return json(d > 0 ? "Infinity" : "-Infinity");
    return json(d);
  }
  uint32_t size = 0;
  if (wire_type != kLengthDelimited || !in.ReadVarint32(&size)) {
    return Malformed(path, "bad length");
  }
  if (type == FieldType::kRecord) {
    const CodedInputStream::Limit limit = in.PushLimit(static_cast<int>(size));
    absl::StatusOr<json> record = DecodeMessage(field.fields, in, path);
    if (!record.ok()) return record;
    if (in.BytesUntilLimit() != 0) return Malformed(path, "truncated record");
    in.PopLimit(limit);
    return record;
  }
  std::string bytes;
  if (!in.ReadString(&bytes, static_cast<int>(size))) return Malformed(path, "truncated bytes");
  if (type == FieldType::kBytes) return json(absl::Base64Escape(bytes));
  return json(std::move(bytes));
}

absl::StatusOr<json> DecodeMessage(const std::vector<TableFieldSchema>& fields,
                                   CodedInputStream& in, const std::string& prefix) {
  json out = json::object();
  for (uint32_t tag = in.ReadTag(); tag != 0; tag = in.ReadTag()) {
    const uint32_t number = tag >> 3;
    if (number == 0 || number > fields.size()) {
      return Malformed(prefix, absl::StrCat("no column for field number ", number));
    }
    const TableFieldSchema& field = fields[number - 1];
    const std::string path = prefix.empty() ? field.name : absl::StrCat(prefix, ".", field.name);
    absl::StatusOr<json> value = DecodeValue(field, tag & 7, in, path);
    if (!value.ok()) return value.status();
    if (field.mode == FieldMode::kRepeated) {
      json& array = out[field.name];
      if (array.is_null()) array = json::array();
      array.push_back(*std::move(value));
    } else {
      out[field.name] = *std::move(value);
    }
  }
  if (!in.ConsumedEntireMessage()) return Malformed(prefix, "bad tag");
  return out;
}

}  // namespace

absl::StatusOr<std::string> ProtoRowToJson(const TableSchema& schema, std::string_view row) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(row.data()), static_cast<int>(row.size()));
  absl::StatusOr<json> object = DecodeMessage(schema.fields, in, "");
  if (!object.ok()) return object.status();
  if (in.BytesUntilLimit() > 0) return Malformed("", "trailing bytes");
  // Strings were checked for UTF-8 by RowEncoder; JSON texts were validated.
  return object->dump(-1, ' ', false, json::error_handler_t::replace);
}

absl::StatusOr<std::unique_ptr<JsonRowEncoder>> JsonRowEncoder::Create(TableSchema schema,
                                                                       RowEncoderOptions options) {
  auto encoder = RowEncoder::Create(std::move(schema), std::move(options));
  if (!encoder.ok()) return encoder.status();
  return std::unique_ptr<JsonRowEncoder>(new JsonRowEncoder(*std::move(encoder)));
}

std::optional<RowError> JsonRowEncoder::Encode(const SinkRecord& record, std::string* json,
                                               std::string_view put_attempt_id) const {
  std::string row;
  if (std::optional<RowError> error = encoder_->Encode(record, &row, put_attempt_id)) return error;
  absl::StatusOr<std::string> rendered = ProtoRowToJson(encoder_->schema(), row);
  if (!rendered.ok()) return RowError{"", std::string(rendered.status().message())};
  *json = *std::move(rendered);
  return std::nullopt;
}

std::string KcbqInsertId(const SinkRecord& record) {
  return absl::StrCat(record.topic, "-", record.partition, "-", record.offset);
}

}  // namespace ferry::bigquery
