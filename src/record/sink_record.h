#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "record/schema.h"
#include "record/value.h"

namespace ferry {

enum class TimestampType { kNoTimestamp, kCreateTime, kLogAppendTime };

// The record exactly as it was consumed from Kafka. Kept (shared, immutable)
// alongside the converted record so a failed record can be sent to the DLQ
// byte for byte.
struct RawRecord {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;
  TimestampType timestamp_type = TimestampType::kNoTimestamp;
  std::optional<std::string> key;    // nullopt = null key.
  std::optional<std::string> value;  // nullopt = tombstone.
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

struct Header {
  std::string key;
  SchemaPtr schema;  // may be null for schemaless header values.
  Value value;
  bool operator==(const Header& o) const { return key == o.key && value == o.value; }
};

// Connect's ConnectHeaders: ordered, repeated keys allowed.
class Headers {
 public:
  const std::vector<Header>& all() const { return headers_; }
  // The last header with this key, as ConnectHeaders.lastWithName.
  const Header* LastWithName(std::string_view key) const;
  void Add(Header header) { headers_.push_back(std::move(header)); }
  void Add(std::string key, SchemaPtr schema, Value value) {
    headers_.push_back(Header{std::move(key), std::move(schema), std::move(value)});
  }
  // Removes every header with this key.
  void Remove(std::string_view key);
  size_t size() const { return headers_.size(); }
  bool empty() const { return headers_.empty(); }

 private:
  std::vector<Header> headers_;
};

// Connect's SinkRecord: Kafka coordinates, converted key/value with schemas,
// and headers. Copies are cheap (values share their compound parts); a
// transform returns a new record and leaves its input untouched.
struct SinkRecord {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;
  TimestampType timestamp_type = TimestampType::kNoTimestamp;
  SchemaPtr key_schema;
  Value key;
  SchemaPtr value_schema;
  Value value;
  Headers headers;
  std::shared_ptr<const RawRecord> raw;  // the original bytes; never null once consumed.

  // A copy with a new topic/partition/key/value/timestamp, as ConnectRecord.newRecord.
  SinkRecord NewRecord(std::string new_topic, int32_t new_partition, SchemaPtr new_key_schema,
                       Value new_key, SchemaPtr new_value_schema, Value new_value,
                       int64_t new_timestamp_ms) const;
};

}  // namespace ferry
